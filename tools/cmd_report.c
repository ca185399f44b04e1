/* cmd_report.c: corrtest report: the study report as one self-contained
 * HTML page and its Markdown twin (report/report.h does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/out.h"
#include "report/report.h"
#include "base/banned.h"

const char cmd_report_usage[] =
	"usage: corrtest report [--lang nl|fr|en] [--confidential] [--pdf] [--out DIR]\n"
	"                       [--previous DIR]... [--outcome strict|broad|any] [--alpha A]\n"
	"                       [--min-tests K]\n"
	"\n"
	"Writes the study's report: results/<study folder>/report.html, one\n"
	"self-contained page (inline styles and SVG charts, no script, nothing\n"
	"fetched from anywhere; prints on A4), and report.md, the same content in\n"
	"Markdown. It holds the summary with the net discrimination rate per group,\n"
	"the flow from listings to analysed pairs, every measure, the response\n"
	"funnel, response times, splits by gender, type of advertiser, area and\n"
	"round with tests of their differences, agents, placebo pairs, how replies\n"
	"were coded and how reliably, the method and the limitations, and the same\n"
	"figures as a JSON block (with the design hash and the event log's head)\n"
	"that corrtest verify checks against the study.\n"
	"\n"
	"The report is public by default: it names no landlord, agent, employer or\n"
	"contact. --confidential adds the agent annex (names, keys, exact tests per\n"
	"agent) and writes report-confidential.html/.md instead.\n"
	"\n"
	"  --lang L         nl, fr or en (default: the study's language)\n"
	"  --confidential   add the agent annex (identifies agents)\n"
	"  --pdf            also print report.pdf on A4 with headless Chromium\n"
	"  --out DIR        write into DIR instead of results/<study folder>/\n"
	"  --previous DIR   an earlier wave of the study (repeatable): tells agents\n"
	"                   tested before from new ones and compares the net rates\n"
	"  --outcome O      what counts as positive (default: study.ini [design] outcome)\n"
	"  --alpha A        1 - confidence level (default 0.05)\n"
	"  --min-tests K    agents' distribution over agents tested at least K times\n"
	"                   (default 2)\n"
	"\n"
	"With --json, prints what was written (paths, language, charts).\n";

int cmd_report(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "lang", required_argument, NULL, 'l' },
					      { "confidential", no_argument, NULL, 'c' },
					      { "pdf", no_argument, NULL, 'p' },
					      { "out", required_argument, NULL, 'o' },
					      { "previous", required_argument, NULL, 'v' },
					      { "outcome", required_argument, NULL, 'u' },
					      { "alpha", required_argument, NULL, 'a' },
					      { "min-tests", required_argument, NULL, 'm' },
					      { NULL, 0, NULL, 0 } };
	struct report_options ro = { 0 };
	const char **previous = xcalloc((size_t)argc + 1, sizeof(char *));
	int c, rc;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': ro.lang = optarg; break;
		case 'c': ro.confidential = 1; break;
		case 'p': ro.pdf = 1; break;
		case 'o': ro.out_dir = optarg; break;
		case 'v': previous[ro.nprevious++] = optarg; break;
		case 'u': ro.outcome = optarg; break;
		case 'a': ro.alpha = optarg; break;
		case 'm':
			if (!parse_long(optarg, &ro.min_tests) || ro.min_tests < 1) {
				free(previous);
				return cmd_usage_error(ctx, "--min-tests must be a whole number of 1 or "
							    "more, not '%s'",
						       optarg);
			}
			break;
		default: free(previous); return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc) {
		free(previous);
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	}
	ro.previous = previous;
	struct report_written w;
	struct ct_err err = { 0 };
	rc = report_run(ctx->study, ctx->study_dir, &ro, &w, &err);
	free(previous);
	if (rc)
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_str(o, &(struct out_field){ "html", "report", OUT_TEXT, 0 }, w.html);
	out_str(o, &(struct out_field){ "markdown", "markdown", OUT_TEXT, 0 }, w.md);
	out_str(o, &(struct out_field){ "pdf", w.pdf ? "pdf" : NULL, OUT_TEXT, 0 }, w.pdf);
	out_str(o, &(struct out_field){ "lang", "language", OUT_TEXT, 0 }, w.lang);
	out_int(o, &(struct out_field){ "charts", "charts", OUT_COUNT, 0 }, w.charts);
	out_bool(o, &(struct out_field){ "confidential", "confidential", OUT_BOOL, 0 },
		 w.confidential);
	report_written_free(&w);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}
