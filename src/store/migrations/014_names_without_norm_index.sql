-- ownergraph schema, version 14. No query looks names up by their normalised form (search goes
-- through the trigram index, screening and suggestions through memory), and its index cost
-- every import a text-keyed insert per name.
DROP INDEX IF EXISTS search_names_norm;
