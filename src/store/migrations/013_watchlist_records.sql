-- ownergraph schema, version 13. A watchlist may keep every run as a screening record (issue
-- 14): the record names the watchlist it came from. A watchlist removed leaves its records,
-- which are proof of what was screened, with no watchlist named.
ALTER TABLE watchlists ADD COLUMN keep_records INTEGER NOT NULL DEFAULT 0;
ALTER TABLE screenings ADD COLUMN wid INTEGER REFERENCES watchlists(wid) ON DELETE SET NULL;
CREATE INDEX screenings_by_watchlist ON screenings(wid, sid) WHERE wid IS NOT NULL;
