/* study.c: the study folder and its SQLite database. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/embedded.h"
#include "store/study.h"
#include "base/timeutil.h"
#include "base/banned.h"

/* How long a command waits for another process's write lock before it
 * reports the database as locked (CORRTEST_BUSY_MS overrides). */
#define BUSY_MS_DEFAULT 3000

static int busy_ms(void)
{
	long v;
	const char *e = getenv("CORRTEST_BUSY_MS");
	return e && parse_long(e, &v) && v >= 0 && v < 600000 ? (int)v : BUSY_MS_DEFAULT;
}

const char *study_actor(void)
{
	const char *a = getenv("CORRTEST_ACTOR");
	if (a && *a && !has_control(a))
		return a;
	a = getenv("USER");
	return a && *a && !has_control(a) ? a : "corrtest";
}

int study_db_error(struct study *s, struct ct_err *err, const char *what)
{
	int code = sqlite3_errcode(s->db) & 0xFF;
	if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
		return ct_fail(err, CT_EENV,
			       "%s: the database is locked by another process (%s); try again when "
			       "it has finished",
			       s->db_path, what);
	if (code == SQLITE_READONLY)
		return ct_fail(err, CT_EENV, "%s: cannot write (%s): %s", s->db_path, what,
			       sqlite3_errmsg(s->db));
	return ct_fail(err, CT_EENV, "%s: %s: %s", s->db_path, what, sqlite3_errmsg(s->db));
}

int study_prepare(struct study *s, const char *sql, sqlite3_stmt **st, struct ct_err *err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return study_db_error(s, err, "prepare");
	}
	return CT_OK;
}

char *study_column_dup(sqlite3_stmt *st, int i, const char *if_null)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (t)
		return xstrdup((const char *)t);
	return if_null ? xstrdup(if_null) : NULL;
}

int study_step_done(struct study *s, sqlite3_stmt *st, struct ct_err *err, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE || rc == SQLITE_ROW)
		return CT_OK;
	return study_db_error(s, err, what);
}

/* Runs fixed SQL text (no parameters: schema and pragmas only). */
static int exec_fixed(struct study *s, const char *sql, struct ct_err *err, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		sqlite3_free(msg);
		return study_db_error(s, err, what);
	}
	return CT_OK;
}

int study_begin(struct study *s, struct ct_err *err)
{
	if (s->mode != STUDY_RW)
		return ct_fail(err, CT_EENV, "%s: opened read-only", s->db_path);
	int rc = exec_fixed(s, "BEGIN IMMEDIATE", err, "begin");
	if (!rc)
		s->in_tx = 1;
	return rc;
}

int study_commit(struct study *s, struct ct_err *err)
{
	int rc = exec_fixed(s, "COMMIT", err, "commit");
	if (rc) {
		study_rollback(s);
		return rc;
	}
	s->in_tx = 0;
	return CT_OK;
}

void study_rollback(struct study *s)
{
	if (s->in_tx)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = 0;
}

/* Forward migrations: migrations[v] takes a database from user_version v to
 * v + 1. Version 0 is the empty database; its step is the whole schema. */
static const char *migration_sql(int from)
{
	char path[64];
	if (from == 0)
		snprintf(path, sizeof(path), "tools/lib/store/schema.sql");
	else
		snprintf(path, sizeof(path), "tools/lib/store/migrate-%d.sql", from + 1);
	const struct embedded_file *f = embedded_find(path);
	return f ? f->data : NULL;
}

static int migrate(struct study *s, int from, struct ct_err *err)
{
	for (int v = from; v < STUDY_SCHEMA_VERSION; v++) {
		const char *sql = migration_sql(v);
		if (!sql)
			return ct_fail(err, CT_EENV, "%s: no migration from schema %d", s->db_path, v);
		int rc = exec_fixed(s, sql, err, "migrate");
		if (rc)
			return rc;
		/* PRAGMA takes no bound parameters; the value is our own integer. */
		char pragma[64];
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
		if ((rc = exec_fixed(s, pragma, err, "migrate")))
			return rc;
	}
	return CT_OK;
}

static int db_connect(struct study *s, int flags, struct ct_err *err)
{
	if (sqlite3_open_v2(s->db_path, &s->db, flags, NULL) != SQLITE_OK) {
		int rc = ct_fail(err, CT_EENV, "%s: cannot open: %s", s->db_path,
				 s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		s->db = NULL;
		return rc;
	}
	sqlite3_busy_timeout(s->db, busy_ms());
	sqlite3_extended_result_codes(s->db, 0);
	int rc = exec_fixed(s, "PRAGMA foreign_keys = ON", err, "open");
	return rc;
}

static struct study *study_alloc(const char *dir, int mode)
{
	struct study *s = xcalloc(1, sizeof(*s));
	s->dir = xstrdup(dir);
	s->ini_path = xasprintf("%s/study.ini", dir);
	s->db_path = xasprintf("%s/study.db", dir);
	s->mode = mode;
	return s;
}

static int load_design(struct study *s, struct ct_err *err)
{
	char *text;
	size_t len;
	int rc = file_read(s->ini_path, &text, &len, err);
	if (rc)
		return rc;
	/* The parser reads a C string: a NUL would silently end the file. */
	const char *nul = memchr(text, '\0', len);
	if (nul) {
		int line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		free(text);
		return ct_fail(err, CT_EINPUT, "%s:%d: a NUL byte (the file is not text)",
			       s->ini_path, line);
	}
	char hex[65];
	sha256_hex(text, len, hex);
	s->ini_sha256 = xstrdup(hex);
	rc = config_parse(s->ini_path, text, &s->cfg, err);
	free(text);
	if (rc)
		return rc;
	return design_from_config(s->cfg, &s->design, err);
}

int study_open(const char *dir, int mode, struct study **out, struct ct_err *err)
{
	struct stat st;
	*out = NULL;
	if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode))
		return ct_fail(err, CT_EINPUT, "'%s' is a file, not a study folder", dir);
	if (stat(dir, &st) != 0)
		return ct_fail(err, CT_EINPUT, "no study folder '%s' (create one with 'corrtest init %s')",
			       dir, dir);
	struct study *s = study_alloc(dir, mode);
	int rc;
	if (access(s->db_path, F_OK) != 0) {
		rc = ct_fail(err, CT_EINPUT, "'%s' holds no study (no study.db; create one with "
			     "'corrtest init')", dir);
		goto fail;
	}
	/* Read-only commands still open read-write: WAL needs its -shm file,
	 * and query_only keeps them honest. */
	if ((rc = db_connect(s, SQLITE_OPEN_READWRITE, err)))
		goto fail;
	sqlite3_stmt *q;
	if ((rc = study_prepare(s, "PRAGMA user_version", &q, err)))
		goto fail;
	int version = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
	int step = sqlite3_errcode(s->db);
	sqlite3_finalize(q);
	if (version < 0) {
		if ((step & 0xFF) == SQLITE_NOTADB)
			rc = ct_fail(err, CT_EINPUT, "%s: not a SQLite database", s->db_path);
		else if ((step & 0xFF) == SQLITE_CANTOPEN && access(dir, W_OK) != 0)
			/* WAL needs study.db-wal and -shm beside the database. */
			rc = ct_fail(err, CT_EENV,
				     "%s: cannot open the database: the folder '%s' is not writable "
				     "(corrtest needs to create study.db-wal and study.db-shm there)",
				     s->db_path, dir);
		else
			rc = study_db_error(s, err, "read schema version");
		goto fail;
	}
	if (version > STUDY_SCHEMA_VERSION) {
		rc = ct_fail(err, CT_EENV,
			     "%s: schema version %d is newer than this corrtest understands (%d); "
			     "use a newer corrtest",
			     s->db_path, version, STUDY_SCHEMA_VERSION);
		goto fail;
	}
	if (version == 0) {
		rc = ct_fail(err, CT_EINPUT, "%s: not a corrtest study database", s->db_path);
		goto fail;
	}
	if (version < STUDY_SCHEMA_VERSION) {
		s->mode = STUDY_RW;
		if ((rc = study_begin(s, err)))
			goto fail;
		if ((rc = migrate(s, version, err)) ||
		    (rc = study_event(s, "migrate", NULL, "schema upgraded", err)) ||
		    (rc = study_commit(s, err))) {
			study_rollback(s);
			goto fail;
		}
		s->mode = mode;
	}
	if (mode == STUDY_RO && (rc = exec_fixed(s, "PRAGMA query_only = ON", err, "open")))
		goto fail;
	if ((rc = load_design(s, err)))
		goto fail;
	*out = s;
	return CT_OK;
fail:
	study_close(s);
	return rc;
}

void study_close(struct study *s)
{
	if (!s)
		return;
	study_rollback(s);
	sqlite3_finalize(s->agent_key_st);
	sqlite3_close(s->db);
	config_free(s->cfg);
	design_free(s->design);
	free(s->ini_sha256);
	free(s->dir);
	free(s->ini_path);
	free(s->db_path);
	free(s);
}

static int dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

static int random_bytes(unsigned char *buf, size_t n, struct ct_err *err)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ct_fail(err, CT_EENV, "/dev/urandom: %s", strerror(errno));
	size_t off = 0;
	while (off < n) {
		ssize_t r = read(fd, buf + off, n - off);
		if (r <= 0) {
			close(fd);
			return ct_fail(err, CT_EENV, "/dev/urandom: read failed");
		}
		off += (size_t)r;
	}
	close(fd);
	return CT_OK;
}

static int insert_study_row(struct study *s, struct ct_err *err)
{
	sqlite3_stmt *st;
	struct design *d = s->design;
	char now[ISO_LEN], seed[32];
	time_iso_utc(time_now(), now);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)d->seed);
	int rc = study_prepare(s, "INSERT INTO study(id, name, market, city, lang, seed, created_at) "
				  "VALUES (1, ?, ?, ?, ?, ?, ?)", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, d->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, d->market, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, d->city, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, d->lang, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, seed, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, now, -1, SQLITE_TRANSIENT);
	rc = study_step_done(s, st, err, "create study");
	sqlite3_finalize(st);
	if (rc)
		return rc;
	unsigned char key[32];
	if ((rc = random_bytes(key, sizeof(key), err)))
		return rc;
	if ((rc = study_prepare(s, "INSERT INTO study_secret(name, value) VALUES ('agent_key', ?)",
				&st, err)))
		return rc;
	sqlite3_bind_blob(st, 1, key, sizeof(key), SQLITE_TRANSIENT);
	rc = study_step_done(s, st, err, "create study");
	sqlite3_finalize(st);
	memset(key, 0, sizeof(key));
	return rc;
}

int study_create(const char *dir, const char *ini_text, struct ct_err *err)
{
	struct stat st;
	int made_dir = 0, rc;
	struct study *s = NULL;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || !dir_is_empty(dir))
			return ct_fail(err, CT_EINPUT, "'%s' exists and is not an empty folder", dir);
	} else if (mkdir(dir, 0777) != 0) {
		return ct_fail(err, errno == ENOENT || errno == ENOTDIR ? CT_EINPUT : CT_EENV,
			       "cannot create '%s': %s", dir, strerror(errno));
	} else {
		made_dir = 1;
	}
	s = study_alloc(dir, STUDY_RW);
	/* Validate the design before writing anything. */
	if ((rc = config_parse(s->ini_path, ini_text, &s->cfg, err)) ||
	    (rc = design_from_config(s->cfg, &s->design, err)))
		goto fail;
	if ((rc = file_write_atomic(s->ini_path, ini_text, strlen(ini_text), 0644, err)))
		goto fail;
	if ((rc = db_connect(s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err)))
		goto fail;
	if ((rc = exec_fixed(s, "PRAGMA journal_mode = WAL", err, "create")))
		goto fail;
	if ((rc = study_begin(s, err)) || (rc = migrate(s, 0, err)) ||
	    (rc = insert_study_row(s, err)) || (rc = study_sync_groups(s, err)) ||
	    (rc = study_event(s, "init", s->design->name, s->design->market, err)) ||
	    (rc = study_commit(s, err)))
		goto fail;
	study_close(s);
	return CT_OK;
fail:
	if (s) {
		char *wal = xasprintf("%s-wal", s->db_path), *shm = xasprintf("%s-shm", s->db_path);
		/* Close the database first: its files are removed below. */
		study_rollback(s);
		sqlite3_close(s->db);
		s->db = NULL;
		unlink(s->db_path);
		unlink(wal);
		unlink(shm);
		unlink(s->ini_path);
		free(wal);
		free(shm);
		study_close(s);
	}
	if (made_dir)
		rmdir(dir);
	return rc;
}

static void event_hash(const char *prev, const char *at, const char *actor, const char *action,
		       const char *subject, const char *detail, char out[65])
{
	/* Fields are joined with an ASCII unit separator and absent ones marked,
	 * so that no two different rows hash the same text. */
	struct strbuf sb = STRBUF_INIT;
	const char *parts[] = { prev, at, actor, action, subject, detail };
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		if (i)
			sb_addc(&sb, '\x1f');
		sb_adds(&sb, parts[i] ? parts[i] : "\x1e");
	}
	sha256_hex(sb.buf, sb.len, out);
	sb_free(&sb);
}

int study_event(struct study *s, const char *action, const char *subject, const char *detail,
		struct ct_err *err)
{
	sqlite3_stmt *st;
	char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
	int rc = study_prepare(s, "SELECT hash FROM event ORDER BY id DESC LIMIT 1", &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(prev, sizeof(prev), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	char at[ISO_LEN], hash[65];
	time_iso_utc(time_now(), at);
	const char *actor = study_actor();
	event_hash(prev, at, actor, action, subject, detail, hash);
	if ((rc = study_prepare(s, "INSERT INTO event(at, actor, action, subject, detail, prev_hash, "
				   "hash) VALUES (?, ?, ?, ?, ?, ?, ?)", &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
	if (subject)
		sqlite3_bind_text(st, 4, subject, -1, SQLITE_TRANSIENT);
	if (detail)
		sqlite3_bind_text(st, 5, detail, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, prev, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, hash, -1, SQLITE_TRANSIENT);
	rc = study_step_done(s, st, err, "record event");
	sqlite3_finalize(st);
	return rc;
}

int study_verify_events(struct study *s, long *count, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT id, at, actor, action, subject, detail, prev_hash, hash "
				  "FROM event ORDER BY id", &st, err);
	if (rc)
		return rc;
	char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
	long n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *f[8];
		for (int i = 0; i < 8; i++)
			f[i] = (const char *)sqlite3_column_text(st, i);
		char h[65];
		event_hash(prev, f[1], f[2], f[3], f[4], f[5], h);
		if (!f[6] || strcmp(f[6], prev) || !f[7] || strcmp(f[7], h)) {
			long id = (long)sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
			return ct_fail(err, CT_PROBLEM, "event log broken at event %ld", id);
		}
		snprintf(prev, sizeof(prev), "%s", f[7]);
		n++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return study_db_error(s, err, "read events");
	if (count)
		*count = n;
	return CT_OK;
}

int64_t study_group_id(struct study *s, const char *name)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT id FROM grp WHERE name = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

int study_sync_groups(struct study *s, struct ct_err *err)
{
	int rc = CT_OK;
	for (int i = 0; i < s->design->ngroups && !rc; i++) {
		const struct design_group *g = &s->design->groups[i];
		const char *role = g->control ? "control" : "test";
		sqlite3_stmt *st;
		if ((rc = study_prepare(s, "SELECT role, bank FROM grp WHERE name = ?", &st, err)))
			break;
		sqlite3_bind_text(st, 1, g->id, -1, SQLITE_TRANSIENT);
		int exists = sqlite3_step(st) == SQLITE_ROW;
		if (exists && strcmp((const char *)sqlite3_column_text(st, 0), role)) {
			rc = ct_fail(err, CT_EINPUT,
				     "%s: group '%s' was recorded as %s and cannot become %s",
				     s->ini_path, g->id, (const char *)sqlite3_column_text(st, 0), role);
			sqlite3_finalize(st);
			break;
		}
		sqlite3_finalize(st);
		if (exists)
			rc = study_prepare(s, "UPDATE grp SET label = ?2, bank = ?3 WHERE name = ?1", &st,
					   err);
		else
			rc = study_prepare(s, "INSERT INTO grp(name, label, bank, role) VALUES (?, ?, ?, ?)",
					   &st, err);
		if (rc)
			break;
		sqlite3_bind_text(st, 1, g->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, g->label, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, g->bank, -1, SQLITE_TRANSIENT);
		if (!exists)
			sqlite3_bind_text(st, 4, role, -1, SQLITE_TRANSIENT);
		rc = study_step_done(s, st, err, "record groups");
		sqlite3_finalize(st);
	}
	return rc;
}

int study_agent_key(struct study *s, const char *agent, char out[16], struct ct_err *err)
{
	/* Prepared once per open study: an import keys every listing. */
	int rc;
	if (!s->agent_key_st &&
	    (rc = study_prepare(s, "SELECT value FROM study_secret WHERE name = 'agent_key'",
				&s->agent_key_st, err)))
		return rc;
	sqlite3_stmt *st = s->agent_key_st;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		return ct_fail(err, CT_PROBLEM,
			       "%s: the agent key was purged; new agents cannot be keyed", s->db_path);
	}
	/* Normalise so that "Immo  Peeters " and "immo peeters" are one agent. */
	struct strbuf norm = STRBUF_INIT;
	int space = 0;
	for (const char *p = agent; *p; p++) {
		char c = *p;
		if (c == ' ' || c == '\t') {
			space = norm.len > 0;
			continue;
		}
		if (space)
			sb_addc(&norm, ' ');
		space = 0;
		sb_addc(&norm, c >= 'A' && c <= 'Z' ? (char)(c + 32) : c);
	}
	char hex[65];
	hmac_sha256_hex(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
			sb_str(&norm), norm.len, hex);
	sqlite3_reset(st);
	sb_free(&norm);
	snprintf(out, 16, "ag-%.12s", hex);
	return CT_OK;
}
