/* cvdoc.c: the CV document's pure helpers (no database, no rendering):
 * freeing a document and the attachment's file name. */
#include "cv/cv.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

void cv_doc_free(struct cv_doc *d)
{
	if (!d)
		return;
	free(d->lang);
	free(d->name);
	free(d->headline);
	free(d->summary_title);
	free(d->summary);
	/* All slots, not only ncontact: a document being filled in when its
	 * loading failed may hold one more than it counted. */
	for (int i = 0; i < CV_MAXCONTACT; i++) {
		free(d->contact_label[i]);
		free(d->contact_value[i]);
	}
	for (int i = 0; i < d->nsec && i < CV_MAXSECTIONS; i++) {
		struct cv_section *s = &d->sec[i];
		free(s->title);
		for (int j = 0; j < s->n; j++) {
			free(s->e[j].when);
			free(s->e[j].what);
			free(s->e[j].where);
			free(s->e[j].text);
		}
		free(s->e);
	}
	free(d->title);
	free(d->author);
	memset(d, 0, sizeof(*d));
}

/* Appends part with every run of white space made one '_' (none at either
 * end), and the characters a file system or a MIME parameter treats
 * specially (/ \ " and controls) made '_' too: a name holds none of them,
 * but a file name must never be a path. Letters, accented or not, stay. */
static void add_name_part(struct strbuf *sb, const char *part)
{
	int gap = 0;
	for (const unsigned char *p = (const unsigned char *)part; *p; p++) {
		int space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
		if (space) {
			gap = 1;
			continue;
		}
		if (gap && sb->len > 0 && sb->buf[sb->len - 1] != '_')
			sb_addc(sb, '_');
		gap = 0;
		int bad = *p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\' || *p == '"';
		sb_addc(sb, bad ? '_' : (char)*p);
	}
}

char *cv_file_name(const char *first, const char *last)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "CV");
	const char *parts[2] = { first, last };
	for (int i = 0; i < 2; i++) {
		if (!parts[i])
			continue;
		size_t before = sb.len;
		sb_addc(&sb, '_');
		add_name_part(&sb, parts[i]);
		if (sb.len == before + 1) /* nothing but blanks */
			sb.len = before, sb.buf[sb.len] = '\0';
	}
	sb_adds(&sb, ".pdf");
	return sb_detach(&sb);
}
