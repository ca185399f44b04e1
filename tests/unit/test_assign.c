/* test_assign.c: the randomisation's balance guarantees, checked by
 * counting over many designs, sizes and seeds (the expected values are the
 * definitions of balance, not the program's own output). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign/assign.h"

static const uint64_t seeds[] = { 1, 2, 20261122, 0xDEADBEEFULL, 987654321987ULL };
static const int sizes[] = { 1, 7, 50, 203 };

/* Folds pairs into a balance state, as the command does from the database. */
static void fold(struct assign_state *st, const struct assign_pair *a, int n, int V, int k)
{
	for (int i = 0; i < n; i++) {
		st->nprev++;
		if (a[i].block > st->last_block) {
			st->last_block = a[i].block;
			memset(st->block_used, 0, sizeof(long) * (size_t)k);
		}
		if (a[i].block == st->last_block)
			st->block_used[a[i].cell]++;
		st->cell_n[a[i].cell]++;
		st->cell_test_first[a[i].cell] += a[i].position_test == 1;
		st->grp_ctrl_var[a[i].group * V + a[i].variant_control - 1]++;
		st->grp_test_var[a[i].group * V + a[i].variant_test - 1]++;
	}
}

/* Checks every guarantee over the whole state; returns a message or NULL. */
static long group_control_misses;

static const char *verify(const struct assign_state *st, const struct assign_pair *a, int n,
			  const struct assign_params *p, long cell_tol, int strict)
{
	static char msg[256];
	int T = p->ntest, G = p->ngenders, V = p->variants, k = T * G;
	long ctrl[32] = { 0 };
	if (assign_spread(st->cell_n, k) > cell_tol)
		return "cell counts differ by more than the tolerance";
	for (int t = 0; t < T; t++) {
		if (assign_spread(st->grp_ctrl_var + t * V, V) > 1) {
			if (strict)
				return "control variants within a group off balance";
			group_control_misses++;
		}
		if (assign_spread(st->grp_test_var + t * V, V) > 1)
			return "test variants within a group off balance";
		long gtf = 0, gn = 0;
		for (int g = 0; g < G; g++) {
			int c = t * G + g;
			long first = st->cell_test_first[c], second = st->cell_n[c] - first;
			if (labs(first - second) > 1)
				return "positions within a cell off balance";
			gtf += first;
			gn += st->cell_n[c];
		}
		if (labs(gtf - (gn - gtf)) > 1)
			return "positions within a group off balance";
		for (int v = 0; v < V; v++)
			ctrl[v] += st->grp_ctrl_var[t * V + v];
	}
	if (assign_spread(ctrl, V) > 1)
		return "control variants overall off balance";
	for (int i = 0; i < n; i++) {
		const struct assign_pair *x = &a[i];
		if (x->variant_control == x->variant_test)
			return "a pair shares a variant";
		if (x->variant_control < 1 || x->variant_control > V || x->variant_test < 1 ||
		    x->variant_test > V)
			return "variant out of range";
		if (x->position_control + x->position_test != 3)
			return "positions are not 1 and 2";
		if (x->gap_minutes < p->gap_min_minutes || x->gap_minutes > p->gap_max_minutes)
			return "gap out of range";
		if (x->group != x->cell / G || x->gender != x->cell % G)
			return "cell, group and gender disagree";
	}
	/* Every complete block holds every cell exactly block_cells times; at
	 * the end of a complete block the control writes first in half (+-1) of
	 * all pairs so far. */
	long ctf = 0, cn = 0;
	int maxb = n ? a[n - 1].block : 0;
	for (int b = 1; b <= maxb; b++) {
		long cnt[64] = { 0 }, tot = 0;
		for (int i = 0; i < n; i++)
			if (a[i].block == b) {
				cnt[a[i].cell]++;
				tot++;
				cn++;
				ctf += a[i].position_control == 1;
			}
		if (tot == (long)k * p->block_cells && labs(ctf - (cn - ctf)) > 1) {
			snprintf(msg, sizeof(msg), "control order off balance after block %d", b);
			return msg;
		}
		for (int c = 0; c < k; c++)
			if (cnt[c] > p->block_cells || (tot == (long)k * p->block_cells && cnt[c] != p->block_cells)) {
				snprintf(msg, sizeof(msg), "block %d unbalanced", b);
				return msg;
			}
	}
	return NULL;
}

static struct assign_params params(int T, int G, int V, int m, uint64_t seed)
{
	struct assign_params p = { T, G, V, m, seed, 120, 360, NULL, 0 };
	return p;
}

START_TEST(balance_over_designs_sizes_seeds)
{
	long runs = 0;
	for (int T = 2; T <= 5; T++)
		for (int G = 1; G <= 2; G++)
			for (int V = 2; V <= 4; V++)
				for (size_t si = 0; si < ARRAY_SIZE(sizes); si++)
					for (size_t s = 0; s < ARRAY_SIZE(seeds); s++) {
						int n = sizes[si];
						struct assign_params p = params(T, G, V, 1, seeds[s]);
						struct assign_state *st = assign_state_new(T, G, V);
						struct assign_pair *a = calloc((size_t)n, sizeof(*a));
						struct ct_err err = { 0 };
						ck_assert_int_eq(assign_run(&p, st, n, a, &err), 0);
						fold(st, a, n, V, T * G);
						const char *bad = verify(st, a, n, &p, 1, 1);
						if (bad)
							ck_abort_msg("T=%d G=%d V=%d n=%d seed=%llu: %s", T, G, V, n,
								     (unsigned long long)seeds[s], bad);
						assign_state_free(st);
						free(a);
						runs++;
					}
	ck_assert_int_eq(runs, 4 * 2 * 3 * 4 * (long)ARRAY_SIZE(seeds));
}
END_TEST

START_TEST(blocks_of_several_cells)
{
	/* With block_cells = m, every complete block holds each cell m times
	 * and the counts never differ by more than m. */
	for (int m = 2; m <= 3; m++)
		for (size_t s = 0; s < ARRAY_SIZE(seeds); s++)
			for (size_t si = 0; si < ARRAY_SIZE(sizes); si++) {
				int n = sizes[si];
				struct assign_params p = params(3, 2, 3, m, seeds[s]);
				struct assign_state *st = assign_state_new(3, 2, 3);
				struct assign_pair *a = calloc((size_t)n, sizeof(*a));
				ck_assert_int_eq(assign_run(&p, st, n, a, NULL), 0);
				fold(st, a, n, 3, 6);
				const char *bad = verify(st, a, n, &p, m, 1);
				ck_assert_msg(!bad, "m=%d n=%d: %s", m, n, bad ? bad : "");
				assign_state_free(st);
				free(a);
			}
}
END_TEST

START_TEST(every_ordered_pair_of_variants_is_used)
{
	/* 203 listings over 3 groups, 3 variants: each group sees ~68 pairs, so
	 * each of the 6 ordered pairs of distinct variants should occur. */
	struct assign_params p = params(3, 1, 3, 1, 20261122);
	struct assign_state *st = assign_state_new(3, 1, 3);
	struct assign_pair a[203];
	ck_assert_int_eq(assign_run(&p, st, 203, a, NULL), 0);
	for (int t = 0; t < 3; t++) {
		int seen[4][4] = { { 0 } };
		for (int i = 0; i < 203; i++)
			if (a[i].group == t)
				seen[a[i].variant_control][a[i].variant_test]++;
		for (int v = 1; v <= 3; v++)
			for (int w = 1; w <= 3; w++)
				if (v != w)
					ck_assert_msg(seen[v][w] > 0, "group %d never got (%d,%d)", t, v, w);
	}
	assign_state_free(st);
}
END_TEST

START_TEST(reproducible_and_seed_dependent)
{
	for (size_t si = 1; si < ARRAY_SIZE(sizes); si++) {
		int n = sizes[si];
		struct assign_params p = params(3, 2, 3, 1, 42);
		struct assign_state *st = assign_state_new(3, 2, 3);
		struct assign_pair *a = calloc((size_t)n, sizeof(*a)), *b = calloc((size_t)n, sizeof(*b));
		ck_assert_int_eq(assign_run(&p, st, n, a, NULL), 0);
		ck_assert_int_eq(assign_run(&p, st, n, b, NULL), 0);
		ck_assert(!memcmp(a, b, sizeof(*a) * (size_t)n));
		p.seed = 43;
		ck_assert_int_eq(assign_run(&p, st, n, b, NULL), 0);
		ck_assert_msg(memcmp(a, b, sizeof(*a) * (size_t)n), "seed 43 gave seed 42's draw (n=%d)", n);
		assign_state_free(st);
		free(a);
		free(b);
	}
}
END_TEST

/* A block as large as the design (4 test groups x 2 genders, 8 listings):
 * its 8 pairs are one permutation of all 8 cells. */
START_TEST(first_block_is_a_permutation)
{
	struct assign_params p = params(4, 2, 3, 1, 7);
	struct assign_state *st = assign_state_new(4, 2, 3);
	struct assign_pair a[8];
	ck_assert_int_eq(assign_run(&p, st, 8, a, NULL), 0);
	int seen[8] = { 0 };
	for (int i = 0; i < 8; i++) {
		ck_assert_int_eq(a[i].block, 1);
		seen[a[i].cell]++;
	}
	for (int c = 0; c < 8; c++)
		ck_assert_int_eq(seen[c], 1);
	assign_state_free(st);
}
END_TEST

START_TEST(incremental_runs_continue_the_blocks_and_balance)
{
	/* Assigning 50 and then 53 more gives the same cells as 103 at once
	 * (the open block is finished as it would have been), and the balance
	 * holds over all 103. */
	for (size_t s = 0; s < ARRAY_SIZE(seeds); s++)
		for (int T = 2; T <= 5; T++)
			for (int G = 1; G <= 2; G++) {
				int V = 3, k = T * G;
				struct assign_params p = params(T, G, V, 1, seeds[s]);
				struct assign_state *one = assign_state_new(T, G, V);
				struct assign_state *inc = assign_state_new(T, G, V);
				struct assign_pair all[103], part[103];
				ck_assert_int_eq(assign_run(&p, one, 103, all, NULL), 0);
				ck_assert_int_eq(assign_run(&p, inc, 50, part, NULL), 0);
				fold(inc, part, 50, V, k);
				ck_assert_int_eq(assign_run(&p, inc, 53, part + 50, NULL), 0);
				fold(inc, part + 50, 53, V, k);
				for (int i = 0; i < 103; i++) {
					ck_assert_int_eq(all[i].cell, part[i].cell);
					ck_assert_int_eq(all[i].block, part[i].block);
				}
				const char *bad = verify(inc, part, 103, &p, 1, 1);
				ck_assert_msg(!bad, "seed %zu T=%d G=%d: %s", s, T, G, bad ? bad : "");
				assign_state_free(one);
				assign_state_free(inc);
			}
}
END_TEST

START_TEST(many_small_incremental_runs)
{
	/* Listings arriving a few at a time (1 to 9 per run, 30 runs): the
	 * balance is kept after every run. */
	for (size_t s = 0; s < ARRAY_SIZE(seeds); s++)
		for (int V = 2; V <= 4; V++) {
			int T = 3, G = 2, k = T * G, n = 0;
			struct assign_params p = params(T, G, V, 1, seeds[s]);
			struct assign_state *st = assign_state_new(T, G, V);
			struct assign_pair a[400];
			for (int run = 0; run < 30; run++) {
				int add = 1 + (int)((seeds[s] + (uint64_t)run * 7) % 9);
				ck_assert_int_eq(assign_run(&p, st, add, a + n, NULL), 0);
				fold(st, a + n, add, V, k);
				n += add;
				const char *bad = verify(st, a, n, &p, 1, 0);
				ck_assert_msg(!bad, "seed %zu V=%d after run %d (n=%d): %s", s, V, run, n,
					      bad ? bad : "");
			}
			assign_state_free(st);
		}
	/* The control's share within a group is kept too, but may give way in
	 * a few of these 450 states; say how often, so a regression shows. */
	fprintf(stderr, "many_small_incremental_runs: group control share off in %ld of 450 states\n",
		group_control_misses);
	ck_assert_int_le(group_control_misses, 45);
}
END_TEST

START_TEST(refuses_bad_designs)
{
	struct assign_params p = params(3, 2, 1, 1, 1);
	struct assign_state *st = assign_state_new(3, 2, 1);
	struct assign_pair a[1];
	struct ct_err err = { 0 };
	ck_assert_int_eq(assign_run(&p, st, 1, a, &err), 2);
	ck_assert_ptr_nonnull(strstr(err.msg, "at least 2 message variants"));
	assign_state_free(st);
	p = params(0, 2, 3, 1, 1);
	st = assign_state_new(0, 2, 3);
	ck_assert_int_eq(assign_run(&p, st, 1, a, &err), 2);
	assign_state_free(st);
}
END_TEST

START_TEST(gaps_cover_the_range)
{
	/* Uniform over [120, 360] minutes: over 2000 draws the minimum and
	 * maximum come within 5 minutes of the ends and the mean near 240. */
	struct assign_params p = params(2, 1, 2, 1, 99);
	struct assign_state *st = assign_state_new(2, 1, 2);
	struct assign_pair *a = calloc(2000, sizeof(*a));
	ck_assert_int_eq(assign_run(&p, st, 2000, a, NULL), 0);
	int lo = 1000, hi = 0;
	double sum = 0;
	for (int i = 0; i < 2000; i++) {
		lo = a[i].gap_minutes < lo ? a[i].gap_minutes : lo;
		hi = a[i].gap_minutes > hi ? a[i].gap_minutes : hi;
		sum += a[i].gap_minutes;
	}
	ck_assert_int_le(lo, 125);
	ck_assert_int_ge(hi, 355);
	ck_assert_int_ge(lo, 120);
	ck_assert_int_le(hi, 360);
	/* sd of the mean = 69.6 / sqrt(2000) = 1.6 minutes */
	ck_assert(sum / 2000 > 233 && sum / 2000 < 247);
	free(a);
	assign_state_free(st);
}
END_TEST

/* Same-gender successions among each agent's consecutive listings, and the
 * largest spread of one agent's cell counts. */
static void agent_rotation(const struct assign_pair *a, const int *of, int n, int nag, int k, int G,
			   double *same_rate, long *cell_spread)
{
	long same = 0, succ = 0, spread = 0;
	for (int ag = 0; ag < nag; ag++) {
		long cnt[64] = { 0 };
		int last = -1;
		for (int i = 0; i < n; i++) {
			if (of[i] != ag)
				continue;
			if (last >= 0) {
				succ++;
				same += a[i].gender == a[last].gender;
			}
			cnt[a[i].cell]++;
			last = i;
		}
		long sp = assign_spread(cnt, k);
		spread = sp > spread ? sp : spread;
	}
	(void)G;
	*same_rate = succ ? (double)same / (double)succ : 0;
	*cell_spread = spread;
}

START_TEST(agents_rotate_cells_and_variants_and_keep_balance)
{
	/* 400 listings of 10 agents, the agents' listings consecutive (as a file
	 * sorted by agency) or interleaved. Without agents, one agent's next
	 * listing has the same gender half of the time (the cells are a random
	 * permutation); with them, much less often, while every balance
	 * guarantee holds and each agent meets every cell about equally often. */
	int n = 400, T = 3, G = 2, V = 3, k = T * G;
	int of[400];
	for (int layout = 0; layout < 2; layout++) {
		for (int i = 0; i < n; i++)
			of[i] = layout ? i % 10 : i / 40;
		for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
			long cells[10 * 64] = { 0 }, var[10 * 8] = { 0 };
			int lastg[10];
			for (int x = 0; x < 10; x++)
				lastg[x] = -1;
			struct assign_agents ag = { 10, of, cells, lastg, var };
			struct assign_params p = params(T, G, V, 1, seeds[s]);
			struct assign_state *st = assign_state_new(T, G, V);
			struct assign_pair *a = calloc((size_t)n, sizeof(*a));
			struct assign_pair *b = calloc((size_t)n, sizeof(*b));
			ck_assert_int_eq(assign_run(&p, st, n, b, NULL), 0);
			p.agents = &ag;
			ck_assert_int_eq(assign_run(&p, st, n, a, NULL), 0);
			struct assign_state *f = assign_state_new(T, G, V);
			fold(f, a, n, V, k);
			const char *why = verify(f, a, n, &p, 1, 1);
			ck_assert_msg(!why, "layout %d seed %zu: %s", layout, s, why);
			double same, same0;
			long spread, spread0;
			agent_rotation(a, of, n, 10, k, G, &same, &spread);
			agent_rotation(b, of, n, 10, k, G, &same0, &spread0);
			ck_assert_msg(same0 > 0.35, "without agents %.2f", same0);
			ck_assert_msg(same < 0.2, "layout %d seed %zu: same gender %.2f", layout, s, same);
			/* 40 listings over 6 cells: 6 or 7 each when dealt evenly. */
			ck_assert_msg(spread <= 3, "layout %d seed %zu: cell spread %ld", layout, s, spread);
			/* Each agent receives every variant about equally often. */
			for (int x = 0; x < 10; x++) {
				long vc[8] = { 0 };
				for (int i = 0; i < n; i++)
					if (of[i] == x) {
						vc[a[i].variant_control - 1]++;
						vc[a[i].variant_test - 1]++;
					}
				ck_assert_msg(assign_spread(vc, V) <= 8, "agent %d variants %ld/%ld/%ld", x,
					      vc[0], vc[1], vc[2]);
			}
			/* The caller's arrays are not changed. */
			for (int x = 0; x < 10; x++)
				ck_assert_int_eq(lastg[x], -1);
			free(a);
			free(b);
			assign_state_free(st);
			assign_state_free(f);
		}
	}
}
END_TEST

START_TEST(placebo_pairs)
{
	/* placebo_share 0.2: exactly one listing in each run of 5 positions is a
	 * placebo pair; their genders alternate (+-1), the placebo persona
	 * writes first in half of each gender's (+-1), the two variants always
	 * differ; the other listings keep every guarantee; and two runs of 500
	 * mark the same listings as one run of 1000. */
	int n = 1000, T = 2, G = 2, V = 3, k = T * G;
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		struct assign_params p = params(T, G, V, 1, seeds[s]);
		p.placebo_share = 0.2;
		struct assign_state *st = assign_state_new(T, G, V);
		struct assign_pair *a = calloc((size_t)n, sizeof(*a));
		ck_assert_int_eq(assign_run(&p, st, n, a, NULL), 0);
		long pl = 0, pg[2] = { 0, 0 }, pf[2] = { 0, 0 };
		struct assign_pair *t = calloc((size_t)n, sizeof(*t));
		int nt = 0;
		for (int i = 0; i < n; i++) {
			ck_assert_int_eq(a[i].placebo, assign_is_placebo(seeds[s], 0.2, i));
			if (i % 5 == 4) {
				int c = 0;
				for (int j = i - 4; j <= i; j++)
					c += a[j].placebo;
				ck_assert_int_eq(c, 1);
			}
			if (!a[i].placebo) {
				t[nt++] = a[i];
				continue;
			}
			pl++;
			ck_assert_int_eq(a[i].group, -1);
			ck_assert_int_ne(a[i].variant_control, a[i].variant_test);
			ck_assert_int_eq(a[i].position_control + a[i].position_test, 3);
			pg[a[i].gender]++;
			pf[a[i].gender] += a[i].position_test == 1;
			ck_assert(labs(pg[0] - pg[1]) <= 1);
			for (int g = 0; g < 2; g++)
				ck_assert(labs(pf[g] - (pg[g] - pf[g])) <= 1);
		}
		ck_assert_int_eq(pl, 200);
		struct assign_state *f = assign_state_new(T, G, V);
		fold(f, t, nt, V, k);
		const char *why = verify(f, t, nt, &p, 1, 1);
		ck_assert_msg(!why, "seed %zu: %s", s, why);
		/* Incremental: 500 + 500. */
		struct assign_pair *b = calloc((size_t)n, sizeof(*b));
		ck_assert_int_eq(assign_run(&p, st, 500, b, NULL), 0);
		struct assign_state *inc = assign_state_new(T, G, V);
		for (int i = 0; i < 500; i++) {
			if (b[i].placebo) {
				inc->nprev++;
				inc->nplacebo++;
				inc->placebo_n[b[i].gender]++;
				inc->placebo_first[b[i].gender] += b[i].position_test == 1;
			} else {
				fold(inc, &b[i], 1, V, k);
			}
		}
		ck_assert_int_eq(assign_run(&p, inc, 500, b + 500, NULL), 0);
		for (int i = 0; i < n; i++)
			ck_assert_int_eq(a[i].placebo, b[i].placebo);
		free(a);
		free(b);
		free(t);
		assign_state_free(st);
		assign_state_free(f);
		assign_state_free(inc);
	}
}
END_TEST

int main(void)
{
	Suite *s = suite_create("assign");
	TCase *tc = tcase_create("assign");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, balance_over_designs_sizes_seeds);
	tcase_add_test(tc, blocks_of_several_cells);
	tcase_add_test(tc, every_ordered_pair_of_variants_is_used);
	tcase_add_test(tc, reproducible_and_seed_dependent);
	tcase_add_test(tc, first_block_is_a_permutation);
	tcase_add_test(tc, incremental_runs_continue_the_blocks_and_balance);
	tcase_add_test(tc, many_small_incremental_runs);
	tcase_add_test(tc, refuses_bad_designs);
	tcase_add_test(tc, gaps_cover_the_range);
	tcase_add_test(tc, agents_rotate_cells_and_variants_and_keep_balance);
	tcase_add_test(tc, placebo_pairs);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
