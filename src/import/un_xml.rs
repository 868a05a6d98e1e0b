//! The UN Security Council consolidated list in the UN's own XML: root `CONSOLIDATED_LIST`
//! (its `dateGenerated` is the release date), records `INDIVIDUALS/INDIVIDUAL` and
//! `ENTITIES/ENTITY`.
//!
//! Entity ids are `un-<REFERENCE_NUMBER>` (`un-QDi.001`); the reference number is also an
//! identifier (scheme "UN Reference Number"), the key other lists quote. Each record is one
//! listing under its `UN_LIST_TYPE` (the committee's regime: "Al-Qaida", "Taliban", "DPRK"…)
//! from `LISTED_ON`. Individuals are persons; entities are legal entities (the file does not say
//! which are companies). Mapping:
//! - names: FIRST_NAME … FOURTH_NAME joined; NAME_ORIGINAL_SCRIPT is an alias; aliases by
//!   QUALITY: `Good` and `a.k.a.` are aliases, `Low` weak aliases, `f.k.a.` former names (an
//!   alias without a quality is an alias; an unknown quality a weak alias, noted and counted);
//! - dates of birth: DATE or YEAR, the first in `birth_date`, the others in `birthDate`;
//!   APPROXIMATELY and BETWEEN are noted, and a BETWEEN range gives each of its years as a
//!   `birthDate` (a range's first year is not a date of birth, so it never becomes
//!   `birth_date`);
//! - places of birth → `birthPlace`, addresses → `addresses` and their countries, each place
//!   written "street, city, province, zip, country (note)";
//! - documents with a NUMBER → identifiers (scheme = TYPE_OF_DOCUMENT as written, country =
//!   ISSUING_COUNTRY or COUNTRY_OF_ISSUE), their other details in notes; documents without a
//!   number in notes;
//! - TITLE, DESIGNATION, GENDER, NATIONALITY → `title`, `position`, `gender`, `nationality`
//!   (and `countries`); COMMENTS1, DATAID/VERSIONNUM and LAST_DAY_UPDATED → notes;
//! - SWIFT/BIC codes and IMO numbers the UN writes into COMMENTS1 ("SWIFT/BIC: KDBKKPPY",
//!   "IMO number: 5571322") → identifiers too (schemes "SWIFT/BIC" and "IMO"), the keys other
//!   lists give the same parties under.
//!
//! LIST_TYPE (always "UN List"), SORT_KEY and SORT_KEY_LAST_MOD are dropped. Any other element
//! is kept in notes and counted in the import's `skipped`. Empty elements (`<COUNTRY/>`) are
//! nothing. Values are taken on one line: the UN wraps long values, which is layout.

use super::xml::{self, Element};
use super::{one_line, partial_date, ImportError, Read};
use crate::model::{prop, Confidence, Date, Entity, Identifier, InputError, Listing, Schema};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub const DATASET: &str = "un-sc";
pub const LIST: &str = "UN Security Council Consolidated List";
pub const AUTHORITY: &str = "United Nations Security Council";
/// The scheme of the UN's reference numbers (`QDi.001`) among an entity's identifiers.
pub const REFERENCE_SCHEME: &str = "UN Reference Number";
/// The name the UN gives its file, which a bundled data directory holds.
pub const FILE_NAME: &str = "consolidated.xml";

const ROOT: &str = "CONSOLIDATED_LIST";
const FORMAT: &str = "the UN Security Council consolidated list (un-xml)";
const NAME_PARTS: [&str; 4] = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"];
/// The parts of an address or place, in the order they are written.
const PLACE_PARTS: [&str; 5] = ["STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"];
/// A BETWEEN range of birth years wider than this is kept in notes only.
const MAX_BIRTH_RANGE: i32 = 10;

/// An `xs:date` without its time zone: the UN writes a few dates with one
/// (`2015-03-27-04:00`), which does not change the day.
fn without_zone(text: &str) -> &str {
    let zone = text.get(10..).unwrap_or_default();
    let b = zone.as_bytes();
    let offset = b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[1..3].iter().all(u8::is_ascii_digit)
        && b[3] == b':'
        && b[4..6].iter().all(u8::is_ascii_digit);
    if zone == "Z" || offset {
        &text[..10]
    } else {
        text
    }
}

/// Whether `path` is a file whose root element is `<CONSOLIDATED_LIST>` (a look at its start).
pub fn is_un_list(path: &Path) -> bool {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .is_ok()
        && head
            .windows(ROOT.len() + 1)
            .any(|w| w[0] == b'<' && &w[1..] == ROOT.as_bytes())
}

/// An element's own text on one line; `None` when empty.
fn text(element: &Element) -> Option<String> {
    let text = one_line(&element.text);
    (!text.is_empty()).then_some(text)
}

/// The text of the first child named `name` that has any, on one line.
fn field(element: &Element, name: &str) -> Option<String> {
    element.children_named(name).find_map(text)
}

/// The `VALUE`s of a multi-valued element (TITLE, NATIONALITY…), or its own text.
fn values(element: &Element) -> Vec<String> {
    text(element)
        .into_iter()
        .chain(element.children_named("VALUE").filter_map(text))
        .collect()
}

/// Every text inside `element`, on one line, joined by "; ".
fn all_text(element: &Element) -> String {
    fn walk(e: &Element, out: &mut Vec<String>) {
        out.extend(text(e));
        for c in &e.children {
            walk(c, out);
        }
    }
    let mut out = Vec::new();
    walk(element, &mut out);
    out.join("; ")
}

fn push_unique(into: &mut Vec<String>, value: String) {
    if !into.contains(&value) {
        into.push(value);
    }
}

/// A place as one line: "street, city, province, zip, country (note)"; the note alone when it
/// is all there is.
fn place(element: &Element) -> Option<String> {
    let parts: Vec<String> = PLACE_PARTS.iter().filter_map(|p| field(element, p)).collect();
    let note = field(element, "NOTE");
    match (parts.is_empty(), note) {
        (true, note) => note,
        (false, None) => Some(parts.join(", ")),
        (false, Some(note)) => Some(format!("{} ({note})", parts.join(", "))),
    }
}

/// What one record builds, with what it does not model.
struct Reader<'a> {
    file: &'a Arc<str>,
    entity: Entity,
    notes: Vec<String>,
    skipped: &'a mut BTreeMap<String, u64>,
}

impl Reader<'_> {
    fn error(&self, element: &Element, field: &str, message: impl Into<String>) -> InputError {
        InputError::new(&element.origin(self.file), field, message)
    }

    /// Keeps an element this reader does not know in notes and counts it.
    fn unknown(&mut self, parent: &str, element: &Element) {
        *self
            .skipped
            .entry(format!("{parent}/{}", element.name))
            .or_default() += 1;
        let text = all_text(element);
        if !text.is_empty() {
            self.notes.push(format!("{}: {text}", element.name));
        }
    }

    /// Children of `element` outside `known`, kept in notes and counted.
    fn check_children(&mut self, element: &Element, known: &[&str]) {
        for child in &element.children {
            if !known.contains(&child.name.as_str()) {
                self.unknown(&element.name, child);
            }
        }
    }

    fn date(&self, element: &Element, name: &str) -> Result<Option<String>, InputError> {
        match element.child(name).map(|c| (c, text(c))) {
            Some((child, Some(value))) => partial_date(without_zone(&value))
                .map(Some)
                .map_err(|e| self.error(child, name, e)),
            _ => Ok(None),
        }
    }

    fn year(&self, element: &Element, name: &str) -> Result<Option<i32>, InputError> {
        match element.child(name).map(|c| (c, text(c))) {
            Some((child, Some(value))) => match value.parse::<i32>() {
                Ok(year) if value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(year)),
                _ => Err(self.error(child, name, format!("{value:?} is not a year (YYYY)"))),
            },
            _ => Ok(None),
        }
    }

    /// The first date of birth is the entity's; further ones are `birthDate`s.
    fn birth_date(&mut self, date: &str) {
        match &self.entity.birth_date {
            None => {
                self.entity.birth_date = Some(date.to_string());
                // A year an earlier range gave is now the date of birth itself.
                if let Some(others) = self.entity.properties.get_mut(prop::BIRTH_DATE) {
                    others.retain(|d| d != date);
                    if others.is_empty() {
                        self.entity.properties.remove(prop::BIRTH_DATE);
                    }
                }
            }
            Some(first) if first == date => {}
            Some(_) => self.entity.add_property(prop::BIRTH_DATE, date),
        }
    }

    fn alias(&mut self, element: &Element) {
        self.check_children(
            element,
            &[
                "QUALITY",
                "ALIAS_NAME",
                "NOTE",
                "DATE_OF_BIRTH",
                "CITY_OF_BIRTH",
                "COUNTRY_OF_BIRTH",
            ],
        );
        let Some(name) = field(element, "ALIAS_NAME") else {
            if let Some(note) = field(element, "NOTE") {
                self.notes.push(format!("alias: {note}"));
            }
            return;
        };
        let quality = field(element, "QUALITY");
        match quality.as_deref() {
            None => self.add_alias(name.clone()),
            Some(q) if q.eq_ignore_ascii_case("good") || q.eq_ignore_ascii_case("a.k.a.") => {
                self.add_alias(name.clone())
            }
            Some(q) if q.eq_ignore_ascii_case("low") => self.entity.add_property(prop::WEAK_ALIAS, &name),
            Some(q) if q.eq_ignore_ascii_case("f.k.a.") => {
                self.entity.add_property(prop::PREVIOUS_NAME, &name)
            }
            Some(other) => {
                self.entity.add_property(prop::WEAK_ALIAS, &name);
                self.notes.push(format!("alias {name}: quality {other}"));
                *self
                    .skipped
                    .entry(format!("{} QUALITY {other}", element.name))
                    .or_default() += 1;
            }
        }
        let mut details: Vec<String> = field(element, "NOTE").into_iter().collect();
        if let Some(date) = field(element, "DATE_OF_BIRTH") {
            details.push(format!("date of birth {date}"));
        }
        let born: Vec<String> = ["CITY_OF_BIRTH", "COUNTRY_OF_BIRTH"]
            .iter()
            .filter_map(|p| field(element, p))
            .collect();
        if !born.is_empty() {
            details.push(format!("place of birth {}", born.join(", ")));
        }
        if !details.is_empty() {
            self.notes.push(format!("alias {name}: {}", details.join("; ")));
        }
    }

    fn add_alias(&mut self, name: String) {
        if name != self.entity.name {
            push_unique(&mut self.entity.aliases, name);
        }
    }

    fn address(&mut self, element: &Element) {
        self.check_children(element, &[&PLACE_PARTS[..], &["NOTE"]].concat());
        if let Some(address) = place(element) {
            push_unique(&mut self.entity.addresses, address);
        }
        if let Some(country) = field(element, "COUNTRY") {
            push_unique(&mut self.entity.countries, country);
        }
    }

    fn place_of_birth(&mut self, element: &Element) {
        self.check_children(element, &[&PLACE_PARTS[..], &["NOTE"]].concat());
        if let Some(place) = place(element) {
            self.entity.add_property(prop::BIRTH_PLACE, &place);
        }
    }

    fn date_of_birth(&mut self, element: &Element) -> Result<(), InputError> {
        self.check_children(
            element,
            &["TYPE_OF_DATE", "DATE", "YEAR", "FROM_YEAR", "TO_YEAR", "NOTE"],
        );
        let kind = field(element, "TYPE_OF_DATE");
        let approximate = match kind.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None | Some("EXACT") | Some("BETWEEN") => false,
            Some("APPROXIMATELY") => true,
            Some(_) => {
                let child = element.child("TYPE_OF_DATE").unwrap_or(element);
                return Err(self.error(
                    child,
                    "TYPE_OF_DATE",
                    format!(
                        "unknown type {:?}; expected EXACT, APPROXIMATELY or BETWEEN",
                        kind.unwrap_or_default()
                    ),
                ));
            }
        };
        let date = self.date(element, "DATE")?;
        let year = self.year(element, "YEAR")?.map(|y| format!("{y:04}"));
        let from = self.year(element, "FROM_YEAR")?;
        let to = self.year(element, "TO_YEAR")?;
        let note = field(element, "NOTE");
        let described = match (from, to) {
            (Some(from), Some(to)) => {
                if from > to {
                    let child = element.child("TO_YEAR").unwrap_or(element);
                    return Err(self.error(child, "TO_YEAR", format!("{to} is before FROM_YEAR {from}")));
                }
                if to - from <= MAX_BIRTH_RANGE {
                    for y in from..=to {
                        let y = format!("{y:04}");
                        if self.entity.birth_date.as_deref() != Some(y.as_str()) {
                            self.entity.add_property(prop::BIRTH_DATE, &y);
                        }
                    }
                }
                Some(format!("date of birth between {from:04} and {to:04}"))
            }
            _ => match date.or(year).or(from.or(to).map(|y| format!("{y:04}"))) {
                Some(day) => {
                    self.birth_date(&day);
                    (approximate || note.is_some()).then(|| {
                        let about = if approximate { "approximately " } else { "" };
                        format!("date of birth {about}{day}")
                    })
                }
                None => None,
            },
        };
        let line = match (described, note) {
            (Some(what), Some(note)) => Some(format!("{what} ({note})")),
            (Some(what), None) => Some(what),
            (None, Some(note)) => Some(format!("date of birth: {note}")),
            (None, None) => None,
        };
        self.notes.extend(line);
        Ok(())
    }

    fn document(&mut self, element: &Element) -> Result<(), InputError> {
        self.check_children(
            element,
            &[
                "TYPE_OF_DOCUMENT",
                "TYPE_OF_DOCUMENT2",
                "NUMBER",
                "ISSUING_COUNTRY",
                "DATE_OF_ISSUE",
                "CITY_OF_ISSUE",
                "COUNTRY_OF_ISSUE",
                "NOTE",
            ],
        );
        if all_text(element).is_empty() {
            return Ok(());
        }
        let kind = field(element, "TYPE_OF_DOCUMENT");
        let kind2 = field(element, "TYPE_OF_DOCUMENT2");
        let number = field(element, "NUMBER");
        let issuing = field(element, "ISSUING_COUNTRY");
        let country_of_issue = field(element, "COUNTRY_OF_ISSUE");
        let issued = self.date(element, "DATE_OF_ISSUE")?;
        let city = field(element, "CITY_OF_ISSUE");
        let note = field(element, "NOTE");
        let country = issuing.clone().or(country_of_issue.clone());

        let mut details = Vec::new();
        if let (Some(_), Some(kind2)) = (&kind, &kind2) {
            details.push(kind2.clone());
        }
        if let Some(day) = issued {
            details.push(format!("issued {day}"));
        }
        let mut place: Vec<String> = city.into_iter().collect();
        if let Some(c) = country_of_issue {
            // News beside a city, or when another country is the issuing one; otherwise it is
            // the identifier's country.
            if !place.is_empty() || issuing.as_ref().is_some_and(|i| *i != c) {
                place.push(c);
            }
        }
        if !place.is_empty() {
            details.push(format!("issued in {}", place.join(", ")));
        }
        details.extend(note);
        let scheme = kind.or(kind2).unwrap_or_else(|| "Document".to_string());
        self.document_facts(scheme, number, country, details);
        Ok(())
    }

    fn document_facts(
        &mut self,
        scheme: String,
        number: Option<String>,
        country: Option<String>,
        details: Vec<String>,
    ) {
        match number {
            Some(value) => {
                if !details.is_empty() {
                    self.notes
                        .push(format!("{scheme} {value}: {}", details.join("; ")));
                }
                let identifier = Identifier {
                    scheme,
                    value,
                    country,
                };
                if !self.entity.identifiers.contains(&identifier) {
                    self.entity.identifiers.push(identifier);
                }
            }
            None => {
                let mut said = details;
                if let Some(country) = country {
                    said.insert(0, format!("issued by {country}"));
                }
                self.notes
                    .push(format!("{scheme} (no number): {}", said.join("; ")));
            }
        }
    }
}

/// The SWIFT/BIC codes and IMO numbers a comment gives: "SWIFT: DCBKKPPY", "SWIFT/BIC:
/// KDBKKPPY", "IMO number: 5571322", "(IMO) Number: 1790183", "Company Number IMO 5434358".
/// Only the shapes these take (a BIC of 8 or 11 letters and digits, its first six letters; an
/// IMO number of seven digits) count: "SIMON" or "IMON" is no IMO, and a number next to "IMO"
/// in other words is not taken.
fn comment_identifiers(comment: &str) -> Vec<Identifier> {
    let found = |scheme: &str, value: &str| Identifier {
        scheme: scheme.to_string(),
        value: value.to_string(),
        country: None,
    };
    let mut identifiers = Vec::new();
    for (at, _) in comment.match_indices("SWIFT") {
        let rest = &comment[at + "SWIFT".len()..];
        let rest = rest.strip_prefix("/BIC").unwrap_or(rest);
        let rest = rest.trim_start_matches([' ', ':']);
        let code = &rest[..rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len())];
        let bank_letters = code
            .get(..6)
            .is_some_and(|b| b.bytes().all(|c| c.is_ascii_uppercase()));
        if matches!(code.len(), 8 | 11)
            && bank_letters
            && code.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        {
            identifiers.push(found("SWIFT/BIC", code));
        }
    }
    for (at, _) in comment.match_indices("IMO") {
        let before = comment[..at].chars().next_back();
        let rest = &comment[at + "IMO".len()..];
        if before.is_some_and(char::is_alphanumeric) || rest.starts_with(char::is_alphanumeric) {
            continue;
        }
        // Between "IMO" and the digits only ")", ":", spaces and the word "number".
        let Some(digits_at) = rest.find(|c: char| c.is_ascii_digit()) else {
            continue;
        };
        let between: String = rest[..digits_at]
            .chars()
            .filter(|c| !matches!(c, ' ' | ')' | ':'))
            .collect();
        let digits = &rest[digits_at..];
        let digits = &digits[..digits.find(|c: char| !c.is_ascii_digit()).unwrap_or(digits.len())];
        if (between.is_empty() || between.eq_ignore_ascii_case("number")) && digits.len() == 7 {
            identifiers.push(found("IMO", digits));
        }
    }
    identifiers
}

/// One record → its entity and its listing.
fn read_record(
    file: &Arc<str>,
    record: &Element,
    skipped: &mut BTreeMap<String, u64>,
) -> Result<(Entity, Listing), InputError> {
    let origin = record.origin(file);
    let individual = record.name == "INDIVIDUAL";
    let reference = field(record, "REFERENCE_NUMBER").ok_or_else(|| {
        InputError::new(
            &origin,
            "REFERENCE_NUMBER",
            "is empty; every UN entry has a reference number such as QDi.001",
        )
    })?;
    if reference.contains(char::is_whitespace) {
        let child = record.child("REFERENCE_NUMBER").unwrap_or(record);
        return Err(InputError::new(
            &child.origin(file),
            "REFERENCE_NUMBER",
            format!("{reference:?} has spaces; a UN reference number is one word such as QDi.001"),
        ));
    }
    let names: Vec<String> = NAME_PARTS.iter().filter_map(|n| field(record, n)).collect();
    if names.is_empty() {
        return Err(InputError::new(
            &origin,
            "FIRST_NAME",
            format!("is empty; entry {reference} has no name"),
        ));
    }
    let schema = if individual {
        Schema::Person
    } else {
        Schema::LegalEntity
    };
    let mut entity = Entity::new(&format!("un-{reference}"), schema, &names.join(" "), DATASET);
    entity.confidence = Some(Confidence::H);
    entity.source = Some(format!("{LIST}, {reference}"));
    entity.identifiers.push(Identifier {
        scheme: REFERENCE_SCHEME.to_string(),
        value: reference.clone(),
        country: None,
    });
    let mut reader = Reader {
        file,
        entity,
        notes: Vec::new(),
        skipped,
    };
    let mut program = None;
    let mut listed_on = None;
    let mut comments = None;
    let mut updated = Vec::new();
    for child in &record.children {
        match child.name.as_str() {
            "REFERENCE_NUMBER" | "FIRST_NAME" | "SECOND_NAME" | "THIRD_NAME" | "FOURTH_NAME" | "DATAID"
            | "VERSIONNUM" | "LIST_TYPE" | "SORT_KEY" | "SORT_KEY_LAST_MOD" => {}
            "UN_LIST_TYPE" => program = program.or(text(child)),
            "LISTED_ON" => {
                if let Some(day) = text(child) {
                    let day = without_zone(&day)
                        .parse::<Date>()
                        .map_err(|e| reader.error(child, "LISTED_ON", e))?;
                    listed_on = listed_on.or(Some(day));
                }
            }
            "COMMENTS1" => comments = comments.or(text(child)),
            "NAME_ORIGINAL_SCRIPT" => {
                if let Some(name) = text(child) {
                    reader.add_alias(name);
                }
            }
            "TITLE" => values(child)
                .iter()
                .for_each(|v| reader.entity.add_property(prop::TITLE, v)),
            "DESIGNATION" => values(child)
                .iter()
                .for_each(|v| reader.entity.add_property(prop::POSITION, v)),
            "GENDER" => values(child)
                .iter()
                .for_each(|v| reader.entity.add_property(prop::GENDER, v)),
            "NATIONALITY" => {
                // "na": the UN's "not available", no country.
                for value in values(child)
                    .into_iter()
                    .filter(|v| !v.eq_ignore_ascii_case("na"))
                {
                    reader.entity.add_property(prop::NATIONALITY, &value);
                    push_unique(&mut reader.entity.countries, value);
                }
            }
            "LAST_DAY_UPDATED" => updated.extend(values(child)),
            "INDIVIDUAL_ALIAS" | "ENTITY_ALIAS" => reader.alias(child),
            "INDIVIDUAL_ADDRESS" | "ENTITY_ADDRESS" => reader.address(child),
            "INDIVIDUAL_DATE_OF_BIRTH" => reader.date_of_birth(child)?,
            "INDIVIDUAL_PLACE_OF_BIRTH" => reader.place_of_birth(child),
            "INDIVIDUAL_DOCUMENT" => reader.document(child)?,
            _ => reader.unknown(&record.name, child),
        }
    }
    let program = program.ok_or_else(|| {
        InputError::new(
            &origin,
            "UN_LIST_TYPE",
            format!("is empty; entry {reference} names no sanctions regime"),
        )
    })?;

    for identifier in comments.iter().flat_map(|c| comment_identifiers(c)) {
        if !reader.entity.identifiers.contains(&identifier) {
            reader.entity.identifiers.push(identifier);
        }
    }
    let mut notes: Vec<String> = comments.into_iter().collect();
    match (field(record, "DATAID"), field(record, "VERSIONNUM")) {
        (Some(id), Some(version)) => notes.push(format!("UN DATAID {id}, version {version}")),
        (Some(id), None) => notes.push(format!("UN DATAID {id}")),
        _ => {}
    }
    notes.append(&mut reader.notes);
    if !updated.is_empty() {
        notes.push(format!("updated on the list {}", updated.join(", ")));
    }
    let mut entity = reader.entity;
    if !notes.is_empty() {
        entity.notes = Some(notes.join("; "));
    }
    let listing = Listing {
        entity: entity.id.clone(),
        list: LIST.to_string(),
        authority: AUTHORITY.to_string(),
        program: Some(program),
        start_date: listed_on,
        end_date: None,
        citation: Some(format!("{LIST}, {reference}")),
        license_requirement: None,
        license_review_policy: None,
        confidence: Some(Confidence::H),
        dataset: DATASET.to_string(),
    };
    Ok((entity, listing))
}

/// The day of `dateGenerated` (`2025-04-19T23:00:04.625Z` → 2025-04-19).
fn generated_on(file: &Arc<str>, root: &Element) -> Result<Option<Date>, InputError> {
    let Some(stamp) = root.attribute("dateGenerated").map(str::trim) else {
        return Ok(None);
    };
    stamp
        .get(..10)
        .filter(|_| stamp.len() == 10 || stamp.as_bytes()[10] == b'T')
        .and_then(|day| day.parse::<Date>().ok())
        .map(Some)
        .ok_or_else(|| {
            InputError::new(
                &root.origin(file),
                "dateGenerated",
                format!("{stamp:?} is not a date (YYYY-MM-DD, optionally with a time)"),
            )
        })
}

/// Reads the UN consolidated list at `path` into a batch, one record's tree at a time.
pub fn read(path: &Path, progress: &dyn Fn(u64)) -> Result<Read, ImportError> {
    let mut skipped = BTreeMap::new();
    let (batch, root) = xml::read_entries(
        path,
        (ROOT, FORMAT, &["INDIVIDUAL", "ENTITY"]),
        DATASET,
        progress,
        |file, record| read_record(file, record, &mut skipped),
        |file, record, entity, _, first| {
            InputError::new(
                &record.origin(file),
                "REFERENCE_NUMBER",
                format!("{} already used at line {first}", &entity.id["un-".len()..]),
            )
        },
    )?;
    let file: Arc<str> = Arc::from(path.display().to_string());
    let published = generated_on(&file, &root)?;
    Ok(Read {
        skipped,
        published,
        ..Read::new(batch, vec![path.to_path_buf()])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(xml: &str) -> Result<Read, ImportError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("un.xml");
        std::fs::write(&path, xml).unwrap();
        read(&path, &|_| {})
    }

    fn one(body: &str) -> Entity {
        let xml = format!(
            "<CONSOLIDATED_LIST dateGenerated=\"2025-04-19T23:00:04.625Z\"><INDIVIDUALS><INDIVIDUAL>\
             <FIRST_NAME>A</FIRST_NAME><SECOND_NAME>B</SECOND_NAME><UN_LIST_TYPE>Taliban</UN_LIST_TYPE>\
             <REFERENCE_NUMBER>TAi.999</REFERENCE_NUMBER>{body}</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"
        );
        let read = read_text(&xml).unwrap();
        assert_eq!(read.published, "2025-04-19".parse().ok());
        read.batch.entities.into_iter().next().unwrap().1
    }

    #[test]
    fn swift_codes_and_imo_numbers_in_comments_are_identifiers() {
        let ids = |comment: &str| -> Vec<(String, String)> {
            comment_identifiers(comment)
                .into_iter()
                .map(|i| (i.scheme, i.value))
                .collect()
        };
        let pair = |s: &str, v: &str| (s.to_string(), v.to_string());
        // As the 2025-04-19 list writes them.
        assert_eq!(
            ids("SWIFT: DCBKKPPY. Daedong Credit Bank has provided"),
            [pair("SWIFT/BIC", "DCBKKPPY")]
        );
        assert_eq!(
            ids("the DPRK economy. SWIFT/BIC: KUDBKPPY"),
            [pair("SWIFT/BIC", "KUDBKPPY")]
        );
        assert_eq!(
            ids("Corporation.  SWIFT/BIC: FTBDKPPY."),
            [pair("SWIFT/BIC", "FTBDKPPY")]
        );
        assert_eq!(
            ids("fuel in late December 2017. IMO number: 5571322."),
            [pair("IMO", "5571322")]
        );
        assert_eq!(
            ids("Organization (IMO) Number: 1790183."),
            [pair("IMO", "1790183")]
        );
        assert_eq!(
            ids("IMO Number: 5342883. The Chongchongang"),
            [pair("IMO", "5342883")]
        );
        assert_eq!(
            ids("operation. Company Number IMO 5434358."),
            [pair("IMO", "5434358")]
        );
        assert_eq!(
            ids("operations for oil. IMO number: 5676084"),
            [pair("IMO", "5676084")]
        );
        assert_eq!(
            ids("SWIFT: ILSIKPPYXXX; IMO number: 5988369"),
            [pair("SWIFT/BIC", "ILSIKPPYXXX"), pair("IMO", "5988369")]
        );
        // Not these shapes: names, other words between, other lengths, lower case.
        for comment in [
            "Simon Gatwech Dual, IMON",
            "SIMON 1234567",
            "IMO regulations since 2017 5571322",
            "IMO number: 557132",
            "IMO number: 55713221",
            "SWIFT: DCBK",
            "SWIFT: dcbkkppy",
            "SWIFT transfers of 12345678",
            "SWIFT: 12BKKPPY",
        ] {
            assert_eq!(ids(comment), [], "{comment}");
        }
        // On the entity, once each, the comment kept whole in the notes.
        let e = one("<COMMENTS1>SWIFT/BIC: KDBKKPPY. Again SWIFT/BIC: KDBKKPPY</COMMENTS1>");
        let bic: Vec<_> = e.identifiers.iter().filter(|i| i.scheme == "SWIFT/BIC").collect();
        assert_eq!(bic.len(), 1);
        assert_eq!(bic[0].value, "KDBKKPPY");
        assert!(e.notes.unwrap().starts_with("SWIFT/BIC: KDBKKPPY. Again"));
    }

    #[test]
    fn dates_of_birth_exact_approximate_and_ranges() {
        let e = one(
            "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1960</FROM_YEAR>\
             <TO_YEAR>1962</TO_YEAR><NOTE>Approximately </NOTE></INDIVIDUAL_DATE_OF_BIRTH>\
             <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1961</YEAR></INDIVIDUAL_DATE_OF_BIRTH>\
             <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1958-09-01</DATE></INDIVIDUAL_DATE_OF_BIRTH>\
             <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>Nov. 1973</NOTE></INDIVIDUAL_DATE_OF_BIRTH>\
             <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE/></INDIVIDUAL_DATE_OF_BIRTH>",
        );
        assert_eq!(e.birth_date.as_deref(), Some("1961"));
        assert_eq!(e.property(prop::BIRTH_DATE), ["1960", "1962", "1958-09-01"]);
        let notes = e.notes.unwrap();
        assert!(
            notes.contains("date of birth between 1960 and 1962 (Approximately)"),
            "{notes}"
        );
        assert!(notes.contains("date of birth approximately 1961"), "{notes}");
        assert!(notes.contains("date of birth: Nov. 1973"), "{notes}");
    }

    #[test]
    fn aliases_by_quality_and_unknown_elements_counted() {
        let xml = "<CONSOLIDATED_LIST><ENTITIES><ENTITY><FIRST_NAME>X CORP</FIRST_NAME>\
             <UN_LIST_TYPE>DPRK</UN_LIST_TYPE><REFERENCE_NUMBER>KPe.1</REFERENCE_NUMBER>\
             <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Y</ALIAS_NAME></ENTITY_ALIAS>\
             <ENTITY_ALIAS><QUALITY>f.k.a.</QUALITY><ALIAS_NAME>Z</ALIAS_NAME></ENTITY_ALIAS>\
             <ENTITY_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>W</ALIAS_NAME></ENTITY_ALIAS>\
             <ENTITY_ALIAS><QUALITY>Odd</QUALITY><ALIAS_NAME>V</ALIAS_NAME></ENTITY_ALIAS>\
             <ENTITY_ALIAS><QUALITY/><ALIAS_NAME/></ENTITY_ALIAS>\
             <VESSEL_FLAG>DPRK</VESSEL_FLAG></ENTITY></ENTITIES></CONSOLIDATED_LIST>";
        let read = read_text(xml).unwrap();
        assert_eq!(read.published, None);
        let e = &read.batch.entities[0].1;
        assert_eq!((e.schema, e.id.as_str()), (Schema::LegalEntity, "un-KPe.1"));
        assert_eq!(e.aliases, ["Y"]);
        assert_eq!(e.property(prop::PREVIOUS_NAME), ["Z"]);
        assert_eq!(e.property(prop::WEAK_ALIAS), ["W", "V"]);
        assert!(e.notes.as_deref().unwrap().contains("VESSEL_FLAG: DPRK"));
        let skipped: Vec<_> = read.skipped.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(
            skipped,
            [("ENTITY/VESSEL_FLAG", 1), ("ENTITY_ALIAS QUALITY Odd", 1)]
        );
    }

    #[test]
    fn documents_places_and_bad_values() {
        let e = one(
            "<INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification\n   Number</TYPE_OF_DOCUMENT>\
             <TYPE_OF_DOCUMENT2>Ration card</TYPE_OF_DOCUMENT2><NUMBER>0094195</NUMBER>\
             <ISSUING_COUNTRY>Iraq</ISSUING_COUNTRY><DATE_OF_ISSUE>1999-01-07</DATE_OF_ISSUE></INDIVIDUAL_DOCUMENT>\
             <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NOTE>Tunisian passport L 191609</NOTE></INDIVIDUAL_DOCUMENT>\
             <INDIVIDUAL_DOCUMENT/>\
             <INDIVIDUAL_ADDRESS><CITY>Tripoli</CITY><COUNTRY>Libya</COUNTRY><NOTE>as at Feb. 2014</NOTE></INDIVIDUAL_ADDRESS>\
             <INDIVIDUAL_ADDRESS><COUNTRY/></INDIVIDUAL_ADDRESS>\
             <INDIVIDUAL_PLACE_OF_BIRTH><CITY>Zurmat</CITY><COUNTRY>Afghanistan</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH>",
        );
        assert_eq!(e.name, "A B");
        assert_eq!(without_zone("2015-03-27-04:00"), "2015-03-27");
        assert_eq!(without_zone("2015-03-27Z"), "2015-03-27");
        assert_eq!(without_zone("2015-03-27"), "2015-03-27");
        assert_eq!(
            e.identifiers[1],
            Identifier {
                scheme: "National Identification Number".into(),
                value: "0094195".into(),
                country: Some("Iraq".into())
            }
        );
        assert_eq!(e.identifiers.len(), 2);
        assert_eq!(e.addresses, ["Tripoli, Libya (as at Feb. 2014)"]);
        assert_eq!(e.countries, ["Libya"]);
        assert_eq!(e.property(prop::BIRTH_PLACE), ["Zurmat, Afghanistan"]);
        let notes = e.notes.unwrap();
        assert!(
            notes.contains("National Identification Number 0094195: Ration card; issued 1999-01-07"),
            "{notes}"
        );
        assert!(
            notes.contains("Passport (no number): Tunisian passport L 191609"),
            "{notes}"
        );

        for (body, expected) in [
            ("<LISTED_ON>2001-02-30</LISTED_ON>", "un.xml:1: LISTED_ON:"),
            ("<LISTED_ON>2001-02-03+5</LISTED_ON>", "un.xml:1: LISTED_ON:"),
            (
                "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>SOMETIME</TYPE_OF_DATE></INDIVIDUAL_DATE_OF_BIRTH>",
                "un.xml:1: TYPE_OF_DATE: unknown type",
            ),
            (
                "<INDIVIDUAL_DATE_OF_BIRTH><YEAR>61</YEAR></INDIVIDUAL_DATE_OF_BIRTH>",
                "un.xml:1: YEAR:",
            ),
        ] {
            let xml = format!(
                "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME><UN_LIST_TYPE>T</UN_LIST_TYPE>\
                 <REFERENCE_NUMBER>TAi.1</REFERENCE_NUMBER>{body}</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"
            );
            let err = read_text(&xml).unwrap_err().to_string();
            assert!(err.contains(expected), "{err}");
        }
    }
}
