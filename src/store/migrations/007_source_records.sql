-- ownergraph schema, version 7: every record arrives whole and keeps its own id.
-- Entities keep every further fact their source states (FtM property name → values, JSON);
-- relations keep the source's own record id (FtM entity id, BODS statement id), which is then
-- their natural key (`id:…`) so two records between the same parties are never merged.
ALTER TABLE entities ADD COLUMN properties TEXT NOT NULL DEFAULT '{}';
ALTER TABLE relations ADD COLUMN record_id TEXT;
