/* test_secure.c: secure_hold_secrets leaves the process without core
 * dumps, non-dumpable (which also refuses ptrace attach) and without
 * $SSLKEYLOGFILE. Each test runs in its own forked process (Check's
 * default), so the hardening does not leak into the others. */
#include <check.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "base/secure.h"

START_TEST(hardened)
{
	struct ct_err err = { 0 };
	setenv("SSLKEYLOGFILE", "/tmp/test_secure.keys", 1);
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L), 1);
	ck_assert_int_eq(secure_hold_secrets(&err), CT_OK);
	struct rlimit rl;
	ck_assert_int_eq(getrlimit(RLIMIT_CORE, &rl), 0);
	ck_assert_uint_eq(rl.rlim_cur, 0);
	ck_assert_uint_eq(rl.rlim_max, 0);
	ck_assert_int_eq(prctl(PR_GET_DUMPABLE, 0L, 0L, 0L, 0L), 0);
	ck_assert_ptr_null(getenv("SSLKEYLOGFILE"));
	/* Twice is fine (the hard limit is already 0). */
	ck_assert_int_eq(secure_hold_secrets(&err), CT_OK);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("secure");
	TCase *tc = tcase_create("secure");
	tcase_add_test(tc, hardened);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
