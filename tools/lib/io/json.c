/* json.c: streaming JSON writer. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/json.h"
#include "base/banned.h"

void json_init(struct json *j, FILE *out, int pretty)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->pretty = pretty;
	j->first[0] = 1;
}

static void indent(struct json *j)
{
	if (!j->pretty)
		return;
	static const char spaces[] = "                                ";
	fputc('\n', j->out);
	for (int i = 0; i < j->depth; i += 16)
		fwrite(spaces, 1, (size_t)(j->depth - i < 16 ? j->depth - i : 16) * 2, j->out);
}

/* Called before every value or key: separators. A value after a key gets
 * none (the key wrote it). */
static void sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (!j->first[j->depth])
		fputc(',', j->out);
	if (j->depth > 0)
		indent(j);
	j->first[j->depth] = 0;
}

static void open(struct json *j, char c)
{
	sep(j);
	fputc(c, j->out);
	if (j->depth < 63)
		j->depth++;
	j->first[j->depth] = 1;
}

static void close_(struct json *j, char c)
{
	int empty = j->first[j->depth];
	if (j->depth > 0)
		j->depth--;
	if (!empty)
		indent(j);
	fputc(c, j->out);
}

void json_obj_begin(struct json *j) { open(j, '{'); }
void json_obj_end(struct json *j) { close_(j, '}'); }
void json_arr_begin(struct json *j) { open(j, '['); }
void json_arr_end(struct json *j) { close_(j, ']'); }

void json_write_string(FILE *f, const char *s)
{
	fputc('"', f);
	/* Runs of bytes that need no escape are written whole: a byte at a
	 * time, with the stream lock taken for each, was a fifth of coding's
	 * output time. */
	const unsigned char *p = (const unsigned char *)s, *run = p;
	for (;; p++) {
		unsigned c = *p;
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7F)
			continue;
		if (p > run)
			fwrite(run, 1, (size_t)(p - run), f);
		run = p + 1;
		switch (c) {
		case 0: fputc('"', f); return;
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default: fprintf(f, "\\u%04x", c);
		}
	}
}

void json_key(struct json *j, const char *key)
{
	sep(j);
	json_write_string(j->out, key);
	fputs(j->pretty ? ": " : ":", j->out);
	j->after_key = 1;
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	sep(j);
	json_write_string(j->out, s);
}

void json_int(struct json *j, int64_t v)
{
	sep(j);
	fprintf(j->out, "%lld", (long long)v);
}

void json_num(struct json *j, double v)
{
	if (!isfinite(v)) {
		json_null(j);
		return;
	}
	sep(j);
	/* 17 significant digits round-trip a double exactly. */
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(j->out, "%.0f", v);
	else
		fprintf(j->out, "%.17g", v);
}

void json_bool(struct json *j, int v)
{
	sep(j);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	sep(j);
	fputs("null", j->out);
}

void json_raw(struct json *j, const char *text)
{
	sep(j);
	fputs(text, j->out);
}

void json_end(struct json *j)
{
	fputc('\n', j->out);
}
