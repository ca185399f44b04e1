/* personas.h: the fictitious candidates of a study, one per design group x
 * gender, drawn from the study's seed (a first name and a surname from the
 * group's name bank, an e-mail address at the study's mail domain, a phone
 * and the shared profile), kept across runs and redrawn on request while
 * nothing has been sent. The engine behind `corrtest personas`; it reads
 * and writes the study and never prints. */
#ifndef CT_PERSONAS_H
#define CT_PERSONAS_H

#include <stdint.h>

#include "store/study.h"

/* One candidate: a cell of the design, or a row left by a group or gender
 * no longer in study.ini. */
struct persona {
	int64_t id;        /* persona.id; 0 while not stored */
	const char *group; /* borrowed from the design, or from the set's own copies */
	int gender;        /* enum gender */
	char *first, *last, *email, *phone;
	char *profile;     /* the resolved [profile] as a compact JSON object */
	int in_design;     /* a cell of the current design */
	int draw;          /* internal: 1 to be drawn in this run, 2 once drawn */
	int exists;        /* a row in the database */
};

/* Every candidate of a study: the design's cells in design order (groups,
 * then genders), then rows of cells no longer in the design. Owned: free
 * with persona_set_free. */
struct persona_set {
	struct persona *p;
	int n;
	int drawn;     /* candidates drawn (and stored) by this run */
	int redraw;    /* the run was a --redraw */
	uint64_t seed; /* the design's seed */
	char **group_owned;
	int ngroup_owned;
};

/* Draws the candidates that are missing (or, with redraw, every one, which
 * is refused once a message was sent: the landlords saw the old ones) and
 * stores them with one event, in one transaction; when nothing is new the
 * study is left unchanged. The Nth redraw uses its own stream of the seed,
 * so it too is reproducible. Every value drawn passes text_ok() or nothing
 * is stored (CT_EINPUT naming the candidate). On success *out holds every
 * candidate; caller frees it. */
int personas_draw(struct study *s, int redraw, struct persona_set **out, struct ct_err *err);
void persona_set_free(struct persona_set *ps);

/* [profile] resolved for one gender, as the compact JSON object a persona
 * drawn now would carry (persona.profile): what the pre-flight check
 * compares the drawn personas with. Caller frees. */
char *persona_profile_json(const struct design *d, int gender);

#endif
