/* export.h: the study's records as CSV for R, Stata and Python
 * (`corrtest export`). Pseudonymous: no landlord or agent contact data;
 * agents appear as their agent_key. The analysis result itself is exported
 * through result.h and describe.h. */
#ifndef CT_ANALYSIS_EXPORT_H
#define CT_ANALYSIS_EXPORT_H

#include <stdio.h>

#include "store/study.h"
#include "base/util.h"

/* The kinds of records, for usage messages: "assignments, responses". */
extern const char export_kinds[];
/* 1 when name is one of them. */
int export_kind_known(const char *name);

/* Writes the records of one kind as CSV (RFC 4180 quoting through
 * csv_quote, UTF-8, a header row, LF line ends) to out, row by row, ordered
 * by listing, then by who writes first:
 *   assignments  listing_ref, group, gender, persona (the candidate's
 *                address), variant, position, scheduled_at (local time of
 *                study.ini's zone, with its offset), application_id,
 *                agent_key, planned_channel (empty: the study's default),
 *                status
 *   responses    listing_ref, agent_type, agent_key, round, area, group,
 *                gender, variant, position, status, outcome (the latest
 *                coded response, empty if none), channel (the response's),
 *                application_id, listing_status, planned_channel, sent_via,
 *                scheduled_at, sent_at, replied_at (local times),
 *                response_hours (sent to reply), coder
 * A job study's assignments and responses end with isco and occupation
 * (the vacancy's ISCO-08 code and occupation).
 * The responses export reads back with `corrtest import`.
 * Returns CT_EINPUT for an unknown kind, CT_EENV on a database or write
 * error. */
int export_csv(struct study *s, const char *kind, FILE *out, struct ct_err *err);

/* `export codebook`: a CSV (file, variable, type, values, meaning) that
 * describes every column of the exports above, in their order, with the
 * study's own values (its groups, genders, variants); the outcome's values
 * each with the coding codebook's definition (codebook_load, the study's
 * coding/codebook.ini included) and the sub-codes of the study's market;
 * in a job study, also the vacancy columns and the CV export's columns.
 * CT_EINPUT for a study codebook that does not read, CT_EENV on a write
 * error. */
int export_codebook(struct study *s, FILE *out, struct ct_err *err);

#endif
