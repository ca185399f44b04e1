/* out.h: the output layer. A command describes its result once, to a
 * printer, and the printer renders it as an aligned table for people, as
 * JSON or as CSV: there is no "if (json) ... else ..." in a command.
 * Modelled on notmuch's sprinter (sprinter.h), with tables added.
 *
 * How a command uses it:
 *
 *   struct out *o = out_new(stdout, ctx->json ? OUT_JSON : csv ? OUT_CSV : OUT_TABLE);
 *   static const struct out_field F_N = { "n", "pairs", OUT_COUNT, 0 };
 *   out_int(o, &F_N, 42);                     JSON "n": 42; table "pairs  42"
 *   out_table_begin(o, &(struct out_field){ "groups", "By group" });
 *   for each group {
 *       out_row_begin(o, NULL);
 *       out_str(o, &F_GROUP, name);           F_GROUP has OUT_ID
 *       out_value(o, &F_RATE, defined, v);    a number that may be missing
 *       out_interval(o, &F_RATE_CI, &ci);     OUT_ATTACH: "[lo, hi]" after it
 *       out_notes(o, &F_NOTES, notes, n);     why values are missing
 *       out_row_end(o);
 *   }
 *   out_table_end(o);
 *   rc = out_free(o);                         renders; CT_EENV on a write error
 *
 * The document is a map. Within it: scalars, maps, lists of scalars, and
 * tables (lists of rows, each row a map). The printer keeps the document
 * until out_free and renders it then, so that the table format can size
 * its columns and CSV can write one header.
 *
 * A table begun at the top level with a NULL key is, in JSON, the whole
 * document: a bare array, the contract of commands that list things
 * (`names --json`, `listings list --json`); the document's other items are
 * then for the table format only (a title, prose).
 *
 * Long tables can be streamed (out_table_stream_begin): each row is
 * rendered when it ends and freed, so that memory does not grow with the
 * rows (see there).
 *
 * Rendering:
 * - JSON: the document as one pretty-printed object (or on one line after
 *   out_json_compact), keys in the order
 *   given; a table is an array of objects; a missing value is null. Numbers:
 *   counts (and any integral value below 1e15) as integers, any other
 *   number with 15 significant digits (DBL_DIG: the precision a double
 *   holds reliably, without binary noise such as 0.30000000000000004, and
 *   enough for the tests that hold the measures to R within 1e-12);
 *   non-finite numbers are null, never NaN or Infinity.
 * - TABLE: consecutive labelled scalars form an aligned "label  value"
 *   block; a map with a label is a titled block; a table is an aligned
 *   table with a header of its fields' labels (fields without a label are
 *   not shown), numbers right-aligned. A row's nested table adds child rows
 *   below it (their OUT_ID cells from the parent left blank); a keyed row
 *   (out_row_begin with a key) after a table joins that table; a labelled
 *   map inside a row becomes a row of a side table printed after the main
 *   one, with the row's identifying cells first. Columns flagged OUT_PART2
 *   go to a second table (with the identifying columns again), for tables
 *   too wide for one screen. Notes are gathered and printed at the end,
 *   each prefixed with the identifying cells of its row. Missing values
 *   read "n/a", or "n/a (why)" when a reason is given; never inf or nan.
 *   Control characters, C1 controls, bidi controls and invalid UTF-8 that
 *   come from data are escaped (\x1b, \u202e), so that a landlord's name
 *   cannot move the cursor or reorder a terminal line.
 * - CSV: the document's first table, one row per row (child rows repeat
 *   their parent's OUT_ID cells), the header the union of the fields'
 *   keys; a map inside a row is flattened into columns; an interval is two
 *   columns, its key without "_ci" plus "_lo" and "_hi"; notes are one cell
 *   joined by "; "; a missing value is an empty cell (NA). A document
 *   without a table is written as one row of its top-level scalars. Cells
 *   are quoted by csv_quote (RFC 4180, spreadsheet formulas neutralised).
 *
 * Units decide how a number is shown in the table format; JSON and CSV
 * always carry the full value (see above):
 *   OUT_COUNT     whole number
 *   OUT_FRACTION  0..1, shown as a percentage with one decimal ("42.9")
 *   OUT_PROB      a probability such as a power, 4 decimals ("0.8012")
 *   OUT_RATIO     3 decimals ("1.250")
 *   OUT_STAT      a test statistic, 3 decimals
 *   OUT_PVALUE    "<0.001" below 0.001, else 3 decimals ("0.042")
 *   OUT_REAL      4 significant digits
 *   OUT_AMOUNT    a sum (a rent, a price): whole numbers as such, else 2
 *                 decimals ("1250", "995.50")
 *   OUT_TEXT, OUT_BOOL for strings and yes/no.
 *
 * Ownership: the printer copies every string and field it is given;
 * callers may pass temporaries. out_free frees everything. Nothing here
 * exits; allocation failure aborts through xmalloc as everywhere else. */
#ifndef CT_OUT_H
#define CT_OUT_H

#include <stdio.h>

enum out_format { OUT_TABLE = 0, OUT_JSON = 1, OUT_CSV = 2 };

enum out_unit {
	OUT_TEXT = 0,
	OUT_COUNT,
	OUT_FRACTION,
	OUT_PROB,
	OUT_RATIO,
	OUT_STAT,
	OUT_PVALUE,
	OUT_REAL,
	OUT_AMOUNT,
	OUT_BOOL
};

/* Field flags. */
#define OUT_ID 1u      /* identifies its row (repeated in CSV child rows; prefixes notes) */
#define OUT_NO_JSON 2u /* not in JSON */
#define OUT_NO_CSV 4u  /* not in CSV */
#define OUT_PART2 8u   /* table format: in the second part of a wide table */
#define OUT_ATTACH 16u /* table format: appended to the previous cell ("12.5 [3.1, 20.0]") */
#define OUT_TABLE_ONLY (OUT_NO_JSON | OUT_NO_CSV)

/* What a value is called and how it is shown. key: the JSON key and CSV
 * column (NULL for an item of a list); label: the table header or block
 * label (NULL: not shown in the table format). */
struct out_field {
	const char *key;
	const char *label;
	enum out_unit unit;
	unsigned flags;
};

/* An interval; a bound whose flag is 0 is missing (e.g. infinite). */
struct out_interval {
	double lo, hi;
	int lo_defined, hi_defined;
};

struct out;

struct out *out_new(FILE *f, enum out_format format);
enum out_format out_format(const struct out *o);
/* JSON on one line instead of pretty-printed: for summary objects that
 * scripts read line by line (`compose --outbox --json`). */
void out_json_compact(struct out *o);
/* Renders the document, frees the printer, and returns CT_OK, or CT_EENV
 * when the stream reports a write error. */
int out_free(struct out *o);
/* Frees the printer without writing anything (the command failed). */
void out_discard(struct out *o);

/* Scalars. A NULL string is a missing value. */
void out_str(struct out *o, const struct out_field *f, const char *s);
void out_int(struct out *o, const struct out_field *f, long long v);
/* A number; a non-finite one is written as missing. */
void out_num(struct out *o, const struct out_field *f, double v);
void out_bool(struct out *o, const struct out_field *f, int v);
/* A missing value: null in JSON, empty in CSV, "n/a" or "n/a (why)" in
 * tables (why may be NULL; say why in the notes when the schema has room). */
void out_missing(struct out *o, const struct out_field *f, const char *why);
/* v when defined, else out_missing(o, f, NULL). */
void out_value(struct out *o, const struct out_field *f, int defined, double v);
/* JSON [lo, hi] (null for a missing bound; null when both are missing),
 * CSV two columns, table "[lo, hi]". */
void out_interval(struct out *o, const struct out_field *f, const struct out_interval *ci);
/* A list of strings explaining missing values or caveats: JSON array, CSV
 * one cell, table footnotes. */
void out_notes(struct out *o, const struct out_field *f, const char *const *notes, int n);
/* A value already serialised as JSON (an object the study stores as JSON
 * text, such as a persona's profile): written as is in JSON, where the
 * caller vouches that it is valid JSON; its text in a table or CSV cell. */
void out_raw_json(struct out *o, const struct out_field *f, const char *json);

/* Containers. f gives the key (and the label: the title of a block). */
void out_map_begin(struct out *o, const struct out_field *f);
void out_map_end(struct out *o);
/* A list of scalars (JSON array; one cell, items joined by ", ", in the
 * other formats); its items are given with a field whose key is NULL. */
void out_list_begin(struct out *o, const struct out_field *f);
void out_list_end(struct out *o);
void out_table_begin(struct out *o, const struct out_field *f);
/* A long table, rendered as its rows come: begun at the top level, each
 * row is written (JSON, CSV) or laid out (table format, which keeps only
 * the cells' text, to size the columns) when out_row_end closes it, and
 * then freed. In JSON what precedes the table in the document is written
 * when the table begins. The rows must be flat (scalars, lists, notes; no
 * nested tables or maps, no keyed rows joining it); CSV's header is the
 * first row's columns (every row must have the same fields; no rows, no
 * header); once rows are written out_discard cannot take them back.
 * Ended with out_table_end like any table. */
void out_table_stream_begin(struct out *o, const struct out_field *f);
void out_table_end(struct out *o);
/* Inside a table: f NULL. Outside: f names the row (JSON "key": {...});
 * in the other formats the row joins the table just ended. */
void out_row_begin(struct out *o, const struct out_field *f);
void out_row_end(struct out *o);

/* A line of prose for people: printed in the table format only, where it
 * stands in the document; data in it is escaped as in a cell, except that
 * line breaks and tabs are kept (it may span lines: a message shown
 * whole, byte for byte when it ends with a line break, since the line is
 * then not ended again). Inside a table (between rows, or in a row) the text is the
 * table's form for people: a table that holds text is printed in the
 * table format as its lines, in order, not as columns (compiler-style
 * "file:line: message" lists that editors read; one summary line per
 * group of rows). Not in streamed tables. */
void out_text(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The one place numbers become text. Table format by unit (see above);
 * "n/a" when !isfinite(v). Returns buf. */
const char *out_fmt_table(char *buf, size_t n, enum out_unit unit, double v);
/* JSON and CSV: integral values below 1e15 as integers, others with 15
 * significant digits; returns NULL when !isfinite(v) (null, NA). */
const char *out_fmt_machine(char *buf, size_t n, double v);
/* Appends s to sb with the characters that could act on a terminal
 * escaped: C0 controls and DEL as \xNN (line breaks and tabs too unless
 * prose is set), C1 controls and bidi/zero-width controls as \uNNNN,
 * invalid UTF-8 bytes as \xNN. */
struct strbuf;
void out_escape_terminal(struct strbuf *sb, const char *s, int prose);

#endif
