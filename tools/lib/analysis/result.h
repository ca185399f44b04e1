/* result.h: the analysis engine. Everything `corrtest stats` reports about a
 * study is computed here into one result, which `stats`, `export stats` and
 * later `report` and `verify` read; commands only render it (describe.h).
 *
 *   struct analysis_options o = { .def = PAIRS_STRICT, .alpha = 0.05 };
 *   struct analysis_result *r;
 *   if (analysis_run(study, &o, &r, &err)) -> report err
 *   ... r->groups[g].overall.r.net_ilo, r->all, r->cochran, r->excluded ...
 *   analysis_free(r);
 *
 * The arithmetic is in stats/ (paired.h, strata.h, multi.h, agent.h,
 * regress.h); this module collects the pairs (pairs.h), splits them by
 * group and stratum, and calls it. It never prints. */
#ifndef CT_ANALYSIS_RESULT_H
#define CT_ANALYSIS_RESULT_H

#include <stddef.h>

#include "agent.h"
#include "agreement.h"
#include "analysis/pairs.h"
#include "cluster.h"
#include "paired.h"
#include "regress.h"
#include "signrank.h"
#include "strata.h"

/* The dimensions of --by. gender, variant and position are the test
 * candidate's; the others the listing's. */
enum analysis_dim {
	ANALYSIS_DIM_AGENT_TYPE,
	ANALYSIS_DIM_GENDER,
	ANALYSIS_DIM_ROUND,
	ANALYSIS_DIM_AREA,
	ANALYSIS_DIM_VARIANT,
	ANALYSIS_DIM_POSITION,
	ANALYSIS_DIM_N
};
const char *analysis_dim_name(int dim);
/* "agent_type,gender" -> dims[]; returns their number, or -1 with *bad the
 * word that is not a dimension or is given twice (caller frees *bad). */
int analysis_dims_parse(const char *s, int dims[ANALYSIS_DIM_N], char **bad);

struct analysis_options;
/* The options that `stats` and `export stats` share, from the words a user
 * typed (each may be NULL: the default). alpha: "0.05" (default 0.05); by:
 * "agent_type,gender". Fills ao (alpha, dims) and returns CT_OK, or
 * CT_EINPUT with the message a user should see. */
int analysis_options_parse(const char *alpha, const char *by, struct analysis_options *ao,
			   struct ct_err *err);
/* What counts as positive: outcome as typed, else the design's. CT_EINPUT
 * naming --outcome, or study.ini when the design's own word is bad. */
int analysis_outcome_set(struct analysis_options *ao, const char *outcome,
			 const char *design_outcome, struct ct_err *err);

/* Optional parts of the result (the main tables are always computed). */
#define ANALYSIS_AGENTS 1u       /* the agent-level list (confidential) */
#define ANALYSIS_MODEL_LPM 2u    /* linear probability model */
#define ANALYSIS_MODEL_CLOGIT 4u /* conditional logit */
#define ANALYSIS_SPLITS 8u       /* one split per dimension of analysis_split_dims */

/* The dimensions a report splits by, one at a time (ANALYSIS_SPLITS). */
extern const int analysis_split_dims[];
extern const int analysis_nsplit_dims;

struct analysis_options {
	int def;      /* enum pairs_def: what counts as positive */
	double alpha; /* 1 - confidence level, 0 < alpha < 1 */
	int dims[ANALYSIS_DIM_N];
	int ndims;    /* --by: 0 for none */
	unsigned parts;
	int outcome_given; /* the outcome came from --outcome, not study.ini (for the text) */
	/* Agents' distribution: among agents with at least this many pairs
	 * (0: the default, 2). */
	long min_tests;
	/* Earlier studies (waves) of the same market, opened by the caller
	 * (read-only): agents tested in them are told apart from new ones,
	 * and their net rates are compared with this study's. */
	struct study **previous;
	int nprevious;
};

/* The response funnel: each paired measure with "positive" read as any
 * reply, a positive reply (invitation or information) and an invitation. */
enum analysis_stage {
	ANALYSIS_STAGE_ANY = 0,
	ANALYSIS_STAGE_POSITIVE,
	ANALYSIS_STAGE_INVITATION,
	ANALYSIS_STAGE_N
};
const char *analysis_stage_key(int stage); /* "any_reply", "positive_reply", "invitation" */

/* How fast each candidate was answered (pairs.h: hours to the first reply). */
#define ANALYSIS_WITHIN_N 2
extern const double analysis_within_hours[ANALYSIS_WITHIN_N]; /* 24, 72 */
struct analysis_times {
	size_t timed; /* pairs whose replies all have known times: those of within[] */
	size_t both;  /* pairs where both were answered, times known: the signed-rank test */
	int medians_defined;
	double median_control, median_test; /* hours, over the `both` pairs */
	/* test hours - control hours over the `both` pairs: above 0, the test
	 * candidate waited longer. */
	struct signrank_result sr;
	/* "answered within 24 h / 72 h" as paired binary outcomes (timed pairs). */
	struct paired_analysis within[ANALYSIS_WITHIN_N];
	/* "answered at all" over the same timed pairs, their common ceiling. */
	struct paired_analysis answered;
};

/* The net rates of the strata of one split compared: a heterogeneity
 * test over them all, and with exactly two strata the direct difference. */
struct analysis_netcmp {
	struct net_heterogeneity het_ilo, het_all;
	int two;
	struct net_rate_diff diff_ilo, diff_all; /* stratum 1 - stratum 2, when two */
};

/* One group (or all test groups together) in one stratum (or overall). */
struct analysis_cell {
	struct paired_analysis r;
	/* McNemar exact and mid-p, Holm-adjusted over the test groups with
	 * discordant pairs: only in the overall cell of a test group. */
	struct paired_value holm_exact, holm_midp;
};

struct analysis_stratum {
	char *label;                      /* the values joined by ", " */
	char *values[ANALYSIS_DIM_N];     /* in --by order */
};

struct analysis_group {
	const char *name, *label; /* borrowed from the pairs (or static for "all") */
	int in_design;            /* named in study.ini (always 1 for "all") */
	struct analysis_cell overall;
	struct analysis_cell *strata; /* nstrata cells, in the result's stratum order */
	struct strata_homogeneity hom; /* is b/(b+c) equal across strata (when --by) */
	struct analysis_netcmp netcmp; /* are the net rates equal across strata (when --by) */
	struct paired_analysis stage[ANALYSIS_STAGE_N]; /* the response funnel */
	struct analysis_times times;
	/* Only in "all" (clustered = 1), whose pairs share their control
	 * when a listing has several test candidates: the net rates with
	 * standard errors clustered by listing. */
	int clustered;
	struct cluster_net cl_ilo, cl_all;
};

/* One split: the pairs by the values of one dimension, for every group. */
struct analysis_split_group {
	struct paired_analysis *cells; /* nstrata */
	struct strata_homogeneity hom;
	struct analysis_netcmp netcmp;
};
struct analysis_split {
	int dim; /* enum analysis_dim, or ANALYSIS_DIM_N: tested in an earlier wave or not */
	struct analysis_stratum *strata; /* values[0] only */
	int nstrata;
	struct analysis_split_group *g; /* ngroups + 1: the test groups, then "all" */
};

/* Agents tested on at least min_tests listings: how many never, sometimes
 * and always favoured the control candidate (a listing where, in one of
 * its pairs, only the control candidate got a positive outcome). Counts
 * only: public. */
struct analysis_agent_dist {
	long min_tests;
	size_t agents, never, sometimes, always;
	size_t agents_keyed; /* agents with a key, at any number of pairs */
};

/* A warning about one table (a test group, "all", or the placebo pairs). */
enum analysis_warning_kind {
	ANALYSIS_WARN_SMALL,         /* b + c < 10: only the exact test is meaningful */
	ANALYSIS_WARN_CI_NOT_TEST,   /* the net rate's interval excludes 0, the exact test does not reject */
	ANALYSIS_WARN_TEST_NOT_CI,   /* the exact test rejects, the interval includes 0 */
	ANALYSIS_WARN_PLACEBO,       /* the placebo pairs differ (exact p <= alpha) */
	ANALYSIS_WARN_NO_PAIRS,      /* a test group (or, as "all", the study) has no valid pair */
	ANALYSIS_WARN_N
};
#define ANALYSIS_SMALL_DISCORDANT 10
struct analysis_warning {
	int kind;
	int group; /* index into groups, ngroups for "all", -1 for the placebo pairs */
	long discordant;
	double p;
};
const char *analysis_warning_key(int kind);

/* An earlier wave (options.previous) against this study. */
struct analysis_wave {
	char *name;       /* the earlier study's name; owned */
	char *created_at; /* owned */
	size_t npairs;
	struct paired_analysis all; /* its test groups together */
	struct net_rate_diff diff_ilo, diff_all; /* this study - that one */
};

/* Cochran's Q over the listings where the control and each test group of
 * one set have exactly one valid pair. */
struct analysis_cochran {
	int *groups; /* indexes into groups[] */
	int ngroups;
	size_t listings;
	int defined;
	double q, p;
	const char *why; /* static, when not defined */
};

struct analysis_agent {
	const char *key; /* pseudonymous agent key, borrowed from the pairs */
	long listings, pairs;
	struct agent_result r;
};

struct analysis_term {
	char name[32];   /* "group:1", "position:2", "variant:3" */
	char label[160]; /* "Maghrebi (vs control)", "sent second", "message variant 3" */
};

struct analysis_model {
	int lpm;        /* 1: linear probability model; 0: conditional logit */
	int covariates; /* send position and variant entered */
	size_t n_applications, n_listings;
	int k;
	struct analysis_term terms[REGRESS_MAX_COEF];
	struct regress_fit fit;
};

/* The coding of the replies (coding/store.h), when the study has coded
 * replies: which reply counted for an application with several (study.ini
 * [coding] reply_rule), and the agreement of the double coding
 * (coding/agreement.h) against study.ini [coding] min_kappa. */
struct analysis_coding {
	char *reply_rule;     /* owned: "best", "first" or "last" */
	long applications;    /* applications with a coded reply */
	long several;         /* of those, with more than one coded reply */
	long double_coded;    /* replies with a first and a second code */
	int kappa_defined;    /* 0: nothing coded twice, or kappa is 0/0 */
	double kappa;         /* Cohen's kappa over the five outcomes */
	struct agreement agreement; /* the whole of it: po, kappa with SE and CI, AC1 */
	long sample;          /* replies in the second coder's sample */
	long disagreeing, adjudicated;
	long by_rules, by_people; /* first codes by the rules, by a person */
	double min_kappa;     /* study.ini [coding] min_kappa */
	char *warning;        /* owned; NULL unless kappa is below min_kappa */
};

struct analysis_result {
	int def;
	double alpha;
	int dims[ANALYSIS_DIM_N], ndims;
	int outcome_given;

	/* The test groups shown: every test group of study.ini, and a group
	 * no longer in it only when it has valid pairs (a group deleted after
	 * pairs were made is not an empty row). In grp.id order. */
	struct analysis_group *groups;
	int ngroups;
	struct analysis_group all; /* all test groups together */
	struct analysis_stratum *strata; /* sorted by their values */
	int nstrata;
	struct analysis_cochran *cochran;
	int ncochran;
	size_t npairs;
	long excluded[PAIRS_EXCL_N]; /* by enum pairs_excl */
	long excluded_total;

	/* ANALYSIS_SPLITS, and the split by earlier waves when given. */
	struct analysis_split *splits;
	int nsplits;
	struct analysis_agent_dist agent_dist;
	struct analysis_wave *waves;
	int nwaves;
	/* What a reader must be told: small counts, intervals and exact tests
	 * that disagree, placebo pairs that differ (struct analysis_warning;
	 * the output says them in words, in its language). */
	struct analysis_warning *warnings;
	int nwarnings;

	/* ANALYSIS_AGENTS: agents tested on two listings or more, by key. */
	int have_agents;
	struct analysis_agent *agents;
	size_t nagents;
	int flagged;
	size_t agents_one_listing, pairs_without_agent_key;

	/* Fielding (fielding/deviation.h): deviations by kind and the
	 * applications cancelled in the field by reason; filled by
	 * analysis_run (NULL from analysis_from_pairs). */
	struct field_summary *field;
	/* Placebo pairs (control persona against the placebo persona, a second
	 * control persona): their own table, measures and exclusions, never
	 * part of the test groups' (or "all") measures. present: the study
	 * has placebo pairs, valid or excluded. The "test" side of r is the
	 * placebo persona. */
	struct {
		int present;
		size_t npairs;
		long excluded_total;
		struct paired_analysis r;
	} placebo;

	/* Filled by analysis_run; NULL when the study has no coded reply
	 * (and from analysis_from_pairs). */
	struct analysis_coding *coding;

	/* ANALYSIS_MODEL_*: NULL unless asked for. */
	struct analysis_model *lpm, *clogit;

	/* Rows made up by `corrtest simulate` in the study (analysis_run):
	 * every output says so when either is not 0. */
	long long simulated_apps, simulated_responses;

	struct pairs_set ps; /* owns the strings the above borrow */
};

/* Group g of r: a test group for g < ngroups, "all" for g = ngroups. */
const struct analysis_group *analysis_group(const struct analysis_result *r, int g);
/* How many groups a table shows: every test group, and "all" when there
 * are several (with one it is the same as the group). */
int analysis_groups_shown(const struct analysis_result *r);

/* Collects the pairs of the study and computes the result (caller frees
 * with analysis_free). Fails with CT_EINPUT when a model cannot be built
 * from the data, CT_EENV on a database error. */
int analysis_run(struct study *s, const struct analysis_options *o, struct analysis_result **out,
		 struct ct_err *err);
/* The same from pairs already collected; takes ps over (it is freed with
 * the result, or on failure). */
int analysis_from_pairs(struct pairs_set *ps, const struct analysis_options *o,
			struct analysis_result **out, struct ct_err *err);
void analysis_free(struct analysis_result *r);

#endif
