//! One `sdnEntry` read into an entity, its programmes and what its `idList` says about its
//! lists; OFAC's dates ("12 Jan 1964", "circa 1964", "1960 to 1962") as ISO.

use super::id_types::{id_kind, IdKind};
use super::lists::Evidence;
use crate::import::xml::Element;
use crate::model::{prop, Confidence, Date, Entity, Identifier, InputError, Origin, Schema};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One `sdnEntry`, read but not yet placed on lists.
pub(super) struct Entry {
    pub(super) origin: Origin,
    pub(super) uid: String,
    pub(super) entity: Entity,
    pub(super) notes: Vec<String>,
    pub(super) programs: Vec<String>,
    pub(super) evidence: Evidence,
    pub(super) links: Vec<String>,
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

fn month(text: &str) -> Option<u8> {
    let lower = text.trim_end_matches('.').to_ascii_lowercase();
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS
        .iter()
        .zip(FULL)
        .position(|(short, full)| lower == *short || lower == full)
        .map(|i| i as u8 + 1)
}

/// An OFAC date as ISO, as precise as the text: "12 Jan 1964" → "1964-01-12", "Jan 1964" →
/// "1964-01", "1964" → "1964"; `None` for anything else.
fn iso_date(text: &str) -> Option<String> {
    let parts: Vec<&str> = text.trim().trim_end_matches('.').split_whitespace().collect();
    let year = |s: &str| {
        if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<i32>().ok()
        } else {
            None
        }
    };
    match parts.as_slice() {
        [y] => year(y).map(|y| format!("{y:04}")),
        [m, y] => Some(format!("{:04}-{:02}", year(y)?, month(m)?)),
        [d, m, y] => {
            let (y, m) = (year(y)?, month(m)?);
            let d: u8 = d.parse().ok()?;
            Date::from_ymd(y, m, d).map(|date| date.to_string())
        }
        _ => None,
    }
}

/// A date as OFAC gives dates of birth: ISO where the text is one date; for "circa 1964" the
/// year, for "1960 to 1962" what both ends share or else the first year. The flag says the ISO
/// value says less than the text, which then belongs in the notes.
fn partial_date(text: &str) -> Option<(String, bool)> {
    let text = text.trim().trim_end_matches('.');
    if let Some(rest) = text
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case("circa "))
        .map(|_| &text[6..])
    {
        return iso_date(rest).map(|d| (d, true));
    }
    if let Some((from, to)) = text.split_once(" to ") {
        let (from, to) = (iso_date(from)?, iso_date(to)?);
        let shared = from.bytes().zip(to.bytes()).take_while(|(a, b)| a == b).count();
        // Whole ISO parts only: a year, a year and month, a day.
        let prefix = [10, 7, 4]
            .into_iter()
            .find(|n| shared >= *n && from.len() >= *n && to.len() >= *n)
            .map(|n| from[..n].to_string());
        return Some((prefix.unwrap_or_else(|| from[..4].to_string()), true));
    }
    iso_date(text).map(|d| (d, false))
}

/// A listing date: a whole day.
fn listing_day(text: &str) -> Option<Date> {
    iso_date(text).filter(|d| d.len() == 10)?.parse().ok()
}

/// The names a remark links to ("(Linked To: X)"), parentheses inside a name kept.
fn linked_names(remarks: &str) -> Vec<String> {
    const MARK: &str = "Linked To:";
    let mut names = Vec::new();
    let mut rest = remarks;
    while let Some(i) = rest.find(MARK) {
        let after = &rest[i + MARK.len()..];
        let mut depth = 0usize;
        let mut end = after.len();
        for (j, c) in after.char_indices() {
            match c {
                '(' => depth += 1,
                ')' if depth > 0 => depth -= 1,
                ')' | ';' if depth == 0 => {
                    end = j;
                    break;
                }
                _ => {}
            }
        }
        let name = after[..end].trim().trim_end_matches('.').trim();
        if !name.is_empty() {
            names.push(name.to_string());
        }
        rest = &after[end..];
    }
    names
}

/// What an element holds on one line, for notes: `text, child: text, child: text`.
fn flatten(element: &Element) -> String {
    let mut parts = Vec::new();
    if let Some(text) = element.value() {
        parts.push(text.to_string());
    }
    for child in &element.children {
        let inner = flatten(child);
        if !inner.is_empty() {
            parts.push(format!("{}: {inner}", child.name));
        }
    }
    parts.join(", ")
}

/// Reads one record; what it holds that is not modelled goes to its notes and `skipped`.
pub(super) struct EntryReader<'a> {
    file: &'a Arc<str>,
    skipped: &'a mut BTreeMap<String, u64>,
    notes: Vec<String>,
    issuer_names: Vec<String>,
}

impl<'a> EntryReader<'a> {
    pub(super) fn new(file: &'a Arc<str>, skipped: &'a mut BTreeMap<String, u64>) -> EntryReader<'a> {
        EntryReader {
            file,
            skipped,
            notes: Vec::new(),
            issuer_names: Vec::new(),
        }
    }

    fn unknown(&mut self, parent: &str, element: &Element) {
        let text = flatten(element);
        self.notes.push(if text.is_empty() {
            element.name.clone()
        } else {
            format!("{}: {text}", element.name)
        });
        *self
            .skipped
            .entry(format!("<{parent}/{}>", element.name))
            .or_default() += 1;
    }

    fn error(&self, element: &Element, field: &str, message: impl Into<String>) -> InputError {
        InputError::new(&element.origin(self.file), field, message)
    }

    /// The text of `item`'s child `name`, or an error at `item` naming it.
    fn required<'e>(&self, item: &'e Element, name: &'e str) -> Result<&'e str, InputError> {
        item.text_of(name)
            .ok_or_else(|| self.error(item, name, format!("is empty; every <{}> has one", item.name)))
    }

    pub(super) fn read(mut self, record: &Element) -> Result<Entry, InputError> {
        let uid_element = record.child("uid").unwrap_or(record);
        let uid = record.text_of("uid").unwrap_or_default().to_string();
        if uid.is_empty() || !uid.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(uid_element, "uid", format!("{uid:?} is not a number")));
        }
        let last = self.required(record, "lastName")?;
        let schema_text = self.required(record, "sdnType")?;
        let schema = match schema_text {
            "Individual" => Schema::Person,
            "Entity" => Schema::LegalEntity,
            "Vessel" => Schema::Vessel,
            "Aircraft" => Schema::Airplane,
            other => {
                return Err(self.error(
                    record.child("sdnType").unwrap_or(record),
                    "sdnType",
                    format!("unknown type {other:?}; expected Individual, Entity, Vessel or Aircraft"),
                ))
            }
        };
        let name = full_name(last, record.text_of("firstName"));
        let mut entity = Entity::new(&format!("ofac-{uid}"), schema, &name, super::SDN_DATASET);
        entity.confidence = Some(Confidence::H);
        let mut programs: Vec<String> = Vec::new();
        let mut evidence = Evidence::default();
        let mut links = Vec::new();
        let mut births: Vec<(bool, &str)> = Vec::new();

        for child in &record.children {
            match child.name.as_str() {
                "uid" | "firstName" | "lastName" | "sdnType" => {}
                "title" => {
                    if let Some(title) = child.value() {
                        entity.add_property(prop::POSITION, title);
                    }
                }
                "remarks" => {
                    if let Some(remarks) = child.value() {
                        links.extend(linked_names(remarks));
                        self.notes.push(remarks.to_string());
                    }
                }
                "programList" => {
                    for item in &child.children {
                        match (item.name.as_str(), item.value()) {
                            ("program", Some(p)) if !programs.iter().any(|q| q == p) => {
                                programs.push(p.to_string())
                            }
                            ("program", _) => {}
                            _ => self.unknown("programList", item),
                        }
                    }
                }
                "akaList" => {
                    for item in &child.children {
                        if item.name == "aka" {
                            self.aka(&mut entity, item)?;
                        } else {
                            self.unknown("akaList", item);
                        }
                    }
                }
                "addressList" => {
                    for item in &child.children {
                        if item.name == "address" {
                            self.address(&mut entity, item);
                        } else {
                            self.unknown("addressList", item);
                        }
                    }
                }
                "idList" => {
                    for item in &child.children {
                        if item.name == "id" {
                            self.id(&mut entity, &mut evidence, item)?;
                        } else {
                            self.unknown("idList", item);
                        }
                    }
                }
                "nationalityList" | "citizenshipList" => {
                    let (item_name, property) = if child.name == "nationalityList" {
                        ("nationality", prop::NATIONALITY)
                    } else {
                        ("citizenship", prop::CITIZENSHIP)
                    };
                    for (_, country) in self.main_first(child, item_name, "country") {
                        entity.add_property(property, country);
                        if !entity.countries.iter().any(|c| c == country) {
                            entity.countries.push(country.to_string());
                        }
                    }
                }
                "dateOfBirthList" => {
                    births = self.main_first(child, "dateOfBirthItem", "dateOfBirth");
                }
                "placeOfBirthList" => {
                    for (_, place) in self.main_first(child, "placeOfBirthItem", "placeOfBirth") {
                        entity.add_property(prop::BIRTH_PLACE, place);
                    }
                }
                "vesselInfo" => self.vessel(&mut entity, child),
                _ => self.unknown("sdnEntry", child),
            }
        }
        for name in std::mem::take(&mut self.issuer_names) {
            add_alias(&mut entity, &name);
        }
        for (_, text) in births {
            match partial_date(text) {
                Some((iso, approximate)) => {
                    if entity.birth_date.is_none() {
                        entity.birth_date = Some(iso);
                    } else if entity.birth_date.as_deref() != Some(iso.as_str()) {
                        entity.add_property(prop::BIRTH_DATE, &iso);
                    }
                    if approximate {
                        self.notes.push(format!("DOB {text}"));
                    }
                }
                None => self.notes.push(format!("DOB {text}")),
            }
        }
        if programs.is_empty() {
            return Err(self.error(
                record.child("programList").unwrap_or(record),
                "programList",
                "is empty; every OFAC entry has a programme",
            ));
        }
        Ok(Entry {
            origin: record.origin(self.file),
            uid,
            entity,
            notes: self.notes,
            programs,
            evidence,
            links,
        })
    }

    /// The texts of a list's items (`item_name/field`), main entries first; other children of
    /// the items are kept as unknown.
    fn main_first<'e>(
        &mut self,
        list: &'e Element,
        item_name: &'e str,
        field: &'e str,
    ) -> Vec<(bool, &'e str)> {
        let mut values = Vec::new();
        for item in &list.children {
            if item.name != item_name {
                self.unknown(&list.name, item);
                continue;
            }
            for part in &item.children {
                if !matches!(part.name.as_str(), "uid" | "mainEntry") && part.name != field {
                    self.unknown(item_name, part);
                }
            }
            if let Some(value) = item.text_of(field) {
                values.push((item.text_of("mainEntry") == Some("true"), value));
            }
        }
        // Stable: the file's order within main entries and within the others.
        values.sort_by_key(|(main, _)| !main);
        values
    }

    fn aka(&mut self, entity: &mut Entity, aka: &Element) -> Result<(), InputError> {
        let last = self.required(aka, "lastName")?;
        let name = full_name(last, aka.text_of("firstName"));
        for part in &aka.children {
            if !matches!(
                part.name.as_str(),
                "uid" | "type" | "category" | "lastName" | "firstName"
            ) {
                self.unknown("aka", part);
            }
        }
        let kind = aka.text_of("type").unwrap_or("a.k.a.");
        let weak = match aka.text_of("category") {
            Some("weak") => true,
            Some("strong") | None => false,
            Some(other) => {
                self.notes.push(format!("{kind} '{name}' (category {other})"));
                *self.skipped.entry(format!("aka category {other}")).or_default() += 1;
                false
            }
        };
        match kind {
            "f.k.a." => entity.add_property(prop::PREVIOUS_NAME, &name),
            "a.k.a." | "n.k.a." if weak => add_weak_alias(entity, &name),
            "a.k.a." | "n.k.a." => add_alias(entity, &name),
            other => {
                // A kind of name OFAC may add: still a name of the party, its kind in the notes.
                self.notes.push(format!("{other} '{name}'"));
                *self.skipped.entry(format!("aka type {other}")).or_default() += 1;
                add_alias(entity, &name);
            }
        }
        Ok(())
    }

    fn address(&mut self, entity: &mut Entity, address: &Element) {
        const PARTS: [&str; 8] = [
            "address1",
            "address2",
            "address3",
            "city",
            "stateOrProvince",
            "postalCode",
            "region",
            "country",
        ];
        for part in &address.children {
            if part.name != "uid" && !PARTS.contains(&part.name.as_str()) {
                self.unknown("address", part);
            }
        }
        let country = address.text_of("country");
        let parts: Vec<&str> = PARTS.iter().filter_map(|p| address.text_of(p)).collect();
        // A country alone is a country, not an address.
        if parts.len() > usize::from(country.is_some()) {
            let line = parts.join(", ");
            if !entity.addresses.contains(&line) {
                entity.addresses.push(line);
            }
        }
        if let Some(country) = country {
            if !entity.countries.iter().any(|c| c == country) {
                entity.countries.push(country.to_string());
            }
        }
    }

    fn vessel(&mut self, entity: &mut Entity, info: &Element) {
        for part in &info.children {
            let Some(value) = part.value() else { continue };
            match part.name.as_str() {
                "callSign" => {
                    entity.add_property(prop::CALL_SIGN, value);
                    // As the CSV reader keeps it, so screening by identifier finds the vessel.
                    let id = Identifier {
                        scheme: "Call Sign".into(),
                        value: value.to_string(),
                        country: None,
                    };
                    if !entity.identifiers.contains(&id) {
                        entity.identifiers.push(id);
                    }
                }
                "vesselType" => entity.add_property(prop::VESSEL_TYPE, value),
                "vesselFlag" => {
                    entity.add_property(prop::FLAG, value);
                    if !entity.countries.iter().any(|c| c == value) {
                        entity.countries.push(value.to_string());
                    }
                }
                // FtM's owner is an entity; OFAC gives a name that may be no entry.
                "vesselOwner" => self.notes.push(format!("Vessel owner: {value}")),
                "tonnage" => entity.add_property(prop::TONNAGE, value),
                "grossRegisteredTonnage" => entity.add_property(prop::GROSS_TONNAGE, value),
                _ => self.unknown("vesselInfo", part),
            }
        }
    }

    fn id(&mut self, entity: &mut Entity, evidence: &mut Evidence, id: &Element) -> Result<(), InputError> {
        let id_type = self.required(id, "idType")?;
        let value = self.required(id, "idNumber")?;
        for part in &id.children {
            if !matches!(
                part.name.as_str(),
                "uid" | "idType" | "idNumber" | "idCountry" | "issueDate" | "expirationDate"
            ) {
                self.unknown("id", part);
            }
        }
        // As the CSV writes the fact in Remarks: "Gender Male", "Secondary sanctions risk: …".
        let fact = || format!("{id_type} {value}");
        let Some(kind) = id_kind(id_type) else {
            self.notes.push(fact());
            *self.skipped.entry(format!("idType {id_type}")).or_default() += 1;
            return Ok(());
        };
        match kind {
            IdKind::Identifier => {
                let identifier = Identifier {
                    scheme: id_type.to_string(),
                    value: value.to_string(),
                    country: id.text_of("idCountry").map(str::to_string),
                };
                let dated: Vec<String> = [("issued", "issueDate"), ("expires", "expirationDate")]
                    .iter()
                    .filter_map(|(label, field)| id.text_of(field).map(|d| format!("{label} {d}")))
                    .collect();
                if !dated.is_empty() {
                    self.notes.push(format!("{}: {}", fact(), dated.join(", ")));
                }
                if !entity.identifiers.contains(&identifier) {
                    entity.identifiers.push(identifier);
                }
            }
            IdKind::Property(property) => entity.add_property(property, value),
            IdKind::DateProperty(property) => match partial_date(value) {
                Some((iso, approximate)) => {
                    entity.add_property(property, &iso);
                    if approximate {
                        self.notes.push(fact());
                    }
                }
                None => self.notes.push(fact()),
            },
            IdKind::Registration => {
                entity.add_property(prop::JURISDICTION, value);
                if !entity.countries.iter().any(|c| c == value) {
                    entity.countries.push(value.to_string());
                }
            }
            // After the akaList, so OFAC's own spelling of a name wins over an issuer's.
            IdKind::Alias => self.issuer_names.push(value.to_string()),
            IdKind::ListingDate => {
                let date = listing_day(value).ok_or_else(|| {
                    self.error(
                        id.child("idNumber").unwrap_or(id),
                        id_type,
                        format!("{value:?} is not a date such as 03 Jun 2021"),
                    )
                })?;
                evidence.listing_date(id_type, date, fact());
            }
            IdKind::Statement => {
                evidence.statement(id_type, value);
                self.notes.push(fact());
            }
        }
        Ok(())
    }
}

/// "LAST, First" as sdn.csv writes an individual's name; the last name alone otherwise.
fn full_name(last: &str, first: Option<&str>) -> String {
    match first {
        Some(first) => format!("{last}, {first}"),
        None => last.to_string(),
    }
}

fn add_alias(entity: &mut Entity, name: &str) {
    let known =
        entity.name.eq_ignore_ascii_case(name) || entity.aliases.iter().any(|a| a.eq_ignore_ascii_case(name));
    if !known {
        entity.aliases.push(name.to_string());
    }
}

fn add_weak_alias(entity: &mut Entity, name: &str) {
    if !entity.name.eq_ignore_ascii_case(name) && !entity.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    {
        entity.add_property(prop::WEAK_ALIAS, name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_as_precise_as_the_text() {
        for (text, iso, approximate) in [
            ("12 Jan 1964", Some("1964-01-12"), false),
            ("Jan 1964", Some("1964-01"), false),
            ("1964", Some("1964"), false),
            ("1964.", Some("1964"), false),
            ("circa 1964", Some("1964"), true),
            ("circa Apr 1961", Some("1961-04"), true),
            ("1960 to 1962", Some("1960"), true),
            ("01 Jan 1956 to 31 Dec 1956", Some("1956"), true),
            ("01 Jan 1961 to 31 Dec 1962", Some("1961"), true),
            ("Mar 1960 to Apr 1960", Some("1960"), true),
            ("31 Feb 1964", None, false),
            ("unknown", None, false),
        ] {
            assert_eq!(
                partial_date(text),
                iso.map(|i| (i.to_string(), approximate)),
                "{text}"
            );
        }
        assert_eq!(listing_day("03 Jun 2021").unwrap().to_string(), "2021-06-03");
        assert_eq!(listing_day("Jun 2021"), None);
    }

    #[test]
    fn links_keep_parentheses_inside_names() {
        assert_eq!(
            linked_names("For more information, see x.; (Linked To: ISLAMIC REVOLUTIONARY GUARD CORPS (IRGC)-QODS FORCE)"),
            ["ISLAMIC REVOLUTIONARY GUARD CORPS (IRGC)-QODS FORCE"]
        );
        assert_eq!(
            linked_names("(Linked To: A.); (Linked To: HUAWEI INVESTMENT & HOLDING CO., LTD.)"),
            ["A", "HUAWEI INVESTMENT & HOLDING CO., LTD"]
        );
        assert!(linked_names("HAMAS - Hebron").is_empty());
    }
}
