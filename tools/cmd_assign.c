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
#include "io/json.h"
#include "io/table.h"
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
	"messages inside the sending window of study.ini. See docs/assignment.md.\n"
	"\n"
	"  --seed N    use seed N for this run instead of study.ini's (recorded)\n"
	"  --dry-run   show what would be assigned; change nothing\n"
	"  --check     print the balance tables of all pairs; exit 1 if off balance\n";

static void print_result(struct cmd_ctx *ctx, const struct assign_outcome *o)
{
	const struct design *d = ctx->study->design;
	const struct assign_pair *a = o->pairs;
	const time_t *t1 = o->first, *t2 = o->second;
	int n = o->n, dry = o->dry;
	uint64_t seed = o->seed;
	char b1[40], b2[40];
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "assigned");
		json_int(&j, n);
		json_key(&j, "seed");
		snprintf(b1, sizeof(b1), "%llu", (unsigned long long)seed);
		json_str(&j, b1);
		json_key(&j, "dry_run");
		json_bool(&j, dry);
		json_key(&j, "pairs");
		json_arr_begin(&j);
		for (int i = 0; i < n; i++) {
			json_obj_begin(&j);
			json_key(&j, "listing_ref");
			json_str(&j, o->refs[i]);
			json_key(&j, "block");
			json_int(&j, a[i].block);
			json_key(&j, "group");
			json_str(&j, d->groups[a[i].group + 1].id);
			json_key(&j, "gender");
			json_str(&j, gender_name(d->genders[a[i].gender]));
			json_key(&j, "control_variant");
			json_int(&j, a[i].variant_control);
			json_key(&j, "test_variant");
			json_int(&j, a[i].variant_test);
			json_key(&j, "test_position");
			json_int(&j, a[i].position_test);
			json_key(&j, "gap_minutes");
			json_int(&j, a[i].gap_minutes);
			time_iso_local(t1[i], d->timezone, b1);
			time_iso_local(t2[i], d->timezone, b2);
			json_key(&j, "first_at");
			json_str(&j, b1);
			json_key(&j, "second_at");
			json_str(&j, b2);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	if (dry) {
		struct table *t = table_new(9, (const char *const[]){ "listing", "block", "group", "gender",
			"control_v", "test_v", "test_pos", "first (local)", "second (local)" });
		for (int i = 0; i < n; i++) {
			char blk[16], vc[8], vt[8], tp[8];
			snprintf(blk, sizeof(blk), "%d", a[i].block);
			snprintf(vc, sizeof(vc), "v%d", a[i].variant_control);
			snprintf(vt, sizeof(vt), "v%d", a[i].variant_test);
			snprintf(tp, sizeof(tp), "%d", a[i].position_test);
			time_iso_local(t1[i], d->timezone, b1);
			time_iso_local(t2[i], d->timezone, b2);
			b1[16] = b2[16] = '\0';
			table_addv(t, o->refs[i], blk, d->groups[a[i].group + 1].id,
				   gender_name(d->genders[a[i].gender]), vc, vt, tp, b1, b2);
		}
		table_print(t, stdout);
		table_free(t);
	}
	time_t lo = t1[0], hi = t2[0];
	for (int i = 0; i < n; i++) {
		lo = t1[i] < lo ? t1[i] : lo;
		hi = t2[i] > hi ? t2[i] : hi;
	}
	time_iso_local(lo, d->timezone, b1);
	time_iso_local(hi, d->timezone, b2);
	b1[16] = b2[16] = '\0';
	printf("%s %d listing%s (%d applications) with seed %llu: blocks %d-%d, messages from %s to %s "
	       "(%s).\n",
	       dry ? "Would assign" : "Assigned", n, n == 1 ? "" : "s", 2 * n, (unsigned long long)seed,
	       a[0].block, a[n - 1].block, b1, b2, d->timezone);
	if (!dry)
		printf("Check the balance with: corrtest -S %s assign --check\n", ctx->study->dir);
}

/* Adds a row to t: label, the counts v[0..n), then tail when not NULL. */
static void add_counts_row(struct table *t, const char *label, const long *v, int n,
			   const char *tail)
{
	int nc = 1 + n + (tail != NULL);
	char **cells = xcalloc((size_t)nc, sizeof(*cells));
	cells[0] = xstrdup(label);
	for (int i = 0; i < n; i++)
		cells[1 + i] = xasprintf("%ld", v[i]);
	if (tail)
		cells[nc - 1] = xstrdup(tail);
	table_add(t, (const char *const *)cells);
	for (int i = 0; i < nc; i++)
		free(cells[i]);
	free(cells);
}

static void print_check_json(const struct design *d, const struct assign_balance *b)
{
	int T = b->ntest, G = b->ngenders, V = b->variants;
	struct json j;
	json_init(&j, stdout, 1);
	json_obj_begin(&j);
	json_key(&j, "pairs");
	json_int(&j, b->npairs);
	json_key(&j, "balanced");
	json_bool(&j, b->nproblems == 0);
	json_key(&j, "cells");
	json_arr_begin(&j);
	for (int c = 0; c < T * G; c++) {
		json_obj_begin(&j);
		json_key(&j, "group");
		json_str(&j, d->groups[c / G + 1].id);
		json_key(&j, "gender");
		json_str(&j, gender_name(d->genders[c % G]));
		json_key(&j, "pairs");
		json_int(&j, b->cell[c]);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "pairs_other_cells");
	json_int(&j, b->other);
	json_key(&j, "variants");
	json_arr_begin(&j);
	for (int r = 0; r < b->nvrows; r++) {
		json_obj_begin(&j);
		json_key(&j, "group");
		json_str(&j, b->vrows[r].group);
		json_key(&j, "role");
		json_str(&j, b->vrows[r].role);
		json_key(&j, "with_group");
		json_str(&j, b->vrows[r].with_group);
		json_key(&j, "counts");
		json_arr_begin(&j);
		for (int v = 0; v < V; v++)
			json_int(&j, b->vrows[r].count[v]);
		json_arr_end(&j);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "order");
	json_arr_begin(&j);
	for (int t = 0; t < T; t++) {
		json_obj_begin(&j);
		json_key(&j, "group");
		json_str(&j, d->groups[t + 1].id);
		json_key(&j, "test_first");
		json_int(&j, b->order[t][0]);
		json_key(&j, "test_second");
		json_int(&j, b->order[t][1]);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "control_first");
	json_int(&j, b->control_first);
	json_key(&j, "control_second");
	json_int(&j, b->control_second);
	json_key(&j, "blocks");
	json_arr_begin(&j);
	for (int i = 0; i < b->nblocks; i++) {
		json_obj_begin(&j);
		json_key(&j, "block");
		json_int(&j, b->blocks[i].block);
		json_key(&j, "pairs");
		json_int(&j, b->blocks[i].pairs);
		json_key(&j, "min_per_cell");
		json_int(&j, b->blocks[i].min_per_cell);
		json_key(&j, "max_per_cell");
		json_int(&j, b->blocks[i].max_per_cell);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "gap_hours");
	json_obj_begin(&j);
	static const char *const qk[] = { "min", "q1", "median", "q3", "max" };
	for (int i = 0; i < 5; i++) {
		json_key(&j, qk[i]);
		if (b->npairs)
			json_num(&j, b->gap_q[i]);
		else
			json_null(&j);
	}
	json_key(&j, "histogram");
	json_arr_begin(&j);
	for (size_t i = 0; i < ARRAY_SIZE(b->gap_hist); i++)
		json_int(&j, b->gap_hist[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	json_key(&j, "days");
	json_arr_begin(&j);
	for (int i = 0; i < b->ndays; i++) {
		json_obj_begin(&j);
		json_key(&j, "date");
		json_str(&j, b->days[i].date);
		json_key(&j, "messages");
		json_int(&j, b->days[i].messages);
		json_key(&j, "quota");
		json_int(&j, d->daily_quota);
		json_obj_end(&j);
	}
	json_arr_end(&j);
	json_key(&j, "notes");
	json_arr_begin(&j);
	if (b->note)
		json_str(&j, b->note);
	json_arr_end(&j);
	json_key(&j, "problems");
	json_arr_begin(&j);
	for (int i = 0; i < b->nproblems_shown; i++)
		json_str(&j, b->problems[i]);
	json_arr_end(&j);
	json_obj_end(&j);
	json_end(&j);
}

static void print_check_text(const struct design *d, const struct assign_balance *b)
{
	static const char *const wdn[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	int T = b->ntest, G = b->ngenders, V = b->variants, m = b->block_cells;
	printf("Pairs assigned: %d\n\nCells (test group x gender): pairs\n", b->npairs);
	const char **head = xcalloc((size_t)(V > G ? V : G) + 2, sizeof(char *));
	head[0] = "group";
	for (int g = 0; g < G; g++)
		head[1 + g] = gender_name(d->genders[g]);
	struct table *t = table_new(1 + G, head);
	for (int ti = 0; ti < T; ti++)
		add_counts_row(t, d->groups[ti + 1].id, b->cell + ti * G, G, NULL);
	table_print(t, stdout);
	table_free(t);
	if (b->other)
		printf("(%ld pairs in cells no longer in study.ini)\n", b->other);

	printf("\nVariants per group (control included)\n");
	char **vh = xcalloc((size_t)V, sizeof(char *));
	for (int v = 0; v < V; v++)
		head[1 + v] = vh[v] = xasprintf("v%d", v + 1);
	head[V + 1] = "spread";
	t = table_new(V + 2, head);
	for (int r = 0; r < b->nvrows; r++) {
		char sp[24];
		snprintf(sp, sizeof(sp), "%ld", b->vrows[r].spread);
		add_counts_row(t, b->vrows[r].label, b->vrows[r].count, V, sp);
	}
	table_print(t, stdout);
	table_free(t);
	for (int v = 0; v < V; v++)
		free(vh[v]);
	free(vh);
	free(head);

	printf("\nOrder: who writes first\n");
	t = table_new(3, (const char *const[]){ "group", "test first", "test second" });
	for (int ti = 0; ti < T; ti++)
		add_counts_row(t, d->groups[ti + 1].id, b->order[ti], 2, NULL);
	table_print(t, stdout);
	table_free(t);
	printf("(the control candidate writes first in %ld pairs, second in %ld)\n", b->control_first,
	       b->control_second);

	printf("\nBlocks (each holds every cell %d time%s)\n", m, m == 1 ? "" : "s");
	t = table_new(5, (const char *const[]){ "block", "pairs", "min/cell", "max/cell", "complete" });
	for (int i = 0; i < b->nblocks; i++) {
		const struct balance_block *x = &b->blocks[i];
		char label[16];
		long v[3] = { x->pairs, x->min_per_cell, x->max_per_cell };
		snprintf(label, sizeof(label), "%d", x->block);
		add_counts_row(t, label, v, 3, x->complete ? "yes" : "no");
	}
	table_print(t, stdout);
	table_free(t);

	printf("\nGap before the second message (hours; drawn from [%g, %g])\n", d->gap_min_hours,
	       d->gap_max_hours);
	if (b->npairs)
		printf("min %.2f  q1 %.2f  median %.2f  q3 %.2f  max %.2f\n", b->gap_q[0], b->gap_q[1],
		       b->gap_q[2], b->gap_q[3], b->gap_q[4]);
	int nbins = (int)ARRAY_SIZE(b->gap_hist);
	long hmax = 1;
	for (int i = 0; i < nbins; i++)
		hmax = b->gap_hist[i] > hmax ? b->gap_hist[i] : hmax;
	for (int i = 0; i < nbins && b->npairs; i++) {
		char bar[41];
		int len = (int)(b->gap_hist[i] * 40 / hmax);
		memset(bar, '#', (size_t)len);
		bar[len] = '\0';
		printf("  %5.2f-%5.2f %5ld %s\n", b->gap_lo + i * b->gap_width,
		       b->gap_lo + (i + 1) * b->gap_width, b->gap_hist[i], bar);
	}

	printf("\nMessages per day (quota %d)\n", d->daily_quota);
	t = table_new(3, (const char *const[]){ "date", "day", "messages" });
	for (int i = 0; i < b->ndays; i++) {
		char cnt[24];
		snprintf(cnt, sizeof(cnt), "%ld", b->days[i].messages);
		table_addv(t, b->days[i].date, wdn[b->days[i].weekday], cnt);
	}
	table_print(t, stdout);
	table_free(t);
	if (b->note)
		printf("\nNote: %s.\n", b->note);
	if (b->nproblems) {
		printf("\nOff balance (%d):\n", b->nproblems);
		for (int i = 0; i < b->nproblems_shown; i++)
			printf("%s\n", b->problems[i]);
	} else {
		printf("\nBalanced: cells, variants, order, gaps and schedule are within bounds.\n");
	}
}

static int run_check(struct cmd_ctx *ctx)
{
	struct ct_err err = { 0 };
	struct assign_balance *b;
	if (assignments_balance(ctx->study, &b, &err))
		return cmd_error(ctx, &err);
	if (ctx->json)
		print_check_json(ctx->study->design, b);
	else
		print_check_text(ctx->study->design, b);
	int rc = cmd_flush(ctx);
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
	if (!o.n && ctx->json)
		printf("{\"assigned\": 0, \"pairs\": []}\n");
	else if (!o.n)
		printf("Nothing to assign: every active listing already has its pair.\n");
	else
		print_result(ctx, &o);
	assign_outcome_free(&o);
	return CT_OK;
}
