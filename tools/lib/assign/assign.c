/* assign.c: blocked randomisation of cells, counterbalanced variants,
 * balanced order and random gaps, from the study's seed. Pure: no I/O.
 * docs/assignment.md states what is randomised and what is guaranteed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assign/assign.h"
#include "base/rng.h"
#include "base/banned.h"

struct assign_state *assign_state_new(int ntest, int ngenders, int variants)
{
	struct assign_state *st = xcalloc(1, sizeof(*st));
	int k = ntest * ngenders;
	st->ntest = ntest;
	st->ngenders = ngenders;
	st->variants = variants;
	st->block_used = xcalloc((size_t)k + 1, sizeof(long));
	st->cell_n = xcalloc((size_t)k + 1, sizeof(long));
	st->cell_test_first = xcalloc((size_t)k + 1, sizeof(long));
	st->grp_ctrl_var = xcalloc((size_t)ntest * variants + 1, sizeof(long));
	st->grp_test_var = xcalloc((size_t)ntest * variants + 1, sizeof(long));
	st->ctrl_var_other = xcalloc((size_t)variants + 1, sizeof(long));
	st->placebo_n = xcalloc((size_t)ngenders + 1, sizeof(long));
	st->placebo_first = xcalloc((size_t)ngenders + 1, sizeof(long));
	return st;
}

void assign_state_free(struct assign_state *st)
{
	if (!st)
		return;
	free(st->block_used);
	free(st->cell_n);
	free(st->cell_test_first);
	free(st->grp_ctrl_var);
	free(st->grp_test_var);
	free(st->ctrl_var_other);
	free(st->placebo_n);
	free(st->placebo_first);
	free(st);
}

long assign_spread(const long *v, int n)
{
	if (n <= 0)
		return 0;
	long lo = v[0], hi = v[0];
	for (int i = 1; i < n; i++) {
		if (v[i] < lo)
			lo = v[i];
		if (v[i] > hi)
			hi = v[i];
	}
	return hi - lo;
}

/* A stream per purpose; run-dependent streams are salted with the number of
 * pairs already assigned, so that an incremental run draws afresh instead of
 * replaying the first run's draws. */
static void stream(struct rng *r, uint64_t seed, const char *what, long salt)
{
	char name[64];
	snprintf(name, sizeof(name), "assign.%s.%ld", what, salt);
	rng_init(r, seed, name);
}

/* Block b is a shuffle of m copies of every cell; it depends only on the
 * seed and b, so that a block begun in one run ends the same way in the
 * next one, as if all listings had been assigned at once. */
static void block_perm(uint64_t seed, int b, int k, int m, int *perm)
{
	struct rng r;
	stream(&r, seed, "cells", b);
	for (int i = 0; i < k * m; i++)
		perm[i] = i % k;
	rng_shuffle(&r, perm, (size_t)k * m, sizeof(int));
}

/* The agents' history during a run: a copy of assign_agents' arrays,
 * updated pair by pair in listing order. NULL fields when no agents. */
struct agstate {
	int nagents, k, V;
	const int *of; /* [n of this draw]: agent of each pair, -1 for none */
	long *cell;
	int *last_gender;
	long *var;
};

/* Gives the cells avail[0..na), a block's in its permutation order, to
 * out[0..cnt) (cnt <= na) in listing order. A listing whose agent had
 * pairs before takes, among the cells left, one of another gender than
 * the agent's last pair (when there are two genders), and of those the
 * one the agent has had least often, the first in the permutation on a
 * tie; any other listing takes the first cell left. Every cell given is
 * one of the block's, so the block's counts, and with them every balance
 * guarantee, are those of the permutation whatever the choice; without
 * agents it is exactly the permutation. */
static void deal_cells(struct assign_pair *out, int cnt, int *avail, int na, int block, int G,
		       struct agstate *ag, const int *of)
{
	for (int i = 0; i < cnt; i++) {
		int a = ag && ag->cell ? of[i] : -1, best = 0;
		if (a >= 0 && ag->last_gender[a] >= 0) {
			long bkey = -1;
			for (int j = 0; j < na - i; j++) {
				int c = avail[j];
				long key = (G > 1 && c % G == ag->last_gender[a] ? 1L << 40 : 0) +
					   ag->cell[(size_t)a * ag->k + c];
				if (bkey < 0 || key < bkey) {
					bkey = key;
					best = j;
				}
			}
		}
		out[i].block = block;
		out[i].cell = avail[best];
		/* The rest keep their permutation order. */
		memmove(avail + best, avail + best + 1, sizeof(int) * (size_t)(na - i - best - 1));
		if (a >= 0) {
			ag->cell[(size_t)a * ag->k + out[i].cell]++;
			ag->last_gender[a] = out[i].cell % G;
		}
	}
}

static void draw_cells(const struct assign_params *p, const struct assign_state *st, int n,
		       struct assign_pair *out, struct agstate *ag)
{
	int k = p->ntest * p->ngenders, m = p->block_cells, size = k * m, done = 0;
	int *perm = xmalloc(sizeof(int) * (size_t)size), *avail = xmalloc(sizeof(int) * (size_t)size);
	long used = 0, *left = xcalloc((size_t)k, sizeof(long));
	int open = st->last_block > 0 && !st->last_block_foreign;
	for (int c = 0; c < k && open; c++) {
		used += st->block_used[c];
		if (st->block_used[c] > m)
			open = 0;
	}
	if (open && used > 0 && used < size) {
		/* Finish the open block: its permutation without the cells used. */
		block_perm(p->seed, st->last_block, k, m, perm);
		for (int c = 0; c < k; c++)
			left[c] = st->block_used[c];
		int na = 0;
		for (int i = 0; i < size; i++) {
			if (left[perm[i]] > 0) {
				left[perm[i]]--;
				continue;
			}
			avail[na++] = perm[i];
		}
		int cnt = na < n ? na : n;
		deal_cells(out, cnt, avail, na, st->last_block, p->ngenders, ag, ag ? ag->of : NULL);
		done = cnt;
	}
	for (int b = st->last_block + 1; done < n; b++) {
		block_perm(p->seed, b, k, m, perm);
		int cnt = n - done < size ? n - done : size;
		deal_cells(out + done, cnt, perm, size, b, p->ngenders, ag, ag ? ag->of + done : NULL);
		done += cnt;
	}
	for (int i = 0; i < n; i++) {
		out[i].group = out[i].cell / p->ngenders;
		out[i].gender = out[i].cell % p->ngenders;
	}
	free(perm);
	free(avail);
	free(left);
}

/* Adds r units to the counts cur + inc, each to a lowest variant, ties
 * broken by the preference order prio. */
static void waterfill(const long *cur, long *inc, int V, long r, const int *prio)
{
	for (long u = 0; u < r; u++) {
		int best = prio[0];
		for (int j = 1; j < V; j++) {
			int v = prio[j];
			if (cur[v] + inc[v] < cur[best] + inc[best])
				best = v;
		}
		inc[best]++;
	}
}

static void random_order(struct rng *r, int *a, int n)
{
	for (int i = 0; i < n; i++)
		a[i] = i;
	rng_shuffle(r, a, (size_t)n, sizeof(int));
}

/* Moves control-variant units between variants within groups (each move
 * keeps that group's own balance) until the control's overall counts are
 * within 1, by breadth-first search for a chain of moves from a most used
 * to a least used variant: an augmenting path, so it stops only when no
 * reassignment can improve the balance. With strict = 0 a move may also
 * leave a group's own control share unbalanced. Given the test variants y
 * (and rg, the pairs per group), no move may make x[v] + y[v] exceed rg. */
static void balance_control(const struct assign_params *p, const struct assign_state *st,
			    long *x, struct rng *r, int strict, const long *y, const long *rg)
{
	int T = p->ntest, V = p->variants;
	long *G = xcalloc((size_t)V, sizeof(long));
	int *parent = xmalloc(sizeof(int) * (size_t)V), *via = xmalloc(sizeof(int) * (size_t)V);
	int *queue = xmalloc(sizeof(int) * (size_t)V), *gorder = xmalloc(sizeof(int) * (size_t)T);
	random_order(r, gorder, T);
	for (int guard = 0; guard < 100000; guard++) {
		long hi = 0, lo = 0;
		for (int v = 0; v < V; v++) {
			G[v] = st->ctrl_var_other[v];
			for (int t = 0; t < T; t++)
				G[v] += st->grp_ctrl_var[t * V + v] + x[t * V + v];
			if (v == 0 || G[v] > hi)
				hi = G[v];
			if (v == 0 || G[v] < lo)
				lo = G[v];
		}
		if (hi - lo <= 1)
			break;
		int qh = 0, qt = 0, target = -1;
		for (int v = 0; v < V; v++) {
			parent[v] = -2;
			if (G[v] == hi) {
				parent[v] = -1;
				queue[qt++] = v;
			}
		}
		while (qh < qt && target < 0) {
			int v = queue[qh++];
			for (int u = 0; u < V && target < 0; u++) {
				if (parent[u] != -2)
					continue;
				for (int j = 0; j < T; j++) {
					int t = gorder[j];
					long fv = st->grp_ctrl_var[t * V + v] + x[t * V + v];
					long fu = st->grp_ctrl_var[t * V + u] + x[t * V + u];
					if (y && x[t * V + u] + 1 + y[t * V + u] > rg[t])
						continue; /* would force a shared variant */
					if (x[t * V + v] >= 1 && (fv >= fu + 1 || !strict)) {
						parent[u] = v;
						via[u] = t;
						queue[qt++] = u;
						if (G[u] <= hi - 2)
							target = u;
						break;
					}
				}
			}
		}
		if (target < 0)
			break;
		for (int u = target; parent[u] >= 0; u = parent[u]) {
			x[via[u] * V + parent[u]]--;
			x[via[u] * V + u]++;
		}
	}
	free(G);
	free(parent);
	free(via);
	free(queue);
	free(gorder);
}

/* Makes x[v] + y[v] <= r for every v, the condition under which r pairs with
 * control variants x and test variants y, never equal, exist. Moves test
 * units, preferring moves that keep the group's test balance. */
static void make_feasible(const long *curT, const long *x, long *y, int V, long r, int strict)
{
	for (int guard = 0; guard < 10 * V + 10; guard++) {
		int bad = -1;
		for (int v = 0; v < V && bad < 0; v++)
			if (x[v] + y[v] > r)
				bad = v;
		if (bad < 0)
			return;
		int best = -1, best_ok = 0;
		for (int w = 0; w < V; w++) {
			if (w == bad || x[w] + y[w] + 1 > r)
				continue;
			int ok = curT[bad] + y[bad] >= curT[w] + y[w] + 1;
			if (strict && !ok)
				continue;
			if (best < 0 || (ok && !best_ok) ||
			    (ok == best_ok && curT[w] + y[w] < curT[best] + y[best])) {
				best = w;
				best_ok = ok;
			}
		}
		if (best < 0)
			return;
		y[bad]--;
		y[best]++;
	}
}

/* Whether the pair (v, w) may be drawn: distinct variants, both still
 * needed, and (unless relaxed) covering every tight variant. */
static int pair_ok(const long *x, const long *y, int v, int w, const int *tight, int ntight,
		   int relaxed)
{
	if (v == w || !x[v] || !y[w])
		return 0;
	for (int j = 0; j < ntight && !relaxed; j++)
		if (tight[j] != v && tight[j] != w)
			return 0;
	return 1;
}

/* Draws r ordered pairs (control, test), never equal, whose control
 * variants are x and test variants y, at random: each step takes a pair with
 * probability proportional to x[v] * y[w] among the pairs that keep the rest
 * decomposable (a variant v with x[v] + y[v] equal to the number of pairs
 * left must be in the pair). Pairs are written 0-based into pc, pt. */
static void decompose(long *x, long *y, int V, long r, int *pc, int *pt, struct rng *rg)
{
	int *tight = xmalloc(sizeof(int) * (size_t)V);
	for (long i = 0; i < r; i++) {
		long left = r - i, total = 0;
		int ntight = 0, relaxed = 0;
		for (int v = 0; v < V; v++)
			if (x[v] + y[v] >= left)
				tight[ntight++] = v;
		for (; relaxed < 2 && !total; relaxed++)
			for (int v = 0; v < V; v++)
				for (int w = 0; w < V; w++)
					if (pair_ok(x, y, v, w, tight, ntight, relaxed))
						total += x[v] * y[w];
		relaxed--;
		if (!total) {
			/* Only x[v] and y[v] of a single v remain, a state only an
			 * unbalanced earlier run can leave: the test side gives way
			 * so that a pair never shares a variant. */
			int v = 0;
			while (v < V - 1 && !x[v])
				v++;
			pc[i] = v;
			pt[i] = (v + 1) % V;
			x[v]--;
			y[v]--;
			continue;
		}
		long pick = (long)rng_below(rg, (uint64_t)total);
		for (int v = 0; v < V && pick >= 0; v++)
			for (int w = 0; w < V && pick >= 0; w++) {
				if (!pair_ok(x, y, v, w, tight, ntight, relaxed))
					continue;
				long wgt = x[v] * y[w];
				if (pick < wgt) {
					pc[i] = v;
					pt[i] = w;
					x[v]--;
					y[w]--;
					pick = -1;
					break;
				}
				pick -= wgt;
			}
	}
	free(tight);
}

/* Deals a group's couples, in their random order ord[0..rn), to its
 * listings (the pairs of group t in out, in listing order). A listing
 * whose agent has received messages before takes, among the first 32
 * couples left, one whose two variants the agent has received least often
 * (the first on a tie); any other listing takes the first couple left.
 * The couples dealt are the group's whatever the choice, so the variant
 * counts do not change; without agents it is exactly the random order. */
static void deal_couples(struct assign_pair *out, int n, int t, const int *pc, const int *pt,
			 const int *ord, long rn, struct agstate *ag)
{
	enum { WINDOW = 32 };
	long *next = xmalloc(sizeof(long) * (size_t)(rn + 1)), *prev = xmalloc(sizeof(long) * (size_t)(rn + 1));
	/* A circular doubly linked list over ord's positions, the sentinel at
	 * rn. */
	for (long j = 0; j < rn; j++) {
		next[j] = j + 1;
		prev[j] = j ? j - 1 : rn;
	}
	next[rn] = rn ? 0 : rn;
	prev[rn] = rn ? rn - 1 : rn;
	int V = ag ? ag->V : 0;
	for (int i = 0; i < n; i++) {
		if (out[i].group != t)
			continue;
		int a = ag && ag->var ? ag->of[i] : -1;
		long pick = next[rn], seen = 0;
		if (a >= 0) {
			long hist = 0, bkey = -1;
			for (int v = 0; v < V; v++)
				hist += ag->var[(size_t)a * V + v];
			for (long j = next[rn]; hist && j != rn && seen < WINDOW; j = next[j], seen++) {
				long key = ag->var[(size_t)a * V + pc[ord[j]]] + ag->var[(size_t)a * V + pt[ord[j]]];
				if (bkey < 0 || key < bkey) {
					bkey = key;
					pick = j;
				}
			}
		}
		out[i].variant_control = pc[ord[pick]] + 1;
		out[i].variant_test = pt[ord[pick]] + 1;
		next[prev[pick]] = next[pick];
		prev[next[pick]] = prev[pick];
		if (a >= 0) {
			ag->var[(size_t)a * V + pc[ord[pick]]]++;
			ag->var[(size_t)a * V + pt[ord[pick]]]++;
		}
	}
	free(next);
	free(prev);
}

static void draw_variants(const struct assign_params *p, const struct assign_state *st, int n,
			  struct assign_pair *out, struct agstate *ag)
{
	int T = p->ntest, V = p->variants;
	struct rng r;
	stream(&r, p->seed, "variants", st->nprev);
	long *rg = xcalloc((size_t)T, sizeof(long));
	long *x = xcalloc((size_t)T * V, sizeof(long)), *y = xcalloc((size_t)T * V, sizeof(long));
	int *prio = xmalloc(sizeof(int) * (size_t)V);
	for (int i = 0; i < n; i++)
		rg[out[i].group]++;
	/* Control side: each group's share balanced, then the whole balanced. */
	for (int t = 0; t < T; t++) {
		random_order(&r, prio, V);
		waterfill(st->grp_ctrl_var + t * V, x + t * V, V, rg[t], prio);
	}
	balance_control(p, st, x, &r, 1, NULL, NULL);
	/* Rarely (after many small incremental runs) the overall balance can be
	 * kept only by letting one group's control share go 2 apart; the
	 * overall balance comes first, as the design promises it. */
	balance_control(p, st, x, &r, 0, NULL, NULL);
	/* Test side: balanced per group. Among equally used variants, those the
	 * control takes least in this run go first, which leaves room for pairs
	 * that never share a variant; then those the control has used least in
	 * this group, so that the test side's least used variants differ from
	 * the control's (were both short of the same single variant, the next
	 * pair could not give it to both). */
	for (int t = 0; t < T; t++) {
		const long *cc = st->grp_ctrl_var + t * V, *xt = x + t * V;
		random_order(&r, prio, V);
		for (int a = 1; a < V; a++) /* stable insertion sort */
			for (int b = a; b > 0 && (xt[prio[b]] < xt[prio[b - 1]] ||
						  (xt[prio[b]] == xt[prio[b - 1]] &&
						   cc[prio[b]] + xt[prio[b]] < cc[prio[b - 1]] + xt[prio[b - 1]]));
			     b--) {
				int tmp = prio[b];
				prio[b] = prio[b - 1];
				prio[b - 1] = tmp;
			}
		waterfill(st->grp_test_var + t * V, y + t * V, V, rg[t], prio);
		make_feasible(st->grp_test_var + t * V, x + t * V, y + t * V, V, rg[t], 1);
	}
	/* Where the test side could not make room without leaving its balance,
	 * the control side gives way within the group, and the control's total
	 * is rebalanced among moves that keep every group feasible. */
	int moved = 0;
	for (int t = 0; t < T; t++) {
		long *xt = x + t * V, *yt = y + t * V;
		const long *cc = st->grp_ctrl_var + t * V;
		for (int u = 0; u < V; u++)
			while (xt[u] > 0 && xt[u] + yt[u] > rg[t]) {
				int best = -1;
				for (int w = 0; w < V; w++)
					if (w != u && xt[w] + yt[w] + 1 <= rg[t] &&
					    (best < 0 || cc[w] + xt[w] < cc[best] + xt[best]))
						best = w;
				if (best < 0)
					break;
				xt[u]--;
				xt[best]++;
				moved = 1;
			}
	}
	if (moved) {
		balance_control(p, st, x, &r, 1, y, rg);
		balance_control(p, st, x, &r, 0, y, rg);
	}
	/* Last resort: the test side leaves its balance. */
	for (int t = 0; t < T; t++)
		make_feasible(st->grp_test_var + t * V, x + t * V, y + t * V, V, rg[t], 0);
	/* The pairs of each group, drawn, shuffled and dealt to its listings in
	 * listing order (rotating over an agent's listings). */
	for (int t = 0; t < T; t++) {
		if (!rg[t])
			continue;
		int *pc = xmalloc(sizeof(int) * (size_t)rg[t]), *pt = xmalloc(sizeof(int) * (size_t)rg[t]);
		int *ord = xmalloc(sizeof(int) * (size_t)rg[t]);
		decompose(x + t * V, y + t * V, V, rg[t], pc, pt, &r);
		random_order(&r, ord, (int)rg[t]);
		deal_couples(out, n, t, pc, pt, ord, rg[t], ag);
		free(pc);
		free(pt);
		free(ord);
	}
	free(rg);
	free(x);
	free(y);
	free(prio);
}

/* Order: within each cell the test candidate writes first and second in
 * turn, from a random start per cell; the two genders of a test group start
 * on opposite sides, so that the group as a whole is within 1 at every
 * point too. The start depends on the seed alone and each pair's side on
 * how many pairs its cell already has, so that an incremental run continues
 * exactly as one run over all listings would. A cell left off balance (by
 * hand) is brought back first. */
static void draw_positions(const struct assign_params *p, const struct assign_state *st, int n,
			   struct assign_pair *out)
{
	int T = p->ntest, G = p->ngenders, k = T * G;
	struct rng r;
	rng_init(&r, p->seed, "assign.order");
	long *first = xcalloc((size_t)k, sizeof(long)), *total = xcalloc((size_t)k, sizeof(long));
	int *start = xcalloc((size_t)k, sizeof(int));
	/* With one gender, the groups' starts alternate in a random order, so
	 * that over a whole block the control too writes first in half of the
	 * pairs (+-1). */
	int *rank = xmalloc(sizeof(int) * (size_t)T);
	random_order(&r, rank, T);
	int base = (int)rng_below(&r, 2);
	for (int t = 0; t < T; t++)
		for (int g = 0; g < G; g++)
			start[t * G + g] = (base + rank[t] + g) & 1;
	free(rank);
	for (int c = 0; c < k; c++) {
		first[c] = st->cell_test_first[c];
		total[c] = st->cell_n[c];
	}
	for (int i = 0; i < n; i++) {
		int c = out[i].cell;
		long second = total[c] - first[c];
		int test_first = first[c] < second ? 1 : first[c] > second ? 0 :
			((total[c] + start[c]) & 1) == 0;
		out[i].position_test = test_first ? 1 : 2;
		out[i].position_control = test_first ? 2 : 1;
		first[c] += test_first;
		total[c]++;
	}
	free(first);
	free(total);
	free(start);
}

/* The placebo period: L positions of which cnt are placebo pairs. */
static void placebo_period(double share, long *L, long *cnt)
{
	*L = 1000;
	*cnt = lround(share * 1000);
	for (long l = 1; l <= 1000; l++) {
		double x = share * (double)l;
		if (fabs(x - nearbyint(x)) < 1e-9 && nearbyint(x) >= 1) {
			*L = l;
			*cnt = (long)nearbyint(x);
			return;
		}
	}
}

/* The positions of placebo block b: mark[0..L) set for its cnt positions. */
static void placebo_block(uint64_t seed, long b, long L, long cnt, unsigned char *mark)
{
	long *idx = xmalloc(sizeof(long) * (size_t)L);
	for (long i = 0; i < L; i++)
		idx[i] = i;
	struct rng r;
	stream(&r, seed, "placebo", b);
	rng_shuffle(&r, idx, (size_t)L, sizeof(long));
	memset(mark, 0, (size_t)L);
	for (long i = 0; i < cnt && i < L; i++)
		mark[idx[i]] = 1;
	free(idx);
}

int assign_is_placebo(uint64_t seed, double share, long j)
{
	if (!(share > 0))
		return 0;
	long L, cnt;
	placebo_period(share, &L, &cnt);
	unsigned char *mark = xmalloc((size_t)L);
	placebo_block(seed, j / L, L, cnt, mark);
	int is = mark[j % L];
	free(mark);
	return is;
}

/* The placebo pairs out[idx[0..np)]: gender in turn from a random start
 * (balanced, +-1), the placebo persona first and second in turn per
 * gender, from a random start per gender and continuing the counts of
 * earlier runs (balanced, +-1), and the two variants an ordered couple
 * (v, w), v != w, taken in turn from a random order of all V(V-1) couples
 * fixed by the seed, so that each side uses every variant equally often
 * over every V(V-1) placebo pairs. */
static void draw_placebo(const struct assign_params *p, const struct assign_state *st,
			 struct assign_pair *out, const int *idx, int np)
{
	int G = p->ngenders, V = p->variants, nc = V * (V - 1);
	struct rng r;
	rng_init(&r, p->seed, "assign.placebo.order");
	int gstart = (int)rng_below(&r, (uint64_t)G);
	int ostart[2] = { (int)rng_below(&r, 2), 0 };
	ostart[1] = !ostart[0];
	int *cv = xmalloc(sizeof(int) * (size_t)nc), *cw = xmalloc(sizeof(int) * (size_t)nc);
	int *ord = xmalloc(sizeof(int) * (size_t)nc);
	for (int v = 0, c = 0; v < V; v++)
		for (int w = 0; w < V; w++)
			if (v != w) {
				cv[c] = v;
				cw[c++] = w;
			}
	rng_init(&r, p->seed, "assign.placebo.variants");
	random_order(&r, ord, nc);
	long first[2] = { 0, 0 }, total[2] = { 0, 0 };
	for (int g = 0; g < G; g++) {
		first[g] = st->placebo_first[g];
		total[g] = st->placebo_n[g];
	}
	for (int j = 0; j < np; j++) {
		struct assign_pair *a = &out[idx[j]];
		long q = st->nplacebo + j;
		int g = (int)((q + gstart) % G);
		long second = total[g] - first[g];
		int pf = first[g] < second ? 1 : first[g] > second ? 0 : ((total[g] + ostart[g]) & 1) == 0;
		a->placebo = 1;
		a->block = 0;
		a->cell = a->group = -1;
		a->gender = g;
		a->position_test = pf ? 1 : 2;
		a->position_control = pf ? 2 : 1;
		a->variant_control = cv[ord[q % nc]] + 1;
		a->variant_test = cw[ord[q % nc]] + 1;
		first[g] += pf;
		total[g]++;
	}
	free(cv);
	free(cw);
	free(ord);
}

int assign_run(const struct assign_params *p, const struct assign_state *st, int n,
	       struct assign_pair *out, struct ct_err *err)
{
	if (p->ntest < 1 || p->ngenders < 1 || p->ngenders > 2)
		return ct_fail(err, CT_EINPUT, "the design needs at least one test group and one or two genders");
	if (p->variants < 2)
		return ct_fail(err, CT_EINPUT,
			       "the design needs at least 2 message variants (it has %d): the two "
			       "messages to one listing must differ", p->variants);
	if (p->block_cells < 1)
		return ct_fail(err, CT_EINPUT, "block_cells must be at least 1");
	if (p->gap_min_minutes < 0 || p->gap_max_minutes < p->gap_min_minutes)
		return ct_fail(err, CT_EINPUT, "the gap needs 0 <= minimum <= maximum");
	if (!(p->placebo_share >= 0 && p->placebo_share < 1))
		return ct_fail(err, CT_EINPUT, "the placebo share must be from 0 to below 1");
	if (st->ntest != p->ntest || st->ngenders != p->ngenders || st->variants != p->variants)
		return ct_fail(err, CT_EINPUT, "balance state does not match the design");
	if (n <= 0)
		return CT_OK;
	memset(out, 0, sizeof(*out) * (size_t)n);
	/* Placebo pairs first: they leave the blocks of test cells to the
	 * other listings, in listing order. */
	int *tidx = xmalloc(sizeof(int) * (size_t)n), *pidx = xmalloc(sizeof(int) * (size_t)n);
	int nt = 0, np = 0;
	if (p->placebo_share > 0) {
		long L, cnt, cur = -1;
		placebo_period(p->placebo_share, &L, &cnt);
		unsigned char *mark = xmalloc((size_t)L);
		for (int i = 0; i < n; i++) {
			long j = st->nprev + i;
			if (j / L != cur) {
				cur = j / L;
				placebo_block(p->seed, cur, L, cnt, mark);
			}
			if (mark[j % L])
				pidx[np++] = i;
			else
				tidx[nt++] = i;
		}
		free(mark);
	} else {
		for (int i = 0; i < n; i++)
			tidx[nt++] = i;
	}
	/* The test pairs are drawn on a compact copy, then put back. */
	struct assign_pair *tp = xcalloc((size_t)nt + 1, sizeof(*tp));
	int k = p->ntest * p->ngenders, V = p->variants;
	struct agstate ags = { 0 }, *ag = NULL;
	int *tof = NULL;
	if (p->agents && p->agents->nagents > 0) {
		const struct assign_agents *A = p->agents;
		ag = &ags;
		ags.nagents = A->nagents;
		ags.k = k;
		ags.V = V;
		tof = xmalloc(sizeof(int) * (size_t)nt + 1);
		for (int i = 0; i < nt; i++)
			tof[i] = A->of[tidx[i]];
		ags.of = tof;
		ags.cell = xcalloc((size_t)A->nagents * k, sizeof(long));
		ags.last_gender = xmalloc(sizeof(int) * (size_t)A->nagents);
		ags.var = xcalloc((size_t)A->nagents * V, sizeof(long));
		for (int a = 0; a < A->nagents; a++) {
			ags.last_gender[a] = A->last_gender ? A->last_gender[a] : -1;
			for (int c = 0; c < k && A->cell; c++)
				ags.cell[(size_t)a * k + c] = A->cell[(size_t)a * k + c];
			for (int v = 0; v < V && A->var; v++)
				ags.var[(size_t)a * V + v] = A->var[(size_t)a * V + v];
		}
	}
	if (nt) {
		draw_cells(p, st, nt, tp, ag);
		draw_variants(p, st, nt, tp, ag);
		draw_positions(p, st, nt, tp);
	}
	for (int i = 0; i < nt; i++)
		out[tidx[i]] = tp[i];
	if (np)
		draw_placebo(p, st, out, pidx, np);
	free(tp);
	free(tidx);
	free(pidx);
	free(tof);
	free(ags.cell);
	free(ags.last_gender);
	free(ags.var);
	struct rng r;
	stream(&r, p->seed, "gaps", st->nprev);
	uint64_t span = (uint64_t)(p->gap_max_minutes - p->gap_min_minutes) + 1;
	for (int i = 0; i < n; i++)
		out[i].gap_minutes = p->gap_min_minutes + (int)rng_below(&r, span);
	return CT_OK;
}
