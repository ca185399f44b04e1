-- Schema version 5: fielding a study by hand as well as by mail (issue 9).

-- How an application goes out. smtp: corrtest sends it (send --live);
-- portal: a listing site's contact form; webmail: a web mail account used
-- by hand; phone: a call; sms: a text message. For every channel but
-- smtp a person sends and records it (corrtest field).
-- listing.channel: this listing's channel when it is not the study's
-- default ([fielding] channel in study.ini); NULL: the default.
ALTER TABLE listing ADD COLUMN channel TEXT
	CHECK (channel IS NULL OR channel = 'smtp' OR channel = 'portal' OR channel = 'webmail' OR
	       channel = 'phone' OR channel = 'sms');
-- Duplicates are found by the listing's address in a normal form (scheme
-- and host in lower case, no tracking parameters, no fragment, no
-- trailing slash) and by the portal's own listing number.
ALTER TABLE listing ADD COLUMN url_key TEXT;
ALTER TABLE listing ADD COLUMN portal_ref TEXT;
CREATE INDEX listing_url_key ON listing(url_key);
CREATE INDEX listing_portal_ref ON listing(portal_ref);
-- The landlord's phone number, for the phone and sms channels: purgeable
-- like the rest of listing_contact.
ALTER TABLE listing_contact ADD COLUMN contact_phone TEXT;

-- application.channel: the channel it was planned for, fixed when it is
-- sent (until then the listing's or the study's, which may still change);
-- sent_via: the channel it actually went by; recorded_by: who recorded a
-- send made by hand; cancel_reason: why it was cancelled (field skip, a
-- withdrawn listing).
ALTER TABLE application ADD COLUMN channel TEXT
	CHECK (channel IS NULL OR channel = 'smtp' OR channel = 'portal' OR channel = 'webmail' OR
	       channel = 'phone' OR channel = 'sms');
ALTER TABLE application ADD COLUMN sent_via TEXT
	CHECK (sent_via IS NULL OR sent_via = 'smtp' OR sent_via = 'portal' OR sent_via = 'webmail' OR
	       sent_via = 'phone' OR sent_via = 'sms');
ALTER TABLE application ADD COLUMN recorded_by TEXT;
ALTER TABLE application ADD COLUMN cancel_reason TEXT;

-- Rows made up by 'corrtest simulate' (1) are never taken for real ones:
-- every output of a study holding them says so, and 'simulate --undo'
-- removes them.
ALTER TABLE application ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0
	CHECK (simulated = 0 OR simulated = 1);
ALTER TABLE response ADD COLUMN simulated INTEGER NOT NULL DEFAULT 0
	CHECK (simulated = 0 OR simulated = 1);

-- An outgoing message: the file compose --outbox wrote it to (removed when
-- the application is withdrawn before it is sent), and the SHA-256 of the
-- template it was rendered from (a message rendered from an older template
-- is rendered again, or refused, while it is unsent).
ALTER TABLE message ADD COLUMN outbox_file TEXT;
ALTER TABLE message ADD COLUMN template_sha256 TEXT;

-- Placebo pairs: a second persona of the control group (role 'placebo',
-- the control group's name bank) writes instead of the test persona; its
-- pairs measure the protocol's own noise. grp is rebuilt for the new role.
CREATE TABLE grp_v5 (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL CHECK (role = 'control' OR role = 'test' OR role = 'placebo'),
	label TEXT NOT NULL,
	bank TEXT NOT NULL
) STRICT;
INSERT INTO grp_v5 (id, name, role, label, bank) SELECT id, name, role, label, bank FROM grp;
DROP TABLE grp;
ALTER TABLE grp_v5 RENAME TO grp;
