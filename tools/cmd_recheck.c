/* cmd_recheck.c: corrtest recheck: is a listing that was "no longer
 * available" still advertised? (evidence/recheck.h does the work). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "evidence/recheck.h"
#include "io/out.h"
#include "base/banned.h"

const char cmd_recheck_usage[] =
	"usage: corrtest recheck [--plan | --dry-run]\n"
	"       corrtest recheck --list [--listing REF]\n"
	"\n"
	"After a reply coded as no longer available (sub-code let, or filled for a\n"
	"job) or a pair answered differently (one candidate's outcome positive, the\n"
	"other's not, under the study's outcome), fetches the listing's URL again\n"
	"at each of study.ini's [recheck] days after the reply, and keeps what it\n"
	"found: the time, the HTTP status, the final URL after redirects, the\n"
	"SHA-256 of the page, its title and price, the page itself (compressed),\n"
	"and whether the listing is still advertised (no for 404 or 410, for a\n"
	"redirect away from the advert, or for a page that says it is let; unknown\n"
	"for server errors). Without options, plans what is new and fetches what\n"
	"is due, waiting rate_seconds between two requests to one site: run it\n"
	"from cron, like send. Listings without a URL (or whose URL was purged)\n"
	"are skipped with the reason. Nothing of this enters the analysis.\n"
	"\n"
	"  --plan, --dry-run  list what would be planned and what is due; fetch\n"
	"                     nothing, change nothing\n"
	"  --list             every listing's rechecks and snapshots, with\n"
	"                     \"still advertised\" (yes, no or unknown) from the\n"
	"                     latest snapshot that could tell (not a server error)\n"
	"  --listing REF      with --list: that listing only\n"
	"\n"
	"Exit status 0; 3 when a page could not be fetched (it stays due and is\n"
	"tried again by the next run, up to 5 attempts) or libcurl cannot load.\n";

static const char *adv_word(int a)
{
	return a == 1 ? "yes" : a == 0 ? "no" : "unknown";
}

static void show_planned(struct out *o, const char *key, const char *title,
			 const struct recheck_planned *v, int n)
{
	out_table_begin(o, &(struct out_field){ key, title, OUT_TEXT, 0 });
	for (int i = 0; i < n; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "listing", "listing", OUT_TEXT, OUT_ID }, v[i].ref);
		out_str(o, &(struct out_field){ "reason", "reason", OUT_TEXT, 0 }, v[i].reason);
		out_int(o, &(struct out_field){ "day", "day", OUT_COUNT, 0 }, v[i].day);
		out_str(o, &(struct out_field){ "due_at", "due", OUT_TEXT, 0 }, v[i].due_at);
		out_row_end(o);
	}
	out_table_end(o);
}

static void show_skipped(struct out *o, const struct recheck_plan *p)
{
	out_table_begin(o, &(struct out_field){ "skipped", "\nSkipped", OUT_TEXT, 0 });
	for (int i = 0; i < p->nskip; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "listing", "listing", OUT_TEXT, OUT_ID },
			p->skip[i].ref);
		out_str(o, &(struct out_field){ "why", "why", OUT_TEXT, 0 }, p->skip[i].why);
		out_row_end(o);
	}
	out_table_end(o);
}

static int do_list(struct cmd_ctx *ctx, const char *ref)
{
	struct ct_err err = { 0 };
	int64_t id = 0;
	if (ref) {
		struct recheck_listing *all;
		int n;
		if (recheck_list(ctx->study, 0, &all, &n, &err))
			return cmd_error(ctx, &err);
		for (int i = 0; i < n && !id; i++)
			if (str_eq_ci(all[i].ref, ref))
				id = all[i].listing;
		recheck_list_free(all, n);
		if (!id)
			return cmd_errorf(ctx, CT_EINPUT, "listing '%s' has no rechecks", ref);
	}
	struct recheck_listing *v;
	int n;
	if (recheck_list(ctx->study, id, &v, &n, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_table_begin(o, &(struct out_field){ NULL, NULL, OUT_TEXT, 0 });
	for (int i = 0; i < n; i++) {
		const struct recheck_listing *l = &v[i];
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "listing", "listing", OUT_TEXT, OUT_ID }, l->ref);
		out_str(o, &(struct out_field){ "still_advertised", "still advertised", OUT_TEXT,
						OUT_ID },
			adv_word(l->advertised));
		out_str(o, &(struct out_field){ "advertised_at", NULL, OUT_TEXT, 0 },
			l->advertised_at);
		out_str(o, &(struct out_field){ "url", NULL, OUT_TEXT, 0 }, l->url);
		out_table_begin(o, &(struct out_field){ "rechecks", NULL, OUT_TEXT, 0 });
		for (int j = 0; j < l->nitems; j++) {
			const struct recheck_item *it = &l->items[j];
			/* One row per snapshot; a recheck without one has a row of
			 * its own, so that what is still due shows. */
			for (int k = 0; k < (it->nsnaps ? it->nsnaps : 1); k++) {
				const struct recheck_snapshot *x = it->nsnaps ? &it->snaps[k] : NULL;
				out_row_begin(o, NULL);
				out_int(o, &(struct out_field){ "day", "day", OUT_COUNT, 0 }, it->day);
				out_str(o, &(struct out_field){ "reason", "reason", OUT_TEXT, 0 },
					it->reason);
				out_str(o, &(struct out_field){ "due_at", "due", OUT_TEXT, 0 },
					it->due_at);
				out_str(o, &(struct out_field){ "status", "status", OUT_TEXT, 0 },
					it->status);
				out_int(o, &(struct out_field){ "attempts", "attempts", OUT_COUNT, 0 },
					it->attempts);
				out_str(o, &(struct out_field){ "last_error", NULL, OUT_TEXT, 0 },
					it->last_error);
				out_str(o, &(struct out_field){ "at", "fetched", OUT_TEXT, 0 },
					x ? x->at : NULL);
				struct out_field http = { "http_status", "HTTP", OUT_COUNT, 0 };
				if (x && x->http_status)
					out_int(o, &http, x->http_status);
				else
					out_missing(o, &http, NULL);
				out_str(o, &(struct out_field){ "advertised", "advertised", OUT_TEXT, 0 },
					x ? adv_word(x->advertised) : NULL);
				out_str(o, &(struct out_field){ "price", "price", OUT_TEXT, 0 },
					x ? x->price : NULL);
				out_str(o, &(struct out_field){ "title", "title", OUT_TEXT, OUT_PART2 },
					x ? x->title : NULL);
				out_str(o, &(struct out_field){ "why", "why", OUT_TEXT, OUT_PART2 },
					x ? x->why : it->last_error);
				out_str(o, &(struct out_field){ "url", NULL, OUT_TEXT, 0 },
					x ? x->url : NULL);
				out_str(o, &(struct out_field){ "final_url", NULL, OUT_TEXT, 0 },
					x ? x->final_url : NULL);
				out_str(o, &(struct out_field){ "body_sha256", NULL, OUT_TEXT, 0 },
					x ? x->body_sha256 : NULL);
				struct out_field size = { "body_size", NULL, OUT_COUNT, 0 };
				if (x && x->body_size >= 0)
					out_int(o, &size, x->body_size);
				else
					out_missing(o, &size, NULL);
				struct out_field snap = { "snapshot", NULL, OUT_COUNT, 0 };
				if (x)
					out_int(o, &snap, x->id);
				else
					out_missing(o, &snap, NULL);
				out_row_end(o);
			}
		}
		out_table_end(o);
		out_row_end(o);
	}
	out_table_end(o);
	if (!n)
		out_text(o, "No rechecks yet.");
	recheck_list_free(v, n);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	return cmd_flush(ctx);
}

int cmd_recheck(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "plan", no_argument, NULL, 'p' },
					      { "dry-run", no_argument, NULL, 'p' },
					      { "list", no_argument, NULL, 'l' },
					      { "listing", required_argument, NULL, 'L' },
					      { NULL, 0, NULL, 0 } };
	int plan_only = 0, list = 0, c;
	const char *ref = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': plan_only = 1; break;
		case 'l': list = 1; break;
		case 'L': ref = optarg; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (list && plan_only)
		return cmd_usage_error(ctx, "--list and --plan are separate modes");
	if (ref && !list)
		return cmd_usage_error(ctx, "--listing goes with --list");
	if (list)
		return do_list(ctx, ref);

	struct ct_err err = { 0 };
	struct recheck_cfg cfg;
	if (recheck_cfg_load(ctx->study->cfg, &cfg, &err))
		return cmd_error(ctx, &err);
	struct recheck_plan plan;
	if (recheck_plan(ctx->study, &cfg, !plan_only, &plan, &err)) {
		recheck_cfg_free(&cfg);
		return cmd_error(ctx, &err);
	}
	struct recheck_run_result run = { 0 };
	int rc = CT_OK;
	if (!plan_only && (rc = recheck_run(ctx->study, &cfg, &run, &err))) {
		recheck_plan_free(&plan);
		recheck_cfg_free(&cfg);
		return cmd_error(ctx, &err);
	}
	recheck_cfg_free(&cfg);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	out_bool(o, &(struct out_field){ "dry_run", NULL, OUT_BOOL, 0 }, plan_only);
	if (plan_only)
		out_text(o, "%d new recheck%s would be planned; %d planned before %s due now.\n",
			 plan.n, plan.n == 1 ? "" : "s", plan.ndue, plan.ndue == 1 ? "is" : "are");
	else
		out_text(o, "%d new recheck%s planned; %d fetched.\n", plan.n, plan.n == 1 ? "" : "s",
			 run.fetched);
	show_planned(o, "planned", plan_only ? "Would plan" : "Planned", plan.v, plan.n);
	if (plan_only)
		show_planned(o, "due", "\nDue now (planned before)", plan.due, plan.ndue);
	show_skipped(o, &plan);
	if (!plan_only) {
		out_int(o, &(struct out_field){ "fetched", "\nfetched", OUT_COUNT, 0 }, run.fetched);
		out_int(o, &(struct out_field){ "advertised", "still advertised", OUT_COUNT, 0 },
			run.advertised);
		out_int(o, &(struct out_field){ "gone", "gone", OUT_COUNT, 0 }, run.gone);
		out_int(o, &(struct out_field){ "unknown", "unknown", OUT_COUNT, 0 }, run.unknown);
		out_int(o, &(struct out_field){ "errors", "could not be fetched", OUT_COUNT, 0 },
			run.errors);
		out_table_begin(o, &(struct out_field){ "rechecks", "\nThis run", OUT_TEXT, 0 });
		for (int i = 0; i < run.n; i++) {
			const struct recheck_done *x = &run.v[i];
			out_row_begin(o, NULL);
			out_str(o, &(struct out_field){ "listing", "listing", OUT_TEXT, OUT_ID }, x->ref);
			out_int(o, &(struct out_field){ "day", "day", OUT_COUNT, 0 }, x->day);
			struct out_field http = { "http_status", "HTTP", OUT_COUNT, 0 };
			if (x->http_status)
				out_int(o, &http, x->http_status);
			else
				out_missing(o, &http, NULL);
			out_str(o, &(struct out_field){ "advertised", "advertised", OUT_TEXT, 0 },
				x->snapshot ? adv_word(x->advertised) : NULL);
			out_str(o, &(struct out_field){ "status", "status", OUT_TEXT, 0 }, x->status);
			out_str(o, &(struct out_field){ "why", "why", OUT_TEXT, 0 },
				x->error ? x->error : x->why);
			struct out_field snap = { "snapshot", NULL, OUT_COUNT, 0 };
			if (x->snapshot)
				out_int(o, &snap, x->snapshot);
			else
				out_missing(o, &snap, NULL);
			out_str(o, &(struct out_field){ "body_sha256", NULL, OUT_TEXT, 0 },
				x->snapshot ? x->body_sha256 : NULL);
			out_row_end(o);
		}
		out_table_end(o);
	}
	int errors = run.errors;
	recheck_plan_free(&plan);
	recheck_run_result_free(&run);
	if (out_free(o))
		return cmd_errorf(ctx, CT_EENV, "cannot write the output");
	if ((rc = cmd_flush(ctx)))
		return rc;
	if (errors)
		return cmd_errorf(ctx, CT_EENV,
				  "%d page%s could not be fetched; %s due and will be tried again by "
				  "the next run (up to %d attempts)",
				  errors, errors == 1 ? "" : "s", errors == 1 ? "it stays" : "they stay",
				  RECHECK_MAX_ATTEMPTS);
	return CT_OK;
}
