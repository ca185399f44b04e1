/* cmd_link.c: corrtest link: link an incoming message that fetch could not
 * link (the unlinked queue) to its application by hand. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/out.h"
#include "mail/linker.h"
#include "base/banned.h"

const char cmd_link_usage[] =
	"usage: corrtest link MSG APP [--force]\n"
	"\n"
	"Links incoming message MSG (an id from 'corrtest fetch --unlinked') to\n"
	"application APP, by hand (link method 'manual'). A bounce linked this way marks\n"
	"the application bounced (and, moved with --force, no longer marks the one it\n"
	"leaves). Linking records that the reply exists; its outcome is\n"
	"logged with 'corrtest log'.\n"
	"\n"
	"  --force   link a message that is already linked to another application\n";

int cmd_link(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "force", no_argument, NULL, 'f' },
					      { NULL, 0, NULL, 0 } };
	int force = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f': force = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (argc - optind != 2)
		return cmd_usage_error(ctx, "give a message id and an application id");
	long msg, app;
	if (!parse_long(argv[optind], &msg) || msg < 1)
		return cmd_usage_error(ctx, "'%s' is not a message id", argv[optind]);
	if (!parse_long(argv[optind + 1], &app) || app < 1)
		return cmd_usage_error(ctx, "'%s' is not an application id", argv[optind + 1]);
	struct ct_err err = { 0 };
	int64_t was = 0;
	int rc = linker_manual(ctx->study, msg, app, force, &was, &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_int(o, &(struct out_field){ "message", NULL, OUT_COUNT, 0 }, msg);
	out_int(o, &(struct out_field){ "application", NULL, OUT_COUNT, 0 }, app);
	struct out_field prev = { "previous_application", NULL, OUT_COUNT, 0 };
	if (was) {
		out_int(o, &prev, was);
		out_text(o, "Message %ld linked to application %ld (it was linked to %lld).", msg, app,
			 (long long)was);
	} else {
		out_missing(o, &prev, NULL);
		out_text(o, "Message %ld linked to application %ld.", msg, app);
	}
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}
