#ifndef SWIFTVEC_CLMDB_SHIM_H
#define SWIFTVEC_CLMDB_SHIM_H
#include <lmdb.h>
#endif
