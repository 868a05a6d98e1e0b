-- ownergraph schema, version 15: name search indexes the rows of search_names in memory
-- (search/index.rs), built again when search_state.generation moves. The FTS5 trigram index
-- and its trigram counts were most of every import's cost, and no query reads them any more.
DROP TABLE IF EXISTS search_trigrams;
DROP TABLE IF EXISTS search_vocab;
DROP TABLE IF EXISTS search_fts;
ALTER TABLE search_state ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
