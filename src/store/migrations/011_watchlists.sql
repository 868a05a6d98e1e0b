-- ownergraph schema, version 11. Watchlists (issue 14): counterparty files kept and screened
-- again after every release; what changed for a row is an alert, and an alert may be posted
-- to the watchlist's webhook (deliveries queued here, so a restart loses none).
CREATE TABLE watchlists (
    wid               INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    -- The account that saved it (its name, kept like a change's author), or `cli`.
    owner             TEXT NOT NULL,
    regime            TEXT NOT NULL,
    threshold         REAL NOT NULL,
    file              TEXT NOT NULL,     -- the file name it was saved from
    header            TEXT NOT NULL,     -- JSON array of the file's column names
    created_at        TEXT NOT NULL,
    webhook_url       TEXT,
    webhook_secret    TEXT,              -- hex; the HMAC-SHA256 key of the webhook's signatures
    -- The data version and newest release it was last screened at (NULL: never): a release is
    -- evaluated once, by whichever process gets to it first.
    evaluated_version INTEGER,
    evaluated_iid     INTEGER
);

-- The rows as given (cells: JSON array in the header's order) and the subject read from them.
CREATE TABLE watchlist_rows (
    wid        INTEGER NOT NULL REFERENCES watchlists(wid) ON DELETE CASCADE,
    row        INTEGER NOT NULL,
    line       INTEGER NOT NULL,
    cells      TEXT NOT NULL,
    name       TEXT NOT NULL,
    country    TEXT,
    identifier TEXT,
    schema     TEXT,
    birth_date TEXT,
    PRIMARY KEY (wid, row)
) WITHOUT ROWID;

-- Each row's best match and its status under the watchlist's regime at the last evaluation.
CREATE TABLE watchlist_status (
    wid        INTEGER NOT NULL,
    row        INTEGER NOT NULL,
    match_id   TEXT,
    match_name TEXT,
    score      REAL,
    status     TEXT NOT NULL,     -- listed, blocked, possibly_blocked, not_blocked, none
    evidence   TEXT,              -- JSON: the ownership chain to the listed party
    PRIMARY KEY (wid, row),
    FOREIGN KEY (wid, row) REFERENCES watchlist_rows(wid, row) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE alerts (
    aid          INTEGER PRIMARY KEY,
    wid          INTEGER NOT NULL REFERENCES watchlists(wid) ON DELETE CASCADE,
    row          INTEGER NOT NULL,
    kind         TEXT NOT NULL,   -- new_match, match_gone, status_changed
    before       TEXT,            -- JSON {match_id, match_name, score, status} or NULL
    after        TEXT,
    evidence     TEXT,            -- JSON: the chain behind the status after (or before, when gone)
    iid          INTEGER REFERENCES imports(iid),  -- the release that caused it
    data_version INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX alerts_by_watchlist ON alerts(wid, aid);

CREATE TABLE webhook_deliveries (
    did             INTEGER PRIMARY KEY,
    wid             INTEGER NOT NULL REFERENCES watchlists(wid) ON DELETE CASCADE,
    aid             INTEGER NOT NULL REFERENCES alerts(aid) ON DELETE CASCADE,
    body            TEXT NOT NULL,   -- the exact bytes signed and posted
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL, -- Unix seconds
    last_error      TEXT,
    delivered_at    TEXT,
    given_up        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE delivered_at IS NULL AND given_up = 0;
