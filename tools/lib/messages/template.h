/* template.h: message templates (templates/README.md): parse a vN.txt file
 * into a subject and a body with {{name}} / {{name|fallback}} placeholders,
 * check the names against what a study can fill, and render them with one
 * application's values. Also a reader for flat JSON objects of strings
 * (persona.profile), since GLib has no JSON. */
#ifndef CT_TEMPLATE_H
#define CT_TEMPLATE_H

#include <stddef.h>

#include "design/config.h"
#include "base/util.h"

/* Every problem found, as "file:line: what" strings, so that a check reports
 * them all at once instead of one per run. */
struct tpl_problems {
	char **msg;
	int n, cap;
};
void tpl_problems_add(struct tpl_problems *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tpl_problems_free(struct tpl_problems *p);

/* Name/value pairs (both copied). Used for the values of one message and, with
 * values NULL, for the set of names a study allows. */
struct tpl_var {
	char *name, *value;
};
struct tpl_vars {
	struct tpl_var *v;
	int n, cap;
};
/* Adds or replaces name; value may be NULL (a name with no value). */
void tpl_vars_set(struct tpl_vars *vs, const char *name, const char *value);
/* Borrowed; NULL when name is absent or has no value. */
const char *tpl_vars_get(const struct tpl_vars *vs, const char *name);
int tpl_vars_has(const struct tpl_vars *vs, const char *name);
void tpl_vars_free(struct tpl_vars *vs);

/* The names a study's templates may use: persona.*, listing.*, study.city
 * and profile.KEY for each key of study.ini [profile] (KEY.female and
 * KEY.male both give profile.KEY). */
void tpl_allowed_names(const struct design *d, struct tpl_vars *names);

enum tpl_piece_kind { TPL_TEXT = 0, TPL_VAR = 1 };
struct tpl_piece {
	int kind;
	char *text;     /* literal text, or the placeholder's name */
	char *fallback; /* TPL_VAR with "|fallback"; NULL otherwise */
	int line;       /* line of the template file */
};
struct tpl_text {
	struct tpl_piece *p;
	int n, cap;
};

struct template {
	char *name; /* as used in messages, e.g. "templates/v2.txt" */
	struct tpl_text subject;
	struct tpl_text body; /* ends with exactly one newline */
	int subject_line;
	/* SHA-256 (hex) of the bytes parsed, the whole file: a stored message
	 * records it, so that a message rendered from an older version of the
	 * file is noticed while it is unsent. */
	char sha256[65];
};

/* Parses text (len bytes) of the file called name (and keeps the SHA-256
 * of those bytes in sha256). Every syntax problem is
 * added to probs as "name:LINE: ..."; when names is not NULL, every
 * placeholder whose name is not in it is reported too. Returns CT_OK with
 * *out set when nothing was added, else CT_EINPUT and *out NULL. */
int template_parse(const char *name, const char *text, size_t len, const struct tpl_vars *names,
		   struct template **out, struct tpl_problems *probs);
void template_free(struct template *t);

/* Fills the template with vals. A placeholder without fallback whose value
 * is missing or empty is an error naming the placeholder and the template
 * line; a value with a control character (CR, LF, TAB, ...) or invalid
 * UTF-8 is refused, in the subject and the body alike. *subject and *body are
 * the caller's to free; on error both are NULL. */
int template_render(const struct template *t, const struct tpl_vars *vals, char **subject,
		    char **body, struct ct_err *err);

/* Parses a JSON object whose values are strings (numbers are kept as their
 * text, null as an empty string) into vs, keys prefixed with prefix (e.g.
 * "profile."). Nested objects or arrays are refused. */
int json_read_flat(const char *text, const char *prefix, struct tpl_vars *vs, struct ct_err *err);

#endif
