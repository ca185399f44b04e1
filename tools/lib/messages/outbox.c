/* outbox.c: writing the planned messages to a Maildir outbox and storing
 * them in the study, all or nothing (see outbox.h). */
/* syncfs(2), Linux's one call that flushes a whole file system, instead of
 * one fsync per message file. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "messages/outbox.h"
#include "base/timeutil.h"
#include "base/banned.h"

void outbox_result_free(struct outbox_result *r)
{
	compose_apps_free(r->apps, r->n);
	memset(r, 0, sizeof(*r));
}

static int make_dir(const char *path, struct ct_err *err)
{
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return ct_fail(err, CT_EENV, "cannot create %s: %s", path, strerror(errno));
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return ct_fail(err, CT_EENV, "%s is not a folder", path);
	return CT_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the messages in DIR/cur (a reader took them there), without
 * the ":2,FLAGS" that readers append, sorted for bsearch. */
struct cur_names {
	char **v;
	size_t n;
};

static void cur_load(const char *dir, struct cur_names *c)
{
	char *cur = xasprintf("%s/cur", dir);
	DIR *dh = opendir(cur);
	size_t cap = 0;
	free(cur);
	memset(c, 0, sizeof(*c));
	for (struct dirent *e; dh && (e = readdir(dh));) {
		if (e->d_name[0] == '.')
			continue;
		if (c->n == cap) {
			cap = cap ? 2 * cap : 64;
			c->v = xrealloc(c->v, cap * sizeof(*c->v));
		}
		c->v[c->n++] = xstrndup(e->d_name, strcspn(e->d_name, ":"));
	}
	if (dh)
		closedir(dh);
	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), cmp_str);
}

static int cur_has(const struct cur_names *c, const char *name)
{
	return c->n && bsearch(&name, c->v, c->n, sizeof(*c->v), cmp_str) != NULL;
}

static void cur_free(struct cur_names *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i]);
	free(c->v);
}

/* Builds (or takes the stored) message of every application and marks
 * what is skipped; every message that cannot be built goes to probs. */
static int build_all(struct study *s, const char *dir, int due, int force, struct outbox_result *o,
		     struct tpl_problems *probs, struct ct_err *err)
{
	int nv = s->design->variants;
	struct template **t = xcalloc((size_t)nv, sizeof(*t));
	time_t now = time_now();
	compose_load_templates(s, t, probs);
	int rc = compose_load_apps(s, 0, &o->apps, &o->n, err);
	/* Application problems are worth listing only once the templates read. */
	int template_problems = probs->n;
	/* What must be built is built at once, on all processors (GMime's
	 * building was two thirds of the time), then looked at in order. */
	int *idx = xcalloc((size_t)o->n + 1, sizeof(int)), nidx = 0;
	for (int i = 0; !rc && !template_problems && i < o->n; i++) {
		struct compose_app *a = &o->apps[i];
		time_t when;
		if (!strcmp(a->lstatus, "withdrawn")) {
			a->skip = 1;
			o->skipped++;
			continue;
		}
		if (due && (!a->sched || !time_parse_iso(a->sched, &when) || when > now)) {
			a->skip = 2;
			o->not_due++;
			continue;
		}
		if (a->stored && !force) {
			a->reused = 1;
			a->raw = a->stored;
			a->len = a->stored_len;
			a->stored = NULL;
			if (a->sched)
				time_parse_iso(a->sched, &a->when);
		} else {
			idx[nidx++] = i;
		}
	}
	int *rcs = xcalloc((size_t)nidx + 1, sizeof(int));
	struct ct_err *errs = xcalloc((size_t)nidx + 1, sizeof(*errs));
	compose_build_many(s, t, o->apps, idx, nidx, rcs, errs);
	for (int k = 0; k < nidx; k++) {
		struct compose_app *a = &o->apps[idx[k]];
		if (rcs[k])
			tpl_problems_add(probs, "%s", errs[k].msg);
		else if (a->stored && a->stored_len == a->len && !memcmp(a->stored, a->raw, a->len))
			a->reused = 1; /* --force gave the same bytes: nothing new to store */
	}
	free(idx), free(rcs), free(errs);
	compose_templates_free(t, nv);
	if (!rc && probs->n)
		rc = CT_EINPUT;
	if (rc)
		return rc;
	/* A message a reader already took is not written again. */
	struct cur_names cur;
	cur_load(dir, &cur);
	for (int i = 0; i < o->n; i++) {
		struct compose_app *a = &o->apps[i];
		if (a->skip)
			continue;
		a->fname = xasprintf("%lld.%lld.corrtest", (long long)a->when, a->id);
		if (cur_has(&cur, a->fname)) {
			a->skip = 3;
			o->skipped++;
			continue;
		}
		o->written++;
		o->fresh += !a->reused;
	}
	cur_free(&cur);
	return CT_OK;
}

/* Writes data to the file name in the folder dfd (no sync: the caller syncs
 * the whole batch at once). Never through a link planted at that name. */
static int stage(int dfd, const char *shown, const char *name, const char *data, size_t len,
		 struct ct_err *err)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ct_fail(err, CT_EENV, "cannot create %s/tmp/%s: %s", shown, name,
			       strerror(errno));
	int bad = file_write_fd(fd, data, len) != 0;
	int e = errno;
	if (close(fd) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	if (bad) {
		unlinkat(dfd, name, 0);
		return ct_fail(err, CT_EENV, "cannot write %s/tmp/%s: %s", shown, name, strerror(e));
	}
	return CT_OK;
}

static int sync_fd(int fd, const char *what, struct ct_err *err)
{
	if (fsync(fd) != 0 && errno != EINVAL)
		return ct_fail(err, CT_EENV, "cannot sync %s: %s", what, strerror(errno));
	return CT_OK;
}

int outbox_write(struct study *s, const char *dir, int due, int force, struct outbox_result *o,
		 struct tpl_problems *probs, struct ct_err *err)
{
	memset(o, 0, sizeof(*o));
	int rc = build_all(s, dir, due, force, o, probs, err);
	if (rc || !o->written)
		return rc;

	/* The write lock first: a locked study must not leave an empty outbox. */
	char *sub[3] = { xasprintf("%s/tmp", dir), xasprintf("%s/new", dir),
			 xasprintf("%s/cur", dir) };
	int tfd = -1, nfd = -1, nstaged = 0;
	char *detail = NULL;
	rc = study_begin(s, err);
	if (!rc)
		rc = make_dir(dir, err);
	for (int i = 0; !rc && i < 3; i++)
		rc = make_dir(sub[i], err);
	if (!rc && (tfd = open(sub[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = ct_fail(err, CT_EENV, "cannot open %s: %s", sub[0], strerror(errno));
	if (!rc && (nfd = open(sub[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = ct_fail(err, CT_EENV, "cannot open %s: %s", sub[1], strerror(errno));
	if (!rc) {
		detail = xasprintf("%d messages (%d newly composed) to %s", o->written, o->fresh, dir);
		if (!(rc = compose_store(s, o->apps, o->n, err)))
			rc = study_event(s, "compose", dir, detail, err);
	}
	/* Every file is staged in tmp/ first, and the data of all of them is
	 * flushed in one sync of their file system (one fsync per file made a
	 * 6,000-message outbox take 10 s). */
	for (int i = 0; !rc && i < o->n; i++) {
		if (o->apps[i].skip)
			continue;
		rc = stage(tfd, dir, o->apps[i].fname, o->apps[i].raw, o->apps[i].len, err);
		if (!rc)
			nstaged = i + 1;
	}
	/* Something other than a message file in the way in new/ is refused
	 * while the study can still be rolled back. */
	for (int i = 0; !rc && i < o->n; i++) {
		const struct compose_app *a = &o->apps[i];
		struct stat sb;
		if (!a->skip && fstatat(nfd, a->fname, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
		    !S_ISREG(sb.st_mode))
			rc = ct_fail(err, CT_EENV,
				     "cannot move %s/tmp/%s into %s/new: %s/new/%s is in the way and "
				     "is not a message file",
				     dir, a->fname, dir, dir, a->fname);
	}
	if (!rc && syncfs(tfd) != 0)
		rc = ct_fail(err, CT_EENV, "cannot sync %s: %s", sub[0], strerror(errno));
	if (!rc)
		rc = sync_fd(tfd, sub[0], err);
	/* The files move into new/ only after the commit: a Maildir reader (a
	 * mail client sending the outbox) takes what is in new/, so new/ must
	 * never hold a message the study does not store, even when the process
	 * is killed between two steps. Killed after the commit, some messages
	 * are stored but still in tmp/, which readers ignore; a rerun writes
	 * the stored bytes again (e2e 0106). */
	if (!rc)
		rc = study_commit(s, err);
	if (rc) {
		study_rollback(s);
		for (int i = 0; i < nstaged; i++)
			if (!o->apps[i].skip)
				unlinkat(tfd, o->apps[i].fname, 0);
		goto out;
	}
	for (int i = 0; !rc && i < o->n; i++) {
		if (o->apps[i].skip)
			continue;
		if (renameat(tfd, o->apps[i].fname, nfd, o->apps[i].fname) != 0)
			/* Committed: a rerun writes the same stored bytes again. */
			rc = ct_fail(err, CT_EENV,
				     "cannot move %s/tmp/%s into %s/new: %s (the messages are stored; "
				     "run the command again)",
				     dir, o->apps[i].fname, dir, strerror(errno));
	}
	/* The new names are on disk before the command says it is done. */
	if (!rc)
		rc = sync_fd(nfd, sub[1], err);
	if (!rc)
		rc = sync_fd(tfd, sub[0], err);
out:
	if (tfd >= 0)
		close(tfd);
	if (nfd >= 0)
		close(nfd);
	for (int i = 0; i < 3; i++)
		free(sub[i]);
	free(detail);
	return rc;
}
