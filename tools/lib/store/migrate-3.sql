-- Schema version 3: the inbox engine (issue 8).

-- Copies are recognised by content, never by Message-ID alone (two
-- different messages may carry one Message-ID, and each must be stored).
-- content_sha256: SHA-256 of the raw bytes without the trace fields that
-- delivery puts on top (Return-Path, Received, Delivered-To, ...): the same
-- message delivered twice has two raws and one content hash. NULL for
-- outgoing messages and for messages fetched before version 3.
ALTER TABLE message ADD COLUMN content_sha256 TEXT;
-- A second delivery of message duplicate_of: its raw bytes are stored,
-- nothing is derived from it (no kind, no link).
ALTER TABLE message ADD COLUMN duplicate_of INTEGER REFERENCES message(id);
CREATE INDEX message_content_sha256 ON message(content_sha256);

-- The linker looks up a mailbox's applications by persona for every
-- incoming message.
CREATE INDEX application_persona ON application(persona);
