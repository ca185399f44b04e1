/* table.c: aligned plain-text tables. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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
	for (int i = 0; i < t->ncols; i++)
		row[i] = xstrdup(cells[i] ? cells[i] : "-");
	t->rows[t->nrows++] = row;
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

/* A number, a percentage or an interval "[lo, hi]": these are right-aligned.
 * A phone number ("+32 460 ...") or a date is text. */
static int looks_numeric(const char *s)
{
	if (!*s || !strcmp(s, "-"))
		return 1; /* placeholders do not decide alignment */
	const char *p = s;
	int interval = *p == '[';
	if (interval)
		p++;
	if (*p == '-')
		p++;
	int digits = 0;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.' || *p == '%' || *p == 'e' || (*p == '-' && p[-1] == 'e'))
			continue;
		else if (interval && (*p == ',' || *p == ' ' || *p == ']' || *p == '-'))
			continue;
		else
			return 0;
	}
	return digits > 0;
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
