/* test_listing.c: the value checks of listings and response logs (e-mail,
 * URL, date, price, round, agent type, free text), whole-record validation,
 * the duplicate set, outcome/channel names and the times users type. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listings/listing.h"
#include "base/timeutil.h"
#include "responses/outcome.h"
#include "base/util.h"

START_TEST(emails)
{
	const char *why = NULL;
	static const char *const good[] = { "verhuur@immo-peeters.be", "a.b+tag@sub.example.org",
					    "o'brien@x.ie", "x_y-z@a1.b2", NULL };
	for (int i = 0; good[i]; i++)
		ck_assert_msg(listing_check_email(good[i], &why), "%s refused: %s", good[i], why);
	static const char *const bad[] = { "",
					   "no-at.example.be",
					   "two@@x.be",
					   "a@b@c.be",
					   "@immo.be",
					   "jan@localhost",
					   "jan peeters@immo.be",
					   "jan@immo.be ",
					   "jan\r\n@immo.be",
					   "jan@immo..be",
					   "jan@-immo.be",
					   "jan@immo-.be",
					   ".jan@immo.be",
					   "jan.@immo.be",
					   "ja..n@immo.be",
					   "jan(x)@immo.be",
					   "jöran@immo.be",
					   "jan@immo.be.",
					   "jan@immo_x.be",
					   NULL };
	for (int i = 0; bad[i]; i++)
		ck_assert_msg(!listing_check_email(bad[i], &why), "'%s' accepted", bad[i]);
	listing_check_email("jan@localhost", &why);
	ck_assert_str_eq(why, "needs a domain with a dot after the @ (e.g. immo.be)");
	listing_check_email("a@b@c.be", &why);
	ck_assert_str_eq(why, "must contain exactly one @");
}
END_TEST

START_TEST(urls)
{
	const char *why = NULL;
	ck_assert(listing_check_url("https://www.immoweb.be/nl/zoekertje/12345", &why));
	ck_assert(listing_check_url("HTTP://x.be", &why));
	ck_assert(listing_check_url("https://x.be/appartement-à-louer?id=3#top", &why));
	ck_assert(!listing_check_url("ftp://x.be/a", &why));
	ck_assert_str_eq(why, "must start with http:// or https://");
	ck_assert(!listing_check_url("www.immoweb.be", &why));
	ck_assert(!listing_check_url("https://", &why));
	ck_assert(!listing_check_url("https:///path", &why));
	ck_assert(!listing_check_url("https://x.be/a b", &why));
	ck_assert(!listing_check_url("https://x.be/a\nb", &why));
	ck_assert(!listing_check_url("https://x.be/\x7f", &why));
}
END_TEST

START_TEST(prices)
{
	double p = -1;
	const char *why = NULL;
	ck_assert(listing_parse_price("1250", &p, &why));
	ck_assert(p == 1250.0);
	ck_assert(listing_parse_price("1250.50", &p, &why));
	ck_assert(p == 1250.5);
	ck_assert(listing_parse_price("995.5", &p, &why));
	ck_assert(p == 995.5);
	ck_assert(listing_parse_price("0", &p, &why));
	ck_assert(p == 0.0);
	ck_assert(!listing_parse_price("1.250,00", &p, &why));
	ck_assert(strstr(why, "a point before the decimals and no thousands separator") != NULL);
	ck_assert(!listing_parse_price("1250,50", &p, &why));
	ck_assert(strstr(why, "no thousands separator") != NULL);
	ck_assert(!listing_parse_price("1 250", &p, &why));
	ck_assert(strstr(why, "no thousands separator") != NULL);
	/* A point and three digits is read as a separator, not decimals. */
	ck_assert(!listing_parse_price("1.250", &p, &why));
	ck_assert(strstr(why, "ambiguous") != NULL);
	ck_assert(!listing_parse_price("-5", &p, &why));
	ck_assert_str_eq(why, "must not be negative");
	ck_assert(!listing_parse_price("abc", &p, &why));
	ck_assert(strstr(why, "is not a number") != NULL);
	ck_assert(!listing_parse_price("€1250", &p, &why));
	ck_assert(!listing_parse_price("1e3", &p, &why));
	ck_assert(!listing_parse_price("12.", &p, &why));
	ck_assert(!listing_parse_price(".5", &p, &why));
	ck_assert(!listing_parse_price("nan", &p, &why));
	ck_assert(!listing_parse_price("", &p, &why));
}
END_TEST

START_TEST(rounds_types_text)
{
	long r = 0;
	ck_assert(listing_parse_round("1", &r));
	ck_assert_int_eq(r, 1);
	ck_assert(listing_parse_round("12", &r));
	ck_assert_int_eq(r, 12);
	ck_assert(!listing_parse_round("0", &r));
	ck_assert(!listing_parse_round("-1", &r));
	ck_assert(!listing_parse_round("1.0", &r));
	ck_assert(!listing_parse_round("two", &r));
	ck_assert(!listing_parse_round("", &r));
	ck_assert_str_eq(listing_agent_type("Agency"), "agency");
	ck_assert_str_eq(listing_agent_type("private"), "private");
	ck_assert_ptr_null(listing_agent_type("landlord"));
	char why[LISTING_WHY];
	size_t off = 99;
	ck_assert(listing_check_text("Gülşen Öztürk", why, &off));
	ck_assert(!listing_check_text("Jan\nPeeters", why, &off));
	ck_assert(strstr(why, "line break") != NULL);
	ck_assert_uint_eq(off, 3);
	ck_assert(!listing_check_text("Jan\rPeeters", why, NULL));
	ck_assert(!listing_check_text("Jan\tPeeters", why, NULL));
	ck_assert_str_eq(why, "contains a tab (U+0009)");
	ck_assert(!listing_check_text("Jan\xC2\x85", why, NULL)); /* U+0085 */
	ck_assert(strstr(why, "control character (U+0085)") != NULL);
	ck_assert(!listing_check_text("Jan\xFF", why, NULL));
	ck_assert_str_eq(why, "is not valid UTF-8");
}
END_TEST

/* The one rule at the door: what a reader cannot see, or what changes how
 * the text around it is shown, is refused, and its byte offset given (the
 * importers turn it into a column). Code points and UTF-8 bytes by hand:
 * U+2028 = E2 80 A8, U+202E = E2 80 AE, U+2066 = E2 81 A6,
 * U+200B = E2 80 8B, U+FEFF = EF BB BF, U+00AD = C2 AD. */
START_TEST(invisible_text)
{
	char why[LISTING_WHY];
	size_t off = 0;
	ck_assert(!listing_check_text("Immo\xE2\x80\xA8Peeters", why, &off));
	ck_assert_str_eq(why, "contains a line or paragraph separator (U+2028)");
	ck_assert_uint_eq(off, 4);
	ck_assert(!listing_check_text("G\xC3\xBCl\xE2\x80\xAEnesl\xC3\xBC", why, &off));
	ck_assert_str_eq(why, "contains a bidi control (U+202E)");
	ck_assert_uint_eq(off, 4); /* "G", two bytes of "ü", "l" */
	ck_assert(!listing_check_text("\xE2\x81\xA6x", why, &off));
	ck_assert_str_eq(why, "contains a bidi control (U+2066)");
	ck_assert(!listing_check_text("Jan\xE2\x80\x8B", why, &off));
	ck_assert_str_eq(why, "contains an invisible character (U+200B)");
	ck_assert(!listing_check_text("\xEF\xBB\xBFref", why, &off));
	ck_assert_str_eq(why, "contains a byte-order mark (U+FEFF)");
	ck_assert_uint_eq(off, 0);
	ck_assert(!listing_check_text("co\xC2\xADop", why, &off));
	ck_assert_str_eq(why, "contains an invisible character (U+00AD)");
	/* Visible text in any script passes. */
	ck_assert(listing_check_text("\xD9\x85\xD8\xAD\xD9\x85\xD8\xAF", why, NULL)); /* Arabic */
	ck_assert(listing_check_text("Żółć — “quoted” 😀", why, NULL));
	/* A ref is text too. */
	ck_assert(!listing_check_ref("L\xE2\x80\xAE" "1", why));
	ck_assert_str_eq(why, "contains a bidi control (U+202E)");
}
END_TEST

/* Collects "column: message" lines, with "@OFFSET" for a character at fault. */
static void collect(void *ud, const char *column, long off, const char *msg)
{
	struct strbuf *sb = ud;
	if (off >= 0)
		sb_addf(sb, "%s@%ld: %s\n", column, off, msg);
	else
		sb_addf(sb, "%s: %s\n", column, msg);
}

START_TEST(whole_listing)
{
	struct listing l;
	struct strbuf sb = STRBUF_INIT;
	const char *in[LF_COUNT] = { 0 };
	in[LF_REF] = " L1 ";
	in[LF_AGENT_TYPE] = "Private";
	in[LF_AGENT] = "  Immo  Peeters ";
	in[LF_PRICE] = "850";
	ck_assert_int_eq(listing_validate(in, &l, collect, &sb), 0);
	ck_assert_str_eq(l.f[LF_REF], "L1");
	ck_assert_str_eq(l.f[LF_AGENT_TYPE], "private");
	ck_assert_str_eq(l.f[LF_AGENT], "Immo  Peeters");
	ck_assert_ptr_null(l.f[LF_URL]);
	ck_assert(l.has_price && l.price == 850.0);
	ck_assert_int_eq(l.round, 1); /* the default */
	listing_free(&l);

	const char *bad[LF_COUNT] = { 0 };
	bad[LF_REF] = "";
	bad[LF_AGENT_TYPE] = "landlord";
	bad[LF_PRICE] = "abc";
	bad[LF_POSTED_ON] = "2026-02-30";
	bad[LF_CONTACT_NAME] = "Jan\nPeeters";
	bad[LF_CONTACT_EMAIL] = "jan@";
	bad[LF_ROUND] = "0";
	ck_assert_int_eq(listing_validate(bad, &l, collect, &sb), 7);
	ck_assert_str_eq(sb_str(&sb),
			 "contact_email: 'jan@' needs a domain with a dot after the @ (e.g. immo.be)\n"
			 "contact_name@3: contains a line break (CR or LF); a value must fit on one line\n"
			 "agent_type: 'landlord' must be agency or private\n"
			 "price: 'abc' is not a number (digits, with an optional point and decimals: "
			 "1250 or 1250.50)\n"
			 "round: '0' must be a whole number from 1 to 999999999\n"
			 "posted_on: '2026-02-30' must be a real date written YYYY-MM-DD\n"
			 "ref: is required (the listing's reference)\n");
	listing_free(&l);
	sb_free(&sb);
}
END_TEST

START_TEST(seen_sets)
{
	struct seen_set s = { 0 };
	char key[32];
	/* Enough keys to make the table grow several times. */
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "L%d", i);
		ck_assert_int_eq(seen_add(&s, key, i + 2), 0);
	}
	ck_assert_int_eq(seen_add(&s, "L0", 5000), 2);
	ck_assert_int_eq(seen_add(&s, "L999", 5000), 1001);
	ck_assert_int_eq(seen_add(&s, "l0", 7), 0); /* the set is exact; callers fold */
	ck_assert_int_eq(seen_get(&s, "L999"), 1001);
	ck_assert_int_eq(seen_get(&s, "l0"), 7);
	ck_assert_int_eq(seen_get(&s, "L1000"), 0);
	seen_free(&s);
	struct seen_set empty = { 0 };
	ck_assert_int_eq(seen_get(&empty, "x"), 0);
	/* Refs are compared ignoring ASCII case; other bytes stay as they are. */
	char *f = listing_ref_fold("GENT-001/\xC3\x89" "a");
	ck_assert_str_eq(f, "gent-001/\xC3\x89" "a");
	free(f);
}
END_TEST

START_TEST(outcomes_channels_times)
{
	ck_assert_str_eq(outcome_parse("Invitation"), "invitation");
	ck_assert_str_eq(outcome_parse("no_reply"), "no_reply");
	ck_assert_ptr_null(outcome_parse("yes"));
	ck_assert_str_eq(channel_parse("SMS"), "sms");
	ck_assert_ptr_null(channel_parse("fax"));

	time_t t;
	char iso[ISO_LEN];
	const char *tz = "Europe/Brussels";
	/* December: Brussels is UTC+1. */
	ck_assert(outcome_parse_time("2026-12-08 14:30", tz, &t));
	time_iso_utc(t, iso);
	ck_assert_str_eq(iso, "2026-12-08T13:30:00Z");
	ck_assert(outcome_parse_time("2026-12-08T14:30:15", tz, &t));
	time_iso_utc(t, iso);
	ck_assert_str_eq(iso, "2026-12-08T13:30:15Z");
	/* July: UTC+2. */
	ck_assert(outcome_parse_time("2026-07-01 14:30", tz, &t));
	time_iso_utc(t, iso);
	ck_assert_str_eq(iso, "2026-07-01T12:30:00Z");
	/* A bare date is local midnight. */
	ck_assert(outcome_parse_time("2026-12-08", tz, &t));
	time_iso_utc(t, iso);
	ck_assert_str_eq(iso, "2026-12-07T23:00:00Z");
	/* With a zone, the zone rules. */
	ck_assert(outcome_parse_time("2026-12-08T14:30:00Z", tz, &t));
	time_iso_utc(t, iso);
	ck_assert_str_eq(iso, "2026-12-08T14:30:00Z");
	ck_assert(outcome_parse_time("2026-12-08T14:30+02:00", tz, &t));
	time_iso_utc(t, iso);
	ck_assert_str_eq(iso, "2026-12-08T12:30:00Z");
	static const char *const bad[] = { "2026-02-30 10:00", "2026-12-08 24:00",
					   "2026-12-08 10:60", "08/12/2026 10:00",
					   "2026-12-08 1:00",  "2026-12-08 10:00 x",
					   "yesterday",	       "",
					   NULL };
	for (int i = 0; bad[i]; i++)
		ck_assert_msg(!outcome_parse_time(bad[i], tz, &t), "'%s' accepted", bad[i]);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("listing");
	TCase *tc = tcase_create("listing");
	tcase_add_test(tc, emails);
	tcase_add_test(tc, urls);
	tcase_add_test(tc, prices);
	tcase_add_test(tc, rounds_types_text);
	tcase_add_test(tc, invisible_text);
	tcase_add_test(tc, whole_listing);
	tcase_add_test(tc, seen_sets);
	tcase_add_test(tc, outcomes_channels_times);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
