/* retest.h: re-tests (`corrtest retest AGENT`): a new paired test of one
 * agent on another of its listings, to repeat a test that equality bodies
 * can rely on. The pair is two applications of kind 'retest' (positions 1
 * and 2), each following (application.follows) the application of the same
 * side in the earlier test it repeats; they are composed, sent, linked and
 * coded like any other, and never counted by the analysis (kind = 'main'
 * only). Never prints. */
#ifndef CT_RETEST_H
#define CT_RETEST_H

#include <stdint.h>

#include "store/study.h"

struct retest_app {
	int64_t id, follows;
	char *who;  /* "group/gender" */
	int position, variant;
	char *scheduled_at; /* UTC ISO 8601 */
};

struct retest_plan {
	char agent_key[16];
	char *ref;          /* the listing re-tested on */
	char *repeats;      /* the listing of the earlier test */
	int differing;      /* the earlier test was answered differently */
	struct retest_app app[2]; /* by position */
};

/* Resolves agent (its name as listings.csv's agent_name gives it, matched
 * through the keyed hash listing.agent_key, or the key itself, "ag-..."),
 * picks the test to repeat (its latest pair of the main kind that went out
 * and was answered differently, else its latest that went out; placebo
 * pairs are not repeated), and plans the new pair on the agent's first
 * active listing that has no application and no assignment: the control
 * persona and the test persona of that pair (group: another test group of
 * the same gender, NULL for the same), in the opposite order and with each
 * other's message variants (so that neither order nor text repeats the
 * first test), scheduled as assign schedules (sending window, quota, agent
 * gap). One transaction and one event; dry_run rolls it back. CT_EINPUT for
 * an unknown agent, a group that is not a test group, an agent with no
 * test to repeat or no listing left to test on (the study unchanged). */
int retest_plan(struct study *s, const char *agent, const char *group, int dry_run,
		struct retest_plan *out, struct ct_err *err);
void retest_plan_free(struct retest_plan *p);

#endif
