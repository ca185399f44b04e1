/* pairs.c: from a study's applications and responses to the valid pairs,
 * and the exclusions by reason. */
#include <stdlib.h>
#include <string.h>

#include "analysis/pairs.h"
#include "base/banned.h"

static const char *const def_names[] = { "strict", "broad", "any" };
static const char *const def_texts[] = {
	"strict: positive = invitation",
	"broad: positive = invitation or request for information",
	"any: positive = any reply (invitation, information, refusal, other)",
};

int pairs_def_parse(const char *s)
{
	for (int i = 0; s && i < (int)ARRAY_SIZE(def_names); i++)
		if (!strcmp(s, def_names[i]))
			return i;
	return -1;
}

const char *pairs_def_name(int def)
{
	return def >= 0 && def < (int)ARRAY_SIZE(def_names) ? def_names[def] : "?";
}

const char *pairs_def_text(int def)
{
	return def >= 0 && def < (int)ARRAY_SIZE(def_texts) ? def_texts[def] : "?";
}

static const char *const outcome_names[] = { "", "invitation", "info", "refusal", "other",
					     "no_reply" };

int pairs_outcome_parse(const char *s)
{
	for (int i = 1; s && i < (int)ARRAY_SIZE(outcome_names); i++)
		if (!strcmp(s, outcome_names[i]))
			return i;
	return -1;
}

/* The definitions of METHOD.md step 7 and study.ini [design] outcome. A
 * recorded no_reply and a missing response are the same: negative. */
int pairs_outcome_positive(int outcome, int def)
{
	switch (outcome) {
	case PAIRS_INVITATION: return 1;
	case PAIRS_INFO: return def == PAIRS_BROAD || def == PAIRS_ANY;
	case PAIRS_REFUSAL:
	case PAIRS_OTHER: return def == PAIRS_ANY;
	default: return 0;
	}
}

static const char *const excl_keys[PAIRS_EXCL_N] = {
	"withdrawn_listing", "bounced", "failed", "cancelled", "not_sent", "incomplete",
	"several_controls",
};
static const char *const excl_texts[PAIRS_EXCL_N] = {
	"listing withdrawn",
	"a message bounced",
	"sending failed",
	"an application cancelled",
	"not sent yet",
	"only one side of the pair",
	"more than one control application",
};

const char *pairs_excl_key(int r)
{
	return r >= 0 && r < PAIRS_EXCL_N ? excl_keys[r] : "?";
}

const char *pairs_excl_text(int r)
{
	return r >= 0 && r < PAIRS_EXCL_N ? excl_texts[r] : "?";
}

/* The reason an application's status keeps its pair out, or -1 if sent. */
static int status_reason(const char *status)
{
	if (!strcmp(status, "sent"))
		return -1;
	if (!strcmp(status, "bounced"))
		return PAIRS_EXCL_BOUNCED;
	if (!strcmp(status, "failed"))
		return PAIRS_EXCL_FAILED;
	if (!strcmp(status, "cancelled"))
		return PAIRS_EXCL_CANCELLED;
	return PAIRS_EXCL_NOT_SENT; /* planned, sending */
}

/* One application row of the query below. */
struct app_row {
	int64_t id;
	int64_t grp;
	int control;
	int gender;
	int status_reason;
	int outcome;
	int variant, position;
};

/* The listing's columns, shared by its pairs. */
struct listing_row {
	int64_t id;
	int withdrawn;
	const char *agent_type;
	const char *area, *agent_key; /* borrowed from the statement's row copy */
	long round;
};

static int load_groups(struct study *s, struct pairs_set *ps, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT id, name, label FROM grp WHERE role = 'test' ORDER BY id",
			       &st, err);
	if (rc)
		return rc;
	int cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (ps->ngroups == cap) {
			cap = cap ? 2 * cap : 8;
			ps->groups = xrealloc(ps->groups, (size_t)cap * sizeof(*ps->groups));
		}
		struct pairs_group *g = &ps->groups[ps->ngroups++];
		g->id = sqlite3_column_int64(st, 0);
		g->name = xstrdup((const char *)sqlite3_column_text(st, 1));
		g->label = xstrdup((const char *)sqlite3_column_text(st, 2));
		const struct design_group *dg = s->design ? design_group_find(s->design, g->name) : NULL;
		g->in_design = dg && !dg->control;
	}
	rc = rc == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the groups");
	sqlite3_finalize(st);
	return rc;
}

static int group_index(const struct pairs_set *ps, int64_t grp)
{
	for (int i = 0; i < ps->ngroups; i++)
		if (ps->groups[i].id == grp)
			return i;
	return -1;
}

static void add_pair(struct pairs_set *ps, size_t *cap, const struct pair *p)
{
	if (ps->npairs == *cap) {
		*cap = *cap ? 2 * *cap : 256;
		ps->pairs = xrealloc(ps->pairs, *cap * sizeof(*ps->pairs));
	}
	ps->pairs[ps->npairs++] = *p;
}

static void exclude(struct pairs_set *ps, int reason, long n)
{
	ps->excluded[reason] += n;
	ps->excluded_total += n;
}

/* Forms the pairs of one listing from its applications. */
static void listing_pairs(struct pairs_set *ps, size_t *cap, const struct listing_row *l,
			  const struct app_row *apps, int n)
{
	int64_t listing = l->id;
	int withdrawn = l->withdrawn;
	int ncontrol = 0, ntest = 0;
	const struct app_row *control = NULL;
	for (int i = 0; i < n; i++) {
		if (apps[i].control) {
			ncontrol++;
			control = &apps[i];
		} else {
			ntest++;
		}
	}
	/* A listing whose applications cannot form a pair still counts once
	 * per test application (or once, if it has none), so that the total
	 * of pairs and exclusions matches what was assigned. */
	long units = ntest ? ntest : 1;
	if (withdrawn) {
		exclude(ps, PAIRS_EXCL_WITHDRAWN, units);
		return;
	}
	if (ncontrol > 1) {
		exclude(ps, PAIRS_EXCL_CONTROLS, units);
		return;
	}
	if (!ncontrol || !ntest) {
		exclude(ps, PAIRS_EXCL_INCOMPLETE, units);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (apps[i].control)
			continue;
		int r = control->status_reason;
		int rt = apps[i].status_reason;
		/* The lower enum value takes precedence (bounced before not sent). */
		if (rt >= 0 && (r < 0 || rt < r))
			r = rt;
		int g = group_index(ps, apps[i].grp);
		if (r >= 0) {
			exclude(ps, r, 1);
			continue;
		}
		if (g < 0) /* cannot happen: the query joins test groups only */
			continue;
		struct pair p = { .listing = listing,
				  .control_app = control->id,
				  .test_app = apps[i].id,
				  .group = g,
				  .gender = apps[i].gender,
				  .control_outcome = control->outcome,
				  .test_outcome = apps[i].outcome,
				  .agent_type = l->agent_type,
				  .area = l->area ? xstrdup(l->area) : NULL,
				  .round = l->round,
				  .agent_key = l->agent_key ? xstrdup(l->agent_key) : NULL,
				  .test_variant = apps[i].variant,
				  .test_position = apps[i].position,
				  .control_variant = control->variant,
				  .control_position = control->position };
		add_pair(ps, cap, &p);
	}
}

int pairs_collect(struct study *s, struct pairs_set *out, struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	int rc = load_groups(s, out, err);
	if (rc) {
		pairs_set_free(out);
		return rc;
	}
	/* Control applications first within each listing; the latest response
	 * (highest id: the table is append-only) is the outcome. */
	static const char sql[] =
		"SELECT l.id, l.status = 'withdrawn', a.id, a.status, g.role = 'control', g.id, "
		"p.gender, (SELECT r.outcome FROM response r WHERE r.application = a.id "
		"ORDER BY r.id DESC LIMIT 1), "
		"l.agent_type, l.area, l.round, l.agent_key, a.variant, a.position "
		"FROM application a JOIN listing l ON l.id = a.listing "
		"JOIN persona p ON p.id = a.persona JOIN grp g ON g.id = p.grp "
		"ORDER BY l.id, g.role = 'test', a.id";
	sqlite3_stmt *st;
	if ((rc = study_prepare(s, sql, &st, err))) {
		pairs_set_free(out);
		return rc;
	}
	struct app_row *apps = NULL;
	int napps = 0, appcap = 0;
	int64_t cur = -1;
	struct listing_row lr = { 0 };
	char *area = NULL, *key = NULL;
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t listing = sqlite3_column_int64(st, 0);
		if (listing != cur) {
			if (napps)
				listing_pairs(out, &cap, &lr, apps, napps);
			napps = 0;
			cur = listing;
			free(area);
			free(key);
			const char *at = (const char *)sqlite3_column_text(st, 8);
			const char *ar = (const char *)sqlite3_column_text(st, 9);
			const char *k = (const char *)sqlite3_column_text(st, 11);
			area = ar && *ar ? xstrdup(ar) : NULL;
			key = k && *k ? xstrdup(k) : NULL;
			lr.id = listing;
			lr.withdrawn = sqlite3_column_int(st, 1);
			lr.agent_type = at && !strcmp(at, "private") ? "private" : "agency";
			lr.area = area;
			lr.agent_key = key;
			lr.round = (long)sqlite3_column_int64(st, 10);
		}
		if (napps == appcap) {
			appcap = appcap ? 2 * appcap : 4;
			apps = xrealloc(apps, (size_t)appcap * sizeof(*apps));
		}
		struct app_row *a = &apps[napps++];
		const char *outcome = (const char *)sqlite3_column_text(st, 7);
		a->id = sqlite3_column_int64(st, 2);
		a->status_reason = status_reason((const char *)sqlite3_column_text(st, 3));
		a->control = sqlite3_column_int(st, 4);
		a->grp = sqlite3_column_int64(st, 5);
		a->gender = gender_parse((const char *)sqlite3_column_text(st, 6));
		if (a->gender < 0)
			a->gender = GENDER_FEMALE; /* the schema allows female and male only */
		a->outcome = outcome ? pairs_outcome_parse(outcome) : PAIRS_NONE;
		if (a->outcome < 0)
			a->outcome = PAIRS_NONE; /* the schema's CHECK rules this out */
		a->variant = sqlite3_column_type(st, 12) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 12);
		a->position = sqlite3_column_type(st, 13) == SQLITE_NULL ? 0 : sqlite3_column_int(st, 13);
	}
	if (rc == SQLITE_DONE) {
		if (napps)
			listing_pairs(out, &cap, &lr, apps, napps);
		rc = CT_OK;
	} else {
		rc = study_db_error(s, err, "reading the applications");
	}
	sqlite3_finalize(st);
	free(apps);
	free(area);
	free(key);
	if (rc)
		pairs_set_free(out);
	return rc;
}

void pairs_set_free(struct pairs_set *ps)
{
	if (!ps)
		return;
	for (int i = 0; i < ps->ngroups; i++) {
		free(ps->groups[i].name);
		free(ps->groups[i].label);
	}
	free(ps->groups);
	for (size_t i = 0; i < ps->npairs; i++) {
		free(ps->pairs[i].area);
		free(ps->pairs[i].agent_key);
	}
	free(ps->pairs);
	memset(ps, 0, sizeof(*ps));
}

