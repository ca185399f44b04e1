/* powerplan.c: the sample-size plan of `corrtest power` (powerplan.h),
 * combining the formulas of stats/power.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/powerplan.h"
#include "base/banned.h"

int powerplan_resolve(struct powerplan_design *d, struct ct_err *err)
{
	const char *why = NULL;
	if (d->src == POWERPLAN_RATES) {
		int ok = !isnan(d->concordance)
				 ? power_from_concordance(d->p_control, d->p_test, d->concordance,
							  &d->pb, &d->pc, &why)
				 : power_from_phi(d->p_control, d->p_test, d->phi, &d->pb, &d->pc, &why);
		if (!ok)
			return ct_fail(err, CT_EINPUT, "%s", why);
	} else if (d->src == POWERPLAN_PREVIOUS) {
		if (!power_from_previous(d->prev[0], d->prev[1], d->prev[2], d->prev[3], &d->pb,
					 &d->pc, &why))
			return ct_fail(err, CT_EINPUT, "%s", why);
		if (!isnan(d->diff)) {
			/* Last round's share of discordant pairs, split so that
			 * their difference is the one to plan for. */
			double psi = d->pb + d->pc;
			if (fabs(d->diff) > psi)
				return ct_fail(err, CT_EINPUT,
					       "--diff %g is larger than last round's share of discordant "
					       "pairs %.4g: no table has both", d->diff, psi);
			d->pb = (psi + d->diff) / 2;
			d->pc = (psi - d->diff) / 2;
		}
	}
	if (!power_design_valid(d->pb, d->pc, &why))
		return ct_fail(err, CT_EINPUT, "%s (p_b = %.6g, p_c = %.6g)", why, d->pb, d->pc);
	return CT_OK;
}

static const char *const basis_names[] = { "connor", "miettinen", "exact", "midp" };

int powerplan_basis_parse(const char *s)
{
	for (int i = 0; i < (int)ARRAY_SIZE(basis_names); i++)
		if (!strcmp(s, basis_names[i]))
			return i;
	return -1;
}

const char *powerplan_basis_name(enum powerplan_basis b)
{
	return (unsigned)b < ARRAY_SIZE(basis_names) ? basis_names[b] : "connor";
}

const char *powerplan_basis_label(enum powerplan_basis b)
{
	static const char *const labels[] = { "Connor's formula (1987)", "Miettinen's formula (1968)",
					      "the exact McNemar test", "the mid-p McNemar test" };
	return (unsigned)b < ARRAY_SIZE(labels) ? labels[b] : labels[POWERPLAN_CONNOR];
}

const char *powerplan_adjust_name(enum power_adjust a)
{
	return a == POWER_ADJUST_BONFERRONI ? "bonferroni" : a == POWER_ADJUST_HOLM ? "holm" : "none";
}

/* The unrounded formula value as a design: whole pairs, rounded up; a hair
 * above an integer from rounding error is that integer. */
static long round_up(double n)
{
	return (long)ceil(n - 1e-9);
}

int powerplan_compute(const struct powerplan_design *d, const struct powerplan_opts *o,
		      struct powerplan *r, struct ct_err *err)
{
	memset(r, 0, sizeof *r);
	r->alpha_cmp = power_alpha_adjusted(o->alpha, (int)o->groups, o->adjust);
	double a = r->alpha_cmp;
	r->n_connor_raw = power_n_connor(d->pb, d->pc, a, o->power);
	r->n_miettinen_raw = power_n_miettinen(d->pb, d->pc, a, o->power);
	r->n_connor = round_up(r->n_connor_raw);
	r->n_miettinen = round_up(r->n_miettinen_raw);
	struct power_exact_ctx *ce = power_exact_ctx_new(d->pb, d->pc, a, POWER_EXACT);
	struct power_exact_ctx *cm = power_exact_ctx_new(d->pb, d->pc, a, POWER_MIDP);
	if (!ce || !cm) {
		power_exact_ctx_free(ce);
		power_exact_ctx_free(cm);
		return ct_fail(err, CT_EENV, "out of memory computing the exact power");
	}
	r->n_exact = power_exact_ctx_n(ce, o->power);
	r->n_midp = power_exact_ctx_n(cm, o->power);
	if ((!r->n_exact || !r->n_midp) &&
	    fmin(r->n_connor_raw, r->n_miettinen_raw) >= (double)POWER_EXACT_SEARCH_MAX)
		r->notes[r->nnotes++] = "n_exact and n_midp are null: the normal approximations ask "
					"for more than 1000000 pairs, beyond the exact search (at that "
					"size the exact tests' n is within a few percent of Connor's)";
	else if (!r->n_exact || !r->n_midp)
		r->notes[r->nnotes++] = "n_exact or n_midp is null: no sample size up to the "
					"search limit reaches the target power";

	/* The plan's n: the basis asked for, or Connor's when the exact
	 * search has none. */
	const long basis[] = { r->n_connor, r->n_miettinen, r->n_exact, r->n_midp };
	r->method = (unsigned)o->basis < ARRAY_SIZE(basis) ? o->basis : POWERPLAN_BASIS_DEFAULT;
	if (!o->n && basis[r->method] <= 0 && r->n_connor > 0) {
		r->notes[r->nnotes++] = r->method == POWERPLAN_EXACT
						? "the plan uses Connor's n (method connor): the exact "
						  "test's n is null"
						: "the plan uses Connor's n (method connor): the mid-p "
						  "test's n is null";
		r->method = POWERPLAN_CONNOR;
	}
	long b = basis[r->method];
	r->per_group = o->n ? o->n : (b > 0 ? b : -1);
	r->n_at = r->per_group > 0 ? r->per_group : r->n_connor;
	r->pw_connor = power_connor(d->pb, d->pc, a, (double)r->n_at);
	r->pw_miettinen = power_miettinen(d->pb, d->pc, a, (double)r->n_at);
	r->pw_exact = power_exact_ctx_at(ce, r->n_at);
	r->pw_midp = power_exact_ctx_at(cm, r->n_at);
	r->pw_exact_at_connor = power_exact_ctx_at(ce, r->n_connor);
	power_exact_ctx_free(ce);
	power_exact_ctx_free(cm);
	if (isnan(r->pw_exact) || isnan(r->pw_midp) || isnan(r->pw_exact_at_connor))
		return ct_fail(err, CT_EENV, "out of memory computing the exact power");
	/* Beyond the exact functions' range there is no exact power: null,
	 * not 0. */
	if (r->n_at > POWER_N_MAX)
		r->pw_exact = r->pw_midp = NAN;
	if (r->n_connor > POWER_N_MAX)
		r->pw_exact_at_connor = NAN;
	if (r->n_at > POWER_N_MAX || r->n_connor > POWER_N_MAX)
		r->notes[r->nnotes++] = "the exact powers beyond 100000000 pairs are null: not "
					"computed";
	if (!o->n)
		r->notes[r->nnotes++] =
			r->method == POWERPLAN_EXACT ? "power_* are at n_exact, the plan's n, since --n "
						       "was not given"
			: r->method == POWERPLAN_MIDP ? "power_* are at n_midp, the plan's n, since --n "
							"was not given"
			: r->method == POWERPLAN_MIETTINEN ? "power_* are at n_miettinen, the plan's n, "
							     "since --n was not given"
							   : "power_* are at n_connor, the plan's n, since "
							     "--n was not given";
	if (o->adjust == POWER_ADJUST_HOLM && o->groups > 1)
		r->notes[r->nnotes++] = "holm: each comparison is planned at alpha/groups, the level "
					"of Holm's first step, so the power holds for every step";
	r->per_group_sent = r->per_group > 0 ? power_inflate(r->per_group, o->attrition) : -1;
	r->total = r->per_group_sent > 0 && r->per_group_sent <= POWER_N_MAX * 1000L
			   ? r->per_group_sent * o->groups
			   : -1;
	if (r->per_group < 0)
		r->notes[r->nnotes++] = "n_per_group and n_total are null: the chosen basis has no "
					"sample size";
	if (o->n) {
		double psi = d->pb + d->pc;
		r->detectable_connor = power_detectable_delta(psi, a, o->power, (double)o->n);
		r->detectable_exact = power_detectable_delta_exact(psi, a, o->power, o->n,
								   POWER_EXACT);
		switch (r->method) {
		case POWERPLAN_CONNOR: r->detectable = r->detectable_connor; break;
		case POWERPLAN_MIETTINEN:
			r->detectable = power_detectable_delta_miettinen(psi, a, o->power, (double)o->n);
			break;
		case POWERPLAN_EXACT: r->detectable = r->detectable_exact; break;
		case POWERPLAN_MIDP:
			r->detectable = power_detectable_delta_exact(psi, a, o->power, o->n, POWER_MIDP);
			break;
		}
		if (isnan(r->detectable) || isnan(r->detectable_exact))
			return ct_fail(err, CT_EENV, "out of memory computing the detectable difference");
		if (r->detectable <= 0)
			r->notes[r->nnotes++] = "detectable_delta is null: at this share of discordant "
						"pairs no difference reaches the target power with --n "
						"pairs";
	}
	return CT_OK;
}

void powerplan_grid_free(struct powerplan_grid *g)
{
	if (!g)
		return;
	free(g->pb);
	free(g->pc);
	free(g->ns);
	free(g->exact);
	free(g->midp);
	free(g->connor);
	memset(g, 0, sizeof(*g));
}

int powerplan_grid(const double *pb, const double *pc, size_t ndesigns, const long *ns,
		   size_t nn, double alpha, long groups, enum power_adjust adjust,
		   struct powerplan_grid *g, struct ct_err *err)
{
	memset(g, 0, sizeof(*g));
	for (size_t d = 0; d < ndesigns; d++) {
		const char *why = NULL;
		if (!power_design_valid(pb[d], pc[d], &why))
			return ct_fail(err, CT_EINPUT, "%s (p_b = %.6g, p_c = %.6g)", why, pb[d], pc[d]);
	}
	if (nn && ndesigns > POWERPLAN_GRID_MAX / nn)
		return ct_fail(err, CT_EINPUT, "the grid has %zu cells; at most %d", nn * ndesigns,
			       POWERPLAN_GRID_MAX);
	size_t cells = ndesigns * nn;
	g->alpha_cmp = power_alpha_adjusted(alpha, (int)groups, adjust);
	g->ndesigns = ndesigns;
	g->nn = nn;
	g->pb = xcalloc(ndesigns + 1, sizeof(double));
	g->pc = xcalloc(ndesigns + 1, sizeof(double));
	g->ns = xcalloc(nn + 1, sizeof(long));
	g->exact = xcalloc(cells + 1, sizeof(double));
	g->midp = xcalloc(cells + 1, sizeof(double));
	g->connor = xcalloc(cells + 1, sizeof(double));
	if (ndesigns) {
		memcpy(g->pb, pb, ndesigns * sizeof(double));
		memcpy(g->pc, pc, ndesigns * sizeof(double));
	}
	if (nn)
		memcpy(g->ns, ns, nn * sizeof(long));
	/* The conditional rejection probabilities of each design are computed
	 * once and shared by every n (power_exact_many). */
	for (size_t d = 0; d < ndesigns; d++) {
		double *e = g->exact + d * nn, *m = g->midp + d * nn, *c = g->connor + d * nn;
		if (!power_exact_many(pb[d], pc[d], g->alpha_cmp, POWER_EXACT, ns, nn, e) ||
		    !power_exact_many(pb[d], pc[d], g->alpha_cmp, POWER_MIDP, ns, nn, m)) {
			powerplan_grid_free(g);
			return ct_fail(err, CT_EENV, "out of memory computing the grid");
		}
		for (size_t i = 0; i < nn; i++)
			c[i] = power_connor(pb[d], pc[d], g->alpha_cmp, (double)ns[i]);
	}
	return CT_OK;
}
