/* pairs.c: from a study's applications and responses to the valid pairs,
 * and the exclusions by reason. */
#include <math.h>
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

int pairs_outcome_text_positive(const char *outcome, int def)
{
	int o = outcome ? pairs_outcome_parse(outcome) : PAIRS_NONE;
	return pairs_outcome_positive(o < 0 ? PAIRS_NONE : o, def);
}

int pairs_design_def(const char *design_outcome)
{
	int def = design_outcome ? pairs_def_parse(design_outcome) : PAIRS_STRICT;
	return def < 0 ? PAIRS_STRICT : def;
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

/* ---- Texts of the listings ---- */

/* Texts live in blocks of at least 64 KiB that are never reallocated, so
 * that a pointer into one stays valid; one copy per listing, however many
 * pairs it has. */
struct pairs_text_block {
	struct pairs_text_block *next;
	size_t used, cap;
	char data[];
};

static const char *text_copy(struct pairs_set *ps, const char *s, size_t n)
{
	struct pairs_text_block *b = ps->text;
	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > 65536 ? n + 1 : 65536;
		b = xmalloc(sizeof(*b) + cap);
		b->next = ps->text;
		b->used = 0;
		b->cap = cap;
		ps->text = b;
	}
	char *out = b->data + b->used;
	memcpy(out, s, n);
	out[n] = '\0';
	b->used += n + 1;
	return out;
}

/* ---- The rows read ---- */

/* A persona: its group as an index into ps->groups (-1 for the control,
 * PLACEBO_GROUP for the placebo group, -2 for a group that is neither), and
 * its gender. */
#define PLACEBO_GROUP (-3)

struct persona_row {
	int64_t id;
	int group;
	int gender;
};

/* A listing, with its texts copied into the set. */
struct listing_row {
	int64_t id;
	int withdrawn;
	const char *agent_type;
	const char *area, *agent_key;
	long round;
};

/* An application: 40 bytes, two million of them for a million pairs. */
struct app_row {
	int64_t id;
	int64_t listing;
	/* When it was sent and first answered (not a no_reply), as Julian
	 * days; NAN when not recorded or not answered. */
	double sent_jd, reply_jd;
	int32_t persona;        /* index into the personas, -1 when unknown */
	signed char status;     /* the reason it keeps its pair out, -1 when sent */
	signed char outcome;    /* enum pairs_outcome of its latest response */
	unsigned char variant;  /* 0 when not recorded */
	unsigned char position; /* 0 when not recorded */
};

static int load_groups(struct study *s, struct pairs_set *ps, int64_t **control_ids,
		       int *ncontrol, int64_t **placebo_ids, int *nplacebo, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT id, name, label, role = 'control', role = 'placebo' FROM grp "
				  "ORDER BY id", &st, err);
	if (rc)
		return rc;
	int cap = 0, ccap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 4)) {
			*placebo_ids = xrealloc(*placebo_ids, (size_t)(*nplacebo + 1) * sizeof(int64_t));
			(*placebo_ids)[(*nplacebo)++] = sqlite3_column_int64(st, 0);
			continue;
		}
		if (sqlite3_column_int(st, 3)) {
			if (*ncontrol == ccap) {
				ccap = ccap ? 2 * ccap : 2;
				*control_ids = xrealloc(*control_ids, (size_t)ccap * sizeof(int64_t));
			}
			(*control_ids)[(*ncontrol)++] = sqlite3_column_int64(st, 0);
			continue;
		}
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

static int load_personas(struct study *s, const struct pairs_set *ps, const int64_t *control_ids,
			 int ncontrol, const int64_t *placebo_ids, int nplacebo, struct persona_row **out,
			 size_t *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT id, grp, gender FROM persona ORDER BY id", &st, err);
	if (rc)
		return rc;
	size_t cap = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		struct persona_row *p = &(*out)[(*n)++];
		int64_t grp = sqlite3_column_int64(st, 1);
		p->id = sqlite3_column_int64(st, 0);
		p->group = -2;
		for (int i = 0; i < ncontrol; i++)
			if (control_ids[i] == grp)
				p->group = -1;
		for (int i = 0; i < nplacebo; i++)
			if (placebo_ids[i] == grp)
				p->group = PLACEBO_GROUP;
		for (int i = 0; i < ps->ngroups; i++)
			if (ps->groups[i].id == grp)
				p->group = i;
		p->gender = gender_parse((const char *)sqlite3_column_text(st, 2));
		if (p->gender < 0)
			p->gender = GENDER_FEMALE; /* the schema allows female and male only */
	}
	rc = rc == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the personas");
	sqlite3_finalize(st);
	return rc;
}

static int cmp_persona(const void *a, const void *b)
{
	int64_t x = ((const struct persona_row *)a)->id, y = ((const struct persona_row *)b)->id;
	return (x > y) - (x < y);
}

/* The reason an application's status keeps its pair out, or -1 when it
 * was sent. The statuses differ in their first letters (the schema's
 * CHECK allows no others): planned, sending, sent, bounced, failed,
 * cancelled. Decoding them here costs less than a CASE in SQL. */
static int status_reason(const char *st)
{
	switch (st ? st[0] : 0) {
	case 's': return st[3] == 't' ? -1 : PAIRS_EXCL_NOT_SENT; /* sent, sending */
	case 'b': return PAIRS_EXCL_BOUNCED;
	case 'f': return PAIRS_EXCL_FAILED;
	case 'c': return PAIRS_EXCL_CANCELLED;
	default: return PAIRS_EXCL_NOT_SENT; /* planned */
	}
}

/* A stored variant or position as a small number (0 when not recorded or
 * out of the range a design has). */
static unsigned char small_int(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col); /* NULL reads as 0 */
	return v >= 1 && v <= 255 ? (unsigned char)v : 0;
}

static int load_applications(struct study *s, const struct persona_row *personas,
			     size_t npersonas, struct app_row **out, size_t *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	/* The pairs are the main kind's: follow-ups and re-tests (schema 8) are
	 * kept apart from every figure, and their responses are skipped below as
	 * responses of applications not loaded. */
	int rc = study_prepare(s,
			       "SELECT id, listing, persona, status, variant, position, julianday(sent_at) "
			       "FROM application WHERE kind = 'main' ORDER BY id",
			       &st, err);
	if (rc)
		return rc;
	size_t cap = 0;
	const struct persona_row *last = NULL;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 1024;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		struct app_row *a = &(*out)[(*n)++];
		a->id = sqlite3_column_int64(st, 0);
		a->listing = sqlite3_column_int64(st, 1);
		int64_t persona = sqlite3_column_int64(st, 2);
		/* A handful of personas: a binary search, skipped when the
		 * persona is the previous row's. */
		const struct persona_row *p = last && last->id == persona ? last : NULL;
		if (!p && npersonas) {
			struct persona_row key = { .id = persona };
			p = bsearch(&key, personas, npersonas, sizeof(*personas), cmp_persona);
		}
		last = p;
		a->persona = p ? (int32_t)(p - personas) : -1;
		a->status = (signed char)status_reason((const char *)sqlite3_column_text(st, 3));
		a->outcome = PAIRS_NONE;
		a->variant = small_int(st, 4);
		a->position = small_int(st, 5);
		a->sent_jd = sqlite3_column_type(st, 6) == SQLITE_NULL ? NAN
									: sqlite3_column_double(st, 6);
		a->reply_jd = NAN;
	}
	rc = rc == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the applications");
	sqlite3_finalize(st);
	return rc;
}

/* An outcome by its first letters (the schema's CHECK allows these only):
 * invitation, info, refusal, other, no_reply. */
static int outcome_code(const char *o)
{
	switch (o ? o[0] : 0) {
	case 'i': return o[2] == 'v' ? PAIRS_INVITATION : PAIRS_INFO;
	case 'r': return PAIRS_REFUSAL;
	case 'o': return PAIRS_OTHER;
	case 'n': return PAIRS_NO_REPLY;
	default: return PAIRS_NONE;
	}
}

/* Each application's latest response: the table is append-only, so in
 * rowid order the last response of an application is its outcome. Apps
 * are sorted by id here; responses mostly come in application order, so
 * the one after the previous match is tried before a binary search. */
static int load_outcomes(struct study *s, struct app_row *apps, size_t napps, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT application, outcome, julianday(at) FROM response ORDER BY id",
			       &st, err);
	if (rc)
		return rc;
	size_t hint = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		size_t at = napps;
		if (hint < napps && apps[hint].id == id) {
			at = hint;
		} else if (hint + 1 < napps && apps[hint + 1].id == id) {
			at = hint + 1;
		} else {
			size_t lo = 0, hi = napps;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (apps[mid].id < id)
					lo = mid + 1;
				else
					hi = mid;
			}
			if (lo < napps && apps[lo].id == id)
				at = lo;
		}
		if (at == napps)
			continue; /* the foreign key rules this out */
		int o = outcome_code((const char *)sqlite3_column_text(st, 1));
		apps[at].outcome = (signed char)o;
		/* The first reply: the earliest time of a response that is a
		 * reply, whichever response is the latest (a correction of the
		 * outcome does not move when the landlord answered). */
		if (o != PAIRS_NO_REPLY && sqlite3_column_type(st, 2) != SQLITE_NULL) {
			double jd = sqlite3_column_double(st, 2);
			if (!(apps[at].reply_jd <= jd))
				apps[at].reply_jd = jd;
		}
		hint = at;
	}
	rc = rc == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the responses");
	sqlite3_finalize(st);
	return rc;
}

/* Applications by listing, then id. */
static int cmp_app_listing(const void *x, const void *y)
{
	const struct app_row *a = x, *b = y;
	if (a->listing != b->listing)
		return (a->listing > b->listing) - (a->listing < b->listing);
	return (a->id > b->id) - (a->id < b->id);
}

/* ---- Forming the pairs ---- */

/* Hours from sending to the first reply (see struct pair). */
static double app_hours(const struct app_row *a)
{
	if (a->outcome == PAIRS_NONE || a->outcome == PAIRS_NO_REPLY)
		return INFINITY;
	/* To the second, as times are stored: a Julian day's double leaves
	 * noise below the millisecond. NAN when either time is unknown. */
	return round((a->reply_jd - a->sent_jd) * 86400.0) / 3600.0;
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

/* A placebo listing's pair: the control and the placebo application, kept
 * apart from the test pairs, with its own exclusions (same rules and
 * precedence as listing_pairs). */
static void placebo_pair(struct pairs_set *ps, size_t *cap, const struct listing_row *l,
			 const struct app_row *apps, size_t n, const struct persona_row *personas)
{
	int ncontrol = 0, nplacebo = 0;
	const struct app_row *control = NULL, *placebo = NULL;
	for (size_t i = 0; i < n; i++) {
		int g = apps[i].persona >= 0 ? personas[apps[i].persona].group : -2;
		if (g == -1) {
			ncontrol++;
			control = &apps[i];
		} else if (g == PLACEBO_GROUP) {
			nplacebo++;
			placebo = &apps[i];
		}
	}
	int r = -1;
	if (l->withdrawn)
		r = PAIRS_EXCL_WITHDRAWN;
	else if (ncontrol > 1 || nplacebo > 1)
		r = PAIRS_EXCL_CONTROLS;
	else if (!ncontrol || !nplacebo)
		r = PAIRS_EXCL_INCOMPLETE;
	else {
		r = control->status;
		if (placebo->status >= 0 && (r < 0 || placebo->status < r))
			r = placebo->status;
	}
	if (r >= 0) {
		ps->placebo_excluded[r]++;
		ps->placebo_excluded_total++;
		return;
	}
	if (ps->nplacebo == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		ps->placebo = xrealloc(ps->placebo, *cap * sizeof(*ps->placebo));
	}
	ps->placebo[ps->nplacebo++] = (struct pair){ .listing = l->id,
						     .control_app = control->id,
						     .test_app = placebo->id,
						     .group = -1,
						     .gender = personas[placebo->persona].gender,
						     .control_outcome = control->outcome,
						     .test_outcome = placebo->outcome,
						     .agent_type = l->agent_type,
						     .area = l->area,
						     .round = l->round,
						     .agent_key = l->agent_key,
						     .test_variant = placebo->variant,
						     .test_position = placebo->position,
						     .control_variant = control->variant,
						     .control_position = control->position,
						     .control_hours = app_hours(control),
						     .test_hours = app_hours(placebo) };
}

/* Forms the pairs of one listing from its applications (by id). An
 * application of a persona in neither a control nor a test group (which
 * the schema does not allow) is left out, as the join on the group did. */
static void listing_pairs(struct pairs_set *ps, size_t *cap, const struct listing_row *l,
			  const struct app_row *apps, size_t n, const struct persona_row *personas)
{
	int ncontrol = 0, ntest = 0;
	const struct app_row *control = NULL;
	for (size_t i = 0; i < n; i++) {
		int g = apps[i].persona >= 0 ? personas[apps[i].persona].group : -2;
		if (g == -1) {
			ncontrol++;
			control = &apps[i];
		} else if (g >= 0) {
			ntest++;
		}
	}
	if (!ncontrol && !ntest)
		return;
	/* A listing whose applications cannot form a pair still counts once
	 * per test application (or once, if it has none), so that the total
	 * of pairs and exclusions matches what was assigned. */
	long units = ntest ? ntest : 1;
	if (l->withdrawn) {
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
	for (size_t i = 0; i < n; i++) {
		if (apps[i].persona < 0)
			continue;
		const struct persona_row *tp = &personas[apps[i].persona];
		if (tp->group < 0)
			continue;
		int r = control->status;
		int rt = apps[i].status;
		/* The lower enum value takes precedence (bounced before not sent). */
		if (rt >= 0 && (r < 0 || rt < r))
			r = rt;
		if (r >= 0) {
			exclude(ps, r, 1);
			continue;
		}
		struct pair p = { .listing = l->id,
				  .control_app = control->id,
				  .test_app = apps[i].id,
				  .group = tp->group,
				  .gender = tp->gender,
				  .control_outcome = control->outcome,
				  .test_outcome = apps[i].outcome,
				  .agent_type = l->agent_type,
				  .area = l->area,
				  .round = l->round,
				  .agent_key = l->agent_key,
				  .test_variant = apps[i].variant,
				  .test_position = apps[i].position,
				  .control_variant = control->variant,
				  .control_position = control->position,
				  .control_hours = app_hours(control),
				  .test_hours = app_hours(&apps[i]) };
		add_pair(ps, cap, &p);
	}
}

/* Walks the listings in id order beside the applications (sorted by
 * listing) and forms each listing's pairs. Raw columns, decoded here: an
 * expression in the query costs SQLite more than a call per column saves.
 * A listing's texts are copied only when it has applications; text
 * lengths are taken with strlen (stored text holds no NUL). */
static int walk_listings(struct study *s, struct pairs_set *ps, const struct app_row *apps,
			 size_t napps, const struct persona_row *personas, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "SELECT id, status, agent_type, round, area, agent_key FROM listing "
			       "ORDER BY id",
			       &st, err);
	if (rc)
		return rc;
	size_t cap = 0, pcap = 0, i = 0;
	int step = SQLITE_DONE;
	/* Once every application has its listing, the rest need not be read. */
	while (i < napps && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);
		/* Applications of a listing that is missing (the foreign key
		 * rules them out) form no pair, as with a join. */
		while (i < napps && apps[i].listing < id)
			i++;
		if (i == napps || apps[i].listing != id)
			continue;
		size_t j = i;
		while (j < napps && apps[j].listing == id)
			j++;
		struct listing_row l = { .id = id };
		/* active | withdrawn; agency | private (the schema's CHECKs). */
		const char *status = (const char *)sqlite3_column_text(st, 1);
		const char *type = (const char *)sqlite3_column_text(st, 2);
		l.withdrawn = status && status[0] == 'w';
		l.agent_type = type && type[0] == 'p' ? "private" : "agency";
		l.round = (long)sqlite3_column_int64(st, 3);
		const char *area = (const char *)sqlite3_column_text(st, 4);
		l.area = area && *area ? text_copy(ps, area, strlen(area)) : NULL;
		const char *key = (const char *)sqlite3_column_text(st, 5);
		l.agent_key = key && *key ? text_copy(ps, key, strlen(key)) : NULL;
		/* A listing with a placebo application is a placebo pair. */
		int placebo = 0;
		for (size_t q = i; q < j && !placebo; q++)
			placebo = apps[q].persona >= 0 && personas[apps[q].persona].group == PLACEBO_GROUP;
		if (placebo)
			placebo_pair(ps, &pcap, &l, &apps[i], j - i, personas);
		else
			listing_pairs(ps, &cap, &l, &apps[i], j - i, personas);
		i = j;
	}
	rc = step == SQLITE_DONE || step == SQLITE_ROW ? CT_OK
						       : study_db_error(s, err, "reading the listings");
	sqlite3_finalize(st);
	return rc;
}

int pairs_collect(struct study *s, struct pairs_set *out, struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	int64_t *control_ids = NULL, *placebo_ids = NULL;
	int ncontrol = 0, nplacebo = 0;
	struct persona_row *personas = NULL;
	struct app_row *apps = NULL;
	size_t npersonas = 0, napps = 0;
	int rc;
	if ((rc = load_groups(s, out, &control_ids, &ncontrol, &placebo_ids, &nplacebo, err)) ||
	    (rc = load_personas(s, out, control_ids, ncontrol, placebo_ids, nplacebo, &personas,
				&npersonas, err)) ||
	    (rc = load_applications(s, personas, npersonas, &apps, &napps, err)) ||
	    (rc = load_outcomes(s, apps, napps, err)))
		goto out;
	/* Applications are normally created listing by listing, so they are
	 * already in listing order; sort only when they are not. */
	for (size_t i = 1; i < napps; i++) {
		if (cmp_app_listing(&apps[i - 1], &apps[i]) > 0) {
			qsort(apps, napps, sizeof(*apps), cmp_app_listing);
			break;
		}
	}
	rc = walk_listings(s, out, apps, napps, personas, err);
out:
	free(control_ids);
	free(placebo_ids);
	free(personas);
	free(apps);
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
	free(ps->pairs);
	free(ps->placebo);
	while (ps->text) {
		struct pairs_text_block *next = ps->text->next;
		free(ps->text);
		ps->text = next;
	}
	memset(ps, 0, sizeof(*ps));
}
