-- ownergraph schema, version 1.
-- Entities carry an integer key (eid) so relations and listings join and load by integer.
CREATE TABLE entities (
    eid         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    schema      TEXT NOT NULL,
    name        TEXT NOT NULL,
    aliases     TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    countries   TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    identifiers TEXT NOT NULL DEFAULT '[]',  -- JSON array of {scheme, value}
    addresses   TEXT NOT NULL DEFAULT '[]',  -- JSON array of strings
    birth_date  TEXT,
    notes       TEXT,
    confidence  TEXT,
    source      TEXT,
    dataset     TEXT NOT NULL
);
CREATE INDEX entities_dataset ON entities(dataset);

CREATE TABLE relations (
    rid         INTEGER PRIMARY KEY,
    dataset     TEXT NOT NULL,
    natural_key TEXT NOT NULL,               -- kind|source|target|start_date
    source_eid  INTEGER NOT NULL REFERENCES entities(eid),
    target_eid  INTEGER NOT NULL REFERENCES entities(eid),
    kind        TEXT NOT NULL,
    share_lo    INTEGER,                     -- millionths of a percent
    share_hi    INTEGER,
    start_date  TEXT,
    end_date    TEXT,
    notes       TEXT,
    confidence  TEXT,
    evidence    TEXT,
    UNIQUE (dataset, natural_key)
);
CREATE INDEX relations_source ON relations(source_eid);
CREATE INDEX relations_target ON relations(target_eid);

CREATE TABLE listings (
    lid                   INTEGER PRIMARY KEY,
    dataset               TEXT NOT NULL,
    natural_key           TEXT NOT NULL,     -- entity|list|program|start_date
    entity_eid            INTEGER NOT NULL REFERENCES entities(eid),
    list                  TEXT NOT NULL,
    authority             TEXT NOT NULL,
    program               TEXT,
    start_date            TEXT,
    end_date              TEXT,
    citation              TEXT,
    license_requirement   TEXT,
    license_review_policy TEXT,
    confidence            TEXT,
    UNIQUE (dataset, natural_key)
);
CREATE INDEX listings_entity ON listings(entity_eid);
CREATE INDEX listings_list ON listings(list);

-- One row per distinct file imported into a dataset.
CREATE TABLE imports (
    iid         INTEGER PRIMARY KEY,
    dataset     TEXT NOT NULL,
    format      TEXT NOT NULL,
    path        TEXT NOT NULL,
    checksum    TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    entities    INTEGER NOT NULL,
    relations   INTEGER NOT NULL,
    listings    INTEGER NOT NULL,
    UNIQUE (dataset, checksum)
);
