-- ownergraph schema, version 2: the name search index.
-- One row per distinct normalised name or alias of an entity. `norm` is computed in Rust
-- (search::normalise), so the rows are written by the store when it applies a batch, and the
-- whole index is rebuilt on open when `search_state.normaliser` differs from the binary's.
CREATE TABLE search_names (
    nid        INTEGER PRIMARY KEY,
    entity_eid INTEGER NOT NULL REFERENCES entities(eid),
    is_alias   INTEGER NOT NULL,
    name       TEXT NOT NULL,   -- as the source gives it
    norm       TEXT NOT NULL    -- normalised: folded case, accents, punctuation, legal forms
);
CREATE INDEX search_names_entity ON search_names(entity_eid);
CREATE INDEX search_names_norm ON search_names(norm);

-- Trigram full-text index over the normalised names (external content: search_names).
CREATE VIRTUAL TABLE search_fts USING fts5(
    norm, content = 'search_names', content_rowid = 'nid', tokenize = 'trigram'
);
CREATE TRIGGER search_names_ai AFTER INSERT ON search_names BEGIN
    INSERT INTO search_fts (rowid, norm) VALUES (new.nid, new.norm);
END;
CREATE TRIGGER search_names_ad AFTER DELETE ON search_names BEGIN
    INSERT INTO search_fts (search_fts, rowid, norm) VALUES ('delete', old.nid, old.norm);
END;

-- Trigram document frequencies, so a query can start from its rarest trigrams.
CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, row);

-- The normaliser version the index was built with; 0 = never built.
CREATE TABLE search_state (normaliser INTEGER NOT NULL);
INSERT INTO search_state (normaliser) VALUES (0);
