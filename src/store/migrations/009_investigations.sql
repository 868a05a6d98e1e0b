-- ownergraph schema, version 9. Investigations: canvases saved from the live graph. The canvas (entities, positions, notes)
-- and the facts its entities had when saved are JSON written and read by `investigation`;
-- the store only keeps them.
CREATE TABLE investigations (
    iid          INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    owner_uid    INTEGER NOT NULL REFERENCES users(uid) ON DELETE CASCADE,
    canvas       TEXT NOT NULL,
    facts        TEXT NOT NULL,
    data_version INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX investigations_by_owner ON investigations (owner_uid, iid);
