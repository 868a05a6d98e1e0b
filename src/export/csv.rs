//! The CSV directory layout that `import --format csv` reads (see `import::csv_dir`): the
//! bundled layout's columns plus the optional `identifiers`, `addresses`, `birth_date`.

use crate::import::csv_dir::{
    identifier_cell, ENTITY_COLUMNS, ENTITY_EXTRA_COLUMNS, LISTING_COLUMNS, RELATION_COLUMNS,
};
use crate::store::Extract;
use std::io::Write;

/// One of the three files of a CSV directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Entities,
    Relations,
    Listings,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Entities, Table::Relations, Table::Listings];

    pub fn file_name(self) -> &'static str {
        match self {
            Table::Entities => "entities.csv",
            Table::Relations => "relations.csv",
            Table::Listings => "listings.csv",
        }
    }
}

impl std::str::FromStr for Table {
    type Err = String;
    fn from_str(s: &str) -> Result<Table, String> {
        match s {
            "entities" => Ok(Table::Entities),
            "relations" => Ok(Table::Relations),
            "listings" => Ok(Table::Listings),
            _ => Err(format!(
                "unknown table {s:?}; expected entities, relations or listings"
            )),
        }
    }
}

/// An entity's further facts as a JSON object, empty when it has none.
fn properties_cell(e: &crate::model::Entity) -> String {
    if e.properties.is_empty() {
        String::new()
    } else {
        serde_json::to_string(&e.properties).expect("a map of string lists serialises")
    }
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(|v| v.to_string()).unwrap_or_default()
}

/// Writes one table of `extract` as CSV with its header.
pub fn write(extract: &Extract, table: Table, out: &mut impl Write) -> std::io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    match table {
        Table::Entities => {
            w.write_record(ENTITY_COLUMNS.iter().chain(ENTITY_EXTRA_COLUMNS))?;
            for e in &extract.entities {
                let identifiers: Vec<String> = e.identifiers.iter().map(identifier_cell).collect();
                w.write_record([
                    e.id.as_str(),
                    &e.name,
                    e.schema.as_str(),
                    &e.countries.join("|"),
                    &e.aliases.join("|"),
                    e.notes.as_deref().unwrap_or_default(),
                    &opt(&e.confidence),
                    e.source.as_deref().unwrap_or_default(),
                    &identifiers.join("|"),
                    &e.addresses.join("|"),
                    e.birth_date.as_deref().unwrap_or_default(),
                    &properties_cell(e),
                ])?;
            }
        }
        Table::Relations => {
            w.write_record(RELATION_COLUMNS)?;
            for r in &extract.relations {
                w.write_record([
                    r.source.as_str(),
                    &r.target,
                    r.kind.as_str(),
                    &opt(&r.share),
                    &opt(&r.start_date),
                    &opt(&r.end_date),
                    r.notes.as_deref().unwrap_or_default(),
                    &opt(&r.confidence),
                    r.evidence.as_deref().unwrap_or_default(),
                    r.record_id.as_deref().unwrap_or_default(),
                ])?;
            }
        }
        Table::Listings => {
            w.write_record(LISTING_COLUMNS)?;
            for l in &extract.listings {
                w.write_record([
                    l.entity.as_str(),
                    &l.list,
                    &l.authority,
                    l.program.as_deref().unwrap_or_default(),
                    &opt(&l.start_date),
                    &opt(&l.end_date),
                    l.citation.as_deref().unwrap_or_default(),
                    l.license_requirement.as_deref().unwrap_or_default(),
                    l.license_review_policy.as_deref().unwrap_or_default(),
                    &opt(&l.confidence),
                ])?;
            }
        }
    }
    w.flush()
}
