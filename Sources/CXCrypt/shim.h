#ifndef SWIFTVEC_CXCRYPT_SHIM_H
#define SWIFTVEC_CXCRYPT_SHIM_H
#include <crypt.h>
#endif
