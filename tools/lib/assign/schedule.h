/* schedule.h: places the messages of new pairs inside the study's sending
 * window (allowed weekdays, local hours, a daily quota), in local time of
 * the design's zone, at times drawn at random from the study's seed, so
 * that no persona writes one agent twice within the agent gap, and returns
 * UTC instants. Pure apart from the zone conversion of timeutil; no
 * printing. docs/assignment.md, section 4, describes the method. */
#ifndef CT_SCHEDULE_H
#define CT_SCHEDULE_H

#include <stdint.h>
#include <time.h>

#include "base/util.h"

struct sched_window {
	const char *tz;    /* IANA zone, e.g. Europe/Brussels */
	long first_day;    /* no message before this local day (days since 1970-01-01) */
	int days_mask;     /* bit 0 = Monday ... bit 6 = Sunday */
	int day_from, day_to; /* minutes after local midnight; the window is [from, to) */
	int daily_quota;   /* messages per local day, first and second together */
	long agent_gap_seconds; /* the least time between two messages of one persona to one agent */
	uint64_t seed;     /* the study's seed: the times are drawn from it */
	long salt;         /* pairs assigned before this run: names the run's stream */
};

/* A message already scheduled (by an earlier run). agent is the caller's
 * index of its agent, -1 when it has none (a listing without an agent key
 * is its own agent, and no new pair shares it); persona is persona.id. */
struct sched_msg {
	time_t at;
	int first;         /* a pair's first message */
	int agent;
	int64_t persona;
};

/* A new pair: its agent (-1: none shared), the personas of its first and
 * second message, and the gap drawn before the second, in minutes of
 * window time. */
struct sched_pair {
	int agent;
	int64_t persona_first, persona_second;
	int gap_minutes;
};

/* What the placement cost: how many pairs had to wait for their agent, and
 * the agent that sets the last day. */
struct sched_report {
	int delayed;         /* pairs placed after the first day with room, because of their agent */
	int last_agent;      /* agent of the latest delayed pair, -1 when none was delayed */
	long last_day;       /* local day of the run's last message (-1 when n = 0) */
	long quota_last_day; /* the day the first messages would end with the quota alone */
};

/* Places n pairs in listing order. existing[0..nexisting) count against
 * the quota of their local days and against the agent gap. Each pair takes
 * the earliest allowed day, from the first day with room for a first
 * message (half the quota a day goes to first messages), on which:
 * - its agent has not been written yet on that day or later (so an agent's
 *   listings go out on distinct days, in listing order),
 * - a first-message time drawn uniformly among the window's whole minutes
 *   and the second message gap minutes of window time later (a gap that
 *   outlasts the day's window continues at the next sending day's
 *   opening; a second message that finds its day full moves to the next
 *   sending day with room, at the same local time) are each at least
 *   agent_gap_seconds after every earlier message of the same persona to
 *   the same agent.
 * A day that fails gets a new draw on the next day. Same inputs, same
 * output. Outputs UTC instants; report may be NULL. CT_EINPUT when the
 * window is empty or cannot hold the pairs within 50 years. */
int schedule_place(const struct sched_window *w, const struct sched_msg *existing, int nexisting,
		   int nagents, const struct sched_pair *pairs, int n, time_t *first, time_t *second,
		   struct sched_report *report, struct ct_err *err);

/* Adds g minutes of window time to (day, minute), which is inside the
 * window; the result is inside the window too ([from, to), so a gap that
 * ends exactly at closing time continues at the next opening). */
void schedule_window_add(const struct sched_window *w, long *day, int *minute, long g);

/* The local day (days since 1970-01-01) and minute of the day of t in tz. */
void schedule_local(const char *tz, time_t t, long *day, int *minute);
/* 0 = Monday ... 6 = Sunday. */
int schedule_weekday(long day);
/* The UTC instant of local day and minute in tz. */
time_t schedule_instant(const char *tz, long day, int minute);

#endif
