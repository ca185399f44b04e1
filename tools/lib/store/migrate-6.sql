-- Schema version 6: coding the replies (issue 10).

-- One row per code given to a reply. message: the reply (message.id), or
-- NULL for a reply logged by hand, which is then named by its application
-- alone; application is always set (the reply's application), so that an
-- application's codes are found without a join.
-- pass: 'first' (the code of the blind queue or of the rules), 'second'
-- (the independent second coder of the double-coded sample) or
-- 'adjudicated' (the settled code after a disagreement). At most one code
-- per reply and pass.
-- coder: the person's id, or 'rules' for automatic codes, which then name
-- the rule (file:line) and the SHA-256 of the rule file.
-- How a code becomes the analysed outcome: a reply's code is its
-- adjudicated code, else its first code (a second code only measures
-- agreement). An application's outcome is the code of the reply that
-- study.ini's [coding] reply_rule picks (best, first or last) among its
-- coded replies; whenever that changes, the store appends a response row
-- (coder = the code's coder, coding = this table's id), which, as the
-- latest row of the application, is what the analysis reads.
CREATE TABLE coding (
	id INTEGER PRIMARY KEY,
	message INTEGER REFERENCES message(id),
	application INTEGER NOT NULL REFERENCES application(id),
	pass TEXT NOT NULL CHECK (pass = 'first' OR pass = 'second' OR pass = 'adjudicated'),
	coder TEXT NOT NULL,
	outcome TEXT NOT NULL CHECK (outcome = 'invitation' OR outcome = 'info' OR
				     outcome = 'refusal' OR outcome = 'other' OR outcome = 'no_reply'),
	sub_code TEXT,
	rule TEXT,
	rules_sha256 TEXT,
	note TEXT,
	coded_at TEXT NOT NULL,
	CHECK ((coder = 'rules') = (rule IS NOT NULL AND rules_sha256 IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX coding_reply_pass ON coding(message, pass) WHERE message IS NOT NULL;
CREATE INDEX coding_application ON coding(application);

-- The response row a code made (NULL for outcomes logged or imported).
ALTER TABLE response ADD COLUMN coding INTEGER REFERENCES coding(id);

-- The replies drawn for the second coder (code --second): drawn once, from
-- the seed, so that the sample can be shown to be random and reproduced.
CREATE TABLE coding_sample (
	message INTEGER PRIMARY KEY REFERENCES message(id),
	seed TEXT NOT NULL,
	drawn_at TEXT NOT NULL
) STRICT;
