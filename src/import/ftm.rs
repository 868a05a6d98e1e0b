//! FollowTheMoney JSON lines, the format of OpenSanctions and Aleph: one entity per line,
//! `{"id", "schema", "properties": {name: [values]}}`.
//!
//! Property names are those of the followthemoney model's YAML schemata (`Thing`,
//! `LegalEntity`, `Person`, `Vessel`, `Interval`, `Interest`, `Ownership`, `Sanction`…).
//! Things of the seven modelled schemata become entities; link schemata become relations;
//! `Sanction` becomes a listing. A link may come before the entities it names. Fragments of
//! one entity on several lines (as Aleph streams them) are merged. Schemata ownergraph does
//! not model are counted by name, never silently dropped, and links to entities of such
//! schemata are counted as `Schema → OtherSchema`.

use super::csv_dir::check_id;
use super::ImportError;
use crate::model::{
    prop, Batch, Date, Entity, Identifier, InputError, Listing, Origin, Pct, Relation, RelationKind, Schema,
    Share,
};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

/// A link schema: its source and target properties and the relation it becomes.
pub struct LinkSchema {
    pub schema: &'static str,
    pub source: &'static str,
    pub target: &'static str,
    pub kind: RelationKind,
    /// The property holding the nature of the link, kept in the relation's notes.
    pub detail: &'static str,
}

/// The link schemata read, with the relation kind each becomes (documented in the README).
pub const LINKS: &[LinkSchema] = &[
    LinkSchema {
        schema: "Ownership",
        source: "owner",
        target: "asset",
        kind: RelationKind::Owns,
        detail: "role",
    },
    LinkSchema {
        schema: "Control",
        source: "controller",
        target: "controlled",
        kind: RelationKind::Controls,
        detail: "controlType",
    },
    LinkSchema {
        schema: "Directorship",
        source: "director",
        target: "organization",
        kind: RelationKind::DirectorOf,
        detail: "role",
    },
    LinkSchema {
        schema: "Employment",
        source: "employee",
        target: "employer",
        kind: RelationKind::AssociateOf,
        detail: "role",
    },
    LinkSchema {
        schema: "Membership",
        source: "member",
        target: "organization",
        kind: RelationKind::AssociateOf,
        detail: "role",
    },
    LinkSchema {
        schema: "Family",
        source: "person",
        target: "relative",
        kind: RelationKind::FamilyOf,
        detail: "relationship",
    },
    LinkSchema {
        schema: "Associate",
        source: "person",
        target: "associate",
        kind: RelationKind::AssociateOf,
        detail: "relationship",
    },
    LinkSchema {
        schema: "UnknownLink",
        source: "subject",
        target: "object",
        kind: RelationKind::LinkedTo,
        detail: "role",
    },
    LinkSchema {
        schema: "Representation",
        source: "agent",
        target: "client",
        kind: RelationKind::AssociateOf,
        detail: "role",
    },
    LinkSchema {
        schema: "Succession",
        source: "predecessor",
        target: "successor",
        kind: RelationKind::LinkedTo,
        detail: "role",
    },
];

/// Identifier properties of Things, kept with the property name as their scheme.
pub const IDENTIFIER_PROPERTIES: &[&str] = &[
    "registrationNumber",
    "idNumber",
    "taxNumber",
    "vatCode",
    "leiCode",
    "innCode",
    "ogrnCode",
    "okpoCode",
    "kppCode",
    "dunsCode",
    "uscCode",
    "swiftBic",
    "bikCode",
    "cageCode",
    "permId",
    "isinCode",
    "imoNumber",
    "mmsi",
    "callSign",
    "passportNumber",
    "socialSecurityNumber",
    "serialNumber",
    "icaoCode",
    "website",
    "email",
    "phone",
];

/// Properties kept under their own name in [`Entity::properties`].
const KEPT_PROPERTIES: &[&str] = &[
    prop::WEAK_ALIAS,
    prop::PREVIOUS_NAME,
    prop::BIRTH_PLACE,
    prop::TITLE,
    prop::POSITION,
    prop::GENDER,
    prop::PROGRAM,
    prop::TONNAGE,
    prop::GROSS_TONNAGE,
    prop::VESSEL_TYPE,
    prop::BUILD_DATE,
    prop::INCORPORATION_DATE,
];

/// Country properties of Things, in the order they are kept.
const COUNTRY_PROPERTIES: &[&str] = &[
    "country",
    "jurisdiction",
    "mainCountry",
    "nationality",
    "citizenship",
    "flag",
];

/// What the followthemoney package writes per line; other keys (`caption`, `datasets`,
/// `referents`, `first_seen`…) are ignored.
#[derive(Deserialize)]
struct Line {
    id: String,
    schema: String,
    #[serde(default)]
    properties: HashMap<String, Vec<String>>,
}

type Properties = HashMap<String, Vec<String>>;

/// A line kept until every line has been read (links may precede their entities).
struct Pending {
    origin: Origin,
    id: String,
    schema: String,
    properties: Properties,
}

/// What reading a FollowTheMoney file found besides the batch.
#[derive(Debug, Default)]
pub struct FtmSummary {
    /// Entities of schemata ownergraph does not model, and links to them, by schema name.
    pub skipped: BTreeMap<String, u64>,
}

fn first<'a>(properties: &'a Properties, name: &str) -> Option<&'a str> {
    properties
        .get(name)
        .and_then(|values| values.iter().map(|v| v.trim()).find(|v| !v.is_empty()))
}

fn all<'a>(properties: &'a Properties, name: &str) -> impl Iterator<Item = &'a str> {
    properties
        .get(name)
        .into_iter()
        .flatten()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
}

fn push_unique(into: &mut Vec<String>, value: &str) {
    if !into.iter().any(|v| v == value) {
        into.push(value.to_string());
    }
}

/// A FollowTheMoney date (`2019`, `2019-10`, `2019-10-09`, `2019-10-09T12:00:00`): the day
/// when it names one, else `None` and the partial text is for the notes.
fn day_of(text: &str) -> Option<Date> {
    text.get(..10).and_then(|d| d.parse().ok())
}

/// A FollowTheMoney percentage (a number as text), truncated to the six decimals `Pct` holds.
pub fn parse_percentage(text: &str) -> Result<Share, String> {
    let text = text.trim().trim_end_matches('%');
    let truncated = match text.split_once('.') {
        Some((whole, frac)) if frac.len() > 6 => format!("{whole}.{}", &frac[..6]),
        _ => text.to_string(),
    };
    truncated
        .parse::<Pct>()
        .map(Share::exact)
        .map_err(|_| format!("{text:?} is not a percentage between 0 and 100"))
}

/// Reads the kind and share an `UnknownLink` role names, as `export --format ftm` writes them
/// for relations FollowTheMoney has no schema for: `owns 38.88%`, `is subordinate of`.
pub fn kind_from_role(role: &str) -> Option<(RelationKind, Option<Share>)> {
    let mut kinds = RelationKind::ALL;
    kinds.sort_by_key(|k| std::cmp::Reverse(k.label().len()));
    kinds.into_iter().find_map(|kind| {
        let rest = role.strip_prefix(kind.label())?;
        if rest.is_empty() {
            return Some((kind, None));
        }
        let share = rest.strip_prefix(' ')?.strip_suffix('%')?;
        Share::parse(share).ok().map(|s| (kind, Some(s)))
    })
}

/// The parts of an `Address` that make its text when `full` is missing, in reading order.
const ADDRESS_PARTS: &[&str] = &[
    "street",
    "street2",
    "postOfficeBox",
    "city",
    "postalCode",
    "region",
    "state",
];

fn to_entity(p: &Pending, schema: Schema, dataset: &str) -> Result<Entity, InputError> {
    let props = &p.properties;
    let name = match first(props, "name") {
        Some(name) => name.to_string(),
        // An Address is named by its text (`full`) or its parts.
        None if schema == Schema::Address => {
            let parts: Vec<&str> = ADDRESS_PARTS.iter().filter_map(|k| first(props, k)).collect();
            match first(props, "full") {
                Some(full) => full.to_string(),
                None if !parts.is_empty() => parts.join(", "),
                None => {
                    return Err(InputError::new(
                        &p.origin,
                        "properties.full",
                        "missing; an Address needs its text (full) or its parts (street, city…)",
                    ))
                }
            }
        }
        None => {
            let parts: Vec<&str> = ["firstName", "middleName", "lastName"]
                .iter()
                .filter_map(|k| first(props, k))
                .collect();
            if parts.is_empty() {
                return Err(InputError::new(
                    &p.origin,
                    "properties.name",
                    format!("missing; a {} needs a name (or firstName/lastName)", p.schema),
                ));
            }
            parts.join(" ")
        }
    };
    let mut entity = Entity::new(&p.id, schema, &name, dataset);
    for key in ["name", "alias"] {
        for alias in all(props, key) {
            if alias != name {
                push_unique(&mut entity.aliases, alias);
            }
        }
    }
    // Facts kept as the file states them: weak aliases and former names stay apart from
    // aliases, as the list that published them marked them.
    for key in KEPT_PROPERTIES {
        for value in all(props, key) {
            entity.add_property(key, value);
        }
    }
    for extra in all(props, "birthDate").skip(1) {
        entity.add_property(prop::BIRTH_DATE, extra);
    }
    for key in COUNTRY_PROPERTIES {
        for country in all(props, key) {
            push_unique(&mut entity.countries, country);
        }
    }
    for key in IDENTIFIER_PROPERTIES {
        for value in all(props, key) {
            let identifier = Identifier {
                scheme: key.to_string(),
                value: value.to_string(),
                country: None,
            };
            if !entity.identifiers.contains(&identifier) {
                entity.identifiers.push(identifier);
            }
        }
    }
    for address in all(props, "address") {
        push_unique(&mut entity.addresses, address);
    }
    entity.birth_date = first(props, "birthDate").map(str::to_string);
    let notes: Vec<&str> = ["summary", "description", "notes"]
        .iter()
        .flat_map(|k| all(props, k))
        .collect();
    if !notes.is_empty() {
        entity.notes = Some(notes.join("; "));
    }
    entity.source = first(props, "sourceUrl")
        .or_else(|| first(props, "publisher"))
        .map(str::to_string);
    Ok(entity)
}

/// The dates of an interval, with partial dates kept for the notes.
fn interval(p: &Pending, notes: &mut Vec<String>) -> (Option<Date>, Option<Date>) {
    let mut date = |key: &str| {
        let text = first(&p.properties, key)?;
        let day = day_of(text);
        if day.is_none() {
            notes.push(format!("{key} {text}"));
        }
        day
    };
    let start = date("startDate");
    let end = date("endDate");
    match (start, end) {
        (Some(s), Some(e)) if e < s => (Some(s), None),
        other => other,
    }
}

fn endpoints<'a>(p: &'a Pending, property: &str) -> Result<Vec<&'a str>, InputError> {
    let ids: Vec<&str> = all(&p.properties, property).collect();
    if ids.is_empty() {
        return Err(InputError::new(
            &p.origin,
            &format!("properties.{property}"),
            format!("missing; a {} names its {property}", p.schema),
        ));
    }
    for id in &ids {
        check_id(&p.origin, &format!("properties.{property}"), id)?;
    }
    Ok(ids)
}

fn to_relations(p: &Pending, link: &LinkSchema, dataset: &str) -> Result<Vec<Relation>, InputError> {
    let props = &p.properties;
    let sources = endpoints(p, link.source)?;
    let targets = endpoints(p, link.target)?;
    let mut kind = link.kind;
    let mut share = None;
    let mut notes = Vec::new();
    // A role that names a kind (as `export --format ftm` writes it) gives the kind of an
    // UnknownLink and the share a percentage cannot hold (a range).
    let role_kind = first(props, "role")
        .and_then(kind_from_role)
        .filter(|(k, _)| link.schema == "UnknownLink" || *k == link.kind);
    if let Some((k, s)) = role_kind {
        kind = k;
        share = s;
    }
    let detail = first(props, link.detail).filter(|_| !(link.detail == "role" && role_kind.is_some()));
    let named_by_kind = matches!(
        link.schema,
        "Ownership" | "Control" | "Directorship" | "UnknownLink" | "Family" | "Associate"
    );
    match detail {
        Some(d) if named_by_kind => notes.push(d.to_string()),
        Some(d) => notes.push(format!("{}: {d}", link.schema)),
        None if !named_by_kind => notes.push(link.schema.to_string()),
        None => {}
    }
    if let Some(text) = first(props, "percentage") {
        share =
            Some(parse_percentage(text).map_err(|e| InputError::new(&p.origin, "properties.percentage", e))?);
    }
    for key in ["ownershipType", "legalBasis", "status"] {
        if let Some(value) = first(props, key) {
            notes.push(format!("{key}: {value}"));
        }
    }
    let (start_date, end_date) = interval(p, &mut notes);
    notes.extend(all(props, "summary").map(str::to_string));
    let notes = (!notes.is_empty()).then(|| notes.join("; "));
    let evidence = first(props, "sourceUrl")
        .or_else(|| first(props, "publisher"))
        .map(str::to_string);
    let mut out = Vec::with_capacity(sources.len() * targets.len());
    let single = sources.len() * targets.len() == 1;
    for source in &sources {
        for target in &targets {
            let mut relation = Relation::new(source, target, kind, dataset);
            // The link's own id is its key: two links between the same parties stay two.
            relation.record_id = Some(if single {
                p.id.clone()
            } else {
                format!("{}.{source}.{target}", p.id)
            });
            relation.share = share;
            relation.start_date = start_date;
            relation.end_date = end_date;
            relation.notes = notes.clone();
            relation.evidence = evidence.clone();
            out.push(relation);
        }
    }
    Ok(out)
}

fn to_listings(p: &Pending, dataset: &str) -> Result<Vec<Listing>, InputError> {
    let props = &p.properties;
    let entities = endpoints(p, "entity")?;
    let program = first(props, "program");
    let list = first(props, "programId")
        .or(program)
        .or_else(|| first(props, "authority"))
        .unwrap_or("Sanctions")
        .to_string();
    let authority = first(props, "authority").unwrap_or("unknown").to_string();
    let mut notes = Vec::new();
    let (mut start_date, end_date) = interval(p, &mut notes);
    if start_date.is_none() {
        start_date = first(props, "listingDate").and_then(day_of);
    }
    let citation = [first(props, "sourceUrl"), first(props, "reason")]
        .into_iter()
        .flatten()
        .chain(notes.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("; ");
    Ok(entities
        .into_iter()
        .map(|entity| Listing {
            entity: entity.to_string(),
            list: list.clone(),
            authority: authority.clone(),
            program: program.filter(|p| *p != list).map(str::to_string),
            start_date,
            end_date,
            citation: (!citation.is_empty()).then(|| citation.clone()),
            license_requirement: first(props, "provisions").map(str::to_string),
            license_review_policy: first(props, "summary").map(str::to_string),
            confidence: None,
            dataset: dataset.to_string(),
        })
        .collect())
}

/// The dataset a file names by default: its name up to the first dot (`sanctions.ftm.json`
/// → `sanctions`).
pub fn default_dataset(path: &Path) -> String {
    path.file_name()
        .map(|n| {
            n.to_string_lossy()
                .split('.')
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "ftm".to_string())
}

/// Reads a FollowTheMoney JSON lines file. `progress` is told the bytes read so far.
pub fn read(path: &Path, progress: &dyn Fn(u64)) -> Result<(Batch, FtmSummary), ImportError> {
    let dataset = default_dataset(path);
    let file: Arc<str> = path.display().to_string().into();
    let handle = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, handle);
    let mut things: Vec<Pending> = Vec::new();
    // Ids and keys are the file's own, a million at scale: hashbrown's fast hasher, not SipHash.
    let mut thing_at: hashbrown::HashMap<String, usize> = hashbrown::HashMap::new();
    let mut links: Vec<(Pending, &'static LinkSchema)> = Vec::new();
    let mut sanctions: Vec<Pending> = Vec::new();
    let mut other_schema: hashbrown::HashMap<String, String> = hashbrown::HashMap::new();
    let mut summary = FtmSummary::default();

    let mut raw = Vec::new();
    let mut line_no = 0u64;
    let mut bytes = 0u64;
    loop {
        raw.clear();
        let n = reader
            .read_until(b'\n', &mut raw)
            .map_err(|e| ImportError::io(path, e))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let text = super::utf8_text(&file, &raw, line_no)?;
        bytes += n as u64;
        if line_no.is_multiple_of(4096) {
            progress(bytes);
        }
        let origin = Origin {
            file: file.clone(),
            line: line_no,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(trimmed).map_err(|e| {
            let field = match e.classify() {
                serde_json::error::Category::Data if e.to_string().contains("sequence") => "properties",
                serde_json::error::Category::Data => "entity",
                _ => "line",
            };
            InputError::new(&origin, field, format!("not a FollowTheMoney entity: {e}"))
        })?;
        check_id(&origin, "id", &line.id)?;
        let pending = Pending {
            origin,
            id: line.id,
            schema: line.schema,
            properties: line.properties,
        };
        if pending.schema.parse::<Schema>().is_ok() {
            match thing_at.get(&pending.id) {
                Some(&i) => {
                    let earlier = &mut things[i];
                    if earlier.schema != pending.schema {
                        return Err(InputError::new(
                            &pending.origin,
                            "schema",
                            format!(
                                "{} is a {} here but a {} at line {}",
                                pending.id, pending.schema, earlier.schema, earlier.origin.line
                            ),
                        )
                        .into());
                    }
                    for (key, values) in pending.properties {
                        let into = earlier.properties.entry(key).or_default();
                        for value in values {
                            if !into.contains(&value) {
                                into.push(value);
                            }
                        }
                    }
                }
                None => {
                    thing_at.insert(pending.id.clone(), things.len());
                    things.push(pending);
                }
            }
        } else if let Some(link) = LINKS.iter().find(|l| l.schema == pending.schema) {
            links.push((pending, link));
        } else if pending.schema == "Sanction" {
            sanctions.push(pending);
        } else {
            *summary.skipped.entry(pending.schema.clone()).or_default() += 1;
            other_schema.insert(pending.id, pending.schema);
        }
    }
    progress(bytes);

    let mut batch = Batch {
        dataset: dataset.clone(),
        entities: Vec::with_capacity(things.len()),
        relations: Vec::with_capacity(links.len()),
        ..Batch::default()
    };
    for p in &things {
        let schema: Schema = p
            .schema
            .parse()
            .expect("things were chosen by parsing their schema");
        let entity = to_entity(p, schema, &dataset)?;
        batch.entities.push((p.origin.clone(), entity));
    }
    // A link or sanction naming an entity of an unmodelled schema is counted, not applied.
    let unmodelled = |ids: &[&str]| ids.iter().find_map(|id| other_schema.get(*id).cloned());
    let mut relation_at: hashbrown::HashMap<String, usize> = hashbrown::HashMap::with_capacity(links.len());
    // A thing's `addressEntity` names the Address it is at: a relation, so the parties
    // sharing one address are linked through it.
    for p in &things {
        for address in all(&p.properties, "addressEntity") {
            check_id(&p.origin, "properties.addressEntity", address)?;
            if let Some(other) = unmodelled(&[address]) {
                *summary
                    .skipped
                    .entry(format!("addressEntity → {other}"))
                    .or_default() += 1;
                continue;
            }
            let relation = Relation::new(&p.id, address, RelationKind::HasAddress, &dataset);
            if let hashbrown::hash_map::Entry::Vacant(at) = relation_at.entry(relation.natural_key()) {
                at.insert(batch.relations.len());
                batch.relations.push((p.origin.clone(), relation));
            }
        }
    }
    for (p, link) in &links {
        for relation in to_relations(p, link, &dataset)? {
            if let Some(other) = unmodelled(&[&relation.source, &relation.target]) {
                *summary
                    .skipped
                    .entry(format!("{} → {other}", link.schema))
                    .or_default() += 1;
                continue;
            }
            // Two links that ownergraph reads as the same relation (say an Employment and a
            // Membership between the same two parties) become one, their notes joined.
            match relation_at.entry(relation.natural_key()) {
                hashbrown::hash_map::Entry::Occupied(at) => {
                    let kept = &mut batch.relations[*at.get()].1;
                    if let Some(extra) = relation.notes.filter(|n| kept.notes.as_ref() != Some(n)) {
                        kept.notes = Some(match kept.notes.take() {
                            Some(n) => format!("{n}; {extra}"),
                            None => extra,
                        });
                    }
                    kept.share = kept.share.or(relation.share);
                }
                hashbrown::hash_map::Entry::Vacant(at) => {
                    at.insert(batch.relations.len());
                    batch.relations.push((p.origin.clone(), relation));
                }
            }
        }
    }
    let mut listing_keys = hashbrown::HashSet::new();
    for p in &sanctions {
        for listing in to_listings(p, &dataset)? {
            if let Some(other) = unmodelled(&[&listing.entity]) {
                *summary.skipped.entry(format!("Sanction → {other}")).or_default() += 1;
                continue;
            }
            if listing_keys.insert(listing.natural_key()) {
                batch.listings.push((p.origin.clone(), listing));
            }
        }
    }
    Ok((batch, summary))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_name_kinds_and_shares() {
        for (role, kind, share) in [
            ("owns", Some(RelationKind::Owns), None),
            ("owns 38.88%", Some(RelationKind::Owns), Some("38.88")),
            ("owns 10-20%", Some(RelationKind::Owns), Some("10-20")),
            ("is subordinate of", Some(RelationKind::SubordinateOf), None),
            ("controls", Some(RelationKind::Controls), None),
            ("invested in", Some(RelationKind::InvestedIn), None),
            ("shareholder", None, None),
            ("owns a lot", None, None),
        ] {
            let got = kind_from_role(role);
            assert_eq!(got.map(|g| g.0), kind, "{role}");
            assert_eq!(
                got.and_then(|g| g.1).map(|s| s.to_string()).as_deref(),
                share,
                "{role}"
            );
        }
    }

    #[test]
    fn percentages_and_dates() {
        assert_eq!(parse_percentage("75").unwrap().to_string(), "75");
        assert_eq!(parse_percentage("33.33333333").unwrap().to_string(), "33.333333");
        assert_eq!(parse_percentage("100.0").unwrap().to_string(), "100");
        assert!(parse_percentage("120").is_err());
        assert!(parse_percentage("most").is_err());
        assert_eq!(day_of("2019-10-09T00:00:00").unwrap().to_string(), "2019-10-09");
        assert_eq!(day_of("2019-10"), None);
        assert_eq!(default_dataset(Path::new("/x/us_ofac.ftm.json")), "us_ofac");
    }
}
