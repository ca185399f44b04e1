/* cvtpl.h: the CV engine's own calls, beside the interface of cv.h: reading
 * and checking a CV template (cvtpl.c), the study's [cv] settings, the
 * balance of the draws over the groups and the codebook export (cvdraw.c).
 *
 * A template (templates/job/LANG/cv.ini; its syntax is described at the top
 * of each file) is read into nodes. A node (SECTION.KEY) has variants, each
 * with conditions on the vacancy's occupation family, the candidates' level,
 * the study's city, the gender and the job (1 = the most recent); a variant
 * holds one or more alternatives (drawn once per pair), each of one text or
 * of two (worded: phrasing 1 shows the first, phrasing 2 the second). */
#ifndef CT_CVTPL_H
#define CT_CVTPL_H

#include <stdio.h>

#include "cv/cv.h"

enum { CVC_FAMILY, CVC_LEVEL, CVC_CITY, CVC_GENDER, CVC_JOB, CVC_N };

struct cvt_alt {
	char *side[2]; /* side[1] NULL: not worded, both phrasings show side[0] */
};

struct cvt_variant {
	/* Per condition: NULL (any) or the accepted values, lower case,
	 * separated by '/' ("brussel/bruxelles/brussels"). */
	char *cond[CVC_N];
	int ncond;
	int line;
	struct cvt_alt *alt;
	int nalt;
	int worded;
};

struct cvt_node {
	char *name; /* "experience.employer" */
	char *section, *key;
	struct cvt_variant *v;
	int nv;
	int line;    /* first line */
	int drawn;   /* some variant has more than one alternative */
	int worded;  /* some variant is worded */
	int per_job; /* shown once per job (job_title, employer, place, duties) */
};

struct cvt_family {
	char *name;
	char **isco;
	int nisco;
	int line;
};

struct cv_template {
	char *path;
	char sha256[65];
	char **sections; /* in file order: profile, experience, ... */
	int nsections;
	struct cvt_node *node;
	int nnode;
	struct cvt_family *fam;
	int nfam;
};

/* Reads and checks a template; every problem names PATH:LINE (the first
 * one found is returned in err, CT_EINPUT). */
int cvt_parse(const char *path, const char *text, size_t len, struct cv_template **out,
	      struct ct_err *err);
void cvt_free(struct cv_template *t);
const struct cvt_node *cvt_node_find(const struct cv_template *t, const char *name);
/* The variant of n for a situation (sit[c]: the family, level, city,
 * gender and job, or NULL when unknown): the one whose conditions all
 * hold with the most conditions, the first of equals; NULL if none. */
const struct cvt_variant *cvt_pick(const struct cvt_node *n, const char *const sit[CVC_N]);
/* The family whose ISCO codes cover code (a code or one of the family's
 * being a prefix of the other; the longest match wins). NULL when none or
 * when two families cover it equally (*ambiguous set). */
const struct cvt_family *cvt_family_of(const struct cv_template *t, const char *code,
				       const struct cvt_family **other);

/* The study's [cv] settings, read and checked (errors name study.ini:LINE). */
struct cv_settings {
	int attach;
	char *level;         /* secondary | bachelor | master */
	char *template_path; /* study folder relative path, or NULL: built-in */
};
int cv_settings_read(struct study *s, struct cv_settings *out, struct ct_err *err);
void cv_settings_free(struct cv_settings *c);
/* The study's CV template (its own or the built-in one of its language). */
int cv_template_load(struct study *s, struct cv_template **out, struct ct_err *err);

/* The balance of the recorded CVs of the main pairs (re-tests apart) over
 * the groups: for layout, phrasing and every drawn or worded node, the
 * count of each value per group and Pearson's chi-square test of
 * independence of group and value, its p also adjusted for the number of
 * tests (Holm). */
struct cv_balance_row {
	char *attr;    /* "layout", "phrasing", or the attrs key */
	int nvalues;
	char **value;  /* [nvalues] */
	long *count;   /* [ngroups * nvalues], group-major */
	double chi2, p; /* p NaN when the table has fewer than 2 rows or columns */
	double p_holm;  /* p adjusted by Holm's method over the rows with a p */
	int df;
};
struct cv_balance {
	int ngroups;
	char **group; /* grp.name, control first */
	long *ncv;    /* CVs per group */
	struct cv_balance_row *row;
	int nrow;
};
int cv_balance(struct study *s, struct cv_balance **out, struct ct_err *err);
void cv_balance_free(struct cv_balance *b);

/* `corrtest export cv`: one CSV row per application with a CV. */
int cv_export_csv(struct study *s, FILE *out, struct ct_err *err);

/* The recorded draws of one application, for `corrtest cv APP`: attribute
 * names and values in template order. *has 0 when it has no CV. */
struct cv_record {
	long long app;
	char *listing_ref, *group, *gender, *family, *isco, *level, *created_at;
	int layout, phrasing, position;
	char **key, **value;
	int n;
	char *first, *last;
};
int cv_record_load(struct study *s, long long app, int *has, struct cv_record *out,
		   struct ct_err *err);
void cv_record_free(struct cv_record *r);

#endif
