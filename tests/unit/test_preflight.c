/* test_preflight.c: the pre-flight check's rules for mail domains and
 * phone numbers, against the lists of RFC 2606 (.test, .example, .invalid,
 * .localhost; example.com, example.net, example.org) and RFC 6761, and
 * numbers written by hand. */
#include <check.h>

#include "fielding/preflight.h"
#include "base/util.h"

START_TEST(reserved_domains)
{
	/* The reserved top-level names, alone, under a name, in any case,
	 * with a trailing dot. */
	ck_assert(domain_reserved("corrtest.invalid"));
	ck_assert(domain_reserved("invalid"));
	ck_assert(domain_reserved("corrtest.test"));
	ck_assert(domain_reserved("a.b.example"));
	ck_assert(domain_reserved("localhost"));
	ck_assert(domain_reserved("mail.localhost"));
	ck_assert(domain_reserved("Corrtest.INVALID."));
	/* The three second-level names and their subdomains. */
	ck_assert(domain_reserved("example.com"));
	ck_assert(domain_reserved("mail.example.net"));
	ck_assert(domain_reserved("EXAMPLE.ORG"));
	/* Real-looking names that only contain the words. */
	ck_assert(!domain_reserved("woonstudie-gent.be"));
	ck_assert(!domain_reserved("myexample.com"));
	ck_assert(!domain_reserved("example.com.be"));
	ck_assert(!domain_reserved("testing.be"));
	ck_assert(!domain_reserved("invalid.be"));
	ck_assert(!domain_reserved("latest"));
}
END_TEST

START_TEST(placeholder_phones)
{
	ck_assert(preflight_phone_placeholder(""));
	ck_assert(preflight_phone_placeholder(NULL));
	ck_assert(preflight_phone_placeholder("n/a"));
	ck_assert(preflight_phone_placeholder("+32 460"));             /* 5 digits */
	ck_assert(preflight_phone_placeholder("+32 460 00 00 00"));    /* the preset's */
	ck_assert(preflight_phone_placeholder("0470 000000"));
	ck_assert(!preflight_phone_placeholder("+32 460 00 00 01"));
	ck_assert(!preflight_phone_placeholder("+32 9 123 45 67"));
	ck_assert(!preflight_phone_placeholder("0470/12.34.56"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("preflight");
	TCase *tc = tcase_create("preflight");
	tcase_add_test(tc, reserved_domains);
	tcase_add_test(tc, placeholder_phones);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
