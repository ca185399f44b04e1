/* test_imap.c: reading UID SEARCH responses: every UID kept, in ascending
 * order, those below the lower bound dropped, on a large unsorted answer
 * (which a quadratic sort would take minutes over). Reading the answer to
 * a UID FETCH of many messages: hand-written IMAP answers (RFC 3501
 * section 7.4.2 syntax) whose literals hold CRLF, ")", "{123}", a line
 * that looks like another FETCH and one that starts with the command's
 * tag, fed whole, byte by byte and split at every position, give back
 * exactly the bytes the literals announce. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

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

/* Two messages as a server stores them (CRLF line ends). The first holds
 * what a reader going by lines would take for the end of the FETCH, a
 * literal's header, another FETCH response and the tagged line, and ends
 * without a line end. */
static const char msg1[] = "Subject: a)b\r\n"
			   "\r\n"
			   "line with ) and {123}\r\n"
			   "* 3 FETCH (UID 9 BODY[] {5}\r\n"
			   "c7 OK done\r\n"
			   ")\r\n"
			   "no line end at the end";
static const char msg2[] = "Subject: x\r\n\r\nbody\r\n";

/* The answer to "c7 UID FETCH 4:5 (UID BODY.PEEK[])", with unsolicited
 * data around it, as Dovecot words it. */
static char *answer(size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "* 12 EXISTS\r\n");
	sb_addf(&sb, "* 1 FETCH (UID 4 BODY[] {%zu}\r\n", sizeof(msg1) - 1);
	sb_add(&sb, msg1, sizeof(msg1) - 1);
	sb_adds(&sb, ")\r\n");
	/* A flag change by another session: no message. */
	sb_adds(&sb, "* 1 FETCH (FLAGS (\\Seen \\Answered))\r\n");
	/* Attributes in another order, with FLAGS holding parentheses. */
	sb_addf(&sb, "* 2 FETCH (BODY[] {%zu}\r\n", sizeof(msg2) - 1);
	sb_add(&sb, msg2, sizeof(msg2) - 1);
	sb_adds(&sb, " FLAGS (\\Recent) UID 5)\r\n");
	sb_adds(&sb, "c7 OK Fetch completed (0.001 + 0.000 secs).\r\n");
	*len = sb.len;
	return sb_detach(&sb);
}

static void check_two(struct imap_reader *r)
{
	ck_assert(imap_reader_done(r));
	ck_assert_str_eq(imap_reader_status(r), "OK");
	ck_assert_str_eq(imap_reader_text(r), "Fetch completed (0.001 + 0.000 secs).");
	ck_assert_uint_eq(imap_reader_exists(r), 12);
	struct imap_message *v = NULL;
	size_t n = 0;
	imap_reader_take(r, &v, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].uid, 4);
	/* 14 + 2 + 23 + 29 + 12 + 3 + 22 bytes. */
	ck_assert_uint_eq(v[0].len, 105);
	ck_assert_uint_eq(v[0].len, sizeof(msg1) - 1);
	ck_assert(!memcmp(v[0].raw, msg1, v[0].len));
	ck_assert_int_eq(v[0].raw[v[0].len], 0);
	ck_assert_uint_eq(v[1].uid, 5);
	ck_assert_uint_eq(v[1].len, 20);
	ck_assert(!memcmp(v[1].raw, msg2, v[1].len));
	imap_messages_free(v, n);
}

START_TEST(fetch_whole)
{
	size_t len, used = 0;
	char *a = answer(&len);
	struct imap_reader *r = imap_reader_new("c7", 0);
	struct ct_err err = { 0 };
	ck_assert_int_eq(imap_reader_feed(r, a, len, &used, &err), CT_OK);
	ck_assert_uint_eq(used, len);
	check_two(r);
	imap_reader_free(r);
	free(a);
}
END_TEST

START_TEST(fetch_pieces)
{
	size_t len, used;
	char *a = answer(&len);
	struct ct_err err = { 0 };
	/* One byte at a time. */
	struct imap_reader *r = imap_reader_new("c7", 0);
	for (size_t i = 0; i < len; i++) {
		ck_assert_int_eq(imap_reader_feed(r, a + i, 1, &used, &err), CT_OK);
		ck_assert_uint_eq(used, 1);
		ck_assert_int_eq(imap_reader_done(r), i == len - 1);
	}
	check_two(r);
	imap_reader_free(r);
	/* Two pieces, split at every position (inside a literal's header, its
	 * CRLF, the literal, the status line). */
	for (size_t cut = 0; cut <= len; cut++) {
		r = imap_reader_new("c7", 0);
		ck_assert_int_eq(imap_reader_feed(r, a, cut, &used, &err), CT_OK);
		ck_assert_uint_eq(used, cut);
		ck_assert_int_eq(imap_reader_feed(r, a + cut, len - cut, &used, &err), CT_OK);
		ck_assert_uint_eq(used, len - cut);
		check_two(r);
		imap_reader_free(r);
	}
	free(a);
}
END_TEST

START_TEST(fetch_sizes_and_select)
{
	/* The answer to EXAMINE, then to UID FETCH 7:* (UID RFC822.SIZE). */
	const char *ex = "* FLAGS (\\Answered \\Seen)\r\n* OK [PERMANENTFLAGS ()] Read-only.\r\n"
			 "* 3 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1796277816] UIDs valid\r\n"
			 "* OK [UIDNEXT 10] Predicted next UID\r\nc1 OK [READ-ONLY] Examine completed.\r\n";
	struct ct_err err = { 0 };
	size_t used;
	struct imap_reader *r = imap_reader_new("c1", 0);
	ck_assert_int_eq(imap_reader_feed(r, ex, strlen(ex), &used, &err), CT_OK);
	ck_assert(imap_reader_done(r));
	ck_assert_uint_eq(imap_reader_uidvalidity(r), 1796277816u);
	ck_assert_uint_eq(imap_reader_exists(r), 3);
	ck_assert_str_eq(imap_reader_text(r), "[READ-ONLY] Examine completed.");
	imap_reader_free(r);
	const char *sz = "* 2 FETCH (UID 7 RFC822.SIZE 1234)\r\n* 3 FETCH (RFC822.SIZE 0 UID 9)\r\n"
			 "c2 OK Fetch completed.\r\n";
	r = imap_reader_new("c2", 0);
	ck_assert_int_eq(imap_reader_feed(r, sz, strlen(sz), &used, &err), CT_OK);
	struct imap_message *v;
	size_t n;
	imap_reader_take(r, &v, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(v[0].uid, 7);
	ck_assert_uint_eq(v[0].size, 1234);
	ck_assert_ptr_null(v[0].raw);
	ck_assert_uint_eq(v[1].uid, 9);
	ck_assert_uint_eq(v[1].size, 0);
	imap_messages_free(v, n);
	imap_reader_free(r);
}
END_TEST

START_TEST(fetch_edge_forms)
{
	struct ct_err err = { 0 };
	size_t used;
	/* A quoted body with escapes, an empty literal, lower-case words, a
	 * bare LF line end, and what follows the tagged line left unread. */
	const char *a = "* 1 fetch (uid 3 body[] \"a\\\"b\\\\c\")\r\n"
			"* 2 FETCH (UID 4 BODY[] {0}\r\n)\n"
			"c3 ok done\r\n* 5 EXISTS\r\n";
	struct imap_reader *r = imap_reader_new("c3", 0);
	ck_assert_int_eq(imap_reader_feed(r, a, strlen(a), &used, &err), CT_OK);
	ck_assert(imap_reader_done(r));
	ck_assert_str_eq(imap_reader_status(r), "OK");
	ck_assert_uint_eq(used, strlen(a) - strlen("* 5 EXISTS\r\n"));
	struct imap_message *v;
	size_t n;
	imap_reader_take(r, &v, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].raw, "a\"b\\c");
	ck_assert_uint_eq(v[0].len, 5);
	ck_assert_uint_eq(v[1].uid, 4);
	ck_assert_uint_eq(v[1].len, 0);
	ck_assert_str_eq(v[1].raw, "");
	imap_messages_free(v, n);
	imap_reader_free(r);
	/* The server refuses: done, status NO, its words kept (controls
	 * replaced). */
	r = imap_reader_new("c4", 0);
	a = "c4 NO [SERVERBUG] no\x01way\r\n";
	ck_assert_int_eq(imap_reader_feed(r, a, strlen(a), &used, &err), CT_OK);
	ck_assert(imap_reader_done(r));
	ck_assert_str_eq(imap_reader_status(r), "NO");
	ck_assert_str_eq(imap_reader_text(r), "[SERVERBUG] no?way");
	imap_reader_free(r);
}
END_TEST

START_TEST(fetch_refused)
{
	struct ct_err err = { 0 };
	size_t used;
	/* A body without its UID. */
	const char *a = "* 1 FETCH (BODY[] {2}\r\nab)\r\nc1 OK\r\n";
	struct imap_reader *r = imap_reader_new("c1", 0);
	ck_assert_int_eq(imap_reader_feed(r, a, strlen(a), &used, &err), CT_EENV);
	ck_assert_ptr_nonnull(strstr(err.msg, "without the UID"));
	imap_reader_free(r);
	/* A literal larger than the bound: refused on its header, before any
	 * of it is held. */
	a = "* 1 FETCH (UID 1 BODY[] {1001}\r\n";
	r = imap_reader_new("c1", 1000);
	ck_assert_int_eq(imap_reader_feed(r, a, strlen(a), &used, &err), CT_EENV);
	ck_assert_ptr_nonnull(strstr(err.msg, "larger than announced"));
	imap_reader_free(r);
	/* Two literals of 600 under a bound of 1000 in all. */
	a = "* 1 FETCH (UID 1 BODY[] {600}\r\n";
	r = imap_reader_new("c1", 1000);
	ck_assert_int_eq(imap_reader_feed(r, a, strlen(a), &used, &err), CT_OK);
	char *fill = calloc(1, 600);
	ck_assert_int_eq(imap_reader_feed(r, fill, 600, &used, &err), CT_OK);
	a = ")\r\n* 2 FETCH (UID 2 BODY[] {600}\r\n";
	ck_assert_int_eq(imap_reader_feed(r, a, strlen(a), &used, &err), CT_EENV);
	free(fill);
	imap_reader_free(r);
	/* A line that is not IMAP; an unterminated quoted body. */
	r = imap_reader_new("c1", 0);
	ck_assert_int_eq(imap_reader_feed(r, "hello\r\n", 7, &used, &err), CT_EENV);
	imap_reader_free(r);
	r = imap_reader_new("c1", 0);
	a = "* 1 FETCH (UID 1 BODY[] \"abc)\r\n";
	ck_assert_int_eq(imap_reader_feed(r, a, strlen(a), &used, &err), CT_EENV);
	imap_reader_free(r);
	/* A message cut short by the end of the connection is not done. */
	r = imap_reader_new("c1", 0);
	a = "* 1 FETCH (UID 1 BODY[] {10}\r\nabc";
	ck_assert_int_eq(imap_reader_feed(r, a, strlen(a), &used, &err), CT_OK);
	ck_assert(!imap_reader_done(r));
	imap_reader_free(r);
}
END_TEST

START_TEST(uid_sets)
{
	const uint32_t a[] = { 1, 2, 3, 5, 7, 8, 4294967295u };
	char *s = imap_uid_set(a, 7);
	ck_assert_str_eq(s, "1:3,5,7:8,4294967295");
	free(s);
	const uint32_t b[] = { 42 };
	s = imap_uid_set(b, 1);
	ck_assert_str_eq(s, "42");
	free(s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("imap");
	TCase *tc = tcase_create("imap");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, large_unsorted);
	tcase_add_test(tc, small_answers);
	tcase_add_test(tc, fetch_whole);
	tcase_add_test(tc, fetch_pieces);
	tcase_add_test(tc, fetch_sizes_and_select);
	tcase_add_test(tc, fetch_edge_forms);
	tcase_add_test(tc, fetch_refused);
	tcase_add_test(tc, uid_sets);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
