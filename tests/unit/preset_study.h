/* preset_study.h: the built-in housing-nl preset filled in (Gent, seed 7,
 * start 2026-12-07), and a study made from it in a temporary folder, for
 * the unit suites that need a real study database. Header-only. */
#ifndef CT_TEST_PRESET_STUDY_H
#define CT_TEST_PRESET_STUDY_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/embedded.h"
#include "store/study.h"
#include "tmpdir.h"

/* study.ini text of the preset with its placeholders filled (caller frees). */
static inline char *preset_filled(void)
{
	const struct embedded_file *f = embedded_find("templates/presets/housing-nl.ini");
	ck_assert_ptr_nonnull(f);
	struct strbuf sb = STRBUF_INIT;
	for (const char *p = f->data; *p; p++) {
		if (!strncmp(p, "@CITY@", 6)) {
			sb_adds(&sb, "Gent");
			p += 5;
		} else if (!strncmp(p, "@SEED@", 6)) {
			sb_adds(&sb, "7");
			p += 5;
		} else if (!strncmp(p, "@START@", 7)) {
			sb_adds(&sb, "2026-12-07");
			p += 6;
		} else {
			sb_addc(&sb, *p);
		}
	}
	return sb_detach(&sb);
}

/* A new study of the preset in /tmp/PREFIX-XXXXXX/study, open for writing;
 * its folder in *dir when dir is not NULL (caller frees). */
static inline struct study *preset_study(const char *prefix, char **dir)
{
	char *tmpl = tmpdir_new(prefix);
	char *path = xasprintf("%s/study", tmpl);
	free(tmpl);
	char *text = preset_filled();
	struct ct_err err = { 0 };
	ck_assert_msg(study_create(path, text, &err) == CT_OK, "%s", err.msg);
	struct study *s;
	ck_assert_msg(study_open(path, STUDY_RW, &s, &err) == CT_OK, "%s", err.msg);
	free(text);
	if (dir)
		*dir = path;
	else
		free(path);
	return s;
}

#endif
