-- Accounts, sessions and curation with history.

-- People who may change the data. Reading needs no account.
CREATE TABLE users (
    uid           INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'curator')),
    password_hash TEXT NOT NULL,              -- argon2 PHC string
    created_at    TEXT NOT NULL
);

-- Signed-in browsers. Only the SHA-256 of the cookie's token is kept, so a copy of the
-- database does not let anyone sign in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,              -- hex SHA-256 of the cookie token
    uid        INTEGER NOT NULL REFERENCES users(uid) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,                 -- the token every form of this session carries
    created_at INTEGER NOT NULL,              -- unix seconds
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_uid ON sessions(uid);

-- Failed sign-ins, for rate limiting per account and per client address.
CREATE TABLE login_failures (
    at      INTEGER NOT NULL,                 -- unix seconds
    account TEXT NOT NULL,
    client  TEXT NOT NULL
);
CREATE INDEX login_failures_account ON login_failures(account, at);
CREATE INDEX login_failures_client ON login_failures(client, at);

-- Every curated change: who, when, why, what (before and after as JSON).
CREATE TABLE changes (
    cid         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,                -- UTC, YYYY-MM-DDTHH:MM:SSZ
    author      TEXT NOT NULL,                -- the user's name (kept if the user is removed)
    action      TEXT NOT NULL,                -- add_relation, end_relation, add_alias, add_note, revert
    summary     TEXT NOT NULL,                -- what, in words
    reason      TEXT NOT NULL,                -- why, as the author gave it
    entity_eid  INTEGER NOT NULL REFERENCES entities(eid),
    other_eid   INTEGER REFERENCES entities(eid),  -- the relation's other end
    row_id      INTEGER,                      -- relations.rid or annotations.aid changed
    before      TEXT,                         -- JSON, null when the row was created
    after       TEXT,                         -- JSON, null when the row was removed
    reverts     INTEGER REFERENCES changes(cid),
    reverted_by INTEGER REFERENCES changes(cid)
);
CREATE INDEX changes_entity ON changes(entity_eid);
CREATE INDEX changes_other ON changes(other_eid);

-- Curated aliases and notes on entities, kept apart from imported facts so a re-import
-- never overwrites them and pages can tell them apart.
CREATE TABLE annotations (
    aid        INTEGER PRIMARY KEY,
    entity_eid INTEGER NOT NULL REFERENCES entities(eid),
    kind       TEXT NOT NULL CHECK (kind IN ('alias', 'note')),
    text       TEXT NOT NULL,
    author     TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX annotations_entity ON annotations(entity_eid);
