/* util.c: allocation, strings, status codes and file helpers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "base/banned.h"

int ct_fail(struct ct_err *err, int st, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->status = st;
	}
	return st;
}

void ct_oom(size_t n)
{
	/* The one place core code may exit: nothing sensible can follow. */
	fprintf(stderr, "corrtest: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		ct_oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		ct_oom(nmemb * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		ct_oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	return sb_detach(&sb);
}

static void sb_grow(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_addc(struct strbuf *sb, char c)
{
	sb_add(sb, &c, 1);
}

void sb_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	/* Formatted straight into the room there is, and a second time only
	 * when it did not fit: measuring first doubled the cost of every
	 * long text (withdrawals shown by decline --dry-run). */
	sb_grow(sb, 64);
	size_t room = sb->cap - sb->len;
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(sb->buf + sb->len, room, fmt, cp);
	va_end(cp);
	if (n < 0) {
		sb->buf[sb->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		sb_grow(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	}
	sb->len += (size_t)n;
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *sb_detach(struct strbuf *sb)
{
	char *p = sb->buf ? sb->buf : xstrdup("");
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

size_t ascii_prefix(const char *s, size_t n)
{
	/* Eight bytes at a time: most text is ASCII. */
	size_t i = 0;
	uint64_t w;
	while (i + 8 <= n && (memcpy(&w, s + i, 8), !(w & 0x8080808080808080ull)))
		i += 8;
	while (i < n && (unsigned char)s[i] < 0x80)
		i++;
	return i;
}

int utf8_check(const char *str, size_t n, size_t *bad)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		i += ascii_prefix(str + i, n - i);
		if (i >= n)
			break;
		unsigned c = s[i]; /* >= 0x80 */
		size_t len;
		unsigned cp;
		if (c >= 0xC2 && c <= 0xDF) {
			len = 2;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			len = 3;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			len = 4;
			cp = c & 0x07;
		} else {
			goto fail;
		}
		if (i + len > n)
			goto fail;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				goto fail;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* Reject overlong forms, surrogates and values past U+10FFFF. */
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
			goto fail;
		i += len;
	}
	return 1;
fail:
	if (bad)
		*bad = i;
	return 0;
}

void sb_add_utf8(struct strbuf *sb, unsigned long cp)
{
	char b[4];
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		sb_addc(sb, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		sb_add(sb, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		sb_add(sb, b, 3);
	} else {
		b[0] = (char)(0xF0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		sb_add(sb, b, 4);
	}
}

int has_control(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	for (; *s; s++) {
		if (*s < 0x20 || *s == 0x7F)
			return 1;
		/* C1 controls are U+0080..U+009F, encoded C2 80..C2 9F. */
		if (*s == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F)
			return 1;
	}
	return 0;
}

unsigned long utf8_decode(const char *str, size_t *adv)
{
	const unsigned char *s = (const unsigned char *)str;
	if (s[0] < 0x80) {
		*adv = 1;
		return s[0];
	}
	if (s[0] < 0xE0) {
		*adv = 2;
		return ((unsigned long)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
	}
	if (s[0] < 0xF0) {
		*adv = 3;
		return ((unsigned long)(s[0] & 0x0F) << 12) | ((unsigned long)(s[1] & 0x3F) << 6) |
		       (s[2] & 0x3F);
	}
	*adv = 4;
	return ((unsigned long)(s[0] & 0x07) << 18) | ((unsigned long)(s[1] & 0x3F) << 12) |
	       ((unsigned long)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
}

const char *fmt_fixed(char *buf, size_t n, double v, int decimals, char mark)
{
	snprintf(buf, n, "%.*f", decimals < 0 ? 0 : decimals > 15 ? 15 : decimals, v);
	if (buf[0] == '-' && strspn(buf + 1, "0.") == strlen(buf + 1))
		memmove(buf, buf + 1, strlen(buf));
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = mark;
	return buf;
}

void sb_add_xml(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_adds(sb, "&amp;"); break;
		case '<': sb_adds(sb, "&lt;"); break;
		case '>': sb_adds(sb, "&gt;"); break;
		case '"': sb_adds(sb, "&quot;"); break;
		case '\'': sb_adds(sb, "&#39;"); break;
		default: sb_addc(sb, *s);
		}
	}
}

int text_ok(const char *str, size_t n, const char **why, size_t *off, unsigned long *cpout)
{
	unsigned long cp = 0;
	const unsigned char *s = (const unsigned char *)str;
	size_t bad = 0;
	const char *what = NULL;
	/* Most values are printable ASCII, which passes every rule below:
	 * checked a byte at a time without decoding (a tenth of a response
	 * import's instructions went to the general path). */
	size_t k = 0;
	while (k < n && s[k] >= 0x20 && s[k] < 0x7F)
		k++;
	if (k == n)
		return 1;
	if (!utf8_check(str, n, &bad)) {
		what = "invalid UTF-8";
		cp = 0xFFFD;
		goto fail;
	}
	for (size_t i = 0, adv; i < n; i += adv) {
		cp = utf8_decode((const char *)s + i, &adv);
		bad = i;
		if (cp == 0)
			what = "a NUL byte";
		else if (cp == '\r' || cp == '\n')
			what = "a line break";
		else if (cp == '\t')
			what = "a tab";
		else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
			what = "a control character";
		else if (cp == 0x2028 || cp == 0x2029)
			what = "a line or paragraph separator";
		else if (cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
			 (cp >= 0x2066 && cp <= 0x2069))
			what = "a bidi control";
		else if (cp == 0xFEFF)
			what = "a byte-order mark";
		else if (cp == 0x00AD || cp == 0x034F || cp == 0x115F || cp == 0x1160 ||
			 cp == 0x180E || (cp >= 0x200B && cp <= 0x200D) ||
			 (cp >= 0x2060 && cp <= 0x2064) || cp == 0x3164 ||
			 (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFFA0 ||
			 (cp >= 0xFFF9 && cp <= 0xFFFB) || (cp >= 0xE0000 && cp <= 0xE007F) ||
			 (cp >= 0xE0100 && cp <= 0xE01EF))
			/* Also the combining grapheme joiner, Hangul fillers,
			 * variation selectors and tag characters: each invisible,
			 * each a way to make two names look alike or to hide text. */
			what = "an invisible character";
		if (what)
			goto fail;
	}
	return 1;
fail:
	if (why)
		*why = what;
	if (off)
		*off = bad;
	if (cpout)
		*cpout = cp;
	return 0;
}

int is_plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
			return 0;
	return 1;
}

int file_read(const char *path, char **out, size_t *len, struct ct_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ct_fail(err, errno == ENOENT ? CT_EINPUT : CT_EENV,
			       "%s: %s", path, strerror(errno));
	/* A regular file is read in one call into a buffer of its size (coding
	 * reads thousands of small messages: stdio's buffer, a second copy
	 * and a read that only finds the end cost more than the read). */
	struct stat st;
	int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
	size_t cap = regular ? (size_t)st.st_size + 1 : 65536, n = 0;
	char *buf = xmalloc(cap + 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = xrealloc(buf, cap + 1);
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			free(buf);
			return ct_fail(err, CT_EENV, "%s: read error: %s", path, strerror(e));
		}
		n += (size_t)r;
		/* As much as fstat said the file holds: done (a file that grows
		 * meanwhile is read as it was). */
		if (r == 0 || (regular && n == (size_t)st.st_size && n < cap))
			break;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	*out = buf;
	return CT_OK;
}

/* The folder part of path ("." when there is none); caller frees. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

int dir_fsync(const char *dir, struct ct_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ct_fail(err, CT_EENV, "%s: %s", dir, strerror(errno));
	/* Some file systems cannot sync a folder (EINVAL): nothing more can be
	 * done there, and the data itself was synced. */
	int rc = fsync(fd) != 0 && errno != EINVAL && errno != EROFS;
	int e = errno;
	close(fd);
	return rc ? ct_fail(err, CT_EENV, "%s: %s", dir, strerror(e)) : CT_OK;
}

int file_write_fd(int fd, const char *data, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

int file_create_temp(const char *path, int mode, char **tmp_out, struct ct_err *err)
{
	/* A name nobody can foresee, created exclusively (O_EXCL) and never
	 * through a symbolic link (O_NOFOLLOW): a link planted in a shared
	 * folder under a predictable name would otherwise redirect the write to
	 * a file of the planter's choice. */
	char *tmp = xasprintf("%s.tmp-XXXXXX", path);
	int fd = g_mkstemp_full(tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0) {
		int e = errno;
		free(tmp);
		*tmp_out = NULL;
		ct_fail(err, CT_EENV, "%s: %s", path, strerror(e));
		return -1;
	}
	*tmp_out = tmp;
	return fd;
}

int file_commit_temp(const char *tmp, const char *path, struct ct_err *err)
{
	int fd = open(tmp, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fsync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return ct_fail(err, CT_EENV, "%s: %s", path, strerror(e));
	}
	close(fd);
	if (rename(tmp, path) != 0)
		return ct_fail(err, CT_EENV, "%s: %s", path, strerror(errno));
	/* The rename is durable only once the folder is synced. */
	char *dir = dir_of(path);
	int rc = dir_fsync(dir, err);
	free(dir);
	return rc;
}

int file_write_temp(const char *path, const void *data, size_t len, int mode, char **tmp,
		    struct ct_err *err)
{
	int fd = file_create_temp(path, mode, tmp, err);
	if (fd < 0)
		return CT_EENV;
	int rc = CT_OK;
	if (file_write_fd(fd, data, len) != 0)
		rc = ct_fail(err, CT_EENV, "%s: %s", path, strerror(errno));
	if (close(fd) != 0 && !rc)
		rc = ct_fail(err, CT_EENV, "%s: %s", path, strerror(errno));
	if (rc) {
		unlink(*tmp);
		free(*tmp);
		*tmp = NULL;
	}
	return rc;
}

int file_write_atomic(const char *path, const char *data, size_t len, int mode,
		      struct ct_err *err)
{
	char *tmp;
	int rc = file_write_temp(path, data, len, mode, &tmp, err);
	if (rc)
		return rc;
	if ((rc = file_commit_temp(tmp, path, err)))
		unlink(tmp);
	free(tmp);
	return rc;
}

/* strtol and its kin skip leading white space and take a sign; "strict"
 * means the text is the number, so a leading blank is refused here (for
 * parse_u64 it would let " -1" through the sign check as 2^64 - 1). */
static int starts_number(const char *s)
{
	return s && *s && !isspace((unsigned char)*s);
}

int parse_long(const char *s, long *out)
{
	if (!starts_number(s))
		return 0;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s)
		return 0;
	*out = v;
	return 1;
}

int parse_u64(const char *s, uint64_t *out)
{
	if (!starts_number(s) || *s == '-' || *s == '+')
		return 0;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s)
		return 0;
	*out = (uint64_t)v;
	return 1;
}

int parse_double(const char *s, double *out)
{
	if (!starts_number(s))
		return 0;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	/* strtod also reads "inf" and "nan": not numbers a user means. */
	if (errno || *end || end == s || !isfinite(v))
		return 0;
	*out = v;
	return 1;
}

char *str_trim(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	size_t i = 0;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (i)
		memmove(s, s + i, n - i + 1);
	return s;
}

int str_eq_ci(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

void sha256_hex(const void *data, size_t len, char out[65])
{
	gchar *h = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
	g_strlcpy(out, h, 65);
	g_free(h);
}

void hmac_sha256_hex(const void *key, size_t keylen, const void *data, size_t len,
		     char out[65])
{
	gchar *h = g_compute_hmac_for_data(G_CHECKSUM_SHA256, key, keylen, data, len);
	g_strlcpy(out, h, 65);
	g_free(h);
}

int domain_reserved(const char *domain)
{
	static const char *const tlds[] = { "invalid", "test", "example", "localhost" };
	static const char *const names[] = { "example.com", "example.net", "example.org" };
	size_t n = strlen(domain);
	if (n && domain[n - 1] == '.')
		n--;
	char *d = xstrndup(domain, n);
	for (char *p = d; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	int hit = 0;
	for (size_t i = 0; i < ARRAY_SIZE(tlds) && !hit; i++) {
		size_t k = strlen(tlds[i]);
		hit = !strcmp(d, tlds[i]) || (n > k && d[n - k - 1] == '.' && !strcmp(d + n - k, tlds[i]));
	}
	for (size_t i = 0; i < ARRAY_SIZE(names) && !hit; i++) {
		size_t k = strlen(names[i]);
		hit = !strcmp(d, names[i]) || (n > k && d[n - k - 1] == '.' && !strcmp(d + n - k, names[i]));
	}
	free(d);
	return hit;
}

/* 1 when two phone numbers are the same number however they are written:
 * digits compared, an international "00" prefix read as "+". */
int phone_same(const char *a, const char *b)
{
	char da[64], db[64];
	const char *src[2] = { a, b };
	char *dst[2] = { da, db };
	for (int k = 0; k < 2; k++) {
		size_t n = 0;
		const char *p = src[k];
		while (*p == ' ')
			p++;
		if (p[0] == '0' && p[1] == '0')
			p += 2;
		for (; *p && n + 1 < sizeof(da); p++)
			if (*p >= '0' && *p <= '9')
				dst[k][n++] = *p;
		dst[k][n] = '\0';
	}
	return *da && !strcmp(da, db);
}
