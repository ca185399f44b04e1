/* csv.h: an RFC 4180 reader for the files users bring (listings, response
 * logs): a header row, quoted or bare fields, "" escapes, delimiters and
 * line breaks inside quotes, CRLF or LF, an optional UTF-8 byte-order mark.
 * The delimiter is a comma, a semicolon or a tab (what Excel writes where
 * the comma is the decimal mark), guessed from the header or given.
 * Every error names the file, the physical line and the column (1-based,
 * counted in characters) where the problem is, and the line where its record
 * starts when that differs. Also a capped list of messages for importers
 * that report every bad value at once. */
#ifndef CT_CSV_H
#define CT_CSV_H

#include <stddef.h>

#include "base/util.h"

/* Limits on what a reader accepts. A real listings file or response log has
 * a dozen columns and short values; a header of a million columns or a
 * record of gigabytes is a broken or hostile file, and is refused with its
 * file and line instead of being held in memory. */
#define CSV_MAX_COLUMNS 1000
#define CSV_MAX_HEADER_BYTES (1u << 20) /* 1 MiB */
#define CSV_MAX_RECORD_BYTES (16u << 20) /* 16 MiB */

/* One record: field[i] is a NUL-terminated value (it may contain line
 * breaks); line[i] and col[i] say where field i starts (its opening quote
 * when quoted[i]). The values live in one buffer the record owns; a reader
 * reuses it from record to record. */
struct csv_record {
	char **field;
	int *line, *col;
	unsigned char *quoted;
	int n;          /* fields kept: all of them, or the header's count + 1 */
	int nfields;    /* fields the record has */
	int start_line; /* physical line where the record starts */
	int cap;
	struct strbuf data;
	size_t *off;
};

/* Where the last syntax error is (0 when none): the physical line and
 * column of the problem and the line on which its record starts. */
struct csv_pos {
	int line, col, rec_line;
};

/* A streaming reader: over a file, read in chunks through a small window
 * (csv_reader_open_file), or over a buffer the caller keeps alive
 * (csv_reader_open). Memory stays that of one record, whatever the size of
 * the file. */
struct csv_reader {
	const char *path; /* for messages; borrowed */
	int fd;           /* -1 over a buffer */
	void *spool;      /* a FILE * copy of a pipe, so that it can be read twice */
	char *win;        /* the window, owned when reading a file */
	const char *buf;  /* the bytes at hand: buf[pos..len) */
	size_t len, pos, cap;
	unsigned long long offset; /* file offset of buf[0] */
	int eof, io_errno;
	int line, col;
	int end_line, end_col; /* where the last record ended */
	char **head; /* header names, trimmed; owned */
	int ncols;
	struct csv_pos where;
	char delim;                  /* ',', ';' or '\t' once the header is read */
	unsigned char delim_guessed; /* 1 when delim was guessed from the header */
	unsigned char stop[128];     /* the bytes that end a bare field */
};

/* A delimiter as users name it (--delimiter): ",", ";", "tab" (or a tab
 * character), "comma", "semicolon". Returns the character, 0 if none. */
char csv_delim_parse(const char *s);
/* "comma-separated", "semicolon-separated, decimal comma" or
 * "tab-separated, decimal comma": how the reader reads the file, for a
 * command's output; static. */
const char *csv_dialect(const struct csv_reader *r);
/* 1 when the file's numbers may have a decimal comma: its delimiter is not
 * a comma (the reason a spreadsheet chose another separator). */
int csv_decimal_comma(const struct csv_reader *r);
/* A numeric value as the file writes it, with a decimal comma made a point
 * when the file may have decimal commas (csv_decimal_comma) and v is digits,
 * one comma and one or two digits ("1250,5" -> "1250.5"); else v unchanged
 * (a value still wrong is then refused by the column's own check). Returns
 * v or buf. */
const char *csv_number(const struct csv_reader *r, const char *v, char *buf, size_t n);

/* Reads the header row. Fails (CT_EINPUT) on an empty file, an empty or
 * duplicate (case-insensitive) column name, more than CSV_MAX_COLUMNS
 * columns, a header over CSV_MAX_HEADER_BYTES, or a syntax error. The
 * reader must be closed with csv_reader_close either way. */
int csv_reader_open(struct csv_reader *r, const char *path, const char *buf, size_t len,
		    struct ct_err *err);
/* The same with the delimiter given (0: guessed from the header, the
 * default of csv_reader_open and csv_reader_open_file). The guess is the
 * one of comma, semicolon and tab that the header has outside quotes; a
 * header with two of them is refused (CT_EINPUT) as ambiguous. */
int csv_reader_open_as(struct csv_reader *r, const char *path, const char *buf, size_t len,
		       char delim, struct ct_err *err);
/* The same over the file at path: a missing file or a folder is CT_EINPUT,
 * a read error CT_EENV. Input that is not a regular file (a pipe) is first
 * copied to an anonymous temporary file, so that it can be rewound. */
int csv_reader_open_file(struct csv_reader *r, const char *path, struct ct_err *err);
int csv_reader_open_file_as(struct csv_reader *r, const char *path, char delim,
			    struct ct_err *err);
/* Goes back to the first record of a file, for a second pass (an importer
 * that validates everything before it writes anything). CT_EINPUT when the
 * header is no longer the one read first (the file was changed). */
int csv_reader_rewind(struct csv_reader *r, struct ct_err *err);
/* The next record into rec (reset first, its buffers reused; free with
 * csv_record_free). *got is 0 at the end of the file. Blank lines between
 * records are skipped. A record with more or fewer fields than the header,
 * or over CSV_MAX_RECORD_BYTES, is an error. */
int csv_next(struct csv_reader *r, struct csv_record *rec, int *got, struct ct_err *err);
void csv_record_free(struct csv_record *rec);
void csv_reader_close(struct csv_reader *r);
/* Index of a header column by name (case-insensitive, trimmed), or -1. */
int csv_reader_col(const struct csv_reader *r, const char *name);
/* csv_check_columns (below) for a reader's header. */
int csv_reader_check_columns(const struct csv_reader *r, const char *const *known,
			     const char *const *required, int allow_unknown, struct ct_err *err);

/* A whole file, parsed. */
struct csv {
	char *path;
	char **head;
	int ncols;
	struct csv_record *rec;
	int nrec;
};

/* Parses buf whole (for small inputs and tests: importers stream with a
 * reader); on a syntax error fills *where (if not NULL) and err. The
 * result (caller frees with csv_free) is NULL on failure. */
int csv_parse(const char *path, const char *buf, size_t len, struct csv **out,
	      struct csv_pos *where, struct ct_err *err);
void csv_free(struct csv *c);

/* Index of a header column by name (case-insensitive, trimmed), or -1. */
int csv_col(const struct csv *c, const char *name);
/* Checks the header against the columns a caller knows (NULL-terminated):
 * a column not in known is an error unless allow_unknown (a typo must not
 * be ignored), and every name in required must be present. */
int csv_check_columns(const struct csv *c, const char *const *known,
		      const char *const *required, int allow_unknown, struct ct_err *err);

/* A value for a message: whole if it fits in n bytes, else cut at a
 * character boundary with "..." (a 5 MB field must not become a 5 MB
 * message). Returns buf. */
#define CSV_SHORT 84
const char *csv_short(const char *s, char *buf, size_t n);

/* Messages of the form "FILE:LINE: column NAME: what", given in any order
 * and listed by line (stable within a line), up to max; one closing line
 * says how many more there were. */
struct csv_err_item {
	int line, seq;
	char *text;
};
struct csv_errs {
	struct csv_err_item *item;
	int n;          /* every message added, shown or not */
	int kept, cap;  /* messages held: the first max by line, and a few more */
	int max;
	struct strbuf text;
};
void csv_errs_init(struct csv_errs *e, int max);
void csv_errs_add(struct csv_errs *e, const char *path, int line, const char *column,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The same for a message about a character: "FILE:LINE:COL: column NAME: what". */
void csv_errs_add_at(struct csv_errs *e, const char *path, int line, int col,
		     const char *column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* A message already formatted (a syntax error from the reader), for line. */
void csv_errs_add_text(struct csv_errs *e, int line, const char *text);
/* An importer's reading ended with rc: when it is a syntax error (CT_EINPUT,
 * in err) after value errors were collected, the syntax error joins the
 * list and err becomes the summary "N errors in PATH (reading stopped at
 * line L); nothing was imported". Returns rc. */
int csv_errs_reading_stopped(struct csv_errs *e, const struct csv_reader *r, const char *path,
			     int rc, struct ct_err *err);
/* The messages, one per line, each ending with a newline; borrowed. The
 * first max by line are shown: an error found late (a pair check) on an
 * early line still comes first. Only those are held in memory (a file with
 * a million bad rows costs max messages, not a million). */
const char *csv_errs_text(struct csv_errs *e);
void csv_errs_free(struct csv_errs *e);

/* Appends text v to sb as one CSV field (RFC 4180): quoted, with quotes
 * doubled, when it holds a comma, a quote or a line break; nothing for NULL
 * (an empty cell). Text that a spreadsheet would run as a formula, a value
 * starting with =, +, -, @, a tab or a carriage return (OWASP's list: a
 * landlord named =HYPERLINK("http://x","y")), is neutralised as
 * spreadsheet users expect: prefixed with a single quote and quoted, so
 * that Excel and LibreOffice show it as text. Every writer of text cells
 * uses this (export, stats --csv, the output layer).
 * A number is not text: write numeric cells with csv_quote_number, or
 * -0.25 would become '-0.25. */
void csv_quote(struct strbuf *sb, const char *v);
/* Appends a numeric cell: v unchanged when it is a plain number as a
 * program formatted it (an optional sign, digits, a point, an exponent;
 * finite), so that -0.25 stays a number for R, Python and spreadsheets.
 * Anything else (a formula smuggled in as a "number") goes through
 * csv_quote. NULL writes nothing (an empty cell, NA). */
void csv_quote_number(struct strbuf *sb, const char *v);

/* The column, in characters from 1, at which byte off of field i of rec
 * starts in the file: after the field's opening quote, and counting each
 * quote inside a quoted field twice, as the file writes it. For messages
 * about a character inside a value. */
int csv_field_col(const struct csv_record *rec, int i, size_t off);

#endif
