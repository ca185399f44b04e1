/* paired.c: point measures of a paired correspondence test from the cell
 * counts a, b, c, d, and the cell probabilities of the simulation model.
 * Sources: METHOD.md "The measures (paired design)"; the ILO net rate as in
 * Bovenkerk (1992), "Testing discrimination in natural experiments: a manual
 * for international comparative research on discrimination on the grounds
 * of 'race' and ethnic origin" (ILO, Geneva), and Riach & Rich (2002), "Field
 * experiments of discrimination in the market place", Economic Journal 112,
 * F480-F518. */
#include <limits.h>
#include <stddef.h>

#include "paired.h"

int paired_counts_valid(const struct paired_counts *t)
{
	if (!t || t->a < 0 || t->b < 0 || t->c < 0 || t->d < 0)
		return 0;
	/* Each partial sum must fit: a sum past LONG_MAX would be undefined
	 * behaviour, and no real study comes near it. */
	long s = 0;
	const long v[4] = { t->a, t->b, t->c, t->d };
	for (int i = 0; i < 4; i++) {
		if (v[i] > LONG_MAX - s)
			return 0;
		s += v[i];
	}
	return 1;
}

long paired_n(const struct paired_counts *t)
{
	if (!paired_counts_valid(t))
		return -1;
	return t->a + t->b + t->c + t->d;
}

void paired_add(struct paired_counts *dst, const struct paired_counts *src)
{
	dst->a += src->a;
	dst->b += src->b;
	dst->c += src->c;
	dst->d += src->d;
}

/* num/den as a defined measure when den > 0; otherwise undefined, *out = 0. */
static int ratio(double num, long den, double *out)
{
	if (den <= 0) {
		*out = 0.0;
		return 0;
	}
	*out = num / (double)den;
	return 1;
}

/* a+b+c: the pairs where at least one candidate had a positive outcome,
 * the denominator of the ILO rates; -1 for an invalid table. */
static long paired_positive_pairs(const struct paired_counts *t)
{
	return paired_counts_valid(t) ? t->a + t->b + t->c : -1;
}

/* Response rate of the control candidate: p_C = (a+b)/N (METHOD.md). */
int paired_rate_control(const struct paired_counts *t, double *out)
{
	long n = paired_n(t);
	return ratio(n > 0 ? (double)(t->a + t->b) : 0.0, n, out);
}

/* Response rate of the test candidate: p_T = (a+c)/N (METHOD.md). */
int paired_rate_test(const struct paired_counts *t, double *out)
{
	long n = paired_n(t);
	return ratio(n > 0 ? (double)(t->a + t->c) : 0.0, n, out);
}

/* Net discrimination rate of the ILO method: (b−c)/(a+b+c), the share of
 * pairs with at least one positive outcome in which only the control was
 * favoured, less the share in which only the test candidate was
 * (Bovenkerk 1992; Riach & Rich 2002; METHOD.md). This is the figure the
 * Belgian praktijktesten publish. */
int paired_net_ilo(const struct paired_counts *t, double *out)
{
	long m = paired_positive_pairs(t);
	return ratio(m > 0 ? (double)t->b - (double)t->c : 0.0, m, out);
}

/* Gross rate against the test candidate: b/(a+b+c) (Bovenkerk 1992;
 * METHOD.md "also report the gross rates"). */
int paired_gross_control(const struct paired_counts *t, double *out)
{
	long m = paired_positive_pairs(t);
	return ratio(m > 0 ? (double)t->b : 0.0, m, out);
}

/* Gross rate in favour of the test candidate: c/(a+b+c) (as above). */
int paired_gross_test(const struct paired_counts *t, double *out)
{
	long m = paired_positive_pairs(t);
	return ratio(m > 0 ? (double)t->c : 0.0, m, out);
}

/* Net rate over all pairs: (b−c)/N, which equals p_C − p_T; the measure of
 * the US audit studies (METHOD.md). */
int paired_net_all(const struct paired_counts *t, double *out)
{
	long n = paired_n(t);
	return ratio(n > 0 ? (double)t->b - (double)t->c : 0.0, n, out);
}

void paired_summarise(const struct paired_counts *t, struct paired_summary *out)
{
	struct paired_value *v;
	out->t = *t;
	out->n = paired_n(t);
	out->nnotes = 0;
	v = &out->rate_control;
	v->defined = paired_rate_control(t, &v->v);
	v = &out->rate_test;
	v->defined = paired_rate_test(t, &v->v);
	v = &out->net_ilo;
	v->defined = paired_net_ilo(t, &v->v);
	v = &out->gross_control;
	v->defined = paired_gross_control(t, &v->v);
	v = &out->gross_test;
	v->defined = paired_gross_test(t, &v->v);
	v = &out->net_all;
	v->defined = paired_net_all(t, &v->v);
	if (out->n < 0)
		out->notes[out->nnotes++] = "invalid counts (negative or too large)";
	else if (out->n == 0)
		out->notes[out->nnotes++] = PAIRED_NOTE_NO_PAIRS;
	else if (!out->net_ilo.defined)
		out->notes[out->nnotes++] = PAIRED_NOTE_NO_POSITIVE;
}

/* The simulation model. Write s = P(a)+P(b)+P(c), the probability that a
 * pair has at least one positive outcome, and f_x = P(x)/s for x in a, b, c
 * (so f_a+f_b+f_c = 1). Among the pairs with a positive outcome, a share
 * |D| is discriminatory (control only positive, cell b, when D >= 0; test
 * only, cell c, when D < 0), and the rest is "neutral": concordant with
 * probability 1−2k and discordant each way with probability k, the chance
 * disagreement of two equal candidates (k = noise). Hence, for D >= 0:
 *
 *   f_a = (1−2k)(1−D)      f_b = k + D(1−k)      f_c = k(1−D)
 *
 * and for D < 0 the same with b and c exchanged and |D| for D:
 *
 *   f_a = (1−2k)(1+D)      f_b = k(1+D)          f_c = k + |D|(1−k)
 *
 * Check: f_a+f_b+f_c = (1−|D|)(1−2k+2k) + |D| = 1, and
 *   D >= 0: f_b − f_c = k + D − Dk − k + Dk = D;
 *   D <  0: f_b − f_c = k + kD − k − |D| + |D|k = −|D| = D.
 * The control rate is P = s(f_a+f_b) = s·g with
 *   g = 1 − k(1−D) for D >= 0,   g = (1+D)(1−k) for D < 0,
 * so s = P/g and P(d) = 1 − s; the model exists when g > 0 and P <= g.
 *
 * Expected net rate: over N independent pairs, (b−c)/(a+b+c) =
 * [(b−c)/N]/[(a+b+c)/N]. By the strong law of large numbers the numerator
 * tends to s(f_b−f_c) = sD and the denominator to s > 0, so the ratio tends
 * (almost surely, hence in probability) to D; its bias is O(1/N) (delta
 * method), and E[(b−c)/N]/E[(a+b+c)/N] = D exactly. Likewise (a+b)/N tends
 * to P. P = 0 gives s = 0 (no positive outcome, net rate undefined), and
 * D = −1 gives g = 0: both are refused. */
double paired_model_max_p_control(double net, double noise)
{
	return net >= 0 ? 1.0 - noise * (1.0 - net) : (1.0 + net) * (1.0 - noise);
}

int paired_model_cells(double p_control, double net, double noise, double cell[4],
		       const char **why)
{
	const char *dummy;
	if (!why)
		why = &dummy;
	/* Written as negations so that NaN is refused too. */
	if (!(p_control >= 0.0 && p_control <= 1.0)) {
		*why = "the control rate must be between 0 and 1";
		return 0;
	}
	if (!(net >= -1.0 && net <= 1.0)) {
		*why = "the net rate must be between -1 and 1";
		return 0;
	}
	if (!(noise >= 0.0 && noise < 0.5)) {
		*why = "the chance discordance must be in [0, 0.5)";
		return 0;
	}
	if (net <= -1.0) {
		*why = "a net rate of -1 leaves no pair where the control is positive, so the model "
		       "cannot fix how often the test candidate is; use a value above -1";
		return 0;
	}
	if (p_control <= 0.0) {
		*why = "a control rate of 0 with a net rate above -1 gives no positive outcome at all, "
		       "so the net rate would be undefined";
		return 0;
	}
	double g = paired_model_max_p_control(net, noise);
	/* A tolerance of a few ulps, so that P = g exactly (e.g. 1 and 1)
	 * is not refused by rounding. */
	if (p_control > g * (1.0 + 1e-12)) {
		*why = "this control rate is too high for this net rate: the model's neutral pairs "
		       "need some pairs where only the test candidate is positive";
		return 0;
	}
	double s = p_control / g;
	if (s > 1.0)
		s = 1.0;
	double ad = net >= 0 ? net : -net;
	double fa = (1.0 - 2.0 * noise) * (1.0 - ad);
	double fdisc = noise + ad * (1.0 - noise); /* the favoured side */
	double fother = noise * (1.0 - ad);
	cell[0] = s * fa;
	cell[1] = s * (net >= 0 ? fdisc : fother);
	cell[2] = s * (net >= 0 ? fother : fdisc);
	cell[3] = 1.0 - s;
	return 1;
}
