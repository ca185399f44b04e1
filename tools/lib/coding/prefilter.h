/* prefilter.h: which coding rules can possibly match a text, without
 * running them.
 *
 * At load time each rule's pattern is read for a set of literal strings
 * one of which every match must contain ("verhuurd|verkocht|weg" in
 * /\b(is|werd)\s+(verhuurd|verkocht|weg)\b/; the factor kept is the one
 * whose shortest string is longest). At coding time the text's ASCII
 * letter pairs and triples (lower case) are hashed into a bitmap once, and
 * a rule is run only when, for one of its strings, every pair or triple
 * of that string is in the bitmap. The filter may let through a rule that
 * then does not match; it never holds back one that would: a pattern the
 * reader does not fully understand (\Q, inline options, back references)
 * gets no set and is always run, and a text holding a non-ASCII character
 * that matches an ASCII letter caselessly (the Kelvin sign, the long s,
 * the Turkish dotted and dotless i) is matched against every rule.
 *
 * Why: a reply is coded against a few hundred patterns, most of which
 * cannot match it; the bitmap costs one pass over the text, a check a few
 * bit tests, and a PCRE2 run a pass over the text per rule.
 * Pure: no I/O. */
#ifndef CT_CODING_PREFILTER_H
#define CT_CODING_PREFILTER_H

#include <stddef.h>

/* The checks of one pattern: a list of strings, each a list of gram
 * hashes; NULL (no filter: always run) when no useful set was found.
 * Owned by the caller: prefilter_free. */
struct prefilter;

/* The grams of one text. */
#define PREFILTER_BITS 16
struct prefilter_text {
	int all; /* every rule may match (a caseless look-alike in the text) */
	unsigned char map[(1u << PREFILTER_BITS) / 8];
};

/* The filter of a PCRE2 pattern (as written between the slashes, matched
 * caseless), or NULL when none is known. */
struct prefilter *prefilter_new(const char *pattern);
void prefilter_free(struct prefilter *pf);
/* How many alternative strings the filter checks (0 for NULL): for tests. */
int prefilter_strings(const struct prefilter *pf);

/* Fills t from text (len bytes of UTF-8). */
void prefilter_scan(struct prefilter_text *t, const char *text, size_t len);
/* 0 when the pattern behind pf cannot match the scanned text; 1 when it
 * may (always for pf NULL). */
int prefilter_may_match(const struct prefilter *pf, const struct prefilter_text *t);

#endif
