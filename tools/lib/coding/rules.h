/* rules.h: coding rules that propose a code for a reply's text.
 *
 * A rule file (templates/coding/rules-{nl,fr,en}.txt, or a study's own
 * coding/rules-LANG.txt, which then replaces the built-in one for that
 * language) has one rule per line:
 *
 *     PRIORITY  CODE  /PATTERN/  NOTE
 *
 * PRIORITY a whole number (1 comes first); CODE a code of the codebook
 * ("refusal.let"), or "!CODE" for a negation rule; PATTERN a PCRE2 pattern
 * between slashes (a '/' inside written "\/"), matched caseless, as UTF-8,
 * with Unicode \b and \w; NOTE free text. '#' starts a comment line; blank
 * lines are ignored.
 *
 * How a text is coded:
 *  - a rule applies when its code's markets (the codebook) include the
 *    reply's market and its file's language is the reply's (all languages
 *    when the language is not given);
 *  - every match of every rule is found; a negation rule's match cancels
 *    the matches of rules of its code (or of any sub-code when it names an
 *    outcome) that overlap it: "!refusal.let /nog\s+niet\s+verhuurd/"
 *    takes back the "verhuurd" that a refusal rule found inside it, and
 *    nothing else. Patterns may also carry their own negation as a
 *    lookbehind ("(?<!niet )verhuurd"); both are used in the built-in
 *    files. A rule fires when one of its matches is not cancelled;
 *  - fired rules of one outcome: the code is that of the rule with the
 *    smallest PRIORITY (then the earlier line);
 *  - fired rules of two outcomes or more: review, never the higher
 *    priority (the reason names both rules);
 *  - an other.auto_reply rule (a text that says it is automatic) does not
 *    compete: like an auto-reply header it gives other.auto_reply only when
 *    no other rule fired, because an automatic reply that says the flat is
 *    let is a refusal;
 *  - nothing fired: other.auto_reply for an automatic reply, else review.
 * Each code records its rule ("FILE:LINE") and the SHA-256 of that file.
 * Speed: each pattern is read at load time for literal strings one of
 * which every match contains (coding/prefilter.h), and a rule is run only
 * on a text that may hold one of them (the result is the same); a pattern
 * is compiled to machine code (PCRE2 JIT) on its first run. A
 * rule set keeps scratch for coding, so one set must not code two texts at
 * once (one set per thread).
 * Pure: no database. */
#ifndef CT_CODING_RULES_H
#define CT_CODING_RULES_H

#include <stddef.h>

#include "base/util.h"
#include "coding/codebook.h"
#include "coding/extract.h"

struct coding_rules;

/* The built-in rule files of the languages in langs (bits 1 << CODING_NL,
 * ...; 0 means all three), each replaced by study_dir/coding/rules-LANG.txt
 * when study_dir is given and that file exists. Every code is checked
 * against cb (borrowed; must outlive the rules): CT_EINPUT naming FILE:LINE
 * for a malformed line, an unknown code, a no_reply code, or a pattern
 * PCRE2 refuses (with its message and offset). Caller frees with
 * coding_rules_free. */
int coding_rules_load(const char *study_dir, const struct codebook *cb, unsigned langs,
		      struct coding_rules **out, struct ct_err *err);
/* Adds the rules of one file's text (path names it in rule ids and
 * messages) for language lang to rs (a new set when *rs is NULL). */
int coding_rules_add_text(struct coding_rules **rs, const struct codebook *cb, const char *path,
			  const char *text, int lang, struct ct_err *err);
void coding_rules_free(struct coding_rules *rs);
/* How many rules were loaded (negation rules included). */
int coding_rules_count(const struct coding_rules *rs);
/* Rule i's pattern as written (borrowed), NULL out of range: for tests
 * that hold the prefilter to PCRE2 on exactly the rules loaded. */
const char *coding_rules_pattern(const struct coding_rules *rs, int i);

/* What coding found. outcome is NULL when the reply goes to review (why
 * says why). Strings are owned by the result: coding_result_clear. */
struct coding_result {
	const char *outcome; /* static (coding_outcomes), or NULL: review */
	char *code;          /* "refusal.let"; NULL for review */
	char *rule;          /* "templates/coding/rules-nl.txt:42", or "header: <why>" */
	char *rules_sha256;  /* of the rule's file; for a decision by the headers, of
			      * every loaded rule file's hash; NULL for review */
	char *why;           /* for review: "no rule matched", "conflict: ..." */
	int auto_reply;      /* headers or text say it is automatic */
};
void coding_result_clear(struct coding_result *res);

/* Codes text (UTF-8) for market (CODING_HOUSING, CODING_JOB, or 0 for
 * both) and lang (-1: every loaded language). auto_reply: what the headers
 * say. Fills *res (cleared first). CT_EINPUT for text that is not UTF-8. */
int coding_classify(const struct coding_rules *rs, const char *text, int auto_reply,
		    unsigned market, int lang, struct coding_result *res, struct ct_err *err);
/* Codes texts[0..n) (with auto_reply[0..n)) at once into res[0..n): the
 * results of coding_classify on each, found rule by rule over the batch
 * (each rule's machine code is then loaded once for the batch, not once
 * per text). rcs[t] (when rcs is not NULL) and errs[t]: each text's
 * status and error; returns the first text's error status, or CT_OK. A
 * NULL text is skipped: its res, rcs and errs are left as they are. */
int coding_classify_many(const struct coding_rules *rs, int n, const char *const *texts,
			 const int *auto_reply, unsigned market, int lang,
			 struct coding_result *res, int *rcs, struct ct_err *errs);
/* Raw messages raws[0..n) (lens[0..n) bytes): coding_extract, then
 * coding_classify_many of their bodies, as coding_classify_raw does one. */
int coding_classify_raw_many(const struct coding_rules *rs, int n, const char *const *raws,
			     const size_t *lens, unsigned market, int lang,
			     struct coding_result *res, int *rcs, struct ct_err *errs);
/* A raw message: coding_extract, then coding_classify of its body. The
 * extracted text goes to *text when text is not NULL (caller frees with
 * coding_text_free), e.g. for the review queue to show. */
int coding_classify_raw(const struct coding_rules *rs, const char *raw, size_t len,
			unsigned market, int lang, struct coding_result *res,
			struct coding_text **text, struct ct_err *err);

#endif
