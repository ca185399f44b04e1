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
 * is refused once a message was actually sent: the landlords saw the old
 * ones; and while simulated rows are held: they were drawn for them) and
 * stores them with one event, in one transaction; when nothing is new the
 * study is left unchanged. The Nth redraw uses its own stream of the seed,
 * so it too is reproducible. A redraw is allowed until the first real send
 * (personas_real_sends; compose --outbox alone does not count): the
 * messages composed for unsent applications are then dropped, to be
 * composed again with the new names. Every value drawn passes text_ok() or nothing
 * is stored (CT_EINPUT naming the candidate). On success *out holds every
 * candidate; caller frees it. */
int personas_draw(struct study *s, int redraw, struct persona_set **out, struct ct_err *err);
/* The same, with *discarded the messages a redraw dropped (may be NULL). */
int personas_draw_ex(struct study *s, int redraw, struct persona_set **out, long long *discarded,
		     struct ct_err *err);
void persona_set_free(struct persona_set *ps);

/* Applications actually sent: not made up by `corrtest simulate`, and sent,
 * being sent, bounced, given a send time or recorded by hand (field sent).
 * Until the first, the personas may still change; after it, never. */
int personas_real_sends(struct study *s, long long *n, struct ct_err *err);

/* A persona's phone from study.ini: [phones] GROUP.GENDER, else [personas]
 * phone; the last run of '#' in it is replaced by the persona's number
 * (its cell in design order: groups, then genders, from 1), zero-padded to
 * the run's length, so that one placeholder gives every persona its own
 * number. Caller frees. */
char *personas_phone(const struct study *s, const char *group, int gender);

/* One value of a drawn persona that study.ini now gives otherwise. */
struct persona_change {
	char *cell;       /* "GROUP.GENDER" */
	const char *what; /* static: "phone", "mail domain" or "profile" */
	char *was, *now;  /* phone and domain: old and new; profile: "" and the
			   * keys with a new value, "KEY = VALUE, ..." */
};

/* What personas_follow found and did. Owned: personas_follow_free. */
struct personas_follow {
	struct persona_change *c;
	int n;
	int personas;           /* personas with at least one change */
	int applied;            /* 1: written (nothing had been sent); 0: only reported */
	long long real_sends;   /* applications actually sent (why nothing was applied) */
	long long discarded;    /* composed, unsent messages dropped (compose again) */
};

/* Brings the drawn personas in line with study.ini ([profile], [personas]
 * phone, [phones], [personas] mail_domain: the address keeps its local part)
 * while nothing has actually been sent: the changed rows are written in one
 * transaction with one 'personas'/'follow' event naming every change, and
 * the messages composed for unsent applications are dropped (their
 * message_id cleared), since they carry the old values; compose or send
 * renders them again. After a real send nothing is written and f lists the
 * disagreements (f->applied = 0). No difference: the study is not touched
 * (no lock taken). A new value that breaks the text rule: CT_EINPUT naming
 * study.ini, nothing written. */
int personas_follow(struct study *s, struct personas_follow *f, struct ct_err *err);
void personas_follow_free(struct personas_follow *f);
/* The changes for people: one line per change, the personas it concerns
 * in brackets ("phone +32 460 00 00 01 -> +32 470 00 00 00 (belgian.female)",
 * "mail domain corrtest.invalid -> team.be (belgian.female, ...)"). The
 * array (n lines) and its strings are owned by the caller. */
char **personas_follow_lines(const struct personas_follow *f, int *n);

/* Warnings on the personas in use (a shared phone, an empty one, a
 * placeholder still in study.ini, a mail domain that can never receive
 * mail): one line each, for `personas` to print before going live. The
 * array and its strings are owned by the caller (free each, then it). */
int personas_warnings(const struct study *s, const struct persona_set *ps, char ***lines);

/* [profile] resolved for one gender, as the compact JSON object a persona
 * drawn now would carry (persona.profile): what the pre-flight check
 * compares the drawn personas with. Caller frees. */
char *persona_profile_json(const struct design *d, int gender);

#endif
