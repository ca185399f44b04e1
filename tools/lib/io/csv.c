/* csv.c: the RFC 4180 reader of csv.h, streaming, with positions in every
 * error, and the capped message list importers use to report all bad
 * values. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/csv.h"
#include "base/banned.h"

/* The window a file is read through: large enough that a read(2) costs
 * little per byte, small enough not to matter. */
#define WINDOW (256u << 10)

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

/* Moves the unread bytes to the start of the window and reads more; sets
 * eof at the end of the file (or on a read error, kept in io_errno). */
static void fill(struct csv_reader *r)
{
	if (r->eof)
		return;
	size_t keep = r->len - r->pos;
	memmove(r->win, r->win + r->pos, keep);
	r->offset += r->pos;
	r->pos = 0;
	r->len = keep;
	while (r->len < r->cap) {
		ssize_t got = read(r->fd, r->win + r->len, r->cap - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r->io_errno = errno;
			r->eof = 1;
			break;
		}
		if (got == 0) {
			r->eof = 1;
			break;
		}
		r->len += (size_t)got;
		break;
	}
	r->buf = r->win;
}

/* Bytes at hand from pos, after reading until need are (or the file ends). */
static size_t avail(struct csv_reader *r, size_t need)
{
	while (r->len - r->pos < need && !r->eof)
		fill(r);
	return r->len - r->pos;
}

/* The byte at pos + k, or -1 past the end of the file. */
static int peek(struct csv_reader *r, size_t k)
{
	if (avail(r, k + 1) <= k)
		return -1;
	return (unsigned char)r->buf[r->pos + k];
}

static unsigned long long here(const struct csv_reader *r)
{
	return r->offset + r->pos;
}

static int read_error(struct csv_reader *r, struct ct_err *err)
{
	return ct_fail(err, CT_EENV, "%s: read error: %s", r->path, strerror(r->io_errno));
}

/* The header name of field i, for messages. */
static const char *field_name(const struct csv_reader *r, int i)
{
	return r->head && i < r->ncols ? r->head[i] : NULL;
}

/* Records a syntax error at line:col of the record starting at rec_line
 * (or the read error that made the file look cut short). */
static int syntax(struct csv_reader *r, struct ct_err *err, int line, int col, int rec_line,
		  int field, const char *what)
{
	if (r->io_errno)
		return read_error(r, err);
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

/* Empties rec for the next record, keeping its buffers. */
static void rec_reset(struct csv_record *rec)
{
	rec->n = rec->nfields = 0;
	sb_reset(&rec->data);
}

/* Ends the field held in rec->data from offset start: kept as field n, or
 * only counted once the record has more fields than keep. */
static void rec_push(struct csv_record *rec, size_t start, int line, int col, int quoted,
		     int keep)
{
	rec->nfields++;
	if (rec->n >= keep) {
		rec->data.len = start;
		rec->data.buf[start] = '\0';
		return;
	}
	if (rec->n == rec->cap) {
		rec->cap = rec->cap ? rec->cap * 2 : 16;
		rec->field = xrealloc(rec->field, sizeof(char *) * (size_t)rec->cap);
		rec->off = xrealloc(rec->off, sizeof(size_t) * (size_t)rec->cap);
		rec->line = xrealloc(rec->line, sizeof(int) * (size_t)rec->cap);
		rec->col = xrealloc(rec->col, sizeof(int) * (size_t)rec->cap);
		rec->quoted = xrealloc(rec->quoted, (size_t)rec->cap);
	}
	sb_add(&rec->data, "", 1); /* the field's NUL; the buffer keeps its own after it */
	rec->off[rec->n] = start;
	rec->line[rec->n] = line;
	rec->col[rec->n] = col;
	rec->quoted[rec->n] = (unsigned char)quoted;
	rec->n++;
}

/* Points field[] into the data buffer, once it no longer moves. */
static void rec_finish(struct csv_record *rec)
{
	for (int i = 0; i < rec->n; i++)
		rec->field[i] = rec->data.buf + rec->off[i];
}

void csv_record_free(struct csv_record *rec)
{
	free(rec->field);
	free(rec->off);
	free(rec->line);
	free(rec->col);
	free(rec->quoted);
	sb_free(&rec->data);
	memset(rec, 0, sizeof(*rec));
}

/* Appends the character at pos to d and moves past it; a NUL or invalid
 * UTF-8 is an error (CT_EINPUT). */
static int take_char(struct csv_reader *r, struct strbuf *d, int rec_line, int field,
		     struct ct_err *err)
{
	unsigned char c = (unsigned char)r->buf[r->pos];
	if (c == 0)
		return syntax(r, err, r->line, r->col, rec_line, field, "a NUL byte");
	size_t n = seq_len(c);
	if (n == 0 || avail(r, n) < n || !utf8_check(r->buf + r->pos, n, NULL)) {
		char what[96];
		snprintf(what, sizeof(what), "invalid UTF-8 (byte 0x%02X; save the file as UTF-8)", c);
		return syntax(r, err, r->line, r->col, rec_line, field, what);
	}
	sb_add(d, r->buf + r->pos, n);
	r->pos += n;
	r->col++;
	return CT_OK;
}

/* The ASCII bytes that end a run of plain characters: in a quoted field
 * (the quote, a line break, NUL) and in a bare one (also the comma and CR). */
static const unsigned char stop_quoted[128] = { [0] = 1, ['"'] = 1, ['\n'] = 1 };
/* (A bare field also stops at the reader's delimiter: r->stop is this table
 * with the delimiter added.) */
static const unsigned char stop_bare[128] = { [0] = 1, ['"'] = 1, ['\n'] = 1, ['\r'] = 1 };

/* Adds the run of plain ASCII bytes at pos (none of stop, no byte of 0x80
 * or more) to d in one go; returns how many. */
static size_t take_run(struct csv_reader *r, struct strbuf *d, const unsigned char *stop)
{
	const unsigned char *p = (const unsigned char *)r->buf + r->pos;
	const unsigned char *e = (const unsigned char *)r->buf + r->len, *q = p;
	while (q < e && *q < 0x80 && !stop[*q])
		q++;
	size_t n = (size_t)(q - p);
	if (n) {
		sb_add(d, (const char *)p, n);
		r->pos += n;
		r->col += (int)n;
	}
	return n;
}

/* Parses one record starting at pos (not at the end of the file) into rec.
 * A header keeps up to CSV_MAX_COLUMNS + 1 fields; a record up to keep. */
static int parse_record(struct csv_reader *r, struct csv_record *rec, int keep,
			struct ct_err *err)
{
	int header = !r->head, rec_line = r->line;
	unsigned long long start = here(r);
	unsigned long long max = header ? CSV_MAX_HEADER_BYTES : CSV_MAX_RECORD_BYTES;
	struct strbuf *d = &rec->data;
	rec_reset(rec);
	rec->start_line = rec_line;
	for (;;) {
		int fline = r->line, fcol = r->col, field = rec->nfields, quoted = 0;
		size_t fstart = d->len;
		sb_add(d, "", 0); /* an empty field is "", not NULL */
		if (peek(r, 0) == '"') {
			quoted = 1;
			r->pos++;
			r->col++;
			for (;;) {
				if (here(r) - start > max)
					goto too_long;
				if (avail(r, 1) == 0)
					return syntax(r, err, fline, fcol, rec_line, field,
						      "unterminated quoted field: no closing quote "
						      "before the end of the file");
				if (take_run(r, d, stop_quoted))
					continue;
				char c = r->buf[r->pos];
				if (c == '"') {
					if (peek(r, 1) == '"') {
						sb_addc(d, '"');
						r->pos += 2;
						r->col += 2;
						continue;
					}
					r->pos++;
					r->col++;
					break;
				}
				if (c == '\n') {
					sb_addc(d, c);
					r->pos++;
					r->line++;
					r->col = 1;
					continue;
				}
				int rc = take_char(r, d, rec_line, field, err);
				if (rc)
					return rc;
			}
			int c = peek(r, 0);
			if (c >= 0 && c != r->delim && c != '\n' && !(c == '\r' && peek(r, 1) == '\n'))
				return syntax(r, err, r->line, r->col, rec_line, field,
					      "characters after the closing quote (a field is quoted "
					      "as a whole, with \"\" for a quote inside it)");
		} else {
			for (;;) {
				if (here(r) - start > max)
					goto too_long;
				if (avail(r, 1) == 0)
					break;
				if (take_run(r, d, r->stop))
					continue;
				char c = r->buf[r->pos];
				if (c == r->delim || c == '\n')
					break;
				if (c == '\r') {
					if (peek(r, 1) == '\n')
						break;
					return syntax(r, err, r->line, r->col, rec_line, field,
						      "a carriage return that does not end a line (CR "
						      "alone ends lines in old Mac files: save the file "
						      "as CSV UTF-8, or quote the field)");
				}
				if (c == '"')
					return syntax(r, err, r->line, r->col, rec_line, field,
						      "a quote inside an unquoted field (quote the "
						      "whole field and double the quote: \"a \"\"b\"\"\")");
				int rc = take_char(r, d, rec_line, field, err);
				if (rc)
					return rc;
			}
		}
		if (header && rec->nfields == CSV_MAX_COLUMNS) {
			char what[96];
			snprintf(what, sizeof(what), "more than %d columns; is this the right file?",
				 CSV_MAX_COLUMNS);
			return syntax(r, err, fline, fcol, rec_line, field, what);
		}
		rec_push(rec, fstart, fline, fcol, quoted, keep);
		r->end_line = r->line;
		r->end_col = r->col;
		int c = peek(r, 0);
		if (c < 0)
			break;
		if (c == r->delim) {
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
	if (r->io_errno)
		return read_error(r, err);
	rec_finish(rec);
	return CT_OK;
too_long:;
	char what[128];
	if (header)
		snprintf(what, sizeof(what), "longer than %u MiB; is this the right file?",
			 CSV_MAX_HEADER_BYTES >> 20);
	else
		snprintf(what, sizeof(what),
			 "the record is longer than %u MiB; is a closing quote missing?",
			 CSV_MAX_RECORD_BYTES >> 20);
	return syntax(r, err, r->line, r->col, rec_line, header ? -1 : rec->nfields, what);
}

/* Skips blank lines; returns 1 if a record follows. */
static int skip_blank(struct csv_reader *r)
{
	for (;;) {
		int c = peek(r, 0);
		if (c == '\n') {
			r->pos++;
		} else if (c == '\r' && peek(r, 1) == '\n') {
			r->pos += 2;
		} else {
			return c >= 0;
		}
		r->line++;
		r->col = 1;
	}
}

/* FNV-1a over the ASCII-folded name: header names compare ignoring case. */
static size_t hash_ci(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + 32);
		h = (h ^ c) * 1099511628211ULL;
	}
	return (size_t)h;
}

/* Checks the header's names: none empty, none twice (in linear time, with
 * a hash set: a wide header must not take quadratic time). */
static int check_names(struct csv_reader *r, const struct csv_record *h, struct ct_err *err)
{
	size_t cap = 16;
	while (cap < 2 * (size_t)h->n)
		cap *= 2;
	int *slot = xcalloc(cap, sizeof(int)); /* field index + 1, 0 when free */
	int rc = CT_OK;
	for (int i = 0; i < h->n && !rc; i++) {
		if (!h->field[i][0]) {
			r->where = (struct csv_pos){ h->line[i], h->col[i], h->start_line };
			rc = ct_fail(err, CT_EINPUT, "%s:%d:%d: header column %d has no name", r->path,
				     h->line[i], h->col[i], i + 1);
			break;
		}
		size_t j = hash_ci(h->field[i]) & (cap - 1);
		for (; slot[j]; j = (j + 1) & (cap - 1)) {
			int k = slot[j] - 1;
			if (!str_eq_ci(h->field[i], h->field[k]))
				continue;
			r->where = (struct csv_pos){ h->line[i], h->col[i], h->start_line };
			rc = ct_fail(err, CT_EINPUT,
				     "%s:%d:%d: column '%s' appears twice in the header "
				     "(columns %d and %d)",
				     r->path, h->line[i], h->col[i], h->field[i], k + 1, i + 1);
			break;
		}
		slot[j] = i + 1;
	}
	free(slot);
	return rc;
}

/* The name of a delimiter, for messages. */
static const char *delim_name(char d)
{
	return d == ';' ? "semicolon" : d == '\t' ? "tab" : "comma";
}

/* Guesses the delimiter from the header line (at pos, not consumed): the
 * one of comma, semicolon and tab that appears outside quotes. Excel saves
 * "CSV" with semicolons where the comma is the decimal mark (Belgium,
 * France), and a header never needs any of the three inside a name, so
 * one kind present is the answer and two kinds present is a file that
 * must be named (--delimiter). No separator at all is a one-column file,
 * read with commas. */
static int detect_delim(struct csv_reader *r, struct ct_err *err)
{
	int seen[3] = { 0, 0, 0 }, quoted = 0, c;
	static const char cand[3] = { ',', ';', '\t' };
	/* Only what the window holds can be looked at before it is parsed: a
	 * header longer than that is decided on its first 256 KiB (and is
	 * most likely refused as too wide anyway). */
	size_t limit = CSV_MAX_HEADER_BYTES;
	if (r->fd >= 0 && r->cap < limit)
		limit = r->cap;
	for (size_t k = 0; k < limit && (c = peek(r, k)) >= 0; k++) {
		if (c == '"')
			quoted = !quoted;
		else if (c == '\n' && !quoted)
			break;
		for (int i = 0; i < 3 && !quoted; i++)
			seen[i] += c == cand[i];
	}
	if (r->io_errno)
		return read_error(r, err);
	int kinds = !!seen[0] + !!seen[1] + !!seen[2];
	if (kinds > 1) {
		struct strbuf sb = STRBUF_INIT;
		for (int i = 0, n = 0; i < 3; i++)
			if (seen[i])
				sb_addf(&sb, "%s%ss", n++ ? " and " : "", delim_name(cand[i]));
		int rc = ct_fail(err, CT_EINPUT,
				 "%s:1: the header has %s outside quotes, so the separator is "
				 "ambiguous; name it with --delimiter (',', ';' or tab)",
				 r->path, sb_str(&sb));
		sb_free(&sb);
		r->where = (struct csv_pos){ 1, 1, 1 };
		return rc;
	}
	r->delim = ',';
	for (int i = 0; i < 3; i++)
		if (seen[i])
			r->delim = cand[i];
	r->delim_guessed = 1;
	return CT_OK;
}

/* Reads the header from the start of the input into names (trimmed, owned). */
static int read_header(struct csv_reader *r, char ***names, int *n, struct ct_err *err)
{
	*names = NULL;
	*n = 0;
	r->line = r->col = 1;
	if (avail(r, 3) >= 3 && !memcmp(r->buf + r->pos, "\xEF\xBB\xBF", 3))
		r->pos += 3;
	if (!skip_blank(r)) {
		if (r->io_errno)
			return read_error(r, err);
		return ct_fail(err, CT_EINPUT, "%s: the file is empty; a header row is required",
			       r->path);
	}
	int rc = r->delim ? CT_OK : detect_delim(r, err);
	if (rc)
		return rc;
	memcpy(r->stop, stop_bare, sizeof(r->stop));
	r->stop[(unsigned char)r->delim] = 1;
	struct csv_record h = { 0 };
	char **saved = r->head;
	r->head = NULL; /* parse_record reads a header while there is none */
	rc = parse_record(r, &h, CSV_MAX_COLUMNS + 1, err);
	r->head = saved;
	if (!rc) {
		for (int i = 0; i < h.n; i++)
			str_trim(h.field[i]);
		rc = check_names(r, &h, err);
	}
	if (!rc) {
		*names = xcalloc((size_t)h.n, sizeof(char *));
		for (int i = 0; i < h.n; i++)
			(*names)[i] = xstrdup(h.field[i]);
		*n = h.n;
	}
	csv_record_free(&h);
	return rc;
}

static void free_names(char **names, int n)
{
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int csv_reader_open(struct csv_reader *r, const char *path, const char *buf, size_t len,
		    struct ct_err *err)
{
	return csv_reader_open_as(r, path, buf, len, 0, err);
}

int csv_reader_open_as(struct csv_reader *r, const char *path, const char *buf, size_t len,
		       char delim, struct ct_err *err)
{
	memset(r, 0, sizeof(*r));
	r->delim = delim;
	r->path = path;
	r->fd = -1;
	r->buf = buf;
	r->len = len;
	r->eof = 1;
	return read_header(r, &r->head, &r->ncols, err);
}

/* Copies input that cannot be read twice (a pipe, a terminal) to an
 * anonymous temporary file; *fd then reads the copy. */
static int spool(struct csv_reader *r, int *fd, struct ct_err *err)
{
	FILE *f = tmpfile();
	if (!f)
		return ct_fail(err, CT_EENV, "%s: cannot make a temporary copy: %s", r->path,
			       strerror(errno));
	char *chunk = xmalloc(WINDOW);
	int rc = CT_OK;
	for (;;) {
		ssize_t got = read(*fd, chunk, WINDOW);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = ct_fail(err, CT_EENV, "%s: read error: %s", r->path, strerror(errno));
			break;
		}
		if (got == 0)
			break;
		if (fwrite(chunk, 1, (size_t)got, f) != (size_t)got) {
			rc = ct_fail(err, CT_EENV, "%s: cannot make a temporary copy: %s", r->path,
				     strerror(errno));
			break;
		}
	}
	free(chunk);
	if (!rc && fflush(f))
		rc = ct_fail(err, CT_EENV, "%s: cannot make a temporary copy: %s", r->path,
			     strerror(errno));
	close(*fd);
	*fd = -1;
	if (rc) {
		fclose(f);
		return rc;
	}
	r->spool = f;
	*fd = fileno(f);
	if (lseek(*fd, 0, SEEK_SET) < 0)
		return ct_fail(err, CT_EENV, "%s: %s", r->path, strerror(errno));
	return CT_OK;
}

int csv_reader_open_file(struct csv_reader *r, const char *path, struct ct_err *err)
{
	return csv_reader_open_file_as(r, path, 0, err);
}

int csv_reader_open_file_as(struct csv_reader *r, const char *path, char delim,
			    struct ct_err *err)
{
	memset(r, 0, sizeof(*r));
	r->delim = delim;
	r->path = path;
	r->fd = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ct_fail(err, errno == ENOENT || errno == ENOTDIR ? CT_EINPUT : CT_EENV,
			       "%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return ct_fail(err, CT_EENV, "%s: %s", path, strerror(e));
	}
	/* A folder opens for reading but fails on read; name the mistake. */
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return ct_fail(err, CT_EINPUT, "%s: is a folder, not a CSV file", path);
	}
	int rc = S_ISREG(st.st_mode) ? CT_OK : spool(r, &fd, err);
	if (rc)
		return rc;
	r->fd = fd;
	r->cap = WINDOW;
	r->win = xmalloc(r->cap);
	r->buf = r->win;
	return read_header(r, &r->head, &r->ncols, err);
}

int csv_reader_rewind(struct csv_reader *r, struct ct_err *err)
{
	if (r->fd < 0) {
		r->pos = 0;
	} else {
		if (lseek(r->fd, 0, SEEK_SET) < 0)
			return ct_fail(err, CT_EENV, "%s: cannot read it again: %s", r->path,
				       strerror(errno));
		r->pos = r->len = 0;
		r->offset = 0;
		r->eof = 0;
	}
	r->io_errno = 0;
	char **names;
	int n;
	int rc = read_header(r, &names, &n, err);
	if (rc)
		return rc;
	int same = n == r->ncols;
	for (int i = 0; same && i < n; i++)
		same = !strcmp(names[i], r->head[i]);
	free_names(names, n);
	if (!same)
		return ct_fail(err, CT_EINPUT, "%s: the file changed while it was being read",
			       r->path);
	return CT_OK;
}

int csv_next(struct csv_reader *r, struct csv_record *rec, int *got, struct ct_err *err)
{
	*got = 0;
	rec_reset(rec);
	if (!skip_blank(r))
		return r->io_errno ? read_error(r, err) : CT_OK;
	int rc = parse_record(r, rec, r->ncols + 1, err);
	if (rc) {
		rec_reset(rec);
		return rc;
	}
	if (rec->nfields != r->ncols) {
		char what[300];
		int line, col;
		if (rec->nfields < r->ncols) {
			/* Point at the end of the record: where the field is missing. */
			line = r->end_line;
			col = r->end_col;
			snprintf(what, sizeof(what),
				 "the record has %d field%s where the header has %d: column %s is missing",
				 rec->nfields, rec->nfields == 1 ? "" : "s", r->ncols,
				 r->head[rec->nfields]);
		} else {
			line = rec->line[r->ncols];
			col = rec->col[r->ncols];
			snprintf(what, sizeof(what),
				 "the record has %d fields where the header has %d: an extra field "
				 "after column %s (a value with a comma must be quoted)",
				 rec->nfields, r->ncols, r->head[r->ncols - 1]);
		}
		r->where = (struct csv_pos){ line, col, rec->start_line };
		char rl[64] = "";
		if (rec->start_line != line)
			snprintf(rl, sizeof(rl), " (in the record starting on line %d)",
				 rec->start_line);
		rc = ct_fail(err, CT_EINPUT, "%s:%d:%d: %s%s", r->path, line, col, what, rl);
		rec_reset(rec);
		return rc;
	}
	*got = 1;
	return CT_OK;
}

void csv_reader_close(struct csv_reader *r)
{
	free_names(r->head, r->ncols);
	r->head = NULL;
	r->ncols = 0;
	if (r->spool)
		fclose(r->spool);
	else if (r->fd >= 0)
		close(r->fd);
	r->spool = NULL;
	r->fd = -1;
	free(r->win);
	r->win = NULL;
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
		if ((rc = csv_next(&r, &rec, &got, err)) || !got) {
			csv_record_free(&rec);
			break;
		}
		if (c->nrec == cap) {
			cap = cap ? cap * 2 : 64;
			c->rec = xrealloc(c->rec, sizeof(*c->rec) * (size_t)cap);
		}
		c->rec[c->nrec++] = rec;
	}
	c->head = r.head;
	c->ncols = r.ncols;
	r.head = NULL;
	r.ncols = 0;
	csv_reader_close(&r);
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
	free_names(c->head, c->ncols);
	free(c->path);
	free(c);
}

static int col_of(char *const *head, int ncols, const char *name)
{
	char *want = str_trim(xstrdup(name));
	int found = -1;
	for (int i = 0; i < ncols && found < 0; i++)
		if (str_eq_ci(head[i], want))
			found = i;
	free(want);
	return found;
}

int csv_col(const struct csv *c, const char *name)
{
	return col_of(c->head, c->ncols, name);
}

int csv_reader_col(const struct csv_reader *r, const char *name)
{
	return col_of(r->head, r->ncols, name);
}

static int in_list(const char *const *list, const char *s)
{
	for (int i = 0; list && list[i]; i++)
		if (str_eq_ci(list[i], s))
			return 1;
	return 0;
}

static int check_columns(const char *path, char *const *head, int ncols,
			 const char *const *known, const char *const *required,
			 int allow_unknown, struct ct_err *err)
{
	char shown[CSV_SHORT];
	/* A spreadsheet saved with semicolons (Excel in Belgian and French
	 * locales) or tabs reads as one long column: say so, rather than call
	 * it an unknown column. */
	if (ncols == 1 && !in_list(known, head[0])) {
		const char *sep = strchr(head[0], ';') ? "semicolon" :
				  strchr(head[0], '\t') ? "tab" : NULL;
		if (sep)
			return ct_fail(err, CT_EINPUT,
				       "%s:1: the file looks %s-separated (its header is one column, "
				       "'%s') but was read as comma-separated; leave --delimiter out "
				       "to have the separator guessed, or give --delimiter %s",
				       path, sep, csv_short(head[0], shown, sizeof(shown)),
				       sep[0] == 's' ? "';'" : "tab");
	}
	if (!allow_unknown) {
		for (int i = 0; i < ncols; i++) {
			if (in_list(known, head[i]))
				continue;
			struct strbuf sb = STRBUF_INIT;
			for (int k = 0; known[k]; k++)
				sb_addf(&sb, "%s%s", k ? ", " : "", known[k]);
			int rc = ct_fail(err, CT_EINPUT,
					 "%s:1: column %d of the header, '%s', is not a known column "
					 "(known: %s)",
					 path, i + 1, csv_short(head[i], shown, sizeof(shown)),
					 sb_str(&sb));
			sb_free(&sb);
			return rc;
		}
	}
	for (int k = 0; required && required[k]; k++)
		if (col_of(head, ncols, required[k]) < 0)
			return ct_fail(err, CT_EINPUT,
				       "%s:1: column %s is required but the header lacks it", path,
				       required[k]);
	return CT_OK;
}

int csv_check_columns(const struct csv *c, const char *const *known,
		      const char *const *required, int allow_unknown, struct ct_err *err)
{
	return check_columns(c->path, c->head, c->ncols, known, required, allow_unknown, err);
}

int csv_reader_check_columns(const struct csv_reader *r, const char *const *known,
			     const char *const *required, int allow_unknown, struct ct_err *err)
{
	return check_columns(r->path, r->head, r->ncols, known, required, allow_unknown, err);
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

void csv_errs_init(struct csv_errs *e, int max)
{
	memset(e, 0, sizeof(*e));
	e->max = max;
}

static int item_cmp(const void *a, const void *b)
{
	const struct csv_err_item *x = a, *y = b;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Keeps only the first max messages by line: the others can never be shown. */
static void prune(struct csv_errs *e)
{
	if (e->kept > 1)
		qsort(e->item, (size_t)e->kept, sizeof(*e->item), item_cmp);
	int keep = e->max > 0 ? e->max : 0;
	for (int i = keep; i < e->kept; i++)
		free(e->item[i].text);
	if (e->kept > keep)
		e->kept = keep;
}

int csv_errs_reading_stopped(struct csv_errs *e, const struct csv_reader *r, const char *path,
			     int rc, struct ct_err *err)
{
	/* The value errors found before a syntax error are listed with it. */
	if (e->n && rc == CT_EINPUT) {
		csv_errs_add_text(e, r->where.line, err->msg);
		rc = ct_fail(err, CT_EINPUT,
			     "%d error%s in %s (reading stopped at line %d); nothing was imported",
			     e->n, e->n == 1 ? "" : "s", path, r->where.line);
	}
	return rc;
}

void csv_errs_add_text(struct csv_errs *e, int line, const char *text)
{
	/* Pruning in batches keeps adding cheap; a bad file of a million rows
	 * holds at most 2 * max + 64 messages at any time. */
	if (e->kept >= 2 * (e->max > 0 ? e->max : 0) + 64)
		prune(e);
	if (e->kept == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->item = xrealloc(e->item, sizeof(*e->item) * (size_t)e->cap);
	}
	e->item[e->kept++] = (struct csv_err_item){ line, e->n, xstrdup(text) };
	e->n++;
}

static void errs_vadd(struct csv_errs *e, const char *path, int line, int col,
		      const char *column, const char *fmt, va_list ap)
	__attribute__((format(printf, 6, 0)));
static void errs_vadd(struct csv_errs *e, const char *path, int line, int col,
		      const char *column, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	if (line > 0 && col > 0)
		sb_addf(&sb, "%s:%d:%d: ", path, line, col);
	else if (line > 0)
		sb_addf(&sb, "%s:%d: ", path, line);
	else
		sb_addf(&sb, "%s: ", path);
	if (column)
		sb_addf(&sb, "column %s: ", column);
	sb_vaddf(&sb, fmt, ap);
	csv_errs_add_text(e, line, sb_str(&sb));
	sb_free(&sb);
}

void csv_errs_add(struct csv_errs *e, const char *path, int line, const char *column,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	errs_vadd(e, path, line, 0, column, fmt, ap);
	va_end(ap);
}

void csv_errs_add_at(struct csv_errs *e, const char *path, int line, int col,
		     const char *column, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	errs_vadd(e, path, line, col, column, fmt, ap);
	va_end(ap);
}

const char *csv_errs_text(struct csv_errs *e)
{
	prune(e);
	sb_reset(&e->text);
	for (int i = 0; i < e->kept; i++) {
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
	for (int i = 0; i < e->kept; i++)
		free(e->item[i].text);
	free(e->item);
	sb_free(&e->text);
	memset(e, 0, sizeof(*e));
}

void csv_quote(struct strbuf *sb, const char *v)
{
	if (!v)
		return;
	/* A formula's first character, for a spreadsheet (OWASP, "CSV
	 * Injection"): the quote in front makes the cell text. */
	int formula = v[0] && strchr("=+-@\t\r", v[0]) != NULL;
	if (!formula && !strpbrk(v, ",\"\r\n")) {
		sb_adds(sb, v);
		return;
	}
	sb_addc(sb, '"');
	if (formula)
		sb_addc(sb, '\'');
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			sb_addc(sb, '"');
		sb_addc(sb, *p);
	}
	sb_addc(sb, '"');
}

void csv_quote_number(struct strbuf *sb, const char *v)
{
	double d;
	if (v && *v && strspn(v, "0123456789+-.eE") == strlen(v) && parse_double(v, &d))
		sb_adds(sb, v);
	else
		csv_quote(sb, v);
}

char csv_delim_parse(const char *s)
{
	if (!strcmp(s, ",") || str_eq_ci(s, "comma"))
		return ',';
	if (!strcmp(s, ";") || str_eq_ci(s, "semicolon"))
		return ';';
	if (!strcmp(s, "\t") || str_eq_ci(s, "tab"))
		return '\t';
	return 0;
}

const char *csv_dialect(const struct csv_reader *r)
{
	if (r->delim == ';')
		return "semicolon-separated, decimal comma";
	if (r->delim == '\t')
		return "tab-separated, decimal comma";
	return "comma-separated";
}

int csv_decimal_comma(const struct csv_reader *r)
{
	return r->delim && r->delim != ',';
}

const char *csv_number(const struct csv_reader *r, const char *v, char *buf, size_t n)
{
	if (!v || !csv_decimal_comma(r))
		return v;
	const char *p = v;
	while (*p == ' ')
		p++;
	/* Digits, optionally grouped by thousands points as a Belgian Excel
	 * writes them ("1.250", "12.500,50"): the points are dropped, never
	 * read as a decimal point. */
	size_t lead = strspn(p, "0123456789"), i = lead;
	int grouped = 0;
	while (lead >= 1 && lead <= 3 && p[i] == '.' && strspn(p + i + 1, "0123456789") == 3) {
		i += 4;
		grouped = 1;
	}
	if (!lead || (p[i] != ',' && !grouped))
		return v;
	size_t dec = p[i] == ',' ? strspn(p + i + 1, "0123456789") : 0;
	const char *rest = p + i + (p[i] == ',' ? 1 + dec : 0);
	while (*rest == ' ')
		rest++;
	if ((p[i] == ',' && (dec < 1 || dec > 2)) || *rest || strlen(v) >= n)
		return v;
	size_t k = 0;
	for (const char *q = p; q < rest && k + 1 < n; q++)
		if (*q == ',')
			buf[k++] = '.';
		else if (*q != '.' && *q != ' ')
			buf[k++] = *q;
	buf[k] = '\0';
	return buf;
}

int csv_field_col(const struct csv_record *rec, int i, size_t off)
{
	const char *f = rec->field[i];
	int col = rec->col[i] + (rec->quoted[i] ? 1 : 0);
	for (size_t k = 0; k < off && f[k]; k++) {
		unsigned char c = (unsigned char)f[k];
		if ((c & 0xC0) != 0x80)
			col++; /* a character starts here */
		if (c == '"' && rec->quoted[i])
			col++;
	}
	return col;
}
