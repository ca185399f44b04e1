/* zip.h: a ZIP archive (PKWARE APPNOTE 6.3) of files held in memory, each
 * stored (method 0, no compression): the dossier's raw messages are small
 * and a stored entry is read by every unzip, Windows' and macOS' own
 * included, with nothing to trust but the CRC-32 beside it. Names are
 * UTF-8 (general-purpose flag bit 11). No ZIP64: an archive past 4 GiB or
 * 65,535 entries is refused. Pure: the caller writes the bytes. */
#ifndef CT_EVIDENCE_ZIP_H
#define CT_EVIDENCE_ZIP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/util.h"

/* The CRC-32 of ISO 3309 / ITU-T V.42 (the one of zip, gzip and PNG):
 * reflected polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF.
 * Start with crc = 0; pass the result back in to continue over more
 * bytes. zip_crc32(0, "123456789", 9) = 0xCBF43926. */
uint32_t zip_crc32(uint32_t crc, const void *data, size_t len);

struct zip_file {
	const char *name; /* path inside the archive, '/' between folders */
	const void *data;
	size_t len;
};

/* Appends the whole archive of files[0..n) to out, every entry dated
 * mtime (UTC, as MS-DOS time: two-second steps, 1980 to 2107). Returns 0,
 * or -1 when it would need ZIP64 or a name is empty, absolute, has a ".."
 * part or a backslash (then out is unchanged). */
int zip_build(const struct zip_file *files, size_t n, time_t mtime, struct strbuf *out);

#endif
