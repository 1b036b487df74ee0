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
// options we use. The daemon has no listening socket: the caller accepts and hands connections over
// with MHD_add_connection.
static inline struct MHD_Daemon *swiftvec_mhd_start(unsigned int flags, unsigned int connection_limit,
                                                    unsigned int connection_timeout,
                                                    MHD_AccessHandlerCallback handler, void *handler_cls,
                                                    MHD_RequestCompletedCallback completed,
                                                    void *completed_cls,
                                                    MHD_NotifyConnectionCallback notify,
                                                    void *notify_cls) {
    return MHD_start_daemon(flags, 0, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_CONNECTION_LIMIT, connection_limit,
                            MHD_OPTION_CONNECTION_TIMEOUT, connection_timeout,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_cls,
                            MHD_OPTION_NOTIFY_CONNECTION, notify, notify_cls,
                            MHD_OPTION_END);
}
#endif
