/* simulate.c: the engine of `corrtest simulate` (simulate.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/simulate.h"
#include "design/personas.h"
#include "base/rng.h"
#include "base/timeutil.h"
#include "base/banned.h"

static int mark_sent(struct study *s, long *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			/* The simulated market is the pairs' (the main kind). */
			       "UPDATE application SET status = 'sent', sent_at = scheduled_at, "
			       "simulated = 1 WHERE status = 'planned' AND kind = 'main' AND listing IN "
			       "(SELECT a.listing FROM "
			       "assignment a JOIN listing l ON l.id = a.listing "
			       "WHERE l.status = 'active')",
			       &st, err);
	if (rc)
		return rc;
	rc = study_step_done(s, st, err, "marking applications as sent");
	sqlite3_finalize(st);
	*n = rc ? 0 : sqlite3_changes(s->db);
	return rc;
}

static int count_sent(struct study *s, long *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s, "SELECT count(*) FROM application WHERE status = 'sent' AND "
				  "kind = 'main'", &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = study_db_error(s, err, "counting sent applications");
	sqlite3_finalize(st);
	return rc;
}

/* Refuses a study holding anything real: simulated outcomes mixed with
 * real ones could not be told apart by the measures. */
static int refuse_real(struct study *s, struct ct_err *err)
{
	/* What counts as actually sent is the personas' rule (one place). */
	long long sent = 0;
	sqlite3_stmt *st;
	int rc = personas_real_sends(s, &sent, err);
	if (rc || (rc = study_prepare(s,
				      "SELECT (SELECT count(*) FROM response WHERE simulated = 0), "
				      "(SELECT count(*) FROM message WHERE direction = 'in')",
				      &st, err)))
		return rc;
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return study_db_error(s, err, "looking for real records");
	}
	long long resp = sqlite3_column_int64(st, 0), in = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	if (!sent && !resp && !in)
		return CT_OK;
	char found[200];
	snprintf(found, sizeof(found), "%lld application%s actually sent, %lld response%s logged, %lld "
		 "incoming message%s",
		 sent, sent == 1 ? "" : "s", resp, resp == 1 ? "" : "s", in, in == 1 ? "" : "s");
	return ct_fail(err, CT_EINPUT,
		       "refused: this study holds real records (%s); simulated outcomes would mix "
		       "with them. Simulation is for a copy: cp -r %s %s-sim && corrtest -S %s-sim "
		       "simulate ...",
		       found, s->dir, s->dir, s->dir);
}

/* A standard normal draw (Box-Muller; 1 - u keeps the logarithm finite). */
static double normal_draw(struct rng *r)
{
	double u = rng_uniform(r), v = rng_uniform(r);
	return sqrt(-2.0 * log(1.0 - u)) * cos(2.0 * M_PI * v);
}

/* Appends one response row. */
static int record(struct study *s, sqlite3_stmt *ins, int64_t app, int positive, double u,
		  struct rng *times, const char *now, struct ct_err *err)
{
	const char *outcome = positive ? "invitation"
				       : u < SIMULATE_REFUSAL_SHARE ? "refusal" : "no_reply";
	/* A reply came by e-mail; "no reply by the deadline" is what a coder
	 * records by hand. */
	const char *channel = !strcmp(outcome, "no_reply") ? "manual" : "email";
	sqlite3_reset(ins);
	sqlite3_bind_int64(ins, 1, app);
	sqlite3_bind_text(ins, 2, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 3, outcome, -1, SQLITE_STATIC);
	sqlite3_bind_text(ins, 4, now, -1, SQLITE_TRANSIENT);
	/* A reply arrives some minutes after sending: log-normal with a median
	 * of 20 hours (a tenth within 4 hours, one in thirteen after 5 days), the
	 * same for every candidate. Drawn from its own stream, so that the
	 * outcomes are those the seed gave before replies had times. */
	double z = normal_draw(times);
	sqlite3_bind_int64(ins, 5, (sqlite3_int64)(20.0 * 60.0 * exp(1.25 * z)));
	if (!strcmp(outcome, "no_reply"))
		sqlite3_bind_null(ins, 5);
	return study_step_done(s, ins, err, "recording a simulated response");
}

/* Draws and records the outcomes of every pair (of pairs[0..npairs)) that
 * has none yet, from the random stream named stream. */
static int draw(struct study *s, const struct pair *pairs, size_t npairs, const double cell[4],
		uint64_t seed, const char *stream, struct simulate_result *res,
		struct ct_err *err)
{
	sqlite3_stmt *ins;
	int rc = study_prepare(s,
			       "INSERT INTO response (application, channel, outcome, coder, coded_at, "
			       "note, simulated, at) VALUES (?1, ?2, ?3, 'simulate', ?4, 'simulated', 1, "
			       "(SELECT strftime('%Y-%m-%dT%H:%M:%SZ', sent_at, '+' || ?5 || ' minutes') "
			       "FROM application WHERE id = ?1 AND ?5 IS NOT NULL))",
			       &ins, err);
	if (rc)
		return rc;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	struct rng r, times;
	rng_init(&r, seed, stream);
	char tstream[64];
	snprintf(tstream, sizeof(tstream), "%s.times", stream);
	rng_init(&times, seed, tstream);
	/* A control application shared by several pairs (several test
	 * candidates on one listing) is drawn once: pairs come sorted by
	 * listing, so its pairs are consecutive. */
	int64_t last_control = -1;
	for (size_t i = 0; !rc && i < npairs; i++) {
		const struct pair *p = &pairs[i];
		int shared = p->control_app == last_control;
		if (shared || p->control_outcome != PAIRS_NONE || p->test_outcome != PAIRS_NONE) {
			res->skipped_pairs++;
			res->skipped_apps += (p->control_outcome != PAIRS_NONE) +
					     (p->test_outcome != PAIRS_NONE);
			continue;
		}
		/* Three uniforms per pair, always: the cell, then the kind of
		 * negative outcome of each side. */
		double u = rng_uniform(&r), uc = rng_uniform(&r), ut = rng_uniform(&r);
		int pc, pt;
		if (u < cell[0]) {
			pc = 1, pt = 1, res->cells.a++;
		} else if (u < cell[0] + cell[1]) {
			pc = 1, pt = 0, res->cells.b++;
		} else if (u < cell[0] + cell[1] + cell[2]) {
			pc = 0, pt = 1, res->cells.c++;
		} else {
			pc = 0, pt = 0, res->cells.d++;
		}
		if ((rc = record(s, ins, p->control_app, pc, uc, &times, now, err)) ||
		    (rc = record(s, ins, p->test_app, pt, ut, &times, now, err)))
			break;
		last_control = p->control_app;
		res->pairs++;
		res->responses += 2;
	}
	sqlite3_finalize(ins);
	return rc;
}

/* The transaction: optionally mark planned applications sent, collect the
 * pairs, refuse an empty study, draw, record the event. */
int simulate_run(struct study *s, const struct simulate_options *o, struct simulate_result *res,
		 struct ct_err *err)
{
	struct pairs_set pset = { 0 }, *ps = &pset;
	double p = o->p_control, d = o->net;
	uint64_t seed = o->seed;
	int assume_sent = o->assume_sent;
	int rc;
	memset(res, 0, sizeof(*res));
	if ((rc = study_begin(s, err)))
		return rc;
	if ((rc = refuse_real(s, err)))
		goto fail;
	if (assume_sent && (rc = mark_sent(s, &res->marked_sent, err)))
		goto fail;
	if ((rc = count_sent(s, &res->sent_apps, err)))
		goto fail;
	if (res->sent_apps == 0) {
		rc = ct_fail(err, CT_EINPUT,
			     assume_sent ? "no sent applications, and no planned application of an "
					   "assigned, active listing to mark as sent; run 'corrtest "
					   "assign' first"
					 : "no sent applications; use --assume-sent to simulate a study "
					   "whose messages are in the outbox (demo)");
		goto fail;
	}
	if ((rc = pairs_collect(s, ps, err)))
		goto fail;
	res->valid_pairs = ps->npairs;
	memcpy(res->excluded, ps->excluded, sizeof(res->excluded));
	res->excluded_total = ps->excluded_total;
	if (ps->npairs == 0) {
		rc = ct_fail(err, CT_EINPUT,
			     "no valid pairs to simulate (%ld excluded: bounced, withdrawn, not "
			     "sent or incomplete; see 'corrtest stats')",
			     ps->excluded_total);
		goto fail;
	}
	if ((rc = draw(s, ps->pairs, ps->npairs, o->cell, seed, "simulate", res, err)))
		goto fail;
	/* Placebo pairs are two control personas: both answered at the
	 * control rate, with the same discordance as the test pairs' control
	 * side (cells a, b, b, 1 - a - 2b), or independently when that does
	 * not sum to one. Drawn from their own stream, so that a study without
	 * placebo pairs simulates as it always did. */
	if (ps->nplacebo) {
		double a = o->cell[0], b = o->cell[1], pc = o->cell[0] + o->cell[1];
		double pl[4] = { a, b, b, 1 - a - 2 * b };
		if (pl[3] < 0) {
			pl[0] = pc * pc;
			pl[1] = pl[2] = pc * (1 - pc);
			pl[3] = (1 - pc) * (1 - pc);
		}
		if ((rc = draw(s, ps->placebo, ps->nplacebo, pl, seed, "simulate-placebo", res, err)))
			goto fail;
	}
	if (res->pairs == 0) {
		/* Nothing to add: leave the study as it was. */
		study_rollback(s);
		res->marked_sent = 0;
		pairs_set_free(ps);
		return CT_OK;
	}
	char *detail = xasprintf("p_control=%.15g net=%.15g noise=%g seed=%llu assume_sent=%d "
				 "marked_sent=%ld pairs=%ld responses=%ld skipped_pairs=%ld",
				 p, d, SIMULATE_NOISE, (unsigned long long)seed, assume_sent,
				 res->marked_sent, res->pairs, res->responses, res->skipped_pairs);
	rc = study_event(s, "simulate", "responses", detail, err);
	free(detail);
	if (rc || (rc = study_commit(s, err)))
		goto fail;
	pairs_set_free(ps);
	return CT_OK;
fail:
	study_rollback(s);
	pairs_set_free(ps);
	return rc;
}


int simulate_held(struct study *s, struct simulate_held *h, struct ct_err *err)
{
	sqlite3_stmt *st;
	memset(h, 0, sizeof(*h));
	int rc = study_prepare(s, "SELECT (SELECT count(*) FROM application WHERE simulated = 1), "
				  "(SELECT count(*) FROM response WHERE simulated = 1)",
			       &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW) {
		h->applications = sqlite3_column_int64(st, 0);
		h->responses = sqlite3_column_int64(st, 1);
	} else {
		rc = study_db_error(s, err, "counting simulated rows");
	}
	sqlite3_finalize(st);
	return rc;
}

int simulate_guard(struct study *s, const char *what, struct ct_err *err)
{
	/* Read-only storage refuses every change with its own reason (exit 3),
	 * whatever the study holds. */
	if (s->readonly_store)
		return CT_OK;
	struct simulate_held h;
	int rc = simulate_held(s, &h, err);
	if (rc || (!h.applications && !h.responses))
		return rc;
	return ct_fail(err, CT_EINPUT,
		       "%s refused: this study holds rows made up by 'corrtest simulate' (%lld "
		       "application%s marked sent, %lld response%s); real records must not mix with "
		       "them: run 'corrtest simulate --undo' first, or work on a copy",
		       what, h.applications, h.applications == 1 ? "" : "s", h.responses,
		       h.responses == 1 ? "" : "s");
}

int simulate_undo(struct study *s, struct simulate_held *h, struct ct_err *err)
{
	static const char *const sql[] = {
		"DELETE FROM response WHERE simulated = 1",
		/* --assume-sent changed only these three columns of planned rows. */
		"UPDATE application SET status = 'planned', sent_at = NULL, simulated = 0 "
		"WHERE simulated = 1",
	};
	int rc = study_begin(s, err);
	if (rc)
		return rc;
	if ((rc = simulate_held(s, h, err)))
		goto fail;
	if (!h->applications && !h->responses) {
		study_rollback(s);
		return CT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sql); i++) {
		sqlite3_stmt *st;
		if ((rc = study_prepare(s, sql[i], &st, err)))
			goto fail;
		rc = study_step_done(s, st, err, "removing simulated rows");
		sqlite3_finalize(st);
		if (rc)
			goto fail;
	}
	char detail[160];
	snprintf(detail, sizeof(detail),
		 "removed %lld simulated response%s; %lld application%s back to planned",
		 h->responses, h->responses == 1 ? "" : "s", h->applications,
		 h->applications == 1 ? "" : "s");
	if ((rc = study_event(s, "simulate", "undo", detail, err)) || (rc = study_commit(s, err)))
		goto fail;
	return CT_OK;
fail:
	study_rollback(s);
	return rc;
}
