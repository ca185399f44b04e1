/* cmd_simulate.c: corrtest simulate: parses the market (control rate, net
 * discrimination rate, seed), has the engine (tools/lib/analysis/simulate.h)
 * draw and record the outcomes, and renders what was drawn. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/simulate.h"
#include "cmd.h"
#include "io/out.h"
#include "paired.h"
#include "base/banned.h"

const char cmd_simulate_usage[] =
	"usage: corrtest simulate --p-control P --net D [--seed N] [--assume-sent] [--json]\n"
	"       corrtest simulate --undo [--json]\n"
	"\n"
	"Draws an outcome for both applications of every valid pair (both sent, the\n"
	"listing active, neither with a response yet) from a market with a known level\n"
	"of discrimination, and records them as responses (coder 'simulate', note\n"
	"'simulated'), in one transaction with a 'simulate' event. Applications that\n"
	"already have a response are never overwritten: their pairs are skipped and\n"
	"counted. For testing the pipeline and the measures: never on a real study.\n"
	"\n"
	"Simulation is kept apart from real records: it is refused on a study that\n"
	"has sent or logged anything real (an application actually sent, a response\n"
	"not simulated, an incoming message): simulate on a copy (cp -r study\n"
	"study-sim). Every row it makes is marked (application.simulated,\n"
	"response.simulated); stats and export say that the study holds simulated\n"
	"rows; log, import, decline and send --live are refused until --undo.\n"
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
	"  --undo         remove every simulated response and put every application\n"
	"                 --assume-sent marked back to planned (no send time), with one\n"
	"                 event\n"
	"  --json         what was drawn (or removed), as one object\n";

static void describe(struct out *o, struct cmd_ctx *ctx, const struct simulate_options *so,
		     const struct simulate_result *res)
{
	if (res->pairs == 0)
		out_text(o, "Nothing to simulate: all %zu valid pairs already have responses; the study "
			    "is unchanged.", res->valid_pairs);
	out_num(o, &(struct out_field){ "p_control", "control rate", OUT_REAL, 0 }, so->p_control);
	out_num(o, &(struct out_field){ "net", "net ILO rate", OUT_REAL, 0 }, so->net);
	out_num(o, &(struct out_field){ "noise", "chance discordance", OUT_REAL, 0 }, SIMULATE_NOISE);
	/* JSON readers lose integers past 2^53: seed_text is always exact. */
	struct out_field seed = { "seed", NULL, OUT_COUNT, 0 };
	if (so->seed <= (1ULL << 53))
		out_int(o, &seed, (long long)so->seed);
	else
		out_missing(o, &seed, NULL);
	char sb[24];
	snprintf(sb, sizeof(sb), "%llu", (unsigned long long)so->seed);
	out_str(o, &(struct out_field){ "seed_text", "seed", OUT_TEXT, 0 }, sb);
	out_bool(o, &(struct out_field){ "assume_sent", "--assume-sent", OUT_BOOL, 0 },
		 so->assume_sent);
	out_int(o, &(struct out_field){ "marked_sent", "planned applications marked sent",
					OUT_COUNT, 0 },
		res->marked_sent);
	out_int(o, &(struct out_field){ "pairs", "pairs simulated", OUT_COUNT, 0 }, res->pairs);
	out_int(o, &(struct out_field){ "responses", "responses recorded", OUT_COUNT, 0 },
		res->responses);
	out_int(o, &(struct out_field){ "skipped_pairs", "pairs skipped (a response already)",
					OUT_COUNT, 0 },
		res->skipped_pairs);
	out_int(o, &(struct out_field){ "skipped_applications", "  their applications with one",
					OUT_COUNT, 0 },
		res->skipped_apps);
	out_map_begin(o, &(struct out_field){ "cells", "drawn (positive = invitation)", OUT_TEXT, 0 });
	const char *const k[] = { "a", "b", "c", "d" };
	const long v[] = { res->cells.a, res->cells.b, res->cells.c, res->cells.d };
	for (int i = 0; i < 4; i++)
		out_int(o, &(struct out_field){ k[i], k[i], OUT_COUNT, 0 }, v[i]);
	out_map_end(o);
	out_map_begin(o, &(struct out_field){ "excluded", "not simulated: excluded pairs", OUT_TEXT,
					      0 });
	for (int r = 0; r < PAIRS_EXCL_N; r++)
		out_int(o, &(struct out_field){ pairs_excl_key(r), pairs_excl_text(r), OUT_COUNT, 0 },
			res->excluded[r]);
	out_map_end(o);
	out_text(o, "Next: corrtest -S %s stats", ctx->study_dir);
}

static int run_undo(struct cmd_ctx *ctx)
{
	struct ct_err err = { 0 };
	struct simulate_held h;
	if (simulate_undo(ctx->study, &h, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	if (!h.applications && !h.responses)
		out_text(o, "Nothing simulated to remove; the study is unchanged.");
	else
		out_text(o, "Removed what 'corrtest simulate' made up; the study is as before it.");
	out_int(o, &(struct out_field){ "responses_removed", "simulated responses removed",
					OUT_COUNT, 0 },
		h.responses);
	out_int(o, &(struct out_field){ "applications_restored",
					"applications back to planned (no send time)", OUT_COUNT, 0 },
		h.applications);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}

int cmd_simulate(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "p-control", required_argument, NULL, 'p' },
		{ "net", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{ "assume-sent", no_argument, NULL, 'a' },
		{ "undo", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 }
	};
	const char *pa = NULL, *na = NULL, *sa = NULL;
	int assume_sent = 0, undo = 0, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': pa = optarg; break;
		case 'n': na = optarg; break;
		case 's': sa = optarg; break;
		case 'a': assume_sent = 1; break;
		case 'u': undo = 1; break;
		default: return cmd_usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc)
		return cmd_usage_error(ctx, "unexpected argument '%s'", argv[optind]);
	if (undo && (pa || na || sa || assume_sent))
		return cmd_usage_error(ctx, "--undo takes no other option");
	if (undo)
		return run_undo(ctx);
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
	struct simulate_options so = { .p_control = p, .net = d, .seed = seed,
				       .assume_sent = assume_sent };
	const char *why = NULL;
	if (!paired_model_cells(p, d, SIMULATE_NOISE, so.cell, &why)) {
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
	struct simulate_result res;
	if (simulate_run(ctx->study, &so, &res, &err))
		return cmd_error(ctx, &err);
	struct out *o = out_new(stdout, ctx->json ? OUT_JSON : OUT_TABLE);
	describe(o, ctx, &so, &res);
	return out_free(o) ? cmd_errorf(ctx, CT_EENV, "cannot write the output") : CT_OK;
}
