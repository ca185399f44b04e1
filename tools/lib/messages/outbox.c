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
#include "evidence/followup.h"
#include "fielding/channel.h"
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

/* At most this many applications are named in one problem line. */
#define NAMED_MAX 10

/* Every template that no longer reads (t[v] NULL) and that unsent stored
 * messages were rendered from: one problem naming the template and those
 * applications, since they cannot be composed again until it is fixed. */
static void name_stuck(struct study *s, struct template *const *t, const struct outbox_result *o,
		       struct tpl_problems *probs)
{
	const struct design *d = s->design;
	for (int v = 1; v <= d->variants; v++) {
		if (t[v - 1])
			continue;
		struct strbuf sb = STRBUF_INIT;
		int n = 0;
		for (int i = 0; i < o->n; i++) {
			const struct compose_app *a = &o->apps[i];
			if (a->variant != v || !a->stored || !strcmp(a->lstatus, "withdrawn"))
				continue;
			if (n < NAMED_MAX)
				sb_addf(&sb, "%s%lld (listing %s)", n ? ", " : "", a->id, a->ref);
			n++;
		}
		if (n > NAMED_MAX)
			sb_addf(&sb, " and %d more", n - NAMED_MAX);
		if (n)
			tpl_problems_add(probs,
					 "%s/v%d.txt changed since the unsent message%s of application%s "
					 "%s %s composed, and cannot be rendered again until it reads "
					 "correctly (the problems above); nothing was written",
					 d->templates_dir, v, n == 1 ? "" : "s", n == 1 ? "" : "s",
					 sb_str(&sb), n == 1 ? "was" : "were");
		sb_free(&sb);
	}
}

/* Builds (or takes the stored) message of every application and marks
 * what is skipped; every message that cannot be built goes to probs.
 *
 * A stored message is reused unless force, or unless its template changed
 * since it was rendered (compose_stale): then it is rendered again with
 * its Message-ID, and counted in o->rerendered when the bytes differ. A
 * message a reader already took into DIR/cur is never rendered again (the
 * study keeps the text the reader took); one whose template changed is
 * counted in o->taken_stale. */
/* Whether a's stored message is addressed to the listing's contact: its
 * To: field (as mime_build writes it, one address) compared without case.
 * Anything else (no To:, another address) counts as not. */
static int stored_to_is(const struct compose_app *a)
{
	if (!a->contact || !*a->contact)
		return 1; /* nothing to compare with: build_all refuses it anyway */
	const char *h = a->stored, *end = a->stored + a->stored_len;
	while (h < end) {
		const char *nl = memchr(h, '\n', (size_t)(end - h));
		size_t len = nl ? (size_t)(nl - h) : (size_t)(end - h);
		if (len == 0 || (len == 1 && h[0] == '\r'))
			return 0; /* end of the header block */
		if (len > 4 && !strncasecmp(h, "To: ", 4)) {
			const char *v = h + 4;
			size_t vl = len - 4;
			if (vl && v[vl - 1] == '\r')
				vl--;
			size_t cl = strlen(a->contact);
			/* GMime writes a bare address; allow "<addr>" too. */
			if (vl == cl + 2 && v[0] == '<' && v[vl - 1] == '>')
				v++, vl -= 2;
			return vl == cl && !strncasecmp(v, a->contact, cl);
		}
		h = nl ? nl + 1 : end;
	}
	return 0;
}

static int build_all(struct study *s, const char *dir, int due, int force, struct outbox_result *o,
		     struct tpl_problems *probs, struct ct_err *err)
{
	int nv = s->design->variants;
	struct template **t = xcalloc((size_t)compose_ntemplates(s->design), sizeof(*t));
	time_t now = time_now();
	struct cur_names cur;
	compose_load_templates(s, t, probs);
	int rc = compose_load_apps(s, 0, &o->apps, &o->n, err);
	/* Application problems are worth listing only once the templates read. */
	int template_problems = probs->n;
	if (!rc && template_problems)
		name_stuck(s, t, o, probs);
	/* A message a reader already took is not written again, nor rendered
	 * again. */
	cur_load(dir, &cur);
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
		/* An application planned for a portal, web mail, phone or SMS is
		 * sent by a person from `corrtest field list`, never from the
		 * outbox (a mail client would send it a second time). */
		if (fielding_channel_by_hand(a->channel)) {
			a->skip = 4;
			o->other_channel++;
			continue;
		}
		if (due && (!a->sched || !time_parse_iso(a->sched, &when) || when > now)) {
			a->skip = 2;
			o->not_due++;
			continue;
		}
		int taken = 0;
		if (a->stored && a->sched && time_parse_iso(a->sched, &a->when)) {
			char *name = xasprintf("%lld.%lld.corrtest", (long long)a->when, a->id);
			taken = cur_has(&cur, name);
			free(name);
		}
		/* A message composed for a contact address the listing no longer
		 * has is composed again (Message-ID kept), as send --live refuses
		 * to send it (sendrun.c take_stored). */
		if ((rc = compose_load_cv(s, a, err)))
			break;
		int stale = compose_stale(a, t, nv) || (a->stored && !stored_to_is(a));
		if (a->stored && (taken || (!force && !stale))) {
			o->taken_stale += taken && stale;
			a->reused = 1;
			a->raw = a->stored;
			a->len = a->stored_len;
			a->stored = NULL;
		} else {
			idx[nidx++] = i;
		}
	}
	int *rcs = xcalloc((size_t)nidx + 1, sizeof(int));
	struct ct_err *errs = xcalloc((size_t)nidx + 1, sizeof(*errs));
	compose_build_many(s, t, o->apps, idx, nidx, rcs, errs);
	for (int k = 0; k < nidx; k++) {
		struct compose_app *a = &o->apps[idx[k]];
		if (rcs[k]) {
			if (a->stored && !force)
				tpl_problems_add(probs, "%s (its unsent message was composed from an "
						 "older %s/v%d.txt and must be composed again)",
						 errs[k].msg, s->design->templates_dir, a->variant);
			else
				tpl_problems_add(probs, "%s", errs[k].msg);
		} else if (a->stored && a->stored_len == a->len && !memcmp(a->stored, a->raw, a->len)) {
			a->reused = 1; /* the same bytes: nothing new to store */
		} else if (a->stored && !force) {
			o->rerendered++;
		}
	}
	free(idx), free(rcs), free(errs);
	compose_templates_free(t, compose_ntemplates(s->design));
	if (!rc && probs->n)
		rc = CT_EINPUT;
	if (rc) {
		cur_free(&cur);
		return rc;
	}
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

/* Where the study records the outbox: the folder relative to the study
 * folder when it lies inside it (so that moving the study with its outbox
 * keeps the record right), else its absolute path. Caller frees. */
static char *outbox_place(struct study *s, const char *dir)
{
	char *rdir = realpath(dir, NULL), *rstudy = realpath(s->dir, NULL), *out;
	size_t n = rstudy ? strlen(rstudy) : 0;
	if (!rdir)
		out = xstrdup(dir);
	else if (rstudy && !strncmp(rdir, rstudy, n) && rdir[n] == '/')
		out = xstrdup(rdir + n + 1);
	else
		out = xstrdup(rdir);
	free(rdir);
	free(rstudy);
	return out;
}

/* Records in message.outbox_file where each written message's file is
 * (PLACE/new/NAME), on the application's latest outgoing message, the one
 * the file holds: a reused message is written again, maybe to another
 * outbox. Inside the caller's transaction. */
static int record_files(struct study *s, const char *place, const struct outbox_result *o,
			struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "UPDATE message SET outbox_file = ?2 WHERE id = (SELECT max(id) "
				  "FROM message WHERE application = ?1 AND direction = 'out')",
			       &st, err);
	for (int i = 0; !rc && i < o->n; i++) {
		const struct compose_app *a = &o->apps[i];
		if (a->skip)
			continue;
		char *f = xasprintf("%s/new/%s", place, a->fname);
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, a->id);
		sqlite3_bind_text(st, 2, f, -1, SQLITE_TRANSIENT);
		free(f);
		rc = study_step_done(s, st, err, "recording an outbox file");
	}
	sqlite3_finalize(st);
	return rc;
}

/* An application now planned for another channel: a file an earlier run
 * wrote for it is taken back (a person sends it from field list). */
static int take_back_other_channel(struct study *s, struct outbox_result *o, struct ct_err *err)
{
	int rc = CT_OK;
	for (int i = 0; !rc && i < o->n; i++) {
		if (o->apps[i].skip != 4 || !o->apps[i].stored)
			continue;
		struct outbox_withdrawn w;
		rc = outbox_withdraw_application(s, o->apps[i].id, &w, err);
		o->other_channel_removed += w.removed;
		outbox_withdrawn_free(&w);
	}
	return rc;
}

int outbox_write(struct study *s, const char *dir, int due, int force, struct outbox_result *o,
		 struct tpl_problems *probs, struct ct_err *err)
{
	memset(o, 0, sizeof(*o));
	/* A follow-up whose pair no longer differs is cancelled (its file
	 * leaves the outbox) before the messages are picked. */
	int rc = followup_refresh(s, NULL, err);
	if (!rc)
		rc = build_all(s, dir, due, force, o, probs, err);
	if (rc || !o->written)
		return rc ? rc : take_back_other_channel(s, o, err);

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
		char *place = outbox_place(s, dir);
		if (o->rerendered)
			detail = xasprintf("%d messages (%d newly composed, %d of them rendered again "
					   "from changed templates) to %s",
					   o->written, o->fresh, o->rerendered, dir);
		else
			detail = xasprintf("%d messages (%d newly composed) to %s", o->written,
					   o->fresh, dir);
		if (!(rc = compose_store(s, o->apps, o->n, err)))
			rc = record_files(s, place, o, err);
		if (!rc)
			rc = study_event(s, "compose", dir, detail, err);
		free(place);
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
	if (!rc)
		rc = take_back_other_channel(s, o, err);
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

void outbox_withdrawn_free(struct outbox_withdrawn *w)
{
	for (int i = 0; i < w->taken; i++)
		free(w->taken_files[i]);
	free(w->taken_files);
	free(w->detail);
	memset(w, 0, sizeof(*w));
}

/* Whether name is what outbox_write calls application app's file:
 * EPOCH.APP.corrtest. Only such files are ever removed. */
static int is_message_file(const char *name, long long app)
{
	char *tail = xasprintf(".%lld.corrtest", app);
	size_t n = strlen(name), t = strlen(tail);
	int ok = n > t && !strcmp(name + n - t, tail) &&
		 strspn(name, "0123456789-") == n - t;
	free(tail);
	return ok;
}

/* A file in root/cur named name or name:FLAGS (a reader took it), as a
 * path; NULL if none. Caller frees. */
static char *find_taken(const char *root, const char *name)
{
	char *cur = xasprintf("%s/cur", root), *found = NULL;
	size_t n = strlen(name);
	DIR *dh = opendir(cur);
	for (struct dirent *e; dh && !found && (e = readdir(dh));)
		if (!strncmp(e->d_name, name, n) && (e->d_name[n] == '\0' || e->d_name[n] == ':'))
			found = xasprintf("%s/%s", cur, e->d_name);
	if (dh)
		closedir(dh);
	free(cur);
	return found;
}

/* Removes root/SUB/name; 1 if it was there, 0 if not, -1 on an error. */
static int remove_in(const char *root, const char *sub, const char *name, struct ct_err *err)
{
	char *p = xasprintf("%s/%s/%s", root, sub, name);
	int r = 1;
	if (unlink(p) != 0) {
		r = errno == ENOENT || errno == ENOTDIR ? 0 : -1;
		if (r < 0)
			ct_fail(err, CT_EENV, "cannot remove %s: %s", p, strerror(errno));
	}
	free(p);
	return r;
}

/* Removes the outbox files of the unsent messages sql selects (rows of
 * application id and outbox_file, with ?1 bound to id). */
static int withdraw_files(struct study *s, const char *sql, long long id, const char *note,
			  struct outbox_withdrawn *w, struct ct_err *err);

int outbox_withdraw_listing(struct study *s, long long listing, const char *note,
			    struct outbox_withdrawn *w, struct ct_err *err)
{
	/* Every file an unsent message of the listing was written to: an older
	 * message row keeps the file of an earlier outbox run. */
	static const char sql[] =
		"SELECT DISTINCT a.id, m.outbox_file FROM application a"
		" JOIN message m ON m.application = a.id AND m.direction = 'out'"
		" WHERE a.listing = ?1 AND a.status = 'planned' AND m.outbox_file IS NOT NULL"
		" ORDER BY a.id, m.outbox_file";
	return withdraw_files(s, sql, listing, note, w, err);
}

int outbox_withdraw_application(struct study *s, long long app, struct outbox_withdrawn *w,
				struct ct_err *err)
{
	static const char sql[] =
		"SELECT DISTINCT a.id, m.outbox_file FROM application a"
		" JOIN message m ON m.application = a.id AND m.direction = 'out'"
		" WHERE a.id = ?1 AND a.status = 'planned' AND m.outbox_file IS NOT NULL"
		" ORDER BY m.outbox_file";
	return withdraw_files(s, sql, app, NULL, w, err);
}

int outbox_withdraw_unsent(struct study *s, struct outbox_withdrawn *w, struct ct_err *err)
{
	static const char sql[] =
		"SELECT DISTINCT a.id, m.outbox_file FROM application a"
		" JOIN message m ON m.application = a.id AND m.direction = 'out'"
		" WHERE a.status = 'planned' AND a.sent_at IS NULL AND a.simulated = 0"
		" AND m.outbox_file IS NOT NULL AND ?1 = ?1 ORDER BY a.id, m.outbox_file";
	return withdraw_files(s, sql, 0, NULL, w, err);
}

static int withdraw_files(struct study *s, const char *sql, long long id, const char *note,
			  struct outbox_withdrawn *w, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, sql, &st, err), nfiles = 0;
	memset(w, 0, sizeof(*w));
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	int step = SQLITE_DONE;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		long long app = sqlite3_column_int64(st, 0);
		const char *f = (const char *)sqlite3_column_text(st, 1);
		char *full = f[0] == '/' ? xstrdup(f) : xasprintf("%s/%s", s->dir, f);
		char *slash = strrchr(full, '/');
		const char *name = slash + 1;
		/* Only PLACE/new/EPOCH.APP.corrtest is a file this study wrote. */
		if (slash - full < 4 || strncmp(slash - 4, "/new", 4) || !is_message_file(name, app)) {
			free(full);
			continue;
		}
		nfiles++;
		*slash = '\0';
		slash[-4] = '\0'; /* full is now the outbox folder */
		int in_new = remove_in(full, "new", name, err);
		int in_tmp = in_new < 0 ? 0 : remove_in(full, "tmp", name, err);
		if (in_new < 0 || in_tmp < 0) {
			rc = CT_EENV;
		} else if (in_new || in_tmp) {
			w->removed++;
		} else {
			char *taken = find_taken(full, name);
			if (taken) {
				w->taken_files = xrealloc(w->taken_files,
							  (size_t)(w->taken + 1) * sizeof(char *));
				w->taken_files[w->taken++] = taken;
			} else {
				w->missing++;
			}
		}
		free(full);
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the outbox files of a listing");
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (nfiles)
		w->detail = xasprintf("%s%soutbox: %d file%s removed, %d already taken by a reader "
				      "(cur/), %d not found",
				      note ? note : "", note ? "; " : "", w->removed,
				      w->removed == 1 ? "" : "s", w->taken, w->missing);
	else if (note)
		w->detail = xstrdup(note);
	return CT_OK;
}
