/* names.h: the name banks (templates/names/<id>.tsv, format in
 * templates/names/README.md): loading, validation with file:line problems,
 * checks across banks, drawing candidates by kind and gender, and the e-mail
 * local part of a name. A study may add or override banks in its own
 * names/ folder. Pure: returns statuses, never prints. */
#ifndef CT_NAMES_H
#define CT_NAMES_H

#include "base/util.h"

enum names_kind { NAMES_FIRST = 0, NAMES_LAST = 1 };
/* FEMALE and MALE equal enum gender's values (config.h). */
enum names_gender { NAMES_FEMALE = 0, NAMES_MALE = 1, NAMES_ANY = 2 };

/* The fewest names a bank must hold per kind and gender (README). */
#define NAMES_MIN_PER_CELL 10

struct names_entry {
	int kind;   /* enum names_kind */
	int gender; /* enum names_gender */
	char *name, *note;
	int line;           /* line in the bank's file, from 1 */
	int needs_encoding; /* non-ASCII: an RFC 2047 encoded word in mail headers */
};

struct names_bank {
	char *id;             /* file name without .tsv */
	char *path;           /* for messages: templates/names/ID.tsv or DIR/ID.tsv */
	int embedded;         /* 1 when compiled in, 0 when read from a folder */
	char *label, *signal, *sources; /* the '# label:' etc. comments; NULL if absent */
	struct names_entry *e;
	int n;
};

/* One problem found by the checks: file, line (0 when about the whole file)
 * and what is wrong. */
struct names_problem {
	char *file;
	int line;
	char *msg;
};

struct names_problems {
	struct names_problem *p;
	int n, cap;
};

/* Appends a problem (line 0: about the whole file). */
void names_problem_add(struct names_problems *ps, const char *file, int line, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));
void names_problems_free(struct names_problems *ps);
/* "file:line: msg" (or "file: msg" when line is 0); caller frees. */
char *names_problem_text(const struct names_problem *p);

const char *names_kind_name(int kind);     /* "first" / "last" */
const char *names_gender_name(int gender); /* "female" / "male" / "any" */

/* Parses one bank's text. Every problem of the file is appended to probs (a
 * missing or bad header, a line without four fields, bad kind or gender,
 * empty fields, spaces around a field, invalid UTF-8, control characters, a
 * CR, a name not in NFC, a '# bank:' that is not id, too few names of a kind
 * and gender, a name twice in the bank). Returns the bank (what could be
 * read; caller frees with names_bank_free) even when there are problems. */
struct names_bank *names_parse(const char *id, const char *path, const char *text, size_t len,
			       struct names_problems *probs);
void names_bank_free(struct names_bank *b);

/* 1 if id is a valid bank id: [a-z0-9_-]+, as study.ini accepts. */
int names_id_ok(const char *id);

/* The ids of every bank: the embedded ones and those of the .tsv files in DIR (dir may
 * be NULL or missing), sorted, without duplicates. Caller frees each id and
 * the array. CT_EENV if dir exists but cannot be read. */
int names_list_ids(const char *dir, char ***ids, int *n, struct ct_err *err);

/* Loads bank id: DIR/id.tsv if dir is not NULL and that file exists (a
 * study's own bank overrides the embedded one), else the embedded file.
 * CT_EINPUT when no such bank exists or when it has any problem (the first
 * is reported, with file and line). */
int names_load(const char *dir, const char *id, struct names_bank **out, struct ct_err *err);

/* Reads every bank (as names_list_ids and names_load would), appending all
 * their problems and those across banks (names_check_across) to probs.
 * *banks gets every bank that could be read (caller frees each with
 * names_bank_free, then the array). CT_EENV only on I/O errors. */
int names_check_all(const char *dir, struct names_bank ***banks, int *nbanks,
		    struct names_problems *probs, struct ct_err *err);

/* Problems across banks: a name in two banks (case-insensitive), or two
 * names that differ only in their accents (Štefan / Ștefan). */
void names_check_across(struct names_bank *const *banks, int n, struct names_problems *probs);

/* The names of kind and gender: first names of that gender; surnames of that
 * gender or 'any'. *out holds borrowed pointers to entries in file order;
 * caller frees the array. Returns the count. */
int names_pick(const struct names_bank *b, int kind, int gender,
	       const struct names_entry ***out);

/* A comparison key for names: case-folded, NFC; caller frees. */
char *names_fold(const char *name);

/* The e-mail local part of a name: transliterated to ASCII, lower-case,
 * keeping a-z and 0-9; spaces, apostrophes and anything else dropped
 * ("El Amrani" -> "elamrani", "D'Hondt" -> "dhondt"), a hyphen kept as one
 * '-' between letters ("Jean-Luc" -> "jean-luc"). first and last are joined
 * with '.'; if one yields nothing, the other alone; NULL if both do (a name
 * without Latin letters). Caller frees. */
char *names_email_local(const char *first, const char *last);
/* One name's part of the above; caller frees (possibly ""). */
char *names_ascii_part(const char *name);

#endif
