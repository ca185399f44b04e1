/* agent.c: an exact test per agent and the corrections for testing many
 * agents. Sources in agent.h and in each function's comment. */
#include <limits.h>
#include <stdlib.h>

#include "agent.h"
#include "multi.h"
#include "paired.h"
#include "rmath.h"
#include "banned.h"

/* Two-sided exact binomial p of b of b+c at 1/2: this is the exact McNemar
 * test of the agent's discordant pairs, so it is computed once, in
 * stats/paired.c (R: binom.test(b, b+c)$p.value). */
int agent_binom_two_sided(long b, long c, double *p)
{
	const struct paired_counts t = { 0, b, c, 0 };
	*p = 0.0;
	if (b < 0 || c < 0 || b > LONG_MAX - c || b + c <= 0)
		return 0;
	return paired_mcnemar_exact_p(&t, p);
}

/* One-sided exact p for "more b than c": P(X >= b) for X ~ Bin(b+c, 1/2)
 * (R: binom.test(b, b+c, alternative = "greater"), i.e.
 * pbinom(b - 1, b+c, 1/2, lower.tail = FALSE)). */
int agent_binom_greater(long b, long c, double *p)
{
	*p = 0.0;
	if (b < 0 || c < 0 || b > LONG_MAX - c || b + c <= 0)
		return 0;
	*p = pbinom((double)b - 1, (double)b + (double)c, 0.5, 0, 0);
	return 1;
}

/* Per agent the exact tests above; over the tested agents (b+c >= 1) the
 * Holm and BH adjustments of the two-sided p (multi.h); the flag as
 * documented in agent.h. Untested agents keep tested = 0 and p-values of
 * 0, which the caller prints as null with AGENT_NOTE_UNTESTED. */
int agent_analyse(const struct agent_counts *in, size_t m, double alpha,
		  enum agent_flag_rule rule, struct agent_result *out)
{
	static const struct agent_result zero;
	for (size_t i = 0; i < m; i++)
		out[i] = zero;
	if (!(alpha > 0 && alpha < 1) || (rule != AGENT_FLAG_HOLM && rule != AGENT_FLAG_BH))
		return -1;
	size_t tested = 0;
	for (size_t i = 0; i < m; i++) {
		const struct agent_counts *a = &in[i];
		if (a->b < 0 || a->c < 0 || a->listings < 0 || a->b > a->listings ||
		    a->c > a->listings - a->b)
			return -1;
		if (a->b + a->c > 0)
			tested++;
	}
	if (m == 0)
		return 0;
	double *p = malloc((tested ? tested : 1) * 3 * sizeof *p);
	if (!p)
		return -1;
	double *holm = p + tested, *bh = holm + tested;
	size_t t = 0;
	for (size_t i = 0; i < m; i++) {
		struct agent_result *r = &out[i];
		r->b = in[i].b;
		r->c = in[i].c;
		r->listings = in[i].listings;
		if (r->b + r->c == 0) {
			r->note = AGENT_NOTE_UNTESTED;
			continue;
		}
		r->tested = 1;
		agent_binom_two_sided(r->b, r->c, &r->p_exact);
		agent_binom_greater(r->b, r->c, &r->p_greater);
		p[t++] = r->p_exact;
	}
	if (!multi_holm(p, tested, holm) || !multi_bh(p, tested, bh)) {
		free(p);
		for (size_t i = 0; i < m; i++)
			out[i] = zero;
		return -1;
	}
	int flagged = 0;
	t = 0;
	for (size_t i = 0; i < m; i++) {
		struct agent_result *r = &out[i];
		if (!r->tested)
			continue;
		r->p_holm = holm[t];
		r->p_bh = bh[t];
		t++;
		double adj = rule == AGENT_FLAG_BH ? r->p_bh : r->p_holm;
		r->flagged = adj < alpha && r->b > r->c;
		flagged += r->flagged;
	}
	free(p);
	return flagged;
}
