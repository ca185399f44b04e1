-- Schema version 8: follow-ups and re-tests (issue 12), kept apart from the
-- main analysis.
--
-- application.kind: 'main' for the study's paired test (the only kind the
-- analysis, the report and the flow count); 'followup' for a short "is it
-- still available?" message sent after differing replies (Unia's method),
-- by the refused candidate or by a third persona; 'retest' for a new paired
-- test of one agent on another of its listings (corrtest retest).
-- application.follows: for a follow-up, the application whose differing
-- reply it follows up; for a re-test, the application of the same persona
-- in the test it repeats. A follow-up goes to a listing that already has
-- the pair, often from the same persona, so the pair's uniqueness (one
-- application per position and per persona on a listing) holds for the
-- main kind only; the table is rebuilt for that (SQLite's twelve steps, as
-- in migrate-4.sql: foreign keys off, one transaction, foreign_key_check).

CREATE TABLE application_v8 (
	id INTEGER PRIMARY KEY,
	listing INTEGER NOT NULL REFERENCES listing(id),
	persona INTEGER NOT NULL REFERENCES persona(id),
	-- NULL only for applications of an imported external log, where the
	-- variant, order or time were not recorded, and for follow-ups.
	variant INTEGER CHECK (variant >= 1),
	position INTEGER CHECK (position = 1 OR position = 2),
	scheduled_at TEXT,
	status TEXT NOT NULL DEFAULT 'planned'
		CHECK (status = 'planned' OR status = 'sending' OR status = 'sent' OR
		       status = 'bounced' OR status = 'failed' OR status = 'cancelled'),
	message_id TEXT UNIQUE,
	sent_at TEXT,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	channel TEXT
		CHECK (channel IS NULL OR channel = 'smtp' OR channel = 'portal' OR
		       channel = 'webmail' OR channel = 'phone' OR channel = 'sms'),
	sent_via TEXT
		CHECK (sent_via IS NULL OR sent_via = 'smtp' OR sent_via = 'portal' OR
		       sent_via = 'webmail' OR sent_via = 'phone' OR sent_via = 'sms'),
	recorded_by TEXT,
	cancel_reason TEXT,
	simulated INTEGER NOT NULL DEFAULT 0 CHECK (simulated = 0 OR simulated = 1),
	kind TEXT NOT NULL DEFAULT 'main' CHECK (kind = 'main' OR kind = 'followup' OR kind = 'retest'),
	follows INTEGER REFERENCES application(id),
	CHECK ((kind = 'main') = (follows IS NULL))
) STRICT;
INSERT INTO application_v8 (id, listing, persona, variant, position, scheduled_at, status,
			    message_id, sent_at, attempts, last_error, channel, sent_via,
			    recorded_by, cancel_reason, simulated)
	SELECT id, listing, persona, variant, position, scheduled_at, status, message_id,
	       sent_at, attempts, last_error, channel, sent_via, recorded_by, cancel_reason,
	       simulated FROM application;
DROP TABLE application;
ALTER TABLE application_v8 RENAME TO application;

CREATE INDEX application_due ON application(status, scheduled_at);
CREATE INDEX application_persona ON application(persona);
CREATE INDEX application_follows ON application(follows);
-- The pair: one application per position and per persona on a listing,
-- among the main kind (and among a re-test's own pair).
CREATE UNIQUE INDEX application_main_position ON application(listing, position)
	WHERE kind = 'main';
CREATE UNIQUE INDEX application_main_persona ON application(listing, persona)
	WHERE kind = 'main';
CREATE UNIQUE INDEX application_retest_position ON application(listing, position)
	WHERE kind = 'retest';
