-- Schema version 2: mail (send, fetch, link, decline).

-- Where fetch left off in each mailbox folder; a new UIDVALIDITY means the
-- folder was rebuilt and is read again from the start (duplicates are
-- recognised by Message-ID and content hash).
CREATE TABLE mailbox_state (
	mailbox TEXT NOT NULL,       -- the persona's address
	folder TEXT NOT NULL,
	uidvalidity INTEGER NOT NULL,
	last_uid INTEGER NOT NULL,
	checked_at TEXT NOT NULL,
	PRIMARY KEY (mailbox, folder)
) STRICT;

-- What fetch derived from an incoming message, after storing it raw.
-- from_addr and subject identify the landlord: purgeable like raw.
ALTER TABLE message ADD COLUMN kind TEXT
	CHECK (kind IS NULL OR kind IN ('reply', 'bounce', 'self', 'other'));
ALTER TABLE message ADD COLUMN from_addr TEXT;
ALTER TABLE message ADD COLUMN subject TEXT;
ALTER TABLE message ADD COLUMN in_reply_to TEXT;
-- How the message was linked to its application: in_reply_to, sender,
-- subject_ref or manual for replies; message_id for our own self copy;
-- returned_id or bounce_recipient for bounces. NULL while it waits in the
-- unlinked queue. kind 'other' is an automatic reply or a delay notice:
-- linked, but not a reply.
ALTER TABLE message ADD COLUMN link_method TEXT;
CREATE INDEX message_message_id ON message(message_id);
CREATE INDEX message_sha256 ON message(sha256);

-- Sending: temporary failures so far, and the server's last answer.
ALTER TABLE application ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE application ADD COLUMN last_error TEXT;

-- A positive reply declined: the withdrawal that went out.
CREATE TABLE decline (
	application INTEGER PRIMARY KEY REFERENCES application(id),
	message INTEGER REFERENCES message(id),
	sent_at TEXT NOT NULL
) STRICT;
