/* csv.c: the RFC 4180 reader of csv.h, with positions in every error, and
 * the capped message list importers use to report all bad values. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/csv.h"
#include "base/banned.h"

/* Bytes in the UTF-8 sequence led by c; 0 for a byte that cannot lead one. */
static size_t seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return 2;
	if (c >= 0xE0 && c <= 0xEF)
		return 3;
	if (c >= 0xF0 && c <= 0xF4)
		return 4;
	return 0;
}

/* The header name of field i, for messages. */
static const char *field_name(const struct csv_reader *r, int i)
{
	return r->head && i < r->ncols ? r->head[i] : NULL;
}

/* Records a syntax error at line:col of the record starting at rec_line. */
static int syntax(struct csv_reader *r, struct ct_err *err, int line, int col, int rec_line,
		  int field, const char *what)
{
	char where[160] = "";
	const char *name = field_name(r, field);
	if (!r->head)
		snprintf(where, sizeof(where), "header: ");
	else if (name)
		snprintf(where, sizeof(where), "column %s: ", name);
	char rec[64] = "";
	if (rec_line != line)
		snprintf(rec, sizeof(rec), " (in the record starting on line %d)", rec_line);
	r->where.line = line;
	r->where.col = col;
	r->where.rec_line = rec_line;
	return ct_fail(err, CT_EINPUT, "%s:%d:%d: %s%s%s", r->path, line, col, where, what, rec);
}

static void rec_push(struct csv_record *rec, char *s, int line, int col)
{
	/* Grow by doubling from 8: records are short. */
	if ((rec->n & (rec->n - 1)) == 0 && rec->n >= 8) {
		rec->field = xrealloc(rec->field, sizeof(char *) * (size_t)rec->n * 2);
		rec->line = xrealloc(rec->line, sizeof(int) * (size_t)rec->n * 2);
		rec->col = xrealloc(rec->col, sizeof(int) * (size_t)rec->n * 2);
	} else if (rec->n == 0) {
		rec->field = xmalloc(sizeof(char *) * 8);
		rec->line = xmalloc(sizeof(int) * 8);
		rec->col = xmalloc(sizeof(int) * 8);
	}
	rec->field[rec->n] = s;
	rec->line[rec->n] = line;
	rec->col[rec->n] = col;
	rec->n++;
}

void csv_record_free(struct csv_record *rec)
{
	for (int i = 0; i < rec->n; i++)
		free(rec->field[i]);
	free(rec->field);
	free(rec->line);
	free(rec->col);
	memset(rec, 0, sizeof(*rec));
}

/* Appends the character at r->pos to f and moves past it; a NUL or invalid
 * UTF-8 is an error (CT_EINPUT). */
static int take_char(struct csv_reader *r, struct strbuf *f, int rec_line, int field,
		     struct ct_err *err)
{
	unsigned char c = (unsigned char)r->buf[r->pos];
	if (c == 0)
		return syntax(r, err, r->line, r->col, rec_line, field, "a NUL byte");
	size_t n = seq_len(c);
	if (n == 0 || r->pos + n > r->len || !utf8_check(r->buf + r->pos, n, NULL)) {
		char what[96];
		snprintf(what, sizeof(what), "invalid UTF-8 (byte 0x%02X; save the file as UTF-8)", c);
		return syntax(r, err, r->line, r->col, rec_line, field, what);
	}
	sb_add(f, r->buf + r->pos, n);
	r->pos += n;
	r->col++;
	return CT_OK;
}

/* Parses one record starting at r->pos (not at the end of the buffer). */
static int parse_record(struct csv_reader *r, struct csv_record *rec, struct ct_err *err)
{
	int rec_line = r->line;
	rec->start_line = rec_line;
	struct strbuf f = STRBUF_INIT;
	for (;;) {
		int fline = r->line, fcol = r->col, field = rec->n;
		sb_reset(&f);
		sb_add(&f, "", 0); /* an empty field is "", not NULL */
		if (r->pos < r->len && r->buf[r->pos] == '"') {
			r->pos++;
			r->col++;
			for (;;) {
				if (r->pos >= r->len) {
					sb_free(&f);
					return syntax(r, err, fline, fcol, rec_line, field,
						      "unterminated quoted field: no closing quote "
						      "before the end of the file");
				}
				char c = r->buf[r->pos];
				if (c == '"') {
					if (r->pos + 1 < r->len && r->buf[r->pos + 1] == '"') {
						sb_addc(&f, '"');
						r->pos += 2;
						r->col += 2;
						continue;
					}
					r->pos++;
					r->col++;
					break;
				}
				if (c == '\n') {
					sb_addc(&f, c);
					r->pos++;
					r->line++;
					r->col = 1;
					continue;
				}
				int rc = take_char(r, &f, rec_line, field, err);
				if (rc) {
					sb_free(&f);
					return rc;
				}
			}
			if (r->pos < r->len && r->buf[r->pos] != ',' && r->buf[r->pos] != '\n' &&
			    !(r->buf[r->pos] == '\r' && r->pos + 1 < r->len &&
			      r->buf[r->pos + 1] == '\n')) {
				sb_free(&f);
				return syntax(r, err, r->line, r->col, rec_line, field,
					      "characters after the closing quote (a field is quoted "
					      "as a whole, with \"\" for a quote inside it)");
			}
		} else {
			while (r->pos < r->len) {
				char c = r->buf[r->pos];
				if (c == ',' || c == '\n')
					break;
				if (c == '\r') {
					if (r->pos + 1 < r->len && r->buf[r->pos + 1] == '\n')
						break;
					sb_free(&f);
					return syntax(r, err, r->line, r->col, rec_line, field,
						      "a carriage return that does not end a line (CR "
						      "alone ends lines in old Mac files: save the file "
						      "as CSV UTF-8, or quote the field)");
				}
				if (c == '"') {
					sb_free(&f);
					return syntax(r, err, r->line, r->col, rec_line, field,
						      "a quote inside an unquoted field (quote the "
						      "whole field and double the quote: \"a \"\"b\"\"\")");
				}
				int rc = take_char(r, &f, rec_line, field, err);
				if (rc) {
					sb_free(&f);
					return rc;
				}
			}
		}
		rec_push(rec, sb_detach(&f), fline, fcol);
		r->end_line = r->line;
		r->end_col = r->col;
		if (r->pos >= r->len)
			break;
		char c = r->buf[r->pos];
		if (c == ',') {
			r->pos++;
			r->col++;
			continue;
		}
		/* End of line: LF or CRLF. */
		r->pos += c == '\r' ? 2 : 1;
		r->line++;
		r->col = 1;
		break;
	}
	sb_free(&f);
	return CT_OK;
}

/* Skips blank lines; returns 1 if a record follows. */
static int skip_blank(struct csv_reader *r)
{
	while (r->pos < r->len) {
		if (r->buf[r->pos] == '\n') {
			r->pos++;
		} else if (r->buf[r->pos] == '\r' && r->pos + 1 < r->len &&
			   r->buf[r->pos + 1] == '\n') {
			r->pos += 2;
		} else {
			return 1;
		}
		r->line++;
		r->col = 1;
	}
	return 0;
}

int csv_reader_open(struct csv_reader *r, const char *path, const char *buf, size_t len,
		    struct ct_err *err)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->buf = buf;
	r->len = len;
	r->line = 1;
	r->col = 1;
	if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3))
		r->pos = 3;
	if (!skip_blank(r))
		return ct_fail(err, CT_EINPUT, "%s: the file is empty; a header row is required", path);
	struct csv_record h = { 0 };
	int rc = parse_record(r, &h, err);
	if (rc) {
		csv_record_free(&h);
		return rc;
	}
	for (int i = 0; i < h.n; i++) {
		str_trim(h.field[i]);
		if (!h.field[i][0]) {
			r->where = (struct csv_pos){ h.line[i], h.col[i], h.start_line };
			rc = ct_fail(err, CT_EINPUT, "%s:%d:%d: header column %d has no name", path,
				     h.line[i], h.col[i], i + 1);
			break;
		}
		for (int j = 0; j < i; j++) {
			if (str_eq_ci(h.field[i], h.field[j])) {
				r->where = (struct csv_pos){ h.line[i], h.col[i], h.start_line };
				rc = ct_fail(err, CT_EINPUT,
					     "%s:%d:%d: column '%s' appears twice in the header "
					     "(columns %d and %d)",
					     path, h.line[i], h.col[i], h.field[i], j + 1, i + 1);
				break;
			}
		}
		if (rc)
			break;
	}
	if (rc) {
		csv_record_free(&h);
		return rc;
	}
	r->head = h.field;
	r->ncols = h.n;
	free(h.line);
	free(h.col);
	return CT_OK;
}

int csv_next(struct csv_reader *r, struct csv_record *rec, int *got, struct ct_err *err)
{
	csv_record_free(rec);
	*got = 0;
	if (!skip_blank(r))
		return CT_OK;
	int rc = parse_record(r, rec, err);
	if (rc) {
		csv_record_free(rec);
		return rc;
	}
	if (rec->n != r->ncols) {
		char what[300];
		int line, col;
		if (rec->n < r->ncols) {
			/* Point at the end of the record: where the field is missing. */
			line = r->end_line;
			col = r->end_col;
			snprintf(what, sizeof(what),
				 "the record has %d field%s where the header has %d: column %s is missing",
				 rec->n, rec->n == 1 ? "" : "s", r->ncols, r->head[rec->n]);
		} else {
			line = rec->line[r->ncols];
			col = rec->col[r->ncols];
			snprintf(what, sizeof(what),
				 "the record has %d fields where the header has %d: an extra field "
				 "after column %s (a value with a comma must be quoted)",
				 rec->n, r->ncols, r->head[r->ncols - 1]);
		}
		r->where = (struct csv_pos){ line, col, rec->start_line };
		char rl[64] = "";
		if (rec->start_line != line)
			snprintf(rl, sizeof(rl), " (in the record starting on line %d)",
				 rec->start_line);
		rc = ct_fail(err, CT_EINPUT, "%s:%d:%d: %s%s", r->path, line, col, what, rl);
		csv_record_free(rec);
		return rc;
	}
	*got = 1;
	return CT_OK;
}

void csv_reader_close(struct csv_reader *r)
{
	for (int i = 0; i < r->ncols; i++)
		free(r->head[i]);
	free(r->head);
	r->head = NULL;
	r->ncols = 0;
}

int csv_parse(const char *path, const char *buf, size_t len, struct csv **out,
	      struct csv_pos *where, struct ct_err *err)
{
	struct csv_reader r;
	*out = NULL;
	int rc = csv_reader_open(&r, path, buf, len, err);
	if (rc) {
		if (where)
			*where = r.where;
		csv_reader_close(&r);
		return rc;
	}
	struct csv *c = xcalloc(1, sizeof(*c));
	c->path = xstrdup(path);
	int cap = 0, got;
	for (;;) {
		struct csv_record rec = { 0 };
		if ((rc = csv_next(&r, &rec, &got, err)))
			break;
		if (!got)
			break;
		if (c->nrec == cap) {
			cap = cap ? cap * 2 : 64;
			c->rec = xrealloc(c->rec, sizeof(*c->rec) * (size_t)cap);
		}
		c->rec[c->nrec++] = rec;
	}
	c->head = r.head;
	c->ncols = r.ncols;
	if (rc) {
		if (where)
			*where = r.where;
		csv_free(c);
		return rc;
	}
	if (where)
		*where = (struct csv_pos){ 0, 0, 0 };
	*out = c;
	return CT_OK;
}

void csv_free(struct csv *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nrec; i++)
		csv_record_free(&c->rec[i]);
	free(c->rec);
	for (int i = 0; i < c->ncols; i++)
		free(c->head[i]);
	free(c->head);
	free(c->path);
	free(c);
}

int csv_col(const struct csv *c, const char *name)
{
	char *want = str_trim(xstrdup(name));
	int found = -1;
	for (int i = 0; i < c->ncols && found < 0; i++)
		if (str_eq_ci(c->head[i], want))
			found = i;
	free(want);
	return found;
}

static int in_list(const char *const *list, const char *s)
{
	for (int i = 0; list && list[i]; i++)
		if (str_eq_ci(list[i], s))
			return 1;
	return 0;
}

int csv_check_columns(const struct csv *c, const char *const *known,
		      const char *const *required, int allow_unknown, struct ct_err *err)
{
	char shown[CSV_SHORT];
	/* A spreadsheet saved with semicolons (Excel in Belgian and French
	 * locales) or tabs reads as one long column: say so, rather than call
	 * it an unknown column. */
	if (c->ncols == 1 && !in_list(known, c->head[0])) {
		const char *sep = strchr(c->head[0], ';') ? "semicolon" :
				  strchr(c->head[0], '\t') ? "tab" : NULL;
		if (sep)
			return ct_fail(err, CT_EINPUT,
				       "%s:1: the file looks %s-separated (its header is one column, "
				       "'%s'); save it as CSV with commas (in Excel: CSV UTF-8, or "
				       "set the list separator to a comma)",
				       c->path, sep, csv_short(c->head[0], shown, sizeof(shown)));
	}
	if (!allow_unknown) {
		for (int i = 0; i < c->ncols; i++) {
			if (in_list(known, c->head[i]))
				continue;
			struct strbuf sb = STRBUF_INIT;
			for (int k = 0; known[k]; k++)
				sb_addf(&sb, "%s%s", k ? ", " : "", known[k]);
			int rc = ct_fail(err, CT_EINPUT,
					 "%s:1: column %d of the header, '%s', is not a known column "
					 "(known: %s)",
					 c->path, i + 1, csv_short(c->head[i], shown, sizeof(shown)),
					 sb_str(&sb));
			sb_free(&sb);
			return rc;
		}
	}
	for (int k = 0; required && required[k]; k++)
		if (csv_col(c, required[k]) < 0)
			return ct_fail(err, CT_EINPUT,
				       "%s:1: column %s is required but the header lacks it", c->path,
				       required[k]);
	return CT_OK;
}

const char *csv_short(const char *s, char *buf, size_t n)
{
	size_t len = strlen(s);
	if (len < n) {
		memcpy(buf, s, len + 1);
		return buf;
	}
	/* Cut before the character that would not fit with the "...". */
	size_t cut = n > 4 ? n - 4 : 0;
	while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
		cut--;
	memcpy(buf, s, cut);
	memcpy(buf + cut, "...", 4);
	return buf;
}

int csv_read_file(const char *path, char **buf, size_t *len, struct ct_err *err)
{
	struct stat st;
	*buf = NULL;
	/* A folder opens for reading but fails on read; name the mistake. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return ct_fail(err, CT_EINPUT, "%s: is a folder, not a CSV file", path);
	return file_read(path, buf, len, err);
}

void csv_errs_init(struct csv_errs *e, int max)
{
	memset(e, 0, sizeof(*e));
	e->max = max;
}

void csv_errs_add(struct csv_errs *e, const char *path, int line, const char *column,
		  const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	if (line > 0)
		sb_addf(&sb, "%s:%d: ", path, line);
	else
		sb_addf(&sb, "%s: ", path);
	if (column)
		sb_addf(&sb, "column %s: ", column);
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->item = xrealloc(e->item, sizeof(*e->item) * (size_t)e->cap);
	}
	e->item[e->n] = (struct csv_err_item){ line, e->n, sb_detach(&sb) };
	e->n++;
}

static int item_cmp(const void *a, const void *b)
{
	const struct csv_err_item *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

const char *csv_errs_text(struct csv_errs *e)
{
	qsort(e->item, (size_t)e->n, sizeof(*e->item), item_cmp);
	sb_reset(&e->text);
	for (int i = 0; i < e->n && i < e->max; i++) {
		sb_adds(&e->text, e->item[i].text);
		sb_addc(&e->text, '\n');
	}
	if (e->n > e->max)
		sb_addf(&e->text, "... and %d more error%s (only the first %d are shown)\n",
			e->n - e->max, e->n - e->max == 1 ? "" : "s", e->max);
	return sb_str(&e->text);
}

void csv_errs_free(struct csv_errs *e)
{
	for (int i = 0; i < e->n; i++)
		free(e->item[i].text);
	free(e->item);
	sb_free(&e->text);
	memset(e, 0, sizeof(*e));
}

void csv_quote(struct strbuf *sb, const char *v)
{
	if (!v)
		return;
	if (!strpbrk(v, ",\"\r\n")) {
		sb_adds(sb, v);
		return;
	}
	sb_addc(sb, '"');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			sb_addc(sb, '"');
		sb_addc(sb, *p);
	}
	sb_addc(sb, '"');
}
