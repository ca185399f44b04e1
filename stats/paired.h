/* paired.h: the measures of a paired correspondence test (one control and
 * one test candidate per listing), computed from the four cell counts of
 * METHOD.md "The measures (paired design)". Pure functions over counts: no
 * I/O, no SQLite, no allocation; later intervals and tests build on them.
 *
 *   cell  control   test
 *   a     positive  positive
 *   b     positive  negative
 *   c     negative  positive
 *   d     negative  negative
 *
 * Every measure is returned through an out parameter with a flag: 1 when it
 * is defined, 0 when its denominator is zero (then *out is set to 0 and must
 * not be shown as a number: JSON prints null with a note, never NaN). */
#ifndef CT_STATS_PAIRED_H
#define CT_STATS_PAIRED_H

struct paired_counts {
	long a, b, c, d;
};

/* Why a measure is undefined, for the "notes" of the output. */
#define PAIRED_NOTE_NO_PAIRS "no valid pairs (N = 0): rates and net rates are undefined"
#define PAIRED_NOTE_NO_POSITIVE \
	"no pair with a positive outcome (a+b+c = 0): net ILO and gross rates are undefined"

/* 1 when every count is >= 0 and their sum fits in a long; measures of an
 * invalid table are all undefined. */
int paired_counts_valid(const struct paired_counts *t);
/* N = a+b+c+d, or -1 for an invalid table. */
long paired_n(const struct paired_counts *t);
/* Adds src into dst (e.g. the "all test groups" row). */
void paired_add(struct paired_counts *dst, const struct paired_counts *src);

int paired_rate_control(const struct paired_counts *t, double *out);
int paired_rate_test(const struct paired_counts *t, double *out);
int paired_net_ilo(const struct paired_counts *t, double *out);
int paired_gross_control(const struct paired_counts *t, double *out);
int paired_gross_test(const struct paired_counts *t, double *out);
int paired_net_all(const struct paired_counts *t, double *out);

/* A measure with its flag, for callers that hold all of them at once. */
struct paired_value {
	double v;
	int defined;
};

/* Every measure above for one table, and the notes that explain the
 * undefined ones (static strings; at most PAIRED_MAX_NOTES). The statistics
 * issue adds its intervals and tests to this struct. */
#define PAIRED_MAX_NOTES 4
struct paired_summary {
	struct paired_counts t;
	long n;
	struct paired_value rate_control, rate_test, net_ilo, gross_control, gross_test, net_all;
	const char *notes[PAIRED_MAX_NOTES];
	int nnotes;
};
void paired_summarise(const struct paired_counts *t, struct paired_summary *out);

/* The cell probabilities of the simulation model (see paired.c for the
 * model and the proof that its expected net ILO rate is `net`):
 * p_control in [0,1], net in [-1,1], noise in [0, 1/2). Fills cell[0..3]
 * with P(a), P(b), P(c), P(d) and returns 1; returns 0 with *why set to a
 * static sentence when the combination cannot be produced. */
/* The highest control rate the model can pair with this net rate:
 * 1 − noise·(1−net) for net >= 0, (1+net)(1−noise) below. */
double paired_model_max_p_control(double net, double noise);
int paired_model_cells(double p_control, double net, double noise, double cell[4],
		       const char **why);

#endif
