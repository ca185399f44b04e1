/* listing.h: the offers a study tests. Validation of every field (shared by
 * `listings add`, `listings import` and `import`), the pseudonymous agent
 * key, and insertion that keeps the landlord's identifying data in the
 * purgeable listing_contact table. */
#ifndef CT_LISTING_H
#define CT_LISTING_H

#include <stdint.h>

#include "base/timeutil.h"
#include "store/study.h"
#include "base/util.h"

enum listing_field {
	LF_REF,
	LF_URL,
	LF_CONTACT_EMAIL,
	LF_CONTACT_NAME,
	LF_AGENT_TYPE,
	LF_AGENT,
	LF_AREA,
	LF_PRICE,
	LF_ROUND,
	LF_POSTED_ON,
	LF_TITLE,
	LF_CHANNEL,	  /* smtp, portal, webmail, phone, sms; empty: the study's default */
	LF_CONTACT_PHONE, /* the landlord's number, for the phone and sms channels */
	LF_PORTAL_REF,	  /* the portal's own number for the listing */
	/* Vacancies only (a job study): the occupation's ISCO-08 code (1 to 4
	 * digits), the occupation as the vacancy names it, and the education
	 * it asks for (none, secondary, bachelor, master). */
	LF_ISCO,
	LF_OCCUPATION,
	LF_LEVEL,
	LF_COUNT
};

/* The CSV column names, in enum order, NULL-terminated. */
extern const char *const listing_columns[LF_COUNT + 1];

/* The size of a reason written by the text checks below. */
#define LISTING_WHY 96

/* A validated listing: text fields trimmed, NULL when empty (owned). */
struct listing {
	char *f[LF_COUNT];
	char *url_key; /* listing_url_key of f[LF_URL], NULL without a URL */
	int has_price;
	double price;
	long round;
};

/* Called once per bad value with the column's name, the byte offset in the
 * raw value of the character at fault (-1 when the message is about the
 * whole value) and a message without a trailing newline. */
typedef void (*listing_report_fn)(void *ud, const char *column, long off, const char *msg);

/* Validates raw values (in[i] NULL or "" when absent) into out; reports
 * every problem and returns how many there were (out is filled either way;
 * free it with listing_free). Does not look at the study (uniqueness is
 * the caller's, with listing_ref_id / listing_url_taken). */
int listing_validate(const char *const in[LF_COUNT], struct listing *out,
		     listing_report_fn report, void *ud);
void listing_free(struct listing *l);

/* The columns only a vacancy has (isco, occupation, level): for a study
 * whose market is not "job" each one l gives is reported ("applies to job
 * studies only") and counted in the return value. A housing file with an
 * isco column is a file meant for another study, not one to import with
 * its vacancy data dropped. */
int listing_check_market(const struct listing *l, const char *market, listing_report_fn report,
			 void *ud);
/* "none", "secondary", "bachelor" or "master", any case; the canonical
 * name or NULL. */
const char *listing_level(const char *s);
/* An ISCO-08 code: 1 to 4 digits (a major, sub-major, minor or unit group). */
int listing_check_isco(const char *s);

/* Single-value checks; each returns 1 when s is acceptable, else 0 and a
 * short reason in why (a static string). Dates are checked with date_valid
 * (timeutil.h). */
int listing_check_email(const char *s, const char **why);
int listing_check_url(const char *s, const char **why);
/* "1250" or "1250.50"; a comma or thousands separator is refused. */
int listing_parse_price(const char *s, double *out, const char **why);
/* A positive whole number. */
int listing_parse_round(const char *s, long *out);
/* A phone number as people write it: digits, spaces and + ( ) . / -, with
 * 6 to 20 digits. */
int listing_check_phone(const char *s, const char **why);

/* The address of a listing in a normal form, to find one listing given
 * twice: the scheme left out (a site serves the same page over http and
 * https), the host in lower case without "www." and without its default
 * port, the path without trailing slashes, the query without tracking
 * parameters (utm_*, mc_*, fbclid, gclid, msclkid and their kin) and the
 * others kept in their order, no fragment. "HTTPS://WWW.Immo.be:443/a/?
 * utm_source=x&id=3#top" -> "immo.be/a?id=3". Caller frees; NULL when url
 * does not start with http:// or https://. */
char *listing_url_key(const char *url);
/* The host at the start of a url_key, and its length in *n. */
const char *listing_key_host(const char *key, size_t *n);
/* A ref: non-empty, at most 100 bytes, text as listing_check_text takes it. */
int listing_check_ref(const char *s, char why[LISTING_WHY]);
/* "agency" or "private", any case; returns the canonical name or NULL. */
const char *listing_agent_type(const char *s);
/* Free text, at the door: the one rule of base/util.h's text_ok (valid
 * UTF-8; no control character, line break or tab, no line or paragraph
 * separator U+2028/9, bidi control, zero-width or other invisible
 * character, no byte-order mark). Returns 1 when s passes; else 0, with the
 * reason in why, a phrase to follow the value's name ("contains a bidi
 * control (U+202E)"), and the byte offset of the character in *off (off may
 * be NULL). */
int listing_check_text(const char *s, char why[LISTING_WHY], size_t *off);

/* A ref folded for comparison (ASCII lower case): "GENT-001" and
 * "gent-001" name one listing, so a file must not add both. Caller frees. */
char *listing_ref_fold(const char *ref);
/* Like listing_ref_id, but ignoring ASCII case (an exact match first);
 * *stored is the ref as the study has it (caller frees), NULL when none.
 * A scan: for single look-ups; files use a listing_ref_index first. */
int listing_ref_find(struct study *s, const char *ref, int64_t *id, char **stored,
		     struct ct_err *err);
/* The listing id of ref (exact), 0 if the study has none. */
int listing_ref_id(struct study *s, const char *ref, int64_t *id, struct ct_err *err);
/* *taken = the ref of a listing other than listing `except` (0: none) whose
 * url has the url_key key, or NULL; *url its address as stored (either
 * may be NULL; the caller frees both). */
int listing_url_taken(struct study *s, const char *key, int64_t except, char **taken,
		      char **url, struct ct_err *err);
/* *taken = the ref of a listing other than `except` with portal_ref pref on
 * the same portal: its url_key has host (n bytes), or either of the two
 * has no URL (a number alone is compared alone); NULL when none. */
int listing_portal_taken(struct study *s, const char *pref, const char *host, size_t n,
			 int64_t except, char **taken, struct ct_err *err);
/* Gives every listing with a URL and no url_key (added before schema 5)
 * its url_key, inside the caller's transaction; *n how many. The listings
 * commands call it before they look for duplicates, so that older
 * listings are compared too. */
int listing_url_keys_fill(struct study *s, long *n, struct ct_err *err);
/* Inserts a validated listing and its contact row; inside a transaction. */
int listing_insert(struct study *s, const struct listing *l, int64_t *id, struct ct_err *err);

/* The same look-ups and insert for many rows (an import): each statement
 * is prepared on first use and then reused, never prepared per row, and
 * the agent keys of the last few thousand agents (or contacts) are kept,
 * since an agency's name repeats on many rows. Zero the struct, set s, and
 * close it with listing_stmts_close. */
struct listing_stmts {
	struct study *s;
	sqlite3_stmt *by_ref, *by_ref_ci, *by_url, *by_portal, *insert, *contact;
	char now[ISO_LEN]; /* added_at: one time for all the listings of an import */
	struct seen_set *keys; /* what was keyed -> its agent key; owned */
};
int listing_stmts_ref_id(struct listing_stmts *q, const char *ref, int64_t *id,
			 struct ct_err *err);
int listing_stmts_ref_find(struct listing_stmts *q, const char *ref, int64_t *id, char **stored,
			   struct ct_err *err);
int listing_stmts_url_taken(struct listing_stmts *q, const char *key, int64_t except,
			    char **taken, char **url, struct ct_err *err);
int listing_stmts_portal_taken(struct listing_stmts *q, const char *pref, const char *host,
			       size_t n, int64_t except, char **taken, struct ct_err *err);
int listing_stmts_insert(struct listing_stmts *q, const struct listing *l, int64_t *id,
			 struct ct_err *err);
void listing_stmts_close(struct listing_stmts *q);
/* Reports (and counts in *bad) what makes l a duplicate of a listing of the
 * study other than `except`: its url_key, or its portal_ref on the same
 * portal. Callers run listing_url_keys_fill first. */
int listing_stmts_check_dups(struct listing_stmts *q, const struct listing *l, int64_t except,
			     listing_report_fn report, void *ud, int *bad, struct ct_err *err);

/* The study's refs, folded, as 64-bit hashes in a sorted array (8 bytes a
 * listing): a file's refs are checked against a large study without a query
 * per row and without holding every ref. A hit may be a hash collision, so a
 * caller confirms it with listing_ref_find; a miss is certain. */
struct listing_ref_index {
	uint64_t *hash;
	size_t n;
};
int listing_ref_index_load(struct study *s, struct listing_ref_index *x, struct ct_err *err);
/* 1 when the study may have a ref equal to fold (a folded ref). */
int listing_ref_index_has(const struct listing_ref_index *x, const char *fold);
void listing_ref_index_free(struct listing_ref_index *x);

/* `listings add`: validates raw values (as listing_validate, reporting each
 * problem, including a ref or URL the study already has) and adds the
 * listing in one transaction with a "listings.add" event. Returns CT_OK with
 * *out filled (caller frees with listing_free) and *id set; CT_EINPUT when
 * anything was reported (err then holds a count, out is empty); another
 * status with err for a database failure. The study is unchanged unless
 * CT_OK. */
int listing_add(struct study *s, const char *const in[LF_COUNT], listing_report_fn report,
		void *ud, struct listing *out, int64_t *id, struct ct_err *err);

struct outbox_withdrawn;
/* `listings withdraw`: marks the listing named ref (compared ignoring ASCII
 * case) withdrawn and removes its unsent messages' outbox files
 * (outbox_withdraw_listing fills *w: outbox_withdrawn_free), with a
 * "listings.withdraw" event whose detail is note (may be NULL) and what was
 * removed. *stored is the ref as the study writes it (caller frees; NULL on
 * failure). CT_EINPUT when there is no such listing or it is already
 * withdrawn. */
int listing_withdraw(struct study *s, const char *ref, const char *note, char **stored,
		     struct outbox_withdrawn *w, struct ct_err *err);

/* `listings edit`: sets the fields named in assign[0..n) ("field=value";
 * an empty value clears an optional field) of the listing named ref
 * (compared ignoring ASCII case), each value checked as an import checks
 * it, the agent key recomputed when the agent or contact address changes,
 * with one "listings.edit" event that names each field changed and, for
 * fields other than the landlord's data, the old and new value ("price:
 * '1250.00' -> '1300'; contact_email changed"). Once an application of the
 * listing was sent, the fields that say where it went (url, portal_ref,
 * channel, contact_email, contact_phone) are refused. Every problem is
 * reported through report; CT_EINPUT then, the study unchanged. An edit
 * that changes nothing is CT_OK with out->changed 0 and no event. Caller
 * frees out with listing_edit_result_free. */
struct listing_edit_result {
	char *ref;    /* the ref as the study writes it */
	int changed;  /* fields changed */
	char *fields; /* "price,title" */
	char *detail; /* the event's detail */
};
int listing_edit(struct study *s, const char *ref, int n, char *const *assign,
		 listing_report_fn report, void *ud, struct listing_edit_result *out,
		 struct ct_err *err);
void listing_edit_result_free(struct listing_edit_result *r);

/* One listing as `listings list` shows it. Strings are borrowed for the
 * duration of the callback and NULL when the study has none. */
struct listing_row {
	int64_t id, applications;
	const char *ref, *url, *title, *agent_type, *agent_key, *area, *posted_on, *status;
	const char *channel, *portal_ref; /* NULL when not given */
	const char *isco, *occupation, *level; /* vacancies; NULL when not given */
	int has_price;
	double price;
	long round;
	const char *contact_email, *contact_name, *agent, *contact_phone; /* purgeable */
};
/* Calls fn for every listing in id order; stops at the first non-zero
 * return of fn and returns it. */
typedef int (*listing_row_fn)(void *ud, const struct listing_row *row);
int listing_each(struct study *s, listing_row_fn fn, void *ud, struct ct_err *err);

/* A set of strings, each remembered with the line that first named it and
 * an optional second string: duplicate detection within a file without
 * quadratic scans. Strings are copied into blocks that never move, so
 * seen_val's result stays valid until seen_free; a million short keys cost
 * about 60 bytes each. Zero-initialise. */
struct seen_set {
	struct seen_entry {
		const char *key, *val;
		int line;
	} *e;
	int *slot; /* entry index + 1; 0 when free */
	size_t cap, n, ecap;
	char **block, *cur; /* every block; the one being filled */
	size_t nblock, used; /* bytes used in cur */
};
/* Adds key; returns 0 if new, else the line recorded for it earlier. */
int seen_add(struct seen_set *s, const char *key, int line);
/* The same, remembering val (may be NULL) with a new key. */
int seen_add_val(struct seen_set *s, const char *key, int line, const char *val);
/* The line recorded for key, 0 if it is not in the set. */
int seen_get(const struct seen_set *s, const char *key);
/* The value recorded with key, NULL if none or not in the set; borrowed. */
const char *seen_val(const struct seen_set *s, const char *key);
void seen_free(struct seen_set *s);

#endif
