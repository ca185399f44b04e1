-- corrtest study database, schema version 1 (PRAGMA user_version = 1);
-- migrate-2.sql, migrate-3.sql, ... bring it to STUDY_SCHEMA_VERSION.
-- Personal data of landlords and employers lives only in listing_contact,
-- message.raw and study_secret, so that a purge can clear those and keep
-- the pseudonymous record. Nothing is deleted: statuses and events instead.

CREATE TABLE study (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	name TEXT NOT NULL,
	market TEXT NOT NULL CHECK (market IN ('housing', 'job')),
	city TEXT NOT NULL,
	lang TEXT NOT NULL CHECK (lang IN ('nl', 'fr', 'en')),
	seed TEXT NOT NULL,          -- unsigned 64-bit, as decimal text
	design_hash TEXT,            -- SHA-256 of study.ini when assign last ran
	created_at TEXT NOT NULL
) STRICT;

-- The key of the agents' pseudonyms. Kept apart from the data it protects.
CREATE TABLE study_secret (
	name TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;

CREATE TABLE grp (
	id INTEGER PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL CHECK (role IN ('control', 'test')),
	label TEXT NOT NULL,
	bank TEXT NOT NULL
) STRICT;

CREATE TABLE persona (
	id INTEGER PRIMARY KEY,
	grp INTEGER NOT NULL REFERENCES grp(id),
	gender TEXT NOT NULL CHECK (gender IN ('female', 'male')),
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	email TEXT NOT NULL UNIQUE,
	phone TEXT NOT NULL,
	profile TEXT NOT NULL,       -- JSON object, identical for every persona
	drawn_at TEXT NOT NULL,
	UNIQUE (grp, gender)
) STRICT;

CREATE TABLE listing (
	id INTEGER PRIMARY KEY,
	ref TEXT NOT NULL UNIQUE,
	url TEXT UNIQUE,
	title TEXT,
	agent_type TEXT NOT NULL CHECK (agent_type IN ('agency', 'private')),
	agent_key TEXT,              -- keyed hash of the agent's name
	area TEXT,
	price REAL,
	round INTEGER NOT NULL DEFAULT 1,
	posted_on TEXT,
	status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'withdrawn')),
	added_at TEXT NOT NULL
) STRICT;

-- Identifying data of the landlord or employer: purgeable.
CREATE TABLE listing_contact (
	listing INTEGER PRIMARY KEY REFERENCES listing(id),
	contact_email TEXT,
	contact_name TEXT,
	agent_name TEXT
) STRICT;

-- One row per listing that has been assigned: the pair's cell and block.
CREATE TABLE assignment (
	listing INTEGER PRIMARY KEY REFERENCES listing(id),
	block INTEGER NOT NULL,
	test_grp INTEGER NOT NULL REFERENCES grp(id),
	gender TEXT NOT NULL CHECK (gender IN ('female', 'male')),
	gap_hours REAL NOT NULL,
	assigned_at TEXT NOT NULL
) STRICT;

CREATE TABLE application (
	id INTEGER PRIMARY KEY,
	listing INTEGER NOT NULL REFERENCES listing(id),
	persona INTEGER NOT NULL REFERENCES persona(id),
	-- NULL only for applications of an imported external log, where the
	-- variant, order or time were not recorded.
	variant INTEGER CHECK (variant >= 1),
	position INTEGER CHECK (position IN (1, 2)),
	scheduled_at TEXT,
	status TEXT NOT NULL DEFAULT 'planned'
		CHECK (status IN ('planned', 'sending', 'sent', 'bounced', 'failed', 'cancelled')),
	message_id TEXT UNIQUE,
	sent_at TEXT,
	UNIQUE (listing, position),
	UNIQUE (listing, persona)
) STRICT;
CREATE INDEX application_due ON application(status, scheduled_at);

CREATE TABLE message (
	id INTEGER PRIMARY KEY,
	application INTEGER REFERENCES application(id),
	direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
	raw BLOB,                    -- NULL once purged; sha256 stays
	sha256 TEXT NOT NULL,
	at TEXT NOT NULL,
	mailbox TEXT,
	uidvalidity INTEGER,
	uid INTEGER,
	message_id TEXT,
	UNIQUE (mailbox, uidvalidity, uid)
) STRICT;
CREATE INDEX message_application ON message(application);

-- Append-only: the latest row of an application is its current outcome.
CREATE TABLE response (
	id INTEGER PRIMARY KEY,
	application INTEGER NOT NULL REFERENCES application(id),
	message INTEGER REFERENCES message(id),
	channel TEXT NOT NULL CHECK (channel IN ('email', 'phone', 'sms', 'voicemail', 'manual')),
	outcome TEXT NOT NULL
		CHECK (outcome IN ('invitation', 'info', 'refusal', 'other', 'no_reply')),
	coder TEXT NOT NULL,
	coded_at TEXT NOT NULL,
	at TEXT,                     -- when the reply came, if known
	note TEXT
) STRICT;
CREATE INDEX response_application ON response(application);

-- Tamper-evident log: hash = SHA-256 over prev_hash and this row's fields.
CREATE TABLE event (
	id INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	actor TEXT NOT NULL,
	action TEXT NOT NULL,
	subject TEXT,
	detail TEXT,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
) STRICT;
