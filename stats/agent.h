/* agent.h: agent-level evidence. For each agent (estate agency, private
 * landlord, employer) tested on several listings, the discordant counts b
 * (only the control candidate positive) and c (only the test candidate
 * positive), an exact test per agent and a correction for testing many
 * agents (METHOD.md "agent level"). The result is confidential: it names
 * who may be discriminating. Pure: the caller keeps the agent keys (the
 * i-th result belongs to the i-th input) and does all I/O. */
#ifndef CT_STATS_AGENT_H
#define CT_STATS_AGENT_H

#include <stddef.h>

/* What the caller knows about one agent. listings >= b + c (the other
 * listings were concordant); it is carried through for the report. */
struct agent_counts {
	long b, c, listings;
};

/* Which adjusted p-value decides the flag. Holm (family-wise error) is the
 * default: an equality body building a case file against a named agent
 * needs each flag to hold on its own, not a controlled share of false
 * ones. BH (false discovery rate) suits screening which agents to test
 * again. */
enum agent_flag_rule {
	AGENT_FLAG_HOLM = 0,
	AGENT_FLAG_BH = 1
};

#define AGENT_NOTE_UNTESTED "no discordant pair (b+c = 0): no test, not counted in the adjustments"

struct agent_result {
	long b, c, listings;
	int tested;		/* b+c >= 1: the p-values below are defined */
	/* Exact two-sided binomial test of b of b+c at 1/2, the exact McNemar
	 * test for this agent (R: binom.test(b, b+c)$p.value). */
	double p_exact;
	/* One-sided exact p for more b than c, P(X >= b | b+c, 1/2), the
	 * direction an equality body investigates: the control candidate
	 * favoured over the candidate of the tested origin
	 * (R: binom.test(b, b+c, alternative = "greater")$p.value). */
	double p_greater;
	/* p_exact adjusted over the tested agents (m = their number):
	 * R: p.adjust(p, "holm") and p.adjust(p, "BH"). */
	double p_holm, p_bh;
	/* 1 when the adjusted two-sided p chosen by the rule is < alpha and
	 * b > c: a significant difference against the test candidate. An agent
	 * significantly favouring the test candidate (c > b) is not flagged;
	 * its p-values are still shown. */
	int flagged;
	const char *note;	/* AGENT_NOTE_UNTESTED or NULL */
};

/* Fills out[0..m-1] from in[0..m-1] at level alpha (0 < alpha < 1).
 * Returns the number of flagged agents (>= 0), or -1 when an input is
 * invalid (negative count, b+c > listings, alpha outside (0,1)) or memory
 * runs out; then out is left zeroed. m = 0 returns 0. */
int agent_analyse(const struct agent_counts *in, size_t m, double alpha,
		  enum agent_flag_rule rule, struct agent_result *out);

/* The exact two-sided binomial p of b successes out of b+c at 1/2 (the
 * exact McNemar test, computed by stats/paired.c: R binom.test), and the
 * one-sided P(X >= b) (R: binom.test(b, b+c, alternative = "greater")).
 * Return 0 when b+c = 0 or a count is negative (then *p = 0). */
int agent_binom_two_sided(long b, long c, double *p);
int agent_binom_greater(long b, long c, double *p);

#endif
