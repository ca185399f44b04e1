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
#include "messages/compose.h"
#include "io/json.h"
#include "mail/mime.h"
#include "io/table.h"
#include "messages/template.h"
#include "base/timeutil.h"
#include "base/banned.h"

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

static void print_problems(struct cmd_ctx *ctx, const struct tpl_problems *p)
{
	for (int i = 0; i < p->n; i++)
		cmd_errorf(ctx, CT_EINPUT, "%s", p->msg[i]);
}

static int do_check(struct cmd_ctx *ctx)
{
	struct study *s = ctx->study;
	int nv = s->design->variants, napps = 0, ncomposed = 0;
	struct template **t = xcalloc((size_t)nv, sizeof(*t));
	struct tpl_problems probs = { 0 };
	struct compose_app *apps = NULL;
	struct ct_err err = { 0 };
	compose_load_templates(s, t, &probs);
	int rc = compose_load_apps(s, 0, &apps, &napps, &err);
	if (rc) {
		cmd_error(ctx, &err);
		goto out;
	}
	/* Application problems are worth listing only once the templates read. */
	int template_problems = probs.n;
	for (int i = 0; !template_problems && i < napps; i++) {
		if (!strcmp(apps[i].lstatus, "withdrawn"))
			continue;
		if (compose_build(s, t, &apps[i], 0, &err))
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
	compose_templates_free(t, nv);
	compose_apps_free(apps, napps);
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
	struct compose_app *apps = NULL;
	struct ct_err err = { 0 };
	const char *raw;
	compose_load_templates(s, t, &probs);
	if (probs.n) {
		print_problems(ctx, &probs);
		rc = CT_EINPUT;
		goto out;
	}
	if ((rc = compose_load_apps(s, id, &apps, &n, &err))) {
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
		if ((rc = compose_build(s, t, &apps[0], 1, &err))) {
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
	compose_templates_free(t, nv);
	compose_apps_free(apps, n);
	return rc;
}

/* Writes data to DIR/tmp/name (Maildir's staging folder) and syncs it; the
 * caller renames it into DIR/new once the study has committed. */
static int maildir_stage(const char *dir, const char *name, const char *data, size_t len,
			 struct ct_err *err)
{
	char *tmp = xasprintf("%s/tmp/%s", dir, name);
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
	if (rc)
		unlink(tmp);
out:
	free(tmp);
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

static void print_outbox(struct cmd_ctx *ctx, const char *dir, struct compose_app *apps, int n,
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
	struct compose_app *apps = NULL;
	struct ct_err err = { 0 };
	char **made = NULL;
	time_t now = time_now();

	compose_load_templates(s, t, &probs);
	if ((rc = compose_load_apps(s, 0, &apps, &n, &err))) {
		cmd_error(ctx, &err);
		goto out;
	}
	/* Every message is built and checked before anything is written. */
	int template_problems = probs.n;
	for (int i = 0; !template_problems && i < n; i++) {
		struct compose_app *a = &apps[i];
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
		} else if (compose_build(s, t, a, 1, &err)) {
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
		struct compose_app *a = &apps[i];
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
	rc = compose_store(s, apps, n, &err);
	if (!rc)
		rc = study_event(s, "compose", dir, detail, &err);
	free(detail);
	/* Every file is staged in tmp/ first. A new file moves into new/ before
	 * the commit, so that a failure removes it with the rolled-back
	 * transaction; a file that replaces one already in new/ (--force) moves
	 * only after the commit, so that a failure never leaves new/ holding
	 * bytes the study does not. */
	made = xcalloc((size_t)written, sizeof(*made));
	int *deferred = xcalloc((size_t)written, sizeof(*deferred));
	char **created = xcalloc((size_t)written, sizeof(*created));
	int ncreated = 0;
	for (int i = 0; !rc && i < n; i++) {
		if (apps[i].skip)
			continue;
		rc = maildir_stage(dir, apps[i].fname, apps[i].raw, apps[i].len, &err);
		if (!rc)
			made[nmade++] = xasprintf("%s/tmp/%s", dir, apps[i].fname);
	}
	for (int i = 0, k = 0; !rc && i < n; i++) {
		if (apps[i].skip)
			continue;
		char *dst = xasprintf("%s/new/%s", dir, apps[i].fname);
		struct stat sb;
		if (lstat(dst, &sb) == 0 && !S_ISREG(sb.st_mode)) {
			rc = ct_fail(&err, CT_EENV, "cannot move %s into %s/new: %s is in the way and "
				     "is not a message file", made[k], dir, dst);
			free(dst);
		} else if (lstat(dst, &sb) == 0) {
			deferred[k] = 1;
			free(dst);
		} else if (rename(made[k], dst) != 0) {
			rc = ct_fail(&err, CT_EENV, "cannot move %s into %s/new: %s", made[k], dir,
				     strerror(errno));
			free(dst);
		} else {
			created[ncreated++] = dst;
		}
		k++;
	}
	if (!rc)
		rc = study_commit(s, &err);
	if (rc) {
		study_rollback(s);
		for (int i = 0; i < nmade; i++)
			unlink(made[i]);
		for (int i = 0; i < ncreated; i++)
			unlink(created[i]);
		cmd_error(ctx, &err);
	}
	for (int i = 0, k = 0; !rc && i < n; i++) {
		if (apps[i].skip)
			continue;
		if (deferred[k]) {
			char *dst = xasprintf("%s/new/%s", dir, apps[i].fname);
			if (rename(made[k], dst) != 0)
				/* Committed: a rerun writes the same stored bytes again. */
				rc = cmd_errorf(ctx, CT_EENV, "cannot move %s into %s/new: %s (the "
						"messages are stored; run the command again)",
						made[k], dir, strerror(errno));
			free(dst);
		}
		k++;
	}
	for (int i = 0; i < ncreated; i++)
		free(created[i]);
	free(created);
	free(deferred);
	if (rc)
		goto out;
	print_outbox(ctx, dir, apps, n, written, skipped, not_due);
out:
	for (int i = 0; i < nmade; i++)
		free(made[i]);
	free(made);
	tpl_problems_free(&probs);
	compose_templates_free(t, nv);
	compose_apps_free(apps, n);
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
