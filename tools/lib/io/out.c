/* out.c: the output layer of out.h. The calls build a small document tree;
 * out_free renders it in the chosen format and frees it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/csv.h"
#include "io/json.h"
#include "io/out.h"
#include "io/table.h"
#include "base/util.h"
#include "base/banned.h"

enum kind { K_SCALAR, K_MAP, K_LIST, K_TABLE, K_ROW, K_NOTES, K_TEXT };
enum vtype { V_STR, V_INT, V_NUM, V_BOOL, V_MISSING, V_INTERVAL, V_RAW };

struct node {
	enum kind kind;
	struct out_field f; /* key and label: interned (owned by the out), or
			     * owned when own_names is set */
	int own_names;
	enum vtype vt;
	char *s;            /* V_STR, V_RAW; V_MISSING: the reason; K_TEXT: the text */
	long long i;
	double d;
	struct out_interval ci;
	char **notes;       /* K_NOTES */
	int nnotes;
	struct node **kids;
	int nkids, cap;
	struct node *parent;
	int joined; /* a keyed row that also belongs to the table before it */
};

/* The notes of the table format, gathered while tables are laid out. */
struct notes {
	struct strbuf text;
};

/* A table being laid out for the table format: its columns and its rows
 * (struct lrow, below). */
struct layout {
	const char **col; /* labels (borrowed from nodes, or from stream_cols) */
	unsigned *flags; /* of the column's first field */
	int ncol, capcol;
	struct lrow *rows;
	int nrows, caprows;
	int hint; /* the column layout_col tries first */
};

/* A side table: the rows of labelled maps inside rows, by label. */
struct side {
	const char *title;
	struct layout L;
	int nid; /* leading identifying columns */
};

struct tctx {
	struct notes *notes;
	struct side *sides;
	int nsides;
	/* The streamed table, already laid out in *stream_L. */
	const struct node *stream;
	struct layout *stream_L;
};

struct out {
	FILE *f;
	enum out_format format;
	int compact;
	struct node *root, *cur;
	struct node *last_table; /* for keyed rows joining it */
	struct notes notes;

	/* A streamed table (out_table_stream_begin), while it is open and
	 * after: its rows are rendered by out_row_end. */
	struct node *stream;
	/* JSON: the writer, open from the stream's start until out_free,
	 * and the index of the first top-level item not yet written. */
	struct json j;
	int json_open, json_bare, json_next;
	/* Table format: the stream's rows laid out (labels are copied into
	 * stream_cols, since the rows that named them are freed). */
	struct layout sL;
	struct tctx st;
	char **stream_cols;
	int nstream_cols;
	/* CSV: the header (the first row's columns), once written; skip when
	 * the stream is not the document's first table. */
	char **chead;
	int nchead, csv_started, csv_skip;
	/* Copies of the fields' keys and labels, each kept once: a streamed
	 * table of thousands of rows names the same few fields in each
	 * (from[i]: where names[i] was last seen, checked first). */
	char **names;
	const char **from;
	int nnames;
};

#define NAMES_MAX 256 /* more distinct names: each node keeps its own copy */

/* The kept copy of s (NULL: NULL); *own set when it is a copy of its own. */
static const char *name_of(struct out *o, const char *s, int *own)
{
	if (!s)
		return NULL;
	for (int i = 0; i < o->nnames; i++)
		if (o->from[i] == s && !strcmp(o->names[i], s))
			return o->names[i];
	for (int i = 0; i < o->nnames; i++)
		if (!strcmp(o->names[i], s)) {
			o->from[i] = s;
			return o->names[i];
		}
	if (o->nnames == NAMES_MAX) {
		*own = 1;
		return xstrdup(s);
	}
	if (!o->names) {
		o->names = xcalloc(NAMES_MAX, sizeof(*o->names));
		o->from = xcalloc(NAMES_MAX, sizeof(*o->from));
	}
	o->from[o->nnames] = s;
	return o->names[o->nnames++] = xstrdup(s);
}

static struct node *node_new(struct out *o, enum kind k, const struct out_field *f)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->kind = k;
	if (f) {
		n->f = *f;
		n->f.key = name_of(o, f->key, &n->own_names);
		n->f.label = name_of(o, f->label, &n->own_names);
		if (n->own_names) { /* both its own, whichever was found kept */
			n->f.key = f->key ? xstrdup(f->key) : NULL;
			n->f.label = f->label ? xstrdup(f->label) : NULL;
		}
	}
	return n;
}

static void node_add(struct node *parent, struct node *n)
{
	if (parent->nkids == parent->cap) {
		parent->cap = parent->cap ? 2 * parent->cap : 8;
		parent->kids = xrealloc(parent->kids, (size_t)parent->cap * sizeof(*parent->kids));
	}
	parent->kids[parent->nkids++] = n;
	n->parent = parent;
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (int i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	for (int i = 0; i < n->nnotes; i++)
		free(n->notes[i]);
	free(n->notes);
	free(n->kids);
	free(n->s);
	if (n->own_names) {
		free((char *)n->f.key);
		free((char *)n->f.label);
	}
	free(n);
}

struct out *out_new(FILE *f, enum out_format format)
{
	struct out *o = xcalloc(1, sizeof(*o));
	o->f = f;
	o->format = format;
	o->root = node_new(o, K_MAP, NULL);
	o->cur = o->root;
	return o;
}

void out_json_compact(struct out *o)
{
	o->compact = 1;
}

enum out_format out_format(const struct out *o)
{
	return o->format;
}

/* Any new item other than a keyed row closes the door on joining the last
 * table. */
static struct node *add(struct out *o, enum kind k, const struct out_field *f)
{
	struct node *n = node_new(o, k, f);
	node_add(o->cur, n);
	if (o->cur == o->root && k != K_TABLE)
		o->last_table = NULL;
	return n;
}

void out_str(struct out *o, const struct out_field *f, const char *s)
{
	struct node *n = add(o, K_SCALAR, f);
	n->vt = s ? V_STR : V_MISSING;
	n->s = s ? xstrdup(s) : NULL;
}

void out_int(struct out *o, const struct out_field *f, long long v)
{
	struct node *n = add(o, K_SCALAR, f);
	n->vt = V_INT;
	n->i = v;
}

void out_num(struct out *o, const struct out_field *f, double v)
{
	struct node *n = add(o, K_SCALAR, f);
	n->vt = isfinite(v) ? V_NUM : V_MISSING;
	n->d = v;
}

void out_bool(struct out *o, const struct out_field *f, int v)
{
	struct node *n = add(o, K_SCALAR, f);
	n->vt = V_BOOL;
	n->i = v != 0;
}

void out_missing(struct out *o, const struct out_field *f, const char *why)
{
	struct node *n = add(o, K_SCALAR, f);
	n->vt = V_MISSING;
	n->s = why ? xstrdup(why) : NULL;
}

void out_value(struct out *o, const struct out_field *f, int defined, double v)
{
	if (defined)
		out_num(o, f, v);
	else
		out_missing(o, f, NULL);
}

void out_interval(struct out *o, const struct out_field *f, const struct out_interval *ci)
{
	struct node *n = add(o, K_SCALAR, f);
	n->vt = V_INTERVAL;
	n->ci = *ci;
	/* A bound that is not a finite number is missing, whatever its flag. */
	n->ci.lo_defined = ci->lo_defined && isfinite(ci->lo);
	n->ci.hi_defined = ci->hi_defined && isfinite(ci->hi);
}

void out_raw_json(struct out *o, const struct out_field *f, const char *json)
{
	struct node *n = add(o, K_SCALAR, f);
	n->vt = json ? V_RAW : V_MISSING;
	n->s = json ? xstrdup(json) : NULL;
}

void out_notes(struct out *o, const struct out_field *f, const char *const *notes, int n)
{
	struct node *x = add(o, K_NOTES, f);
	x->notes = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		if (notes[i])
			x->notes[x->nnotes++] = xstrdup(notes[i]);
}

static void open_node(struct out *o, enum kind k, const struct out_field *f)
{
	o->cur = add(o, k, f);
}

static void close_node(struct out *o)
{
	if (o->cur->parent)
		o->cur = o->cur->parent;
}

void out_map_begin(struct out *o, const struct out_field *f) { open_node(o, K_MAP, f); }
void out_map_end(struct out *o) { close_node(o); }
void out_list_begin(struct out *o, const struct out_field *f) { open_node(o, K_LIST, f); }
void out_list_end(struct out *o) { close_node(o); }

void out_table_begin(struct out *o, const struct out_field *f)
{
	open_node(o, K_TABLE, f);
}

static void json_node(struct json *j, const struct node *n, int keyed);
static int json_visible(const struct node *n);
static const struct node *first_table(const struct node *m);

void out_table_stream_begin(struct out *o, const struct out_field *f)
{
	/* Streaming is for a top-level table; elsewhere (or a second one)
	 * the table is kept whole, which renders the same. */
	if (o->cur != o->root || o->stream) {
		out_table_begin(o, f);
		return;
	}
	int first = first_table(o->root) == NULL;
	out_table_begin(o, f);
	o->stream = o->cur;
	o->st.notes = &o->notes;
	if (o->format == OUT_JSON && !(o->stream->f.flags & OUT_NO_JSON)) {
		/* Everything before the table is complete: write it now, then
		 * the rows as they come. */
		json_init(&o->j, o->f, !o->compact);
		o->json_open = 1;
		if (!o->stream->f.key) {
			o->json_bare = 1;
		} else {
			json_obj_begin(&o->j);
			for (int i = 0; i < o->root->nkids - 1; i++)
				if (json_visible(o->root->kids[i]))
					json_node(&o->j, o->root->kids[i], 1);
			json_key(&o->j, o->stream->f.key);
		}
		json_arr_begin(&o->j);
		o->json_next = o->root->nkids;
	} else if (o->format == OUT_CSV) {
		o->csv_skip = !first || (o->stream->f.flags & OUT_NO_CSV);
	}
}

void out_table_end(struct out *o)
{
	struct node *t = o->cur;
	close_node(o);
	if (o->cur == o->root)
		o->last_table = t;
	if (t == o->stream && o->json_open)
		json_arr_end(&o->j);
}

void out_row_begin(struct out *o, const struct out_field *f)
{
	if (o->cur->kind == K_TABLE || !f) {
		open_node(o, K_ROW, NULL);
		return;
	}
	/* A keyed row: a member of the current map for JSON; for the other
	 * formats it also joins the table just ended (a borrowed link: the
	 * map owns the row, see unlink_joined). */
	struct node *table = o->cur == o->root ? o->last_table : NULL;
	struct node *n = node_new(o, K_ROW, f);
	node_add(o->cur, n);
	if (table) {
		n->joined = 1;
		if (table->nkids == table->cap) {
			table->cap = table->cap ? 2 * table->cap : 8;
			table->kids = xrealloc(table->kids, (size_t)table->cap * sizeof(*table->kids));
		}
		table->kids[table->nkids++] = n;
	}
	o->cur = n;
}

static void stream_row(struct out *o, struct node *row);

void out_row_end(struct out *o)
{
	struct node *row = o->cur;
	close_node(o);
	if (o->stream && o->cur == o->stream && row->parent == o->stream && row->kind == K_ROW)
		stream_row(o, row);
}

void out_text(struct out *o, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	struct node *n = add(o, K_TEXT, NULL);
	n->s = sb_detach(&sb);
}

/* ---- Numbers and text ---- */

const char *out_fmt_table(char *buf, size_t n, enum out_unit unit, double v)
{
	if (!isfinite(v)) {
		snprintf(buf, n, "n/a");
		return buf;
	}
	switch (unit) {
	case OUT_COUNT: snprintf(buf, n, "%.0f", v); break;
	case OUT_FRACTION: {
		/* Halves away from zero, and never "-0.0". */
		double x = round(1000.0 * v) / 10.0;
		snprintf(buf, n, "%.1f", x == 0.0 ? 0.0 : x);
		break;
	}
	case OUT_PROB: snprintf(buf, n, "%.4f", v); break;
	case OUT_RATIO:
	case OUT_STAT: {
		double x = round(1000.0 * v) / 1000.0;
		snprintf(buf, n, "%.3f", x == 0.0 ? 0.0 : x);
		break;
	}
	case OUT_AMOUNT:
		snprintf(buf, n, v == floor(v) && fabs(v) < 1e15 ? "%.0f" : "%.2f", v == 0.0 ? 0.0 : v);
		break;
	case OUT_PVALUE:
		if (v < 0.001)
			snprintf(buf, n, "<0.001");
		else
			snprintf(buf, n, "%.3f", v);
		break;
	default: snprintf(buf, n, "%.4g", v == 0.0 ? 0.0 : v); break;
	}
	return buf;
}

const char *out_fmt_machine(char *buf, size_t n, double v)
{
	if (!isfinite(v))
		return NULL;
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, n, "%.0f", v == 0.0 ? 0.0 : v);
	else
		snprintf(buf, n, "%.15g", v);
	return buf;
}

/* The length of the valid UTF-8 sequence at s (1-4), or 0 when it is not
 * one (a stray continuation byte, an overlong form, a surrogate, a value
 * past U+10FFFF, or a cut sequence). */
static int utf8_seq(const unsigned char *s, unsigned long *cp)
{
	unsigned char c = s[0];
	int len;
	unsigned long v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xE0) == 0xC0) {
		len = 2, v = c & 0x1F, min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, v = c & 0x0F, min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

void out_escape_terminal(struct strbuf *sb, const char *s, int prose)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		/* Most text is printable ASCII: copy such a run at once. */
		const unsigned char *run = p;
		while (*p >= 0x20 && *p < 0x7F)
			p++;
		if (p > run)
			sb_add(sb, (const char *)run, (size_t)(p - run));
		if (!*p)
			break;
		unsigned long cp;
		int len = utf8_seq(p, &cp);
		if (len == 0) {
			sb_addf(sb, "\\x%02x", *p);
			p++;
			continue;
		}
		if ((cp == '\n' || cp == '\t') && prose) {
			sb_addc(sb, (char)cp);
		} else if (cp < 0x20 || cp == 0x7F) {
			sb_addf(sb, "\\x%02lx", cp);
		} else if (cp >= 0x80 && !text_ok((const char *)p, (size_t)len, NULL, NULL, NULL)) {
			sb_addf(sb, "\\u%04lx", cp);
		} else {
			sb_add(sb, (const char *)p, (size_t)len);
		}
		p += len;
	}
}

/* ---- Rendering: JSON ---- */

static const char *vt_machine(const struct node *n, char *buf, size_t len)
{
	switch (n->vt) {
	case V_STR:
	case V_RAW: return n->s;
	case V_INT: snprintf(buf, len, "%lld", n->i); return buf;
	case V_NUM: return out_fmt_machine(buf, len, n->d);
	case V_BOOL: return n->i ? "true" : "false";
	default: return NULL;
	}
}

/* Text from data (neutralised against formulas in CSV), not a number. */
static int is_text(const struct node *n)
{
	return n->vt == V_STR || n->vt == V_RAW || n->vt == V_MISSING;
}

static int json_visible(const struct node *n)
{
	return !(n->f.flags & OUT_NO_JSON) && n->kind != K_TEXT;
}

static void json_bound(struct json *j, int defined, double v)
{
	char buf[40];
	const char *s = defined ? out_fmt_machine(buf, sizeof(buf), v) : NULL;
	if (s)
		json_raw(j, s);
	else
		json_null(j);
}

static void json_node(struct json *j, const struct node *n, int keyed)
{
	if (keyed && n->f.key)
		json_key(j, n->f.key);
	switch (n->kind) {
	case K_SCALAR: {
		char buf[40];
		if (n->vt == V_STR) {
			json_str(j, n->s);
		} else if (n->vt == V_RAW) {
			json_raw(j, n->s);
		} else if (n->vt == V_INTERVAL) {
			if (!n->ci.lo_defined && !n->ci.hi_defined) {
				json_null(j);
			} else {
				json_arr_begin(j);
				json_bound(j, n->ci.lo_defined, n->ci.lo);
				json_bound(j, n->ci.hi_defined, n->ci.hi);
				json_arr_end(j);
			}
		} else {
			const char *s = vt_machine(n, buf, sizeof(buf));
			if (s)
				json_raw(j, s);
			else
				json_null(j);
		}
		break;
	}
	case K_NOTES:
		json_arr_begin(j);
		for (int i = 0; i < n->nnotes; i++)
			json_str(j, n->notes[i]);
		json_arr_end(j);
		break;
	case K_LIST:
	case K_TABLE:
		json_arr_begin(j);
		for (int i = 0; i < n->nkids; i++)
			if (json_visible(n->kids[i]) && n->kids[i]->parent == n)
				json_node(j, n->kids[i], 0);
		json_arr_end(j);
		break;
	default: /* K_MAP, K_ROW */
		json_obj_begin(j);
		for (int i = 0; i < n->nkids; i++)
			if (json_visible(n->kids[i]))
				json_node(j, n->kids[i], 1);
		json_obj_end(j);
		break;
	}
}

/* ---- Rendering: the cells of a value for tables and CSV ---- */

/* The table text of a scalar (escaped for the terminal), into sb. */
static void table_cell(struct strbuf *sb, const struct node *n)
{
	char buf[64];
	switch (n->vt) {
	case V_STR:
	case V_RAW: out_escape_terminal(sb, n->s, 0); break;
	case V_INT:
		if (n->f.unit == OUT_TEXT || n->f.unit == OUT_COUNT)
			sb_addf(sb, "%lld", n->i);
		else
			sb_adds(sb, out_fmt_table(buf, sizeof(buf), n->f.unit, (double)n->i));
		break;
	case V_NUM: sb_adds(sb, out_fmt_table(buf, sizeof(buf), n->f.unit, n->d)); break;
	case V_BOOL: sb_adds(sb, n->i ? "yes" : "no"); break;
	case V_MISSING:
		sb_adds(sb, "n/a");
		if (n->s) {
			sb_adds(sb, " (");
			out_escape_terminal(sb, n->s, 0);
			sb_addc(sb, ')');
		}
		break;
	case V_INTERVAL:
		sb_addf(sb, "[%s, ",
			n->ci.lo_defined ? out_fmt_table(buf, sizeof(buf), n->f.unit, n->ci.lo) : "n/a");
		sb_addf(sb, "%s]",
			n->ci.hi_defined ? out_fmt_table(buf, sizeof(buf), n->f.unit, n->ci.hi) : "n/a");
		break;
	}
}

/* A list's items joined for one cell. */
static void list_cell(struct strbuf *sb, const struct node *n, int table, const char *sep)
{
	for (int i = 0; i < n->nkids; i++) {
		if (i)
			sb_adds(sb, sep);
		if (table) {
			table_cell(sb, n->kids[i]);
		} else {
			char buf[40];
			const struct node *k = n->kids[i];
			const char *s = vt_machine(k, buf, sizeof(buf));
			sb_adds(sb, s ? s : "");
		}
	}
}

/* ---- Rendering: tables ---- */

/* A row being laid out: cells by column. */
struct lrow {
	char **cell;
	int ncell, cap;
	int child; /* 1 for a child row: identifying cells inherited are blank */
};

/* The column of a field's label (created on first sight); a column is
 * identifying, or in the second part, when any of its fields is. */
static int layout_col(struct layout *L, const struct node *n)
{
	/* Rows give their fields in the same order: the column after the
	 * last one found is tried first (a long table is laid out in time
	 * linear in its cells). */
	int h = L->hint < L->ncol ? L->hint : 0;
	for (int k = 0; k < L->ncol; k++) {
		int c = (h + k) % L->ncol;
		if (!strcmp(L->col[c], n->f.label)) {
			L->flags[c] |= n->f.flags;
			L->hint = c + 1;
			return c;
		}
	}
	if (L->ncol == L->capcol) {
		L->capcol = L->capcol ? 2 * L->capcol : 16;
		L->col = xrealloc(L->col, (size_t)L->capcol * sizeof(*L->col));
		L->flags = xrealloc(L->flags, (size_t)L->capcol * sizeof(*L->flags));
	}
	L->col[L->ncol] = n->f.label;
	L->flags[L->ncol] = n->f.flags;
	L->hint = L->ncol + 1;
	return L->ncol++;
}

static struct lrow *layout_row(struct layout *L)
{
	if (L->nrows == L->caprows) {
		L->caprows = L->caprows ? 2 * L->caprows : 16;
		L->rows = xrealloc(L->rows, (size_t)L->caprows * sizeof(*L->rows));
	}
	struct lrow *r = &L->rows[L->nrows++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void lrow_set(struct lrow *r, int c, char *text)
{
	if (c >= r->ncell) {
		if (c >= r->cap) {
			r->cap = (c + 16) & ~15;
			r->cell = xrealloc(r->cell, (size_t)r->cap * sizeof(char *));
		}
		for (int i = r->ncell; i <= c; i++)
			r->cell[i] = NULL;
		r->ncell = c + 1;
	}
	free(r->cell[c]);
	r->cell[c] = text;
}

static void layout_free(struct layout *L)
{
	for (int r = 0; r < L->nrows; r++) {
		for (int c = 0; c < L->rows[r].ncell; c++)
			free(L->rows[r].cell[c]);
		free(L->rows[r].cell);
	}
	free(L->rows);
	free(L->col);
	free(L->flags);
}

static struct side *side_for(struct tctx *t, const char *title)
{
	for (int i = 0; i < t->nsides; i++)
		if (!strcmp(t->sides[i].title, title))
			return &t->sides[i];
	t->sides = xrealloc(t->sides, (size_t)(t->nsides + 1) * sizeof(*t->sides));
	struct side *s = &t->sides[t->nsides++];
	memset(s, 0, sizeof(*s));
	s->title = title;
	return s;
}

static int table_visible(const struct node *n)
{
	return n->f.label != NULL && n->kind != K_TEXT;
}

/* The identifying cells of a row and its ancestors, for notes and side
 * tables: "Maghrebi, agency, female". */
struct ids {
	const char *label[16];
	char *text[16];
	int n;
};

static void ids_add(struct ids *id, const struct node *row)
{
	for (int i = 0; i < row->nkids && id->n < 16; i++) {
		const struct node *k = row->kids[i];
		if (k->kind != K_SCALAR || !(k->f.flags & OUT_ID) || !table_visible(k))
			continue;
		struct strbuf sb = STRBUF_INIT;
		table_cell(&sb, k);
		id->label[id->n] = k->f.label;
		id->text[id->n++] = sb_detach(&sb);
	}
}

static void ids_free(struct ids *id)
{
	for (int i = 0; i < id->n; i++)
		free(id->text[i]);
	id->n = 0;
}

static void add_notes(struct tctx *t, const struct ids *id, const char *where,
		      const struct node *notes)
{
	for (int i = 0; i < notes->nnotes; i++) {
		sb_adds(&t->notes->text, "  ");
		for (int k = 0; k < id->n; k++)
			sb_addf(&t->notes->text, "%s%s", k ? ", " : "", id->text[k]);
		if (where)
			sb_addf(&t->notes->text, " (%s)", where);
		if (id->n || where)
			sb_adds(&t->notes->text, ": ");
		out_escape_terminal(&t->notes->text, notes->notes[i], 0);
		sb_addc(&t->notes->text, '\n');
	}
}

/* Lays out one row (and its child rows) into L. */
static void layout_add_row(struct tctx *t, struct layout *L, const struct node *row,
			   const struct ids *parent, int child)
{
	struct lrow *r = layout_row(L);
	int ri = L->nrows - 1;
	r->child = child;
	struct ids id = *parent;
	for (int k = 0; k < parent->n; k++)
		id.text[k] = xstrdup(parent->text[k]);
	ids_add(&id, row);
	int last = -1;
	for (int i = 0; i < row->nkids; i++) {
		const struct node *k = row->kids[i];
		if (k->kind == K_NOTES) {
			add_notes(t, &id, NULL, k);
			continue;
		}
		if (k->kind == K_MAP && k->f.label) {
			/* A side table row: the identifying cells, then the map's. */
			struct side *s = side_for(t, k->f.label);
			struct lrow *sr = layout_row(&s->L);
			int c = 0;
			for (int x = 0; x < id.n; x++) {
				struct node tmp = { .f = { .label = id.label[x] } };
				c = layout_col(&s->L, &tmp);
				lrow_set(sr, c, xstrdup(id.text[x]));
			}
			if (id.n > s->nid)
				s->nid = id.n;
			for (int x = 0; x < k->nkids; x++) {
				const struct node *m = k->kids[x];
				if (m->kind == K_NOTES) {
					add_notes(t, &id, k->f.key, m);
					continue;
				}
				if (m->kind != K_SCALAR || !table_visible(m))
					continue;
				struct strbuf sb = STRBUF_INIT;
				table_cell(&sb, m);
				c = layout_col(&s->L, m);
				sr = &s->L.rows[s->L.nrows - 1];
				lrow_set(sr, c, sb_detach(&sb));
			}
			continue;
		}
		if (k->kind == K_TABLE)
			continue; /* child rows, below */
		if (!table_visible(k) && !(k->f.flags & OUT_ATTACH))
			continue;
		if (k->kind != K_SCALAR && k->kind != K_LIST)
			continue;
		r = &L->rows[ri];
		struct strbuf sb = STRBUF_INIT;
		if (k->kind == K_LIST)
			list_cell(&sb, k, 1, ", ");
		else
			table_cell(&sb, k);
		if (k->f.flags & OUT_ATTACH) {
			/* After the previous cell, unless there is nothing to add. */
			int empty = k->vt == V_INTERVAL && !k->ci.lo_defined && !k->ci.hi_defined;
			if (last >= 0 && !empty && last < r->ncell && r->cell[last]) {
				char *joined = xasprintf("%s %s", r->cell[last], sb_str(&sb));
				lrow_set(r, last, joined);
			}
			sb_free(&sb);
			continue;
		}
		last = layout_col(L, k);
		lrow_set(r, last, sb_detach(&sb));
	}
	for (int i = 0; i < row->nkids; i++) {
		const struct node *k = row->kids[i];
		if (k->kind != K_TABLE)
			continue;
		for (int x = 0; x < k->nkids; x++)
			if (k->kids[x]->kind == K_ROW)
				layout_add_row(t, L, k->kids[x], &id, 1);
	}
	ids_free(&id);
}

/* Prints the columns of L whose part is `part` (identifying columns in
 * every part); returns how many non-identifying columns it had. The cells
 * are already escaped; on the last part they are handed to the table
 * rather than copied (take), which leaves L's rows empty. */
static int layout_print(struct layout *L, int part, FILE *f, int take)
{
	int *cols = xcalloc((size_t)L->ncol + 1, sizeof(int));
	int n = 0, own = 0;
	for (int c = 0; c < L->ncol; c++) {
		int p = (L->flags[c] & OUT_PART2) ? 2 : 1;
		if (L->flags[c] & OUT_ID) {
			cols[n++] = c;
		} else if (p == part) {
			cols[n++] = c;
			own++;
		}
	}
	if (own) {
		const char **head = xcalloc((size_t)n + 1, sizeof(char *));
		for (int i = 0; i < n; i++)
			head[i] = L->col[cols[i]];
		struct table *t = table_new(n, head);
		const char **cells = xcalloc((size_t)n + 1, sizeof(char *));
		for (int r = 0; r < L->nrows; r++) {
			struct lrow *row = &L->rows[r];
			if (take) {
				char **own_cells = xcalloc((size_t)n + 1, sizeof(char *));
				for (int i = 0; i < n; i++) {
					int c = cols[i];
					if (c < row->ncell) {
						own_cells[i] = row->cell[c];
						row->cell[c] = NULL;
					}
				}
				table_add_owned(t, own_cells);
				continue;
			}
			for (int i = 0; i < n; i++) {
				int c = cols[i];
				cells[i] = c < row->ncell && row->cell[c] ? row->cell[c] : "";
			}
			table_add(t, cells);
		}
		table_print(t, f);
		table_free(t);
		free(head);
		free(cells);
	}
	free(cols);
	return own;
}

/* Prints a laid-out table (its title, both parts, its side tables) and
 * frees the layout. */
static void print_layout(struct tctx *t, const char *label, struct layout *L, FILE *f)
{
	if (label && L->nrows)
		fprintf(f, "%s\n", label);
	int has2 = 0;
	for (int c = 0; c < L->ncol; c++)
		if ((L->flags[c] & OUT_PART2) && !(L->flags[c] & OUT_ID))
			has2 = 1;
	layout_print(L, 1, f, !has2);
	if (has2) {
		fputc('\n', f);
		layout_print(L, 2, f, 1);
	}
	for (int i = 0; i < t->nsides; i++) {
		struct side *s = &t->sides[i];
		fprintf(f, "\n%s\n", s->title);
		layout_print(&s->L, 1, f, 1);
		layout_free(&s->L);
	}
	free(t->sides);
	t->sides = NULL;
	t->nsides = 0;
	layout_free(L);
	memset(L, 0, sizeof(*L));
}

/* Whether a table holds text (between its rows or in them): then that
 * text is its form in the table format. */
static int table_has_text(const struct node *n)
{
	for (int i = 0; i < n->nkids; i++) {
		const struct node *k = n->kids[i];
		if (k->kind == K_TEXT)
			return 1;
		for (int x = 0; k->kind == K_ROW && x < k->nkids; x++)
			if (k->kids[x]->kind == K_TEXT)
				return 1;
	}
	return 0;
}

/* A text that ends with a line break gets no other: a message shown
 * whole is written byte for byte (unless it holds controls). */
static void print_text(const struct node *k, FILE *f)
{
	struct strbuf sb = STRBUF_INIT;
	out_escape_terminal(&sb, k->s, 1);
	fputs(sb_str(&sb), f);
	if (!sb.len || sb.buf[sb.len - 1] != '\n')
		fputc('\n', f);
	sb_free(&sb);
}

static void print_table_node(struct tctx *t, const struct node *n, FILE *f)
{
	struct layout L = { 0 };
	struct ids none = { .n = 0 };
	if (n != t->stream && table_has_text(n)) {
		if (n->f.label)
			fprintf(f, "%s\n", n->f.label);
		for (int i = 0; i < n->nkids; i++) {
			const struct node *k = n->kids[i];
			if (k->kind == K_TEXT)
				print_text(k, f);
			for (int x = 0; k->kind == K_ROW && x < k->nkids; x++)
				if (k->kids[x]->kind == K_TEXT)
					print_text(k->kids[x], f);
		}
		return;
	}
	if (n == t->stream) {
		print_layout(t, n->f.label, t->stream_L, f);
		return;
	}
	for (int i = 0; i < n->nkids; i++)
		if (n->kids[i]->kind == K_ROW)
			layout_add_row(t, &L, n->kids[i], &none, 0);
	print_layout(t, n->f.label, &L, f);
}

/* Consecutive labelled scalars of a map, as an aligned two-column block;
 * an OUT_ATTACH item is appended to the line before it. */
static void print_block(const struct node *const *items, int n, const char *indent, FILE *f)
{
	int w = 0;
	for (int i = 0; i < n; i++) {
		int lw = items[i]->f.label ? utf8_width(items[i]->f.label) : 0;
		if (lw > w)
			w = lw;
	}
	for (int i = 0; i < n; i++) {
		if (!items[i]->f.label)
			continue;
		struct strbuf sb = STRBUF_INIT;
		if (items[i]->kind == K_LIST)
			list_cell(&sb, items[i], 1, ", ");
		else
			table_cell(&sb, items[i]);
		for (int k = i + 1; k < n && !items[k]->f.label; k++) {
			const struct node *a = items[k];
			if (a->vt == V_INTERVAL && !a->ci.lo_defined && !a->ci.hi_defined)
				continue;
			sb_addc(&sb, ' ');
			table_cell(&sb, a);
		}
		fprintf(f, "%s%s%*s  %s\n", indent, items[i]->f.label,
			w - utf8_width(items[i]->f.label), "", sb_str(&sb));
		sb_free(&sb);
	}
}

static void print_map_items(struct tctx *t, const struct node *m, const char *indent, FILE *f)
{
	const struct node **run = xcalloc((size_t)m->nkids + 1, sizeof(*run));
	int nrun = 0;
	for (int i = 0; i <= m->nkids; i++) {
		const struct node *k = i < m->nkids ? m->kids[i] : NULL;
		int scalar = k && (k->kind == K_SCALAR || k->kind == K_LIST) &&
			     (table_visible(k) || ((k->f.flags & OUT_ATTACH) && nrun));
		if (scalar) {
			run[nrun++] = k;
			continue;
		}
		/* A value not shown in tables does not break a block. */
		if (k && (k->kind == K_SCALAR || k->kind == K_LIST))
			continue;
		if (nrun) {
			print_block(run, nrun, indent, f);
			nrun = 0;
		}
		if (!k)
			break;
		switch (k->kind) {
		case K_TEXT: print_text(k, f); break;
		case K_NOTES: {
			struct ids none = { .n = 0 };
			add_notes(t, &none, NULL, k);
			break;
		}
		case K_MAP:
		case K_ROW:
			if (k->joined)
				break; /* printed in the table it joined */
			if (k->f.label) {
				fprintf(f, "%s%s\n", indent, k->f.label);
				char *deeper = xasprintf("%s  ", indent);
				print_map_items(t, k, deeper, f);
				free(deeper);
			} else {
				print_map_items(t, k, indent, f);
			}
			break;
		case K_TABLE:
			print_table_node(t, k, f);
			break;
		default: break;
		}
	}
	free(run);
}

static void render_table(struct out *o)
{
	struct tctx t = { .notes = &o->notes, .stream = o->stream, .stream_L = &o->sL };
	print_map_items(&t, o->root, "", o->f);
	if (o->notes.text.len)
		fprintf(o->f, "Notes:\n%s", sb_str(&o->notes.text));
}

/* ---- Rendering: CSV ---- */

/* The column names of a scalar: its key, or for an interval the key
 * without "_ci" and "_lo" / "_hi". */
static void csv_names(const struct node *n, char *lo, char *hi, size_t len)
{
	const char *k = n->f.key;
	const char *ci = strstr(k, "_ci");
	int head = ci && (ci[3] == '\0' || ci[3] == '_') ? (int)(ci - k) : (int)strlen(k);
	const char *tail = head < (int)strlen(k) ? ci + 3 : "";
	snprintf(lo, len, "%.*s%s_lo", head, k, tail);
	snprintf(hi, len, "%.*s%s_hi", head, k, tail);
}

struct crow {
	char **key; /* column names, owned */
	char **val; /* cell texts (NULL: empty), owned */
	char *num;  /* 1: the cell is a number we formatted (written as one, not as text) */
	int n, cap;
};

static void crow_set(struct crow *r, const char *key, const char *val, int num)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->key[i], key)) {
			free(r->val[i]);
			r->val[i] = val ? xstrdup(val) : NULL;
			r->num[i] = (char)num;
			return;
		}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 32;
		r->key = xrealloc(r->key, (size_t)r->cap * sizeof(char *));
		r->val = xrealloc(r->val, (size_t)r->cap * sizeof(char *));
		r->num = xrealloc(r->num, (size_t)r->cap);
	}
	r->key[r->n] = xstrdup(key);
	r->num[r->n] = (char)num;
	r->val[r->n++] = val ? xstrdup(val) : NULL;
}

static void crow_free(struct crow *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->key[i]);
		free(r->val[i]);
	}
	free(r->key);
	free(r->val);
	free(r->num);
	memset(r, 0, sizeof(*r));
}

struct csvdoc {
	struct crow *rows;
	int nrows, cap;
	char **head;
	int nhead, caphead;
};

static void csv_head(struct csvdoc *d, const char *key)
{
	for (int i = 0; i < d->nhead; i++)
		if (!strcmp(d->head[i], key))
			return;
	if (d->nhead == d->caphead) {
		d->caphead = d->caphead ? 2 * d->caphead : 32;
		d->head = xrealloc(d->head, (size_t)d->caphead * sizeof(char *));
	}
	d->head[d->nhead++] = xstrdup(key);
}

/* The cells of the scalars of m (a row or a map inside one) into r. */
static void csv_fill(struct crow *r, const struct node *m)
{
	for (int i = 0; i < m->nkids; i++) {
		const struct node *k = m->kids[i];
		if ((k->f.flags & OUT_NO_CSV) || !k->f.key || k->kind == K_TEXT)
			continue;
		char buf[40];
		if (k->kind == K_MAP || k->kind == K_ROW) {
			csv_fill(r, k);
		} else if (k->kind == K_NOTES) {
			struct strbuf sb = STRBUF_INIT;
			for (int x = 0; x < k->nnotes; x++)
				sb_addf(&sb, "%s%s", x ? "; " : "", k->notes[x]);
			crow_set(r, k->f.key, sb_str(&sb), 0);
			sb_free(&sb);
		} else if (k->kind == K_LIST) {
			struct strbuf sb = STRBUF_INIT;
			list_cell(&sb, k, 0, ";");
			crow_set(r, k->f.key, sb_str(&sb), 0);
			sb_free(&sb);
		} else if (k->kind == K_SCALAR && k->vt == V_INTERVAL) {
			char lo[128], hi[128], b2[40];
			csv_names(k, lo, hi, sizeof(lo));
			crow_set(r, lo, k->ci.lo_defined ? out_fmt_machine(buf, sizeof(buf), k->ci.lo) : NULL, 1);
			crow_set(r, hi, k->ci.hi_defined ? out_fmt_machine(b2, sizeof(b2), k->ci.hi) : NULL, 1);
		} else if (k->kind == K_SCALAR) {
			crow_set(r, k->f.key, vt_machine(k, buf, sizeof(buf)), !is_text(k));
		}
	}
}

static void csv_rows(struct csvdoc *d, const struct node *row, const struct crow *parent)
{
	if (d->nrows == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 16;
		d->rows = xrealloc(d->rows, (size_t)d->cap * sizeof(*d->rows));
	}
	struct crow *r = &d->rows[d->nrows++];
	memset(r, 0, sizeof(*r));
	for (int i = 0; parent && i < parent->n; i++)
		crow_set(r, parent->key[i], parent->val[i], parent->num[i]);
	csv_fill(r, row);
	for (int i = 0; i < r->n; i++)
		csv_head(d, r->key[i]);
	/* What child rows inherit: the identifying cells. */
	struct crow ids = { 0 };
	for (int i = 0; parent && i < parent->n; i++)
		crow_set(&ids, parent->key[i], parent->val[i], parent->num[i]);
	for (int i = 0; i < row->nkids; i++) {
		const struct node *k = row->kids[i];
		if (k->kind == K_SCALAR && (k->f.flags & OUT_ID) && k->f.key &&
		    !(k->f.flags & OUT_NO_CSV)) {
			char buf[40];
			crow_set(&ids, k->f.key, vt_machine(k, buf, sizeof(buf)), !is_text(k));
		}
	}
	for (int i = 0; i < row->nkids; i++) {
		const struct node *k = row->kids[i];
		if (k->kind == K_TABLE && !(k->f.flags & OUT_NO_CSV))
			for (int x = 0; x < k->nkids; x++)
				if (k->kids[x]->kind == K_ROW)
					csv_rows(d, k->kids[x], &ids);
	}
	crow_free(&ids);
}

static const struct node *first_table(const struct node *m)
{
	for (int i = 0; i < m->nkids; i++) {
		const struct node *k = m->kids[i];
		if (k->kind == K_TABLE && !(k->f.flags & OUT_NO_CSV))
			return k;
		if (k->kind == K_MAP && !(k->f.flags & OUT_NO_CSV)) {
			const struct node *t = first_table(k);
			if (t)
				return t;
		}
	}
	return NULL;
}

/* One CSV line: the header's columns, each from the row's cell of that
 * name (empty when it has none). */
static void csv_line(struct strbuf *sb, char *const *head, int nhead, const struct crow *r)
{
	for (int i = 0; i < nhead; i++) {
		if (i)
			sb_addc(sb, ',');
		const char *v = NULL;
		int num = 0;
		for (int c = 0; r && c < r->n; c++)
			if (!strcmp(r->key[c], head[i])) {
				v = r->val[c];
				num = r->num[c];
			}
		/* Text from data is neutralised against spreadsheet formulas;
		 * a number we formatted stays a number. */
		if (!r)
			csv_quote(sb, head[i]);
		else if (num)
			csv_quote_number(sb, v);
		else
			csv_quote(sb, v);
	}
	sb_addc(sb, '\n');
}

static void render_csv(struct out *o)
{
	/* A streamed first table has been written row by row already. */
	if (o->stream && !o->csv_skip)
		return;
	struct csvdoc d = { 0 };
	const struct node *t = first_table(o->root);
	if (t) {
		for (int i = 0; i < t->nkids; i++)
			if (t->kids[i]->kind == K_ROW)
				csv_rows(&d, t->kids[i], NULL);
	} else {
		csv_rows(&d, o->root, NULL);
	}
	struct strbuf sb = STRBUF_INIT;
	csv_line(&sb, d.head, d.nhead, NULL);
	for (int r = 0; r < d.nrows; r++) {
		csv_line(&sb, d.head, d.nhead, &d.rows[r]);
		crow_free(&d.rows[r]);
	}
	fwrite(sb_str(&sb), 1, sb.len, o->f);
	sb_free(&sb);
	for (int i = 0; i < d.nhead; i++)
		free(d.head[i]);
	free(d.head);
	free(d.rows);
}

/* ---- Streamed tables ---- */

/* Renders one row of the streamed table and frees it. */
static void stream_row(struct out *o, struct node *row)
{
	switch (o->format) {
	case OUT_JSON:
		if (o->json_open)
			json_node(&o->j, row, 0);
		break;
	case OUT_CSV:
		if (!o->csv_skip) {
			struct crow r = { 0 };
			struct strbuf sb = STRBUF_INIT;
			csv_fill(&r, row);
			if (!o->csv_started) {
				o->csv_started = 1;
				o->nchead = r.n;
				o->chead = xcalloc((size_t)r.n + 1, sizeof(char *));
				for (int i = 0; i < r.n; i++)
					o->chead[i] = xstrdup(r.key[i]);
				csv_line(&sb, o->chead, o->nchead, NULL);
			}
			csv_line(&sb, o->chead, o->nchead, &r);
			fwrite(sb_str(&sb), 1, sb.len, o->f);
			sb_free(&sb);
			crow_free(&r);
		}
		break;
	default: {
		/* Laid out now; the labels of new columns are copied, since
		 * the row that named them is freed below. */
		struct ids none = { .n = 0 };
		int before = o->sL.ncol;
		layout_add_row(&o->st, &o->sL, row, &none, 0);
		if (o->sL.ncol > before) {
			o->stream_cols = xrealloc(o->stream_cols,
						  (size_t)o->sL.ncol * sizeof(char *));
			for (int c = before; c < o->sL.ncol; c++)
				o->sL.col[c] = o->stream_cols[o->nstream_cols++] =
					xstrdup(o->sL.col[c]);
		}
		break;
	}
	}
	o->stream->nkids--;
	node_free(row);
}

/* Rows that joined a table are owned by their map: unlink them before the
 * tree is freed. */
static void unlink_joined(struct node *n)
{
	if (n->kind == K_TABLE) {
		int k = 0;
		for (int i = 0; i < n->nkids; i++)
			if (n->kids[i]->parent == n)
				n->kids[k++] = n->kids[i];
		n->nkids = k;
	}
	for (int i = 0; i < n->nkids; i++)
		unlink_joined(n->kids[i]);
}

static void out_release(struct out *o)
{
	unlink_joined(o->root);
	node_free(o->root);
	layout_free(&o->sL);
	/* Side tables of a streamed table's rows (rows should be flat, but a
	 * map in one must not leak). */
	for (int i = 0; i < o->st.nsides; i++)
		layout_free(&o->st.sides[i].L);
	free(o->st.sides);
	for (int i = 0; i < o->nstream_cols; i++)
		free(o->stream_cols[i]);
	free(o->stream_cols);
	for (int i = 0; i < o->nchead; i++)
		free(o->chead[i]);
	free(o->chead);
	sb_free(&o->notes.text);
	for (int i = 0; i < o->nnames; i++)
		free(o->names[i]);
	free(o->names);
	free(o->from);
	free(o);
}

void out_discard(struct out *o)
{
	if (o)
		out_release(o);
}

/* A top-level table without a key: the JSON document is that array. */
static const struct node *bare_table(const struct node *root)
{
	for (int i = 0; i < root->nkids; i++) {
		const struct node *k = root->kids[i];
		if (k->kind == K_TABLE && !k->f.key && json_visible(k))
			return k;
	}
	return NULL;
}

static void render_json(struct out *o)
{
	if (o->json_open) {
		/* A streamed table: the rest of the document after it. */
		if (!o->json_bare) {
			for (int i = o->json_next; i < o->root->nkids; i++)
				if (json_visible(o->root->kids[i]))
					json_node(&o->j, o->root->kids[i], 1);
			json_obj_end(&o->j);
		}
		json_end(&o->j);
		return;
	}
	struct json j;
	json_init(&j, o->f, !o->compact);
	const struct node *bare = bare_table(o->root);
	json_node(&j, bare ? bare : o->root, 0);
	json_end(&j);
}

int out_free(struct out *o)
{
	if (!o)
		return CT_OK;
	switch (o->format) {
	case OUT_JSON: render_json(o); break;
	case OUT_CSV: render_csv(o); break;
	default: render_table(o); break;
	}
	int rc = fflush(o->f) != 0 || ferror(o->f) ? CT_EENV : CT_OK;
	out_release(o);
	return rc;
}
