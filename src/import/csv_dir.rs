//! The CSV directory format: `entities.csv`, `relations.csv`, `listings.csv` with headers,
//! in the layout of the bundled `data/entity-list-2019/` (documented in the README).
//! It is also what `ownergraph export --format csv` writes.

use super::{non_empty, split_multi, ImportError};
use crate::model::{
    Batch, Confidence, Date, Entity, Identifier, InputError, Listing, Origin, Relation, RelationKind, Schema,
    Share,
};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const ENTITY_COLUMNS: &[&str] = &[
    "id",
    "name",
    "kind",
    "country",
    "aliases",
    "notes",
    "confidence",
    "source",
];
/// Columns an entities file may add to the bundled layout (written by the exporter).
pub const ENTITY_EXTRA_COLUMNS: &[&str] = &["identifiers", "addresses", "birth_date", "properties"];
pub const RELATION_COLUMNS: &[&str] = &[
    "source",
    "target",
    "kind",
    "share_percent",
    "start_date",
    "end_date",
    "notes",
    "confidence",
    "evidence",
    "record_id",
];
pub const LISTING_COLUMNS: &[&str] = &[
    "entity",
    "list",
    "authority",
    "program",
    "start_date",
    "end_date",
    "citation",
    "license_requirement",
    "license_review_policy",
    "confidence",
];

/// One CSV file being read: its path for messages and where each column is.
struct Table {
    file: Arc<str>,
    columns: HashMap<String, usize>,
    reader: csv::Reader<std::fs::File>,
}

impl Table {
    fn open(path: &Path, required: &[&str], optional: &[&str]) -> Result<Table, ImportError> {
        let file: Arc<str> = path.display().to_string().into();
        let handle = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(handle);
        let header_origin = Origin {
            file: file.clone(),
            line: 1,
        };
        let headers = reader
            .headers()
            .map_err(|e| InputError::new(&header_origin, "header", e.to_string()))?
            .clone();
        let mut columns = HashMap::new();
        for (i, name) in headers.iter().enumerate() {
            let name = name.trim().trim_start_matches('\u{feff}');
            if !required.contains(&name) && !optional.contains(&name) {
                return Err(InputError::new(
                    &header_origin,
                    name,
                    format!("unknown column; expected {}", required.join(", ")),
                )
                .into());
            }
            if columns.insert(name.to_string(), i).is_some() {
                return Err(InputError::new(&header_origin, name, "column appears twice").into());
            }
        }
        if let Some(missing) = required.iter().find(|c| !columns.contains_key(**c)) {
            return Err(InputError::new(&header_origin, missing, "required column is missing").into());
        }
        Ok(Table {
            file,
            columns,
            reader,
        })
    }

    /// Calls `f` with each row's origin and a field getter; stops at the first error.
    fn rows(
        &mut self,
        mut f: impl FnMut(&Origin, &dyn Fn(&str) -> String) -> Result<(), InputError>,
    ) -> Result<(), InputError> {
        let mut record = csv::StringRecord::new();
        loop {
            let line_before = self.reader.position().line();
            match self.reader.read_record(&mut record) {
                Ok(false) => return Ok(()),
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(line_before, |p| p.line());
                    let origin = Origin {
                        file: self.file.clone(),
                        line,
                    };
                    let message = match e.kind() {
                        csv::ErrorKind::UnequalLengths {
                            expected_len, len, ..
                        } => {
                            format!("expected {expected_len} fields, found {len}")
                        }
                        _ => e.to_string(),
                    };
                    return Err(InputError::new(&origin, "row", message));
                }
            }
            let origin = Origin {
                file: self.file.clone(),
                line: record.position().map_or(line_before, |p| p.line()),
            };
            let columns = &self.columns;
            let get = |name: &str| -> String {
                columns
                    .get(name)
                    .and_then(|i| record.get(*i))
                    .unwrap_or("")
                    .trim()
                    .to_string()
            };
            f(&origin, &get)?;
        }
    }
}

fn parse_field<T: std::str::FromStr<Err = String>>(
    origin: &Origin,
    field: &str,
    text: &str,
) -> Result<Option<T>, InputError> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|e| InputError::new(origin, field, e))
}

fn check_dates(origin: &Origin, start: Option<Date>, end: Option<Date>) -> Result<(), InputError> {
    match (start, end) {
        (Some(s), Some(e)) if e < s => Err(InputError::new(
            origin,
            "end_date",
            format!("{e} is before start_date {s}"),
        )),
        _ => Ok(()),
    }
}

/// Checks an entity id is usable in a URL path segment and a CSV cell.
pub fn check_id(origin: &Origin, field: &str, id: &str) -> Result<(), InputError> {
    if id.is_empty() {
        return Err(InputError::new(origin, field, "is empty"));
    }
    if let Some(c) = id
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '/' | '?' | '#' | '%' | '|'))
    {
        return Err(InputError::new(
            origin,
            field,
            format!("{id:?} contains {c:?}, which ids may not contain"),
        ));
    }
    Ok(())
}

/// Reads `scheme:value` cells, `|`-separated; `scheme[country]:value` names the issuing country.
fn parse_identifiers(origin: &Origin, text: &str) -> Result<Vec<Identifier>, InputError> {
    split_multi(text)
        .into_iter()
        .map(|part| {
            let bad = || {
                InputError::new(
                    origin,
                    "identifiers",
                    format!("{part:?} is not of the form scheme:value or scheme[country]:value"),
                )
            };
            // `]:` ends a country, which may itself hold a colon ("Region: Gaza").
            let (scheme, country, value) = match part.split_once("]:") {
                Some((head, value)) if head.contains('[') => {
                    let (scheme, country) = head.rsplit_once('[').ok_or_else(bad)?;
                    (scheme, Some(country.trim().to_string()), value)
                }
                _ => {
                    let (scheme, value) = part.split_once(':').ok_or_else(bad)?;
                    (scheme, None, value)
                }
            };
            Ok(Identifier {
                scheme: scheme.trim().to_string(),
                value: value.trim().to_string(),
                country,
            })
        })
        .collect()
}

/// Writes an identifier as [`parse_identifiers`] reads it back.
pub fn identifier_cell(identifier: &Identifier) -> String {
    match &identifier.country {
        Some(country) => format!("{}[{country}]:{}", identifier.scheme, identifier.value),
        None => format!("{}:{}", identifier.scheme, identifier.value),
    }
}

/// The files of a CSV directory, in the order of its checksum.
pub fn files(dir: &Path) -> [PathBuf; 3] {
    ["entities.csv", "relations.csv", "listings.csv"].map(|name| dir.join(name))
}

/// Reads a CSV directory. The dataset is named after the directory.
pub fn read(dir: &Path) -> Result<(Batch, Vec<PathBuf>), ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::io(
            dir,
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "not a directory with entities.csv, relations.csv, listings.csv",
            ),
        ));
    }
    let dataset = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "csv".to_string());
    let mut batch = Batch {
        dataset: dataset.clone(),
        ..Batch::default()
    };
    let [entities_path, relations_path, listings_path] = files(dir);

    let mut table = Table::open(
        &entities_path,
        &ENTITY_COLUMNS[..3],
        &[ENTITY_COLUMNS, ENTITY_EXTRA_COLUMNS].concat(),
    )?;
    let mut seen: HashMap<String, u64> = HashMap::new();
    table.rows(|origin, get| {
        let id = get("id");
        check_id(origin, "id", &id)?;
        if let Some(first) = seen.insert(id.clone(), origin.line) {
            return Err(InputError::new(
                origin,
                "id",
                format!("{id:?} already defined at line {first}"),
            ));
        }
        let schema: Schema = get("kind")
            .parse()
            .map_err(|e| InputError::new(origin, "kind", e))?;
        let name = get("name");
        if name.is_empty() {
            return Err(InputError::new(origin, "name", "is empty"));
        }
        let mut entity = Entity::new(&id, schema, &name, &dataset);
        entity.countries = split_multi(&get("country"));
        entity.aliases = split_multi(&get("aliases"));
        entity.notes = non_empty(&get("notes"));
        entity.confidence = parse_field::<Confidence>(origin, "confidence", &get("confidence"))?;
        entity.source = non_empty(&get("source"));
        entity.identifiers = parse_identifiers(origin, &get("identifiers"))?;
        entity.addresses = split_multi(&get("addresses"));
        entity.birth_date = non_empty(&get("birth_date"));
        let properties = get("properties");
        if !properties.trim().is_empty() {
            entity.properties = serde_json::from_str(&properties).map_err(|e| {
                InputError::new(
                    origin,
                    "properties",
                    format!("not a JSON object of lists of strings ({{\"weakAlias\": [\"…\"]}}): {e}"),
                )
            })?;
        }
        batch.entities.push((origin.clone(), entity));
        Ok(())
    })?;

    let mut table = Table::open(&relations_path, &RELATION_COLUMNS[..3], RELATION_COLUMNS)?;
    let mut keys: HashMap<String, u64> = HashMap::new();
    table.rows(|origin, get| {
        let source = get("source");
        let target = get("target");
        check_id(origin, "source", &source)?;
        check_id(origin, "target", &target)?;
        let kind: RelationKind = get("kind")
            .parse()
            .map_err(|e| InputError::new(origin, "kind", e))?;
        let mut relation = Relation::new(&source, &target, kind, &dataset);
        let share_text = get("share_percent");
        if !share_text.is_empty() {
            relation.share =
                Some(Share::parse(&share_text).map_err(|e| InputError::new(origin, "share_percent", e))?);
        }
        relation.start_date = parse_field(origin, "start_date", &get("start_date"))?;
        relation.end_date = parse_field(origin, "end_date", &get("end_date"))?;
        check_dates(origin, relation.start_date, relation.end_date)?;
        relation.notes = non_empty(&get("notes"));
        relation.confidence = parse_field(origin, "confidence", &get("confidence"))?;
        relation.evidence = non_empty(&get("evidence"));
        relation.record_id = non_empty(&get("record_id"));
        if let Some(first) = keys.insert(relation.natural_key(), origin.line) {
            return Err(InputError::new(
                origin,
                "row",
                match relation.record_id {
                    Some(_) => format!("same record_id as line {first}"),
                    None => format!("same relation (kind, source, target, start_date) as line {first}"),
                },
            ));
        }
        batch.relations.push((origin.clone(), relation));
        Ok(())
    })?;

    let mut table = Table::open(&listings_path, &LISTING_COLUMNS[..3], LISTING_COLUMNS)?;
    let mut keys: HashSet<String> = HashSet::new();
    table.rows(|origin, get| {
        let entity = get("entity");
        check_id(origin, "entity", &entity)?;
        let list = get("list");
        if list.is_empty() {
            return Err(InputError::new(origin, "list", "is empty"));
        }
        let authority = get("authority");
        if authority.is_empty() {
            return Err(InputError::new(origin, "authority", "is empty"));
        }
        let listing = Listing {
            entity,
            list,
            authority,
            program: non_empty(&get("program")),
            start_date: parse_field(origin, "start_date", &get("start_date"))?,
            end_date: parse_field(origin, "end_date", &get("end_date"))?,
            citation: non_empty(&get("citation")),
            license_requirement: non_empty(&get("license_requirement")),
            license_review_policy: non_empty(&get("license_review_policy")),
            confidence: parse_field(origin, "confidence", &get("confidence"))?,
            dataset: dataset.clone(),
        };
        check_dates(origin, listing.start_date, listing.end_date)?;
        if !keys.insert(listing.natural_key()) {
            return Err(InputError::new(
                origin,
                "row",
                "same listing (entity, list, program, start_date) appears twice",
            ));
        }
        batch.listings.push((origin.clone(), listing));
        Ok(())
    })?;

    Ok((batch, vec![entities_path, relations_path, listings_path]))
}
