/* prefilter.h: which coding rules can possibly match a text, without
 * running them.
 *
 * At load time each rule's pattern is read for up to three sets of literal
 * strings, every match containing one string of each ("geen" and
 * "bezichtiging|bezoek" in /\bgeen\s+(bezichtiging|bezoek)\s+meer\b/;
 * the sets kept are those whose shortest string is longest); each
 * alternative of the whole pattern gets its own sets (/a\s+b|c\s+d/:
 * "a" and "b", or "c" and "d"). At coding
 * time the text's pairs and triples of ASCII bytes (letters in lower case)
 * are hashed into a bitmap once, and a rule is run only when each set of
 * one of its alternatives has a string whose every pair or triple is in
 * the bitmap. The
 * filter may let through a rule that then does not match; it never holds
 * back one that would: a pattern the reader does not fully understand
 * (\Q, back references, \x{..}, the (?x) option; options that leave
 * literals alone, such as (?i) or (?s), are followed) gets no set and is
 * always run, and a text holding a non-ASCII character
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
#include <stdint.h>

/* The checks of one pattern: up to three sets of strings, each string a
 * list of gram hashes; NULL (no filter: always run) when no useful set
 * was found.
 * Owned by the caller: prefilter_free. */
struct prefilter;

/* The grams of one text: a bitmap, and (up to PREFILTER_LIST) the list of
 * the distinct grams, which the index looks up instead of testing each of
 * its keys. */
#define PREFILTER_BITS 16
#define PREFILTER_LIST 4096
struct prefilter_text {
	int all; /* every rule may match (a caseless look-alike in the text) */
	int ngram; /* distinct grams listed; PREFILTER_LIST + 1: too many to list */
	uint16_t gram[PREFILTER_LIST];
	unsigned char map[(1u << PREFILTER_BITS) / 8];
};

/* The filter of a PCRE2 pattern (as written between the slashes, matched
 * caseless), or NULL when none is known. */
struct prefilter *prefilter_new(const char *pattern);
void prefilter_free(struct prefilter *pf);

/* Which of many filters may let a text through, found without looking at
 * each: every string of the first (narrowest) set of each alternative of
 * each filter is keyed by the two of its grams fewest strings share,
 * indexed by gram. A filter none of whose keyed strings has both keys in
 * a text cannot pass; the others are candidates, to be asked with
 * prefilter_may_match. Not for two threads at once (it counts keys in
 * place). Owned by the caller: prefilter_index_free. */
struct prefilter_index;
/* The index of pf[0..n) (entries may be NULL: always candidates). pf must
 * outlive it. */
struct prefilter_index *prefilter_index_new(struct prefilter *const *pf, int n);
void prefilter_index_free(struct prefilter_index *ix);
/* Bit i of cand (bit i % 64 of word i / 64; (n + 63) / 64 words) set for
 * each filter i that may pass t, clear for the others. */
void prefilter_index_candidates(struct prefilter_index *ix, const struct prefilter_text *t,
				uint64_t *cand);

/* Fills t from text (len bytes of UTF-8). */
void prefilter_scan(struct prefilter_text *t, const char *text, size_t len);
/* 0 when the pattern behind pf cannot match the scanned text; 1 when it
 * may (always for pf NULL). */
int prefilter_may_match(const struct prefilter *pf, const struct prefilter_text *t);

#endif
