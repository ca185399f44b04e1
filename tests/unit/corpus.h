/* corpus.h: the labelled reply corpora of tests/fixtures, for the unit
 * tests that hold a fast path to its reference on every message. */
#ifndef CT_TEST_CORPUS_H
#define CT_TEST_CORPUS_H

#include <check.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* Calls each(path, raw, len, arg) for every .eml of dirs[0..ndirs). */
static inline int corpus_each(const char *const *dirs, size_t ndirs,
			      void (*each)(const char *path, const char *raw, size_t len, void *arg),
			      void *arg)
{
	int n = 0;
	for (size_t d = 0; d < ndirs; d++) {
		DIR *dir = opendir(dirs[d]);
		ck_assert_msg(dir != NULL, "%s", dirs[d]);
		struct dirent *de;
		while ((de = readdir(dir))) {
			size_t nl = strlen(de->d_name);
			if (nl < 5 || strcmp(de->d_name + nl - 4, ".eml"))
				continue;
			char *path = xasprintf("%s/%s", dirs[d], de->d_name), *raw = NULL;
			size_t len = 0;
			struct ct_err err = { 0 };
			ck_assert_msg(file_read(path, &raw, &len, &err) == CT_OK, "%s", err.msg);
			each(path, raw, len, arg);
			n++;
			free(raw);
			free(path);
		}
		closedir(dir);
	}
	return n;
}

#endif
