/* cvtpl.c: reading and checking a CV template (cvtpl.h), and the study's
 * [cv] settings. The syntax is documented at the top of
 * templates/job/LANG/cv.ini. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv/cvtpl.h"
#include "base/embedded.h"
#include "base/banned.h"

static const char *const cond_names[CVC_N] = { "family", "level", "city", "gender", "job" };
static const char *const sections[] = { "families", "contact", "profile", "experience",
					"education", "skills", "languages", "interests", NULL };

/* The nodes the document is built from: a template must give each (for
 * every family, level, gender and job where it is shown). need: 0 always,
 * 1 only for bachelor and master, 2 only for master. */
static const struct {
	const char *name;
	int need;
} required[] = {
	{ "contact.email", 0 },	       { "contact.phone", 0 },	      { "contact.city", 0 },
	{ "contact.born", 0 },	       { "contact.months", 0 },	      { "contact.present", 0 },
	{ "profile.title", 0 },	       { "profile.headline", 0 },     { "profile.summary", 0 },
	{ "experience.title", 0 },     { "experience.jobs", 0 },      { "experience.job_title", 0 },
	{ "experience.employer", 0 },  { "experience.place", 0 },     { "experience.duties", 0 },
	{ "education.title", 0 },      { "education.secondary", 0 },  { "education.secondary_school", 0 },
	{ "education.degree", 1 },     { "education.school", 1 },     { "education.prior_degree", 2 },
	{ "education.prior_school", 2 }, { "skills.title", 0 },	      { "skills.items", 0 },
	{ "languages.title", 0 },      { "languages.items", 0 },      { "interests.title", 0 },
	{ "interests.items", 0 },
};

static const char *const per_job[] = { "job_title", "employer", "place", "duties", NULL };
static const char *const levels[] = { "secondary", "bachelor", "master", NULL };

static int in_list(const char *const *l, const char *s)
{
	for (; *l; l++)
		if (!strcmp(*l, s))
			return 1;
	return 0;
}

/* Lower case, with the accented Latin-1 letters of French and Dutch city
 * names folded to their base letter, so that "Liège" meets "liege". */
static char *fold(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		if (p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
			static const char map[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyps"; /* C3 80..9F, lower-cased */
			unsigned c = p[1] & 0x1F;
			sb_addc(&sb, map[c]);
			p += 2;
			continue;
		}
		sb_addc(&sb, (char)tolower(*p));
		p++;
	}
	sb_addc(&sb, '\0');
	char *r = sb_detach(&sb);
	return r;
}

static int value_in(const char *list, const char *v)
{
	size_t n = strlen(v);
	for (const char *p = list;;) {
		size_t k = strcspn(p, "/");
		if (k == n && !strncmp(p, v, n))
			return 1;
		if (!p[k])
			return 0;
		p += k + 1;
	}
}

static void node_free(struct cvt_node *n)
{
	for (int i = 0; i < n->nv; i++) {
		struct cvt_variant *v = &n->v[i];
		for (int c = 0; c < CVC_N; c++)
			free(v->cond[c]);
		for (int a = 0; a < v->nalt; a++) {
			free(v->alt[a].side[0]);
			free(v->alt[a].side[1]);
		}
		free(v->alt);
	}
	free(n->v);
	free(n->name);
	free(n->section);
	free(n->key);
}

void cvt_free(struct cv_template *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nnode; i++)
		node_free(&t->node[i]);
	free(t->node);
	for (int i = 0; i < t->nfam; i++) {
		free(t->fam[i].name);
		for (int k = 0; k < t->fam[i].nisco; k++)
			free(t->fam[i].isco[k]);
		free(t->fam[i].isco);
	}
	free(t->fam);
	for (int i = 0; i < t->nsections; i++)
		free(t->sections[i]);
	free(t->sections);
	free(t->path);
	free(t);
}

const struct cvt_node *cvt_node_find(const struct cv_template *t, const char *name)
{
	for (int i = 0; i < t->nnode; i++)
		if (!strcmp(t->node[i].name, name))
			return &t->node[i];
	return NULL;
}

static struct cvt_node *node_get(struct cv_template *t, const char *sec, const char *key, int line)
{
	char *name = xasprintf("%s.%s", sec, key);
	for (int i = 0; i < t->nnode; i++)
		if (!strcmp(t->node[i].name, name)) {
			free(name);
			return &t->node[i];
		}
	t->node = xrealloc(t->node, (size_t)(t->nnode + 1) * sizeof(*t->node));
	struct cvt_node *n = &t->node[t->nnode++];
	memset(n, 0, sizeof(*n));
	n->name = name;
	n->section = xstrdup(sec);
	n->key = xstrdup(key);
	n->line = line;
	n->per_job = !strcmp(sec, "experience") && in_list(per_job, key);
	return n;
}

static char *trim_dup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/* Splits a value into alternatives ("|") of one or two sides ("||"). */
static int parse_value(const char *path, int line, const char *val, struct cvt_variant *v,
		       struct ct_err *err)
{
	const char *p = val;
	for (;;) {
		/* One alternative: up to a '|' that is not part of "||". */
		const char *q = p;
		while (*q && !(q[0] == '|' && q[1] != '|' && (q == p || q[-1] != '|')))
			q++;
		/* Within [p, q): sides separated by "||". */
		struct cvt_alt a = { { NULL, NULL } };
		int nside = 0;
		for (const char *s = p; s <= q;) {
			const char *e = s;
			while (e < q && !(e[0] == '|' && e + 1 < q && e[1] == '|'))
				e++;
			char *side = trim_dup(s, (size_t)(e - s));
			if (nside >= 2) {
				free(side);
				free(a.side[0]);
				free(a.side[1]);
				return ct_fail(err, CT_EINPUT, "%s:%d: a worded alternative has more than two "
					       "sides ('||' separates phrasing 1 from phrasing 2 only)", path, line);
			}
			a.side[nside++] = side;
			if (e >= q)
				break;
			s = e + 2;
		}
		for (int k = 0; k < nside; k++)
			if (!*a.side[k]) {
				free(a.side[0]);
				free(a.side[1]);
				return ct_fail(err, CT_EINPUT, "%s:%d: an empty alternative (two '|' with "
					       "nothing between, or one at an end)", path, line);
			}
		if (v->nalt && (nside == 2) != v->worded) {
			free(a.side[0]);
			free(a.side[1]);
			return ct_fail(err, CT_EINPUT, "%s:%d: the alternatives of one line must all be "
				       "worded (a || b) or none", path, line);
		}
		v->worded = nside == 2;
		v->alt = xrealloc(v->alt, (size_t)(v->nalt + 1) * sizeof(*v->alt));
		v->alt[v->nalt++] = a;
		if (!*q)
			break;
		p = q + 1;
	}
	return CT_OK;
}

static int name_ok(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return 0;
	return 1;
}

/* KEY[.female|.male][cond=val,...][...]: fills v's conditions. */
static int parse_key(const char *path, int line, const char *lhs, const char *sec,
		     const struct cv_template *t, char **key, struct cvt_variant *v,
		     struct ct_err *err)
{
	size_t n = strcspn(lhs, ".[");
	if (!name_ok(lhs, n))
		return ct_fail(err, CT_EINPUT, "%s:%d: '%s' is not a node name (a-z, 0-9 and '_')",
			       path, line, lhs);
	*key = xstrndup(lhs, n);
	const char *p = lhs + n;
	while (*p == '[' || *p == '.') {
		if (*p == '.') {
			size_t g = strcspn(p + 1, "[.");
			char *gender = xstrndup(p + 1, g);
			if ((strcmp(gender, "female") && strcmp(gender, "male")) || v->cond[CVC_GENDER]) {
				int rc = ct_fail(err, CT_EINPUT, "%s:%d: '.%s': only one KEY.female or "
						 "KEY.male", path, line, gender);
				free(gender);
				return rc;
			}
			v->cond[CVC_GENDER] = gender;
			v->ncond++;
			p += 1 + g;
			continue;
		}
		const char *e = strchr(p, ']');
		if (!e)
			return ct_fail(err, CT_EINPUT, "%s:%d: '[' without ']'", path, line);
		char *in = xstrndup(p + 1, (size_t)(e - p - 1));
		for (char *c = in; c && *c;) {
			char *comma = strchr(c, ',');
			if (comma)
				*comma = '\0';
			char *eq = strchr(c, '=');
			int which = -1;
			if (eq) {
				*eq = '\0';
				char *cn = str_trim(c);
				for (int k = 0; k < CVC_N; k++)
					if (!strcmp(cn, cond_names[k]))
						which = k;
			}
			if (which < 0) {
				int rc = ct_fail(err, CT_EINPUT, "%s:%d: unknown condition '%s' (use "
						 "family=, level=, city=, gender= or job=)",
						 path, line, str_trim(c));
				free(in);
				return rc;
			}
			char *val = fold(str_trim(eq + 1));
			const char *bad = NULL;
			for (char *w = val; *w && !bad;) {
				size_t k = strcspn(w, "/");
				char *one = xstrndup(w, k);
				int ok = 1;
				if (!*one)
					ok = 0;
				else if (which == CVC_LEVEL)
					ok = in_list(levels, one);
				else if (which == CVC_GENDER)
					ok = !strcmp(one, "female") || !strcmp(one, "male");
				else if (which == CVC_JOB)
					ok = !strcmp(one, "1") || !strcmp(one, "2") || !strcmp(one, "3");
				else if (which == CVC_FAMILY) {
					ok = 0;
					for (int f = 0; f < t->nfam; f++)
						ok |= !strcmp(t->fam[f].name, one);
				}
				free(one);
				if (!ok)
					bad = cond_names[which];
				w += k + (w[k] ? 1 : 0);
			}
			if (bad || v->cond[which]) {
				int rc = bad ? ct_fail(err, CT_EINPUT, "%s:%d: %s=%s: %s", path, line, bad, val,
						       which == CVC_FAMILY
							       ? "no such family in [families] (declare it there first)"
						       : which == CVC_LEVEL ? "a level is secondary, bachelor or master"
						       : which == CVC_JOB ? "a job is 1, 2 or 3 (1 is the most recent)"
									  : "female or male")
					     : ct_fail(err, CT_EINPUT, "%s:%d: condition %s given twice", path,
						       line, cond_names[which]);
				free(val);
				free(in);
				return rc;
			}
			if (which == CVC_JOB && strcmp(sec, "experience")) {
				free(val);
				free(in);
				return ct_fail(err, CT_EINPUT, "%s:%d: job= applies in [experience] only",
					       path, line);
			}
			v->cond[which] = val;
			v->ncond++;
			c = comma ? comma + 1 : NULL;
		}
		free(in);
		p = e + 1;
	}
	if (*p)
		return ct_fail(err, CT_EINPUT, "%s:%d: unexpected '%s' after the node name", path, line, p);
	return CT_OK;
}

/* The variant of n for the given situation: the one whose conditions all
 * hold with the most conditions (the first of equals); NULL if none.
 * sit[c] NULL: the condition is not known (matches only "any"). */
static const struct cvt_variant *pick(const struct cvt_node *n, const char *const sit[CVC_N])
{
	const struct cvt_variant *best = NULL;
	for (int i = 0; i < n->nv; i++) {
		const struct cvt_variant *v = &n->v[i];
		int ok = 1;
		for (int c = 0; c < CVC_N && ok; c++)
			if (v->cond[c])
				ok = sit[c] && value_in(v->cond[c], sit[c]);
		if (ok && (!best || v->ncond > best->ncond))
			best = v;
	}
	return best;
}

const struct cvt_variant *cvt_pick(const struct cvt_node *n, const char *const sit[CVC_N])
{
	char *f[CVC_N] = { NULL };
	const char *fs[CVC_N];
	for (int c = 0; c < CVC_N; c++) {
		f[c] = sit[c] ? fold(sit[c]) : NULL;
		fs[c] = f[c];
	}
	const struct cvt_variant *v = pick(n, fs);
	for (int c = 0; c < CVC_N; c++)
		free(f[c]);
	return v;
}

/* Names a text may refer to besides the template's nodes. */
static int ref_known(const struct cv_template *t, const char *sec, const char *ref)
{
	static const char *const computed[] = { "cv.age", "cv.experience_years", "cv.birth_year",
						"cv.grad_year", "cv.city", "cv.level", "cv.first_name",
						"cv.last_name", NULL };
	if (in_list(computed, ref) || !strcmp(ref, "study.city"))
		return 1;
	if (!strncmp(ref, "profile.", 8) && ref[8])
		return 1;
	if (cvt_node_find(t, ref))
		return 1;
	char *full = xasprintf("%s.%s", sec, ref);
	int ok = cvt_node_find(t, full) != NULL;
	free(full);
	return ok;
}

static int check_refs(const struct cv_template *t, struct ct_err *err)
{
	for (int i = 0; i < t->nnode; i++) {
		const struct cvt_node *n = &t->node[i];
		for (int k = 0; k < n->nv; k++)
			for (int a = 0; a < n->v[k].nalt; a++)
				for (int s = 0; s < 2; s++) {
					const char *x = n->v[k].alt[a].side[s];
					for (const char *p = x ? strstr(x, "{{") : NULL; p;
					     p = strstr(p + 2, "{{")) {
						const char *e = strstr(p + 2, "}}");
						if (!e)
							return ct_fail(err, CT_EINPUT, "%s:%d: '{{' without '}}'",
								       t->path, n->v[k].line);
						char *ref = trim_dup(p + 2, (size_t)(e - p - 2));
						int ok = ref_known(t, n->section, ref);
						if (!ok) {
							ct_fail(err, CT_EINPUT, "%s:%d: {{%s}}: no such node (a "
								"node of this template, profile.KEY, study.city "
								"or cv.age, cv.experience_years, cv.birth_year, "
								"cv.grad_year, cv.city)",
								t->path, n->v[k].line, ref);
							free(ref);
							return CT_EINPUT;
						}
						free(ref);
					}
				}
	}
	return CT_OK;
}

/* Every required node is given, and resolves for every family, level where
 * it is shown, gender, job and city (each city a variant names, and any
 * other). */
static int check_coverage(const struct cv_template *t, struct ct_err *err)
{
	if (!t->nfam)
		return ct_fail(err, CT_EINPUT, "%s: no occupation family ([families] NAME = ISCO codes)",
			       t->path);
	for (size_t r = 0; r < ARRAY_SIZE(required); r++) {
		const struct cvt_node *n = cvt_node_find(t, required[r].name);
		if (!n)
			return ct_fail(err, CT_EINPUT, "%s: node %s is missing (every template gives it)",
				       t->path, required[r].name);
		/* Cities: each one named, and one named by none. */
		const char *cities[64];
		int nc = 0;
		cities[nc++] = "(any other city)";
		for (int k = 0; k < n->nv && nc < 60; k++)
			if (n->v[k].cond[CVC_CITY]) {
				const char *w = n->v[k].cond[CVC_CITY];
				size_t len = strcspn(w, "/");
				static char buf[64][80];
				snprintf(buf[nc], sizeof(buf[nc]), "%.*s", (int)len, w);
				cities[nc] = buf[nc];
				nc++;
			}
		for (int f = 0; f < t->nfam; f++)
			for (int l = required[r].need; l < 3; l++)
				for (int g = 0; g < 2; g++)
					for (int j = 1; j <= (n->per_job ? 3 : 1); j++)
						for (int c = 0; c < nc; c++) {
							char job[2] = { (char)('0' + j), 0 };
							const char *sit[CVC_N] = { t->fam[f].name, levels[l],
										  cities[c], g ? "male" : "female",
										  n->per_job ? job : NULL };
							if (pick(n, sit))
								continue;
							return ct_fail(err, CT_EINPUT,
								       "%s:%d: %s has no value for family %s, level "
								       "%s, %s%s%s, city %s (add a variant, or a "
								       "plain '%s = ...')",
								       t->path, n->line, n->name, t->fam[f].name,
								       levels[l], g ? "male" : "female",
								       n->per_job ? ", job " : "", n->per_job ? job : "",
								       cities[c], n->key);
						}
	}
	const struct cvt_node *jobs = cvt_node_find(t, "experience.jobs");
	for (int k = 0; k < jobs->nv; k++)
		for (int a = 0; a < jobs->v[k].nalt; a++) {
			const char *x = jobs->v[k].alt[a].side[0];
			if (jobs->v[k].worded || strlen(x) != 1 || x[0] < '1' || x[0] > '3')
				return ct_fail(err, CT_EINPUT, "%s:%d: experience.jobs: numbers of jobs 1, 2 "
					       "or 3, not worded (e.g. 1 | 2 | 3)", t->path, jobs->v[k].line);
		}
	return CT_OK;
}

int cvt_parse(const char *path, const char *text, size_t len, struct cv_template **out,
	      struct ct_err *err)
{
	*out = NULL;
	struct cv_template *t = xcalloc(1, sizeof(*t));
	t->path = xstrdup(path);
	sha256_hex(text, len, t->sha256);
	size_t bad;
	if (!utf8_check(text, len, &bad)) {
		int rc = ct_fail(err, CT_EINPUT, "%s: not UTF-8 (byte %zu)", path, bad);
		cvt_free(t);
		return rc;
	}
	char *sec = NULL;
	int rc = CT_OK, lineno = 0;
	/* Lines are collected with their continuations (indented lines) first. */
	const char *p = text, *end = text + len;
	/* A byte-order mark, as some Windows editors save UTF-8. */
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3))
		p += 3;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		lineno++;
		int line = lineno;
		char *l = trim_dup(p, n);
		p = nl ? nl + 1 : end;
		if (!*l || l[0] == ';' || l[0] == '#') {
			free(l);
			continue;
		}
		/* Continuation lines: indented, not a comment. */
		while (p < end && (*p == ' ' || *p == '\t')) {
			const char *nl2 = memchr(p, '\n', (size_t)(end - p));
			size_t n2 = nl2 ? (size_t)(nl2 - p) : (size_t)(end - p);
			char *c = trim_dup(p, n2);
			if (*c == ';' || *c == '#') {
				free(c);
				break;
			}
			char *j = *c ? xasprintf("%s %s", l, c) : xstrdup(l);
			free(l);
			free(c);
			l = j;
			lineno++;
			p = nl2 ? nl2 + 1 : end;
		}
		if (l[0] == '[') {
			size_t k = strlen(l);
			if (l[k - 1] != ']') {
				rc = ct_fail(err, CT_EINPUT, "%s:%d: a section header ends with ']'", path, line);
			} else {
				free(sec);
				sec = xstrndup(l + 1, k - 2);
				if (!in_list(sections, sec))
					rc = ct_fail(err, CT_EINPUT, "%s:%d: unknown section [%s] (sections: "
						     "families, contact, profile, experience, education, skills, "
						     "languages, interests)", path, line, sec);
				for (int i = 0; i < t->nsections && !rc; i++)
					if (!strcmp(t->sections[i], sec))
						rc = ct_fail(err, CT_EINPUT, "%s:%d: section [%s] given twice", path,
							     line, sec);
				if (!rc) {
					t->sections = xrealloc(t->sections,
							       (size_t)(t->nsections + 1) * sizeof(char *));
					t->sections[t->nsections++] = xstrdup(sec);
				}
			}
			free(l);
			continue;
		}
		char *eq = strchr(l, '=');
		/* The '=' of a condition is inside brackets: take the first
		 * '=' after the last ']' before the value. */
		char *br = strchr(l, '[');
		if (br && eq && br < eq) {
			char *cl = strchr(l, ']');
			while (cl && cl[1] && cl[1] != '=' && strchr(cl + 1, ']') &&
			       strchr(cl + 1, '[') && strchr(cl + 1, '[') < strchr(cl + 1, '='))
				cl = strchr(cl + 1, ']');
			eq = cl ? strchr(cl, '=') : NULL;
		}
		if (!eq) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: not 'key = value', '[section]' or a comment",
				     path, line);
			free(l);
			break;
		}
		if (!sec) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: a key before any [section]", path, line);
			free(l);
			break;
		}
		char *lhs = trim_dup(l, (size_t)(eq - l));
		char *val = trim_dup(eq + 1, strlen(eq + 1));
		if (!strcmp(sec, "families")) {
			if (!name_ok(lhs, strlen(lhs)))
				rc = ct_fail(err, CT_EINPUT, "%s:%d: '%s' is not a family name (a-z, 0-9, '_')",
					     path, line, lhs);
			for (int f = 0; f < t->nfam && !rc; f++)
				if (!strcmp(t->fam[f].name, lhs))
					rc = ct_fail(err, CT_EINPUT, "%s:%d: family %s given twice", path, line,
						     lhs);
			struct cvt_family fam = { xstrdup(lhs), NULL, 0, line };
			for (char *w = val; !rc && *w;) {
				size_t k = strcspn(w, " ,\t");
				if (!k) {
					w++;
					continue;
				}
				char *code = xstrndup(w, k);
				int ok = k <= 4;
				for (size_t i = 0; i < k; i++)
					ok &= isdigit((unsigned char)code[i]) != 0;
				if (!ok)
					rc = ct_fail(err, CT_EINPUT, "%s:%d: family %s: '%s' is not an ISCO-08 "
						     "code (1 to 4 digits)", path, line, lhs, code);
				fam.isco = xrealloc(fam.isco, (size_t)(fam.nisco + 1) * sizeof(char *));
				fam.isco[fam.nisco++] = code;
				w += k;
			}
			if (!rc && !fam.nisco)
				rc = ct_fail(err, CT_EINPUT, "%s:%d: family %s has no ISCO code (NAME = 2411 "
					     "3313 ...)", path, line, lhs);
			t->fam = xrealloc(t->fam, (size_t)(t->nfam + 1) * sizeof(*t->fam));
			t->fam[t->nfam++] = fam;
		} else if (!*val) {
			rc = ct_fail(err, CT_EINPUT, "%s:%d: %s has no value", path, line, lhs);
		} else {
			struct cvt_variant v;
			memset(&v, 0, sizeof(v));
			v.line = line;
			char *key = NULL;
			rc = parse_key(path, line, lhs, sec, t, &key, &v, err);
			if (!rc)
				rc = parse_value(path, line, val, &v, err);
			if (!rc) {
				struct cvt_node *nd = node_get(t, sec, key, line);
				for (int k = 0; k < nd->nv && !rc; k++) {
					int same = 1;
					for (int c = 0; c < CVC_N; c++)
						same &= (!nd->v[k].cond[c] && !v.cond[c]) ||
							(nd->v[k].cond[c] && v.cond[c] &&
							 !strcmp(nd->v[k].cond[c], v.cond[c]));
					if (same)
						rc = ct_fail(err, CT_EINPUT, "%s:%d: %s given twice with the same "
							     "conditions (first on line %d)", path, line,
							     nd->name, nd->v[k].line);
				}
				if (!rc) {
					nd->drawn |= v.nalt > 1;
					nd->worded |= v.worded;
					nd->v = xrealloc(nd->v, (size_t)(nd->nv + 1) * sizeof(*nd->v));
					nd->v[nd->nv++] = v;
					memset(&v, 0, sizeof(v));
				}
			}
			for (int c = 0; c < CVC_N; c++)
				free(v.cond[c]);
			for (int a = 0; a < v.nalt; a++) {
				free(v.alt[a].side[0]);
				free(v.alt[a].side[1]);
			}
			free(v.alt);
			free(key);
		}
		free(lhs);
		free(val);
		free(l);
	}
	free(sec);
	if (!rc)
		rc = check_refs(t, err);
	if (!rc)
		rc = check_coverage(t, err);
	if (rc) {
		cvt_free(t);
		return rc;
	}
	*out = t;
	return CT_OK;
}

const struct cvt_family *cvt_family_of(const struct cv_template *t, const char *code,
				       const struct cvt_family **other)
{
	const struct cvt_family *best = NULL;
	int best_len = -1;
	*other = NULL;
	size_t lc = strlen(code);
	if (!lc)
		return NULL;
	for (int f = 0; f < t->nfam; f++)
		for (int k = 0; k < t->fam[f].nisco; k++) {
			const char *fc = t->fam[f].isco[k];
			size_t lf = strlen(fc);
			size_t m = lf < lc ? lf : lc;
			if (strncmp(fc, code, m))
				continue;
			/* A family code that holds the vacancy's (fc a prefix of
			 * code) is the better match the longer it is; a coarser
			 * vacancy code (code a prefix of fc) matches with its own
			 * length. */
			int score = (int)m;
			if (score > best_len) {
				best = &t->fam[f];
				best_len = score;
				*other = NULL;
			} else if (score == best_len && best != &t->fam[f]) {
				*other = &t->fam[f];
			}
		}
	if (*other)
		return NULL;
	return best;
}

/* ---- study.ini [cv] ---- */

void cv_settings_free(struct cv_settings *c)
{
	free(c->level);
	free(c->template_path);
	memset(c, 0, sizeof(*c));
}

int cv_settings_read(struct study *s, struct cv_settings *out, struct ct_err *err)
{
	memset(out, 0, sizeof(*out));
	const struct config *c = s->cfg;
	const char *a = config_get(c, "cv", "attach");
	if (a && strcmp(a, "yes") && strcmp(a, "no"))
		return ct_fail(err, CT_EINPUT, "%s:%d: [cv] attach is yes or no", c->path,
			       config_line(c, "cv", "attach"));
	out->attach = a && !strcmp(a, "yes");
	if (out->attach && strcmp(s->design->market, "job"))
		return ct_fail(err, CT_EINPUT, "%s:%d: [cv] attach = yes in a %s study: CVs go with job "
			       "applications only", c->path, config_line(c, "cv", "attach"),
			       s->design->market);
	const char *l = config_get(c, "cv", "level");
	if (l && !in_list(levels, l))
		return ct_fail(err, CT_EINPUT, "%s:%d: [cv] level is secondary, bachelor or master",
			       c->path, config_line(c, "cv", "level"));
	if (out->attach && !l)
		return ct_fail(err, CT_EINPUT, "%s: [cv] attach = yes needs level = secondary, bachelor "
			       "or master (the candidates' education)", c->path);
	out->level = l ? xstrdup(l) : NULL;
	const char *tp = config_get(c, "cv", "template");
	out->template_path = tp && *tp ? xstrdup(tp) : NULL;
	return CT_OK;
}

int cv_enabled(struct study *s, int *on, struct ct_err *err)
{
	struct cv_settings cs;
	*on = 0;
	int rc = cv_settings_read(s, &cs, err);
	if (!rc)
		*on = cs.attach;
	cv_settings_free(&cs);
	return rc;
}

int cv_template_load(struct study *s, struct cv_template **out, struct ct_err *err)
{
	struct cv_settings cs;
	int rc = cv_settings_read(s, &cs, err);
	if (rc)
		return rc;
	if (cs.template_path) {
		char *path = cs.template_path[0] == '/' ? xstrdup(cs.template_path)
							: xasprintf("%s/%s", s->dir, cs.template_path);
		char *text = NULL;
		size_t len = 0;
		rc = file_read(path, &text, &len, err);
		if (rc)
			ct_fail(err, rc, "%s:%d: [cv] template: cannot read %s", s->cfg->path,
				config_line(s->cfg, "cv", "template"), path);
		else
			rc = cvt_parse(path, text, len, out, err);
		free(text);
		free(path);
	} else {
		char *name = xasprintf("templates/job/%s/cv.ini", s->design->lang);
		const struct embedded_file *f = embedded_find(name);
		if (!f)
			rc = ct_fail(err, CT_EINPUT, "no built-in CV template %s", name);
		else
			rc = cvt_parse(name, (const char *)f->data, f->len, out, err);
		free(name);
	}
	cv_settings_free(&cs);
	return rc;
}
