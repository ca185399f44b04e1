/* assign.h: the randomisation of a correspondence study, as a pure
 * function: which cell (test group x gender) each new listing gets, which
 * message variant each of its two candidates sends, who writes first, and
 * the gap before the second message. No SQLite, no printing: the command
 * reads the balance state from the database, calls assign_run and stores
 * the result. The method is described in docs/assignment.md. */
#ifndef CT_ASSIGN_H
#define CT_ASSIGN_H

#include <stdint.h>

#include "base/util.h"

struct assign_agents;

struct assign_params {
	int ntest;       /* test groups, >= 1 */
	int ngenders;    /* 1 or 2 */
	int variants;    /* V >= 2 */
	int block_cells; /* m >= 1: each block holds every cell m times */
	uint64_t seed;
	int gap_min_minutes, gap_max_minutes; /* 0 <= min <= max */
	/* The agents of the new listings and what earlier runs gave them, for
	 * the rotation of cells and variants over an agent's listings; NULL:
	 * every listing is its own agent. Borrowed. */
	const struct assign_agents *agents;
	/* Share of listings that get a placebo pair (two control personas),
	 * 0 <= share < 1. */
	double placebo_share;
};

/* The agents of a run. of[i] is the agent of new listing i (0..nagents-1),
 * -1 for a listing that is its own agent (no key). The other arrays are
 * what earlier runs gave each agent; the caller owns them all. */
struct assign_agents {
	int nagents;
	const int *of;          /* [n] */
	const long *cell;       /* [nagents * ntest * ngenders]: pairs of each cell */
	const int *last_gender; /* [nagents]: gender index of its last pair, -1 when none */
	const long *var;        /* [nagents * V]: messages of each variant it received */
};

/* The cell of test group t (0-based) and gender index g is t * ngenders + g. */

/* What earlier runs left, so that an incremental run continues the block
 * sequence and the balance. Arrays are owned by the struct (assign_state_new
 * / assign_state_free) and start at zero. Pairs whose test group or gender
 * is no longer in the design count only in nprev and ctrl_var_other. */
struct assign_state {
	int ntest, ngenders, variants;
	long nprev;          /* pairs assigned before this run, all of them */
	int last_block;      /* highest block number used; 0 when none */
	int last_block_foreign; /* the last block holds a cell not in the design */
	long *block_used;    /* [k]: cells already used in last_block */
	long *cell_n;        /* [k]: pairs per cell */
	long *cell_test_first; /* [k]: pairs of the cell where the test candidate wrote first */
	long *grp_ctrl_var;  /* [ntest * V]: control variants on group t's pairs */
	long *grp_test_var;  /* [ntest * V]: test variants of group t */
	long *ctrl_var_other; /* [V]: control variants on pairs of groups no longer in the design */
	/* Placebo pairs (the control persona and the placebo persona of one
	 * gender): they count in nprev, and apart from everything above. */
	long nplacebo;       /* placebo pairs before this run */
	long *placebo_n;     /* [ngenders]: placebo pairs per gender */
	long *placebo_first; /* [ngenders]: those where the placebo persona wrote first */
};

struct assign_state *assign_state_new(int ntest, int ngenders, int variants);
void assign_state_free(struct assign_state *st);

/* One listing's draw. Variants are 1..V; positions 1 (writes first) or 2.
 * A placebo pair has placebo = 1, block 0, cell and group -1; its "test"
 * fields are the placebo persona's. */
struct assign_pair {
	int block;
	int placebo;
	int cell, group, gender; /* group: 0-based test group; gender: index into the design's genders */
	int variant_control, variant_test;
	int position_control, position_test;
	int gap_minutes;
};

/* Whether the pair at position j of the study (0-based, every pair counted,
 * in listing order) is a placebo pair: in each run of L consecutive
 * positions (L the smallest whole number up to 100 for which share * L is
 * whole, else 100), round(share * L) positions drawn from the seed. */
int assign_is_placebo(uint64_t seed, double share, long j);

/* Draws n pairs (out[0..n), in listing order) from the seed and the state.
 * Same inputs, same output, on every platform. CT_EINPUT on bad params. */
int assign_run(const struct assign_params *p, const struct assign_state *st, int n,
	       struct assign_pair *out, struct ct_err *err);

/* max - min of n counts (0 when n == 0). */
long assign_spread(const long *v, int n);

#endif
