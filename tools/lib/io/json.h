/* json.h: a streaming JSON writer for --json output (snake_case keys,
 * numbers as numbers, missing as null). Commas are placed automatically. */
#ifndef CT_JSON_H
#define CT_JSON_H

#include <stdint.h>
#include <stdio.h>

struct json {
	FILE *out;
	int depth;
	int first[64]; /* 1 while nothing has been written at that depth */
	int pretty;
	int after_key; /* a key was written; the next value needs no comma */
};

void json_init(struct json *j, FILE *out, int pretty);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
/* In an object, json_key must precede every value. */
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s); /* NULL writes null */
void json_int(struct json *j, int64_t v);
/* Non-finite values are written as null: JSON has no NaN. */
void json_num(struct json *j, double v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* Writes text, a JSON value serialised elsewhere (e.g. one stored in the
 * study), as the next value. The caller vouches that it is valid JSON. */
void json_raw(struct json *j, const char *text);
/* Ends the document with a newline. */
void json_end(struct json *j);

/* Escapes s as a JSON string into f (with quotes). */
void json_write_string(FILE *f, const char *s);

#endif
