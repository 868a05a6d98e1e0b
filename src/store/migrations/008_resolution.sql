-- ownergraph schema, version 8: one party across sources.
-- A judgement says whether two records (entity ids, usually of two datasets) are one party.
-- The current judgement of a pair is its newest one that was not reverted; older ones stay as
-- history. Ids, not eids, so judgements move between databases (`resolve export|import`).
CREATE TABLE judgements (
    jid         INTEGER PRIMARY KEY,
    left_id     TEXT NOT NULL,               -- the smaller id of the pair
    right_id    TEXT NOT NULL,
    judgement   TEXT NOT NULL CHECK (judgement IN ('positive', 'negative', 'unsure')),
    note        TEXT,
    author      TEXT NOT NULL,               -- a user's name, or `xref` for an automatic merge
    at          TEXT NOT NULL,               -- UTC, YYYY-MM-DDTHH:MM:SSZ
    automatic   INTEGER NOT NULL DEFAULT 0,  -- made by xref on decisive evidence
    reverted_at TEXT,
    reverted_by TEXT,
    CHECK (left_id < right_id)
);
CREATE INDEX judgements_pair ON judgements(left_id, right_id);
CREATE INDEX judgements_right ON judgements(right_id);

-- The pairs the last cross-referencing found, best first by score, with the reasons (JSON).
CREATE TABLE xref_candidates (
    left_id       TEXT NOT NULL,
    right_id      TEXT NOT NULL,
    left_dataset  TEXT NOT NULL,
    right_dataset TEXT NOT NULL,
    score         REAL NOT NULL,
    decision      TEXT NOT NULL CHECK (decision IN ('auto', 'candidate')),
    reasons       TEXT NOT NULL,
    PRIMARY KEY (left_id, right_id)
) WITHOUT ROWID;
CREATE INDEX xref_candidates_score ON xref_candidates(score DESC);
