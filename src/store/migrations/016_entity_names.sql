-- ownergraph schema, version 16: an entity's names for search are one row, `entity_names`,
-- instead of a row per name. An import wrote a `search_names` row and an index entry for each
-- name (3,869 for the UN list's 877 entries); now it writes one row per entity, keyed by its
-- eid. `names` is a JSON array of [is_alias (0 or 1), name as the source gives it, normalised
-- form], in the entity's order of names. The rows are written again from `entities` on the
-- next open (search_state.normaliser reset), as after any change of normaliser.
DROP TABLE IF EXISTS search_names;
CREATE TABLE entity_names (
    entity_eid INTEGER PRIMARY KEY REFERENCES entities(eid),
    names      TEXT NOT NULL
);
UPDATE search_state SET normaliser = 0, generation = generation + 1;
