/* test_recheck.c: what evidence/recheck reads in a fetched advert (title,
 * price, a "let" phrase), how it judges whether the advert is still there,
 * and [recheck] of study.ini. Pages written by hand here, expected values
 * by hand; the built-in phrase list is the one corrtest ships. The fetching
 * itself is tested end to end against a loopback portal (e2e 0410). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <zlib.h>

#include "base/embedded.h"
#include "design/config.h"
#include "evidence/recheck.h"
#include "preset_study.h"

static struct recheck_phrases *builtin(void)
{
	const struct embedded_file *f = embedded_find("templates/recheck/phrases.txt");
	ck_assert_ptr_nonnull(f);
	struct recheck_phrases *p = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(recheck_phrases_parse("phrases.txt", f->data, &p, &err), CT_OK);
	return p;
}

/* Reads html; returns the field asked for (title, price or phrase) as a
 * copy, "-" for none. */
static char *read_field(const char *html, char which)
{
	struct recheck_phrases *ph = builtin();
	struct recheck_page pg;
	recheck_page_read(html, strlen(html), ph, &pg);
	const char *v = which == 't' ? pg.title : which == 'p' ? pg.price : pg.gone_phrase;
	char *r = strdup(v ? v : "-");
	recheck_page_free(&pg);
	recheck_phrases_free(ph);
	return r;
}

#define CHECK_FIELD(which, html, want)                                          \
	do {                                                                    \
		char *got_ = read_field(html, which);                           \
		ck_assert_msg(!strcmp(got_, want), "%s: got '%s', want '%s'", html, \
			      got_, want);                                      \
		free(got_);                                                     \
	} while (0)

START_TEST(titles)
{
	/* og:title before <title>; entities decoded; white space collapsed. */
	CHECK_FIELD('t',
		    "<html><head><title>Portal | Loft</title>"
		    "<meta content=\"Loft  aan de\n Leie\" property='og:title'></head></html>",
		    "Loft aan de Leie");
	CHECK_FIELD('t', "<TITLE>\n  Caf&eacute; &amp; studio &#8211; Gent &#x20AC;\n</TITLE>",
		    "Caf\xC3\xA9 & studio \xE2\x80\x93 Gent \xE2\x82\xAC");
	CHECK_FIELD('t', "<html><body>Geen titel</body></html>", "-");
	/* A page in Latin-1 (no charset): read as such, stored as UTF-8. */
	CHECK_FIELD('t', "<title>Caf\xE9 \xE0 louer</title>", "Caf\xC3\xA9 \xC3\xA0 louer");
	/* An empty og:title does not hide the <title>. */
	CHECK_FIELD('t', "<meta property=\"og:title\" content=\"\"><title>Huis</title>", "Huis");
	/* A '>' inside a quoted attribute does not end the tag. */
	CHECK_FIELD('t', "<meta name=\"x\" content=\"a > b\"><title>Ok</title>", "Ok");
}
END_TEST

START_TEST(prices)
{
	CHECK_FIELD('p', "<meta property=\"product:price:amount\" content=\"1250.00\">", "1250");
	CHECK_FIELD('p', "<span itemprop=\"price\" content=\"995.5\">995,50</span>", "995.50");
	CHECK_FIELD('p',
		    "<script type=\"application/ld+json\">{\"offers\": {\"price\" : 1050, "
		    "\"priceCurrency\": \"EUR\"}}</script>",
		    "1050");
	CHECK_FIELD('p', "<p>Huurprijs: &euro; 1.250,- per maand</p>", "1250");
	CHECK_FIELD('p', "<p>1 250 \xE2\x82\xAC / mois</p>", "1250");
	CHECK_FIELD('p', "<p>Huur: 850 EUR/maand</p>", "850");
	CHECK_FIELD('p', "<p>EUR 1,250.50 monthly</p>", "1250.50");
	CHECK_FIELD('p', "<p>\xE2\x82\xAC\xC2\xA0" "1.150,00</p>", "1150");
	/* Numbers that are not next to the euro are not the price. */
	CHECK_FIELD('p', "<p>2 slaapkamers, 85 m&sup2;, bouwjaar 1998, &euro; 900</p>", "900");
	CHECK_FIELD('p', "<p>Prijs op aanvraag. 3 kamers.</p>", "-");
	/* A script is not the page's text. */
	CHECK_FIELD('p', "<script>var p = '\xE2\x82\xAC 5';</script><p>\xE2\x82\xAC 700</p>", "700");
	/* The meta price comes before a price in the text. */
	CHECK_FIELD('p', "<p>\xE2\x82\xAC 700</p><meta property=\"og:price:amount\" content=\"650\">",
		    "650");
}
END_TEST

START_TEST(let_phrases)
{
	CHECK_FIELD('g', "<p>Dit appartement is verhuurd.</p>", "verhuurd");
	CHECK_FIELD('g', "<div class=badge>VERHUURD</div>", "verhuurd");
	CHECK_FIELD('g', "<title>VERHUURD: woning</title>", "verhuurd");
	CHECK_FIELD('g', "<p>Wordt gemeubeld verhuurd vanaf 1 maart.</p>", "-");
	CHECK_FIELD('g', "<p>Nog niet verhuurd!</p>", "-");
	/* The landlord ("verhuurder") is not "verhuurd". */
	CHECK_FIELD('g', "<p>Contacteer de verhuurder.</p>", "-");
	CHECK_FIELD('g', "<p>Cette annonce n'est plus disponible.</p>", "plus disponible");
	CHECK_FIELD('g', "<p>Appartement d\xC3\xA9j\xC3\xA0 lou\xC3\xA9</p>", "lou\xC3\xA9");
	CHECK_FIELD('g', "<p>Maison lou\xC3\xA9" "e</p>", "lou\xC3\xA9" "e");
	CHECK_FIELD('g', "<p>Maison d\xE9j\xE0 lou\xE9" "e</p>", "lou\xC3\xA9" "e");
	CHECK_FIELD('g', "<p>Appartement lou\xC3\xA9 meubl\xC3\xA9.</p>", "-");
	CHECK_FIELD('g', "<p>LET AGREED</p>", "let agreed");
	CHECK_FIELD('g', "<p>This property is no longer available.</p>", "no longer available");
	CHECK_FIELD('g', "<p>Rented furnished, bills included.</p>", "-");
	CHECK_FIELD('g', "<!-- verhuurd --><p>Te huur</p>", "-");
	CHECK_FIELD('g', "<p>Appartement te huur, vrij op 1 mei.</p>", "-");
}
END_TEST

static int judge(long http, const char *url, const char *final, const char *ltitle,
		 const char *ptitle, const char *phrase)
{
	struct recheck_page pg = { (char *)ptitle, NULL, (char *)phrase };
	char *why = NULL;
	int r = recheck_judge(http, url, final, ltitle, &pg, &why);
	ck_assert_ptr_nonnull(why);
	/* The reason never repeats the URL or the titles (it is not purged). */
	ck_assert_ptr_null(strstr(why, "example"));
	ck_assert(!ptitle || !*ptitle || !strstr(why, ptitle));
	free(why);
	return r;
}

/* A title or price of a megabyte is cut (a 1 MiB <title> made `recheck
 * --list` print 26 MB), at a UTF-8 boundary, and says so with "…". */
START_TEST(long_fields)
{
	size_t big = 1024 * 1024;
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "<title>");
	for (size_t i = 0; i < big / 2; i++)
		sb_adds(&sb, "\xC3\xA9"); /* é: two bytes */
	sb_adds(&sb, "</title><p>&euro; ");
	for (size_t i = 0; i < 100; i++)
		sb_addc(&sb, '7');
	sb_adds(&sb, "</p>");
	struct recheck_page pg;
	recheck_page_read(sb_str(&sb), sb.len, NULL, &pg);
	/* 300 bytes with the 3 of "…": 297 for the text, 148 é (296 bytes),
	 * as a 149th would be cut in two. */
	struct strbuf want = STRBUF_INIT;
	for (int i = 0; i < 148; i++)
		sb_adds(&want, "\xC3\xA9");
	sb_adds(&want, "\xE2\x80\xA6");
	ck_assert_uint_eq(strlen(pg.title), 299);
	ck_assert_str_eq(pg.title, sb_str(&want));
	/* 64 bytes: 61 digits and "…". */
	ck_assert_uint_eq(strlen(pg.price), 64);
	ck_assert(!strncmp(pg.price, "7777777777777777777777777777777777777777777777777777777777777", 61));
	ck_assert_str_eq(pg.price + 61, "\xE2\x80\xA6");
	recheck_page_free(&pg);
	/* Exactly 300 bytes: kept whole. */
	sb_reset(&want);
	sb_adds(&want, "<title>");
	for (int i = 0; i < 300; i++)
		sb_addc(&want, 'a' + i % 26);
	sb_adds(&want, "</title>");
	recheck_page_read(sb_str(&want), want.len, NULL, &pg);
	ck_assert_uint_eq(strlen(pg.title), 300);
	ck_assert_ptr_null(strstr(pg.title, "\xE2\x80\xA6"));
	recheck_page_free(&pg);
	sb_free(&sb), sb_free(&want);
}
END_TEST

START_TEST(nul_bytes)
{
	/* A NUL byte in the page does not hide what follows it. */
	static const char page[] = "<p>x\0y</p><title>Na nul</title><p>verhuurd</p>";
	struct recheck_phrases *ph = builtin();
	struct recheck_page pg;
	recheck_page_read(page, sizeof(page) - 1, ph, &pg);
	ck_assert_str_eq(pg.title, "Na nul");
	ck_assert_str_eq(pg.gone_phrase, "verhuurd");
	recheck_page_free(&pg);
	recheck_phrases_free(ph);
}
END_TEST

START_TEST(judgement)
{
	const char *u = "https://portal.example/a/1";
	ck_assert_int_eq(judge(404, u, u, "Loft", NULL, NULL), 0);
	ck_assert_int_eq(judge(410, u, u, "Loft", NULL, NULL), 0);
	ck_assert_int_eq(judge(503, u, u, "Loft", NULL, NULL), -1);
	ck_assert_int_eq(judge(403, u, u, "Loft", NULL, NULL), -1);
	ck_assert_int_eq(judge(301, u, u, "Loft", NULL, NULL), -1);
	ck_assert_int_eq(judge(200, u, u, "Loft", "Loft aan de Leie", NULL), 1);
	/* Still there even when its title changed, at its own address. */
	ck_assert_int_eq(judge(200, u, u, "Loft", "Something else", NULL), 1);
	/* A redirect to a search page. */
	ck_assert_int_eq(judge(200, u, "https://portal.example/zoeken?q=gent", "Loft",
			       "Zoeken in Gent", NULL),
			 0);
	/* Without a recorded title a redirect elsewhere is gone. */
	ck_assert_int_eq(judge(200, u, "https://portal.example/b/9", NULL, "Loft", NULL), 0);
	/* A move on the same site to a page with the advert's title (equal
	 * but for case, white space and entities), a trailing slash, http to
	 * https, www. and a port: the advert. */
	ck_assert_int_eq(judge(200, u, "https://portal.example/nl/a/1-loft", "loft  AAN de leie",
			       "Loft aan de Leie", NULL),
			 1);
	ck_assert_int_eq(judge(200, u, "https://PORTAL.example:8443/b/7", "Loft &amp; tuin",
			       "loft & TUIN", NULL),
			 1);
	ck_assert_int_eq(judge(200, u, "https://portal.example/a/1/", "Loft", "x", NULL), 1);
	ck_assert_int_eq(judge(200, u, "http://www.portal.example/a/1#photos", "Loft", "x", NULL), 1);
	/* A page elsewhere whose title merely contains the advert's: a search
	 * page, or the advert with the portal's name: cannot tell. */
	ck_assert_int_eq(judge(200, "https://portal.example/a/5", "https://portal.example/zoeken?q=studio",
			       "Studio", "Studio te huur in Gent (124 resultaten)", NULL),
			 -1);
	ck_assert_int_eq(judge(200, u, "https://portal.example/nl/a/1-loft", "Loft aan de Leie",
			       "Loft aan de Leie | Portal", NULL),
			 -1);
	/* ... and a "verhuurd" on such a page does not decide it either. */
	ck_assert_int_eq(judge(200, u, "https://portal.example/zoeken", "Studio", "Studio's in Gent",
			       "verhuurd"),
			 -1);
	/* Another site is never the advert online, even with its exact title
	 * (nor the same path on it); without the title it is gone. */
	ck_assert_int_eq(judge(200, u, "https://other.example/a/1", "Loft", "Loft", NULL), -1);
	ck_assert_int_eq(judge(200, u, "https://user@other.example:443/x", "Loft", "Loft", NULL), -1);
	ck_assert_int_eq(judge(200, u, "https://other.example/a/1", "Loft", "Huis", NULL), 0);
	ck_assert_int_eq(judge(200, u, "https://portal.example.evil/a/1", "Loft", "Loft", NULL), -1);
	/* A page at a new address of the site with the advert's title that
	 * says it is let. */
	ck_assert_int_eq(judge(200, u, "https://portal.example/b/2", "Loft", "LOFT", "verhuurd"), 0);
	/* Too many requests: cannot tell (and the run asks again). */
	ck_assert_int_eq(judge(429, u, u, "Loft", NULL, NULL), -1);
	/* A page that says it is let. */
	ck_assert_int_eq(judge(200, u, u, "Loft", "Loft", "verhuurd"), 0);
}
END_TEST

/* The kind of a hand-written address (inet_pton reads it). */
static enum recheck_addr_kind kind_of(const char *a)
{
	unsigned char buf[16];
	int family = strchr(a, ':') ? AF_INET6 : AF_INET;
	ck_assert_msg(inet_pton(family, a, buf) == 1, "%s", a);
	return recheck_addr_kind(family, buf);
}

START_TEST(addresses)
{
	static const struct {
		const char *addr;
		enum recheck_addr_kind kind;
	} cases[] = {
		{ "127.0.0.1", RECHECK_ADDR_LOOPBACK },
		{ "127.255.0.9", RECHECK_ADDR_LOOPBACK },
		{ "::1", RECHECK_ADDR_LOOPBACK },
		{ "::ffff:127.0.0.1", RECHECK_ADDR_LOOPBACK },
		{ "10.0.0.1", RECHECK_ADDR_PRIVATE },
		{ "10.255.255.255", RECHECK_ADDR_PRIVATE },
		{ "172.16.0.1", RECHECK_ADDR_PRIVATE },
		{ "172.31.255.254", RECHECK_ADDR_PRIVATE },
		{ "172.15.255.255", RECHECK_ADDR_PUBLIC },
		{ "172.32.0.1", RECHECK_ADDR_PUBLIC },
		{ "192.168.1.1", RECHECK_ADDR_PRIVATE },
		{ "192.169.0.1", RECHECK_ADDR_PUBLIC },
		{ "::ffff:192.168.0.10", RECHECK_ADDR_PRIVATE },
		{ "fc00::1", RECHECK_ADDR_PRIVATE },
		{ "fd12:3456::1", RECHECK_ADDR_PRIVATE },
		{ "fe00::1", RECHECK_ADDR_PUBLIC },
		{ "169.254.169.254", RECHECK_ADDR_LINK_LOCAL },
		{ "::ffff:169.254.169.254", RECHECK_ADDR_LINK_LOCAL },
		{ "fe80::1", RECHECK_ADDR_LINK_LOCAL },
		{ "febf::1", RECHECK_ADDR_LINK_LOCAL },
		{ "fec0::1", RECHECK_ADDR_PUBLIC },
		{ "0.0.0.0", RECHECK_ADDR_UNSPECIFIED },
		{ "0.1.2.3", RECHECK_ADDR_UNSPECIFIED },
		{ "::", RECHECK_ADDR_UNSPECIFIED },
		{ "::ffff:0.0.0.0", RECHECK_ADDR_UNSPECIFIED },
		{ "93.184.216.34", RECHECK_ADDR_PUBLIC },
		{ "1.1.1.1", RECHECK_ADDR_PUBLIC },
		{ "2001:db8::1", RECHECK_ADDR_PUBLIC },
		{ "2a00:1450:4001::200e", RECHECK_ADDR_PUBLIC },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(kind_of(cases[i].addr) == cases[i].kind, "%s: %d, want %d",
			      cases[i].addr, kind_of(cases[i].addr), cases[i].kind);
	ck_assert_int_eq(recheck_addr_kind(AF_UNIX, "x"), RECHECK_ADDR_UNSPECIFIED);
	/* The listing's own first address against where a redirect goes. */
	const enum recheck_addr_kind pub = RECHECK_ADDR_PUBLIC, lo = RECHECK_ADDR_LOOPBACK,
				     priv = RECHECK_ADDR_PRIVATE, ll = RECHECK_ADDR_LINK_LOCAL,
				     un = RECHECK_ADDR_UNSPECIFIED;
	ck_assert(recheck_addr_allowed(pub, pub));
	ck_assert(!recheck_addr_allowed(pub, lo));
	ck_assert(!recheck_addr_allowed(pub, priv));
	ck_assert(!recheck_addr_allowed(pub, ll));
	ck_assert(!recheck_addr_allowed(pub, un));
	/* A study on loopback (the tests) may be redirected on loopback, and
	 * to the public; not from loopback to a private network. */
	ck_assert(recheck_addr_allowed(lo, lo));
	ck_assert(recheck_addr_allowed(lo, pub));
	ck_assert(!recheck_addr_allowed(lo, priv));
	ck_assert(!recheck_addr_allowed(lo, ll));
	ck_assert(recheck_addr_allowed(priv, priv));
	ck_assert(!recheck_addr_allowed(priv, lo));
	ck_assert(!recheck_addr_allowed(priv, ll));
	ck_assert(recheck_addr_allowed(ll, ll));
}
END_TEST

static int cfg(const char *ini, struct recheck_cfg *c, struct ct_err *err)
{
	struct config *conf = NULL;
	ck_assert_int_eq(config_parse("study.ini", ini, &conf, err), CT_OK);
	int rc = recheck_cfg_load(conf, c, err);
	config_free(conf);
	return rc;
}

START_TEST(config)
{
	struct recheck_cfg c;
	struct ct_err err = { 0 };
	ck_assert_int_eq(cfg("[recheck]\ndays = 7, 1,3\nrate_seconds = 2\nuser_agent = Bot/1\n", &c,
			     &err),
			 CT_OK);
	ck_assert_int_eq(c.ndays, 3);
	ck_assert_int_eq(c.days[0], 1);
	ck_assert_int_eq(c.days[1], 3);
	ck_assert_int_eq(c.days[2], 7);
	ck_assert_int_eq(c.rate_seconds, 2);
	ck_assert_int_eq(c.timeout_seconds, 30);
	ck_assert_str_eq(c.user_agent, "Bot/1");
	recheck_cfg_free(&c);
	/* Defaults. */
	ck_assert_int_eq(cfg("[recheck]\nuser_agent =\n", &c, &err), CT_OK);
	ck_assert_int_eq(c.ndays, 3);
	ck_assert_int_eq(c.rate_seconds, 10);
	ck_assert(!strncmp(c.user_agent, "corrtest/", 9));
	recheck_cfg_free(&c);
	ck_assert_int_eq(cfg("[recheck]\n\ndays = 1, x\n", &c, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "study.ini:3: [recheck] days"), "%s", err.msg);
	ck_assert_int_eq(cfg("[recheck]\ndays = 1, 1\n", &c, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "study.ini:2:"), "%s", err.msg);
	ck_assert_int_eq(cfg("[recheck]\ndays = 400\n", &c, &err), CT_EINPUT);
	/* An empty entry is a typo, not a list: refused with its line. */
	ck_assert_int_eq(cfg("[recheck]\n\n\ndays = 1,,3\n", &c, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "study.ini:4: [recheck] days has an empty entry"), "%s",
		      err.msg);
	ck_assert_int_eq(cfg("[recheck]\ndays = 1, 3, 7,\n", &c, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "study.ini:2: [recheck] days has an empty entry"), "%s",
		      err.msg);
	ck_assert_int_eq(cfg("[recheck]\ndays = , 1\n", &c, &err), CT_EINPUT);
	ck_assert_int_eq(cfg("[recheck]\ndays = 1 ,  , 3\n", &c, &err), CT_EINPUT);
	ck_assert_int_eq(cfg("[recheck]\nrate_seconds = -1\n", &c, &err), CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "study.ini:2: [recheck] rate_seconds"), "%s", err.msg);
	ck_assert_int_eq(cfg("[recheck]\ntimeout_seconds = 0\n", &c, &err), CT_EINPUT);
}
END_TEST

START_TEST(phrase_file)
{
	struct recheck_phrases *p = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(recheck_phrases_parse("f.txt", "# c\n\nnl verhuurd\nverhuurd\n", &p, &err),
			 CT_EINPUT);
	ck_assert_msg(strstr(err.msg, "f.txt:4:"), "%s", err.msg);
	ck_assert_int_eq(recheck_phrases_parse("f.txt", "nl !\n", &p, &err), CT_EINPUT);
	ck_assert_int_eq(recheck_phrases_parse("f.txt", "nl Weg\nnl !niet weg\n", &p, &err), CT_OK);
	struct recheck_page pg;
	const char *html = "<p>Het huis is WEG.</p>";
	recheck_page_read(html, strlen(html), p, &pg);
	ck_assert_str_eq(pg.gone_phrase, "weg");
	recheck_page_free(&pg);
	html = "<p>Het huis is niet weg.</p>";
	recheck_page_read(html, strlen(html), p, &pg);
	ck_assert_ptr_null(pg.gone_phrase);
	recheck_page_free(&pg);
	recheck_phrases_free(p);
}
END_TEST

static void exec(struct study *s, const char *sql)
{
	char *msg = NULL;
	ck_assert_msg(sqlite3_exec(s->db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg ? msg : "");
}

static long count(struct study *s, const char *sql)
{
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	long n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* On a real study database: which codes plan rechecks (the adjudicated
 * code, else the first), idempotence, listings without a URL; a snapshot
 * read back, its body inflated and checked, and purged. */
START_TEST(store)
{
	char *dir = NULL;
	struct study *s = preset_study("ct-recheck", &dir);
	struct ct_err err = { 0 };
	exec(s, "INSERT INTO persona (grp, gender, first_name, last_name, email, phone, profile, "
		"drawn_at) SELECT id, 'female', 'A', 'B', 'a@x.test', '1', '{}', "
		"'2026-12-01T00:00:00Z' FROM grp WHERE name = 'maghrebi'");
	exec(s, "INSERT INTO listing (id, ref, url, title, agent_type, added_at) VALUES "
		"(1, 'L1', 'https://portal.example/a/1', 'Loft', 'agency', '2026-12-01T00:00:00Z'), "
		"(2, 'L2', NULL, 'Huis', 'agency', '2026-12-01T00:00:00Z')");
	exec(s, "INSERT INTO application (id, listing, persona, status, sent_at) SELECT l.id, l.id, "
		"p.id, 'sent', '2026-12-07T09:00:00Z' FROM listing l, persona p");
	exec(s, "INSERT INTO message (id, application, direction, raw, sha256, at) VALUES "
		"(1, 1, 'in', X'78', 'h1', '2026-12-08T10:30:00Z'), "
		"(2, 2, 'in', X'79', 'h2', '2026-12-08T11:00:00Z')");
	exec(s, "INSERT INTO coding (message, application, pass, coder, outcome, sub_code, coded_at) "
		"VALUES (1, 1, 'first', 'A', 'refusal', 'let', '2026-12-09T08:00:00Z'), "
		"(2, 2, 'first', 'A', 'refusal', 'let', '2026-12-09T08:00:00Z')");
	struct recheck_cfg c = { { 1, 3, 7 }, 3, 10, 30, NULL };
	struct recheck_plan p;
	ck_assert_int_eq(recheck_plan(s, &c, 0, &p, &err), CT_OK);
	ck_assert_int_eq(p.n, 3);
	ck_assert_str_eq(p.v[0].ref, "L1");
	ck_assert_str_eq(p.v[0].reason, "unavailable");
	ck_assert_str_eq(p.v[0].due_at, "2026-12-09T10:30:00Z");
	ck_assert_str_eq(p.v[1].due_at, "2026-12-11T10:30:00Z");
	ck_assert_str_eq(p.v[2].due_at, "2026-12-15T10:30:00Z");
	ck_assert_int_eq(p.nskip, 1);
	ck_assert_str_eq(p.skip[0].ref, "L2");
	recheck_plan_free(&p);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM recheck"), 0);
	/* An adjudicated code without the sub-code settles it: nothing. */
	exec(s, "INSERT INTO coding (message, application, pass, coder, outcome, coded_at) VALUES "
		"(1, 1, 'adjudicated', 'B', 'refusal', '2026-12-09T09:00:00Z')");
	ck_assert_int_eq(recheck_plan(s, &c, 0, &p, &err), CT_OK);
	ck_assert_int_eq(p.n, 0);
	recheck_plan_free(&p);
	exec(s, "DELETE FROM coding WHERE pass = 'adjudicated'");
	/* Written once; a second planning adds nothing. */
	ck_assert_int_eq(recheck_plan(s, &c, 1, &p, &err), CT_OK);
	ck_assert_int_eq(p.n, 3);
	recheck_plan_free(&p);
	ck_assert_int_eq(recheck_plan(s, &c, 1, &p, &err), CT_OK);
	ck_assert_int_eq(p.n, 0);
	recheck_plan_free(&p);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM recheck WHERE status = 'due'"), 3);
	ck_assert_int_eq(count(s, "SELECT count(*) FROM event WHERE action = 'recheck-plan'"), 1);

	/* A snapshot as a fetch stores it; its SHA-256 by sha256sum. */
	static const char page[] = "hello advert";
	Bytef z[64];
	uLongf zn = sizeof(z);
	ck_assert_int_eq(compress2(z, &zn, (const Bytef *)page, sizeof(page) - 1, 9), Z_OK);
	sqlite3_stmt *st;
	ck_assert_int_eq(sqlite3_prepare_v2(s->db,
					    "INSERT INTO snapshot (recheck, listing, at, url, http_status, "
					    "final_url, body_sha256, body_size, title, price, body, "
					    "advertised, why) SELECT id, 1, '2026-12-09T12:00:00Z', "
					    "'https://portal.example/a/1', 200, "
					    "'https://portal.example/a/1', "
					    "'70479f4f8b3544989fc85bb7bdec5d0ca95d9b1147452c046ad1a58a574e8ad3',"
					    " 12, 'Loft', '850', ?, 1, 'online' FROM recheck WHERE day = 1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_blob(st, 1, z, (int)zn, SQLITE_STATIC);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	struct recheck_listing *v;
	int n;
	ck_assert_int_eq(recheck_list(s, 0, &v, &n, &err), CT_OK);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(v[0].ref, "L1");
	ck_assert_int_eq(v[0].advertised, 1);
	ck_assert_int_eq(v[0].nitems, 3);
	ck_assert_int_eq(v[0].items[0].nsnaps, 1);
	ck_assert_int_eq(v[0].items[1].nsnaps, 0);
	int64_t snap = v[0].items[0].snaps[0].id;
	ck_assert_str_eq(v[0].items[0].snaps[0].price, "850");
	ck_assert_int_eq(v[0].items[0].snaps[0].has_body, 1);
	recheck_list_free(v, n);
	char *body;
	size_t len;
	ck_assert_int_eq(recheck_snapshot_body(s, snap, &body, &len, &err), CT_OK);
	ck_assert_uint_eq(len, 12);
	ck_assert_str_eq(body, page);
	free(body);
	exec(s, "UPDATE snapshot SET body_sha256 = 'x'");
	ck_assert_int_eq(recheck_snapshot_body(s, snap, &body, &len, &err), CT_EENV);
	exec(s, "UPDATE snapshot SET body_sha256 = "
		"'70479f4f8b3544989fc85bb7bdec5d0ca95d9b1147452c046ad1a58a574e8ad3'");

	/* Purged (evidence/purge.c clears these columns and keeps the rest):
	 * the body is gone, what the snapshot showed is still told. */
	exec(s, "UPDATE snapshot SET url = NULL, final_url = NULL, title = NULL, price = NULL, "
		"body = NULL, error = NULL, why = NULL");
	ck_assert_int_eq(recheck_snapshot_body(s, snap, &body, &len, &err), CT_OK);
	ck_assert_ptr_null(body);
	ck_assert_int_eq(recheck_list(s, 1, &v, &n, &err), CT_OK);
	ck_assert_int_eq(v[0].items[0].snaps[0].has_body, 0);
	ck_assert_int_eq(v[0].advertised, 1);
	recheck_list_free(v, n);
	study_close(s);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("recheck");
	TCase *tc = tcase_create("page");
	tcase_add_test(tc, titles);
	tcase_add_test(tc, prices);
	tcase_add_test(tc, let_phrases);
	tcase_add_test(tc, nul_bytes);
	tcase_add_test(tc, long_fields);
	tcase_add_test(tc, judgement);
	tcase_add_test(tc, config);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, phrase_file);
	tcase_add_test(tc, store);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
