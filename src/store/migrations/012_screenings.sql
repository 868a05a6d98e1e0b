-- ownergraph schema, version 12. Screening records (issue 14): a screen kept as proof of what it
-- found, with everything needed to run it again: the input file itself (its SHA-256 checks it
-- is unchanged), the options, the data version and the releases it ran on, and the results.
-- The entity page's past (`?as_of=`) reads release_changes by listing and relation: indexed here.
CREATE TABLE screenings (
    sid          INTEGER PRIMARY KEY,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,        -- a user's name, or "cli"
    source       TEXT NOT NULL,        -- cli, web, watchlist
    file_name    TEXT NOT NULL,
    input_sha256 TEXT NOT NULL,
    input        BLOB NOT NULL,        -- the file as screened
    input_rows   INTEGER NOT NULL,
    regime       TEXT NOT NULL,
    as_of        TEXT NOT NULL,
    threshold    REAL NOT NULL,
    all_matches  INTEGER NOT NULL,
    data_version INTEGER NOT NULL,
    releases     TEXT NOT NULL,        -- JSON [{dataset, date, sha256}], in import order
    results      TEXT NOT NULL,        -- JSON, see screenings::Results
    matched      INTEGER NOT NULL,
    screened     INTEGER NOT NULL
);
CREATE INDEX release_changes_lid ON release_changes(lid) WHERE lid IS NOT NULL;
CREATE INDEX release_changes_rid ON release_changes(rid) WHERE rid IS NOT NULL;
