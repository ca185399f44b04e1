/* purge.c: retention and erasure of landlords' and agents' personal data
 * (purge.h). */
/* memmem */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence/purge.h"
#include "base/timeutil.h"
#include "base/banned.h"

/* What a file is renamed to while the purge is not yet committed. */
#define PURGING ".purging"

#define MAX_RETENTION_DAYS 36500L
/* Shorter values would find themselves in unrelated files (a name "Jo",
 * a price); such values are cleared in the database all the same. */
#define MIN_NEEDLE 5

const char *purge_state_key(int state)
{
	static const char *const k[] = { "due", "held", "recent", "pending" };
	return state >= 0 && state <= PURGE_PENDING ? k[state] : "?";
}

const char *purge_kind_key(int kind)
{
	static const char *const k[PK_KIND_N] = { "emails", "names",  "phones", "urls",	 "titles",
						  "raw_messages", "headers", "notes", "bodies" };
	return kind >= 0 && kind < PK_KIND_N ? k[kind] : "?";
}

/* ---- study.ini [evidence] ---- */

void purge_config_free(struct purge_config *c)
{
	for (int i = 0; i < c->nholds; i++)
		free(c->holds[i]);
	free(c->holds);
	memset(c, 0, sizeof(*c));
}

int purge_config_read(const struct study *s, struct purge_config *c, struct ct_err *err)
{
	memset(c, 0, sizeof(*c));
	c->retention_days = 365;
	const char *v = config_get(s->cfg, "evidence", "retention_days");
	if (v && *v) {
		long d;
		if (!parse_long(v, &d) || d < 0 || d > MAX_RETENTION_DAYS)
			return ct_fail(err, CT_EINPUT,
				       "study.ini:%d: [evidence] retention_days must be a whole number "
				       "of days from 0 to %ld, not '%s'",
				       config_line(s->cfg, "evidence", "retention_days"),
				       MAX_RETENTION_DAYS, v);
		c->retention_days = d;
	}
	v = config_get(s->cfg, "evidence", "legal_hold");
	if (!v || !*v)
		return CT_OK;
	int line = config_line(s->cfg, "evidence", "legal_hold");
	char *copy = xstrdup(v);
	int rc = CT_OK;
	for (char *p = copy, *next; p && !rc; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = 0;
		char *name = str_trim(p);
		if (!*name) {
			rc = ct_fail(err, CT_EINPUT,
				     "study.ini:%d: [evidence] legal_hold has an empty name (two commas, "
				     "or a comma at an end): give agents' names separated by commas",
				     line);
		} else if (has_control(name) || !utf8_check(name, strlen(name), NULL)) {
			rc = ct_fail(err, CT_EINPUT,
				     "study.ini:%d: [evidence] legal_hold: a name holds a control "
				     "character or is not UTF-8",
				     line);
		} else {
			c->holds = xrealloc(c->holds, (size_t)(c->nholds + 1) * sizeof(char *));
			c->holds[c->nholds++] = xstrdup(name);
		}
	}
	free(copy);
	if (rc)
		purge_config_free(c);
	return rc;
}

/* ---- Which listings are due ---- */

void purge_listings_free(struct purge_listing *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i].ref);
	free(l);
}

static int by_id(const void *a, const void *b)
{
	int64_t x = ((const struct purge_listing *)a)->id, y = ((const struct purge_listing *)b)->id;
	return (x > y) - (x < y);
}

static int by_ref(const void *a, const void *b)
{
	return strcmp(((const struct purge_listing *)a)->ref, ((const struct purge_listing *)b)->ref);
}

static struct purge_listing *find_listing(struct purge_listing *l, size_t n, int64_t id)
{
	struct purge_listing key = { .id = id };
	return bsearch(&key, l, n, sizeof(*l), by_id);
}

/* Every contact with a listing: added, written to, answered (a reply's
 * time, also one logged by phone), its advert re-checked; the latest is
 * its last activity. Coding a reply later is not contact and does not
 * extend the retention (study.ini counts from the last message). Times are
 * compared parsed, not as text (offsets). */
static const char ACTIVITY_SQL[] =
	"SELECT id, added_at FROM listing"
	" UNION ALL SELECT listing, sent_at FROM application WHERE sent_at IS NOT NULL"
	" UNION ALL SELECT a.listing, m.at FROM message m JOIN application a ON a.id = m.application"
	" UNION ALL SELECT a.listing, r.at FROM response r JOIN application a ON a.id = r.application"
	"  WHERE r.at IS NOT NULL"
	" UNION ALL SELECT listing, at FROM snapshot";

/* Work still to do for a listing: its data are needed to do it. */
static const char PENDING_SQL[] =
	"SELECT listing FROM application WHERE status = 'planned' OR status = 'sending'"
	" UNION SELECT listing FROM recheck WHERE status = 'due'";

int purge_select(struct study *s, const struct purge_config *c, time_t now,
		 struct purge_listing **out, size_t *n, struct ct_err *err)
{
	*out = NULL;
	*n = 0;
	char (*keys)[16] = c->nholds ? xcalloc((size_t)c->nholds, 16) : NULL;
	int rc = CT_OK;
	for (int i = 0; i < c->nholds && !rc; i++)
		if ((rc = study_agent_key(s, c->holds[i], keys[i], err)) == CT_PROBLEM)
			rc = ct_fail(err, CT_PROBLEM,
				     "the agent key was purged, so study.ini [evidence] legal_hold can "
				     "no longer be matched to listings; nothing was purged");
	struct purge_listing *l = NULL;
	size_t nl = 0, cap = 0;
	char **lkey = NULL;
	sqlite3_stmt *st = NULL;
	int step = SQLITE_DONE;
	if (!rc)
		rc = study_prepare(s, "SELECT id, ref, agent_key FROM listing ORDER BY id", &st, err);
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		if (nl == cap) {
			cap = cap ? 2 * cap : 256;
			l = xrealloc(l, cap * sizeof(*l));
			lkey = xrealloc(lkey, cap * sizeof(*lkey));
		}
		l[nl] = (struct purge_listing){ .id = sqlite3_column_int64(st, 0),
						.ref = study_column_dup(st, 1, "") };
		lkey[nl++] = study_column_dup(st, 2, NULL);
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the listings");
	sqlite3_finalize(st);
	st = NULL;
	time_t *last = xcalloc(nl ? nl : 1, sizeof(time_t));
	int *matched = xcalloc((size_t)c->nholds + 1, sizeof(int));
	for (size_t i = 0; i < nl; i++) {
		last[i] = (time_t)-1;
		l[i].state = PURGE_DUE;
		for (int k = 0; k < c->nholds; k++)
			if (lkey[i] && !strcmp(lkey[i], keys[k])) {
				l[i].state = PURGE_HELD;
				matched[k]++;
			}
	}
	/* A hold that matches no listing protects nothing: a typo, or a name
	 * that is not the agent's, must not let its data be purged unseen. */
	for (int k = 0; k < c->nholds && !rc; k++)
		if (!matched[k])
			rc = ct_fail(err, CT_EINPUT,
				     "study.ini:%d: [evidence] legal_hold: '%s' matches no listing's "
				     "agent: give the agent's name as the listings have it (or, for a "
				     "private landlord without one, the contact e-mail address); "
				     "nothing was purged",
				     config_line(s->cfg, "evidence", "legal_hold"), c->holds[k]);
	free(matched);
	if (!rc)
		rc = study_prepare(s, ACTIVITY_SQL, &st, err);
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct purge_listing *p = find_listing(l, nl, sqlite3_column_int64(st, 0));
		const char *t = (const char *)sqlite3_column_text(st, 1);
		time_t tt;
		if (!p || !t)
			continue;
		/* A time that cannot be read keeps the listing: better kept too
		 * long than purged while in use. */
		if (!time_parse_iso(t, &tt))
			tt = now;
		if (tt > last[p - l])
			last[p - l] = tt;
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the listings' activity");
	sqlite3_finalize(st);
	st = NULL;
	if (!rc)
		rc = study_prepare(s, PENDING_SQL, &st, err);
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct purge_listing *p = find_listing(l, nl, sqlite3_column_int64(st, 0));
		if (p && p->state == PURGE_DUE)
			p->state = PURGE_PENDING;
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the work pending");
	sqlite3_finalize(st);
	time_t cutoff = now - (time_t)c->retention_days * 86400;
	for (size_t i = 0; i < nl; i++) {
		if (last[i] != (time_t)-1)
			time_iso_utc(last[i], l[i].last);
		/* Kept for retention_days whole days after the last activity:
		 * due from that moment on. */
		if (l[i].state == PURGE_DUE && (last[i] == (time_t)-1 || last[i] > cutoff))
			l[i].state = PURGE_RECENT;
		free(lkey[i]);
	}
	free(lkey);
	free(last);
	free(keys);
	if (rc) {
		purge_listings_free(l, nl);
		return rc;
	}
	*out = l;
	*n = nl;
	return CT_OK;
}

/* ---- Helpers ---- */

static int exec_sql(struct study *s, const char *sql, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, sql, &st, err);
	if (!rc)
		rc = study_step_done(s, st, err, "purging");
	sqlite3_finalize(st);
	return rc;
}

/* One integer from sql (no parameters). */
static int query_long(struct study *s, const char *sql, long *v, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, sql, &st, err);
	if (rc)
		return rc;
	*v = 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		*v = (long)sqlite3_column_int64(st, 0);
	else
		rc = study_db_error(s, err, "counting what to purge");
	sqlite3_finalize(st);
	return rc;
}

static void push_str(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = s;
}

static void lower_ascii(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] >= 'A' && p[i] <= 'Z')
			p[i] = (char)(p[i] - 'A' + 'a');
}

/* The values looked for in files and in the event log, each in the forms
 * it takes in them: as is, XML/HTML-escaped (reports), JSON-escaped and
 * CSV-quoted; lower case (compared without regard to ASCII case, as
 * addresses are). */
struct needles {
	char **v;
	size_t n;
};

static void needle_add1(struct needles *nd, char *s)
{
	lower_ascii(s, strlen(s));
	for (size_t i = 0; i < nd->n; i++)
		if (!strcmp(nd->v[i], s)) {
			free(s);
			return;
		}
	push_str(&nd->v, &nd->n, s);
}

static void needle_add(struct needles *nd, const char *value)
{
	if (!value)
		return;
	char *t = str_trim(xstrdup(value));
	if (strlen(t) < MIN_NEEDLE) {
		free(t);
		return;
	}
	needle_add1(nd, xstrdup(t));
	struct strbuf sb = STRBUF_INIT;
	sb_add_xml(&sb, t);
	needle_add1(nd, sb_detach(&sb));
	for (const char *p = t; *p; p++) {
		if (*p == '"' || *p == '\\' || *p == '/')
			sb_addc(&sb, '\\');
		sb_addc(&sb, *p);
	}
	needle_add1(nd, sb_detach(&sb));
	for (const char *p = t; *p; p++) {
		if (*p == '"')
			sb_addc(&sb, '"');
		sb_addc(&sb, *p);
	}
	needle_add1(nd, sb_detach(&sb));
	/* A phone number written without its spaces. */
	for (const char *p = t; *p; p++)
		if (*p != ' ')
			sb_addc(&sb, *p);
	if (sb.len >= MIN_NEEDLE)
		needle_add1(nd, sb_detach(&sb));
	sb_free(&sb);
	free(t);
}

static void needles_free(struct needles *nd)
{
	for (size_t i = 0; i < nd->n; i++)
		free(nd->v[i]);
	free(nd->v);
}

static int is_alnum_ascii(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether data (lowered in place) holds any needle as a whole word: no
 * letter or digit right before or after it, so that a landlord called
 * "Peeters" does not match the agency "Immo Peeterson" nor a listing
 * .../1234 the listing .../12345. */
static int holds_needle(const struct needles *nd, char *data, size_t len)
{
	lower_ascii(data, len);
	for (size_t i = 0; i < nd->n; i++) {
		size_t nl = strlen(nd->v[i]);
		const unsigned char *v = (const unsigned char *)nd->v[i];
		for (const char *p = data, *end = data + len; p < end;) {
			const char *hit = memmem(p, (size_t)(end - p), nd->v[i], nl);
			if (!hit)
				break;
			int before = hit > data && is_alnum_ascii((unsigned char)hit[-1]) &&
				     is_alnum_ascii(v[0]);
			int after = hit + nl < end && is_alnum_ascii((unsigned char)hit[nl]) &&
				    is_alnum_ascii(v[nl - 1]);
			if (!before && !after)
				return 1;
			p = hit + 1;
		}
	}
	return 0;
}

/* nd: what files are searched for; ev: that and the portal numbers and
 * titles, for the event log (too short or common to search files for). */
static int collect_needles(struct study *s, struct needles *nd, struct needles *ev,
			   struct ct_err *err)
{
	static const char *const sql[] = {
		"SELECT contact_email, contact_name, agent_name, contact_phone FROM listing_contact"
		" WHERE listing IN (SELECT listing FROM temp.purge_set)",
		"SELECT url, url_key, NULL, NULL FROM listing WHERE id IN (SELECT listing FROM"
		" temp.purge_set)",
		"SELECT url, final_url, NULL, NULL FROM snapshot WHERE listing IN (SELECT listing FROM"
		" temp.purge_set)",
		/* Not the personas' own addresses (their self copies): those are
		 * in every message of the study. */
		"SELECT from_addr, NULL, NULL, NULL FROM message WHERE id IN (SELECT id FROM"
		" temp.purge_msg) AND lower(from_addr) NOT IN (SELECT lower(email) FROM persona)",
	};
	for (size_t q = 0; q < sizeof(sql) / sizeof(*sql); q++) {
		sqlite3_stmt *st;
		int rc = study_prepare(s, sql[q], &st, err), step;
		if (rc)
			return rc;
		while ((step = sqlite3_step(st)) == SQLITE_ROW)
			for (int i = 0; i < 4; i++) {
				needle_add(nd, (const char *)sqlite3_column_text(st, i));
				needle_add(ev, (const char *)sqlite3_column_text(st, i));
			}
		sqlite3_finalize(st);
		if (step != SQLITE_DONE)
			return study_db_error(s, err, "reading the values to purge");
	}
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT portal_ref, title FROM listing WHERE id IN (SELECT listing"
				  " FROM temp.purge_set)", &st, err), step;
	if (rc)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		for (int i = 0; i < 2; i++)
			needle_add(ev, (const char *)sqlite3_column_text(st, i));
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the values to purge");
}

/* Overwrites a file with zeros, then removes it, so that its bytes do not
 * stay on the disk's free blocks (on a file system that writes in place;
 * copy-on-write file systems and SSDs may still keep old blocks). */
static int wipe_file(const char *path, struct ct_err *err)
{
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat sb;
	if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
		static const char zeros[65536];
		off_t left = sb.st_size;
		while (left > 0) {
			size_t k = left > (off_t)sizeof(zeros) ? sizeof(zeros) : (size_t)left;
			if (file_write_fd(fd, zeros, k) != 0)
				break;
			left -= (off_t)k;
		}
		(void)fsync(fd);
	}
	if (fd >= 0)
		close(fd);
	if (unlink(path) != 0 && errno != ENOENT)
		return ct_fail(err, CT_EENV, "cannot remove %s: %s", path, strerror(errno));
	return CT_OK;
}

/* Design files are the team's: never removed, named when they hold a
 * purged value. */
static int is_design(const char *rel)
{
	static const char *const top[] = { "study.ini", "secrets.ini", NULL };
	static const char *const dirs[] = { "templates/", "names/", "coding/", NULL };
	for (int i = 0; top[i]; i++)
		if (!strcmp(rel, top[i]))
			return 1;
	for (int i = 0; dirs[i]; i++)
		if (!strncmp(rel, dirs[i], strlen(dirs[i])))
			return 1;
	return 0;
}

static int in_list(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

/* Every regular file under dir/rel that holds a needle (symbolic links
 * are not followed: what they point to is not in the study folder). */
static int scan_dir(const char *dir, const char *rel, const struct needles *nd,
		    struct purge_result *r, struct ct_err *err)
{
	char *path = *rel ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
	DIR *d = opendir(path);
	if (!d) {
		int rc = ct_fail(err, CT_EENV, "cannot read the folder %s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	struct dirent *e;
	int rc = CT_OK;
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *sub = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		char *full = xasprintf("%s/%s", dir, sub);
		struct stat sb;
		/* The database and its WAL are rewritten by VACUUM instead; a
		 * copy of it (study.db.bak) is a file like any other. */
		int db = !*rel && (!strcmp(e->d_name, "study.db") || !strcmp(e->d_name, "study.db-wal") ||
				   !strcmp(e->d_name, "study.db-shm") ||
				   !strcmp(e->d_name, "study.db-journal"));
		if (db || lstat(full, &sb) != 0) {
			/* gone meanwhile, or the database */
		} else if (S_ISDIR(sb.st_mode)) {
			rc = scan_dir(dir, sub, nd, r, err);
		} else if (S_ISREG(sb.st_mode)) {
			char *data;
			size_t len;
			size_t nlen = strlen(e->d_name);
			/* Left by a purge that was committed but did not finish
			 * removing its files. */
			if (nlen > strlen(PURGING) &&
			    !strcmp(e->d_name + nlen - strlen(PURGING), PURGING)) {
				if (!in_list(r->files_removed, r->nfiles_removed, sub))
					push_str(&r->files_removed, &r->nfiles_removed, xstrdup(sub));
			} else if ((rc = file_read(full, &data, &len, err)) == CT_OK) {
				if (holds_needle(nd, data, len)) {
					if (is_design(sub))
						push_str(&r->files_kept, &r->nfiles_kept, xstrdup(sub));
					else if (!in_list(r->files_removed, r->nfiles_removed, sub))
						push_str(&r->files_removed, &r->nfiles_removed, xstrdup(sub));
				}
				free(data);
			}
		}
		free(sub);
		free(full);
	}
	closedir(d);
	free(path);
	return rc;
}

/* Every regular file under dir/rel, added to the files removed. */
static void add_tree(const char *dir, const char *rel, struct purge_result *r)
{
	char *path = xasprintf("%s/%s", dir, rel);
	DIR *d = opendir(path);
	free(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *sub = xasprintf("%s/%s", rel, e->d_name);
		char *full = xasprintf("%s/%s", dir, sub);
		struct stat sb;
		if (lstat(full, &sb) != 0)
			; /* gone meanwhile */
		else if (S_ISDIR(sb.st_mode))
			add_tree(dir, sub, r);
		else if (S_ISREG(sb.st_mode) && !in_list(r->files_removed, r->nfiles_removed, sub))
			push_str(&r->files_removed, &r->nfiles_removed, xstrdup(sub));
		free(sub);
		free(full);
	}
	closedir(d);
}

/* A dossier (dossiers/KEY/ and dossiers/KEY.zip, as corrtest dossier
 * writes it) is one document: when any of its files holds purged data,
 * all of it goes, rather than leaving a manifest that names files no
 * longer there. The folders are removed once empty (remove_dossier_dirs). */
static char *dossier_unit(const char *f)
{
	if (strncmp(f, "dossiers/", 9))
		return NULL;
	char *unit = xstrdup(f + 9);
	unit[strcspn(unit, "/")] = '\0';
	size_t len = strlen(unit);
	if (len > 4 && !strcmp(unit + len - 4, ".zip"))
		unit[len - 4] = '\0';
	return unit;
}

/* held: the agent keys under legal hold. The dossier of a held agent is
 * never removed: a file of it that holds a purged value (a due landlord
 * named like someone in it) is named as kept instead, like a design file. */
static void dossier_units(const char *dir, struct purge_result *r, char (*held)[16], int nheld)
{
	size_t keep = 0;
	for (size_t i = 0; i < r->nfiles_removed; i++) {
		char *unit = dossier_unit(r->files_removed[i]);
		int is_held = 0;
		for (int k = 0; unit && k < nheld; k++)
			is_held |= !strcmp(unit, held[k]);
		free(unit);
		if (is_held)
			push_str(&r->files_kept, &r->nfiles_kept, r->files_removed[i]);
		else
			r->files_removed[keep++] = r->files_removed[i];
	}
	r->nfiles_removed = keep;
	size_t n = r->nfiles_removed;
	for (size_t i = 0; i < n; i++) {
		char *unit = dossier_unit(r->files_removed[i]);
		if (!unit)
			continue;
		char *tree = xasprintf("dossiers/%s", unit);
		char *zip = xasprintf("dossiers/%s.zip", unit);
		char *zipfull = xasprintf("%s/%s", dir, zip);
		struct stat sb;
		add_tree(dir, tree, r);
		if (lstat(zipfull, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    !in_list(r->files_removed, r->nfiles_removed, zip))
			push_str(&r->files_removed, &r->nfiles_removed, xstrdup(zip));
		free(unit);
		free(tree);
		free(zip);
		free(zipfull);
	}
}

/* After the files were wiped: the dossiers' folders they left empty,
 * deepest first (rmdir fails on one that still holds something). */
static void remove_dossier_dirs(const char *dir, const struct purge_result *r)
{
	for (size_t i = 0; i < r->nfiles_removed; i++) {
		const char *f = r->files_removed[i];
		if (strncmp(f, "dossiers/", 9))
			continue;
		char *p = xasprintf("%s/%s", dir, f);
		size_t stop = strlen(dir) + strlen("/dossiers");
		for (char *slash; (slash = strrchr(p, '/')) && (size_t)(slash - p) > stop;) {
			*slash = '\0';
			if (rmdir(p) != 0)
				break;
		}
		free(p);
	}
}

/* The outbox files of the messages purged: removed wherever they are
 * (compose --outbox may write outside the study folder), even when their
 * encoding hides the address from a text search. */
static int outbox_files(struct study *s, struct purge_result *r, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT outbox_file FROM message WHERE outbox_file IS NOT NULL AND"
				  " id IN (SELECT id FROM temp.purge_msg) ORDER BY id",
			       &st, err), step;
	if (rc)
		return rc;
	size_t dl = strlen(s->dir);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *f = (const char *)sqlite3_column_text(st, 0);
		char *rel = f[0] == '/' && !strncmp(f, s->dir, dl) && f[dl] == '/' ? xstrdup(f + dl + 1)
										  : xstrdup(f);
		char *full = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", s->dir, rel);
		struct stat sb;
		if (lstat(full, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    !in_list(r->files_removed, r->nfiles_removed, rel))
			push_str(&r->files_removed, &r->nfiles_removed, rel);
		else
			free(rel);
		free(full);
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the outbox files");
}

static int scan_events(struct study *s, const struct needles *nd, struct purge_result *r,
		       struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT id, coalesce(subject, '') || char(10) ||"
				  " coalesce(detail, '') FROM event ORDER BY id",
			       &st, err), step;
	if (rc)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		char *t = xstrndup((const char *)sqlite3_column_text(st, 1), len);
		if (holds_needle(nd, t, len)) {
			r->events_with_data = xrealloc(r->events_with_data,
						       (r->nevents_with_data + 1) * sizeof(long));
			r->events_with_data[r->nevents_with_data++] = (long)sqlite3_column_int64(st, 0);
		}
		free(t);
	}
	sqlite3_finalize(st);
	return step == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading the event log");
}

/* ---- The database ---- */

/* What is counted and cleared, kind by kind: a sum of "IS NOT NULL" over
 * the rows purged, then the UPDATE that clears them. */
struct clear {
	const char *count;
	const char *update;
	int kind[4];
};

#define IN_SET " IN (SELECT listing FROM temp.purge_set)"
#define APP_IN_SET " IN (SELECT id FROM application WHERE listing" IN_SET ")"
#define MSG_IN_SET " IN (SELECT id FROM temp.purge_msg)"

static const struct clear CLEARS[] = {
	{ "SELECT count(contact_email), count(contact_name) + count(agent_name),"
	  " count(contact_phone), 0 FROM listing_contact WHERE listing" IN_SET,
	  "UPDATE listing_contact SET contact_email = NULL, contact_name = NULL,"
	  " agent_name = NULL, contact_phone = NULL WHERE listing" IN_SET,
	  { PK_EMAIL, PK_NAME, PK_PHONE, -1 } },
	{ "SELECT count(url) + count(url_key) + count(portal_ref), count(title), 0, 0"
	  " FROM listing WHERE id" IN_SET,
	  "UPDATE listing SET url = NULL, url_key = NULL, portal_ref = NULL, title = NULL"
	  " WHERE id" IN_SET,
	  { PK_URL, PK_TITLE, -1, -1 } },
	/* The landlord's own Message-ID names its mail domain; ours (outgoing)
	 * names the personas' and is kept, as application.message_id is. */
	{ "SELECT count(raw), count(from_addr) + count(subject) + count(in_reply_to) +"
	  " sum(direction = 'in' AND message_id IS NOT NULL), 0, 0 FROM message WHERE id" MSG_IN_SET,
	  "UPDATE message SET raw = NULL, from_addr = NULL, subject = NULL, in_reply_to = NULL,"
	  " message_id = CASE direction WHEN 'in' THEN NULL ELSE message_id END,"
	  " outbox_file = NULL WHERE id" MSG_IN_SET,
	  { PK_RAW, PK_HEADER, -1, -1 } },
	/* cancel_reason stays: stats counts the pairs skipped in the field by
	 * their reason (a figure), and the same words are in the field skip's
	 * event, which no purge can change. */
	{ "SELECT count(last_error), 0, 0, 0 FROM application"
	  " WHERE listing" IN_SET,
	  "UPDATE application SET last_error = NULL WHERE listing" IN_SET,
	  { PK_NOTE, -1, -1, -1 } },
	{ "SELECT count(note), 0, 0, 0 FROM response WHERE application" APP_IN_SET,
	  "UPDATE response SET note = NULL WHERE application" APP_IN_SET,
	  { PK_NOTE, -1, -1, -1 } },
	{ "SELECT count(note), 0, 0, 0 FROM coding WHERE application" APP_IN_SET,
	  "UPDATE coding SET note = NULL WHERE application" APP_IN_SET,
	  { PK_NOTE, -1, -1, -1 } },
	{ "SELECT count(url) + count(final_url), count(title) + count(price),"
	  " count(body), count(error) + count(why) FROM snapshot WHERE listing" IN_SET,
	  "UPDATE snapshot SET url = NULL, final_url = NULL, title = NULL, price = NULL,"
	  " body = NULL, error = NULL, why = NULL WHERE listing" IN_SET,
	  { PK_URL, PK_TITLE, PK_BODY, PK_NOTE } },
	{ "SELECT count(last_error), 0, 0, 0 FROM recheck WHERE listing" IN_SET,
	  "UPDATE recheck SET last_error = NULL WHERE listing" IN_SET,
	  { PK_NOTE, -1, -1, -1 } },
};

static int count_clears(struct study *s, struct purge_result *r, struct ct_err *err)
{
	for (size_t i = 0; i < sizeof(CLEARS) / sizeof(*CLEARS); i++) {
		sqlite3_stmt *st;
		int rc = study_prepare(s, CLEARS[i].count, &st, err);
		if (rc)
			return rc;
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_finalize(st);
			return study_db_error(s, err, "counting what to purge");
		}
		for (int k = 0; k < 4; k++)
			if (CLEARS[i].kind[k] >= 0)
				r->counts[CLEARS[i].kind[k]] += (long)sqlite3_column_int64(st, k);
		sqlite3_finalize(st);
	}
	return CT_OK;
}

static int apply_clears(struct study *s, struct ct_err *err)
{
	int rc = CT_OK;
	for (size_t i = 0; i < sizeof(CLEARS) / sizeof(*CLEARS) && !rc; i++)
		rc = exec_sql(s, CLEARS[i].update, err);
	return rc;
}

/* A listing holds something purge would remove. */
#define HOLDS_DATA                                                                             \
	"SELECT l.id FROM listing l LEFT JOIN listing_contact c ON c.listing = l.id"          \
	" WHERE l.url IS NOT NULL OR l.url_key IS NOT NULL OR l.portal_ref IS NOT NULL"       \
	" OR l.title IS NOT NULL OR c.contact_email IS NOT NULL OR c.contact_name IS NOT NULL" \
	" OR c.agent_name IS NOT NULL OR c.contact_phone IS NOT NULL"                         \
	" OR EXISTS (SELECT 1 FROM message m JOIN application a ON a.id = m.application"      \
	"  WHERE a.listing = l.id AND (m.raw IS NOT NULL OR m.from_addr IS NOT NULL"          \
	"  OR m.subject IS NOT NULL OR m.outbox_file IS NOT NULL))"                           \
	" OR EXISTS (SELECT 1 FROM snapshot p WHERE p.listing = l.id AND (p.url IS NOT NULL"  \
	"  OR p.final_url IS NOT NULL OR p.title IS NOT NULL OR p.body IS NOT NULL))"

/* Fills temp.purge_set with the due listings that hold data and
 * temp.purge_msg with their messages, the unlinked incoming messages
 * older than the retention (unless from the address of a listing that is
 * kept, so that it can still be linked) and the second deliveries of
 * those. Lists every listing that holds data, with its state. */
static int fill_sets(struct study *s, struct purge_listing *all, size_t nall, time_t cutoff,
		     struct purge_result *r, struct ct_err *err)
{
	int rc;
	if ((rc = exec_sql(s, "CREATE TEMP TABLE IF NOT EXISTS purge_set (listing INTEGER"
			      " PRIMARY KEY)", err)) ||
	    (rc = exec_sql(s, "CREATE TEMP TABLE IF NOT EXISTS purge_msg (id INTEGER PRIMARY KEY)",
			   err)) ||
	    (rc = exec_sql(s, "DELETE FROM temp.purge_set", err)) ||
	    (rc = exec_sql(s, "DELETE FROM temp.purge_msg", err)))
		return rc;
	sqlite3_stmt *st, *ins;
	if ((rc = study_prepare(s, HOLDS_DATA, &st, err)))
		return rc;
	if ((rc = study_prepare(s, "INSERT INTO temp.purge_set (listing) VALUES (?)", &ins, err))) {
		sqlite3_finalize(st);
		return rc;
	}
	int step;
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		struct purge_listing *p = find_listing(all, nall, sqlite3_column_int64(st, 0));
		if (!p)
			continue;
		r->listings = xrealloc(r->listings, (r->nlistings + 1) * sizeof(*r->listings));
		r->listings[r->nlistings] = *p;
		r->listings[r->nlistings++].ref = xstrdup(p->ref);
		switch (p->state) {
		case PURGE_DUE: r->due++; break;
		case PURGE_HELD: r->held++; break;
		case PURGE_RECENT: r->recent++; break;
		default: r->pending++; break;
		}
		if (p->state != PURGE_DUE)
			continue;
		sqlite3_bind_int64(ins, 1, p->id);
		rc = study_step_done(s, ins, err, "choosing the listings to purge");
		sqlite3_reset(ins);
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(s, err, "choosing the listings to purge");
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	if (rc || (rc = exec_sql(s, "INSERT INTO temp.purge_msg (id) SELECT m.id FROM message m"
				    " JOIN application a ON a.id = m.application"
				    " WHERE a.listing" IN_SET, err)))
		return rc;
	/* Unlinked incoming messages. */
	/* Kept retention_days from the later of its Date (which the sender
	 * wrote, and may have written years back) and when it was fetched
	 * (its fetch.store event): a reply waiting to be linked by hand is not
	 * purged the day it arrives. */
	if ((rc = study_prepare(s, "SELECT m.id, m.at, (SELECT max(e.at) FROM event e WHERE"
				   " e.action = 'fetch.store' AND e.subject = 'message ' || m.id)"
				   " FROM message m WHERE m.application IS NULL"
				   " AND m.duplicate_of IS NULL AND (m.raw IS NOT NULL OR"
				   " m.from_addr IS NOT NULL OR m.subject IS NOT NULL)"
				   " AND (m.from_addr IS NULL OR lower(m.from_addr) NOT IN"
				   "  (SELECT lower(c.contact_email) FROM listing_contact c"
				   "   WHERE c.contact_email IS NOT NULL AND c.listing NOT" IN_SET "))",
				&st, err)))
		return rc;
	if ((rc = study_prepare(s, "INSERT INTO temp.purge_msg (id) VALUES (?)", &ins, err))) {
		sqlite3_finalize(st);
		return rc;
	}
	while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *at = (const char *)sqlite3_column_text(st, 1);
		const char *got = (const char *)sqlite3_column_text(st, 2);
		time_t t, tg;
		if (!at || !time_parse_iso(at, &t) || t > cutoff ||
		    (got && (!time_parse_iso(got, &tg) || tg > cutoff)))
			continue;
		sqlite3_bind_int64(ins, 1, sqlite3_column_int64(st, 0));
		rc = study_step_done(s, ins, err, "choosing the messages to purge");
		sqlite3_reset(ins);
		r->unlinked++;
	}
	if (!rc && step != SQLITE_DONE)
		rc = study_db_error(s, err, "choosing the messages to purge");
	sqlite3_finalize(st);
	sqlite3_finalize(ins);
	if (!rc)
		rc = exec_sql(s, "INSERT OR IGNORE INTO temp.purge_msg (id) SELECT id FROM message"
				 " WHERE duplicate_of" MSG_IN_SET, err);
	return rc;
}

/* ---- Secrets ---- */

/* The secrets file without the sections of this study's personas, in
 * *kept (NULL when no section is left); *removed counts those taken out. */
static int secrets_strip(struct study *s, const char *text, char **kept, long *removed,
			 struct ct_err *err)
{
	char **mail = NULL;
	size_t nmail = 0;
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT email FROM persona", &st, err), step;
	if (rc)
		return rc;
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		push_str(&mail, &nmail, study_column_dup(st, 0, ""));
	sqlite3_finalize(st);
	if (step != SQLITE_DONE)
		rc = study_db_error(s, err, "reading the personas");
	struct strbuf out = STRBUF_INIT;
	int drop = 0, sections = 0;
	*removed = 0;
	for (const char *p = text; !rc && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p + 1) : strlen(p);
		char *line = str_trim(xstrndup(p, len));
		size_t ll = strlen(line);
		if (line[0] == '[' && ll > 2 && line[ll - 1] == ']') {
			line[ll - 1] = 0;
			char *addr = str_trim(line + 1);
			drop = 0;
			for (size_t i = 0; i < nmail && !drop; i++)
				drop = str_eq_ci(mail[i], addr);
			if (drop)
				(*removed)++;
			else
				sections++;
		}
		if (!drop)
			sb_add(&out, p, len);
		explicit_bzero(line, ll);
		free(line);
		p += len;
	}
	for (size_t i = 0; i < nmail; i++)
		free(mail[i]);
	free(mail);
	if (rc || !sections) {
		if (out.buf)
			explicit_bzero(out.buf, out.len);
		sb_free(&out);
		*kept = NULL;
		return rc;
	}
	*kept = sb_detach(&out);
	return CT_OK;
}

/* Removes the personas' sections from the secrets file (the whole file
 * when nothing else is left in it); the old bytes are overwritten. */
static int purge_secrets(struct study *s, int dry_run, struct purge_result *r,
			 struct ct_err *err)
{
	const char *env = getenv("CORRTEST_SECRETS");
	char *path = env && *env ? xstrdup(env) : xasprintf("%s/secrets.ini", s->dir);
	struct stat sb;
	if (lstat(path, &sb) != 0) {
		free(path);
		return CT_OK;
	}
	r->secrets_path = path;
	if (!S_ISREG(sb.st_mode))
		return ct_fail(err, CT_EINPUT, "the secrets file %s is not a regular file", path);
	char *text, *kept = NULL;
	size_t len;
	int rc = file_read(path, &text, &len, err);
	if (rc)
		return rc;
	rc = secrets_strip(s, text, &kept, &r->secret_sections, err);
	explicit_bzero(text, len);
	free(text);
	if (rc)
		return rc;
	r->secrets_file_removed = !kept;
	if (dry_run || !r->secret_sections) {
		if (kept)
			explicit_bzero(kept, strlen(kept));
		free(kept);
		return CT_OK;
	}
	if (!kept)
		return wipe_file(path, err);
	/* The new file takes the name; the old one, still open, is zeroed. */
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	rc = file_write_atomic(path, kept, strlen(kept), 0600, err);
	explicit_bzero(kept, strlen(kept));
	free(kept);
	if (fd >= 0) {
		static const char zeros[4096];
		for (off_t left = sb.st_size; !rc && left > 0; left -= (off_t)sizeof(zeros))
			if (file_write_fd(fd, zeros, left > (off_t)sizeof(zeros) ? sizeof(zeros)
										   : (size_t)left))
				break;
		(void)fsync(fd);
		close(fd);
	}
	return rc;
}

/* ---- The run ---- */

void purge_result_free(struct purge_result *r)
{
	if (!r)
		return;
	purge_listings_free(r->listings, r->nlistings);
	for (size_t i = 0; i < r->nfiles_removed; i++)
		free(r->files_removed[i]);
	free(r->files_removed);
	for (size_t i = 0; i < r->nfiles_kept; i++)
		free(r->files_kept[i]);
	free(r->files_kept);
	free(r->events_with_data);
	free(r->secrets_path);
	free(r);
}

/* Rewrites the database so that what was cleared is in no page of
 * study.db, its free list or its WAL: the WAL is checkpointed into the
 * file and truncated, VACUUM rebuilds the file from the live rows only,
 * and the WAL that VACUUM wrote is checkpointed and truncated again. */
static int rewrite_db(struct study *s, struct ct_err *err)
{
	static const char *const steps[] = { "PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM",
					     "PRAGMA wal_checkpoint(TRUNCATE)" };
	for (size_t i = 0; i < 3; i++) {
		sqlite3_stmt *st;
		int rc = study_prepare(s, steps[i], &st, err);
		if (rc)
			return rc;
		int step = sqlite3_step(st);
		int busy = step == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
		sqlite3_finalize(st);
		if ((step != SQLITE_ROW && step != SQLITE_DONE) || busy)
			return ct_fail(err, CT_EENV,
				       "the data were purged, but %s could not be rewritten (%s): "
				       "another program has the study open; run corrtest purge again "
				       "when it is done, so that no old copy stays in the file or its WAL",
				       s->db_path, busy ? "busy" : sqlite3_errmsg(s->db));
	}
	return CT_OK;
}

int purge_run(struct study *s, const struct purge_options *o, struct purge_result **out,
	      struct ct_err *err)
{
	*out = NULL;
	struct purge_config c;
	int rc = purge_config_read(s, &c, err);
	if (rc)
		return rc;
	if (o->all && c.nholds) {
		purge_config_free(&c);
		return ct_fail(err, CT_EINPUT,
			       "study.ini:%d: [evidence] legal_hold names agents: their listings "
			       "are matched through the agent key, which --all would remove; lift "
			       "the hold first",
			       config_line(s->cfg, "evidence", "legal_hold"));
	}
	struct purge_result *r = xcalloc(1, sizeof(*r));
	time_t now = time_now(), cutoff = now - (time_t)c.retention_days * 86400;
	r->retention_days = c.retention_days;
	time_iso_utc(now, r->now);
	time_iso_utc(cutoff, r->cutoff);
	int lockfd = -1, lockdb = -1;
	if (!o->dry_run &&
	    ((rc = study_lock_run(s, NULL, "corrtest purge", &lockfd, err)) ||
	     (rc = study_lock_run(s, "study.db", "corrtest purge", &lockdb, err)))) {
		study_unlock_run(lockfd);
		purge_config_free(&c);
		purge_result_free(r);
		return rc;
	}
	/* Cleared values are overwritten with zeros in their pages, not just
	 * unlinked from the b-tree. */
	if (!o->dry_run)
		rc = exec_sql(s, "PRAGMA secure_delete = ON", err);
	struct purge_listing *all = NULL;
	size_t nall = 0;
	struct needles nd = { 0 }, ev = { 0 };
	if (!rc)
		rc = study_begin(s, err);
	if (rc)
		goto out_unlocked;
	if ((rc = purge_select(s, &c, now, &all, &nall, err)) ||
	    (rc = fill_sets(s, all, nall, cutoff, r, err)) || (rc = count_clears(s, r, err)) ||
	    (rc = collect_needles(s, &nd, &ev, err)) || (rc = outbox_files(s, r, err)))
		goto fail;
	if ((rc = scan_dir(s->dir, "", &nd, r, err)) ||
	    (ev.n && (rc = scan_events(s, &ev, r, err))))
		goto fail;
	char (*held)[16] = xcalloc((size_t)c.nholds + 1, 16);
	for (int k = 0; k < c.nholds && !rc; k++)
		rc = study_agent_key(s, c.holds[k], held[k], err);
	if (!rc)
		dossier_units(s->dir, r, held, c.nholds);
	free(held);
	if (rc)
		goto fail;
	qsort(r->listings, r->nlistings, sizeof(*r->listings), by_ref);
	if (o->all) {
		long n = 0;
		if ((rc = query_long(s, "SELECT count(*) FROM study_secret WHERE name = 'agent_key'",
				     &n, err)))
			goto fail;
		r->agent_key_removed = n > 0;
	}
	if (o->dry_run) {
		if (o->secrets && (rc = purge_secrets(s, 1, r, err)))
			goto fail;
		study_rollback(s);
		goto out_unlocked;
	}
	long nfiles = (long)r->nfiles_removed;
	if ((rc = apply_clears(s, err)))
		goto fail;
	/* The secrets file is rewritten before the commit, like the files. */
	if (o->secrets && (rc = purge_secrets(s, 0, r, err)))
		goto fail;
	if (o->all && r->agent_key_removed &&
	    (rc = exec_sql(s, "DELETE FROM study_secret WHERE name = 'agent_key'", err)))
		goto fail;
	char *detail = xasprintf(
		"retention_days=%ld cutoff=%s listings=%ld held=%ld recent=%ld pending=%ld "
		"unlinked_messages=%ld emails=%ld names=%ld phones=%ld urls=%ld titles=%ld "
		"raw_messages=%ld headers=%ld notes=%ld bodies=%ld files=%ld events_with_data=%zu "
		"secret_sections=%ld agent_key=%s",
		r->retention_days, r->cutoff, r->due, r->held, r->recent, r->pending, r->unlinked,
		r->counts[PK_EMAIL], r->counts[PK_NAME], r->counts[PK_PHONE], r->counts[PK_URL],
		r->counts[PK_TITLE], r->counts[PK_RAW], r->counts[PK_HEADER], r->counts[PK_NOTE],
		r->counts[PK_BODY], nfiles, r->nevents_with_data, o->secrets ? r->secret_sections : 0,
		r->agent_key_removed ? "removed" : "kept");
	rc = study_event(s, "purge", o->secrets ? "personal data and secrets" : "personal data",
			 detail, err);
	free(detail);
	if (rc)
		goto fail;
	r->event_id = sqlite3_last_insert_rowid(s->db);
	/* All or nothing: before the commit every file is renamed aside
	 * (NAME.purging, in its own folder: a rename that can be undone); if
	 * one cannot be, or the commit fails, they are put back. Only once
	 * the purge is committed are they overwritten and removed; one left
	 * by a crash in between is found by name by the next purge. */
	size_t moved = 0;
	for (; moved < r->nfiles_removed && !rc; moved++) {
		const char *f = r->files_removed[moved];
		char *full = f[0] == '/' ? xstrdup(f) : xasprintf("%s/%s", s->dir, f);
		char *aside = xasprintf("%s" PURGING, full);
		if (rename(full, aside) != 0 && errno != ENOENT)
			rc = ct_fail(err, CT_EENV, "cannot remove %s: %s; nothing was purged", full,
				     strerror(errno));
		free(full);
		free(aside);
	}
	if (!rc && !(rc = exec_sql(s, "DROP TABLE temp.purge_set", err)) &&
	    !(rc = exec_sql(s, "DROP TABLE temp.purge_msg", err)))
		rc = study_commit(s, err);
	for (size_t i = 0; i < moved; i++) {
		const char *f = r->files_removed[i];
		char *full = f[0] == '/' ? xstrdup(f) : xasprintf("%s/%s", s->dir, f);
		char *aside = xasprintf("%s" PURGING, full);
		if (rc && rename(aside, full) != 0) {
			/* Not put back: say so, or the next purge would take it
			 * for a purged file's leftover and wipe it. */
			size_t l = strlen(err->msg);
			snprintf(err->msg + l, sizeof(err->msg) - l,
				 "; %s could not be put back: rename it to %s yourself", aside, full);
		} else if (!rc && wipe_file(aside, err) != CT_OK) {
			r->files_left++;
		}
		free(full);
		free(aside);
	}
	if (rc)
		goto fail;
	remove_dossier_dirs(s->dir, r);
	if (r->agent_key_removed && s->agent_secret) {
		explicit_bzero(s->agent_secret, s->agent_secret_len);
		free(s->agent_secret);
		s->agent_secret = NULL;
	}
	if (!(rc = rewrite_db(s, err)))
		r->vacuumed = 1;
	goto out_unlocked;
fail:
	study_rollback(s);
out_unlocked:
	study_unlock_run(lockdb);
	study_unlock_run(lockfd);
	needles_free(&nd);
	needles_free(&ev);
	purge_listings_free(all, nall);
	purge_config_free(&c);
	if (rc) {
		purge_result_free(r);
		return rc;
	}
	*out = r;
	return CT_OK;
}
