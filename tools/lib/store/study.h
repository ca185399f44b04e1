/* study.h: a study is a folder with study.ini (the design) and study.db
 * (SQLite: everything that happened). This module opens and creates it,
 * migrates its schema, wraps transactions and appends to the event log. */
#ifndef CT_STUDY_H
#define CT_STUDY_H

#include <sqlite3.h>
#include <stdint.h>

#include "design/config.h"
#include "base/util.h"

/* Raised with every schema change; study_open migrates older databases
 * forward and refuses newer ones. */
#define STUDY_SCHEMA_VERSION 9

enum study_mode { STUDY_RO = 0, STUDY_RW = 1 };

struct study {
	char *dir, *ini_path, *db_path;
	sqlite3 *db;
	struct config *cfg;    /* study.ini as read */
	struct design *design; /* validated view of cfg */
	char *ini_sha256;      /* hash of study.ini's bytes, for design_hash */
	int mode;
	int in_tx;
	int readonly_store; /* on storage it cannot write: opened read-only whatever was asked */
	unsigned char *agent_secret; /* the agent key's secret, read once; wiped at close */
	size_t agent_secret_len;
};

/* A file to create inside a new study: path relative to its folder
 * (folders are made as needed), and its bytes. Borrowed. */
struct study_file {
	const char *path;
	const char *data;
	size_t len;
};

/* Creates DIR (which must not exist, or be empty) with study.ini = ini_text,
 * a fresh study.db and files[0..nfiles). All or nothing: the study is built
 * in a temporary folder beside DIR (DIR.init-XXXXXX) and renamed into place
 * once complete, so that a full disk or any failure leaves no DIR behind
 * (and removes the temporary folder); only a process killed halfway leaves
 * that temporary folder. CT_EINPUT for a bad design or a DIR in the way. */
int study_create_with(const char *dir, const char *ini_text, const struct study_file *files,
		      int nfiles, struct ct_err *err);
/* The same without files. */
int study_create(const char *dir, const char *ini_text, struct ct_err *err);
/* Opens an existing study: CT_EINPUT when DIR holds none, CT_EENV when the
 * database is locked or of a newer schema. A study on storage it cannot
 * write (the folder or study.db not writable) is opened read-only whatever
 * mode asks, so that every reading command works on an archived or
 * read-only copy; study_begin then refuses with CT_EENV. */
int study_open(const char *dir, int mode, struct study **out, struct ct_err *err);
void study_close(struct study *s);

/* BEGIN IMMEDIATE: takes the write lock now, so that a locked database is
 * reported before any work is done. */
int study_begin(struct study *s, struct ct_err *err);
int study_commit(struct study *s, struct ct_err *err);
void study_rollback(struct study *s);

/* Prepared statements only; failures become CT_EENV (locked) or CT_EENV
 * with SQLite's message. */
int study_prepare(struct study *s, const char *sql, sqlite3_stmt **st, struct ct_err *err);
/* A copy of a text column (caller frees); for SQL NULL, a copy of if_null,
 * or NULL when if_null is NULL. */
char *study_column_dup(sqlite3_stmt *st, int i, const char *if_null);
/* Maps the connection's last error into err; returns the status. */
int study_db_error(struct study *s, struct ct_err *err, const char *what);
/* Steps st once: SQLITE_DONE (or a row) -> CT_OK, anything else -> error. */
int study_step_done(struct study *s, sqlite3_stmt *st, struct ct_err *err, const char *what);

/* Appends to the tamper-evident event log (hash chain); call inside the
 * transaction of the change it records. subject/detail may be NULL. */
int study_event(struct study *s, const char *action, const char *subject, const char *detail,
		struct ct_err *err);
/* study_event with its time given (an ISO time; NULL: now): for an event
 * whose hash had to be known before it could be written (seal --tsa
 * time-stamps a checkpoint naming it, study_event_hash). */
int study_event_at(struct study *s, const char *at, const char *action, const char *subject,
		   const char *detail, struct ct_err *err);
/* An event's hash: SHA-256 over the previous hash and its fields (NULL
 * ones marked), as study_event writes it; evidence/verify (corrtest verify)
 * recomputes it to check the chain. */
void study_event_hash(const char *prev, const char *at, const char *actor, const char *action,
		      const char *subject, const char *detail, char out[65]);

/* Brings the grp table in line with the design (inserting new groups,
 * refusing a changed role for a group already used). Inside a transaction. */
int study_sync_groups(struct study *s, struct ct_err *err);
/* The name of the placebo group in table grp: the control group's id and
 * ".placebo" (a dot, which no group id of study.ini may hold, so that it
 * never meets one). Its personas are a second control persona per gender,
 * drawn from the control group's bank; study_sync_groups records it (role
 * 'placebo') when study.ini's placebo_share is above 0. Caller frees. */
char *study_placebo_group(const struct design *d);
/* The grp.id of a design group; 0 if absent. */
int64_t study_group_id(struct study *s, const char *name);

/* Pseudonymous agent key: "ag-" + 12 hex digits of HMAC-SHA-256 over the
 * normalised agent name (study_agent_norm), keyed by the study's secret.
 * out needs 16 bytes. The display name is kept apart, as written. */
int study_agent_key(struct study *s, const char *agent, char out[16], struct ct_err *err);
/* The text an agent's key is computed over, so that one agency typed in
 * several ways is one agent: NFKC, case-folded (NFKC_Casefold), every
 * Unicode space, line separator, control and U+200B ZERO WIDTH SPACE as
 * one ASCII space between words and none at either end, other invisible
 * format characters (joiners, bidi controls, soft hyphen, BOM) removed.
 * Invalid UTF-8 is read with U+FFFD for its bad bytes. Caller frees. */
char *study_agent_norm(const char *agent);

/* Takes an exclusive, non-blocking flock on DIR/file (file NULL: the study
 * folder itself) for a run that must be alone: CT_EENV naming who (e.g.
 * "corrtest decline") when another process holds it. flock locks are
 * independent of SQLite's fcntl locks on study.db, so locking study.db this
 * way does not disturb the database; the kernel releases the lock when the
 * process dies, even by SIGKILL, and no lock file is left behind. */
int study_lock_run(struct study *s, const char *file, const char *who, int *fd,
		   struct ct_err *err);
/* Releases it (fd < 0: nothing). */
void study_unlock_run(int fd);

/* Who is acting, for the event log: $CORRTEST_ACTOR, $USER, or "corrtest". */
const char *study_actor(void);

#endif
