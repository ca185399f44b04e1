/* listing_import.h: the listings import engine: a CSV file of offers read
 * into the study all or nothing. Every value is checked (listing.h), refs
 * and URLs must be new to the file and to the study, and every problem is
 * reported with its file, line and column, up to the cap of the caller's
 * error list. Used by `corrtest listings import` and by anything else that
 * brings a listings file (a demo, a future web form). */
#ifndef CT_LISTING_IMPORT_H
#define CT_LISTING_IMPORT_H

#include "io/csv.h"
#include "store/study.h"

struct listings_import_summary {
	long imported;       /* listings added */
	long url_keys;       /* listings of the study given their url_key (see listing.h) */
	char delim;          /* the file's delimiter: ',', ';' or '\t' */
	int delim_guessed;   /* 1 when it was guessed from the header */
	const char *dialect; /* csv_dialect: "semicolon-separated, decimal comma"; static */
};

/* Reads the CSV file at path into the study, in one transaction with one
 * "listings.import" event. delim is the file's delimiter (',', ';', '\t'),
 * or 0 to guess it from the header (csv.h); when it is not a comma, prices
 * may have a decimal comma. On success returns CT_OK and fills *sum. When
 * values are wrong, returns CT_EINPUT with every message in errs (which the
 * caller initialised with csv_errs_init and frees) and a closing line in err
 * ("N errors in FILE; nothing was imported"); when the file cannot be read
 * at all (missing, a folder, a syntax error, a bad header), returns the
 * status with the one message in err and errs left empty. Either way a
 * failure leaves the study unchanged. */
int listings_import_file(struct study *s, const char *path, char delim,
			 struct listings_import_summary *sum,
			 struct csv_errs *errs, struct ct_err *err);

#endif
