/* study.c: the study folder and its SQLite database. */
#include <dirent.h>
#include <glib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

int study_lock_run(struct study *s, const char *file, const char *who, int *fd,
		   struct ct_err *err)
{
	char *path = file ? xasprintf("%s/%s", s->dir, file) : xstrdup(s->dir);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		int e = errno;
		free(path);
		return ct_fail(err, CT_EENV, "cannot open %s: %s", s->dir, strerror(e));
	}
	free(path);
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return ct_fail(err, CT_EENV, "another '%s' is running on the study in %s", who,
			       s->dir);
	}
	return CT_OK;
}

void study_unlock_run(int fd)
{
	if (fd >= 0)
		close(fd);
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
	if (s->readonly_store)
		return ct_fail(err, CT_EENV,
			       "%s: the study is on read-only storage (no write permission for the "
			       "folder or study.db); this command changes it, so run it on a copy "
			       "that can be written to",
			       s->dir);
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

/* Runs inside the caller's transaction, with foreign keys off (see
 * with_fk_off): a migration may rebuild a table that others refer to,
 * which SQLite allows only then. Before the caller commits, every
 * reference is checked. */
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
	sqlite3_stmt *q;
	int rc = study_prepare(s, "PRAGMA foreign_key_check", &q, err);
	if (rc)
		return rc;
	int step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		rc = ct_fail(err, CT_EENV, "%s: schema upgrade left a broken reference in table %s; "
			     "nothing was changed", s->db_path, sqlite3_column_text(q, 0));
	else if (step != SQLITE_DONE)
		rc = study_db_error(s, err, "check references");
	sqlite3_finalize(q);
	return rc;
}

/* PRAGMA foreign_keys does nothing inside a transaction, so migrations
 * switch it off around theirs. */
static int fk_enforce(struct study *s, int on, struct ct_err *err)
{
	return exec_fixed(s, on ? "PRAGMA foreign_keys = ON" : "PRAGMA foreign_keys = OFF", err,
			  "migrate");
}

/* Before the first connection: no memory statistics (SQLite takes a global
 * mutex on every allocation to keep them; nothing reads them), and each
 * connection is used by one thread only (SQLITE_OPEN_NOMUTEX). Together
 * 5% of the instructions of assign on 3,000 listings. */
static void sqlite_setup_once(void)
{
	static int done;
	if (!done) {
		/* SQLITE_MISUSE when SQLite was already initialised: harmless. */
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		done = 1;
	}
}

static int db_connect(struct study *s, int flags, struct ct_err *err)
{
	sqlite_setup_once();
	if (sqlite3_open_v2(s->db_path, &s->db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
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

/* A file: URI for path, with every byte that is not unreserved in a URI
 * path percent-encoded (a '?' or '#' in a folder name would otherwise
 * start the query). Caller frees. */
static char *file_uri(const char *path, const char *query)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("/-._~", *p))
			sb_addc(&sb, (char)*p);
		else
			sb_addf(&sb, "%%%02X", *p);
	}
	sb_addf(&sb, "?%s", query);
	return sb_detach(&sb);
}

/* Opens study.db on storage that cannot be written. With no write-ahead log
 * beside it, the whole study is in study.db, and SQLite reads it as
 * immutable (no -shm file, no locks; SQLite offers nothing else for a WAL
 * database whose -shm file cannot be created, and a writer that opened the
 * study meanwhile would have created a log, which the next command sees). A log that holds changes not yet in
 * study.db is read through its -shm file when both are there (SQLite's
 * read-only WAL support); without the -shm file the log cannot be read,
 * and reading study.db alone would show an older state, so it is refused. */
static int connect_readonly(struct study *s, struct ct_err *err)
{
	char *wal = xasprintf("%s-wal", s->db_path), *shm = xasprintf("%s-shm", s->db_path);
	struct stat st;
	int has_wal = stat(wal, &st) == 0 && st.st_size > 0, has_shm = access(shm, R_OK) == 0;
	int rc;
	sqlite_setup_once();
	if (!has_wal) {
		char *uri = file_uri(s->db_path, "immutable=1");
		rc = sqlite3_open_v2(uri, &s->db,
				     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
		free(uri);
	} else if (has_shm) {
		rc = sqlite3_open_v2(s->db_path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
				     NULL);
	} else {
		free(wal);
		free(shm);
		return ct_fail(err, CT_EENV,
			       "%s: the study is on read-only storage and its write-ahead log "
			       "(study.db-wal) holds changes that cannot be read without "
			       "study.db-shm; open it once where it can be written to, or copy it "
			       "with both files",
			       s->db_path);
	}
	free(wal);
	free(shm);
	if (rc != SQLITE_OK) {
		rc = ct_fail(err, CT_EENV, "%s: cannot open: %s", s->db_path,
			     s->db ? sqlite3_errmsg(s->db) : "out of memory");
		sqlite3_close(s->db);
		s->db = NULL;
		return rc;
	}
	sqlite3_busy_timeout(s->db, busy_ms());
	sqlite3_extended_result_codes(s->db, 0);
	return exec_fixed(s, "PRAGMA foreign_keys = ON", err, "open");
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
	/* On writable storage, read-only commands still open read-write: WAL
	 * needs its -shm file, and query_only keeps them honest. On read-only
	 * storage (a folder or study.db the user may not write, a read-only
	 * mount, an archived copy) every command reads, and writes are refused
	 * at study_begin. */
	if (access(dir, W_OK) != 0 || access(s->db_path, W_OK) != 0) {
		s->readonly_store = 1;
		s->mode = mode = STUDY_RO;
		rc = connect_readonly(s, err);
	} else {
		rc = db_connect(s, SQLITE_OPEN_READWRITE, err);
	}
	if (rc)
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
	if (version < STUDY_SCHEMA_VERSION && s->readonly_store) {
		rc = ct_fail(err, CT_EENV,
			     "%s: schema version %d must be upgraded to %d, which needs write access; "
			     "run any command once where the study can be written to",
			     s->db_path, version, STUDY_SCHEMA_VERSION);
		goto fail;
	}
	if (version < STUDY_SCHEMA_VERSION) {
		s->mode = STUDY_RW;
		if ((rc = fk_enforce(s, 0, err)) || (rc = study_begin(s, err)))
			goto fail;
		if ((rc = migrate(s, version, err)) ||
		    (rc = study_event(s, "migrate", NULL, "schema upgraded", err)) ||
		    (rc = study_commit(s, err))) {
			study_rollback(s);
			goto fail;
		}
		if ((rc = fk_enforce(s, 1, err)))
			goto fail;
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
	sqlite3_close(s->db);
	config_free(s->cfg);
	design_free(s->design);
	free(s->ini_sha256);
	if (s->agent_secret) {
		/* explicit_bzero: a memset before free may be optimised away. */
		explicit_bzero(s->agent_secret, s->agent_secret_len);
		free(s->agent_secret);
	}
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
		goto out;
	if ((rc = study_prepare(s, "INSERT INTO study_secret(name, value) VALUES ('agent_key', ?)",
				&st, err)))
		goto out;
	sqlite3_bind_blob(st, 1, key, sizeof(key), SQLITE_TRANSIENT);
	rc = study_step_done(s, st, err, "create study");
	sqlite3_finalize(st);
out:
	explicit_bzero(key, sizeof(key));
	return rc;
}

/* Removes path and, for a folder, everything in it, without following
 * symbolic links. Only used on the temporary folder a create made itself. */
static void remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *sub = xasprintf("%s/%s", path, e->d_name);
			remove_tree(sub);
			free(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Creates the folders of rel (a path inside root) that are missing. */
static int make_parents(const char *root, const char *rel, struct ct_err *err)
{
	for (const char *p = strchr(rel, '/'); p; p = strchr(p + 1, '/')) {
		char *sub = xasprintf("%s/%.*s", root, (int)(p - rel), rel);
		int rc = mkdir(sub, 0777) != 0 && errno != EEXIST;
		int e = errno;
		free(sub);
		if (rc)
			return ct_fail(err, CT_EENV, "cannot create a folder in '%s': %s", root,
				       strerror(e));
	}
	return CT_OK;
}

/* Builds the whole study in the folder tmp: study.ini, the database with
 * its first event (checkpointed into study.db, so that nothing lives only
 * in the write-ahead log), and the files. */
static int build_study(const char *tmp, const char *ini_text, const struct study_file *files,
		       int nfiles, struct ct_err *err)
{
	struct study *s = study_alloc(tmp, STUDY_RW);
	int rc;
	if ((rc = config_parse(s->ini_path, ini_text, &s->cfg, err)) ||
	    (rc = design_from_config(s->cfg, &s->design, err)) ||
	    (rc = file_write_atomic(s->ini_path, ini_text, strlen(ini_text), 0644, err)) ||
	    (rc = db_connect(s, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, err)) ||
	    (rc = exec_fixed(s, "PRAGMA journal_mode = WAL", err, "create")))
		goto out;
	if ((rc = fk_enforce(s, 0, err)) || (rc = study_begin(s, err)) ||
	    (rc = migrate(s, 0, err)) || (rc = insert_study_row(s, err)) ||
	    (rc = study_sync_groups(s, err)) ||
	    (rc = study_event(s, "init", s->design->name, s->design->market, err)) ||
	    (rc = study_commit(s, err)) || (rc = fk_enforce(s, 1, err)))
		goto out;
	/* sqlite3_close checkpoints too, but does not say whether it could. */
	sqlite3_stmt *st;
	if ((rc = study_prepare(s, "PRAGMA wal_checkpoint(TRUNCATE)", &st, err)))
		goto out;
	int step = sqlite3_step(st);
	int busy = step == SQLITE_ROW ? sqlite3_column_int(st, 0) : 1;
	sqlite3_finalize(st);
	if (step != SQLITE_ROW || busy) {
		rc = study_db_error(s, err, "write the new database");
		if (!rc)
			rc = ct_fail(err, CT_EENV, "%s: cannot write the new database", s->db_path);
		goto out;
	}
	if (sqlite3_close(s->db) != SQLITE_OK) {
		rc = ct_fail(err, CT_EENV, "%s: cannot close the new database", s->db_path);
		goto out;
	}
	s->db = NULL;
	for (int i = 0; i < nfiles && !rc; i++) {
		char *path = xasprintf("%s/%s", tmp, files[i].path);
		if (!(rc = make_parents(tmp, files[i].path, err)))
			rc = file_write_atomic(path, files[i].data, files[i].len, 0644, err);
		free(path);
	}
	if (!rc)
		rc = dir_fsync(tmp, err);
out:
	study_close(s);
	return rc;
}

/* Messages about files of the temporary folder name them under DIR, where
 * the user will look for them. */
static void name_as_user_sees(struct ct_err *err, const char *tmp, const char *dir)
{
	char *at = err ? strstr(err->msg, tmp) : NULL;
	if (!at)
		return;
	char *tail = xstrdup(at + strlen(tmp));
	*at = '\0';
	char *head = xstrdup(err->msg);
	snprintf(err->msg, sizeof(err->msg), "%s%s%s", head, dir, tail);
	free(head);
	free(tail);
}

/* When DIR exists, empty, in a folder the user may not write to, the
 * temporary folder goes inside DIR, and its entries move up one by one,
 * study.db last: commands see a study only once study.db is there, so a
 * crash in between leaves no study, only files a new init refuses to
 * overwrite. */
static int create_inside(const char *dir, const char *dir_arg, const char *ini_text,
			 const struct study_file *files, int nfiles, struct ct_err *err)
{
	char *tmp = xasprintf("%s/.corrtest-init-XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		int e = errno;
		free(tmp);
		return ct_fail(err, CT_EENV, "cannot create '%s': %s", dir_arg, strerror(e));
	}
	int rc = build_study(tmp, ini_text, files, nfiles, err);
	if (rc)
		name_as_user_sees(err, tmp, dir);
	char **moved = NULL;
	int nmoved = 0;
	DIR *d = rc ? NULL : opendir(tmp);
	if (!rc && !d)
		rc = ct_fail(err, CT_EENV, "cannot create '%s': %s", dir_arg, strerror(errno));
	for (struct dirent *e; d && !rc && (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "study.db"))
			continue;
		moved = xrealloc(moved, (size_t)(nmoved + 1) * sizeof(*moved));
		moved[nmoved++] = xstrdup(e->d_name);
	}
	if (d)
		closedir(d);
	if (!rc) {
		moved = xrealloc(moved, (size_t)(nmoved + 1) * sizeof(*moved));
		moved[nmoved++] = xstrdup("study.db");
	}
	int done = 0;
	for (; !rc && done < nmoved; done++) {
		char *from = xasprintf("%s/%s", tmp, moved[done]), *to = xasprintf("%s/%s", dir, moved[done]);
		if (rename(from, to) != 0)
			rc = ct_fail(err, CT_EENV, "cannot create '%s': %s", to, strerror(errno));
		free(from);
		free(to);
	}
	if (rc) {
		for (int i = 0; i < done - 1; i++) {
			char *to = xasprintf("%s/%s", dir, moved[i]);
			remove_tree(to);
			free(to);
		}
	}
	remove_tree(tmp);
	if (!rc)
		rc = dir_fsync(dir, err);
	for (int i = 0; i < nmoved; i++)
		free(moved[i]);
	free(moved);
	free(tmp);
	return rc;
}

int study_create(const char *dir, const char *ini_text, struct ct_err *err)
{
	return study_create_with(dir, ini_text, NULL, 0, err);
}

int study_create_with(const char *dir_arg, const char *ini_text, const struct study_file *files,
		      int nfiles, struct ct_err *err)
{
	struct stat st;
	int rc, existed = 0;
	mode_t mode = 0777;
	char *dir = xstrdup(dir_arg), *tmp = NULL;
	/* "a/b/" names the folder a/b; its temporary sibling is a/b.init-XXXXXX. */
	for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
		dir[n - 1] = '\0';
	if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode)) {
		/* The study goes where the link points, not in its place. */
		char *real = realpath(dir, NULL);
		if (real) {
			free(dir);
			dir = xstrdup(real);
			free(real);
		}
	}
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || !dir_is_empty(dir)) {
			rc = ct_fail(err, CT_EINPUT, "'%s' exists and is not an empty folder", dir_arg);
			goto out;
		}
		existed = 1;
		mode = st.st_mode & 07777;
	} else if (errno != ENOENT && errno != ENOTDIR) {
		rc = ct_fail(err, CT_EENV, "'%s': %s", dir_arg, strerror(errno));
		goto out;
	} else {
		mode_t um = umask(0);
		umask(um);
		mode = 0777 & ~um;
	}
	{
		/* Validate the design before writing anything; messages name
		 * DIR/study.ini as the user will see it. */
		struct config *cfg = NULL;
		struct design *d = NULL;
		char *shown = xasprintf("%s/study.ini", dir_arg);
		rc = config_parse(shown, ini_text, &cfg, err);
		if (!rc)
			rc = design_from_config(cfg, &d, err);
		config_free(cfg);
		design_free(d);
		free(shown);
		if (rc)
			goto out;
	}
	/* The study is built in a temporary folder beside DIR and renamed into
	 * place once complete: a full disk, a failure or a crash halfway never
	 * leaves a half study under DIR. */
	tmp = xasprintf("%s.init-XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		int e = errno;
		free(tmp);
		tmp = NULL;
		if (existed && (e == EACCES || e == EPERM || e == EROFS)) {
			rc = create_inside(dir, dir_arg, ini_text, files, nfiles, err);
			goto out;
		}
		rc = ct_fail(err, e == ENOENT || e == ENOTDIR ? CT_EINPUT : CT_EENV,
			     "cannot create '%s': %s", dir_arg, strerror(e));
		goto out;
	}
	if ((rc = build_study(tmp, ini_text, files, nfiles, err))) {
		name_as_user_sees(err, tmp, dir_arg);
		goto out;
	}
	if (chmod(tmp, mode) != 0) {
		rc = ct_fail(err, CT_EENV, "cannot create '%s': %s", dir_arg, strerror(errno));
		goto out;
	}
	/* rename replaces an empty folder in one step; one that filled up in
	 * the meantime is not touched (ENOTEMPTY). */
	if (rename(tmp, dir) != 0) {
		int e = errno;
		rc = e == ENOTEMPTY || e == EEXIST || e == ENOTDIR
			     ? ct_fail(err, CT_EINPUT, "'%s' exists and is not an empty folder", dir_arg)
			     : ct_fail(err, CT_EENV, "cannot create '%s': %s", dir_arg, strerror(e));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	{
		char *parent = xasprintf("%s/..", dir);
		rc = dir_fsync(parent, err);
		free(parent);
	}
out:
	if (tmp) {
		remove_tree(tmp);
		free(tmp);
	}
	free(dir);
	return rc;
}

void study_event_hash(const char *prev, const char *at, const char *actor, const char *action,
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
	return study_event_at(s, NULL, action, subject, detail, err);
}

int study_event_at(struct study *s, const char *when, const char *action, const char *subject,
		   const char *detail, struct ct_err *err)
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
	if (when)
		snprintf(at, sizeof(at), "%s", when);
	else
		time_iso_utc(time_now(), at);
	const char *actor = study_actor();
	study_event_hash(prev, at, actor, action, subject, detail, hash);
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

char *study_placebo_group(const struct design *d)
{
	for (int i = 0; i < d->ngroups; i++)
		if (d->groups[i].control)
			return xasprintf("%s.placebo", d->groups[i].id);
	return xstrdup("control.placebo");
}

/* The placebo group's row: the control group's bank and label (with
 * "placebo"), role 'placebo'. Inserted once; its bank and label follow the
 * control group's afterwards, as the design groups' do. */
static int sync_placebo_group(struct study *s, struct ct_err *err)
{
	const struct design *d = s->design;
	const struct design_group *c = NULL;
	for (int i = 0; i < d->ngroups; i++)
		if (d->groups[i].control)
			c = &d->groups[i];
	if (!c)
		return CT_OK;
	char *name = study_placebo_group(d), *label = xasprintf("%s (placebo)", c->label);
	sqlite3_stmt *st;
	int rc = study_prepare(s, "INSERT INTO grp(name, label, bank, role) VALUES (?1, ?2, ?3, 'placebo') "
				  "ON CONFLICT(name) DO UPDATE SET label = ?2, bank = ?3 WHERE role = 'placebo'",
			       &st, err);
	if (!rc) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, label, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, c->bank, -1, SQLITE_TRANSIENT);
		rc = study_step_done(s, st, err, "record the placebo group");
		sqlite3_finalize(st);
	}
	free(name);
	free(label);
	return rc;
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
	if (!rc && s->design->placebo_share > 0)
		rc = sync_placebo_group(s, err);
	return rc;
}

/* Whether c separates words in an agent's name: every Unicode space, line
 * and paragraph separator and control, and U+200B ZERO WIDTH SPACE, which
 * web pages put where a line may break between words. */
static int agent_space(gunichar c)
{
	GUnicodeType t = g_unichar_type(c);
	return c == 0x200B || g_unichar_isspace(c) || t == G_UNICODE_SPACE_SEPARATOR ||
	       t == G_UNICODE_LINE_SEPARATOR || t == G_UNICODE_PARAGRAPH_SEPARATOR ||
	       t == G_UNICODE_CONTROL;
}

/* Spaces as one ASCII space between words, none at either end; other
 * invisible format characters (joiners, bidi controls, soft hyphens, the
 * byte-order mark) dropped. Caller frees. */
static char *agent_spaces(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	int pending = 0;
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (agent_space(c)) {
			pending = sb.len > 0;
			continue;
		}
		if (g_unichar_type(c) == G_UNICODE_FORMAT)
			continue;
		if (pending)
			sb_addc(&sb, ' ');
		pending = 0;
		char buf[8];
		sb_add(&sb, buf, (size_t)g_unichar_to_utf8(c, buf));
	}
	return sb_detach(&sb);
}

char *study_agent_norm(const char *agent)
{
	/* NFKC, case folding, NFKC again (folding can undo a composition), as
	 * Unicode's NFKC_Casefold does; spaces and format characters before and
	 * after, since NFKC turns some compatibility characters into spaces. */
	gchar *valid = g_utf8_make_valid(agent, -1);
	char *spaced = agent_spaces(valid);
	gchar *nfkc = g_utf8_normalize(spaced, -1, G_NORMALIZE_NFKC);
	gchar *folded = g_utf8_casefold(nfkc ? nfkc : spaced, -1);
	gchar *again = g_utf8_normalize(folded, -1, G_NORMALIZE_NFKC);
	char *out = agent_spaces(again ? again : folded);
	g_free(valid);
	free(spaced);
	g_free(nfkc);
	g_free(folded);
	g_free(again);
	return out;
}

int study_agent_key(struct study *s, const char *agent, char out[16], struct ct_err *err)
{
	if (!s->agent_secret) {
		sqlite3_stmt *st;
		int rc = study_prepare(s, "SELECT value FROM study_secret WHERE name = 'agent_key'",
				       &st, err);
		if (rc)
			return rc;
		/* An empty key would make the pseudonyms a plain hash, which
		 * anyone can reverse by hashing agency names: as good as gone. */
		if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) < 16) {
			sqlite3_finalize(st);
			return ct_fail(err, CT_PROBLEM,
				       "%s: the agent key was purged; new agents cannot be keyed",
				       s->db_path);
		}
		s->agent_secret_len = (size_t)sqlite3_column_bytes(st, 0);
		s->agent_secret = xmalloc(s->agent_secret_len + 1);
		memcpy(s->agent_secret, sqlite3_column_blob(st, 0), s->agent_secret_len);
		sqlite3_finalize(st);
	}
	/* One agent, one key, however its name was typed or pasted. */
	char *norm = study_agent_norm(agent);
	char hex[65];
	hmac_sha256_hex(s->agent_secret, s->agent_secret_len, norm, strlen(norm), hex);
	free(norm);
	snprintf(out, 16, "ag-%.12s", hex);
	return CT_OK;
}
