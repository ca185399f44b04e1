/* simulate.h: the engine of `corrtest simulate`: draws an outcome for both
 * applications of every valid pair of a study from a market with a known
 * control rate and net discrimination rate (the model of stats/paired.c,
 * paired_model_cells), and records them as responses, in one transaction
 * with one 'simulate' event. For testing the pipeline and the measures,
 * never on a real study: it refuses a study that has sent or logged
 * anything real, marks every row it makes (application.simulated,
 * response.simulated), and simulate_undo takes them all back. */
#ifndef CT_ANALYSIS_SIMULATE_H
#define CT_ANALYSIS_SIMULATE_H

#include <stdint.h>

#include "analysis/pairs.h"
#include "paired.h"
#include "store/study.h"

/* The model's chance discordance k: at no discrimination, a pair with a
 * positive outcome is discordant in each direction with this probability
 * (two equal candidates are not always treated alike). */
#define SIMULATE_NOISE 0.1
/* Share of negative outcomes recorded as a refusal; the rest are no reply.
 * Negatives are never 'info' or 'other', so that the strict and broad
 * definitions give the same counts as the model (under 'any' a refusal is
 * positive, and the model's rates no longer apply). */
#define SIMULATE_REFUSAL_SHARE 0.25

struct simulate_options {
	double p_control, net; /* recorded in the event */
	double cell[4];        /* P(a), P(b), P(c), P(d): paired_model_cells */
	uint64_t seed;         /* of the 'simulate' random stream */
	int assume_sent;       /* first mark planned applications of assigned, active listings sent */
};

struct simulate_result {
	long marked_sent, sent_apps, pairs, responses, skipped_pairs, skipped_apps;
	struct paired_counts cells; /* as drawn: positive = invitation */
	size_t valid_pairs;          /* valid pairs found */
	long excluded[PAIRS_EXCL_N]; /* pairs not simulated, by reason */
	long excluded_total;
};

/* Draws and records. Refused (CT_EINPUT, saying what was found and to
 * simulate on a copy) when the study holds anything real: an application
 * actually sent, a response not simulated, an incoming message. The
 * applications --assume-sent marks and every response drawn carry
 * simulated = 1. Pairs whose applications already have a response are
 * skipped and counted (never overwritten); when nothing is drawn the study
 * is left as it was (pairs = 0, marked_sent = 0). Fails with CT_EINPUT when
 * there is nothing sent to simulate or no valid pair; on any failure the
 * study is unchanged. */
int simulate_run(struct study *s, const struct simulate_options *o, struct simulate_result *r,
		 struct ct_err *err);

/* What the study holds from `corrtest simulate`. */
struct simulate_held {
	long long applications; /* marked sent by --assume-sent */
	long long responses;    /* drawn */
};
int simulate_held(struct study *s, struct simulate_held *h, struct ct_err *err);

/* Refuses (CT_EINPUT) a real action (what: "log", "send") on a study
 * holding simulated rows, naming them and 'corrtest simulate --undo'. */
int simulate_guard(struct study *s, const char *what, struct ct_err *err);

/* Removes every simulated response and puts every simulated application
 * back as it was (planned, no send time), in one transaction with one
 * 'simulate'/'undo' event. Nothing simulated: the study is left as it was
 * (h all zero). h: what was removed. */
int simulate_undo(struct study *s, struct simulate_held *h, struct ct_err *err);

#endif
