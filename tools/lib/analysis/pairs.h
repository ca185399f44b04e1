/* pairs.h: the pairs of a study, read from its database. A pair is the two
 * applications to one listing: the control persona's and one test
 * persona's. A pair is valid when both were sent and the listing is active;
 * every other pair is excluded and counted by reason, never dropped. Each
 * application's outcome is its latest response (highest response.id), or
 * none (no reply). This module reads and counts; it never prints. */
#ifndef CT_PAIRS_H
#define CT_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "store/study.h"
#include "base/util.h"

/* What counts as a positive outcome (study.ini [design] outcome). */
enum pairs_def { PAIRS_STRICT = 0, PAIRS_BROAD = 1, PAIRS_ANY = 2 };
/* "strict" | "broad" | "any" -> enum value, or -1. */
int pairs_def_parse(const char *s);
const char *pairs_def_name(int def);
/* One line for humans: which outcomes are positive under def. */
const char *pairs_def_text(int def);

/* An application's outcome; PAIRS_NONE when it has no response yet. */
enum pairs_outcome {
	PAIRS_NONE = 0,
	PAIRS_INVITATION,
	PAIRS_INFO,
	PAIRS_REFUSAL,
	PAIRS_OTHER,
	PAIRS_NO_REPLY
};
int pairs_outcome_parse(const char *s); /* -1 when unknown */
/* Whether an outcome is positive under def (no response is negative). */
int pairs_outcome_positive(int outcome, int def);
/* The same for an outcome as stored ("invitation", ...; NULL or unknown:
 * no response). */
int pairs_outcome_text_positive(const char *outcome, int def);
/* The study's definition ([design] outcome): strict when unset or unknown. */
int pairs_design_def(const char *design_outcome);

/* Why a pair is not counted. The order is the precedence when several
 * reasons apply to one pair (a withdrawn listing first). */
enum pairs_excl {
	PAIRS_EXCL_WITHDRAWN = 0, /* the listing was withdrawn */
	PAIRS_EXCL_BOUNCED,       /* a message bounced */
	PAIRS_EXCL_FAILED,        /* sending failed */
	PAIRS_EXCL_CANCELLED,     /* an application was cancelled */
	PAIRS_EXCL_NOT_SENT,      /* an application is still planned (or sending) */
	PAIRS_EXCL_INCOMPLETE,    /* the listing has only one side of the pair */
	PAIRS_EXCL_CONTROLS,      /* more than one control application */
	PAIRS_EXCL_N
};
/* snake_case key for JSON, and a short phrase for humans. */
const char *pairs_excl_key(int reason);
const char *pairs_excl_text(int reason);

struct pair {
	int64_t listing;
	int64_t control_app, test_app;
	int group;  /* index into pairs_set.groups */
	int gender; /* enum gender of the test persona */
	int control_outcome, test_outcome; /* enum pairs_outcome */
	/* What `stats --by` splits on. The listing's: */
	const char *agent_type; /* "agency" or "private" (static string) */
	const char *area;       /* NULL when not recorded; owned by the set */
	long round;
	const char *agent_key;  /* pseudonymous key; NULL when not recorded; owned by the set */
	/* The test candidate's application's (0 when not recorded, as in an
	 * imported log): variant and position are per application, so a
	 * pair's stratum is its test candidate's. */
	int test_variant, test_position;
	/* The control candidate's, for the regression view (0 when unknown). */
	int control_variant, control_position;
	/* Hours from sending to the first reply (the earliest response that
	 * is not no_reply): INFINITY when the application has no reply, NAN
	 * when it has one but its time or the send time is not recorded. */
	double control_hours, test_hours;
	/* Whether the listing's agent was tested in an earlier wave (set by
	 * the analysis when it is given earlier studies): 0 not looked up or
	 * unknown, 1 new, 2 tested before. */
	int history;
};

struct pairs_group {
	int64_t id;
	char *name, *label;
	int in_design; /* a test group of study.ini (not one removed from it since) */
};

/* Where the set keeps the listings' texts: blocks that never move, so that
 * the pairs of a listing share one copy. */
struct pairs_text_block;

struct pairs_set {
	struct pairs_group *groups; /* the study's test groups, in grp.id order */
	int ngroups;
	struct pair *pairs; /* valid pairs, by listing then test application */
	size_t npairs;
	long excluded[PAIRS_EXCL_N];
	long excluded_total;
	/* Placebo pairs: the control persona and the placebo persona (a second
	 * control persona, group role 'placebo') on one listing. Kept apart:
	 * never among pairs nor in excluded. In a placebo pair, group is -1
	 * and the "test" fields are the placebo persona's. */
	struct pair *placebo;
	size_t nplacebo;
	long placebo_excluded[PAIRS_EXCL_N];
	long placebo_excluded_total;
	struct pairs_text_block *text; /* owns every pair's area and agent_key */
};

/* Reads every pair of the study (also inside a write transaction, where it
 * sees the transaction's changes). Three sequential scans (responses,
 * listings, applications) in rowid order, joined in memory: a million
 * pairs take well under a second, where a join ordered by listing with a
 * subquery per application took seconds. Frees nothing on error beyond
 * itself. */
int pairs_collect(struct study *s, struct pairs_set *out, struct ct_err *err);
void pairs_set_free(struct pairs_set *ps);

#endif
