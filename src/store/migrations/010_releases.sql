-- ownergraph schema, version 10. Releases and what each changed (issue 14).
-- The import log loses UNIQUE (dataset, checksum): a file imported again is still not logged
-- again when it changes nothing, but an older release applied again after a newer one changes
-- things, and those changes need a release of their own to belong to.
CREATE TABLE imports_v10 (
    iid         INTEGER PRIMARY KEY,
    dataset     TEXT NOT NULL,
    format      TEXT NOT NULL,
    path        TEXT NOT NULL,
    checksum    TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    entities    INTEGER NOT NULL,
    relations   INTEGER NOT NULL,
    listings    INTEGER NOT NULL,
    as_of       TEXT,                              -- release date; NULL for partial imports
    added       INTEGER NOT NULL DEFAULT 0,
    changed     INTEGER NOT NULL DEFAULT 0,
    ended       INTEGER NOT NULL DEFAULT 0,
    -- 1: what the import changed is in release_changes; 0: imported before changes were recorded.
    tracked     INTEGER NOT NULL DEFAULT 0,
    -- 1: the dataset's first import, which added everything it holds (counted, not itemised).
    baseline    INTEGER NOT NULL DEFAULT 0
);
INSERT INTO imports_v10 (iid, dataset, format, path, checksum, imported_at, entities, relations, listings,
                         as_of, added, changed, ended)
    SELECT iid, dataset, format, path, checksum, imported_at, entities, relations, listings,
           as_of, added, changed, ended FROM imports;
DROP TABLE imports;
ALTER TABLE imports_v10 RENAME TO imports;
CREATE INDEX imports_dataset_checksum ON imports(dataset, checksum);
CREATE INDEX imports_day ON imports(coalesce(as_of, substr(imported_at, 1, 10)));

-- One row per fact a release changed, written in the import's own transaction. Listing and
-- relation changes name their row (its list, programme and parties are read from it); a rename
-- keeps the old and the new name, new aliases and identifiers the values added (JSON arrays).
CREATE TABLE release_changes (
    iid        INTEGER NOT NULL REFERENCES imports(iid),
    change     TEXT NOT NULL,   -- entity_added, entity_removed, entity_renamed, aliases_added,
                                -- identifiers_added, listing_added, listing_ended,
                                -- relation_added, relation_ended
    entity_eid INTEGER NOT NULL REFERENCES entities(eid),
    lid        INTEGER,         -- listings(lid)
    rid        INTEGER,         -- relations(rid)
    before     TEXT,
    after      TEXT
);
CREATE INDEX release_changes_iid ON release_changes(iid);
CREATE INDEX release_changes_entity ON release_changes(entity_eid);
