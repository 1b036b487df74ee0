#ifndef SWIFTVEC_CSIMDJSON_H
#define SWIFTVEC_CSIMDJSON_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Kinds of events in a parsed document, in document order.
enum {
    SVJ_NULL = 0, SVJ_TRUE = 1, SVJ_FALSE = 2, SVJ_INT = 3, SVJ_DOUBLE = 4, SVJ_STRING = 5,
    /// An object key; its value's events follow.
    SVJ_KEY = 6,
    /// `length` elements follow.
    SVJ_ARRAY = 7,
    /// `length` key/value pairs follow.
    SVJ_OBJECT = 8
};

typedef struct {
    uint32_t type;
    /// String bytes for SVJ_STRING/SVJ_KEY, element or pair count for SVJ_ARRAY/SVJ_OBJECT.
    uint32_t length;
    union {
        int64_t integer;
        double real;
        const char *string;
    } value;
} svj_event;

/// Parses a JSON document with simdjson. On success returns the events (owned by this thread, valid until
/// its next call) and their number in `*count`; on failure returns NULL and a static message in `*error`.
const svj_event *svj_parse(const char *data, size_t length, size_t *count, const char **error);

#ifdef __cplusplus
}
#endif
#endif
