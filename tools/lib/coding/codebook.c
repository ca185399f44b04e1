/* codebook.c: reads the codebook INI files (see codebook.h) with inih. */
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coding/codebook.h"
#include "base/embedded.h"
#include "base/banned.h"

const char *const coding_outcomes[CODING_NOUTCOMES] = { "invitation", "info", "refusal", "other",
							 "no_reply" };
const char *const coding_lang_names[CODING_NLANG] = { "nl", "fr", "en" };

#define CODEBOOK_BUILTIN "templates/coding/codebook.ini"

int coding_outcome_index(const char *code)
{
	size_t n = strcspn(code, ".");
	for (int i = 0; i < CODING_NOUTCOMES; i++)
		if (strlen(coding_outcomes[i]) == n && !strncmp(code, coding_outcomes[i], n))
			return i;
	return -1;
}

unsigned coding_market_parse(const char *name)
{
	if (!strcmp(name, "housing"))
		return CODING_HOUSING;
	if (!strcmp(name, "job"))
		return CODING_JOB;
	return 0;
}

int coding_lang_parse(const char *name)
{
	for (int i = 0; i < CODING_NLANG; i++)
		if (!strcmp(name, coding_lang_names[i]))
			return i;
	return -1;
}

const struct coding_code *codebook_find(const struct codebook *cb, const char *code)
{
	for (int i = 0; i < cb->n; i++)
		if (str_eq_ci(cb->code[i].code, code))
			return &cb->code[i];
	return NULL;
}

void codebook_free(struct codebook *cb)
{
	if (!cb)
		return;
	for (int i = 0; i < cb->n; i++) {
		struct coding_code *c = &cb->code[i];
		free(c->code);
		free(c->outcome);
		free(c->sub);
		free(c->label);
		free(c->definition);
		for (int l = 0; l < CODING_NLANG; l++)
			free(c->example[l]);
		free(c->source);
	}
	free(cb->code);
	free(cb);
}

struct cb_parse {
	struct codebook *cb;
	const char *path;
	struct ct_err *err;
	int failed;
	const char *text;
	size_t pos;
	int line;
};

/* inih reads like fgets: a line longer than its buffer comes in pieces,
 * and it grows the buffer (ini_allow_realloc) and asks again. The reader
 * counts a line where one starts, so that messages name it. */
static char *reader(char *str, int num, void *stream)
{
	struct cb_parse *ps = stream;
	if (!ps->text[ps->pos])
		return NULL;
	const char *start = ps->text + ps->pos;
	if (ps->pos == 0 || ps->text[ps->pos - 1] == '\n')
		ps->line++;
	const char *nl = strchr(start, '\n');
	size_t len = nl ? (size_t)(nl - start) + 1 : strlen(start);
	if (len + 1 > (size_t)num)
		len = (size_t)num - 1;
	memcpy(str, start, len);
	str[len] = '\0';
	ps->pos += len;
	return str;
}

/* A sub-code name is what a rule file and a spreadsheet can carry without
 * quoting: lower-case letters, digits and '_'. */
static int sub_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static struct coding_code *code_get(struct cb_parse *ps, const char *section)
{
	struct codebook *cb = ps->cb;
	for (int i = 0; i < cb->n; i++)
		if (!strcmp(cb->code[i].code, section))
			return &cb->code[i];
	int oi = coding_outcome_index(section);
	if (oi < 0) {
		ct_fail(ps->err, CT_EINPUT,
			"%s:%d: [%s]: the outcome must be one of invitation, info, refusal, other, "
			"no_reply",
			ps->path, ps->line, section);
		return NULL;
	}
	const char *dot = strchr(section, '.');
	if (dot && !sub_ok(dot + 1)) {
		ct_fail(ps->err, CT_EINPUT,
			"%s:%d: [%s]: a sub-code is lower-case letters, digits and '_'", ps->path,
			ps->line, section);
		return NULL;
	}
	cb->code = xrealloc(cb->code, (size_t)(cb->n + 1) * sizeof(*cb->code));
	struct coding_code *c = &cb->code[cb->n++];
	memset(c, 0, sizeof(*c));
	c->code = xstrdup(section);
	c->outcome = xstrdup(coding_outcomes[oi]);
	c->sub = dot ? xstrdup(dot + 1) : NULL;
	c->markets = CODING_HOUSING | CODING_JOB;
	return c;
}

static void set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct cb_parse *ps = user;
	if (ps->failed)
		return 0;
	struct coding_code *c = code_get(ps, section);
	if (!c)
		goto bad;
	const char *why = NULL;
	if (!text_ok(value, strlen(value), &why, NULL, NULL)) {
		ct_fail(ps->err, CT_EINPUT, "%s:%d: [%s] %s: %s", ps->path, ps->line, section, name, why);
		goto bad;
	}
	set_str(&c->source, ps->path);
	if (!strcmp(name, "label"))
		set_str(&c->label, value);
	else if (!strcmp(name, "definition"))
		set_str(&c->definition, value);
	else if (!strncmp(name, "example_", 8) && coding_lang_parse(name + 8) >= 0)
		set_str(&c->example[coding_lang_parse(name + 8)], value);
	else if (!strcmp(name, "markets")) {
		unsigned m = 0;
		char *copy = xstrdup(value), *save = NULL;
		for (char *t = strtok_r(copy, " ,", &save); t; t = strtok_r(NULL, " ,", &save)) {
			unsigned b = coding_market_parse(t);
			if (!b) {
				ct_fail(ps->err, CT_EINPUT,
					"%s:%d: [%s] markets: unknown market '%s' (housing or job)",
					ps->path, ps->line, section, t);
				free(copy);
				goto bad;
			}
			m |= b;
		}
		free(copy);
		if (!m) {
			ct_fail(ps->err, CT_EINPUT, "%s: [%s] markets: empty", ps->path, section);
			goto bad;
		}
		c->markets = m;
	} else {
		ct_fail(ps->err, CT_EINPUT,
			"%s:%d: [%s]: unknown key '%s' (label, definition, markets, example_nl, "
			"example_fr, example_en)",
			ps->path, ps->line, section, name);
		goto bad;
	}
	return 1;
bad:
	ps->failed = 1;
	return 0;
}

int codebook_load_text(struct codebook **cb, const char *path, const char *text,
		       struct ct_err *err)
{
	int fresh = !*cb;
	if (fresh)
		*cb = xcalloc(1, sizeof(**cb));
	/* inih's behaviour is global (Debian's build); set it every time, as
	 * config.c does. Definitions are long lines: the heap buffer grows up
	 * to ini_max_line. A ';' inside a value starts an inline comment
	 * (inih's default, which study.ini relies on), so values avoid it. */
	ini_allow_multiline = 0;
	ini_use_stack = 0;
	ini_allow_realloc = 1;
	ini_max_line = 8192;
	ini_stop_on_first_error = 1;
	struct cb_parse ps = { *cb, path, err, 0, text, 0, 0 };
	int rc = ini_parse_stream(reader, &ps, handler, &ps);
	if (!ps.failed && rc != 0)
		ct_fail(err, CT_EINPUT, "%s:%d: not a 'key = value' line or '[section]'", path, rc);
	if (!ps.failed && rc == 0) {
		for (int i = 0; i < (*cb)->n; i++) {
			struct coding_code *c = &(*cb)->code[i];
			if (!c->definition) {
				ps.failed = 1;
				ct_fail(err, CT_EINPUT, "%s: [%s]: no definition", path, c->code);
				break;
			}
			if (!c->label)
				c->label = xstrdup(c->code);
		}
	}
	if (ps.failed || rc != 0) {
		if (fresh) {
			codebook_free(*cb);
			*cb = NULL;
		}
		return err ? err->status : CT_EINPUT;
	}
	return CT_OK;
}

int codebook_load(const char *study_dir, struct codebook **out, struct ct_err *err)
{
	*out = NULL;
	const struct embedded_file *f = embedded_find(CODEBOOK_BUILTIN);
	if (!f)
		return ct_fail(err, CT_EENV, "%s is not built in", CODEBOOK_BUILTIN);
	struct codebook *cb = NULL;
	int rc = codebook_load_text(&cb, CODEBOOK_BUILTIN, f->data, err);
	if (rc != CT_OK)
		return rc;
	if (study_dir) {
		/* The study's codebook adds to the built-in one. */
		char *path = xasprintf("%s/coding/codebook.ini", study_dir), *text = NULL;
		size_t len = 0;
		rc = text_or_builtin(path, NULL, &text, &len, NULL, err);
		if (rc == CT_OK && text)
			rc = codebook_load_text(&cb, path, text, err);
		free(text);
		free(path);
		if (rc != CT_OK) {
			codebook_free(cb);
			return rc;
		}
	}
	*out = cb;
	return CT_OK;
}
