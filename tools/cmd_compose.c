/* cmd_compose.c: corrtest compose: check the study's templates, preview one
 * application's message, or write the planned messages to a Maildir outbox. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "lib/json.h"
#include "lib/mime.h"
#include "lib/table.h"
#include "lib/template.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

const char cmd_compose_usage[] =
	"usage: corrtest compose --check\n"
	"       corrtest compose --preview APP\n"
	"       corrtest compose --outbox DIR [--due] [--force]\n"
	"\n"
	"Fills the study's templates (study.ini [templates] dir, v1.txt .. vN.txt) with\n"
	"each application's persona, profile and listing, and builds the message with\n"
	"GMime (RFC 5322, UTF-8, quoted-printable). Placeholders: templates/README.md.\n"
	"\n"
	"  --check        check every template and that every planned application's\n"
	"                 message can be built; lists every problem as FILE:LINE or by\n"
	"                 application; exit 2 if there is any\n"
	"  --preview APP  print application APP's message (headers and body) to stdout;\n"
	"                 changes nothing. Once written to an outbox, the stored message\n"
	"                 is shown; before that, the Message-ID is drawn for the preview\n"
	"                 only (a note on stderr says so)\n"
	"  --outbox DIR   write every planned application's message to DIR in Maildir\n"
	"                 layout (DIR/tmp, DIR/new, DIR/cur), one file per message, named\n"
	"                 SCHEDULED-EPOCH.APPLICATION.corrtest; stores each message and its\n"
	"                 Message-ID in the study. All messages are built and checked\n"
	"                 first: one bad record and nothing is written. Re-running writes\n"
	"                 the same bytes again (the stored message is reused); a message\n"
	"                 already moved to DIR/cur is not written again\n"
	"  --due          with --outbox: only applications scheduled at or before now\n"
	"  --force        with --outbox: compose again from the current templates instead\n"
	"                 of reusing stored messages (the Message-ID is kept)\n"
	"  --json         print a summary object {written, skipped, not_due, outbox}\n";

/* One application and what its message is built from. */
struct app {
	long long id;
	char *ref, *lstatus, *sched, *status, *msgid;
	int variant; /* 0 when NULL */
	char *first, *last, *email, *phone, *profile;
	char *contact, *title, *area, *url, *price;
	char *stored; /* latest outgoing message, if any */
	size_t stored_len;
	time_t when;
	/* Built by this run. */
	char *raw, *new_msgid, *fname;
	size_t len;
	int reused, skip;
	const char *nul_field; /* a field with a NUL byte inside, or NULL */
};

static void app_free(struct app *a)
{
	free(a->ref), free(a->lstatus), free(a->sched), free(a->status), free(a->msgid);
	free(a->first), free(a->last), free(a->email), free(a->phone), free(a->profile);
	free(a->contact), free(a->title), free(a->area), free(a->url), free(a->price);
	free(a->stored), free(a->raw), free(a->new_msgid), free(a->fname);
}

/* Column i as a C string. A value with a NUL byte inside would be cut
 * short without a word: *nul (when not NULL) is set to what (the field's
 * name) so that composing refuses it. */
static char *colv(sqlite3_stmt *st, int i, const char *what, const char **nul)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	if (t && nul && !*nul && strlen((const char *)t) != (size_t)sqlite3_column_bytes(st, i))
		*nul = what;
	return t ? xstrdup((const char *)t) : NULL;
}

static char *col(sqlite3_stmt *st, int i)
{
	return colv(st, i, NULL, NULL);
}

/* A copy of s fit for an error message: control characters shown as '?'. */
static char *printable(const char *s)
{
	char *c = xstrdup(s ? s : "");
	for (unsigned char *p = (unsigned char *)c; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			*p = '?';
	return c;
}

/* Formats the rent as the study's language writes a number: whole euros
 * without decimals, otherwise two decimals with a comma in nl and fr. */
static char *price_text(sqlite3_stmt *st, int i, const char *lang)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	double v = sqlite3_column_double(st, i);
	if (v == (double)(long long)v)
		return xasprintf("%lld", (long long)v);
	char *s = xasprintf("%.2f", v);
	if (strcmp(lang, "en"))
		for (char *p = s; *p; p++)
			if (*p == '.')
				*p = ',';
	return s;
}

/* Loads applications: all planned ones (id 0), or the one with id. */
static int load_apps(struct study *s, long long id, struct app **out, int *n, struct ct_err *err)
{
	static const char sql[] =
		"SELECT a.id, l.ref, l.status, a.variant, a.scheduled_at, a.status, a.message_id,"
		" p.first_name, p.last_name, p.email, p.phone, p.profile,"
		" c.contact_email, l.title, l.area, l.url, l.price,"
		" (SELECT m.raw FROM message m WHERE m.application = a.id AND m.direction = 'out'"
		"  ORDER BY m.id DESC LIMIT 1)"
		" FROM application a JOIN listing l ON l.id = a.listing"
		" JOIN persona p ON p.id = a.persona"
		" LEFT JOIN listing_contact c ON c.listing = l.id"
		" WHERE (?1 = 0 AND a.status = 'planned') OR a.id = ?1"
		" ORDER BY a.scheduled_at, a.id";
	sqlite3_stmt *st;
	int rc = study_prepare(s, sql, &st, err), cap = 0;
	*out = NULL;
	*n = 0;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*out = xrealloc(*out, (size_t)cap * sizeof(**out));
		}
		struct app *a = &(*out)[(*n)++];
		memset(a, 0, sizeof(*a));
		a->id = sqlite3_column_int64(st, 0);
		a->ref = colv(st, 1, "listing.ref", &a->nul_field);
		a->lstatus = col(st, 2);
		a->variant = sqlite3_column_int(st, 3);
		a->sched = col(st, 4);
		a->status = col(st, 5);
		a->msgid = col(st, 6);
		a->first = colv(st, 7, "persona.first_name", &a->nul_field);
		a->last = colv(st, 8, "persona.last_name", &a->nul_field);
		a->email = colv(st, 9, "persona.email", &a->nul_field);
		a->phone = colv(st, 10, "persona.phone", &a->nul_field);
		a->profile = colv(st, 11, "the persona's profile", &a->nul_field);
		a->contact = colv(st, 12, "the listing's contact e-mail", &a->nul_field);
		a->title = colv(st, 13, "listing.title", &a->nul_field);
		a->area = colv(st, 14, "listing.area", &a->nul_field);
		a->url = colv(st, 15, "listing.url", &a->nul_field);
		a->price = price_text(st, 16, s->design->lang);
		if (sqlite3_column_type(st, 17) != SQLITE_NULL) {
			a->stored_len = (size_t)sqlite3_column_bytes(st, 17);
			a->stored = xstrndup(sqlite3_column_blob(st, 17), a->stored_len);
		}
	}
	rc = rc == SQLITE_DONE ? CT_OK : study_db_error(s, err, "reading applications");
	sqlite3_finalize(st);
	return rc;
}

/* Reads and checks v1..vN; every problem goes to probs. t[] has N slots. */
static void load_templates(struct study *s, struct template **t, struct tpl_problems *probs)
{
	const struct design *d = s->design;
	struct tpl_vars names = { 0 };
	tpl_allowed_names(d, &names);
	for (int v = 1; v <= d->variants; v++) {
		char *shown = xasprintf("%s/v%d.txt", d->templates_dir, v);
		char *path = d->templates_dir[0] == '/' ? xstrdup(shown)
							: xasprintf("%s/%s", s->dir, shown);
		char *text = NULL;
		size_t len;
		struct ct_err err = { 0 };
		t[v - 1] = NULL;
		if (file_read(path, &text, &len, &err))
			tpl_problems_add(probs, "%s: cannot read it (study.ini [design] variants = %d "
					 "needs v1.txt .. v%d.txt): %s",
					 shown, d->variants, d->variants, err.msg);
		else
			template_parse(shown, text, len, &names, &t[v - 1], probs);
		free(text);
		free(path);
		free(shown);
	}
	tpl_vars_free(&names);
}

/* Builds a's message into a->raw, with the stored Message-ID if there is
 * one; otherwise a fresh one (kept in a->new_msgid) when fresh_id, or a
 * stand-in that is never stored (checking only). Errors name the
 * application and its listing. */
static int compose_app(struct study *s, struct template **t, struct app *a, int fresh_id,
		       struct ct_err *err)
{
	const struct design *d = s->design;
	char *ref = printable(a->ref);
	struct ct_err e = { 0 };
	struct tpl_vars v = { 0 };
	char *subject = NULL, *body = NULL, *full = NULL, *idbuf = NULL;
	const char *msgid = a->msgid;
	time_t when;
	int rc = CT_EINPUT;
	const char *at = a->email ? strchr(a->email, '@') : NULL;

	if (a->nul_field) {
		ct_fail(&e, CT_EINPUT, "the value of %s contains a NUL byte; refused", a->nul_field);
		goto out;
	}
	if (a->variant < 1 || a->variant > d->variants) {
		ct_fail(&e, CT_EINPUT, "variant %d has no template (study.ini variants = %d)",
			a->variant, d->variants);
		goto out;
	}
	if (!a->sched || !time_parse_iso(a->sched, &when)) {
		ct_fail(&e, CT_EINPUT, "no scheduled time to date the message with");
		goto out;
	}
	a->when = when;
	if (!a->contact || !*a->contact) {
		ct_fail(&e, CT_EINPUT, "listing %s has no contact e-mail", ref);
		goto out;
	}
	if (!at) {
		ct_fail(&e, CT_EINPUT, "the persona's address has no domain");
		goto out;
	}
	full = xasprintf("%s %s", a->first, a->last);
	tpl_vars_set(&v, "persona.first_name", a->first);
	tpl_vars_set(&v, "persona.last_name", a->last);
	tpl_vars_set(&v, "persona.full_name", full);
	tpl_vars_set(&v, "persona.email", a->email);
	tpl_vars_set(&v, "persona.phone", a->phone);
	tpl_vars_set(&v, "listing.ref", a->ref);
	tpl_vars_set(&v, "listing.area", a->area);
	tpl_vars_set(&v, "listing.price", a->price);
	tpl_vars_set(&v, "listing.url", a->url);
	tpl_vars_set(&v, "listing.title", a->title);
	tpl_vars_set(&v, "study.city", d->city);
	if (json_read_flat(a->profile ? a->profile : "{}", "profile.", &v, &e)) {
		char *m = xstrdup(e.msg);
		ct_fail(&e, CT_EINPUT, "the persona's profile: %s", m);
		free(m);
		goto out;
	}
	if (template_render(t[a->variant - 1], &v, &subject, &body, &e))
		goto out;
	if (!msgid && fresh_id) {
		if ((rc = mime_new_message_id(at + 1, &a->new_msgid, &e)))
			goto out;
		msgid = a->new_msgid;
	} else if (!msgid) {
		/* Checking only: a stand-in of the right form, never stored. */
		msgid = idbuf = xasprintf("<0@%s>", at + 1);
	}
	struct mime_out m = { full, a->email, a->contact, subject, body, when, d->timezone, msgid };
	free(a->raw);
	a->raw = NULL;
	rc = mime_build(&m, &a->raw, &a->len, &e);
out:
	if (rc)
		ct_fail(err, rc, "application %lld (listing %s): %s", a->id, ref, e.msg);
	tpl_vars_free(&v);
	free(subject), free(body), free(full), free(idbuf), free(ref);
	return rc;
}

static void print_problems(struct cmd_ctx *ctx, const struct tpl_problems *p)
{
	for (int i = 0; i < p->n; i++)
		cmd_errorf(ctx, CT_EINPUT, "%s", p->msg[i]);
}

static void templates_free(struct template **t, int n)
{
	for (int i = 0; i < n; i++)
		template_free(t[i]);
	free(t);
}

static void apps_free(struct app *a, int n)
{
	for (int i = 0; i < n; i++)
		app_free(&a[i]);
	free(a);
}

static int do_check(struct cmd_ctx *ctx)
{
	struct study *s = ctx->study;
	int nv = s->design->variants, napps = 0, ncomposed = 0;
	struct template **t = xcalloc((size_t)nv, sizeof(*t));
	struct tpl_problems probs = { 0 };
	struct app *apps = NULL;
	struct ct_err err = { 0 };
	load_templates(s, t, &probs);
	int rc = load_apps(s, 0, &apps, &napps, &err);
	if (rc) {
		cmd_error(ctx, &err);
		goto out;
	}
	/* Application problems are worth listing only once the templates read. */
	int template_problems = probs.n;
	for (int i = 0; !template_problems && i < napps; i++) {
		if (!strcmp(apps[i].lstatus, "withdrawn"))
			continue;
		if (compose_app(s, t, &apps[i], 0, &err))
			tpl_problems_add(&probs, "%s", err.msg);
		else
			ncomposed++;
	}
	print_problems(ctx, &probs);
	rc = probs.n ? CT_EINPUT : CT_OK;
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 0);
		json_obj_begin(&j);
		json_key(&j, "templates");
		json_int(&j, nv);
		json_key(&j, "applications");
		json_int(&j, ncomposed);
		json_key(&j, "problems");
		json_arr_begin(&j);
		for (int i = 0; i < probs.n; i++)
			json_str(&j, probs.msg[i]);
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
	} else if (!rc) {
		printf("Templates %s/v1.txt .. v%d.txt are valid; the messages of %d planned "
		       "application%s can be composed.\n",
		       s->design->templates_dir, nv, ncomposed, ncomposed == 1 ? "" : "s");
	} else {
		fprintf(stderr, "corrtest compose: %d problem%s found\n", probs.n,
			probs.n == 1 ? "" : "s");
	}
out:
	tpl_problems_free(&probs);
	templates_free(t, nv);
	apps_free(apps, napps);
	return rc;
}

static int do_preview(struct cmd_ctx *ctx, const char *arg)
{
	struct study *s = ctx->study;
	long id;
	if (!parse_long(arg, &id) || id < 1)
		return cmd_usage_error(ctx, "--preview needs an application id, not '%s'", arg);
	int nv = s->design->variants, n = 0, rc;
	struct template **t = xcalloc((size_t)nv, sizeof(*t));
	struct tpl_problems probs = { 0 };
	struct app *apps = NULL;
	struct ct_err err = { 0 };
	const char *raw;
	load_templates(s, t, &probs);
	if (probs.n) {
		print_problems(ctx, &probs);
		rc = CT_EINPUT;
		goto out;
	}
	if ((rc = load_apps(s, id, &apps, &n, &err))) {
		cmd_error(ctx, &err);
		goto out;
	}
	if (!n) {
		rc = cmd_errorf(ctx, CT_EINPUT, "no application %ld", id);
		goto out;
	}
	if (apps[0].stored) {
		raw = apps[0].stored;
		fprintf(stderr, "corrtest compose: application %ld: the message as stored when it "
			"was written to an outbox\n", id);
	} else {
		if ((rc = compose_app(s, t, &apps[0], 1, &err))) {
			cmd_error(ctx, &err);
			goto out;
		}
		raw = apps[0].raw;
		if (apps[0].new_msgid)
			fprintf(stderr, "corrtest compose: application %ld: preview only; the "
				"Message-ID %s is not stored (compose --outbox draws the one that "
				"is sent)\n", id, apps[0].new_msgid);
	}
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 0);
		json_obj_begin(&j);
		json_key(&j, "application");
		json_int(&j, id);
		json_key(&j, "message_id");
		json_str(&j, apps[0].msgid ? apps[0].msgid : apps[0].new_msgid);
		json_key(&j, "stored");
		json_bool(&j, apps[0].msgid != NULL);
		json_key(&j, "raw");
		json_str(&j, raw);
		json_obj_end(&j);
		json_end(&j);
	} else {
		fputs(raw, stdout);
	}
out:
	tpl_problems_free(&probs);
	templates_free(t, nv);
	apps_free(apps, n);
	return rc;
}

/* Writes data to DIR/tmp/name, then renames it into DIR/new (Maildir). */
static int maildir_put(const char *dir, const char *name, const char *data, size_t len,
		       struct ct_err *err)
{
	char *tmp = xasprintf("%s/tmp/%s", dir, name), *dst = xasprintf("%s/new/%s", dir, name);
	int rc = CT_OK;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		rc = ct_fail(err, CT_EENV, "cannot create %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = ct_fail(err, CT_EENV, "cannot write %s: %s", tmp, strerror(errno));
			break;
		}
		off += (size_t)w;
	}
	if (!rc && fsync(fd) != 0)
		rc = ct_fail(err, CT_EENV, "cannot write %s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && !rc)
		rc = ct_fail(err, CT_EENV, "cannot write %s: %s", tmp, strerror(errno));
	if (!rc && rename(tmp, dst) != 0)
		rc = ct_fail(err, CT_EENV, "cannot move %s into %s/new: %s", tmp, dir,
			     strerror(errno));
	if (rc)
		unlink(tmp);
out:
	free(tmp);
	free(dst);
	return rc;
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

/* 1 when DIR/cur holds name or name:2,FLAGS (a reader took the message). */
static int in_cur(const char *dir, const char *name)
{
	char *cur = xasprintf("%s/cur", dir);
	DIR *dh = opendir(cur);
	int found = 0;
	size_t n = strlen(name);
	free(cur);
	if (!dh)
		return 0;
	for (struct dirent *e; !found && (e = readdir(dh));)
		found = !strncmp(e->d_name, name, n) && (!e->d_name[n] || e->d_name[n] == ':');
	closedir(dh);
	return found;
}

/* Stores the messages composed in this run, with their Message-IDs. */
static int store_messages(struct study *s, struct app *apps, int n, struct ct_err *err)
{
	sqlite3_stmt *up = NULL, *ins = NULL;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	int rc = study_prepare(s, "UPDATE application SET message_id = ?2 WHERE id = ?1 AND "
				  "message_id IS NULL", &up, err);
	if (!rc)
		rc = study_prepare(s, "INSERT INTO message (application, direction, raw, sha256, at, "
				      "mailbox, message_id) VALUES (?1, 'out', ?2, ?3, ?4, ?5, ?6)",
				   &ins, err);
	for (int i = 0; !rc && i < n; i++) {
		struct app *a = &apps[i];
		if (a->skip || a->reused)
			continue;
		const char *id = a->msgid ? a->msgid : a->new_msgid;
		char sha[65];
		sha256_hex(a->raw, a->len, sha);
		if (a->new_msgid) {
			sqlite3_reset(up);
			sqlite3_bind_int64(up, 1, a->id);
			sqlite3_bind_text(up, 2, id, -1, SQLITE_STATIC);
			if ((rc = study_step_done(s, up, err, "storing a Message-ID")))
				break;
		}
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, a->id);
		sqlite3_bind_blob(ins, 2, a->raw, (int)a->len, SQLITE_STATIC);
		sqlite3_bind_text(ins, 3, sha, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 4, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 5, a->email, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins, 6, id, -1, SQLITE_STATIC);
		rc = study_step_done(s, ins, err, "storing a message");
	}
	sqlite3_finalize(up);
	sqlite3_finalize(ins);
	return rc;
}

static void print_outbox(struct cmd_ctx *ctx, const char *dir, struct app *apps, int n,
			 int written, int skipped, int not_due)
{
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 0);
		json_obj_begin(&j);
		json_key(&j, "written");
		json_int(&j, written);
		json_key(&j, "skipped");
		json_int(&j, skipped);
		json_key(&j, "not_due");
		json_int(&j, not_due);
		json_key(&j, "outbox");
		json_str(&j, dir);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	if (written) {
		static const char *const head[] = { "application", "listing", "persona", "variant",
						    "scheduled_at", "file" };
		struct table *t = table_new(6, head);
		for (int i = 0; i < n; i++) {
			if (apps[i].skip)
				continue;
			char *app = xasprintf("%lld", apps[i].id), *var = xasprintf("%d", apps[i].variant);
			char *who = xasprintf("%s %s", apps[i].first, apps[i].last);
			const char *cells[] = { app, apps[i].ref, who, var, apps[i].sched, apps[i].fname };
			table_add(t, cells);
			free(app), free(var), free(who);
		}
		table_print(t, stdout);
		table_free(t);
	}
	printf("Wrote %d message%s to %s/new", written, written == 1 ? "" : "s", dir);
	if (skipped)
		printf("; skipped %d (withdrawn listing, or already taken from %s/cur)", skipped, dir);
	if (not_due)
		printf("; %d not due yet", not_due);
	printf(".\n");
}

static int do_outbox(struct cmd_ctx *ctx, const char *dir, int due, int force)
{
	struct study *s = ctx->study;
	int nv = s->design->variants, n = 0, rc, written = 0, skipped = 0, not_due = 0;
	int nmade = 0, fresh = 0;
	struct template **t = xcalloc((size_t)nv, sizeof(*t));
	struct tpl_problems probs = { 0 };
	struct app *apps = NULL;
	struct ct_err err = { 0 };
	char **made = NULL;
	time_t now = time_now();

	load_templates(s, t, &probs);
	if ((rc = load_apps(s, 0, &apps, &n, &err))) {
		cmd_error(ctx, &err);
		goto out;
	}
	/* Every message is built and checked before anything is written. */
	int template_problems = probs.n;
	for (int i = 0; !template_problems && i < n; i++) {
		struct app *a = &apps[i];
		time_t when;
		if (!strcmp(a->lstatus, "withdrawn")) {
			a->skip = 1;
			skipped++;
			continue;
		}
		if (due && (!a->sched || !time_parse_iso(a->sched, &when) || when > now)) {
			a->skip = 2;
			not_due++;
			continue;
		}
		if (a->stored && !force) {
			a->reused = 1;
			a->raw = a->stored;
			a->len = a->stored_len;
			a->stored = NULL;
			if (a->sched)
				time_parse_iso(a->sched, &a->when);
		} else if (compose_app(s, t, a, 1, &err)) {
			tpl_problems_add(&probs, "%s", err.msg);
		} else if (a->stored && a->stored_len == a->len && !memcmp(a->stored, a->raw, a->len)) {
			a->reused = 1; /* --force gave the same bytes: nothing new to store */
		}
	}
	if (probs.n) {
		print_problems(ctx, &probs);
		fprintf(stderr, "corrtest compose: nothing written (%d problem%s)\n", probs.n,
			probs.n == 1 ? "" : "s");
		rc = CT_EINPUT;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		struct app *a = &apps[i];
		if (a->skip)
			continue;
		a->fname = xasprintf("%lld.%lld.corrtest", (long long)a->when, a->id);
		if (in_cur(dir, a->fname)) {
			a->skip = 3;
			skipped++;
			continue;
		}
		written++;
		fresh += !a->reused;
	}
	if (!written) {
		print_outbox(ctx, dir, apps, n, 0, skipped, not_due);
		goto out;
	}

	/* The write lock first: a locked study must not leave an empty outbox. */
	char *sub[3] = { xasprintf("%s/tmp", dir), xasprintf("%s/new", dir),
			 xasprintf("%s/cur", dir) };
	rc = study_begin(s, &err);
	if (!rc)
		rc = make_dir(dir, &err);
	for (int i = 0; !rc && i < 3; i++)
		rc = make_dir(sub[i], &err);
	for (int i = 0; i < 3; i++)
		free(sub[i]);
	if (rc) {
		study_rollback(s);
		cmd_error(ctx, &err);
		goto out;
	}
	char *detail = xasprintf("%d messages (%d newly composed) to %s", written, fresh, dir);
	rc = store_messages(s, apps, n, &err);
	if (!rc)
		rc = study_event(s, "compose", dir, detail, &err);
	free(detail);
	made = xcalloc((size_t)written, sizeof(*made));
	for (int i = 0; !rc && i < n; i++) {
		struct app *a = &apps[i];
		if (a->skip)
			continue;
		char *dst = xasprintf("%s/new/%s", dir, a->fname);
		struct stat sb;
		int existed = lstat(dst, &sb) == 0;
		rc = maildir_put(dir, a->fname, a->raw, a->len, &err);
		if (!rc && !existed)
			made[nmade++] = dst;
		else
			free(dst);
	}
	if (!rc)
		rc = study_commit(s, &err);
	if (rc) {
		/* All or nothing: the files this run created go with the transaction. */
		study_rollback(s);
		for (int i = 0; i < nmade; i++)
			unlink(made[i]);
		cmd_error(ctx, &err);
		goto out;
	}
	print_outbox(ctx, dir, apps, n, written, skipped, not_due);
out:
	for (int i = 0; i < nmade; i++)
		free(made[i]);
	free(made);
	tpl_problems_free(&probs);
	templates_free(t, nv);
	apps_free(apps, n);
	return rc;
}

int cmd_compose(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },	   { "preview", required_argument, NULL, 'p' },
		{ "outbox", required_argument, NULL, 'o' }, { "due", no_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },	   { NULL, 0, NULL, 0 }
	};
	const char *preview = NULL, *outbox = NULL;
	int check = 0, due = 0, force = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': check = 1; break;
		case 'p': preview = optarg; break;
		case 'o': outbox = optarg; break;
		case 'd': due = 1; break;
		case 'f': force = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (check + !!preview + !!outbox != 1)
		return cmd_usage_error(ctx, "give one of --check, --preview APP or --outbox DIR");
	if ((due || force) && !outbox)
		return cmd_usage_error(ctx, "--due and --force go with --outbox");
	if (outbox && !*outbox)
		return cmd_usage_error(ctx, "--outbox needs a folder");
	if (check)
		return do_check(ctx);
	if (preview)
		return do_preview(ctx, preview);
	return do_outbox(ctx, outbox, due, force);
}
