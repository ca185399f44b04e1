-- Schema version 7: re-checks of listings (issue 12).
--
-- After a reply coded "no longer available", or a pair answered
-- differently, corrtest fetches the listing's advert again at +N days
-- (study.ini [recheck] days) to show whether it stayed online. A recheck
-- row is one planned fetch; a snapshot row is what one fetch found. Every
-- snapshot is kept (listings come and go; a court wants each one).
-- reason: 'unavailable' (a reply said it was let already) or 'differing'
-- (the pair was answered differently). application: the reply's
-- application that triggered it. status: due, done (a snapshot was taken),
-- failed (it could not be fetched after the retries), cancelled (the
-- listing's URL was purged before it was due). attempts: fetches tried;
-- last_error: why the last one gave no answer (libcurl's words for the
-- error, never the host, or "HTTP 503"): no personal data, not purged.
-- corrtest recheck (tools/lib/evidence/recheck.c) plans and runs them;
-- each snapshot it stores has a "recheck" event whose detail holds the
-- body's SHA-256, so that the event chain covers every body.
CREATE TABLE recheck (
	id INTEGER PRIMARY KEY,
	listing INTEGER NOT NULL REFERENCES listing(id),
	application INTEGER REFERENCES application(id),
	reason TEXT NOT NULL CHECK (reason = 'unavailable' OR reason = 'differing'),
	day INTEGER NOT NULL CHECK (day >= 0),
	due_at TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'due'
		CHECK (status = 'due' OR status = 'done' OR status = 'failed' OR status = 'cancelled'),
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	planned_at TEXT NOT NULL,
	UNIQUE (listing, day)
) STRICT;
CREATE INDEX recheck_due ON recheck(status, due_at);

-- One fetch of a listing's advert. The request's URL, the final URL after
-- redirects, the title, the price text and the body may identify the
-- landlord: purge sets them to NULL and keeps the rest (time, status, body
-- hash and size, whether the listing was still advertised), so that what a
-- snapshot showed can still be stated and its hash checked against a copy.
-- body: the response body, zlib-compressed (deflate with a zlib header);
-- body_sha256 is the SHA-256 of the uncompressed body.
-- advertised: 1 still advertised, 0 gone (404/410, a redirect away from
-- the advert, or a page that says it is let), NULL unknown (a server
-- error, a refusal such as 403). why: the reason in words, without URL,
-- title or price (not purged). error: not set by corrtest recheck (a fetch
-- without a response stores no snapshot: see recheck.last_error).
CREATE TABLE snapshot (
	id INTEGER PRIMARY KEY,
	recheck INTEGER REFERENCES recheck(id),
	listing INTEGER NOT NULL REFERENCES listing(id),
	at TEXT NOT NULL,
	url TEXT,
	http_status INTEGER,
	final_url TEXT,
	error TEXT,
	body_sha256 TEXT,
	body_size INTEGER,
	title TEXT,
	price TEXT,
	body BLOB,
	advertised INTEGER CHECK (advertised IS NULL OR advertised = 0 OR advertised = 1),
	why TEXT
) STRICT;
CREATE INDEX snapshot_listing ON snapshot(listing);
