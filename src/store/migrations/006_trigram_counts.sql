-- ownergraph schema, version 6: how many names hold each trigram, kept in a table of its own.
-- fts5vocab counts a term by walking its whole posting list, so asking it for the frequencies
-- of a query's trigrams cost ~20 ms at 1M names (a common trigram is in 100,000s of names);
-- the store keeps these counts up to date with every import (store/search.rs).
CREATE TABLE search_trigrams (
    term TEXT PRIMARY KEY,
    docs INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO search_trigrams (term, docs) SELECT term, doc FROM search_vocab;
