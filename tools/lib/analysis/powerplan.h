/* powerplan.h: the size of a paired correspondence test, planned for
 * McNemar's test (what `corrtest power` reports). A design (p_b, p_c: the
 * shares of pairs in which only the control, or only the test candidate,
 * gets a positive outcome) is resolved from one of three descriptions;
 * powerplan_compute then gives the sample sizes on each basis (Connor,
 * Miettinen, the exact and the mid-p test), the powers at n, the design's
 * pairs per group, to send and in total, the smallest difference n pairs
 * detect, and notes saying why a value is missing; powerplan_grid the
 * exact, mid-p and Connor power over designs x sample sizes. The formulas
 * are in stats/power.h (each with its source); this file only combines
 * them. Never prints, never exits. */
#ifndef CT_POWERPLAN_H
#define CT_POWERPLAN_H

#include <stddef.h>

#include "base/util.h"
#include "power.h"

/* How the design was given. */
enum powerplan_source {
	POWERPLAN_CELLS,   /* p_b and p_c directly */
	POWERPLAN_RATES,   /* the two response rates and the concordance or phi */
	POWERPLAN_PREVIOUS /* last round's table a b c d, optionally a new difference */
};

/* A design: what was given and, once resolved, p_b and p_c. Values not
 * given are NAN (concordance, phi, diff, and the rates unless RATES). */
struct powerplan_design {
	enum powerplan_source src;
	double pb, pc;
	double p_control, p_test;
	double concordance, phi;
	long prev[4];
	double diff;
};

/* Sets d->pb and d->pc from what was given: CELLS keeps them; RATES
 * derives them from p_control and p_test with the concordance (when not
 * NAN) or phi; PREVIOUS from the table, keeping its share of discordant
 * pairs when diff is given. Then checks that the design is one a study
 * can have. CT_EINPUT with the reason when no table has this design. */
int powerplan_resolve(struct powerplan_design *d, struct ct_err *err);

/* The n the design is built on. The default is POWERPLAN_EXACT: the
 * report publishes the exact McNemar test, and Connor's n gives it only
 * about 0.78 power where 0.8 is asked (docs/power.md). */
enum powerplan_basis {
	POWERPLAN_CONNOR = 0,
	POWERPLAN_MIETTINEN,
	POWERPLAN_EXACT,
	POWERPLAN_MIDP
};
#define POWERPLAN_BASIS_DEFAULT POWERPLAN_EXACT
/* The basis named s, or -1. */
int powerplan_basis_parse(const char *s);
const char *powerplan_basis_name(enum powerplan_basis b);
/* For a sentence: "Connor's formula (1987)", "the exact McNemar test", ... */
const char *powerplan_basis_label(enum powerplan_basis b);
const char *powerplan_adjust_name(enum power_adjust a);

struct powerplan_opts {
	double alpha;     /* two-sided level of the whole test */
	double power;     /* target power */
	double attrition; /* expected share of pairs lost, [0, 1) */
	long n;           /* valid pairs per group to evaluate; 0 when not given */
	long groups;      /* test groups, each on its own listings */
	enum power_adjust adjust;
	enum powerplan_basis basis;
};

#define POWERPLAN_NOTES 8

/* The plan. Counts are 0 (n_exact, n_midp) or -1 (per group, sent,
 * total) when there is none; notes (static strings) say why. method is
 * the basis whose n the plan uses (per_group, unless --n) and whose
 * detectable difference it reports: the basis asked for, or Connor's when
 * the exact or mid-p search has no n (beyond POWER_EXACT_SEARCH_MAX; a
 * note says so). */
struct powerplan {
	double alpha_cmp; /* the level of each comparison */
	double n_connor_raw, n_miettinen_raw; /* the formulas' unrounded values */
	long n_connor, n_miettinen, n_exact, n_midp;
	enum powerplan_basis method;
	long n_at; /* where the powers are computed: n, else the plan's n */
	double pw_connor, pw_miettinen, pw_exact, pw_midp;
	double pw_exact_at_connor; /* the exact test's power at n_connor */
	long per_group, per_group_sent, total;
	/* The smallest difference n pairs detect, with --n (0 when none or
	 * no n): by the plan's method, by Connor's formula and by the exact
	 * test (NaN when memory ran out). */
	double detectable, detectable_connor, detectable_exact;
	const char *notes[POWERPLAN_NOTES];
	int nnotes;
};

/* The plan of the resolved design d. Every exact computation is done
 * once: each test's conditional rejection probabilities serve both its
 * sample-size search and its power at n. CT_EENV when memory runs out. */
int powerplan_compute(const struct powerplan_design *d, const struct powerplan_opts *o,
		      struct powerplan *r, struct ct_err *err);

/* The most cells a grid may have. */
#define POWERPLAN_GRID_MAX 100000

/* The grid of powerplan_grid: designs x sample sizes, design-major
 * (cell d * nn + i is design d at ns[i]). Owned: free with
 * powerplan_grid_free. */
struct powerplan_grid {
	double alpha_cmp;
	size_t ndesigns, nn;
	double *pb, *pc; /* [ndesigns], copies */
	long *ns;        /* [nn], a copy */
	double *exact, *midp, *connor; /* [ndesigns * nn] */
};

/* The exact, mid-p and Connor power of each design (pb[i], pc[i]) at
 * every n of ns, at alpha adjusted for groups. CT_EINPUT when a design is
 * not one a study can have (naming it), or the grid exceeds
 * POWERPLAN_GRID_MAX cells; CT_EENV when memory runs out. g is zeroed
 * first, and left empty on failure. */
int powerplan_grid(const double *pb, const double *pc, size_t ndesigns, const long *ns,
		   size_t nn, double alpha, long groups, enum power_adjust adjust,
		   struct powerplan_grid *g, struct ct_err *err);
void powerplan_grid_free(struct powerplan_grid *g);

#endif
