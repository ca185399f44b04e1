/* builtin.c: a study's own file, else the built-in one (see embedded.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/embedded.h"
#include "base/util.h"
#include "base/banned.h"

int text_or_builtin(const char *path, const char *builtin, char **text, size_t *len, char **used,
		    struct ct_err *err)
{
	*text = NULL;
	*len = 0;
	if (used)
		*used = NULL;
	struct stat st;
	if (path && stat(path, &st) == 0) {
		int rc = file_read(path, text, len, err);
		if (rc == CT_OK && strlen(*text) != *len)
			rc = ct_fail(err, CT_EINPUT, "%s: a NUL byte at byte %zu", path, strlen(*text));
		if (rc != CT_OK) {
			free(*text);
			*text = NULL;
			*len = 0;
			return rc;
		}
		if (used)
			*used = xstrdup(path);
		return CT_OK;
	}
	if (path && errno != ENOENT && errno != ENOTDIR)
		return ct_fail(err, CT_EENV, "%s: %s", path, strerror(errno));
	const struct embedded_file *f = builtin ? embedded_find(builtin) : NULL;
	if (!f)
		return CT_OK;
	*text = xstrndup(f->data, f->len);
	*len = f->len;
	if (used)
		*used = xstrdup(builtin);
	return CT_OK;
}
