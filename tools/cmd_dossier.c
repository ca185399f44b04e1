/* cmd_dossier.c: corrtest dossier AGENT, one agent's case file
 * (evidence/dossier.h does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evidence/dossier.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_dossier_usage[] =
	"usage: corrtest dossier [--out DIR] [--lang nl|fr|en] AGENT\n"
	"\n"
	"Puts together everything the study holds about one agent, for a complaint\n"
	"to an equality body or a regulator: a folder and a zip of it with\n"
	"index.html (printable: every test of the agent with both candidates side by\n"
	"side, their messages as sent, the replies, times, channels, codes and who\n"
	"coded them, response delays, re-check snapshots, follow-ups and re-tests;\n"
	"the exact test over the agent's pairs in words; the protocol), every raw\n"
	"message of the agent's tests as .eml (messages/), the events of the chain\n"
	"about them (events.json) with the whole chain's hashes (chain.csv) and how\n"
	"to check them (VERIFY.txt), study.ini and the message templates (design/),\n"
	"and MANIFEST.sha256 (check it with sha256sum -c MANIFEST.sha256).\n"
	"\n"
	"AGENT is the agent's name as in the listings (or the contact address, for a\n"
	"listing without an agent name), or its key ag-... as the confidential\n"
	"report prints it (which still works after a purge).\n"
	"\n"
	"The folder is DIR (default: dossiers/AGENT-KEY in the study folder) and the\n"
	"zip DIR.zip; both are written under temporary names and put in place\n"
	"whole. An earlier dossier of the same agent there is replaced; every\n"
	"dossier is recorded as an event with the SHA-256 of its manifest.\n"
	"No dossier is made when corrtest verify finds the record changed.\n"
	"\n"
	"The dossier identifies the agent and holds personal data: it is\n"
	"confidential (every page says so) and no part of the public report.\n"
	"\n"
	"Exit status 0 when written, 1 when the study's record does not hold,\n"
	"2 for an agent the study does not know.\n";

int cmd_dossier(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "out", required_argument, NULL, 'o' },
					      { "lang", required_argument, NULL, 'l' },
					      { NULL, 0, NULL, 0 } };
	struct dossier_options o = { 0 };
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out_dir = optarg; break;
		case 'l': o.lang = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind >= argc)
		return cmd_usage_error(ctx, "name the agent");
	if (optind + 1 != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s' (quote a name with spaces)",
				       argv[optind + 1]);
	o.agent = argv[optind];
	struct dossier_result r;
	struct ct_err err = { 0 };
	int rc = dossier_make(ctx->study, &o, &r, &err);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *w = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_str(w, &(struct out_field){ "agent_key", "agent key", OUT_TEXT, 0 }, r.key);
	out_str(w, &(struct out_field){ "dir", "folder", OUT_TEXT, 0 }, r.dir);
	out_str(w, &(struct out_field){ "zip", "zip", OUT_TEXT, 0 }, r.zip);
	out_bool(w, &(struct out_field){ "replaced", "replaced an earlier dossier", OUT_BOOL, 0 },
		 r.replaced);
	out_int(w, &(struct out_field){ "listings", "listings (tests)", OUT_COUNT, 0 }, r.listings);
	out_int(w, &(struct out_field){ "applications", "applications", OUT_COUNT, 0 },
		r.applications);
	out_int(w, &(struct out_field){ "followups", "of which follow-ups and re-tests", OUT_COUNT, 0 },
		r.followups);
	out_int(w, &(struct out_field){ "messages", "raw messages", OUT_COUNT, 0 }, r.messages);
	out_int(w, &(struct out_field){ "messages_purged", "messages purged (hash only)", OUT_COUNT,
					0 },
		r.messages_purged);
	out_int(w, &(struct out_field){ "snapshots", "re-check snapshots", OUT_COUNT, 0 },
		r.snapshots);
	out_int(w, &(struct out_field){ "events_extract", "events in the extract", OUT_COUNT, 0 },
		r.events_extract);
	out_int(w, &(struct out_field){ "events", "events in the chain", OUT_COUNT, 0 }, r.events);
	out_int(w, &(struct out_field){ "files", "files", OUT_COUNT, 0 }, r.files);
	out_str(w, &(struct out_field){ "manifest_sha256", "SHA-256 of MANIFEST.sha256", OUT_TEXT, 0 },
		r.manifest_sha256);
	out_int(w, &(struct out_field){ "pairs", "valid pairs", OUT_COUNT, 0 }, r.pairs);
	out_int(w, &(struct out_field){ "b", "only the control candidate positive (b)", OUT_COUNT, 0 },
		r.b);
	out_int(w, &(struct out_field){ "c", "only the test candidate positive (c)", OUT_COUNT, 0 },
		r.c);
	out_value(w, &(struct out_field){ "p_exact", "exact two-sided p (McNemar, binomial)", OUT_PVALUE, 0 },
		  r.tested, r.p_exact);
	out_value(w, &(struct out_field){ "p_greater", "exact one-sided p (more b than c)", OUT_PVALUE, 0 },
		  r.tested, r.p_greater);
	out_text(w, "\nConfidential: the dossier identifies the agent and holds personal data.");
	dossier_result_free(&r);
	if (out_free(w))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}
