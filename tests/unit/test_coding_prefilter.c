/* test_coding_prefilter.c: the prefilter may only hold back a rule that
 * cannot match. The reference is PCRE2 itself: every built-in rule is run
 * on every text of the labelled corpora (body, quote and signature), and
 * wherever PCRE2 finds a match the prefilter (its index of key grams,
 * then the rule's own sets) must have let the rule run.
 * Hand-written patterns show what it reads and what it leaves alone. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <check.h>
#include <dirent.h>
#include <malloc.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "coding/extract.h"
#include "coding/prefilter.h"
#include "coding/rules.h"
#include "corpus.h"
#include "base/banned.h"

static pcre2_code *compile(const char *pat)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &ec, &eo, NULL);
	ck_assert_msg(re != NULL, "%s", pat);
	return re;
}

static int matches(pcre2_code *re, const char *text)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int m = pcre2_match(re, (PCRE2_SPTR)text, strlen(text), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return m >= 0;
}

/* pattern against text: PCRE2's answer, and the filter's. */
static void check(const char *pat, const char *text, int want_match, int want_may)
{
	struct prefilter *pf = prefilter_new(pat);
	struct prefilter_text *t = xmalloc(sizeof(*t));
	prefilter_scan(t, text, strlen(text));
	pcre2_code *re = compile(pat);
	ck_assert_msg(matches(re, text) == want_match, "/%s/ on [%s]", pat, text);
	ck_assert_msg(prefilter_may_match(pf, t) == want_may, "filter of /%s/ on [%s]", pat, text);
	pcre2_code_free(re);
	prefilter_free(pf);
	free(t);
}

START_TEST(reads_literal_factors)
{
	/* The factor after \s+ is required, whatever the case. */
	check("\\b(is|werd)\\s+(al\\s+)?(verhuurd|verkocht)\\b", "Het appartement IS AL VERHUURD.", 1, 1);
	check("\\b(is|werd)\\s+(al\\s+)?(verhuurd|verkocht)\\b", "Het appartement is nog vrij.", 0, 0);
	/* A class of accented letters, a word that follows an optional one. */
	check("\\bn['’]est\\s+plus\\s+(disponible|libre)\\b", "Il n’est plus disponible", 1, 1);
	check("\\bn['’]est\\s+plus\\s+(disponible|libre)\\b", "Toujours libre samedi", 0, 0);
	check("\\b(beter\\s+)?leren\\s+kennen\\b", "We willen u graag leren kennen", 1, 1);
	check("\\b(beter\\s+)?leren\\s+kennen\\b", "Tot zaterdag", 0, 0);
	/* Every required part of a sequence is checked: "geen" and "meer"
	 * as well as the alternatives between them. */
	check("\\bgeen\\s+(bezichtiging|bezoek)\\w*\\s+meer\\b", "Geen bezoeken meer.", 1, 1);
	check("\\bgeen\\s+(bezichtiging|bezoek)\\w*\\s+meer\\b", "Het bezoek is zaterdag.", 0, 0);
	check("\\bgeen\\s+(bezichtiging|bezoek)\\w*\\s+meer\\b", "Geen probleem, bezoek kan.", 0, 0);
	/* Each alternative of the whole pattern keeps what it requires: one
	 * word of each is not enough ("geen" of the first, "verhuurd" of
	 * the second), both words of one are. */
	check("\\bgeen\\s+bezoek\\b|\\breeds\\s+verhuurd\\b", "Geen probleem: het is verhuurd.", 0, 0);
	check("\\bgeen\\s+bezoek\\b|\\breeds\\s+verhuurd\\b", "Het is reeds verhuurd.", 1, 1);
	check("\\bgeen\\s+bezoek\\b|\\breeds\\s+verhuurd\\b", "Geen bezoek.", 1, 1);
	/* An alternative that requires nothing lets every text through. */
	check("\\bgeen\\s+bezoek\\b|\\d+", "om 10 uur", 1, 1);
	/* At least once: what one copy needs is needed. */
	check("(bel\\s+)+mij", "bel bel mij", 1, 1);
	check("(bel\\s+)+mij", "mail mij", 0, 0);
	/* Optional or repeated from zero: nothing required of it. */
	check("(verhuurd)?\\s*ok", "ok", 1, 1);
	/* A negative lookbehind consumes nothing and requires nothing. */
	check("(?<!niet )verhuurd", "al verhuurd", 1, 1);
	/* A positive lookahead requires its words somewhere in the text;
	 * options that leave literals alone are followed. */
	check("(?s)\\A(?=.*?\\b(verhuurd|optie)\\b).*", "Bedankt.\nHet is verhuurd.", 1, 1);
	check("(?s)\\A(?=.*?\\b(verhuurd|optie)\\b).*", "Bedankt, nog vrij.", 0, 0);
	/* What a differential fuzzer found (generated patterns and texts,
	 * PCRE2 against the filter): classes and groups must end where PCRE2
	 * ends them, and a quantifier after a comment belongs to what stood
	 * before it. Each matches, so the filter must let it run. */
	check("[\\c]a]", "a", 1, 1);
	check("x[\\c]]yz", "x\x1dyz", 1, 1);
	check("[\\Q]abc[\\E]", "a", 1, 1);
	check("[\\E]ab]", "a", 1, 1);
	check("[\\Q\\E]ab]", "b", 1, 1);
	check("[[:x]|abc:]]zzz", "x", 1, 1);
	check("[[:]|:]]ab", ":", 1, 1);
	check("colou(?#UK)?r", "color", 1, 1);
	check("abcd(?#)*", "abc", 1, 1);
	check("ok(?![[:digit:])ab(])", "ok", 1, 1);
	check("ok(?![\\c])ab(])", "ok", 1, 1);
	check("ok(?![\\Q]\\E)ab(])", "ok", 1, 1);
	check("ok(?<![\\c])ab(])", "ok", 1, 1);
	check("[\\W][[:<:]]G", "[G", 1, 1);
	check("[[:>:]]-", "a-", 1, 1);
	/* Syntax the reader does not follow: no filter, always run. */
	ck_assert_ptr_null(prefilter_new("(?x)ver huurd"));
	/* A lookaround whose body the reader gives up on: no filter, and no
	 * read of what the reader never wrote (the heap is dirtied first, so
	 * that the build before, which read it, crashed here). */
	mallopt(M_TOP_PAD, 4 << 20); /* as corrtest's main */
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	static const size_t sizes[] = { 33000, 33100, 33200, 8300, 8400, 40000, 8216, 32928 };
	void *junk[32];
	for (int k = 0; k < 32; k++) {
		junk[k] = xmalloc(sizes[k % 8]);
		memset(junk[k], 0x41, sizes[k % 8]);
	}
	for (int k = 0; k < 32; k++)
		free(junk[k]);
	ck_assert_ptr_null(prefilter_new("(?=\\x{e9})abc"));
	ck_assert_ptr_null(prefilter_new("(?=a\\1)b"));
	ck_assert_ptr_null(prefilter_new("(?<=\\bI\\x{2019}m )fine"));
	ck_assert_ptr_null(prefilter_new("\\Qverhuurd\\E"));
	ck_assert_ptr_null(prefilter_new("(a)\\1"));
	ck_assert_ptr_null(prefilter_new(".*"));
	/* One letter has no pair or triple of letters to check. */
	ck_assert_ptr_null(prefilter_new("x"));
	/* The Kelvin sign matches 'k' caselessly: a text holding it is
	 * matched against every rule. */
	check("\\bok\\b", "O\xe2\x84\xaa", 1, 1);
	/* So does the long s for 's'. */
	check("\\bsorry\\b", "\xc5\xbforry", 1, 1);
}
END_TEST

/* What one corpus text does to every loaded rule. */
struct soundness {
	const struct coding_rules *rs;
	int np;
	pcre2_code **re;
	struct prefilter **pf;
	struct prefilter_index *ix;
	struct prefilter_text *t;
	uint64_t *cand;
	long runs, held, hits;
};

static void hold_to_pcre2(const char *path, const char *raw, size_t len, void *arg)
{
	struct soundness *so = arg;
	struct coding_text *ct = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(coding_extract(raw, len, &ct, &err), CT_OK);
	const char *texts[] = { ct->body, ct->quoted, ct->signature };
	for (int x = 0; x < 3; x++) {
		prefilter_scan(so->t, texts[x], strlen(texts[x]));
		prefilter_index_candidates(so->ix, so->t, so->cand);
		for (int i = 0; i < so->np; i++) {
			int may = (so->cand[i / 64] >> (i % 64) & 1) && prefilter_may_match(so->pf[i], so->t);
			so->runs++;
			so->held += !may;
			if (matches(so->re[i], texts[x])) {
				so->hits++;
				ck_assert_msg(may, "%s: /%s/ matches but was held back", path,
					      coding_rules_pattern(so->rs, i));
			}
		}
	}
	coding_text_free(ct);
}

START_TEST(never_holds_back_a_match)
{
	/* The built-in rules exactly as the engine loads them. */
	struct codebook *cb = NULL;
	struct coding_rules *rs = NULL;
	struct ct_err err = { 0 };
	ck_assert_int_eq(codebook_load(NULL, &cb, &err), CT_OK);
	ck_assert_int_eq(coding_rules_load(NULL, cb, 0, &rs, &err), CT_OK);
	struct soundness so = { rs, coding_rules_count(rs), NULL, NULL, NULL, NULL, NULL, 0, 0, 0 };
	ck_assert_int_gt(so.np, 200);
	so.re = xcalloc((size_t)so.np, sizeof(*so.re));
	so.pf = xcalloc((size_t)so.np, sizeof(*so.pf));
	int unfiltered = 0;
	for (int i = 0; i < so.np; i++) {
		so.re[i] = compile(coding_rules_pattern(rs, i));
		so.pf[i] = prefilter_new(coding_rules_pattern(rs, i));
		unfiltered += !so.pf[i];
	}
	so.t = xmalloc(sizeof(*so.t));
	so.ix = prefilter_index_new(so.pf, so.np);
	so.cand = xcalloc((size_t)(so.np + 63) / 64, sizeof(uint64_t));
	static const char *const dirs[] = {
		"tests/fixtures/replies",	   "tests/fixtures/replies-dev",
		"tests/fixtures/replies-holdout",  "tests/fixtures/replies-holdout2",
		"tests/fixtures/replies-holdout3", "tests/fixtures/replies-holdout4",
	};
	corpus_each(dirs, sizeof(dirs) / sizeof(*dirs), hold_to_pcre2, &so);
	ck_assert_int_gt(so.hits, 1000);
	/* It is worth having: most runs are saved, and no built-in rule is
	 * beyond the reader. */
	ck_assert_msg(so.held * 10 >= so.runs * 8, "held back %ld of %ld", so.held, so.runs);
	ck_assert_int_eq(unfiltered, 0);
	for (int i = 0; i < so.np; i++) {
		pcre2_code_free(so.re[i]);
		prefilter_free(so.pf[i]);
	}
	prefilter_index_free(so.ix);
	free(so.re), free(so.pf), free(so.t), free(so.cand);
	coding_rules_free(rs);
	codebook_free(cb);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("coding_prefilter");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, reads_literal_factors);
	tcase_add_test(tc, never_holds_back_a_match);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
