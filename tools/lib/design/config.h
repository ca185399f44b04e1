/* config.h: study.ini, the human-readable design a team pre-registers.
 * config_* is the raw INI (with line numbers for errors); design_* is the
 * validated study design every command works from. */
#ifndef CT_CONFIG_H
#define CT_CONFIG_H

#include <stdint.h>

#include "base/util.h"

struct cfg_entry {
	char *section, *key, *value;
	int line;
};

struct config {
	char *path;
	struct cfg_entry *e;
	int n, cap;
};

/* Parses and checks that every section and key is known; an unknown key is
 * an error naming its line (a typo must not silently change a design). */
int config_load(const char *path, struct config **out, struct ct_err *err);
/* Same, from memory; path is used in messages only. */
int config_parse(const char *path, const char *text, struct config **out, struct ct_err *err);
void config_free(struct config *c);
/* Borrowed; NULL when absent. */
const char *config_get(const struct config *c, const char *section, const char *key);
/* Line of a key, or 0. */
int config_line(const struct config *c, const char *section, const char *key);

enum gender { GENDER_FEMALE = 0, GENDER_MALE = 1 };
const char *gender_name(int g); /* "female" / "male" */
int gender_parse(const char *s); /* -1 when unknown; accepts f/m too */

struct design_group {
	char *id;    /* section name after "group ", e.g. "maghrebi" */
	char *label; /* for reports */
	char *bank;  /* name bank id in templates/names/ */
	int control; /* 1 for the control group */
};

struct profile_item {
	char *key, *value;
};

struct design {
	char *name, *market, *city, *lang;
	uint64_t seed;
	/* The control group is groups[0]; test groups follow in file order. */
	struct design_group *groups;
	int ngroups;
	int genders[2]; /* enum gender values, in file order */
	int ngenders;
	int variants;    /* message variants v1..vN */
	int block_cells; /* each cell appears this many times per block */
	char *outcome;   /* strict | broad | any */
	/* schedule */
	char *timezone;
	char *start;   /* YYYY-MM-DD */
	int days_mask; /* bit 0 = Monday ... bit 6 = Sunday */
	int day_from, day_to; /* minutes after midnight, local time */
	int daily_quota;
	double gap_min_hours, gap_max_hours;
	/* No persona writes the same agent twice within this many days of 24
	 * hours ([schedule] agent_gap_days, default 7). */
	double agent_gap_days;
	/* Share of listings written by two control personas instead of control
	 * and test ([design] placebo_share, default 0): placebo pairs. */
	double placebo_share;
	/* How applications go out unless a listing says otherwise ([fielding]
	 * channel): smtp, portal, webmail, phone or sms. */
	char *channel;
	/* [coding] reply_rule: which reply of an application counts, "best"
	 * (invitation > info > refusal > other > no_reply; the default),
	 * "first" or "last"; min_kappa: stats warns when the double coding's
	 * Cohen's kappa is below it (default 0.7). */
	char *reply_rule;
	double min_kappa;
	/* personas */
	char *mail_domain;
	char *phone_default;
	/* [profile], in file order */
	struct profile_item *profile;
	int nprofile;
	/* [templates] dir, relative to the study folder */
	char *templates_dir;
};

/* Validates the design; errors name "study.ini:LINE". */
int design_from_config(const struct config *c, struct design **out, struct ct_err *err);
void design_free(struct design *d);
/* The phone number of a persona: [phones] GROUP.GENDER, else default. Borrowed. */
const char *design_phone(const struct config *c, const struct design *d,
			 const char *group, int gender);
const struct design_group *design_group_find(const struct design *d, const char *id);

#endif
