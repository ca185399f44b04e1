/* describe.h: the one description of the analysis results for the output
 * layer (io/out.h). `stats` and `export stats` (and later `report`) call
 * these with a printer of the format they want; the JSON field names and
 * CSV columns documented in docs/statistics.md are fixed here. Nothing is
 * printed until the caller frees the printer. */
#ifndef CT_ANALYSIS_DESCRIBE_H
#define CT_ANALYSIS_DESCRIBE_H

#include "analysis/result.h"
#include "io/out.h"
#include "paired.h"
#include "unpaired.h"

/* The groups (and strata) with every measure, the homogeneity tests,
 * Cochran's Q and the excluded pairs. */
void analysis_describe(struct out *o, const struct analysis_result *r);
/* A warning of r in English words (stats; the report says them in its
 * own language). Returns buf. */
const char *analysis_warning_text(const struct analysis_result *r, const struct analysis_warning *w,
				  char *buf, size_t len);
/* The agent-level list (r->have_agents), with its confidentiality banner. */
void analysis_describe_agents(struct out *o, const struct analysis_result *r);
/* A regression view (r->lpm or r->clogit). */
void analysis_describe_model(struct out *o, const struct analysis_result *r,
			     const struct analysis_model *m);
/* One paired table (stats --table) and two independent proportions
 * (stats --unpaired). */
void analysis_describe_paired(struct out *o, const struct paired_analysis *a);
void analysis_describe_unpaired(struct out *o, const struct unpaired_summary *s);

#endif
