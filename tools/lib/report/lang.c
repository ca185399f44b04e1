/* lang.c: the report's words and numbers per language (lang.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/lang.h"
#include "base/embedded.h"
#include "base/banned.h"

struct entry {
	char *key, *text;
};

struct table {
	struct entry *e;
	size_t n;
};

struct lang {
	char code[3];
	struct table own, en;
	char decimal, thousands[8];
	char **pool; /* every string handed out, freed with the language */
	size_t npool, cappool;
};

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->key, ((const struct entry *)b)->key);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* "key = text" lines; '#' starts a comment line; "\n" in a text is a line
 * break. The built-in files are checked by the unit test, so a bad line
 * here is skipped rather than reported. */
static void parse(const char *data, struct table *t)
{
	char *copy = xstrdup(data), *line = copy;
	while (line && *line) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *eq = strchr(line, '=');
		char *k = trim(line);
		if (*k && *k != '#' && eq) {
			*eq = '\0';
			t->e = xrealloc(t->e, (t->n + 1) * sizeof(*t->e));
			t->e[t->n].key = xstrdup(trim(k));
			struct strbuf sb = STRBUF_INIT;
			for (const char *p = trim(eq + 1); *p; p++) {
				if (p[0] == '\\' && p[1] == 'n') {
					sb_addc(&sb, '\n');
					p++;
				} else {
					sb_addc(&sb, *p);
				}
			}
			t->e[t->n++].text = sb_detach(&sb);
		}
		line = next;
	}
	free(copy);
	if (t->n > 1)
		qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
}

static const char *find(const struct table *t, const char *key)
{
	struct entry k = { (char *)key, NULL };
	const struct entry *e = t->n ? bsearch(&k, t->e, t->n, sizeof(*t->e), cmp_entry) : NULL;
	return e ? e->text : NULL;
}

static int load_table(const char *code, struct table *t)
{
	char path[64];
	snprintf(path, sizeof(path), "templates/report/%s.txt", code);
	const struct embedded_file *f = embedded_find(path);
	if (!f)
		return 0;
	parse(f->data, t);
	return 1;
}

static const char *keep(struct lang *l, char *s)
{
	if (l->npool == l->cappool) {
		l->cappool = l->cappool ? 2 * l->cappool : 256;
		l->pool = xrealloc(l->pool, l->cappool * sizeof(char *));
	}
	return l->pool[l->npool++] = s;
}

int lang_load(const char *code, struct lang **out, struct ct_err *err)
{
	*out = NULL;
	if (!code || (strcmp(code, "nl") && strcmp(code, "fr") && strcmp(code, "en")))
		return ct_fail(err, CT_EINPUT, "the report's language must be nl, fr or en, not '%s'",
			       code ? code : "");
	struct lang *l = xcalloc(1, sizeof(*l));
	snprintf(l->code, sizeof(l->code), "%s", code);
	if (!load_table(code, &l->own) || !load_table("en", &l->en)) {
		lang_free(l);
		return ct_fail(err, CT_EENV, "the report's %s texts are not built in", code);
	}
	const char *dec = find(&l->own, "fmt.decimal");
	l->decimal = dec && *dec == ',' ? ',' : '.';
	const char *th = find(&l->own, "fmt.thousands");
	/* "space" stands for a narrow no-break space: a file keeps no
	 * trailing blanks. */
	snprintf(l->thousands, sizeof(l->thousands), "%s",
		 !th ? "," : !strcmp(th, "space") ? "\xe2\x80\xaf" : th);
	*out = l;
	return CT_OK;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->e[i].key);
		free(t->e[i].text);
	}
	free(t->e);
}

void lang_free(struct lang *l)
{
	if (!l)
		return;
	table_free(&l->own);
	table_free(&l->en);
	for (size_t i = 0; i < l->npool; i++)
		free(l->pool[i]);
	free(l->pool);
	free(l);
}

const char *lang_code(const struct lang *l)
{
	return l->code;
}

size_t lang_keys(const struct lang *l, const char ***keys)
{
	const char **k = xcalloc(l->own.n + 1, sizeof(char *));
	for (size_t i = 0; i < l->own.n; i++)
		k[i] = l->own.e[i].key;
	*keys = k;
	return l->own.n;
}

char lang_decimal(const struct lang *l)
{
	return l->decimal;
}

const char *lang_t(struct lang *l, const char *key, ...)
{
	const char *t = find(&l->own, key);
	if (!t)
		t = find(&l->en, key);
	if (!t)
		return keep(l, xasprintf("[%s]", key));
	const char *args[9] = { 0 };
	int n = 0;
	va_list ap;
	va_start(ap, key);
	for (const char *a; n < 9 && (a = va_arg(ap, const char *));)
		args[n++] = a;
	va_end(ap);
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = t; *p; p++) {
		if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}') {
			int i = p[1] - '1';
			sb_adds(&sb, i < n ? args[i] : "");
			p += 2;
		} else {
			sb_addc(&sb, *p);
		}
	}
	return keep(l, sb_detach(&sb));
}

/* A number with the language's decimal mark (never "-0.0"), rounded as
 * the charts round it (base/util fmt_fixed). */
static char *num(const struct lang *l, double v, int decimals)
{
	char buf[64];
	if (!isfinite(v)) {
		const char *na = find(&l->own, "fmt.na");
		return xstrdup(na ? na : "n/a");
	}
	return xstrdup(fmt_fixed(buf, sizeof(buf), v, decimals, l->decimal));
}

const char *lang_num(struct lang *l, double v, int decimals)
{
	return keep(l, num(l, v, decimals));
}

const char *lang_int(struct lang *l, long long v)
{
	char digits[32];
	snprintf(digits, sizeof(digits), "%lld", v < 0 ? -v : v);
	struct strbuf sb = STRBUF_INIT;
	if (v < 0)
		sb_addc(&sb, '-');
	size_t n = strlen(digits);
	for (size_t i = 0; i < n; i++) {
		/* Groups of three only from 10,000 up: "1234" stays as it is, as
		 * style guides of all three languages allow. */
		if (i && (n - i) % 3 == 0 && n > 4)
			sb_adds(&sb, l->thousands);
		sb_addc(&sb, digits[i]);
	}
	return keep(l, sb_detach(&sb));
}

const char *lang_pct(struct lang *l, double fraction)
{
	if (!isfinite(fraction))
		return lang_t(l, "fmt.na", (const char *)NULL);
	char *n = num(l, 100.0 * fraction, 1);
	const char *s = lang_t(l, "fmt.percent", n, (const char *)NULL);
	free(n);
	return s;
}

const char *lang_num_ci(struct lang *l, double lo, double hi, int decimals)
{
	char *a = num(l, lo, decimals), *b = num(l, hi, decimals);
	const char *s = lang_t(l, "fmt.interval", a, b, (const char *)NULL);
	free(a);
	free(b);
	return s;
}

const char *lang_pct_ci(struct lang *l, double lo, double hi)
{
	return lang_num_ci(l, 100.0 * lo, 100.0 * hi, 1);
}

const char *lang_p(struct lang *l, double p)
{
	if (!isfinite(p))
		return lang_t(l, "fmt.na", (const char *)NULL);
	if (p < 0.001) {
		char *n = num(l, 0.001, 3);
		const char *s = lang_t(l, "fmt.p_below", n, (const char *)NULL);
		free(n);
		return s;
	}
	/* Three decimals, except where they would round a p below 0.05 up to
	 * "0.050" beside the word significant: then four. */
	return lang_num(l, p, p < 0.05 && p >= 0.0495 ? 4 : 3);
}

const char *lang_p_eq(struct lang *l, double p)
{
	if (!isfinite(p))
		return lang_t(l, "fmt.na", (const char *)NULL);
	char *n = num(l, p < 0.001 ? 0.001 : p, p < 0.05 && p >= 0.0495 ? 4 : 3);
	const char *s = lang_t(l, p < 0.001 ? "fmt.p_lt" : "fmt.p_eq", n, (const char *)NULL);
	free(n);
	return s;
}
