/* recheck.h: re-checks of listings (issue 12, part 4). After a reply
 * coded "no longer available" (sub-code let or filled), or a pair answered
 * differently, the listing's advert is fetched again at +N days (study.ini
 * [recheck] days) to show whether it stayed online: the Belgian courts'
 * "already rented, yet still advertised" case. Each fetch is a snapshot
 * (table snapshot, schema 7): time, HTTP status, final URL, SHA-256 of the
 * body, the title and price found, the body itself (zlib), and whether the
 * listing is still advertised, with why in words.
 *
 * Kept apart from the analysis: nothing here writes a response, a coding
 * or an application, so that stats and the report are unchanged.
 * Nothing here prints or exits. */
#ifndef CT_EVIDENCE_RECHECK_H
#define CT_EVIDENCE_RECHECK_H

#include <stddef.h>
#include <stdint.h>

#include "base/timeutil.h"
#include "design/config.h"
#include "store/study.h"
#include "base/util.h"

/* The largest body kept (and hashed): a page cut there is still judged,
 * and its snapshot says so. */
#define RECHECK_MAX_BODY (5u * 1024 * 1024)
/* A recheck that meets a network error (or a server error, 5xx, or 429
 * too many requests) stays due for the next run; after this many
 * attempts it is marked failed. */
#define RECHECK_MAX_ATTEMPTS 5
/* The longest title and price kept (bytes, a final "…" included): longer
 * ones are cut at a UTF-8 boundary (the body keeps them whole). */
#define RECHECK_MAX_TITLE 300
#define RECHECK_MAX_PRICE 64
/* Redirects followed at most. */
#define RECHECK_MAX_REDIRECTS 10

/* study.ini [recheck]. */
struct recheck_cfg {
	int days[16]; /* ascending, distinct, 0..365 */
	int ndays;
	int rate_seconds;    /* between two requests to one host; default 10 */
	int timeout_seconds; /* for a whole request; default 30 */
	char *user_agent;    /* never NULL: corrtest's own when empty */
};
/* Reads and checks [recheck]: days (default "1, 3, 7": whole numbers 0 to
 * 365, comma-separated, at most 16, no repeats), rate_seconds (0 to 3600),
 * timeout_seconds (1 to 600), user_agent (plain text). CT_EINPUT naming
 * study.ini:LINE and the key. */
int recheck_cfg_load(const struct config *cfg, struct recheck_cfg *out, struct ct_err *err);
void recheck_cfg_free(struct recheck_cfg *c);

/* ---- planning ---- */

struct recheck_planned {
	int64_t listing;
	char *ref;
	const char *reason; /* "unavailable" or "differing" (static) */
	int64_t application;
	int day;
	char due_at[ISO_LEN];
};
struct recheck_skipped {
	int64_t listing;
	char *ref;
	char *why;
};
struct recheck_plan {
	struct recheck_planned *v; /* the rechecks not planned before */
	int n;
	struct recheck_skipped *skip; /* listings that would be rechecked but cannot be */
	int nskip;
	struct recheck_planned *due; /* planned before and due now (status due, due_at <= now) */
	int ndue;
};
/* Which listings get rechecks, at which days:
 * - reason "unavailable": a reply whose code (its adjudicated code, else
 *   its first code, as coding/store.h reads a reply's code) has sub-code
 *   let (housing) or filled (job) of the codebook; the reply's time is
 *   message.at (a hand-logged reply: the at of the response its code made;
 *   else when it was coded);
 * - reason "differing": a valid pair of the analysis (analysis/pairs.h,
 *   the latest response of each application) whose two outcomes differ
 *   under the study's pre-registered outcome ([design] outcome, as
 *   pairs_outcome_positive reads it: the pair's discordance); its time is
 *   the later of the two applications' latest responses (at, else the
 *   reply's message.at, else when it was coded).
 * due_at = that time + day days, for each day of [recheck] days. A listing
 * with both reasons, or several replies, gets one recheck per day (the
 * earliest reply; "unavailable" first). Only listings with an http(s) URL:
 * the others are in skip with the reason (no URL recorded, or purged).
 * With write, the new rechecks are inserted in one transaction with a
 * "recheck-plan" event (nothing when none is new); without, nothing is
 * written. Idempotent: what is planned already is not in the result. */
int recheck_plan(struct study *s, const struct recheck_cfg *c, int write, struct recheck_plan *out,
		 struct ct_err *err);
void recheck_plan_free(struct recheck_plan *p);

/* ---- fetching ---- */

/* One recheck a run dealt with. */
struct recheck_done {
	int64_t recheck, listing, snapshot; /* snapshot 0: none stored */
	char *ref;
	int day;
	long http_status;    /* 0 when no response */
	int advertised;      /* 1, 0, or -1 unknown */
	char *why;           /* for people */
	char *error;         /* a network error (the recheck stays due or failed) */
	const char *status;  /* the recheck's status after the run: due, done, failed, cancelled */
	char body_sha256[65];
};
struct recheck_run_result {
	struct recheck_done *v;
	int n;
	int fetched, advertised, gone, unknown, errors, failed, cancelled;
};
/* Runs every recheck that is due (status due, due_at <= now), one
 * request at a time, at most one request to a host every rate_seconds
 * (it waits in between). Each fetch follows redirects (http and https
 * only, at most RECHECK_MAX_REDIRECTS), with the timeout and user agent of
 * the configuration, no proxy from the environment, and keeps at most
 * RECHECK_MAX_BODY bytes. It connects to a loopback, private,
 * link-local or unspecified address only when the listing's own first
 * address was of that kind (recheck_addr_allowed). A redirect that is
 * not followed (to such an address, to another scheme than http(s), or
 * past RECHECK_MAX_REDIRECTS) is stored as a snapshot of the 3xx, unknown,
 * done, with why. A response is stored as a snapshot in its own
 * transaction with a "recheck" event whose detail holds the body's
 * SHA-256 (so that the event chain covers each body); a 2xx, 3xx or 4xx
 * makes the recheck done, a 5xx or 429 is stored and retried (it stays
 * due). A network error
 * stores no snapshot: attempts + 1 and last_error, failed after
 * RECHECK_MAX_ATTEMPTS. A listing whose URL was purged since the planning
 * is cancelled. When anything was fetched, a "recheck-run" event with the
 * counts ends the run. CT_OK also when some fetches failed (out->errors
 * counts them); CT_EENV when libcurl cannot be loaded, the database fails,
 * or another recheck run holds the study. */
int recheck_run(struct study *s, const struct recheck_cfg *c, struct recheck_run_result *out,
		struct ct_err *err);
void recheck_run_result_free(struct recheck_run_result *r);

/* ---- where a fetch may connect (pure; unit-tested) ---- */

/* The kinds of address a redirect must not reach from a public advert:
 * a hostile page could otherwise make corrtest fetch the services of its
 * own machine or network (169.254.169.254, a router) into the evidence. */
enum recheck_addr_kind {
	RECHECK_ADDR_PUBLIC,
	RECHECK_ADDR_LOOPBACK,	  /* 127/8, ::1 */
	RECHECK_ADDR_PRIVATE,	  /* 10/8, 172.16/12, 192.168/16, fc00::/7 */
	RECHECK_ADDR_LINK_LOCAL,  /* 169.254/16, fe80::/10 */
	RECHECK_ADDR_UNSPECIFIED, /* 0/8, :: (0.0.0.0 reaches this machine); other families */
};
/* The kind of an address: family AF_INET with addr a struct in_addr, or
 * AF_INET6 with a struct in6_addr (an IPv4-mapped ::ffff:a.b.c.d is read
 * as its IPv4 address). */
enum recheck_addr_kind recheck_addr_kind(int family, const void *addr);
/* Whether a fetch may connect to an address of kind to, when the first
 * address the listing's own URL connected to was of kind listing: a
 * public address always; another kind only when it is the listing's
 * (a study on loopback may be redirected on loopback; a public advert
 * may not be redirected to loopback or a private network). */
int recheck_addr_allowed(enum recheck_addr_kind listing, enum recheck_addr_kind to);

/* ---- what a page says (pure; unit-tested) ---- */

/* The phrases that say a listing is let or gone (templates/recheck/
 * phrases.txt, or the study's templates/recheck-phrases.txt). */
struct recheck_phrases;
/* Parses the phrase file: lines "LANG PHRASE" (a phrase that means the
 * advert is let or gone) or "LANG !PHRASE" (an exception: a match inside
 * it does not count, "nog niet verhuurd"); # comments; blank lines. name
 * is for messages (name:LINE). */
int recheck_phrases_parse(const char *name, const char *text, struct recheck_phrases **out,
			  struct ct_err *err);
/* The study's file, else the built-in one. */
int recheck_phrases_load(struct study *s, struct recheck_phrases **out, struct ct_err *err);
void recheck_phrases_free(struct recheck_phrases *p);

struct recheck_page {
	char *title;  /* NULL when none */
	char *price;  /* normalised amount ("1250", "995.50"), NULL when none */
	char *gone_phrase; /* the phrase found (as in the file), NULL when none */
};
/* Reads an HTML page (any bytes; text is read as UTF-8):
 * - title: the og:title meta's content, else the <title> element; entities
 *   decoded, white space collapsed to single spaces and trimmed;
 * - price, the first found of: a meta product:price:amount,
 *   og:price:amount or itemprop="price" content; a "price" in a JSON-LD
 *   script (application/ld+json), number or string; an amount next to €,
 *   EUR or &euro; in the page's text (before or after it). Amounts are
 *   normalised: thousands separators (. , space, no-break space, ')
 *   dropped, a decimal part (a last , or . followed by one or two digits)
 *   kept with a '.', and dropped when it is zero ("1.250,00" -> "1250");
 * - gone_phrase: the first phrase of the list found in the page's visible
 *   text (scripts, styles and comments left out, tags as spaces, entities
 *   decoded, ASCII letters compared without case, at word boundaries),
 *   not inside an exception.
 * A title longer than RECHECK_MAX_TITLE bytes, or a price longer than
 * RECHECK_MAX_PRICE, is cut at a UTF-8 boundary and ends in "…". */
void recheck_page_read(const char *body, size_t len, const struct recheck_phrases *ph,
		       struct recheck_page *out);
void recheck_page_free(struct recheck_page *p);

/* Whether the listing is still advertised, from one response: 0 for 404
 * and 410; for a redirect to another page (the final URL's path and query
 * differ from the requested one's, a trailing slash aside, or its host
 * does, case, port and a leading "www." aside): 0 when that page's title
 * does not contain the listing's recorded title (or none is recorded), 1
 * when the host is the same and the titles are equal (entities decoded,
 * white space collapsed, ASCII case ignored: the advert at a new
 * address), else -1 (a search page that names it, or another site: check
 * by hand); 0 when the page says it is let (gone_phrase); 1 for any other
 * 2xx; -1 (unknown) for 5xx, other 4xx (403, 429: refused, cannot tell),
 * and a 3xx that was not followed to its end. *why: the reason in words
 * (no URL, title or price in it: it is not purged); caller frees.
 * listing_title may be NULL. */
int recheck_judge(long http_status, const char *url, const char *final_url,
		  const char *listing_title, const struct recheck_page *page, char **why);

/* ---- reading back (list, dossier) ---- */

struct recheck_snapshot {
	int64_t id, recheck;
	char *at;
	char *url, *final_url; /* NULL once purged */
	long http_status;      /* 0 none */
	char *error;
	char *body_sha256;
	long long body_size;   /* -1 unknown */
	char *title, *price;   /* NULL when none found or purged */
	int has_body;          /* 0 once purged */
	int advertised;        /* 1, 0, -1 unknown */
	char *why;
};
struct recheck_item {
	int64_t id, application;
	char *reason;
	int day;
	char *due_at, *status, *planned_at;
	int attempts;
	char *last_error;
	struct recheck_snapshot *snaps; /* by time */
	int nsnaps;
};
struct recheck_listing {
	int64_t listing;
	char *ref;
	char *url;        /* the listing's URL now (NULL: none, or purged) */
	char *title;      /* the listing's recorded title */
	/* Still advertised: what the latest snapshot that could tell (its
	 * advertised not NULL) found: 1, 0, or -1 when none could (yet); and
	 * that snapshot's time (NULL when none). */
	int advertised;
	char *advertised_at;
	struct recheck_item *items; /* by day */
	int nitems;
};
/* Every listing with rechecks (listing 0), or one listing, with its
 * rechecks and their snapshots. For `recheck --list` and the dossier. */
int recheck_list(struct study *s, int64_t listing, struct recheck_listing **out, int *n,
		 struct ct_err *err);
void recheck_list_free(struct recheck_listing *v, int n);
/* The uncompressed body of a snapshot (caller frees; *body NULL when it
 * has none or was purged); CT_EENV when it does not inflate or does not
 * match its SHA-256. */
int recheck_snapshot_body(struct study *s, int64_t snapshot, char **body, size_t *len,
			  struct ct_err *err);


#endif
