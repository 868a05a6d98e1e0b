-- Interoperability (issue 5): what each import did, and the release date it stands for.
ALTER TABLE imports ADD COLUMN as_of TEXT;                       -- release date; NULL for partial imports
ALTER TABLE imports ADD COLUMN added INTEGER NOT NULL DEFAULT 0;   -- entities, relations, listings added
ALTER TABLE imports ADD COLUMN changed INTEGER NOT NULL DEFAULT 0; -- … changed
ALTER TABLE imports ADD COLUMN ended INTEGER NOT NULL DEFAULT 0;   -- relations and listings given an end date
CREATE INDEX relations_dataset_open ON relations(dataset) WHERE end_date IS NULL;
CREATE INDEX listings_dataset_open ON listings(dataset) WHERE end_date IS NULL;
