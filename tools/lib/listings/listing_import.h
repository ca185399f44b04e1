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
	long imported; /* listings added */
};

/* Reads the CSV file at path into the study, in one transaction with one
 * "listings.import" event. On success returns CT_OK and fills *sum. When
 * values are wrong, returns CT_EINPUT with every message in errs (which the
 * caller initialised with csv_errs_init and frees) and a closing line in err
 * ("N errors in FILE; nothing was imported"); when the file cannot be read
 * at all (missing, a folder, a syntax error, a bad header), returns the
 * status with the one message in err and errs left empty. Either way a
 * failure leaves the study unchanged. */
int listings_import_file(struct study *s, const char *path, struct listings_import_summary *sum,
			 struct csv_errs *errs, struct ct_err *err);

#endif
