/* cmd_assign.c: corrtest assign: assigns every active listing without a
 * pair (assign/assignments.h draws, schedules and stores them) and prints
 * what was assigned; `assign --check` prints the balance report of
 * everything assigned. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "assign/assignments.h"
#include "io/out.h"
#include "base/timeutil.h"
#include "base/banned.h"

const char cmd_assign_usage[] =
	"usage: corrtest assign [--seed N] [--dry-run] [--json]\n"
	"       corrtest assign --check [--json]\n"
	"\n"
	"For every active listing that has no pair yet, draws from the study's seed\n"
	"the test group and gender (blocked randomisation), the message variant of\n"
	"each candidate (counterbalanced; never the same for both), who writes first\n"
	"(balanced) and the gap before the second message, and schedules both\n"
	"messages at random times inside the sending window of study.ini, so that\n"
	"no persona writes one agent twice within agent_gap_days; with\n"
	"placebo_share, a share of listings gets two control personas. See\n"
	"docs/assignment.md.\n"
	"\n"
	"  --seed N    use seed N for this run instead of study.ini's (recorded)\n"
	"  --dry-run   show what would be assigned; change nothing\n"
	"  --check     print the balance tables of all pairs and the smallest gap\n"
	"              between two messages of one persona to one agent; exit 1 if\n"
	"              off balance or a persona writes an agent within the gap\n";

/* What one run assigned: the counts, the pairs (a table for people only
 * with --dry-run; the stored ones are in `export assignments`), and one
 * sentence. */
static void describe_result(struct out *o, const struct design *d, const struct assign_outcome *r,
			    const char *study_dir)
{
	int n = r->n, dry = r->dry;
	/* The pairs' columns for people only with --dry-run. */
	const struct out_field ref = { "listing_ref", dry ? "listing" : NULL, OUT_TEXT, 0 };
	const struct out_field block = { "block", dry ? "block" : NULL, OUT_COUNT, 0 };
	const struct out_field group = { "group", dry ? "group" : NULL, OUT_TEXT, 0 };
	const struct out_field gender = { "gender", dry ? "gender" : NULL, OUT_TEXT, 0 };
	const struct out_field vc = { "control_variant", dry ? "control_v" : NULL, OUT_COUNT, 0 };
	const struct out_field vt = { "test_variant", dry ? "test_v" : NULL, OUT_COUNT, 0 };
	const struct out_field tp = { "test_position", dry ? "test_pos" : NULL, OUT_COUNT, 0 };
	const struct out_field gap = { "gap_minutes", NULL, OUT_COUNT, 0 };
	const struct out_field first = { "first_at", NULL, OUT_TEXT, 0 };
	const struct out_field second = { "second_at", NULL, OUT_TEXT, 0 };
	/* To the minute for people; the full local time with its offset in
	 * JSON. */
	const struct out_field first_min = { "first_local", dry ? "first (local)" : NULL, OUT_TEXT,
					     OUT_TABLE_ONLY };
	const struct out_field second_min = { "second_local", dry ? "second (local)" : NULL, OUT_TEXT,
					      OUT_TABLE_ONLY };
	out_int(o, &(struct out_field){ "assigned", NULL, OUT_COUNT, 0 }, n);
	if (n) {
		char seed[24];
		snprintf(seed, sizeof(seed), "%llu", (unsigned long long)r->seed);
		out_str(o, &(struct out_field){ "seed", NULL, OUT_TEXT, 0 }, seed);
		out_bool(o, &(struct out_field){ "dry_run", NULL, OUT_BOOL, 0 }, dry);
	}
	/* In the table format the stored pairs have no column to show: they are
	 * not laid out at all (6,000 cells of nothing were a fifth of assign's
	 * time on 3,000 listings). */
	int rows = dry || out_format(o) != OUT_TABLE;
	out_table_begin(o, &(struct out_field){ "pairs", NULL, OUT_TEXT, 0 });
	time_t lo = n ? r->first[0] : 0, hi = n ? r->second[0] : 0;
	for (int i = 0; i < n; i++) {
		const struct assign_pair *a = &r->pairs[i];
		char b1[40], b2[40];
		lo = r->first[i] < lo ? r->first[i] : lo;
		hi = r->second[i] > hi ? r->second[i] : hi;
		if (!rows)
			continue;
		time_iso_local(r->first[i], d->timezone, b1);
		time_iso_local(r->second[i], d->timezone, b2);
		out_row_begin(o, NULL);
		out_str(o, &ref, r->refs[i]);
		out_int(o, &block, a->block);
		out_str(o, &group, a->placebo ? "placebo" : d->groups[a->group + 1].id);
		out_str(o, &gender, gender_name(d->genders[a->gender]));
		out_int(o, &vc, a->variant_control);
		out_int(o, &vt, a->variant_test);
		out_int(o, &tp, a->position_test);
		out_int(o, &gap, a->gap_minutes);
		out_str(o, &first, b1);
		out_str(o, &second, b2);
		b1[16] = b2[16] = '\0';
		out_str(o, &first_min, b1);
		out_str(o, &second_min, b2);
		out_row_end(o);
	}
	out_table_end(o);
	if (!n) {
		out_text(o, "Nothing to assign: every active listing already has its pair.");
		return;
	}
	char b1[40], b2[40];
	time_iso_local(lo, d->timezone, b1);
	time_iso_local(hi, d->timezone, b2);
	b1[16] = b2[16] = '\0';
	/* Placebo pairs have no block (0). */
	int bmin = 0, bmax = 0, nplacebo = 0;
	for (int i = 0; i < n; i++) {
		const struct assign_pair *a = &r->pairs[i];
		nplacebo += a->placebo;
		if (!a->placebo && (!bmin || a->block < bmin))
			bmin = a->block;
		bmax = a->block > bmax ? a->block : bmax;
	}
	char placebo[64] = "";
	if (nplacebo)
		snprintf(placebo, sizeof(placebo), ", %d of them placebo pairs", nplacebo);
	out_text(o, "%s %d listing%s (%d applications%s) with seed %llu: blocks %d-%d, messages from "
		    "%s to %s (%s).",
		 dry ? "Would assign" : "Assigned", n, n == 1 ? "" : "s", 2 * n, placebo,
		 (unsigned long long)r->seed, bmin, bmax, b1, b2, d->timezone);
	out_int(o, &(struct out_field){ "cvs", NULL, OUT_COUNT, 0 }, r->cvs);
	if (r->cvs)
		out_text(o, "%ld CVs %s.", r->cvs, dry ? "would be drawn" : "drawn");
	out_str(o, &(struct out_field){ "agent_note", NULL, OUT_TEXT, 0 }, r->agent_note);
	if (r->agent_note)
		out_text(o, "Note: %s.", r->agent_note);
	if (!dry)
		out_text(o, "Check the balance with: corrtest -S %s assign --check", study_dir);
}

/* The balance report of `assign --check`, described once. */
static void describe_check(struct out *o, const struct design *d, const struct assign_balance *b)
{
	static const char *const wdn[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const struct out_field item = { NULL, NULL, OUT_COUNT, 0 };
	static const struct out_field text_item = { NULL, NULL, OUT_TEXT, 0 };
	static const struct out_field group = { "group", "group", OUT_TEXT, OUT_ID };
	static const struct out_field pairs = { "pairs", "pairs", OUT_COUNT, 0 };
	int T = b->ntest, G = b->ngenders, V = b->variants, m = b->block_cells;

	out_int(o, &(struct out_field){ "pairs", "Pairs assigned", OUT_COUNT, 0 }, b->npairs);
	out_bool(o, &(struct out_field){ "balanced", NULL, OUT_BOOL, 0 }, b->nproblems == 0);

	out_table_begin(o, &(struct out_field){ "cells", "\nCells (test group x gender)", OUT_TEXT,
						0 });
	for (int c = 0; c < T * G; c++) {
		out_row_begin(o, NULL);
		out_str(o, &group, d->groups[c / G + 1].id);
		out_str(o, &(struct out_field){ "gender", "gender", OUT_TEXT, 0 },
			gender_name(d->genders[c % G]));
		out_int(o, &pairs, b->cell[c]);
		out_row_end(o);
	}
	out_table_end(o);
	out_int(o, &(struct out_field){ "pairs_other_cells",
					b->other ? "pairs in cells no longer in study.ini" : NULL,
					OUT_COUNT, 0 },
		b->other);

	/* The counts are one JSON list and, for people, a column per
	 * variant. */
	out_table_begin(o, &(struct out_field){ "variants", "\nVariants per group (control included)",
						OUT_TEXT, 0 });
	for (int r = 0; r < b->nvrows; r++) {
		const struct balance_variants *v = &b->vrows[r];
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "label", "group", OUT_TEXT, OUT_TABLE_ONLY }, v->label);
		out_str(o, &(struct out_field){ "group", NULL, OUT_TEXT, 0 }, v->group);
		out_str(o, &(struct out_field){ "role", NULL, OUT_TEXT, 0 }, v->role);
		out_str(o, &(struct out_field){ "with_group", NULL, OUT_TEXT, 0 }, v->with_group);
		out_list_begin(o, &(struct out_field){ "counts", NULL, OUT_COUNT, 0 });
		for (int k = 0; k < V; k++)
			out_int(o, &item, v->count[k]);
		out_list_end(o);
		for (int k = 0; k < V; k++) {
			char key[16];
			snprintf(key, sizeof(key), "v%d", k + 1);
			out_int(o, &(struct out_field){ key, key, OUT_COUNT, OUT_TABLE_ONLY }, v->count[k]);
		}
		out_int(o, &(struct out_field){ "spread", "spread", OUT_COUNT, OUT_TABLE_ONLY },
			v->spread);
		out_row_end(o);
	}
	out_table_end(o);

	out_table_begin(o, &(struct out_field){ "order", "\nOrder: who writes first", OUT_TEXT, 0 });
	for (int t = 0; t < T; t++) {
		out_row_begin(o, NULL);
		out_str(o, &group, d->groups[t + 1].id);
		out_int(o, &(struct out_field){ "test_first", "test first", OUT_COUNT, 0 },
			b->order[t][0]);
		out_int(o, &(struct out_field){ "test_second", "test second", OUT_COUNT, 0 },
			b->order[t][1]);
		out_row_end(o);
	}
	out_table_end(o);
	out_int(o, &(struct out_field){ "control_first", "control candidate writes first",
					OUT_COUNT, 0 },
		b->control_first);
	out_int(o, &(struct out_field){ "control_second", "control candidate writes second",
					OUT_COUNT, 0 },
		b->control_second);

	char title[96];
	snprintf(title, sizeof(title), "\nBlocks (each holds every cell %d time%s)", m,
		 m == 1 ? "" : "s");
	out_table_begin(o, &(struct out_field){ "blocks", title, OUT_TEXT, 0 });
	for (int i = 0; i < b->nblocks; i++) {
		const struct balance_block *x = &b->blocks[i];
		out_row_begin(o, NULL);
		out_int(o, &(struct out_field){ "block", "block", OUT_COUNT, OUT_ID }, x->block);
		out_int(o, &pairs, x->pairs);
		out_int(o, &(struct out_field){ "min_per_cell", "min/cell", OUT_COUNT, 0 },
			x->min_per_cell);
		out_int(o, &(struct out_field){ "max_per_cell", "max/cell", OUT_COUNT, 0 },
			x->max_per_cell);
		out_bool(o, &(struct out_field){ "complete", "complete", OUT_BOOL, OUT_TABLE_ONLY },
			 x->complete);
		out_row_end(o);
	}
	out_table_end(o);

	/* The gaps: quartiles, and the histogram as counts (JSON) and as
	 * bars for people. */
	snprintf(title, sizeof(title), "\nGap before the second message (hours; drawn from [%g, %g])",
		 d->gap_min_hours, d->gap_max_hours);
	out_map_begin(o, &(struct out_field){ "gap_hours", title, OUT_TEXT, 0 });
	static const char *const qk[] = { "min", "q1", "median", "q3", "max" };
	for (int i = 0; i < 5; i++)
		out_value(o, &(struct out_field){ qk[i], qk[i], OUT_REAL, 0 }, b->npairs > 0,
			  b->gap_q[i]);
	int nbins = (int)ARRAY_SIZE(b->gap_hist);
	long hmax = 1;
	for (int i = 0; i < nbins; i++)
		hmax = b->gap_hist[i] > hmax ? b->gap_hist[i] : hmax;
	struct strbuf bars = STRBUF_INIT;
	out_list_begin(o, &(struct out_field){ "histogram", NULL, OUT_COUNT, 0 });
	for (int i = 0; i < nbins; i++) {
		out_int(o, &item, b->gap_hist[i]);
		char bar[41];
		int len = (int)(b->gap_hist[i] * 40 / hmax);
		memset(bar, '#', (size_t)len);
		bar[len] = '\0';
		sb_addf(&bars, "%s  %5.2f-%5.2f %5ld %s", i ? "\n" : "", b->gap_lo + i * b->gap_width,
			b->gap_lo + (i + 1) * b->gap_width, b->gap_hist[i], bar);
	}
	out_list_end(o);
	if (b->npairs)
		out_text(o, "%s", sb_str(&bars));
	sb_free(&bars);
	out_map_end(o);

	snprintf(title, sizeof(title), "\nMessages per day (quota %d)", d->daily_quota);
	out_table_begin(o, &(struct out_field){ "days", title, OUT_TEXT, 0 });
	for (int i = 0; i < b->ndays; i++) {
		out_row_begin(o, NULL);
		out_str(o, &(struct out_field){ "date", "date", OUT_TEXT, OUT_ID }, b->days[i].date);
		out_str(o, &(struct out_field){ "day", "day", OUT_TEXT, OUT_TABLE_ONLY },
			wdn[b->days[i].weekday]);
		out_int(o, &(struct out_field){ "messages", "messages", OUT_COUNT, 0 },
			b->days[i].messages);
		out_int(o, &(struct out_field){ "quota", NULL, OUT_COUNT, 0 }, d->daily_quota);
		out_row_end(o);
	}
	out_table_end(o);

	/* Placebo pairs, apart from the test groups' tables. */
	if (b->placebo_pairs) {
		out_map_begin(o, &(struct out_field){ "placebo", "\nPlacebo pairs (two control personas)",
						      OUT_TEXT, 0 });
		out_int(o, &(struct out_field){ "pairs", "pairs", OUT_COUNT, 0 }, b->placebo_pairs);
		out_int(o, &(struct out_field){ "placebo_first", "placebo persona writes first",
						OUT_COUNT, 0 },
			b->placebo_first);
		out_int(o, &(struct out_field){ "placebo_second", "placebo persona writes second",
						OUT_COUNT, 0 },
			b->placebo_second);
		out_map_end(o);
	}

	/* The agent gap: the smallest time between two messages of one persona
	 * to one agent. */
	snprintf(title, sizeof(title), "\nSame persona, same agent (agent_gap_days = %g)",
		 d->agent_gap_days);
	out_map_begin(o, &(struct out_field){ "agent_gap", title, OUT_TEXT, 0 });
	out_value(o, &(struct out_field){ "agent_gap_days", NULL, OUT_REAL, 0 }, 1, d->agent_gap_days);
	out_int(o, &(struct out_field){ "intervals", "intervals measured", OUT_COUNT, 0 },
		b->agent_intervals);
	out_value(o, &(struct out_field){ "min_days", "smallest gap (days)", OUT_REAL, 0 },
		  b->agent_intervals > 0, b->agent_min_gap_days);
	out_str(o, &(struct out_field){ "min_agent", "at agent", OUT_TEXT, 0 }, b->agent_min_key);
	out_str(o, &(struct out_field){ "min_persona", "persona", OUT_TEXT, 0 }, b->agent_min_persona);
	out_int(o, &(struct out_field){ "collisions", "shorter than the gap", OUT_COUNT, 0 },
		b->agent_collisions);
	out_map_end(o);

	out_notes(o, &(struct out_field){ "notes", NULL, OUT_TEXT, 0 },
		  (const char *const[]){ b->note }, b->note ? 1 : 0);
	/* The problems: a JSON list, and for people one per line. */
	struct strbuf lines = STRBUF_INIT;
	out_list_begin(o, &(struct out_field){ "problems", NULL, OUT_TEXT, 0 });
	for (int i = 0; i < b->nproblems_shown; i++) {
		out_str(o, &text_item, b->problems[i]);
		sb_addf(&lines, "\n%s", b->problems[i]);
	}
	out_list_end(o);
	if (b->nproblems)
		out_text(o, "\nOff balance (%d):%s", b->nproblems, sb_str(&lines));
	else
		out_text(o, "\nBalanced: cells, variants, order, gaps and schedule are within bounds, and "
			    "no persona writes an agent twice within the agent gap.");
	sb_free(&lines);
}

static int run_check(struct cmd_ctx *ctx)
{
	struct ct_err err = { 0 };
	struct assign_balance *b;
	if (assignments_balance(ctx->study, &b, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe_check(o, ctx->study->design, b);
	int rc = out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
	if (!rc && b->nproblems)
		/* Name the first problem on stderr too, for scripts. */
		rc = cmd_errorf(ctx, CT_PROBLEM, "%d balance problem%s, first: %s", b->nproblems,
				b->nproblems == 1 ? "" : "s", b->problems[0]);
	assign_balance_free(b);
	return rc;
}

int cmd_assign(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = { { "seed", required_argument, NULL, 's' },
					      { "check", no_argument, NULL, 'c' },
					      { "dry-run", no_argument, NULL, 'n' },
					      { NULL, 0, NULL, 0 } };
	int c, check = 0, dry = 0;
	const char *seedarg = NULL;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': seedarg = optarg; break;
		case 'c': check = 1; break;
		case 'n': dry = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (check && (seedarg || dry))
		return cmd_usage_error(ctx, "--check takes no --seed or --dry-run");
	if (check)
		return run_check(ctx);
	uint64_t seed;
	if (seedarg && !parse_u64(seedarg, &seed))
		return cmd_usage_error(ctx, "--seed must be a whole number from 0 to 2^64-1");
	struct ct_err err = { 0 };
	struct assign_outcome o;
	int rc = assignments_make(ctx->study, seedarg ? &seed : NULL, dry, &o, &err);
	if (o.warning)
		fprintf(stderr, "corrtest assign: warning: %s\n", o.warning);
	if (rc) {
		assign_outcome_free(&o);
		return cmd_error(ctx, &err);
	}
	struct out *out = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe_result(out, ctx->study->design, &o, ctx->study->dir);
	rc = out_free(out) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
	assign_outcome_free(&o);
	return rc;
}
