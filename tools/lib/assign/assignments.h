/* assignments.h: the assignment of a study as stored. assignments_make
 * reads the balance state earlier runs left, draws the new listings' pairs
 * (assign.h), places their messages in the sending window (schedule.h) and
 * stores pairs and applications in one transaction with one event;
 * assignments_balance reads everything assigned and computes the balance
 * report of `assign --check`. The engines behind `corrtest assign`; they
 * never print. */
#ifndef CT_ASSIGNMENTS_H
#define CT_ASSIGNMENTS_H

#include <stdint.h>
#include <time.h>

#include "assign/assign.h"
#include "store/study.h"

/* What one assign run drew (and, unless dry, stored). Owned: free with
 * assign_outcome_free; fields are NULL/0 when nothing was assigned. */
struct assign_outcome {
	int n;               /* listings assigned in this run */
	char **refs;         /* [n]: their listing refs */
	struct assign_pair *pairs; /* [n]: cell, variants, order, gap (group/gender index the design) */
	time_t *first, *second; /* [n]: UTC instants of the first and second message */
	uint64_t seed;       /* the seed used */
	int dry;             /* nothing was stored */
	/* Set when study.ini changed since the last assign while pairs exist:
	 * a sentence for the user, filled even when the run fails later. */
	char *warning;
	/* Set when pairs had to wait for their agent's gap: how many, and when
	 * it pushed the schedule past what the quota needs, to when and by
	 * which agent (a sentence for the user). */
	char *agent_note;
	/* CVs drawn for the new pairs (a job study with [cv] attach = yes;
	 * cv/cv.h), in the same transaction. */
	long cvs;
};

/* Assigns every active listing without a pair. seed_arg is --seed's value
 * (NULL: study.ini's seed); dry rolls the transaction back after drawing.
 * CT_EINPUT when the design cannot be assigned (fewer than 2 variants, no
 * test group, missing templates or personas); CT_EENV on database errors.
 * out is the caller's, zeroed by the call. */
int assignments_make(struct study *s, const uint64_t *seed_arg, int dry,
		     struct assign_outcome *out, struct ct_err *err);
void assign_outcome_free(struct assign_outcome *o);

/* One row of the variants table: how often a group's candidates (or the
 * control's, overall or on one test group's pairs) use v1..vV. */
struct balance_variants {
	char *label;      /* "belgian", "maghrebi", "belgian (with maghrebi)" */
	const char *group, *role, *with_group; /* borrowed from the design; with_group may be NULL */
	long *count;      /* [V] */
	long spread;      /* max - min of count */
};

struct balance_block {
	int block;
	long pairs, min_per_cell, max_per_cell;
	int complete;     /* holds every cell block_cells times */
};

struct balance_day {
	char date[11];    /* YYYY-MM-DD, local */
	int weekday;      /* 0 = Monday */
	long messages;
};

/* The balance report of every pair in the study. Owned: free with
 * assign_balance_free. Cells are indexed t * ngenders + g (assign.h). */
struct assign_balance {
	int npairs;
	int ntest, ngenders, variants, block_cells;
	long *cell;        /* [ntest * ngenders]: pairs per cell */
	long other;        /* pairs of cells no longer in study.ini */
	struct balance_variants *vrows; /* the control overall, each test group, the control with each */
	int nvrows;
	long (*order)[2];  /* [ntest]: pairs where the test candidate writes first, second */
	long control_first, control_second;
	struct balance_block *blocks; /* blocks that hold pairs, in order */
	int nblocks;
	double gap_q[5];   /* min, q1, median, q3, max of the gaps in hours (R's type 7); valid when npairs */
	long gap_hist[6];  /* six equal bins over [gap_min_hours, gap_max_hours] */
	double gap_lo, gap_width; /* the first bin's start and each bin's width */
	struct balance_day *days; /* local days that hold messages, in order */
	int ndays;
	/* Placebo pairs (two control personas): apart from everything above. */
	long placebo_pairs;
	long placebo_first, placebo_second; /* the placebo persona writes first, second */
	/* The agent gap: over every message of one persona to one agent (by
	 * agent key; cancelled applications left out; a sent message at its
	 * send time, else its planned time), the smallest time between two of
	 * them, and how many such intervals are shorter than agent_gap_days. */
	long agent_intervals;        /* intervals measured (0: no persona wrote any agent twice) */
	double agent_min_gap_days;   /* valid when agent_intervals */
	char *agent_min_key;         /* the agent and persona where it occurs */
	char *agent_min_persona;     /* "group/gender" */
	long agent_collisions;
	char *note;        /* a bound that several runs legitimately reach; NULL if none */
	char **problems;   /* the first problems found (at most 50), one sentence each */
	int nproblems_shown;
	int nproblems;     /* all problems found; 0 = balanced */
};

int assignments_balance(struct study *s, struct assign_balance **out, struct ct_err *err);

/* Schedules one extra pair (a re-test, evidence/retest.h) on a listing of
 * the agent agent_key (NULL: none) as assign schedules its pairs
 * (schedule_place): in the sending window from tomorrow on, within the
 * daily quota left by every message already scheduled, and at least
 * agent_gap_days after each persona's earlier messages to that agent. The
 * times are drawn from seed and the stream named by salt. Inside the
 * caller's transaction; reads only. */
int assign_schedule_extra(struct study *s, const char *agent_key, int64_t persona_first,
			  int64_t persona_second, int gap_minutes, uint64_t seed, long salt,
			  time_t *first, time_t *second, struct ct_err *err);
void assign_balance_free(struct assign_balance *b);

#endif
