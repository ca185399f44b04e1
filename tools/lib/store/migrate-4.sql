-- Schema version 4: the same tables, with their CHECK lists of more than
-- two values written as OR chains (issue 8).
--
-- SQLite 3.40 evaluates "x IN ('a', 'b', 'c')" in a CHECK constraint by
-- building a temporary b-tree of the list for every row it inserts or
-- updates; "x = 'a' OR x = 'b' OR x = 'c'" is the same rule without that.
-- Measured with callgrind on a 3,000-listing study: assign 496 M -> 291 M
-- instructions, a 6,000-row response import 400 M -> 265 M.
--
-- A CHECK cannot be altered in place, so application, message and response
-- are rebuilt (SQLite's documented twelve steps: the caller runs this with
-- foreign keys off, inside one transaction, and runs foreign_key_check
-- before committing). Column lists are named so that no value moves.
-- response.channel also accepts 'portal' and 'webmail': replies that come
-- through a listing site's messages or a web mail the team reads by hand.

CREATE TABLE application_v4 (
	id INTEGER PRIMARY KEY,
	listing INTEGER NOT NULL REFERENCES listing(id),
	persona INTEGER NOT NULL REFERENCES persona(id),
	-- NULL only for applications of an imported external log, where the
	-- variant, order or time were not recorded.
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
	UNIQUE (listing, position),
	UNIQUE (listing, persona)
) STRICT;
INSERT INTO application_v4 (id, listing, persona, variant, position, scheduled_at, status,
			    message_id, sent_at, attempts, last_error)
	SELECT id, listing, persona, variant, position, scheduled_at, status, message_id,
	       sent_at, attempts, last_error FROM application;

CREATE TABLE message_v4 (
	id INTEGER PRIMARY KEY,
	application INTEGER REFERENCES application(id),
	direction TEXT NOT NULL CHECK (direction = 'in' OR direction = 'out'),
	raw BLOB,                    -- NULL once purged; sha256 stays
	sha256 TEXT NOT NULL,
	at TEXT NOT NULL,
	mailbox TEXT,
	uidvalidity INTEGER,
	uid INTEGER,
	message_id TEXT,
	kind TEXT CHECK (kind IS NULL OR kind = 'reply' OR kind = 'bounce' OR kind = 'self' OR
			 kind = 'other'),
	from_addr TEXT,
	subject TEXT,
	in_reply_to TEXT,
	link_method TEXT,
	content_sha256 TEXT,
	duplicate_of INTEGER REFERENCES message(id),
	UNIQUE (mailbox, uidvalidity, uid)
) STRICT;
INSERT INTO message_v4 (id, application, direction, raw, sha256, at, mailbox, uidvalidity, uid,
			message_id, kind, from_addr, subject, in_reply_to, link_method,
			content_sha256, duplicate_of)
	SELECT id, application, direction, raw, sha256, at, mailbox, uidvalidity, uid,
	       message_id, kind, from_addr, subject, in_reply_to, link_method, content_sha256,
	       duplicate_of FROM message;

CREATE TABLE response_v4 (
	id INTEGER PRIMARY KEY,
	application INTEGER NOT NULL REFERENCES application(id),
	message INTEGER REFERENCES message(id),
	channel TEXT NOT NULL
		CHECK (channel = 'email' OR channel = 'phone' OR channel = 'sms' OR
		       channel = 'voicemail' OR channel = 'portal' OR channel = 'webmail' OR
		       channel = 'manual'),
	outcome TEXT NOT NULL
		CHECK (outcome = 'invitation' OR outcome = 'info' OR outcome = 'refusal' OR
		       outcome = 'other' OR outcome = 'no_reply'),
	coder TEXT NOT NULL,
	coded_at TEXT NOT NULL,
	at TEXT,                     -- when the reply came, if known
	note TEXT
) STRICT;
INSERT INTO response_v4 (id, application, message, channel, outcome, coder, coded_at, at, note)
	SELECT id, application, message, channel, outcome, coder, coded_at, at, note FROM response;

DROP TABLE response;
DROP TABLE message;
DROP TABLE application;
ALTER TABLE application_v4 RENAME TO application;
ALTER TABLE message_v4 RENAME TO message;
ALTER TABLE response_v4 RENAME TO response;

CREATE INDEX application_due ON application(status, scheduled_at);
CREATE INDEX application_persona ON application(persona);
CREATE INDEX message_application ON message(application);
CREATE INDEX message_message_id ON message(message_id);
CREATE INDEX message_sha256 ON message(sha256);
CREATE INDEX message_content_sha256 ON message(content_sha256);
CREATE INDEX response_application ON response(application);
