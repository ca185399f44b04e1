/* cmd_compose.c: corrtest compose: check the study's templates, preview one
 * application's message, or write the planned messages to a Maildir outbox. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "messages/compose.h"
#include "messages/outbox.h"
#include "io/json.h"
#include "io/table.h"
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
	int nv = s->design->variants, ncomposed = 0;
	struct tpl_problems probs = { 0 };
	struct ct_err err = { 0 };
	int rc = compose_check(s, &ncomposed, &probs, &err);
	if (rc && !probs.n) {
		tpl_problems_free(&probs);
		return cmd_error(ctx, &err);
	}
	print_problems(ctx, &probs);
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
	tpl_problems_free(&probs);
	return rc;
}

static int do_preview(struct cmd_ctx *ctx, const char *arg)
{
	long id;
	if (!parse_long(arg, &id) || id < 1)
		return cmd_usage_error(ctx, "--preview needs an application id, not '%s'", arg);
	struct tpl_problems probs = { 0 };
	struct compose_app *a = NULL;
	struct ct_err err = { 0 };
	int rc = compose_preview(ctx->study, id, &a, &probs, &err);
	if (rc) {
		if (probs.n)
			print_problems(ctx, &probs);
		else
			cmd_error(ctx, &err);
		tpl_problems_free(&probs);
		return rc;
	}
	const char *raw = a->stored ? a->stored : a->raw;
	if (a->stored)
		fprintf(stderr, "corrtest compose: application %ld: the message as stored when it "
			"was written to an outbox\n", id);
	else if (a->new_msgid)
		fprintf(stderr, "corrtest compose: application %ld: preview only; the "
			"Message-ID %s is not stored (compose --outbox draws the one that "
			"is sent)\n", id, a->new_msgid);
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 0);
		json_obj_begin(&j);
		json_key(&j, "application");
		json_int(&j, id);
		json_key(&j, "message_id");
		json_str(&j, a->msgid ? a->msgid : a->new_msgid);
		json_key(&j, "stored");
		json_bool(&j, a->msgid != NULL);
		json_key(&j, "raw");
		json_str(&j, raw);
		json_obj_end(&j);
		json_end(&j);
	} else {
		fputs(raw, stdout);
	}
	tpl_problems_free(&probs);
	compose_apps_free(a, 1);
	return CT_OK;
}

static void print_outbox(struct cmd_ctx *ctx, const char *dir, const struct outbox_result *o)
{
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 0);
		json_obj_begin(&j);
		json_key(&j, "written");
		json_int(&j, o->written);
		json_key(&j, "skipped");
		json_int(&j, o->skipped);
		json_key(&j, "not_due");
		json_int(&j, o->not_due);
		json_key(&j, "outbox");
		json_str(&j, dir);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	if (o->written) {
		static const char *const head[] = { "application", "listing", "persona", "variant",
						    "scheduled_at", "file" };
		struct table *t = table_new(6, head);
		for (int i = 0; i < o->n; i++) {
			const struct compose_app *a = &o->apps[i];
			if (a->skip)
				continue;
			char *app = xasprintf("%lld", a->id), *var = xasprintf("%d", a->variant);
			char *who = xasprintf("%s %s", a->first, a->last);
			const char *cells[] = { app, a->ref, who, var, a->sched, a->fname };
			table_add(t, cells);
			free(app), free(var), free(who);
		}
		table_print(t, stdout);
		table_free(t);
	}
	printf("Wrote %d message%s to %s/new", o->written, o->written == 1 ? "" : "s", dir);
	if (o->skipped)
		printf("; skipped %d (withdrawn listing, or already taken from %s/cur)", o->skipped, dir);
	if (o->not_due)
		printf("; %d not due yet", o->not_due);
	printf(".\n");
}

static int do_outbox(struct cmd_ctx *ctx, const char *dir, int due, int force)
{
	struct tpl_problems probs = { 0 };
	struct outbox_result o;
	struct ct_err err = { 0 };
	int rc = outbox_write(ctx->study, dir, due, force, &o, &probs, &err);
	if (rc && probs.n) {
		print_problems(ctx, &probs);
		fprintf(stderr, "corrtest compose: nothing written (%d problem%s)\n", probs.n,
			probs.n == 1 ? "" : "s");
	} else if (rc) {
		cmd_error(ctx, &err);
	} else {
		print_outbox(ctx, dir, &o);
	}
	tpl_problems_free(&probs);
	outbox_result_free(&o);
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
