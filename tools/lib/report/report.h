/* report.h: the study report (corrtest report): one self-contained HTML
 * page and its Markdown twin, in nl, fr or en, from the one analysis
 * result (analysis/result.h) and the study's facts (analysis/facts.h):
 * summary, flow, measures, splits, funnel, response times, agents, coding,
 * method, limitations, charts drawn by report/svg, and the figures again as a
 * machine-readable JSON block (the output layer's JSON of the same
 * result) that `verify` checks against the study.
 *
 * Public by default: nothing in it names a landlord, an agent or a
 * contact (the JSON block leaves the agent keys out too); confidential
 * adds the agent annex with names. Never prints, never exits. */
#ifndef CT_REPORT_REPORT_H
#define CT_REPORT_REPORT_H

#include "analysis/facts.h"
#include "analysis/result.h"
#include "design/config.h"

struct report_agent_name {
	char *key, *name; /* agent key and the name (or address) it was made from */
};

struct report_input {
	const struct analysis_result *r; /* with ANALYSIS_SPLITS; ANALYSIS_AGENTS when confidential */
	const struct study_facts *facts;
	const struct design *design;
	const char *lang;     /* nl, fr, en */
	int confidential;
	/* confidential only: each agent key's name, sorted by key */
	const struct report_agent_name *names;
	size_t nnames;
	const char *generated_at; /* UTC ISO time */
};

struct report_output {
	char *html, *md, *json;
	int charts; /* figures drawn */
};

int report_render(const struct report_input *in, struct report_output *out, struct ct_err *err);
void report_output_free(struct report_output *o);

/* What `corrtest report` does, from its options to the files. */
struct report_options {
	const char *lang;        /* NULL: the study's */
	const char *outcome;     /* NULL: study.ini's */
	const char *alpha;       /* NULL: 0.05 */
	long min_tests;          /* 0: 2 */
	int confidential;
	int pdf;                 /* also report.pdf, with headless Chromium */
	const char *out_dir;     /* NULL: results/<the study folder's name>/ */
	const char *const *previous; /* earlier studies' folders */
	int nprevious;
	/* The event log as it stood after its first as_of_events events (0: as
	 * it stands): what `verify --report` states of a report made before a
	 * seal, a re-check or a purge, which add events and change no figure. */
	long as_of_events;
};
struct report_written {
	char *dir, *html, *md, *pdf; /* paths; pdf NULL unless asked */
	char lang[3];
	int charts;
	int confidential;
};
/* Runs the analysis (with the splits; the agents when confidential; the
 * earlier studies opened read-only), renders the report and writes
 * report.html and report.md (report-confidential.* when confidential, so
 * that a public copy is never overwritten by a confidential one) into the
 * folder, both renamed into place only once both are written whole, then
 * the PDF when asked.
 * CT_EINPUT for a bad option or an earlier study that cannot be opened,
 * CT_EENV for a file that cannot be written or Chromium missing. */
int report_run(struct study *s, const char *study_dir, const struct report_options *o,
	       struct report_written *w, struct ct_err *err);
void report_written_free(struct report_written *w);
/* The report of the study as report_run would render it, made at
 * generated_at, without writing anything: what `verify --report` compares
 * a report file with. */
int report_make(struct study *s, const struct report_options *o, const char *generated_at,
		struct report_output *out, struct ct_err *err);

/* The report's method section (design, randomisation, dates, channels,
 * deviations, outcome, tests, software and event head), appended to d in
 * the language L: a dossier quotes the protocol as the report states it.
 * r from analysis_run (its field summary gives the deviations). */
struct doc;
struct lang;
void report_method(struct doc *d, struct lang *L, const struct analysis_result *r,
		   const struct study_facts *facts, const struct design *design);

/* Each agent key of the study with the name its key was made from
 * (listing_contact: the agent's name, else the contact address), sorted
 * by key; only for the confidential annex. */
int report_agent_names(struct study *s, struct report_agent_name **out, size_t *n,
		       struct ct_err *err);
void report_agent_names_free(struct report_agent_name *a, size_t n);

#endif
