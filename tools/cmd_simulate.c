/* cmd_simulate.c: corrtest simulate: draws an outcome for every valid pair
 * of a study from a market with a known control rate and net
 * discrimination rate, and records the outcomes as responses, so that the
 * measures can be checked against the truth (and the demo has results). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "io/json.h"
#include "analysis/pairs.h"
#include "base/rng.h"
#include "base/timeutil.h"
#include "paired.h"
#include "base/banned.h"

/* The model's chance discordance k: at no discrimination, a pair with a
 * positive outcome is discordant in each direction with this probability
 * (two equal candidates are not always treated alike). */
#define SIMULATE_NOISE 0.1
/* Share of negative outcomes recorded as a refusal; the rest are no reply.
 * Negatives are never 'info' or 'other', so that the strict and broad
 * definitions give the same counts as the model (under 'any' a refusal is
 * positive, and the model's rates no longer apply). */
#define SIMULATE_REFUSAL_SHARE 0.25

const char cmd_simulate_usage[] =
	"usage: corrtest simulate --p-control P --net D [--seed N] [--assume-sent] [--json]\n"
	"\n"
	"Draws an outcome for both applications of every valid pair (both sent, the\n"
	"listing active, neither with a response yet) from a market with a known level\n"
	"of discrimination, and records them as responses (coder 'simulate', note\n"
	"'simulated'), in one transaction with a 'simulate' event. Applications that\n"
	"already have a response are never overwritten: their pairs are skipped and\n"
	"counted. For testing the pipeline and the measures: never on a real study.\n"
	"\n"
	"The model, for each pair independently (k = 0.1, the chance discordance):\n"
	"with probability 1 - P/g the pair is d (neither positive), where\n"
	"g = 1 - k(1-D) for D >= 0 and g = (1+D)(1-k) for D < 0. Otherwise at least\n"
	"one candidate is positive, and the pair is discriminatory with probability\n"
	"|D| (b: control only, when D >= 0; c: test only, when D < 0), else neutral:\n"
	"a with probability 1-2k, b or c each with probability k. Then the expected\n"
	"control rate (a+b)/N is P and (b-c)/(a+b+c) tends to D as pairs grow.\n"
	"A positive candidate gets 'invitation' (by e-mail); a negative one 'no_reply'\n"
	"(75%) or 'refusal' (25%), so that --outcome strict and broad both see the\n"
	"model's rates.\n"
	"\n"
	"  --p-control P  the control candidate's positive rate, 0 < P <= g\n"
	"  --net D        the ILO net rate (b-c)/(a+b+c), -1 < D <= 1\n"
	"  --seed N       seed of the 'simulate' random stream (default: the study's seed)\n"
	"  --assume-sent  first mark every planned application of an assigned, active\n"
	"                 listing as sent at its scheduled time (for a study whose\n"
	"                 messages are in an outbox, as in the demo)\n"
	"  --json         what was drawn, as one object\n";

struct sim_result {
	long marked_sent, sent_apps, pairs, responses, skipped_pairs, skipped_apps;
	struct paired_counts cells; /* as drawn: positive = invitation */
};

static int mark_sent(struct study *s, long *n, struct ct_err *err)
{
	sqlite3_stmt *st;
	int rc = study_prepare(s,
			       "UPDATE application SET status = 'sent', sent_at = scheduled_at "
			       "WHERE status = 'planned' AND listing IN (SELECT a.listing FROM "
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
	int rc = study_prepare(s, "SELECT count(*) FROM application WHERE status = 'sent'", &st, err);
	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		rc = study_db_error(s, err, "counting sent applications");
	sqlite3_finalize(st);
	return rc;
}

/* Appends one response row. */
static int record(struct study *s, sqlite3_stmt *ins, int64_t app, int positive, double u,
		  const char *now, struct ct_err *err)
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
	return study_step_done(s, ins, err, "recording a simulated response");
}

/* Draws and records the outcomes of every pair that has none yet. */
static int draw(struct study *s, const struct pairs_set *ps, const double cell[4], uint64_t seed,
		struct sim_result *res, struct ct_err *err)
{
	sqlite3_stmt *ins;
	int rc = study_prepare(s,
			       "INSERT INTO response (application, channel, outcome, coder, coded_at, "
			       "note) VALUES (?, ?, ?, 'simulate', ?, 'simulated')",
			       &ins, err);
	if (rc)
		return rc;
	char now[ISO_LEN];
	time_iso_utc(time_now(), now);
	struct rng r;
	rng_init(&r, seed, "simulate");
	/* A control application shared by several pairs (several test
	 * candidates on one listing) is drawn once: pairs come sorted by
	 * listing, so its pairs are consecutive. */
	int64_t last_control = -1;
	for (size_t i = 0; !rc && i < ps->npairs; i++) {
		const struct pair *p = &ps->pairs[i];
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
		if ((rc = record(s, ins, p->control_app, pc, uc, now, err)) ||
		    (rc = record(s, ins, p->test_app, pt, ut, now, err)))
			break;
		last_control = p->control_app;
		res->pairs++;
		res->responses += 2;
	}
	sqlite3_finalize(ins);
	return rc;
}

static void print_result(struct cmd_ctx *ctx, const struct sim_result *res,
			 const struct pairs_set *ps, double p, double d, uint64_t seed,
			 int assume_sent)
{
	if (ctx->json) {
		struct json j;
		json_init(&j, stdout, 1);
		json_obj_begin(&j);
		json_key(&j, "p_control");
		json_num(&j, p);
		json_key(&j, "net");
		json_num(&j, d);
		json_key(&j, "noise");
		json_num(&j, SIMULATE_NOISE);
		json_key(&j, "seed");
		/* JSON readers lose integers past 2^53: seed_text is always exact. */
		if (seed <= (1ULL << 53))
			json_int(&j, (int64_t)seed);
		else
			json_null(&j);
		json_key(&j, "seed_text");
		char sb[24];
		snprintf(sb, sizeof(sb), "%llu", (unsigned long long)seed);
		json_str(&j, sb);
		json_key(&j, "assume_sent");
		json_bool(&j, assume_sent);
		json_key(&j, "marked_sent");
		json_int(&j, res->marked_sent);
		json_key(&j, "pairs");
		json_int(&j, res->pairs);
		json_key(&j, "responses");
		json_int(&j, res->responses);
		json_key(&j, "skipped_pairs");
		json_int(&j, res->skipped_pairs);
		json_key(&j, "skipped_applications");
		json_int(&j, res->skipped_apps);
		json_key(&j, "cells");
		json_obj_begin(&j);
		json_key(&j, "a");
		json_int(&j, res->cells.a);
		json_key(&j, "b");
		json_int(&j, res->cells.b);
		json_key(&j, "c");
		json_int(&j, res->cells.c);
		json_key(&j, "d");
		json_int(&j, res->cells.d);
		json_obj_end(&j);
		json_key(&j, "excluded");
		json_obj_begin(&j);
		for (int r = 0; r < PAIRS_EXCL_N; r++) {
			json_key(&j, pairs_excl_key(r));
			json_int(&j, ps->excluded[r]);
		}
		json_obj_end(&j);
		json_obj_end(&j);
		json_end(&j);
		return;
	}
	if (assume_sent)
		printf("Marked %ld planned application%s as sent at the scheduled time "
		       "(--assume-sent).\n",
		       res->marked_sent, res->marked_sent == 1 ? "" : "s");
	printf("Simulated %ld pair%s (%ld responses): control rate %g, net ILO rate %g, chance "
	       "discordance %g, seed %llu.\n",
	       res->pairs, res->pairs == 1 ? "" : "s", res->responses, p, d, SIMULATE_NOISE,
	       (unsigned long long)seed);
	printf("Drawn: a %ld, b %ld, c %ld, d %ld (positive = invitation).\n", res->cells.a,
	       res->cells.b, res->cells.c, res->cells.d);
	if (res->skipped_pairs)
		printf("Skipped %ld pair%s with %ld application%s that already had a response "
		       "(never overwritten).\n",
		       res->skipped_pairs, res->skipped_pairs == 1 ? "" : "s", res->skipped_apps,
		       res->skipped_apps == 1 ? "" : "s");
	if (ps->excluded_total) {
		printf("Not simulated: %ld excluded pair%s (", ps->excluded_total,
		       ps->excluded_total == 1 ? "" : "s");
		const char *sep = "";
		for (int r = 0; r < PAIRS_EXCL_N; r++) {
			if (ps->excluded[r]) {
				printf("%s%s: %ld", sep, pairs_excl_text(r), ps->excluded[r]);
				sep = "; ";
			}
		}
		printf(").\n");
	}
	printf("Next: corrtest -S %s stats\n", ctx->study_dir);
}

/* The transaction: optionally mark planned applications sent, collect the
 * pairs, refuse an empty study, draw, record the event. */
static int simulate(struct cmd_ctx *ctx, double p, double d, const double cell[4],
		    uint64_t seed, int assume_sent, struct sim_result *res,
		    struct pairs_set *ps, struct ct_err *err)
{
	struct study *s = ctx->study;
	int rc;
	if ((rc = study_begin(s, err)))
		return rc;
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
	if (ps->npairs == 0) {
		rc = ct_fail(err, CT_EINPUT,
			     "no valid pairs to simulate (%ld excluded: bounced, withdrawn, not "
			     "sent or incomplete; see 'corrtest stats')",
			     ps->excluded_total);
		goto fail;
	}
	if ((rc = draw(s, ps, cell, seed, res, err)))
		goto fail;
	if (res->pairs == 0) {
		/* Nothing to add: leave the study as it was. */
		study_rollback(s);
		res->marked_sent = 0;
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
	return CT_OK;
fail:
	study_rollback(s);
	return rc;
}

int cmd_simulate(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "p-control", required_argument, NULL, 'p' },
		{ "net", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "assume-sent", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 }
	};
	const char *pa = NULL, *na = NULL, *sa = NULL;
	int assume_sent = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pa = optarg; break;
		case 'n': na = optarg; break;
		case 's': sa = optarg; break;
		case 'a': assume_sent = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (!pa || !na)
		return cmd_usage_error(ctx, "--p-control and --net are both required");
	double p, d;
	if (!parse_double(pa, &p) || !(p >= 0.0 && p <= 1.0))
		return cmd_usage_error(ctx, "--p-control must be a number from 0 to 1, not '%s'", pa);
	if (!parse_double(na, &d) || !(d >= -1.0 && d <= 1.0))
		return cmd_usage_error(ctx, "--net must be a number from -1 to 1, not '%s'", na);
	uint64_t seed = ctx->study->design->seed;
	if (sa && !parse_u64(sa, &seed))
		return cmd_usage_error(ctx, "--seed must be a whole number from 0 to 2^64-1, not '%s'",
				       sa);
	double cell[4];
	const char *why = NULL;
	if (!paired_model_cells(p, d, SIMULATE_NOISE, cell, &why)) {
		double g = paired_model_max_p_control(d, SIMULATE_NOISE);
		if (d > -1.0 && p > g)
			return cmd_errorf(ctx, CT_EINPUT,
					  "--p-control %s with --net %s cannot be produced: %s "
					  "(with --net %s, --p-control is at most %.4g)",
					  pa, na, why, na, g);
		return cmd_errorf(ctx, CT_EINPUT,
				  "--p-control %s with --net %s cannot be produced: %s", pa, na, why);
	}

	struct ct_err err = { 0 };
	struct sim_result res = { 0 };
	struct pairs_set ps = { 0 };
	int rc = simulate(ctx, p, d, cell, seed, assume_sent, &res, &ps, &err);
	if (rc) {
		pairs_set_free(&ps);
		return cmd_error(ctx, &err);
	}
	if (res.pairs == 0 && !ctx->json)
		printf("Nothing to simulate: all %ld valid pairs already have responses; the study "
		       "is unchanged.\n",
		       (long)ps.npairs);
	else
		print_result(ctx, &res, &ps, p, d, seed, assume_sent);
	pairs_set_free(&ps);
	return CT_OK;
}
