/* util.h: allocation that fails loudly, growable strings, status codes and
 * text checks shared by every corrtest module. */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A status is also the process exit status of the command that reports it
 * (see README "Exit status"). */
enum ct_status {
	CT_OK = 0,
	CT_PROBLEM = 1, /* ran, but found a problem (a failed check) */
	CT_EINPUT = 2,  /* usage or input error: bad flag, malformed file */
	CT_EENV = 3     /* environment: database locked, I/O, permission */
};

/* Library code never prints: it fills one of these and returns its status.
 * The command prints "corrtest <cmd>: <msg>". */
struct ct_err {
	int status;
	char msg[1024];
};

/* Sets err (if not NULL) and returns st, so that `return ct_fail(...)` works. */
int ct_fail(struct ct_err *err, int st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Allocation wrappers: abort with a message on exhaustion, as the SQLite
 * shell does, because no caller can do anything better. */
void *xmalloc(size_t n);
/* What they do on exhaustion, for the few allocators of other libraries
 * (open_memstream, GLib) that report it instead of aborting. */
void ct_oom(size_t n) __attribute__((noreturn));
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NUL-terminated buffer. */
struct strbuf {
	char *buf;
	size_t len, cap;
};
#define STRBUF_INIT { NULL, 0, 0 }
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_adds(struct strbuf *sb, const char *s);
void sb_addc(struct strbuf *sb, char c);
void sb_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
const char *sb_str(const struct strbuf *sb); /* "" when empty; borrowed */
char *sb_detach(struct strbuf *sb);          /* caller frees */
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);

/* Appends code point cp as UTF-8; NUL, a surrogate or a value past
 * U+10FFFF becomes U+FFFD (the replacement character). */
void sb_add_utf8(struct strbuf *sb, unsigned long cp);
/* v (finite) with decimals (0 to 15) decimals as the C library rounds it
 * (to the nearest, a tie on the binary value to even: what R's sprintf
 * and Python print too, so that figures held to them read the same),
 * never "-0", the '.' written as mark. Returns buf. For the report's text
 * and its charts, which must show one figure one way. */
const char *fmt_fixed(char *buf, size_t n, double v, int decimals, char mark);
/* Appends s with the five characters XML and HTML give a meaning (& < > "
 * ') written as entities: for character data and attribute values. */
void sb_add_xml(struct strbuf *sb, const char *s);
/* The code point of valid UTF-8 at s (checked by the caller) and its
 * length in *adv. */
unsigned long utf8_decode(const char *s, size_t *adv);

/* Text checks. utf8_check returns 1 when s[0..n) is valid UTF-8 (no
 * overlongs, no surrogates); otherwise 0 and the byte offset of the first bad
 * sequence in *bad. */
int utf8_check(const char *s, size_t n, size_t *bad);
/* How many bytes s[0..n) starts with below 0x80 (ASCII). */
size_t ascii_prefix(const char *s, size_t n);
/* 1 if s contains a C0 control (including CR, LF, TAB), DEL, or a C1 control
 * (U+0080..U+009F): none of these belongs in a name or a header. */
int has_control(const char *s);
/* The one rule for text that users bring and corrtest passes on (names,
 * listing and response fields, template values, study.ini values): valid
 * UTF-8 and no character that a reader cannot see or that changes how the
 * text around it is shown. Refused: C0 controls (CR, LF, TAB included), DEL,
 * C1 controls, the line and paragraph separators U+2028/U+2029, bidi
 * controls (U+061C, U+200E/F, U+202A-E, U+2066-9), zero-width and other
 * invisible characters (U+00AD, U+034F, U+115F/60, U+180E, U+200B-D,
 * U+2060-4, U+3164, U+FE00-F and U+E0100-1EF variation selectors, U+FEFF
 * byte-order mark, U+FFA0, U+FFF9-B, U+E0000-7F tag characters). Returns 1 when s[0..n) passes; else 0, with a
 * short reason (static, e.g. "a bidi control") in *why, the byte offset of
 * the character in *off and its code point in *cp (U+FFFD for invalid UTF-8);
 * any of the three may be NULL. Messages show it as "(U+%04lX)". */
int text_ok(const char *s, size_t n, const char **why, size_t *off, unsigned long *cp);

/* 1 if s is all printable ASCII (what a mail header carries unencoded). */
int is_plain_ascii(const char *s);

/* Read a whole file (caller frees *out); CT_EINPUT if missing, CT_EENV on
 * other I/O errors. A NUL byte is appended; *len excludes it. */
int file_read(const char *path, char **out, size_t *len, struct ct_err *err);
/* Write atomically: a temporary file of a unique name in the same folder
 * (file_create_temp), fsync, rename, fsync of the folder. */
int file_write_atomic(const char *path, const char *data, size_t len, int mode,
		      struct ct_err *err);
/* The first half of file_write_atomic: data written to a new temporary
 * file beside path (file_create_temp), named in *tmp (caller frees), for
 * file_commit_temp when several files must be put in place together. On
 * failure nothing is left and *tmp is NULL. */
int file_write_temp(const char *path, const void *data, size_t len, int mode, char **tmp,
		    struct ct_err *err);
/* Puts a written temporary file in place of path: fsync, rename, fsync of
 * the folder. On failure tmp is left for the caller to remove. */
int file_commit_temp(const char *tmp, const char *path, struct ct_err *err);
/* Creates PATH.tmp-XXXXXX (X random) for writing, exclusively (O_EXCL) and
 * never through a symbolic link (O_NOFOLLOW), close-on-exec, with mode
 * (less the umask). Returns the descriptor and the name in *tmp (caller
 * frees), or -1 with err set (CT_EENV). */
int file_create_temp(const char *path, int mode, char **tmp, struct ct_err *err);
/* Writes all of data to fd, retrying short writes and EINTR; 0 or -1 with
 * errno set. */
int file_write_fd(int fd, const char *data, size_t len);
/* fsyncs a folder, so that names created, renamed or removed in it last
 * through a crash; CT_EENV on failure. */
int dir_fsync(const char *dir, struct ct_err *err);

/* Strict number parsing: the whole string is the number (no leading blank),
 * no overflow, and for parse_double a finite value. Return 1 on success. */
int parse_long(const char *s, long *out);
int parse_double(const char *s, double *out);
int parse_u64(const char *s, uint64_t *out);

/* Trim ASCII white space in place; returns s. */
char *str_trim(char *s);
int str_eq_ci(const char *a, const char *b);

/* Lower-case hex SHA-256 of data (65 bytes with NUL); uses GLib's GChecksum. */
void sha256_hex(const void *data, size_t len, char out[65]);
/* Lower-case hex HMAC-SHA-256 (GLib's GHmac). */
void hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len,
		     char out[65]);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Whether domain is reserved and can never receive mail (RFC 2606, RFC
 * 6761): .invalid, .test, .example, .localhost and example.com/.net/.org,
 * with their subdomains; any case, a final dot allowed. The one rule for
 * the pre-flight check and the personas' warnings. */
int domain_reserved(const char *domain);
/* 1 when two phone numbers are the same number however they are written
 * (digits compared, an international "00" read as "+"); 0 for no digits.
 * The one rule for the pre-flight check and the personas' warnings. */
int phone_same(const char *a, const char *b);

#endif
