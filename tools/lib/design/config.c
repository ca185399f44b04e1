/* config.c: study.ini reading (libinih) and design validation. */
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "design/config.h"
#include "fielding/channel.h"
#include "base/timeutil.h"
#include "base/banned.h"

/* Keys each fixed section accepts. [profile] and [phones] take any key of
 * the form [a-z0-9_.]+ because their keys are the study's own. */
static const char *const known_study[] = { "name", "market", "city", "lang", "seed", NULL };
static const char *const known_design[] = { "genders", "variants", "block_cells", "outcome",
					    "placebo_share", NULL };
static const char *const known_group[] = { "role", "label", "bank", NULL };
static const char *const known_schedule[] = { "timezone", "start", "days", "hours", "daily_quota",
					      "gap_min_hours", "gap_max_hours", "agent_gap_days", NULL };
static const char *const known_fielding[] = { "channel", NULL };
static const char *const known_coding[] = { "reply_rule", "min_kappa", NULL };
/* Evidence and data protection (issue 12): their engines read these
 * (evidence/recheck, evidence/followup, evidence/purge). */
static const char *const known_evidence[] = { "retention_days", "legal_hold", NULL };
static const char *const known_recheck[] = { "days", "rate_seconds", "timeout_seconds",
					     "user_agent", NULL };
static const char *const known_followup[] = { "delay_hours", "from", NULL };
static const char *const known_personas[] = { "mail_domain", "phone", NULL };
static const char *const known_templates[] = { "dir", NULL };
/* Job studies' CVs (issue 13; read by cv/cv.h). Placeholder for the merge:
 * the CV-engine branch owns these keys and their checks. */
static const char *const known_cv[] = { "attach", "level", "template", NULL };
static const char *const known_mail[] = { "smtp_url", "imap_url", "ca_file", "sent_folder",
					  "min_interval_seconds", "retries", "decline_within_hours",
					  NULL };

struct parse_state {
	struct config *c;
	const char *text;
	size_t pos;
	int line;
	struct ct_err *err;
	int failed;
};

static int in_list(const char *const *list, const char *k)
{
	for (; *list; list++)
		if (!strcmp(*list, k))
			return 1;
	return 0;
}

static int free_key_ok(const char *k)
{
	if (!*k)
		return 0;
	for (const char *p = k; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'))
			return 0;
	return 1;
}

static int key_known(const char *sec, const char *key, const char **why)
{
	*why = NULL;
	if (!strcmp(sec, "study"))
		return in_list(known_study, key);
	if (!strcmp(sec, "design"))
		return in_list(known_design, key);
	if (!strncmp(sec, "group ", 6))
		return in_list(known_group, key);
	if (!strcmp(sec, "schedule"))
		return in_list(known_schedule, key);
	if (!strcmp(sec, "personas"))
		return in_list(known_personas, key);
	if (!strcmp(sec, "templates"))
		return in_list(known_templates, key);
	if (!strcmp(sec, "fielding"))
		return in_list(known_fielding, key);
	if (!strcmp(sec, "mail"))
		return in_list(known_mail, key);
	if (!strcmp(sec, "coding"))
		return in_list(known_coding, key);
	if (!strcmp(sec, "evidence"))
		return in_list(known_evidence, key);
	if (!strcmp(sec, "recheck"))
		return in_list(known_recheck, key);
	if (!strcmp(sec, "followup"))
		return in_list(known_followup, key);
	if (!strcmp(sec, "cv"))
		return in_list(known_cv, key);
	if (!strcmp(sec, "profile") || !strcmp(sec, "phones")) {
		*why = "keys here use only a-z, 0-9, '_' and '.'";
		return free_key_ok(key);
	}
	*why = "unknown section";
	return 0;
}

/* inih calls the reader once per line, then the handler for that line, so
 * counting reader calls gives the line of each key. */
static char *reader(char *str, int num, void *stream)
{
	struct parse_state *ps = stream;
	if (!ps->text[ps->pos])
		return NULL;
	const char *start = ps->text + ps->pos;
	const char *nl = strchr(start, '\n');
	size_t len = nl ? (size_t)(nl - start) + 1 : strlen(start);
	ps->line++;
	if (len + 1 > (size_t)num) {
		if (!ps->failed)
			ct_fail(ps->err, CT_EINPUT, "%s:%d: line too long", ps->c->path, ps->line);
		ps->failed = 1;
		len = (size_t)num - 1;
	}
	memcpy(str, start, len);
	str[len] = '\0';
	ps->pos += nl ? (size_t)(nl - start) + 1 : strlen(start);
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_state *ps = user;
	struct config *c = ps->c;
	const char *why;
	if (ps->failed)
		return 0;
	if (!key_known(section, name, &why)) {
		ps->failed = 1;
		if (why && !strcmp(why, "unknown section"))
			ct_fail(ps->err, CT_EINPUT, "%s:%d: unknown section [%s]", c->path, ps->line, section);
		else
			ct_fail(ps->err, CT_EINPUT, "%s:%d: unknown key '%s' in [%s]%s%s", c->path, ps->line,
				name, section, why ? ": " : "", why ? why : "");
		return 0;
	}
	if (config_get(c, section, name)) {
		ps->failed = 1;
		ct_fail(ps->err, CT_EINPUT, "%s:%d: '%s' is set twice in [%s] (first on line %d)",
			c->path, ps->line, name, section, config_line(c, section, name));
		return 0;
	}
	const char *bad_why;
	unsigned long bad_cp;
	if (!text_ok(value, strlen(value), &bad_why, NULL, &bad_cp)) {
		ps->failed = 1;
		ct_fail(ps->err, CT_EINPUT, "%s:%d: the value of '%s' contains %s (U+%04lX)", c->path,
			ps->line, name, bad_why, bad_cp);
		return 0;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 32;
		c->e = xrealloc(c->e, (size_t)c->cap * sizeof(*c->e));
	}
	c->e[c->n].section = xstrdup(section);
	c->e[c->n].key = xstrdup(name);
	c->e[c->n].value = xstrdup(value);
	c->e[c->n].line = ps->line;
	c->n++;
	return 1;
}

int config_parse(const char *path, const char *text, struct config **out, struct ct_err *err)
{
	size_t bad;
	if (!utf8_check(text, strlen(text), &bad)) {
		int line = 1;
		for (size_t i = 0; i < bad; i++)
			line += text[i] == '\n';
		return ct_fail(err, CT_EINPUT, "%s:%d: invalid UTF-8", path, line);
	}
	/* The library's behaviour is set globally; set it every time so that no
	 * other caller's choice leaks in. Indented continuation lines are off:
	 * a stray indent must not silently glue two settings together. */
	ini_allow_multiline = 0;
	ini_use_stack = 0;
	ini_allow_realloc = 0;
	ini_max_line = 4096;
	ini_stop_on_first_error = 1;

	struct config *c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	struct parse_state ps = { c, text, 0, 0, err, 0 };
	int rc = ini_parse_stream(reader, &ps, handler, &ps);
	if (ps.failed) {
		config_free(c);
		return err ? err->status : CT_EINPUT;
	}
	if (rc != 0) {
		config_free(c);
		if (rc > 0)
			return ct_fail(err, CT_EINPUT, "%s:%d: not a 'key = value' line or '[section]'",
				       path, rc);
		return ct_fail(err, CT_EENV, "%s: cannot parse", path);
	}
	*out = c;
	return CT_OK;
}

int config_load(const char *path, struct config **out, struct ct_err *err)
{
	char *text;
	int rc = file_read(path, &text, NULL, err);
	if (rc)
		return rc;
	rc = config_parse(path, text, out, err);
	free(text);
	return rc;
}

void config_free(struct config *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->n; i++) {
		free(c->e[i].section);
		free(c->e[i].key);
		free(c->e[i].value);
	}
	free(c->e);
	free(c->path);
	free(c);
}

static const struct cfg_entry *find(const struct config *c, const char *section, const char *key)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->e[i].section, section) && !strcmp(c->e[i].key, key))
			return &c->e[i];
	return NULL;
}

const char *config_get(const struct config *c, const char *section, const char *key)
{
	const struct cfg_entry *e = find(c, section, key);
	return e ? e->value : NULL;
}

int config_line(const struct config *c, const char *section, const char *key)
{
	const struct cfg_entry *e = find(c, section, key);
	return e ? e->line : 0;
}

const char *gender_name(int g)
{
	return g == GENDER_MALE ? "male" : "female";
}

int gender_parse(const char *s)
{
	if (!strcmp(s, "female") || !strcmp(s, "f"))
		return GENDER_FEMALE;
	if (!strcmp(s, "male") || !strcmp(s, "m"))
		return GENDER_MALE;
	return -1;
}

/* Helpers that fetch a required or optional value and name its line. */
static int need(const struct config *c, const char *sec, const char *key, const char **v,
		struct ct_err *err)
{
	*v = config_get(c, sec, key);
	if (!*v || !**v)
		return ct_fail(err, CT_EINPUT, "%s: [%s] %s is missing", c->path, sec, key);
	return CT_OK;
}

static int bad(const struct config *c, const char *sec, const char *key, struct ct_err *err,
	       const char *what)
{
	return ct_fail(err, CT_EINPUT, "%s:%d: [%s] %s: %s", c->path, config_line(c, sec, key), sec,
		       key, what);
}

static int get_long(const struct config *c, const char *sec, const char *key, long def, long min,
		    long max, long *out, struct ct_err *err)
{
	const char *v = config_get(c, sec, key);
	if (!v) {
		*out = def;
		return CT_OK;
	}
	if (!parse_long(v, out) || *out < min || *out > max) {
		char what[96];
		snprintf(what, sizeof(what), "'%s' is not a whole number from %ld to %ld", v, min, max);
		return bad(c, sec, key, err, what);
	}
	return CT_OK;
}

static int parse_hhmm(const char *s, int *min)
{
	int h, m;
	char tail;
	if (sscanf(s, "%2d:%2d%c", &h, &m, &tail) != 2 || h < 0 || h > 24 || m < 0 || m > 59 ||
	    (h == 24 && m))
		return 0;
	*min = h * 60 + m;
	return 1;
}

/* Splits a comma-separated list into trimmed items (caller frees each and
 * the array). */
static char **split_list(const char *v, int *n)
{
	char **items = NULL;
	*n = 0;
	char *copy = xstrdup(v), *p = copy;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		items = xrealloc(items, (size_t)(*n + 1) * sizeof(char *));
		items[(*n)++] = xstrdup(str_trim(p));
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
	return items;
}

static void free_list(char **items, int n)
{
	for (int i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

static int id_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

int design_from_config(const struct config *c, struct design **out, struct ct_err *err)
{
	struct design *d = xcalloc(1, sizeof(*d));
	const char *v;
	long l;
	int rc;
	char **items = NULL;
	int nitems = 0;

	if ((rc = need(c, "study", "name", &v, err)))
		goto fail;
	d->name = xstrdup(v);
	if ((rc = need(c, "study", "market", &v, err)))
		goto fail;
	if (strcmp(v, "housing") && strcmp(v, "job")) {
		rc = bad(c, "study", "market", err, "must be housing or job");
		goto fail;
	}
	d->market = xstrdup(v);
	v = config_get(c, "study", "city");
	d->city = xstrdup(v ? v : "");
	if ((rc = need(c, "study", "lang", &v, err)))
		goto fail;
	if (strcmp(v, "nl") && strcmp(v, "fr") && strcmp(v, "en")) {
		rc = bad(c, "study", "lang", err, "must be nl, fr or en");
		goto fail;
	}
	d->lang = xstrdup(v);
	if ((rc = need(c, "study", "seed", &v, err)))
		goto fail;
	if (!parse_u64(v, &d->seed)) {
		rc = bad(c, "study", "seed", err, "must be a whole number from 0 to 2^64-1");
		goto fail;
	}

	/* Groups: every [group ID] section, control first. */
	for (int i = 0; i < c->n; i++) {
		const char *sec = c->e[i].section;
		if (strncmp(sec, "group ", 6) || design_group_find(d, sec + 6))
			continue;
		const char *id = sec + 6;
		if (!id_ok(id)) {
			rc = ct_fail(err, CT_EINPUT,
				     "%s:%d: group name '%s' may use only a-z, 0-9, '_' and '-'",
				     c->path, c->e[i].line, id);
			goto fail;
		}
		const char *role = config_get(c, sec, "role");
		const char *bank = config_get(c, sec, "bank");
		const char *label = config_get(c, sec, "label");
		if (!role || (strcmp(role, "control") && strcmp(role, "test"))) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: [%s] role must be control or test", c->path,
				     c->e[i].line, sec);
			goto fail;
		}
		if (!bank || !id_ok(bank)) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: [%s] bank must name a name bank", c->path,
				     c->e[i].line, sec);
			goto fail;
		}
		d->groups = xrealloc(d->groups, (size_t)(d->ngroups + 1) * sizeof(*d->groups));
		struct design_group *g = &d->groups[d->ngroups++];
		g->id = xstrdup(id);
		g->label = xstrdup(label && *label ? label : id);
		g->bank = xstrdup(bank);
		g->control = !strcmp(role, "control");
	}
	int ncontrol = 0;
	for (int i = 0; i < d->ngroups; i++)
		ncontrol += d->groups[i].control;
	if (ncontrol != 1) {
		rc = ct_fail(err, CT_EINPUT, "%s: exactly one [group ...] needs role = control (found %d)",
			     c->path, ncontrol);
		goto fail;
	}
	if (d->ngroups < 2) {
		rc = ct_fail(err, CT_EINPUT, "%s: the design needs at least one test group", c->path);
		goto fail;
	}
	/* Move the control to the front; test groups keep their file order. */
	for (int i = 1; i < d->ngroups; i++) {
		if (d->groups[i].control) {
			struct design_group ctl = d->groups[i];
			memmove(&d->groups[1], &d->groups[0], (size_t)i * sizeof(*d->groups));
			d->groups[0] = ctl;
			break;
		}
	}

	v = config_get(c, "design", "genders");
	items = split_list(v ? v : "female, male", &nitems);
	if (nitems < 1 || nitems > 2) {
		rc = bad(c, "design", "genders", err, "list one or two of female, male");
		goto fail;
	}
	for (int i = 0; i < nitems; i++) {
		int g = gender_parse(items[i]);
		if (g < 0 || (i == 1 && g == d->genders[0])) {
			rc = bad(c, "design", "genders", err, "list one or two of female, male");
			goto fail;
		}
		d->genders[d->ngenders++] = g;
	}
	free_list(items, nitems);
	items = NULL;
	nitems = 0;
	if ((rc = get_long(c, "design", "variants", 3, 2, 26, &l, err)))
		goto fail;
	d->variants = (int)l;
	if ((rc = get_long(c, "design", "block_cells", 1, 1, 100, &l, err)))
		goto fail;
	d->block_cells = (int)l;
	v = config_get(c, "design", "outcome");
	if (v && strcmp(v, "strict") && strcmp(v, "broad") && strcmp(v, "any")) {
		rc = bad(c, "design", "outcome", err, "must be strict, broad or any");
		goto fail;
	}
	d->outcome = xstrdup(v ? v : "strict");

	v = config_get(c, "schedule", "timezone");
	d->timezone = xstrdup(v ? v : "Europe/Brussels");
	{
		/* An unknown zone would silently become UTC in the C library. So
		 * would a folder ("Europe", or an empty value) or another file of
		 * zoneinfo ("zone.tab"): a zone is a file that starts "TZif". */
		char *zpath = xasprintf("/usr/share/zoneinfo/%s", d->timezone);
		FILE *zf = strstr(d->timezone, "..") ? NULL : fopen(zpath, "rb");
		char magic[4] = "";
		int is_zone = zf && fread(magic, 1, 4, zf) == 4 && !memcmp(magic, "TZif", 4);
		if (zf)
			fclose(zf);
		free(zpath);
		if (!is_zone) {
			rc = bad(c, "schedule", "timezone", err,
				 "unknown time zone (an IANA name such as Europe/Brussels)");
			goto fail;
		}
	}
	if ((rc = need(c, "schedule", "start", &v, err)))
		goto fail;
	/* 1970 and later: times are kept as seconds since then. */
	if (date_problem(v)) {
		rc = bad(c, "schedule", "start", err, date_problem(v));
		goto fail;
	}
	if (strncmp(v, "1970", 4) < 0) {
		rc = bad(c, "schedule", "start", err, "must be a date YYYY-MM-DD from 1970 on");
		goto fail;
	}
	d->start = xstrdup(v);
	v = config_get(c, "schedule", "days");
	items = split_list(v ? v : "mon, tue, wed, thu, fri", &nitems);
	for (int i = 0; i < nitems; i++) {
		static const char *const dn[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };
		int found = -1;
		for (int k = 0; k < 7; k++)
			if (!strcmp(items[i], dn[k]))
				found = k;
		if (found < 0) {
			rc = bad(c, "schedule", "days", err, "list days as mon, tue, ... sun");
			goto fail;
		}
		d->days_mask |= 1 << found;
	}
	free_list(items, nitems);
	items = NULL;
	nitems = 0;
	v = config_get(c, "schedule", "hours");
	{
		const char *h = v ? v : "09:00-17:00";
		char a[8], b[8];
		const char *dash = strchr(h, '-');
		if (!dash || dash - h > 5 || strlen(dash + 1) > 5) {
			rc = bad(c, "schedule", "hours", err, "must be HH:MM-HH:MM");
			goto fail;
		}
		snprintf(a, sizeof(a), "%.*s", (int)(dash - h), h);
		snprintf(b, sizeof(b), "%s", dash + 1);
		if (!parse_hhmm(a, &d->day_from) || !parse_hhmm(b, &d->day_to) ||
		    d->day_to <= d->day_from) {
			rc = bad(c, "schedule", "hours", err, "must be HH:MM-HH:MM, start before end");
			goto fail;
		}
	}
	if ((rc = get_long(c, "schedule", "daily_quota", 40, 1, 100000, &l, err)))
		goto fail;
	d->daily_quota = (int)l;
	d->gap_min_hours = 2;
	d->gap_max_hours = 6;
	if ((v = config_get(c, "schedule", "gap_min_hours")) && !parse_double(v, &d->gap_min_hours)) {
		rc = bad(c, "schedule", "gap_min_hours", err, "must be a number of hours");
		goto fail;
	}
	if ((v = config_get(c, "schedule", "gap_max_hours")) && !parse_double(v, &d->gap_max_hours)) {
		rc = bad(c, "schedule", "gap_max_hours", err, "must be a number of hours");
		goto fail;
	}
	if (d->gap_min_hours < 0 || d->gap_max_hours < d->gap_min_hours || d->gap_max_hours > 24 * 14) {
		rc = bad(c, "schedule", "gap_max_hours", err,
			 "need 0 <= gap_min_hours <= gap_max_hours <= 336");
		goto fail;
	}

	d->agent_gap_days = 7;
	if ((v = config_get(c, "schedule", "agent_gap_days")) &&
	    (!parse_double(v, &d->agent_gap_days) || d->agent_gap_days < 0 ||
	     d->agent_gap_days > 365)) {
		rc = bad(c, "schedule", "agent_gap_days", err, "must be a number of days from 0 to 365");
		goto fail;
	}
	d->placebo_share = 0;
	if ((v = config_get(c, "design", "placebo_share")) &&
	    (!parse_double(v, &d->placebo_share) || d->placebo_share < 0 || d->placebo_share >= 1)) {
		rc = bad(c, "design", "placebo_share", err,
			 "must be a share from 0 (no placebo pairs) to below 1, e.g. 0.1");
		goto fail;
	}
	v = config_get(c, "fielding", "channel");
	/* The one list of channels (fielding/channel.c); stored as it names
	 * them, whatever the case written. */
	const char *ch = fielding_channel_parse(v ? v : "smtp");
	if (!ch) {
		rc = bad(c, "fielding", "channel", err, fielding_channel_must());
		goto fail;
	}
	d->channel = xstrdup(ch);

	/* Which reply counts when an application has several, and the lowest
	 * Cohen's kappa of the double coding that stats accepts without a
	 * warning (issue 10; the Belgian studies take the best reply). */
	v = config_get(c, "coding", "reply_rule");
	d->reply_rule = xstrdup(v ? v : "best");
	if (strcmp(d->reply_rule, "best") && strcmp(d->reply_rule, "first") &&
	    strcmp(d->reply_rule, "last")) {
		rc = bad(c, "coding", "reply_rule", err, "must be best, first or last");
		goto fail;
	}
	d->min_kappa = 0.7;
	if ((v = config_get(c, "coding", "min_kappa")) &&
	    (!parse_double(v, &d->min_kappa) || d->min_kappa < -1 || d->min_kappa > 1)) {
		rc = bad(c, "coding", "min_kappa", err, "must be a number from -1 to 1, e.g. 0.7");
		goto fail;
	}

	v = config_get(c, "personas", "mail_domain");
	d->mail_domain = xstrdup(v ? v : "corrtest.invalid");
	for (const char *p = d->mail_domain; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.')) {
			rc = bad(c, "personas", "mail_domain", err, "must be a lower-case domain name");
			goto fail;
		}
	/* Labels of 1 to 63 characters, no hyphen at either end: "x..be" or
	 * "-x.be" would make addresses no mail parser accepts. */
	for (const char *label = d->mail_domain;;) {
		size_t n = strcspn(label, ".");
		if (n == 0 || n > 63 || label[0] == '-' || label[n - 1] == '-') {
			rc = bad(c, "personas", "mail_domain", err,
				 "must be a domain name: labels of letters, digits and inner hyphens, "
				 "separated by single dots (e.g. mail.example.org)");
			goto fail;
		}
		if (!label[n])
			break;
		label += n + 1;
	}
	v = config_get(c, "personas", "phone");
	d->phone_default = xstrdup(v ? v : "");

	for (int i = 0; i < c->n; i++) {
		if (strcmp(c->e[i].section, "profile"))
			continue;
		d->profile = xrealloc(d->profile, (size_t)(d->nprofile + 1) * sizeof(*d->profile));
		d->profile[d->nprofile].key = xstrdup(c->e[i].key);
		d->profile[d->nprofile].value = xstrdup(c->e[i].value);
		d->nprofile++;
	}
	v = config_get(c, "templates", "dir");
	d->templates_dir = xstrdup(v ? v : "templates");
	*out = d;
	return CT_OK;
fail:
	free_list(items, nitems);
	design_free(d);
	return rc;
}

void design_free(struct design *d)
{
	if (!d)
		return;
	for (int i = 0; i < d->ngroups; i++) {
		free(d->groups[i].id);
		free(d->groups[i].label);
		free(d->groups[i].bank);
	}
	free(d->groups);
	for (int i = 0; i < d->nprofile; i++) {
		free(d->profile[i].key);
		free(d->profile[i].value);
	}
	free(d->profile);
	free(d->name);
	free(d->market);
	free(d->city);
	free(d->lang);
	free(d->outcome);
	free(d->timezone);
	free(d->start);
	free(d->mail_domain);
	free(d->channel);
	free(d->reply_rule);
	free(d->phone_default);
	free(d->templates_dir);
	free(d);
}

const char *design_phone(const struct config *c, const struct design *d, const char *group,
			 int gender)
{
	char key[160];
	snprintf(key, sizeof(key), "%s.%s", group, gender_name(gender));
	const char *v = config_get(c, "phones", key);
	return v ? v : d->phone_default;
}

const struct design_group *design_group_find(const struct design *d, const char *id)
{
	for (int i = 0; i < d->ngroups; i++)
		if (!strcmp(d->groups[i].id, id))
			return &d->groups[i];
	return NULL;
}
