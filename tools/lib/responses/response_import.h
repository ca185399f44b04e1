/* response_import.h: the response-log import engine: a CSV file of outcomes
 * recorded outside corrtest (one row per application: listing, group,
 * gender, outcome...) read into the study all or nothing. Listings and
 * applications the study lacks are created, as long as every listing stays
 * one pair: the control and one test candidate of one gender. Every problem
 * is reported with its file, line and column, up to the cap of the caller's
 * error list. Used by `corrtest import`. */
#ifndef CT_RESPONSE_IMPORT_H
#define CT_RESPONSE_IMPORT_H

#include "io/csv.h"
#include "store/study.h"

/* The CSV columns a response log may have, NULL-terminated. */
extern const char *const response_import_columns[];

struct responses_import_summary {
	long rows;                 /* responses recorded */
	long listings_created;     /* listings the study did not have */
	long applications_created; /* applications the study did not have */
	long replaced;             /* applications whose earlier outcome was superseded */
	long single;               /* listings of the file left with one application */
	long statuses_set;         /* planned applications given the file's status */
	long withdrawn;            /* listings the file says were withdrawn */
	char delim;                /* the file's delimiter: ',', ';' or '\t' */
	int delim_guessed;         /* 1 when it was guessed from the header */
	const char *dialect;       /* csv_dialect(); static */
};

/* Reads the response log at path into the study, in one transaction with
 * one "import" event; delim as for listings_import_file; the responses are coded by "import:FILE". Statuses
 * and the use of errs and err are those of listings_import_file
 * (listing_import.h). */
int responses_import_file(struct study *s, const char *path, char delim,
			  struct responses_import_summary *sum, struct csv_errs *errs,
			  struct ct_err *err);

#endif
