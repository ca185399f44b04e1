/* secure.c: process hardening before secrets enter memory (secure.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "base/secure.h"
#include "base/banned.h"

int secure_hold_secrets(struct ct_err *err)
{
	/* Before anything else can fail: the environment variable costs
	 * nothing to drop and must be gone before libcurl initialises. */
	unsetenv("SSLKEYLOGFILE");
	struct rlimit none = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		return ct_fail(err, CT_EENV, "cannot disable core dumps (setrlimit): %s",
			       strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) != 0)
		return ct_fail(err, CT_EENV, "cannot make the process non-dumpable (prctl): %s",
			       strerror(errno));
	return CT_OK;
}
