/* table.h: aligned plain-text tables for human output. Cells are copied;
 * columns whose every body cell looks like a number are right-aligned. */
#ifndef CT_TABLE_H
#define CT_TABLE_H

#include <stdio.h>

struct table {
	int ncols;
	char **head;
	char ***rows;
	int nrows, cap;
};

struct table *table_new(int ncols, const char *const *head);
/* Adds a row of ncols cells; NULL cells print as "-". Control characters
 * and other text that could act on a terminal are escaped
 * (out_escape_terminal in io/out.h). */
void table_add(struct table *t, const char *const *cells);
/* Adds a row with printf-style cells given as ncols strings (convenience). */
void table_addv(struct table *t, ...);
/* Adds a row whose ncols cells the caller has already made fit for the
 * terminal (the output layer escapes every cell as it lays it out), taking
 * ownership of the array and of each cell (a NULL cell prints as
 * nothing): no copy, for long tables. */
void table_add_owned(struct table *t, char **cells);
void table_print(const struct table *t, FILE *out);
void table_free(struct table *t);

/* Display width of a UTF-8 string (code points; good enough for Latin
 * scripts, which is what names and labels are in). */
int utf8_width(const char *s);

#endif
