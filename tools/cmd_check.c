/* cmd_check.c: corrtest check: the pre-flight check (fielding/preflight.h),
 * errors first, and a summary; exit 1 when there is an error. */
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "fielding/preflight.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_check_usage[] =
	"usage: corrtest check [--json]\n"
	"\n"
	"The pre-flight check: lists everything that would make the study fail or\n"
	"reveal itself once it goes out, errors first, then warnings, each with a\n"
	"stable code:\n"
	"  shared-phone, shared-mailbox   personas sharing a phone number or a mailbox\n"
	"  reserved-domain     a persona mailbox at a reserved domain (.invalid, .test,\n"
	"                      .example, .localhost, example.com/.net/.org) on smtp,\n"
	"                      webmail or portal (a portal's form asks for it; only a\n"
	"                      warning for smtp alone to a mail server on loopback)\n"
	"  placeholder-phone   no phone, a placeholder or a '#' number of study.ini for\n"
	"                      a persona on any channel (every message carries it)\n"
	"  no-contact          a listing without the contact its channel needs (smtp,\n"
	"                      webmail: e-mail; phone, sms: phone number; portal: URL)\n"
	"  mail-config, no-mail-server, no-secrets, no-secret\n"
	"                      smtp without a usable [mail] setting, secrets file or\n"
	"                      password for a persona's mailbox (no password is shown)\n"
	"  template            a template that does not render for some application\n"
	"  persona-profile, persona-phone, persona-mail-domain\n"
	"                      study.ini and the drawn personas disagree\n"
	"  agent-collision     one persona writes one agent twice within agent_gap_days\n"
	"  outside-hours       (warning) planned times outside the sending days/hours\n"
	"  personas-not-drawn, not-assigned, no-listings   (warnings) work left to do\n"
	"An application's channel is its own, else its listing's, else study.ini\n"
	"[fielding] channel. 'send --live' and 'field list' run this check first and\n"
	"refuse while it finds an error.\n"
	"\n"
	"  --json   {errors, warnings, min_agent_gap_days, findings: [{severity,\n"
	"           code, subject, message}]}\n"
	"\n"
	"Exit status: 0 no error (warnings only); 1 at least one error.\n";

int cmd_check(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1)
		return cmd_usage_error(ctx, "unknown option");
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	struct preflight_report r = { 0 };
	struct ct_err err = { 0 };
	if (preflight_run(ctx->study, &r, &err)) {
		preflight_report_free(&r);
		return cmd_error(ctx, &err);
	}
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	preflight_describe(o, &r, 0);
	out_text(o, "%d error%s, %d warning%s.", r.nerrors, r.nerrors == 1 ? "" : "s", r.nwarnings,
		 r.nwarnings == 1 ? "" : "s");
	if (r.min_agent_gap_days >= 0)
		out_text(o,
			 "Smallest gap between two applications of one persona to one agent: %.2f "
			 "days (applications %lld and %lld).",
			 r.min_agent_gap_days, r.min_agent_gap_apps[0], r.min_agent_gap_apps[1]);
	int rc = r.nerrors ? CT_PROBLEM : CT_OK;
	preflight_report_free(&r);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return rc ? rc : cmd_flush(ctx);
}
