/* zip.c: a stored ZIP archive (zip.h). */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "evidence/zip.h"
#include "base/banned.h"

/* zlib's, which the re-check bodies already link (one CRC in the program). */
uint32_t zip_crc32(uint32_t crc, const void *data, size_t len)
{
	return (uint32_t)crc32_z(crc, data, len);
}

static void put16(struct strbuf *sb, unsigned v)
{
	sb_addc(sb, (char)(v & 0xFF));
	sb_addc(sb, (char)((v >> 8) & 0xFF));
}

static void put32(struct strbuf *sb, uint32_t v)
{
	put16(sb, v & 0xFFFF);
	put16(sb, v >> 16);
}

static int name_ok(const char *name)
{
	if (!name || !*name || *name == '/' || strchr(name, '\\'))
		return 0;
	for (const char *p = name; p;) {
		if (!strncmp(p, "..", 2) && (p[2] == '/' || !p[2]))
			return 0;
		p = strchr(p, '/');
		if (p)
			p++;
	}
	return 1;
}

int zip_build(const struct zip_file *files, size_t n, time_t mtime, struct strbuf *out)
{
	/* Everything that must fit in 16 or 32 bits is checked first, so that
	 * a refusal leaves out as it was. */
	uint64_t total = 22;
	if (n > 0xFFFF)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t nl = files[i].name ? strlen(files[i].name) : 0;
		if (!name_ok(files[i].name) || nl > 0xFFFF || files[i].len > 0xFFFFFFFEu)
			return -1;
		total += 30 + 46 + 2 * (uint64_t)nl + files[i].len;
	}
	if (total > 0xFFFFFFFEu)
		return -1;
	struct tm tm;
	gmtime_r(&mtime, &tm);
	if (tm.tm_year < 80)
		tm = (struct tm){ .tm_year = 80, .tm_mday = 1 };
	if (tm.tm_year > 207)
		tm = (struct tm){ .tm_year = 207, .tm_mon = 11, .tm_mday = 31, .tm_hour = 23,
				  .tm_min = 59, .tm_sec = 58 };
	unsigned dtime = (unsigned)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	unsigned ddate = (unsigned)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
	size_t base = out->len;
	uint32_t *offset = xcalloc(n + 1, sizeof(*offset));
	uint32_t *crc = xcalloc(n + 1, sizeof(*crc));
	for (size_t i = 0; i < n; i++) {
		const struct zip_file *f = &files[i];
		offset[i] = (uint32_t)(out->len - base);
		crc[i] = zip_crc32(0, f->data, f->len);
		put32(out, 0x04034b50u); /* local file header */
		put16(out, 20);          /* version needed: 2.0 */
		put16(out, 0x0800);      /* the name is UTF-8 */
		put16(out, 0);           /* stored */
		put16(out, dtime);
		put16(out, ddate);
		put32(out, crc[i]);
		put32(out, (uint32_t)f->len);
		put32(out, (uint32_t)f->len);
		put16(out, (unsigned)strlen(f->name));
		put16(out, 0);
		sb_adds(out, f->name);
		sb_add(out, f->data, f->len);
	}
	uint32_t cd = (uint32_t)(out->len - base);
	for (size_t i = 0; i < n; i++) {
		const struct zip_file *f = &files[i];
		put32(out, 0x02014b50u); /* central directory header */
		put16(out, 3 << 8 | 20); /* made by: Unix, 2.0 (for the mode below) */
		put16(out, 20);
		put16(out, 0x0800);
		put16(out, 0);
		put16(out, dtime);
		put16(out, ddate);
		put32(out, crc[i]);
		put32(out, (uint32_t)f->len);
		put32(out, (uint32_t)f->len);
		put16(out, (unsigned)strlen(f->name));
		put16(out, 0); /* extra */
		put16(out, 0); /* comment */
		put16(out, 0); /* disk */
		put16(out, 0); /* internal attributes */
		put32(out, 0100644u << 16); /* a regular file, rw-r--r-- */
		put32(out, offset[i]);
		sb_adds(out, f->name);
	}
	uint32_t cd_len = (uint32_t)(out->len - base) - cd;
	put32(out, 0x06054b50u); /* end of central directory */
	put16(out, 0);
	put16(out, 0);
	put16(out, (unsigned)n);
	put16(out, (unsigned)n);
	put32(out, cd_len);
	put32(out, cd);
	put16(out, 0);
	free(offset);
	free(crc);
	return 0;
}
