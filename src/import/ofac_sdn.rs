//! OFAC's legacy `sdn.csv`: twelve columns, no header, `-0-` for empty (layout in the README).
//!
//! Entity ids are `ofac-<ent_num>`. Each programme becomes a listing on the "SDN List"; the
//! Remarks column is split into facts: aliases (`a.k.a.`, `f.k.a.`, `n.k.a.`), dates of birth,
//! nationality, identifiers, and `Linked To: NAME` links, resolved by name or alias.
//!
//! The same entries are what [`super::ofac_csv`] reads from OFAC's CSV set: it merges its other
//! files' rows into the [`Entries`] read here before their Remarks are parsed and the batch is
//! built, so both formats give one dataset by one code path.

use super::{ImportError, LinkResolution};
use crate::model::{
    prop, Batch, Confidence, Entity, Identifier, InputError, Listing, Origin, Relation, RelationKind, Schema,
};
// Keys are the file's own ent_nums and names: hashbrown's fast hasher, not SipHash.
use hashbrown::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

pub const DATASET: &str = "ofac-sdn";
pub const LIST: &str = "SDN List";
pub const AUTHORITY: &str = "OFAC";

/// OFAC's identifier types (the idTypes of its XML that identify a party, as the Remarks of
/// sdn.csv write them too), in byte order for a binary search. Shared by the OFAC readers.
pub(crate) const IDENTIFIER_TYPES: &[&str] = &[
    "Aircraft Construction Number (also called L/N or S/N or F/N)",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "Aircraft Mode S Transponder Code",
    "Aircraft Serial Identification",
    "Aircraft Tail Number",
    "BIK (RU)",
    "Birth Certificate Number",
    "Branch Unit Number",
    "Business Number",
    "Business Registration Document #",
    "Business Registration Number",
    "C.R. No.",
    "C.U.I.",
    "C.U.I.P.",
    "C.U.R.P.",
    "Cartilla de Servicio Militar Nacional",
    "Cedula No.",
    "Central Registration System Number",
    "Certificate of Incorporation Number",
    "Chamber of Commerce Number",
    "Chinese Commercial Code",
    "Commercial Registry Number",
    "Company Number",
    "Credencial electoral",
    "D-U-N-S Number",
    "D.N.I.",
    "Diplomatic Passport",
    "Driver's License No.",
    "Dubai Chamber of Commerce Membership No.",
    "Economic Register Number (CBLS)",
    "Electoral Registry No.",
    "Enterprise Number",
    "Equity Ticker",
    "Folio Mercantil No.",
    "Government Gazette Number",
    "I.F.E.",
    "ISIN",
    "Identification Number",
    "Istanbul Chamber of Comm. No.",
    "Italian Fiscal Code",
    "Kenyan ID No.",
    "Legal Entity Number",
    "License",
    "MICEX Code",
    "MMSI",
    "Matricula Mercantil No",
    "NIT #",
    "National Foreign ID Number",
    "National ID No.",
    "Passport",
    "Permit Number",
    "Personal ID Card",
    "Previous Aircraft Tail Number",
    "Public Registration Number",
    "Public Security and Immigration No.",
    "R.F.C.",
    "RFC",
    "RIF #",
    "RUC #",
    "Refugee ID Card",
    "Registered Charity No.",
    "Registration ID",
    "Registration Number",
    "Residency Number",
    "SSN",
    "SWIFT/BIC",
    "Stateless Person ID Card",
    "Stateless Person Passport",
    "Tax ID No.",
    "Trade License No.",
    "Travel Document Number",
    "UK Company Number",
    "UN/LOCODE",
    "US FEIN",
    "Unified Social Credit Code (USCC)",
    "V.A.T. Number",
    "Vessel Registration Identification",
];

/// Labels the Remarks of sdn.csv write before a value that OFAC's XML gives as facts rather than
/// identifier types (contact details, aircraft facts, IMO): kept as identifiers by this reader.
const REMARK_SCHEMES: &[&str] = &[
    "Aircraft Manufacture Date",
    "Aircraft Model",
    "Aircraft Operator",
    "Email Address",
    "Email:",
    "Fax:",
    "Fax",
    "IMO",
    "Phone Number",
    "Telephone No.",
    "Telephone:",
    "Website",
];

/// The columns of OFAC's legacy `sdn.csv`, for the message that refuses another layout.
pub(super) const SDN_COLUMNS: [&str; 12] = [
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
];

/// One SDN entry: its `sdn.csv` fields read, its Remarks kept as text until
/// [`Entries::parse_remarks`] (a CSV set continues them from `sdn_comments.csv` first).
pub(super) struct Row {
    pub(super) origin: Origin,
    pub(super) ent_num: String,
    pub(super) entity: Entity,
    programs: Vec<String>,
    /// The Remarks as written, untrimmed at the end, so a continuation joins mid-word.
    pub(super) remarks: String,
    /// Facts without a field of their own; joined into `entity.notes` when the batch is built.
    pub(super) notes: Vec<String>,
    links: Vec<String>,
}

/// Bytes per entry of a current `sdn.csv` (about 260 in 2024): its tables are sized once from
/// the file's length, so a small file does not reserve room for a whole list.
const BYTES_PER_ENTRY: u64 = 256;

/// A field's text, `None` for empty or OFAC's `-0-`.
pub(super) fn field(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty() && value != "-0-").then(|| value.to_string())
}

/// The key names are matched on: upper case, single spaces, no trailing full stop.
pub(crate) fn name_key(name: &str) -> String {
    // One pass, one allocation: OFAC XML matches a few hundred thousand names per release.
    let mut key = String::with_capacity(name.len());
    for word in name.trim().trim_end_matches('.').split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        if word.is_ascii() {
            let start = key.len();
            key.push_str(word);
            key[start..].make_ascii_uppercase();
        } else {
            key.extend(word.chars().flat_map(char::to_uppercase));
        }
    }
    key
}

/// Splits Remarks into facts at `;`, keeping a quoted alias whole even if it holds a `;`.
fn split_remarks(remarks: &str) -> Vec<&str> {
    let mut facts = Vec::new();
    let mut rest = remarks.trim();
    while !rest.is_empty() {
        let plain = rest.trim_start_matches("alt. ");
        let quoted = ["a.k.a. '", "f.k.a. '", "n.k.a. '"]
            .iter()
            .any(|p| plain.starts_with(p));
        let end = if quoted {
            let open = rest.find('\'').map_or(0, |i| i + 1);
            rest[open..]
                .find("';")
                .map(|i| open + i + 1)
                .or_else(|| rest.find(';'))
                .unwrap_or(rest.len())
        } else {
            rest.find(';').unwrap_or(rest.len())
        };
        let fact = rest[..end].trim();
        if !fact.is_empty() {
            facts.push(fact);
        }
        rest = rest[end..].trim_start_matches(';').trim_start();
    }
    if let Some(last) = facts.last_mut() {
        *last = last.strip_suffix('.').unwrap_or(last).trim_end();
    }
    facts
}

/// "10 Dec 1948" → "1948-12-10", "Dec 1948" → "1948-12", "1948" → "1948"; `None` otherwise.
fn iso_partial_date(text: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = text.split_whitespace().collect();
    let year = |s: &str| (s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.to_string());
    let month = |s: &str| MONTHS.iter().position(|m| *m == s).map(|i| i + 1);
    match parts.as_slice() {
        [y] => year(y),
        [m, y] => Some(format!("{}-{:02}", year(y)?, month(m)?)),
        [d, m, y] => {
            let day: u32 = d.parse().ok().filter(|d| (1..=31).contains(d))?;
            Some(format!("{}-{:02}-{day:02}", year(y)?, month(m)?))
        }
        _ => None,
    }
}

/// Reads an identifier fact: scheme, value, optional "(Country)", optional issue/expiry note.
fn parse_identifier(fact: &str) -> Option<(Identifier, Option<String>)> {
    // The longest label that starts the fact ("Aircraft Tail Number" before "Aircraft …").
    let scheme = IDENTIFIER_TYPES
        .iter()
        .chain(REMARK_SCHEMES)
        // Most facts start with none of them: the first byte rules most labels out cheaply.
        .filter(|s| fact.as_bytes().first() == s.as_bytes().first() && fact.starts_with(**s))
        .max_by_key(|s| s.len())?;
    let mut value = fact[scheme.len()..].trim();
    if value.is_empty() {
        return None;
    }
    let mut note = None;
    for marker in [" issued ", " expires "] {
        if let Some(i) = value.find(marker) {
            note = Some(value[i + 1..].to_string());
            value = value[..i].trim();
        }
    }
    let mut country = None;
    if value.ends_with(')') {
        if let Some(open) = value.rfind(" (") {
            country = Some(value[open + 2..value.len() - 1].to_string());
            value = value[..open].trim();
        }
    }
    let scheme = scheme.trim_end_matches(':').to_string();
    Some((
        Identifier {
            scheme,
            value: value.to_string(),
            country,
        },
        note,
    ))
}

/// Applies one Remarks fact to the entity; returns a link name for `Linked To:`.
fn apply_fact(entity: &mut Entity, fact: &str, notes: &mut Vec<String>) -> Option<String> {
    let plain = fact.strip_prefix("alt. ").unwrap_or(fact);
    for prefix in ["a.k.a. ", "f.k.a. ", "n.k.a. "] {
        if let Some(alias) = plain.strip_prefix(prefix) {
            let alias = alias
                .trim()
                .trim_start_matches('\'')
                .trim_end_matches('\'')
                .trim();
            if !alias.is_empty() && !entity.aliases.iter().any(|a| a == alias) {
                entity.aliases.push(alias.to_string());
            }
            if prefix != "a.k.a. " {
                notes.push(fact.to_string());
            }
            return None;
        }
    }
    if let Some(name) = plain.strip_prefix("Linked To:") {
        return Some(name.trim().to_string());
    }
    if let Some(dob) = plain.strip_prefix("DOB ") {
        if entity.birth_date.is_none() {
            let exact = dob
                .trim_start_matches("circa ")
                .split(" to ")
                .next()
                .unwrap_or(dob);
            entity.birth_date = Some(iso_partial_date(exact).unwrap_or_else(|| dob.to_string()));
        }
        notes.push(fact.to_string());
        return None;
    }
    for prefix in ["nationality ", "citizen "] {
        if let Some(country) = plain.strip_prefix(prefix) {
            let country = country.trim().to_string();
            if !entity.countries.contains(&country) {
                entity.countries.push(country);
            }
            return None;
        }
    }
    if let Some((identifier, note)) = parse_identifier(plain) {
        if let Some(note) = note {
            notes.push(format!("{} {}: {note}", identifier.scheme, identifier.value));
        }
        if !entity.identifiers.contains(&identifier) {
            entity.identifiers.push(identifier);
        }
        return None;
    }
    notes.push(fact.to_string());
    None
}

/// An ent_num (OFAC's number for an entry, the key that ties the files of a set together).
pub(super) fn ent_num(origin: &Origin, text: &str) -> Result<String, InputError> {
    number(origin, "ent_num", text)
}

/// A field that must be a whole number, trimmed.
pub(super) fn number(origin: &Origin, name: &str, text: &str) -> Result<String, InputError> {
    let text = text.trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InputError::new(origin, name, format!("{text:?} is not a number")));
    }
    Ok(text.to_string())
}

fn read_row(origin: Origin, record: &csv::StringRecord) -> Result<Row, InputError> {
    let ent_num = ent_num(&origin, &record[0])?;
    let name = field(&record[1]).ok_or_else(|| InputError::new(&origin, "SDN_Name", "is empty"))?;
    let schema = match record[2].trim() {
        "individual" => Schema::Person,
        "vessel" => Schema::Vessel,
        "aircraft" => Schema::Airplane,
        "-0-" | "" => Schema::LegalEntity,
        other => {
            return Err(InputError::new(
                &origin,
                "SDN_Type",
                format!("unknown type {other:?}; expected individual, vessel, aircraft or -0-"),
            ))
        }
    };
    let programs: Vec<String> = field(&record[3])
        .map(|p| {
            p.trim_start_matches('[')
                .trim_end_matches(']')
                .split("] [")
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if programs.is_empty() {
        return Err(InputError::new(
            &origin,
            "Program",
            "is empty; every SDN entry has a programme",
        ));
    }
    let mut entity = Entity::new(&format!("ofac-{ent_num}"), schema, &name, DATASET);
    entity.confidence = Some(Confidence::H);
    entity.source = Some(format!("OFAC SDN list, entry {ent_num}"));
    let mut notes = Vec::new();
    if let Some(title) = field(&record[4]) {
        notes.push(format!("Title: {title}"));
    }
    if let Some(call_sign) = field(&record[5]) {
        entity.identifiers.push(Identifier {
            scheme: "Call Sign".into(),
            value: call_sign,
            country: None,
        });
    }
    for (i, label) in [
        (6, "Vessel type"),
        (7, "Tonnage"),
        (8, "GRT"),
        (10, "Vessel owner"),
    ] {
        if let Some(value) = field(&record[i]) {
            notes.push(format!("{label}: {value}"));
        }
    }
    if let Some(flag) = field(&record[9]) {
        notes.push(format!("Flag: {flag}"));
        entity.countries.push(flag);
    }
    let remarks = match field(&record[11]) {
        Some(_) => record[11].trim_start().to_string(),
        None => String::new(),
    };
    Ok(Row {
        origin,
        ent_num,
        entity,
        programs,
        remarks,
        notes,
        links: Vec::new(),
    })
}

/// Reads the rows of one file of OFAC's legacy CSV layout (no header, `columns` fields each),
/// handing each to `each` with its `file:line`. Skips the DOS end-of-file mark OFAC ends its
/// files with; refuses a row of another width, naming the layout expected.
pub(super) fn read_records(
    path: &Path,
    layout: &str,
    columns: &[&str],
    mut each: impl FnMut(Origin, &csv::StringRecord) -> Result<(), InputError>,
) -> Result<(), ImportError> {
    let file: Arc<str> = path.display().to_string().into();
    let handle = std::fs::File::open(path).map_err(|e| ImportError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(handle);
    let mut record = csv::StringRecord::new();
    loop {
        let line_before = reader.position().line();
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(line_before, |p| p.line());
            InputError::new(
                &Origin {
                    file: file.clone(),
                    line,
                },
                "row",
                e.to_string(),
            )
        })?;
        if !more {
            return Ok(());
        }
        let origin = Origin {
            file: file.clone(),
            line: record.position().map_or(line_before, |p| p.line()),
        };
        // OFAC ends the file with a DOS end-of-file mark (0x1A) on its own line.
        if record.len() == 1
            && record[0]
                .trim_matches(|c: char| c == '\u{1a}' || c.is_whitespace())
                .is_empty()
        {
            continue;
        }
        if record.len() != columns.len() {
            return Err(InputError::new(
                &origin,
                "row",
                format!(
                    "expected the {} fields of OFAC's legacy {layout} ({}), found {}",
                    columns.len(),
                    columns.join(", "),
                    record.len()
                ),
            )
            .into());
        }
        each(origin, &record)?;
    }
}

/// The entries of an `sdn.csv`, by ent_num, on their way to a batch.
pub(super) struct Entries {
    rows: Vec<Row>,
    by_ent_num: HashMap<String, usize>,
}

impl Entries {
    /// Reads and checks every row of an `sdn.csv`; an ent_num used twice is an error.
    pub(super) fn read(path: &Path) -> Result<Entries, ImportError> {
        let entries = std::fs::metadata(path).map_or(0, |m| (m.len() / BYTES_PER_ENTRY) as usize);
        let mut rows: Vec<Row> = Vec::with_capacity(entries);
        let mut by_ent_num: HashMap<String, usize> = HashMap::with_capacity(entries);
        read_records(path, "sdn.csv", &SDN_COLUMNS, |origin, record| {
            let row = read_row(origin, record)?;
            if let Some(&first) = by_ent_num.get(&row.ent_num) {
                return Err(InputError::new(
                    &row.origin,
                    "ent_num",
                    format!("{} already used at line {}", row.ent_num, rows[first].origin.line),
                ));
            }
            by_ent_num.insert(row.ent_num.clone(), rows.len());
            rows.push(row);
            Ok(())
        })?;
        Ok(Entries { rows, by_ent_num })
    }

    /// The entry with this ent_num, if `sdn.csv` has one.
    pub(super) fn get_mut(&mut self, ent_num: &str) -> Option<&mut Row> {
        let i = *self.by_ent_num.get(ent_num)?;
        Some(&mut self.rows[i])
    }

    /// Splits each entry's Remarks into facts (aliases, dates of birth, identifiers, links…).
    pub(super) fn parse_remarks(&mut self) {
        for row in &mut self.rows {
            let remarks = std::mem::take(&mut row.remarks);
            for fact in split_remarks(&remarks) {
                if let Some(link) = apply_fact(&mut row.entity, fact, &mut row.notes) {
                    row.links.push(link);
                }
            }
        }
    }

    /// The batch: one entity per entry, a listing per programme, and each `Linked To:` name
    /// resolved to the entry of that name (primary names first, then aliases, then former
    /// names: a primary name wins over someone else's alias).
    pub(super) fn into_batch(self) -> (Batch, LinkResolution) {
        let rows = self.rows;
        let mut by_name: HashMap<String, usize> = HashMap::with_capacity(2 * rows.len());
        for (i, row) in rows.iter().enumerate() {
            by_name.entry(name_key(&row.entity.name)).or_insert(i);
        }
        for (i, row) in rows.iter().enumerate() {
            for alias in &row.entity.aliases {
                by_name.entry(name_key(alias)).or_insert(i);
            }
        }
        for (i, row) in rows.iter().enumerate() {
            for name in row.entity.property(prop::PREVIOUS_NAME) {
                by_name.entry(name_key(name)).or_insert(i);
            }
        }

        let mut batch = Batch {
            dataset: DATASET.to_string(),
            entities: Vec::with_capacity(rows.len()),
            listings: Vec::with_capacity(rows.iter().map(|r| r.programs.len()).sum()),
            ..Batch::default()
        };
        let mut resolution = LinkResolution::default();
        let mut link_keys = HashSet::new();
        for row in &rows {
            for link in &row.links {
                resolution.total += 1;
                let Some(&target) = by_name.get(&name_key(link)) else {
                    resolution.unresolved.push((row.entity.id.clone(), link.clone()));
                    continue;
                };
                resolution.resolved += 1;
                let mut relation = Relation::new(
                    &row.entity.id,
                    &rows[target].entity.id,
                    RelationKind::LinkedTo,
                    DATASET,
                );
                relation.confidence = Some(Confidence::H);
                relation.evidence = Some(format!("OFAC SDN entry {}: Linked To: {link}", row.ent_num));
                if link_keys.insert(relation.natural_key()) {
                    batch.relations.push((row.origin.clone(), relation));
                }
            }
        }
        for mut row in rows {
            for program in &row.programs {
                batch.listings.push((
                    row.origin.clone(),
                    Listing {
                        entity: row.entity.id.clone(),
                        list: LIST.to_string(),
                        authority: AUTHORITY.to_string(),
                        program: Some(program.clone()),
                        start_date: None,
                        end_date: None,
                        citation: Some(format!("OFAC SDN List, entry {}", row.ent_num)),
                        license_requirement: None,
                        license_review_policy: None,
                        confidence: Some(Confidence::H),
                        dataset: DATASET.to_string(),
                    },
                ));
            }
            if !row.notes.is_empty() {
                row.entity.notes = Some(row.notes.join("; "));
            }
            batch.entities.push((row.origin, row.entity));
        }
        (batch, resolution)
    }
}

/// Reads an `sdn.csv` file into a batch, resolving `Linked To:` names to entries.
pub fn read(path: &Path) -> Result<(Batch, LinkResolution), ImportError> {
    let mut entries = Entries::read(path)?;
    entries.parse_remarks();
    Ok(entries.into_batch())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remarks_split_into_facts() {
        let facts = split_remarks("DOB 31 Aug 1960; alt. DOB 31 Aug 1953; a.k.a. 'A; B'; Passport 042833 (Lebanon); Linked To: HIZBALLAH.");
        assert_eq!(
            facts,
            vec![
                "DOB 31 Aug 1960",
                "alt. DOB 31 Aug 1953",
                "a.k.a. 'A; B'",
                "Passport 042833 (Lebanon)",
                "Linked To: HIZBALLAH"
            ]
        );
    }

    #[test]
    fn dates_and_identifiers() {
        assert_eq!(iso_partial_date("31 Aug 1960").as_deref(), Some("1960-08-31"));
        assert_eq!(iso_partial_date("Aug 1960").as_deref(), Some("1960-08"));
        assert_eq!(iso_partial_date("1960").as_deref(), Some("1960"));
        assert_eq!(iso_partial_date("circa 1960"), None);
        let (id, note) = parse_identifier("Passport 042833 (Lebanon) issued 1999").unwrap();
        assert_eq!(
            (id.scheme.as_str(), id.value.as_str(), id.country.as_deref()),
            ("Passport", "042833", Some("Lebanon"))
        );
        assert_eq!(note.as_deref(), Some("issued 1999"));
        let (id, _) = parse_identifier("Diplomatic Passport 008827 (Iran)").unwrap();
        assert_eq!(id.scheme, "Diplomatic Passport");
        assert!(parse_identifier("Gender Male").is_none());
    }
}
