/* mimescan.h: the leaf parts of a plainly built MIME message, without
 * GMime's object tree.
 *
 * Coding reads the text of thousands of replies; building and freeing
 * GMime's objects for each costs more than everything else coding does.
 * Most replies are built plainly: 7-bit header fields "Name: value" (with
 * folding), a Content-Type of type/subtype and simple parameters, the
 * usual transfer encodings, multiparts whose boundaries are where they
 * belong. For such a message this walks the parts in order and hands each
 * leaf's decoded bytes to a callback; the transfer encodings are undone
 * by GMime's own decoders, so the bytes are those GMime would give.
 *
 * Anything it is not sure to read as GMime does (8-bit bytes in any
 * header, encoded words in Content-Type or Content-Disposition, a repeated
 * Content-Type, Content-Transfer-Encoding or Content-Disposition, RFC 2231
 * parameters, comments, empty charsets, lines over 998 bytes, folded
 * values over 4 KiB, mixed line ends around a boundary, message/... and
 * rfc822-headers parts, multipart/digest, a missing boundary, uuencode,
 * nesting deeper than 8, a message that starts with its empty line) makes
 * it return 0, and the caller parses the message with GMime. A unit test
 * holds its output to GMime's on every corpus message, whole and cut
 * short, and on what a differential fuzzer found.
 * Pure: no I/O. */
#ifndef CT_MIMESCAN_H
#define CT_MIMESCAN_H

#include <stddef.h>

struct mimescan_leaf {
	const char *type, *subtype; /* lower case */
	const char *charset;        /* the charset parameter, or NULL */
	int attachment;             /* Content-Disposition: attachment */
	const char *bytes;          /* decoded content, NUL-terminated */
	size_t len;
};

/* Calls leaf(l, arg) for every leaf part of raw[0..len), depth first,
 * that want (NULL: every leaf) asks for; want sees the leaf before its
 * bytes are decoded (l->bytes is ""), and a leaf it does not want is
 * neither decoded nor passed to leaf. Returns 1 when the message was read; 0
 * when it is not plain enough (leaf may have been called for some parts
 * before: the caller discards what it collected). */
int mimescan_walk(const char *raw, size_t len,
		  int (*want)(const struct mimescan_leaf *l, void *arg),
		  void (*leaf)(const struct mimescan_leaf *l, void *arg), void *arg);

#endif
