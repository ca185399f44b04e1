/* secure.h: hardening for a process that holds mailbox passwords (send,
 * decline, fetch): no core file, no ptrace attach, no TLS key log. */
#ifndef CT_SECURE_H
#define CT_SECURE_H

#include "base/util.h"

/* Call before the first password is read and before libcurl starts
 * (curl_global_init reads $SSLKEYLOGFILE once). Idempotent.
 *  - RLIMIT_CORE 0 (soft and hard): a crash writes no core file with the
 *    passwords in it;
 *  - prctl(PR_SET_DUMPABLE, 0): no core either (whatever the limit or
 *    core_pattern), /proc/PID/mem and friends closed, and ptrace attach
 *    refused to every user without CAP_SYS_PTRACE, the same user included;
 *  - unsetenv("SSLKEYLOGFILE"): libcurl's TLS backend would write every TLS
 *    session key to that file, and with them anyone holding a capture of
 *    the traffic reads the passwords.
 * CT_EENV with err set when the kernel refuses one of the first two. */
int secure_hold_secrets(struct ct_err *err);

#endif
