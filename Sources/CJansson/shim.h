#ifndef SWIFTVEC_CJANSSON_SHIM_H
#define SWIFTVEC_CJANSSON_SHIM_H
#include <jansson.h>

// json_typeof is a macro; Swift cannot import it.
static inline int swiftvec_json_type(const json_t *j) { return (int)json_typeof(j); }
#endif
