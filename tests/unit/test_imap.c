/* test_imap.c: reading UID SEARCH responses: every UID kept, in ascending
 * order, those below the lower bound dropped, on a large unsorted answer
 * (which a quadratic sort would take minutes over). */
#include <check.h>
#include <stdlib.h>

#include "mail/imap.h"

/* "* SEARCH" with the UIDs 1..n in the order given by perm. */
static char *search_line(const uint32_t *perm, size_t n)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "* SEARCH");
	for (size_t i = 0; i < n; i++)
		sb_addf(&sb, " %u", perm[i]);
	sb_adds(&sb, "\r\nA5 OK Search completed\r\n");
	return sb_detach(&sb);
}

START_TEST(large_unsorted)
{
	/* 1..N, shuffled with a fixed LCG (Numerical Recipes constants). */
	const size_t N = 300000;
	uint32_t *perm = malloc(N * sizeof(*perm));
	for (size_t i = 0; i < N; i++)
		perm[i] = (uint32_t)(i + 1);
	uint32_t x = 12345;
	for (size_t i = N - 1; i > 0; i--) {
		x = x * 1664525u + 1013904223u;
		size_t j = x % (i + 1);
		uint32_t t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	char *text = search_line(perm, N);
	uint32_t *uids = NULL;
	size_t n = 0;
	imap_parse_search(text, 0, &uids, &n);
	ck_assert_uint_eq(n, N);
	for (size_t i = 0; i < N; i++)
		ck_assert_uint_eq(uids[i], i + 1);
	free(uids);
	/* With a lower bound: exactly N - 1000 UIDs, from 1001 up. */
	imap_parse_search(text, 1001, &uids, &n);
	ck_assert_uint_eq(n, N - 1000);
	ck_assert_uint_eq(uids[0], 1001);
	ck_assert_uint_eq(uids[n - 1], N);
	free(uids);
	free(text);
	/* Descending, the worst case of an insertion sort. */
	for (size_t i = 0; i < N; i++)
		perm[i] = (uint32_t)(N - i);
	text = search_line(perm, N);
	imap_parse_search(text, 0, &uids, &n);
	ck_assert_uint_eq(n, N);
	for (size_t i = 0; i < N; i++)
		ck_assert_uint_eq(uids[i], i + 1);
	free(uids);
	free(text);
	free(perm);
}
END_TEST

START_TEST(small_answers)
{
	uint32_t *uids = NULL;
	size_t n = 7;
	imap_parse_search("* SEARCH\r\nA1 OK\r\n", 0, &uids, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(uids);
	/* Two SEARCH lines, a repeat kept, a value past 32 bits dropped. */
	imap_parse_search("* SEARCH 9 3 7\r\n* SEARCH 3 4294967296 1\r\nA1 OK\r\n", 0, &uids, &n);
	ck_assert_uint_eq(n, 5);
	const uint32_t want[] = { 1, 3, 3, 7, 9 };
	for (size_t i = 0; i < 5; i++)
		ck_assert_uint_eq(uids[i], want[i]);
	free(uids);
	/* IMAP answers "n:*" with the highest UID even below n. */
	imap_parse_search("* SEARCH 5\r\n", 6, &uids, &n);
	ck_assert_uint_eq(n, 0);
	free(uids);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("imap");
	TCase *tc = tcase_create("imap");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, large_unsorted);
	tcase_add_test(tc, small_answers);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
