/* names.c: name banks: parsing and validating the TSV files of
 * templates/names/ (and of a study's names/ folder), checks across banks,
 * picking names by kind and gender, and e-mail local parts. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "design/names.h"
#include "base/banned.h"

#define EMBED_PREFIX "templates/names/"
#define HEADER "kind\tgender\tname\tnote"

static const char *const columns[] = { "kind", "gender", "name", "note" };

const char *names_kind_name(int kind)
{
	return kind == NAMES_FIRST ? "first" : "last";
}

const char *names_gender_name(int gender)
{
	return gender == NAMES_FEMALE ? "female" : gender == NAMES_MALE ? "male" : "any";
}

void names_problem_add(struct names_problems *ps, const char *file, int line, const char *fmt, ...)
{
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? 2 * ps->cap : 16;
		ps->p = xrealloc(ps->p, (size_t)ps->cap * sizeof(*ps->p));
	}
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	ps->p[ps->n].file = xstrdup(file);
	ps->p[ps->n].line = line;
	ps->p[ps->n].msg = sb_detach(&sb);
	ps->n++;
}

void names_problems_free(struct names_problems *ps)
{
	for (int i = 0; i < ps->n; i++) {
		free(ps->p[i].file);
		free(ps->p[i].msg);
	}
	free(ps->p);
	ps->p = NULL;
	ps->n = ps->cap = 0;
}

char *names_problem_text(const struct names_problem *p)
{
	if (p->line > 0)
		return xasprintf("%s:%d: %s", p->file, p->line, p->msg);
	return xasprintf("%s: %s", p->file, p->msg);
}

void names_bank_free(struct names_bank *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->n; i++) {
		free(b->e[i].name);
		free(b->e[i].note);
	}
	free(b->e);
	free(b->id);
	free(b->path);
	free(b->label);
	free(b->signal);
	free(b->sources);
	free(b);
}

int names_id_ok(const char *id)
{
	if (!id || !*id)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

char *names_fold(const char *name)
{
	char *nfc = g_utf8_normalize(name, -1, G_NORMALIZE_NFC);
	if (!nfc)
		return xstrdup(name);
	char *cf = g_utf8_casefold(nfc, -1);
	g_free(nfc);
	char *out = xstrdup(cf);
	g_free(cf);
	return out;
}

/* Letters that GLib's transliteration leaves as '?' in the C locale but
 * that occur in the names of the banks' groups (Turkish dotless i, and a
 * few Nordic or South Slavic letters a team might add). */
static const char *const premap[][2] = {
	{ "\xc4\xb1", "i" },  /* ı */
	{ "\xc3\xb8", "o" },  /* ø */
	{ "\xc3\x98", "O" },  /* Ø */
	{ "\xc4\x91", "d" },  /* đ */
	{ "\xc4\x90", "D" },  /* Đ */
	{ "\xc3\xb0", "d" },  /* ð */
	{ "\xc3\x90", "D" },  /* Ð */
	{ "\xc3\xbe", "th" }, /* þ */
	{ "\xc3\x9e", "Th" }, /* Þ */
};

/* ASCII transliteration of a UTF-8 name (deterministic: the C locale's
 * rules, not the user's); unknown letters become '?'. Caller frees. */
static char *translit(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = name; *p;) {
		int done = 0;
		for (size_t i = 0; i < ARRAY_SIZE(premap); i++) {
			size_t n = strlen(premap[i][0]);
			if (!strncmp(p, premap[i][0], n)) {
				sb_adds(&sb, premap[i][1]);
				p += n;
				done = 1;
				break;
			}
		}
		if (!done)
			sb_addc(&sb, *p++);
	}
	char *a = g_str_to_ascii(sb_str(&sb), "C");
	sb_free(&sb);
	char *out = xstrdup(a ? a : "");
	g_free(a);
	return out;
}

char *names_ascii_part(const char *name)
{
	char *a = translit(name);
	struct strbuf sb = STRBUF_INIT;
	int hyphen = 0;
	for (const char *p = a; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c)) {
			if (hyphen && sb.len)
				sb_addc(&sb, '-');
			hyphen = 0;
			sb_addc(&sb, (char)tolower(c));
		} else if (c == '-') {
			hyphen = 1;
		}
		/* Spaces, apostrophes and anything else are dropped: "El Amrani"
		 * becomes "elamrani", "D'Hondt" "dhondt". */
	}
	free(a);
	return sb_detach(&sb); /* "" when nothing was kept */
}

char *names_email_local(const char *first, const char *last)
{
	char *a = names_ascii_part(first), *b = names_ascii_part(last);
	char *out;
	if (*a && *b)
		out = xasprintf("%s.%s", a, b);
	else if (*a || *b)
		out = xstrdup(*a ? a : b);
	else
		out = NULL;
	free(a);
	free(b);
	return out;
}

/* Checks one field of a data line; returns 1 when it is usable. */
static int field_ok(const char *f, const char *col, const char *path, int line,
		    struct names_problems *probs)
{
	if (!*f) {
		names_problem_add(probs, path, line, "empty %s", col);
		return 0;
	}
	/* The one rule for text users bring: a bidi control, a zero-width
	 * character or a byte-order mark in a name is unseen on screen and goes
	 * out in every message. */
	const char *why;
	unsigned long cp;
	if (!text_ok(f, strlen(f), &why, NULL, &cp)) {
		names_problem_add(probs, path, line, "%s contains %s (U+%04lX)", col, why, cp);
		return 0;
	}
	size_t n = strlen(f);
	if (isspace((unsigned char)f[0]) || isspace((unsigned char)f[n - 1])) {
		names_problem_add(probs, path, line, "%s '%s' has leading or trailing spaces", col, f);
		return 0;
	}
	return 1;
}

static void comment_line(struct names_bank *b, const char *l, const char *path, int line,
			 struct names_problems *probs)
{
	static const char *const keys[] = { "bank", "label", "signal", "sources" };
	const char *p = l + 1;
	while (*p == ' ')
		p++;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		size_t n = strlen(keys[i]);
		if (strncmp(p, keys[i], n) || p[n] != ':')
			continue;
		char *v = str_trim(xstrdup(p + n + 1));
		char **slot = i == 0 ? NULL : i == 1 ? &b->label : i == 2 ? &b->signal : &b->sources;
		if (i == 0) {
			if (strcmp(v, b->id))
				names_problem_add(probs, path, line,
					    "'# bank: %s' does not match the file name (bank id '%s')", v,
					    b->id);
			free(v); /* nothing to keep: the id is the file name's */
		} else if (*slot) {
			names_problem_add(probs, path, line, "a second '# %s:' comment", keys[i]);
			free(v);
		} else {
			*slot = v;
		}
		return;
	}
}

/* One data line, already free of CR, valid UTF-8 and without NUL. */
static void data_line(struct names_bank *b, char *l, const char *path, int line,
		      struct names_problems *probs)
{
	char *f[4];
	int nf = 0;
	for (char *p = l;;) {
		char *tab = strchr(p, '\t');
		if (nf < 4)
			f[nf] = p;
		nf++;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (nf != 4) {
		names_problem_add(probs, path, line,
			    "%d field%s, expected 4 (kind, gender, name, note) separated by tabs", nf,
			    nf == 1 ? "" : "s");
		return;
	}
	int ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= field_ok(f[i], columns[i], path, line, probs);
	if (!ok)
		return;
	int kind = !strcmp(f[0], "first") ? NAMES_FIRST : !strcmp(f[0], "last") ? NAMES_LAST : -1;
	int gender = !strcmp(f[1], "female") ? NAMES_FEMALE
		     : !strcmp(f[1], "male") ? NAMES_MALE
		     : !strcmp(f[1], "any")  ? NAMES_ANY
					     : -1;
	if (kind < 0) {
		names_problem_add(probs, path, line, "kind '%s' must be first or last", f[0]);
		ok = 0;
	}
	if (gender < 0) {
		names_problem_add(probs, path, line, "gender '%s' must be female, male or any", f[1]);
		ok = 0;
	}
	if (kind == NAMES_FIRST && gender == NAMES_ANY) {
		names_problem_add(probs, path, line, "first name '%s' must be female or male, not any", f[2]);
		ok = 0;
	}
	char *nfc = g_utf8_normalize(f[2], -1, G_NORMALIZE_NFC);
	if (!nfc || strcmp(nfc, f[2])) {
		names_problem_add(probs, path, line, "name '%s' is not in Unicode NFC form", f[2]);
		ok = 0;
	}
	g_free(nfc);
	/* Romanian ș and ț take the comma below; the cedilla forms are Turkish
	 * and would make the name read wrongly (README). */
	if (!strcmp(b->id, "romanian") &&
	    (strstr(f[2], "\xc5\x9f") || strstr(f[2], "\xc5\x9e") || strstr(f[2], "\xc5\xa3") ||
	     strstr(f[2], "\xc5\xa2"))) {
		names_problem_add(probs, path, line,
			    "name '%s' uses a cedilla (ş, ţ); Romanian takes the comma below (ș, ț)",
			    f[2]);
		ok = 0;
	}
	if (!ok)
		return;
	b->e = xrealloc(b->e, (size_t)(b->n + 1) * sizeof(*b->e));
	struct names_entry *e = &b->e[b->n++];
	e->kind = kind;
	e->gender = gender;
	e->name = xstrdup(f[2]);
	e->note = xstrdup(f[3]);
	e->line = line;
	e->needs_encoding = !is_plain_ascii(e->name);
}

static void check_counts(const struct names_bank *b, struct names_problems *probs)
{
	int cnt[2][3] = { { 0 } };
	for (int i = 0; i < b->n; i++)
		cnt[b->e[i].kind][b->e[i].gender]++;
	for (int g = NAMES_FEMALE; g <= NAMES_MALE; g++)
		if (cnt[NAMES_FIRST][g] < NAMES_MIN_PER_CELL)
			names_problem_add(probs, b->path, 0, "%d %s first names; at least %d are needed",
				    cnt[NAMES_FIRST][g], names_gender_name(g), NAMES_MIN_PER_CELL);
	int any = cnt[NAMES_LAST][NAMES_ANY], fem = cnt[NAMES_LAST][NAMES_FEMALE],
	    male = cnt[NAMES_LAST][NAMES_MALE];
	/* Surnames are 'any', or gendered forms for both genders; each kind a
	 * bank uses needs the minimum (README). */
	if ((any > 0 || (fem == 0 && male == 0)) && any < NAMES_MIN_PER_CELL)
		names_problem_add(probs, b->path, 0, "%d surnames for any gender; at least %d are needed", any,
			    NAMES_MIN_PER_CELL);
	if (fem > 0 || male > 0) {
		for (int g = NAMES_FEMALE; g <= NAMES_MALE; g++)
			if (cnt[NAMES_LAST][g] < NAMES_MIN_PER_CELL)
				names_problem_add(probs, b->path, 0,
					    "%d %s surnames; a bank with gendered surnames needs at "
					    "least %d for each gender",
					    cnt[NAMES_LAST][g], names_gender_name(g), NAMES_MIN_PER_CELL);
	}
}

static void check_duplicates(const struct names_bank *b, struct names_problems *probs)
{
	char **fold = xcalloc((size_t)b->n + 1, sizeof(char *));
	for (int i = 0; i < b->n; i++)
		fold[i] = names_fold(b->e[i].name);
	for (int i = 0; i < b->n; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(fold[i], fold[j])) {
				names_problem_add(probs, b->path, b->e[i].line,
					    "'%s' is already in this bank (line %d)", b->e[i].name,
					    b->e[j].line);
				break;
			}
	for (int i = 0; i < b->n; i++)
		free(fold[i]);
	free(fold);
}

struct names_bank *names_parse(const char *id, const char *path, const char *text, size_t len,
			       struct names_problems *probs)
{
	struct names_bank *b = xcalloc(1, sizeof(*b));
	b->id = xstrdup(id);
	b->path = xstrdup(path);
	int line = 0, header = 0, saw_bank = 0;
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
		names_problem_add(probs, path, 1, "starts with a byte-order mark; save as UTF-8 without BOM");
		text += 3;
		len -= 3;
	}
	size_t pos = 0;
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		if (n && s[n - 1] == '\r') {
			names_problem_add(probs, path, line, "CR line ending; use LF only");
			n--;
		}
		size_t bad;
		if (memchr(s, '\0', n)) {
			names_problem_add(probs, path, line, "contains a NUL byte");
			continue;
		}
		if (!utf8_check(s, n, &bad)) {
			names_problem_add(probs, path, line, "invalid UTF-8 at byte %zu of the line", bad + 1);
			continue;
		}
		char *l = xstrndup(s, n);
		if (!n) {
			/* Blank lines carry nothing; they are allowed anywhere. */
		} else if (l[0] == '#') {
			if (header) {
				names_problem_add(probs, path, line,
					    "comment after the header; comments go before it");
			} else {
				if (!strncmp(l, "# bank:", 7))
					saw_bank = 1;
				comment_line(b, l, path, line, probs);
			}
		} else if (!header) {
			header = 1;
			if (strcmp(l, HEADER)) {
				names_problem_add(probs, path, line,
					    "expected the header line 'kind<TAB>gender<TAB>name<TAB>note'");
				/* A data line where the header should be is still read,
				 * so that its own problems are found too. */
				if (!strncmp(l, "first\t", 6) || !strncmp(l, "last\t", 5))
					data_line(b, l, path, line, probs);
			}
		} else {
			data_line(b, l, path, line, probs);
		}
		free(l);
	}
	if (!header)
		names_problem_add(probs, path, 0, "no header line 'kind<TAB>gender<TAB>name<TAB>note'");
	if (!saw_bank)
		names_problem_add(probs, path, 0, "no '# bank: %s' comment", id);
	if (!b->label)
		names_problem_add(probs, path, 0, "no '# label:' comment");
	if (!b->signal)
		names_problem_add(probs, path, 0, "no '# signal:' comment");
	if (!b->sources)
		names_problem_add(probs, path, 0, "no '# sources:' comment");
	check_counts(b, probs);
	check_duplicates(b, probs);
	return b;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The id of "ID.tsv", or NULL when name is not a bank file name. */
static char *tsv_id(const char *name)
{
	size_t n = strlen(name);
	if (n <= 4 || strcmp(name + n - 4, ".tsv"))
		return NULL;
	char *id = xstrndup(name, n - 4);
	if (!names_id_ok(id)) {
		free(id);
		return NULL;
	}
	return id;
}

int names_list_ids(const char *dir, char ***ids, int *n, struct ct_err *err)
{
	char **v = NULL;
	int cnt = 0;
	size_t plen = strlen(EMBED_PREFIX);
	for (size_t i = 0; i < embedded_count; i++) {
		const char *p = embedded_files[i].path;
		if (strncmp(p, EMBED_PREFIX, plen) || strchr(p + plen, '/'))
			continue;
		char *id = tsv_id(p + plen);
		if (!id)
			continue;
		v = xrealloc(v, (size_t)(cnt + 1) * sizeof(char *));
		v[cnt++] = id;
	}
	if (dir) {
		DIR *d = opendir(dir);
		if (!d && errno != ENOENT && errno != ENOTDIR) {
			for (int i = 0; i < cnt; i++)
				free(v[i]);
			free(v);
			return ct_fail(err, CT_EENV, "cannot read %s: %s", dir, strerror(errno));
		}
		for (struct dirent *de; d && (de = readdir(d));) {
			char *id = tsv_id(de->d_name);
			if (!id)
				continue;
			v = xrealloc(v, (size_t)(cnt + 1) * sizeof(char *));
			v[cnt++] = id;
		}
		if (d)
			closedir(d);
	}
	if (cnt)
		qsort(v, (size_t)cnt, sizeof(char *), cmp_str);
	int out = 0;
	for (int i = 0; i < cnt; i++) {
		if (out && !strcmp(v[out - 1], v[i]))
			free(v[i]);
		else
			v[out++] = v[i];
	}
	*ids = v;
	*n = out;
	return CT_OK;
}

/* Reads bank id's text, from dir first; *text stays NULL when no such bank. */
static int bank_text(const char *dir, const char *id, char **path, char **text, size_t *len,
		     int *embedded, struct ct_err *err)
{
	char *own = dir ? xasprintf("%s/%s.tsv", dir, id) : NULL;
	char *builtin = xasprintf(EMBED_PREFIX "%s.tsv", id);
	int rc = text_or_builtin(own, builtin, text, len, path, err);
	*embedded = *path && !strcmp(*path, builtin);
	free(own);
	free(builtin);
	return rc;
}

static char *known_ids(const char *dir)
{
	char **ids;
	int n;
	struct ct_err e2 = { 0 };
	struct strbuf sb = STRBUF_INIT;
	if (names_list_ids(dir, &ids, &n, &e2))
		return xstrdup("?");
	for (int i = 0; i < n; i++) {
		sb_addf(&sb, "%s%s", i ? ", " : "", ids[i]);
		free(ids[i]);
	}
	free(ids);
	return sb_detach(&sb);
}

int names_load(const char *dir, const char *id, struct names_bank **out, struct ct_err *err)
{
	*out = NULL;
	if (!names_id_ok(id))
		return ct_fail(err, CT_EINPUT, "'%s' is not a name bank id (a-z, 0-9, '_', '-')", id);
	char *path, *text;
	size_t len = 0;
	int embedded = 0;
	int rc = bank_text(dir, id, &path, &text, &len, &embedded, err);
	if (rc)
		return rc;
	if (!text) {
		char *known = known_ids(dir);
		rc = ct_fail(err, CT_EINPUT, "no name bank '%s' (banks: %s)", id, known);
		free(known);
		return rc;
	}
	struct names_problems probs = { 0 };
	struct names_bank *b = names_parse(id, path, text, len, &probs);
	b->embedded = embedded;
	free(text);
	free(path);
	if (probs.n) {
		char *t = names_problem_text(&probs.p[0]);
		if (probs.n > 1)
			rc = ct_fail(err, CT_EINPUT, "%s (and %d more problem%s; see 'corrtest names --check')",
				     t, probs.n - 1, probs.n == 2 ? "" : "s");
		else
			rc = ct_fail(err, CT_EINPUT, "%s", t);
		free(t);
		names_problems_free(&probs);
		names_bank_free(b);
		return rc;
	}
	*out = b;
	return CT_OK;
}

int names_check_all(const char *dir, struct names_bank ***banks, int *nbanks,
		    struct names_problems *probs, struct ct_err *err)
{
	char **ids;
	int n, rc;
	*banks = NULL;
	*nbanks = 0;
	if ((rc = names_list_ids(dir, &ids, &n, err)))
		return rc;
	struct names_bank **v = xcalloc((size_t)n + 1, sizeof(*v));
	int nb = 0;
	for (int i = 0; i < n && !rc; i++) {
		char *path, *text;
		size_t len = 0;
		int embedded = 0;
		rc = bank_text(dir, ids[i], &path, &text, &len, &embedded, err);
		if (!rc && text) {
			v[nb] = names_parse(ids[i], path, text, len, probs);
			v[nb++]->embedded = embedded;
		}
		free(path);
		free(text);
	}
	for (int i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	if (!rc)
		names_check_across(v, nb, probs);
	*banks = v;
	*nbanks = nb;
	return rc;
}

/* Lower-case ASCII letters of a name, spaces kept: two names with the same
 * key differ at most in accents and case. Caller frees. */
static char *accent_key(const char *name)
{
	char *a = translit(name);
	for (char *p = a; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return a;
}

void names_check_across(struct names_bank *const *banks, int n, struct names_problems *probs)
{
	int total = 0;
	for (int i = 0; i < n; i++)
		total += banks[i]->n;
	char **fold = xcalloc((size_t)total + 1, sizeof(char *));
	char **akey = xcalloc((size_t)total + 1, sizeof(char *));
	int *bank = xcalloc((size_t)total + 1, sizeof(int));
	int *ent = xcalloc((size_t)total + 1, sizeof(int));
	int k = 0;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < banks[i]->n; j++, k++) {
			fold[k] = names_fold(banks[i]->e[j].name);
			akey[k] = accent_key(banks[i]->e[j].name);
			bank[k] = i;
			ent[k] = j;
		}
	/* Each name is reported once, against the first earlier name of
	 * another bank that it repeats. */
	for (int a = 0; a < total; a++) {
		for (int b = 0; b < a; b++) {
			if (bank[a] == bank[b])
				continue;
			const struct names_entry *ea = &banks[bank[a]]->e[ent[a]];
			const struct names_entry *eb = &banks[bank[b]]->e[ent[b]];
			const struct names_bank *bb = banks[bank[b]];
			if (!strcmp(fold[a], fold[b])) {
				names_problem_add(probs, banks[bank[a]]->path, ea->line,
					    "'%s' is also in bank %s (%s:%d)", ea->name, bb->id, bb->path,
					    eb->line);
				break;
			}
			if (!strcmp(akey[a], akey[b])) {
				names_problem_add(probs, banks[bank[a]]->path, ea->line,
					    "'%s' differs from '%s' of bank %s (%s:%d) only in its "
					    "accents, so it does not signal one group",
					    ea->name, eb->name, bb->id, bb->path, eb->line);
				break;
			}
		}
	}
	for (int i = 0; i < total; i++) {
		free(fold[i]);
		free(akey[i]);
	}
	free(fold);
	free(akey);
	free(bank);
	free(ent);
}

int names_pick(const struct names_bank *b, int kind, int gender,
	       const struct names_entry ***out)
{
	const struct names_entry **v = xcalloc((size_t)b->n + 1, sizeof(*v));
	int n = 0;
	for (int i = 0; i < b->n; i++) {
		const struct names_entry *e = &b->e[i];
		if (e->kind != kind)
			continue;
		if (e->gender == gender || (kind == NAMES_LAST && e->gender == NAMES_ANY))
			v[n++] = e;
	}
	*out = v;
	return n;
}
