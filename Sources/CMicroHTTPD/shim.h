#ifndef SWIFTVEC_CMICROHTTPD_SHIM_H
#define SWIFTVEC_CMICROHTTPD_SHIM_H
// microhttpd.h needs these declared first.
#include <stdarg.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <microhttpd.h>

// MHD_start_daemon is C-variadic and so not callable from Swift; this typed wrapper passes the
// options we use. The listening socket is created (and bound) by the caller.
static inline struct MHD_Daemon *swiftvec_mhd_start(unsigned int flags, int listen_fd,
                                                    unsigned int pool_size,
                                                    unsigned int connection_timeout,
                                                    MHD_AccessHandlerCallback handler, void *handler_cls,
                                                    MHD_RequestCompletedCallback completed,
                                                    void *completed_cls) {
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_LISTEN_SOCKET, (MHD_socket)listen_fd,
                            MHD_OPTION_THREAD_POOL_SIZE, pool_size,
                            MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                            MHD_OPTION_END);
}
#endif
