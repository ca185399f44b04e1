-- Schema version 9: job vacancies and CVs (issue 13).
--
-- listing.isco: the vacancy's occupation as an ISCO-08 code (1 to 4
-- digits: a unit group such as 2411, or a coarser group); listing.occupation:
-- the occupation as the vacancy names it; listing.level: the education it
-- asks for (none, secondary, bachelor, master). NULL for housing listings
-- and for vacancies imported without them. Not personal data: kept by purge.
ALTER TABLE listing ADD COLUMN isco TEXT
	CHECK (isco IS NULL OR (length(isco) BETWEEN 1 AND 4 AND isco NOT GLOB '*[^0-9]*'));
ALTER TABLE listing ADD COLUMN occupation TEXT;
ALTER TABLE listing ADD COLUMN level TEXT
	CHECK (level IS NULL OR level = 'none' OR level = 'secondary' OR level = 'bachelor' OR
	       level = 'master');

-- One CV per application that sends one (the main pair of a job study with
-- [cv] attach = yes, and a re-test's pair): everything drawn for it, so that
-- the PDF can be rendered again byte for byte and the draws analysed.
-- layout: the page layout (1 or 2); phrasing: the wording set (1 or 2); the
-- two CVs of a pair never share either, and both are counterbalanced over
-- the groups like message variants. family: the template's occupation
-- family the vacancy's ISCO code fell in. attrs: a JSON object, node name
-- to the text the CV shows (dates included), in template order.
-- template_sha256: the CV template the draw came from. created_at: the
-- PDF's creation time (identical within a pair).
CREATE TABLE cv (
	application INTEGER PRIMARY KEY REFERENCES application(id),
	layout INTEGER NOT NULL CHECK (layout = 1 OR layout = 2),
	phrasing INTEGER NOT NULL CHECK (phrasing = 1 OR phrasing = 2),
	family TEXT NOT NULL,
	attrs TEXT NOT NULL,
	template_sha256 TEXT NOT NULL,
	created_at TEXT NOT NULL,
	drawn_at TEXT NOT NULL
) STRICT;
