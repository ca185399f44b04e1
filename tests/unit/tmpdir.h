/* tmpdir.h: temporary folders for unit tests, removed when the test
 * process exits (Check forks each test; the child cleans up its own). */
#ifndef CT_TEST_TMPDIR_H
#define CT_TEST_TMPDIR_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static char *tmpdir_paths[32];
static int tmpdir_count;

static void tmpdir_cleanup(void)
{
	for (int i = 0; i < tmpdir_count; i++) {
		/* mkdtemp names hold only [/A-Za-z0-9-]: safe in a shell word. */
		char *cmd = xasprintf("rm -rf '%s'", tmpdir_paths[i]);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir_paths[i]);
		free(cmd);
		free(tmpdir_paths[i]);
	}
	tmpdir_count = 0;
}

/* A new empty folder /tmp/PREFIX-XXXXXX; caller frees the string. */
static char *tmpdir_new(const char *prefix)
{
	char *tmpl = xasprintf("/tmp/%s-XXXXXX", prefix);
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	if (tmpdir_count == 0)
		atexit(tmpdir_cleanup);
	if (tmpdir_count < (int)(sizeof(tmpdir_paths) / sizeof(tmpdir_paths[0])))
		tmpdir_paths[tmpdir_count++] = xstrdup(tmpl);
	return tmpl;
}

#endif
