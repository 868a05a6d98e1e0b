-- ownergraph schema, version 5: the store writes the trigram index itself, a few set-wise
-- statements per import (store/search.rs `index_batch`), instead of a trigger per name row:
-- row-by-row FTS5 writes made every later statement of an import flush a tiny segment.
DROP TRIGGER IF EXISTS search_names_ai;
DROP TRIGGER IF EXISTS search_names_ad;
