/* strata.c: the test that b/(b+c) is equal across strata, and the pooled
 * conditional odds ratio. Sources in strata.h. */
#include <limits.h>
#include <stddef.h>

#include "rmath.h"
#include "strata.h"
#include "banned.h"

static void note(struct strata_homogeneity *o, const char *why)
{
	if (o->nnotes < STRATA_MAX_NOTES)
		o->notes[o->nnotes++] = why;
}

/* Pearson's X^2 = sum over cells (O - E)^2 / E of the table whose rows
 * are the informative strata (b_i, c_i), E_i1 = (b_i+c_i) B / T and
 * E_i2 = (b_i+c_i) C / T (B, C, T the column and grand totals); S-1 df.
 * This is what R's chisq.test(cbind(b, c), correct = FALSE) computes. */
int strata_homogeneity(const long *b, const long *c, size_t s, struct strata_homogeneity *out)
{
	static const struct strata_homogeneity zero;
	*out = zero;
	out->strata = s;
	long B = 0, C = 0;
	for (size_t i = 0; i < s; i++) {
		if (b[i] < 0 || c[i] < 0 || b[i] > LONG_MAX - B || c[i] > LONG_MAX - C ||
		    b[i] > LONG_MAX - c[i]) {
			note(out, STRATA_NOTE_INVALID);
			return 0;
		}
		B += b[i];
		C += c[i];
		if (b[i] + c[i] > 0)
			out->informative++;
		else
			out->dropped++;
	}
	if (B > LONG_MAX - C) {
		note(out, STRATA_NOTE_INVALID);
		return 0;
	}
	out->b_total = B;
	out->c_total = C;
	if (out->dropped > 0)
		note(out, STRATA_NOTE_DROPPED);
	if (C > 0) {
		out->or_mh = (double)B / (double)C;
		out->or_defined = 1;
	} else {
		note(out, STRATA_NOTE_NO_C);
	}
	if (out->informative < 2) {
		note(out, STRATA_NOTE_TOO_FEW);
		return 1;
	}
	if (B == 0 || C == 0) {
		note(out, STRATA_NOTE_ONE_WAY);
		return 1;
	}
	double T = (double)B + (double)C, fb = (double)B / T, fc = (double)C / T, x2 = 0.0;
	for (size_t i = 0; i < s; i++) {
		double r = (double)b[i] + (double)c[i];
		if (r == 0)
			continue;
		double eb = r * fb, ec = r * fc, db = (double)b[i] - eb, dc = (double)c[i] - ec;
		x2 += db * db / eb + dc * dc / ec;
	}
	out->chi2 = x2;
	out->df = (long)out->informative - 1;
	out->p = pchisq(x2, (double)out->df, 0, 0);
	out->defined = 1;
	return 1;
}
