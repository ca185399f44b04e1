/* deviation.h: where fielding departed from the plan, for the analysis to
 * check: an application sent late, a pair sent out of its planned order,
 * an application sent by another channel than planned; and the pairs
 * skipped in the field, by reason. Read from the study; nothing printed. */
#ifndef CT_DEVIATION_H
#define CT_DEVIATION_H

#include <stdint.h>

#include "store/study.h"
#include "base/util.h"

/* A send is late when it came after both its planned time plus this many
 * hours and the end of the sending hours of its planned day (study.ini
 * [schedule] hours): a morning's worklist done that afternoon is on time,
 * done the next day it is late. */
#define DEVIATION_LATE_HOURS 2

enum deviation_kind {
	DEVIATION_LATE = 0,   /* sent after the tolerance (above) */
	DEVIATION_ORDER,      /* the pair's second application went before its first */
	DEVIATION_CHANNEL,    /* sent_via differs from the planned channel */
	DEVIATION_N
};
/* snake_case key ("sent_late", "out_of_order", "other_channel") and a
 * phrase for people. Static. */
const char *deviation_key(int kind);
const char *deviation_text(int kind);

struct deviation {
	int64_t app, listing;
	char *ref, *grp, *gender; /* owned */
	int kind;
	char *planned; /* late: planned time (UTC); order: the first's sent_at or NULL; channel: planned */
	char *actual;  /* late and order: this one's sent_at (UTC); channel: sent_via */
};

/* Every deviation of the study's sent applications, by listing then
 * application; *out: deviations_free. */
int deviations_list(struct study *s, struct deviation **out, int *n, struct ct_err *err);
void deviations_free(struct deviation *d, int n);

/* What stats shows of the fielding: deviations by kind, and the
 * applications cancelled in the field by reason (most first). */
struct field_summary {
	long deviations[DEVIATION_N];
	int nreasons;
	char **reason;    /* owned */
	long *cancelled;  /* applications cancelled with reason[i] */
	long *listings;   /* their listings (pairs) */
};
/* Caller frees with field_summary_free (NULL is fine). */
int field_summary_read(struct study *s, struct field_summary **out, struct ct_err *err);
void field_summary_free(struct field_summary *f);

#endif
