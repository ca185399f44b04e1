/* table.c: aligned plain-text tables. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "io/out.h"
#include "io/table.h"
#include "base/util.h"
#include "base/banned.h"

struct table *table_new(int ncols, const char *const *head)
{
	struct table *t = xcalloc(1, sizeof(*t));
	t->ncols = ncols;
	t->head = xcalloc((size_t)ncols, sizeof(char *));
	for (int i = 0; i < ncols; i++)
		t->head[i] = xstrdup(head[i]);
	return t;
}

void table_add(struct table *t, const char *const *cells)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->rows = xrealloc(t->rows, (size_t)t->cap * sizeof(*t->rows));
	}
	char **row = xcalloc((size_t)t->ncols, sizeof(char *));
	for (int i = 0; i < t->ncols; i++) {
		/* Cells often come from data (names, subjects, areas): nothing in
		 * them may act on the terminal. */
		struct strbuf sb = STRBUF_INIT;
		out_escape_terminal(&sb, cells[i] ? cells[i] : "-", 0);
		row[i] = sb_detach(&sb);
	}
	t->rows[t->nrows++] = row;
}

void table_add_owned(struct table *t, char **cells)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->rows = xrealloc(t->rows, (size_t)t->cap * sizeof(*t->rows));
	}
	for (int i = 0; i < t->ncols; i++)
		if (!cells[i])
			cells[i] = xstrdup("");
	t->rows[t->nrows++] = cells;
}

void table_addv(struct table *t, ...)
{
	const char **cells = xcalloc((size_t)t->ncols, sizeof(char *));
	va_list ap;
	va_start(ap, t);
	for (int i = 0; i < t->ncols; i++)
		cells[i] = va_arg(ap, const char *);
	va_end(ap);
	table_add(t, cells);
	free(cells);
}

int utf8_width(const char *s)
{
	int w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

/* One number as the output layer writes it: an optional '<' or '-',
 * digits with a decimal point, an exponent or a percent sign. */
static int number_token(const char *p, size_t n)
{
	size_t i = 0;
	int digits = 0;
	if (i < n && (p[i] == '<' || p[i] == '-'))
		i++;
	for (; i < n; i++) {
		char c = p[i];
		if (c >= '0' && c <= '9')
			digits++;
		else if (c == '.' || c == '%' || (c == 'e' && digits) ||
			 ((c == '-' || c == '+') && i > 0 && p[i - 1] == 'e'))
			continue;
		else
			return 0;
	}
	return digits > 0;
}

/* A number, a percentage, a p-value such as "<0.001", an estimate with its
 * interval "42.9 [12.3, 65.0]" (a bound may be "n/a"): these are
 * right-aligned. A phone number ("+32 460 ...") or a date is text. An empty
 * cell, "-" or "n/a ..." does not decide the alignment. */
static int looks_numeric(const char *s)
{
	if (!*s || !strcmp(s, "-") || !strncmp(s, "n/a", 3))
		return 1;
	int numbers = 0;
	const char *p = s;
	while (*p) {
		if (*p == ' ' || *p == ',' || *p == '[' || *p == ']') {
			p++;
			continue;
		}
		size_t n = strcspn(p, " ,[]");
		if (n == 3 && !strncmp(p, "n/a", 3))
			;
		else if (number_token(p, n))
			numbers++;
		else
			return 0;
		p += n;
	}
	return numbers > 0;
}

void table_print(const struct table *t, FILE *out)
{
	int *w = xcalloc((size_t)t->ncols, sizeof(int));
	int *right = xcalloc((size_t)t->ncols, sizeof(int));
	for (int c = 0; c < t->ncols; c++) {
		w[c] = utf8_width(t->head[c]);
		right[c] = t->nrows > 0;
		for (int r = 0; r < t->nrows; r++) {
			int cw = utf8_width(t->rows[r][c]);
			if (cw > w[c])
				w[c] = cw;
			if (!looks_numeric(t->rows[r][c]))
				right[c] = 0;
		}
	}
	for (int r = -1; r < t->nrows; r++) {
		char **cells = r < 0 ? t->head : t->rows[r];
		for (int c = 0; c < t->ncols; c++) {
			int pad = w[c] - utf8_width(cells[c]);
			int last = c == t->ncols - 1;
			if (right[c])
				fprintf(out, "%*s%s", pad, "", cells[c]);
			else
				fprintf(out, "%s%*s", cells[c], last ? 0 : pad, "");
			if (!last)
				fputs("  ", out);
		}
		fputc('\n', out);
	}
	free(w);
	free(right);
}

void table_free(struct table *t)
{
	if (!t)
		return;
	for (int r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++)
			free(t->rows[r][c]);
		free(t->rows[r]);
	}
	for (int c = 0; c < t->ncols; c++)
		free(t->head[c]);
	free(t->head);
	free(t->rows);
	free(t);
}
