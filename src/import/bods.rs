//! Beneficial Ownership Data Standard v0.4: a JSON array of statements, or one statement per
//! line. `entity` and `person` statements become entities (id = `recordId`); each
//! `relationship` statement becomes relations from its interested party to its subject, one
//! per relation kind its interests map to (see [`interest_kind`]).
//!
//! An interested party that is not a record but an inline `{"reason", "description"}` (a
//! declared-unknown owner) becomes a placeholder entity named "owner unknown: reason", so the
//! gap stays visible. A later statement about the same record replaces an earlier one; a
//! `closed` relationship ends on its statement date. Circular ownership is data, not an error.

use super::csv_dir::check_id;
use super::ftm::{default_dataset, parse_percentage};
use super::ImportError;
use crate::model::{
    Batch, Date, Entity, Identifier, InputError, Origin, Pct, Relation, RelationKind, Schema, Share,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statement {
    record_id: String,
    record_type: String,
    #[serde(default)]
    record_status: Option<String>,
    #[serde(default)]
    statement_date: Option<String>,
    record_details: serde_json::Value,
}

#[derive(Deserialize, Default)]
struct Code {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
struct BodsIdentifier {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    scheme: Option<String>,
    #[serde(default, rename = "schemeName")]
    scheme_name: Option<String>,
    #[serde(default)]
    uri: Option<String>,
}

#[derive(Deserialize)]
struct Address {
    #[serde(default)]
    address: Option<String>,
    #[serde(default)]
    country: Option<Code>,
}

#[derive(Deserialize)]
struct Unspecified {
    reason: String,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
struct EntityType {
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntityDetails {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    alternate_names: Vec<String>,
    entity_type: Option<EntityType>,
    #[serde(default)]
    jurisdiction: Option<Code>,
    #[serde(default)]
    identifiers: Vec<BodsIdentifier>,
    #[serde(default)]
    addresses: Vec<Address>,
    #[serde(default)]
    founding_date: Option<String>,
    #[serde(default)]
    dissolution_date: Option<String>,
    #[serde(default)]
    unspecified_entity_details: Option<Unspecified>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Name {
    #[serde(default)]
    full_name: Option<String>,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    family_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PersonDetails {
    #[serde(default)]
    person_type: Option<String>,
    #[serde(default)]
    names: Vec<Name>,
    #[serde(default)]
    nationalities: Vec<Code>,
    #[serde(default)]
    birth_date: Option<String>,
    #[serde(default)]
    addresses: Vec<Address>,
    #[serde(default)]
    identifiers: Vec<BodsIdentifier>,
    #[serde(default)]
    unspecified_person_details: Option<Unspecified>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Party {
    Record(String),
    Unknown(Unspecified),
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ShareRange {
    exact: Option<serde_json::Number>,
    minimum: Option<serde_json::Number>,
    maximum: Option<serde_json::Number>,
    exclusive_minimum: Option<serde_json::Number>,
    exclusive_maximum: Option<serde_json::Number>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Interest {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    direct_or_indirect: Option<String>,
    #[serde(default)]
    beneficial_ownership_or_control: Option<bool>,
    #[serde(default)]
    share: Option<ShareRange>,
    #[serde(default)]
    start_date: Option<String>,
    #[serde(default)]
    end_date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RelationshipDetails {
    subject: String,
    interested_party: Party,
    #[serde(default)]
    interests: Vec<Interest>,
}

/// The relation kind a BODS interest type becomes. Equity (`shareholding`) is kept apart from
/// votes and other control, from board seats and from economic rights; the share of a
/// `votingRights` interest stays on its `controls` relation.
pub fn interest_kind(kind: &str) -> RelationKind {
    match kind {
        "shareholding" => RelationKind::Owns,
        "votingRights"
        | "appointmentOfBoard"
        | "otherInfluenceOrControl"
        | "controlViaCompanyRulesOrArticles"
        | "controlByLegalFramework"
        | "rightsGrantedByContract"
        | "conditionalRightsGrantedByContract"
        | "settlor"
        | "trustee"
        | "protector"
        | "nominee"
        | "nominator" => RelationKind::Controls,
        "boardMember" | "boardChair" | "seniorManagingOfficial" => RelationKind::DirectorOf,
        "beneficiaryOfLegalArrangement"
        | "rightsToSurplusAssetsOnDissolution"
        | "rightsToProfitOrIncome"
        | "rightToProfitOrIncomeFromAssets"
        | "enjoymentAndUseOfAssets" => RelationKind::InvestedIn,
        _ => RelationKind::LinkedTo,
    }
}

/// `subjectUnableToConfirmOrIdentifyBeneficialOwner` → `subject unable to confirm or
/// identify beneficial owner`.
pub fn words(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 8);
    for c in code.chars() {
        if c.is_uppercase() && !out.is_empty() {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// The name shown for a party the declaration says is unknown.
pub fn unknown_owner_name(reason: &str) -> String {
    format!("owner unknown: {}", words(reason))
}

fn unknown_notes(u: &Unspecified) -> String {
    match &u.description {
        Some(d) => format!("BODS reason {}: {d}", u.reason),
        None => format!("BODS reason {}", u.reason),
    }
}

fn date(field: &str, text: Option<&str>, notes: &mut Vec<String>) -> Option<Date> {
    let text = text?.trim();
    let day = text.get(..10).and_then(|d| d.parse().ok());
    if day.is_none() && !text.is_empty() {
        notes.push(format!("{field} {text}"));
    }
    day
}

fn pct(origin: &Origin, field: &str, n: &serde_json::Number) -> Result<Pct, InputError> {
    parse_percentage(&n.to_string())
        .map(|s| s.lo)
        .map_err(|e| InputError::new(origin, field, e))
}

fn share(origin: &Origin, field: &str, range: &ShareRange) -> Result<Option<Share>, InputError> {
    if let Some(exact) = &range.exact {
        return Ok(Some(Share::exact(pct(origin, &format!("{field}.exact"), exact)?)));
    }
    let lo = match (&range.minimum, &range.exclusive_minimum) {
        (Some(n), _) => Some(pct(origin, &format!("{field}.minimum"), n)?),
        (None, Some(n)) => Some(Pct(
            pct(origin, &format!("{field}.exclusiveMinimum"), n)?.0 + Pct::EPSILON.0
        )),
        (None, None) => None,
    };
    let hi = match (&range.maximum, &range.exclusive_maximum) {
        (Some(n), _) => Some(pct(origin, &format!("{field}.maximum"), n)?),
        (None, Some(n)) => Some(Pct(pct(origin, &format!("{field}.exclusiveMaximum"), n)?
            .0
            .saturating_sub(Pct::EPSILON.0))),
        (None, None) => None,
    };
    if lo.is_none() && hi.is_none() {
        return Ok(None);
    }
    Share::range(lo.unwrap_or(Pct::ZERO), hi.unwrap_or(Pct::HUNDRED))
        .map(Some)
        .map_err(|e| InputError::new(origin, field, e))
}

fn identifiers(list: &[BodsIdentifier]) -> Vec<Identifier> {
    list.iter()
        .filter_map(|i| {
            Some(Identifier {
                scheme: i
                    .scheme
                    .clone()
                    .or_else(|| i.scheme_name.clone())
                    .unwrap_or_else(|| "id".into()),
                value: i.id.clone().or_else(|| i.uri.clone())?,
                country: None,
            })
        })
        .collect()
}

fn addresses(list: &[Address], countries: &mut Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for a in list {
        if let Some(text) = a.address.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            if !out.iter().any(|o: &String| o == text) {
                out.push(text.to_string());
            }
        }
        if let Some(code) = a.country.as_ref().and_then(|c| c.code.clone().or(c.name.clone())) {
            if !countries.contains(&code) {
                countries.push(code);
            }
        }
    }
    out
}

fn details<T: serde::de::DeserializeOwned>(
    origin: &Origin,
    value: &serde_json::Value,
) -> Result<T, InputError> {
    T::deserialize(value).map_err(|e| InputError::new(origin, "recordDetails", e.to_string()))
}

fn entity_of(origin: &Origin, s: &Statement, dataset: &str) -> Result<Entity, InputError> {
    let d: EntityDetails = details(origin, &s.record_details)?;
    let schema = match d.entity_type.as_ref().map(|t| t.kind.as_str()) {
        Some("registeredEntity") => Schema::Company,
        Some("state" | "stateBody") => Schema::PublicBody,
        _ => Schema::LegalEntity,
    };
    let mut notes = Vec::new();
    let name = match (
        d.name.as_deref().map(str::trim).filter(|n| !n.is_empty()),
        &d.unspecified_entity_details,
    ) {
        (Some(name), _) => name.to_string(),
        (None, Some(u)) => {
            notes.push(unknown_notes(u));
            unknown_owner_name(&u.reason)
        }
        (None, None) => return Err(InputError::new(origin, "recordDetails.name", "missing")),
    };
    let mut entity = Entity::new(&s.record_id, schema, &name, dataset);
    entity.aliases = d.alternate_names.into_iter().filter(|a| *a != name).collect();
    if let Some(code) = d.jurisdiction.and_then(|j| j.code.or(j.name)) {
        entity.countries.push(code);
    }
    entity.identifiers = identifiers(&d.identifiers);
    entity.addresses = addresses(&d.addresses, &mut entity.countries);
    if let Some(t) = d.entity_type {
        notes.push(format!("BODS entityType {}", t.kind));
    }
    if let Some(f) = d.founding_date {
        notes.push(format!("founded {f}"));
    }
    if let Some(f) = d.dissolution_date {
        notes.push(format!("dissolved {f}"));
    }
    entity.notes = (!notes.is_empty()).then(|| notes.join("; "));
    Ok(entity)
}

fn person_of(origin: &Origin, s: &Statement, dataset: &str) -> Result<Entity, InputError> {
    let d: PersonDetails = details(origin, &s.record_details)?;
    let mut names: Vec<String> = d
        .names
        .iter()
        .filter_map(|n| {
            n.full_name.clone().or_else(|| {
                let parts: Vec<&str> = [&n.given_name, &n.family_name]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
        })
        .collect();
    names.dedup();
    let mut notes = Vec::new();
    let name = if names.is_empty() {
        match &d.unspecified_person_details {
            Some(u) => {
                notes.push(unknown_notes(u));
                unknown_owner_name(&u.reason)
            }
            None => return Err(InputError::new(origin, "recordDetails.names", "missing")),
        }
    } else {
        names.remove(0)
    };
    let mut entity = Entity::new(&s.record_id, Schema::Person, &name, dataset);
    entity.aliases = names;
    entity.countries = d
        .nationalities
        .into_iter()
        .filter_map(|c| c.code.or(c.name))
        .collect();
    entity.birth_date = d.birth_date;
    entity.identifiers = identifiers(&d.identifiers);
    entity.addresses = addresses(&d.addresses, &mut entity.countries);
    if let Some(t) = d.person_type {
        notes.push(format!("BODS personType {t}"));
    }
    entity.notes = (!notes.is_empty()).then(|| notes.join("; "));
    Ok(entity)
}

fn relations_of(
    origin: &Origin,
    s: &Statement,
    dataset: &str,
    placeholders: &mut Vec<(Origin, Entity)>,
) -> Result<Vec<Relation>, InputError> {
    let d: RelationshipDetails = details(origin, &s.record_details)?;
    check_id(origin, "recordDetails.subject", &d.subject)?;
    let party = match &d.interested_party {
        Party::Record(id) => {
            check_id(origin, "recordDetails.interestedParty", id)?;
            id.clone()
        }
        Party::Unknown(u) => {
            let id = format!("{}-unknown-party", s.record_id);
            let mut entity = Entity::new(&id, Schema::LegalEntity, &unknown_owner_name(&u.reason), dataset);
            entity.notes = Some(unknown_notes(u));
            placeholders.push((origin.clone(), entity));
            id
        }
    };
    let closed = s.record_status.as_deref() == Some("closed");
    let closed_on = if closed {
        s.statement_date
            .as_deref()
            .and_then(|d| d.get(..10)?.parse().ok())
    } else {
        None
    };
    if d.interests.is_empty() {
        // A declaration without interests (typically an unknown owner): ownership of unknown size.
        let mut relation = Relation::new(&party, &d.subject, RelationKind::Owns, dataset);
        relation.record_id = Some(s.record_id.clone());
        relation.end_date = closed_on;
        relation.notes = Some("BODS relationship without stated interests".into());
        return Ok(vec![relation]);
    }
    // Interests that map to the same kind from the same day are one relation.
    let mut out: Vec<Relation> = Vec::new();
    let mut described: Vec<Vec<String>> = Vec::new();
    for (i, interest) in d.interests.iter().enumerate() {
        let field = format!("recordDetails.interests[{i}]");
        let kind = interest_kind(&interest.kind);
        let mut notes = Vec::new();
        let start = date("startDate", interest.start_date.as_deref(), &mut notes);
        let end = date("endDate", interest.end_date.as_deref(), &mut notes).or(closed_on);
        let share = match &interest.share {
            Some(range) => share(origin, &format!("{field}.share"), range)?,
            None => None,
        };
        let mut text = interest.kind.clone();
        if let Some(s) = share {
            text.push_str(&format!(" {s}%"));
        }
        if let Some(d) = &interest.direct_or_indirect {
            text.push_str(&format!(", {d}"));
        }
        if interest.beneficial_ownership_or_control == Some(true) {
            text.push_str(", beneficial");
        }
        notes.insert(0, text);
        match out.iter().position(|r| r.kind == kind && r.start_date == start) {
            Some(j) => {
                // The interest that names the kind best gives the share: shares for owns,
                // voting rights for controls.
                let primary = matches!(interest.kind.as_str(), "shareholding" | "votingRights");
                if out[j].share.is_none() || primary {
                    out[j].share = share.or(out[j].share);
                }
                out[j].end_date = out[j].end_date.max(end);
                described[j].extend(notes);
            }
            None => {
                let mut relation = Relation::new(&party, &d.subject, kind, dataset);
                relation.share = share;
                relation.start_date = start;
                relation.end_date = end.filter(|e| start.is_none_or(|s| s <= *e));
                out.push(relation);
                described.push(notes);
            }
        }
    }
    let single = out.len() == 1;
    for (relation, notes) in out.iter_mut().zip(described) {
        // The record's id is its key (a later statement of the record updates it); a record
        // whose interests make several relations tells them apart by kind and start.
        relation.record_id = Some(if single {
            s.record_id.clone()
        } else {
            let start = relation.start_date.map(|d| d.to_string()).unwrap_or_default();
            format!("{}.{}.{start}", s.record_id, relation.kind)
        });
        relation.notes = Some(format!("BODS interests: {}", notes.join("; ")));
        relation.evidence = Some(format!("BODS record {}", s.record_id));
    }
    Ok(out)
}

/// Splits the file into statements with the line each starts on.
fn statements<'a>(file: &Arc<str>, text: &'a str) -> Result<Vec<(Origin, &'a str)>, InputError> {
    let origin = |line| Origin {
        file: file.clone(),
        line,
    };
    if text.trim_start().starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| {
            InputError::new(
                &origin(e.line() as u64),
                "statement",
                format!("not a JSON array of statements: {e}"),
            )
        })?;
        let base = text.as_ptr() as usize;
        let mut line = 1u64;
        let mut counted = 0usize;
        Ok(items
            .into_iter()
            .map(|raw| {
                let at = raw.get().as_ptr() as usize - base;
                line += text.as_bytes()[counted..at]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count() as u64;
                counted = at;
                (origin(line), raw.get())
            })
            .collect())
    } else {
        Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (origin(i as u64 + 1), l))
            .collect())
    }
}

/// Reads a BODS v0.4 file (JSON array or JSON lines). The dataset is named after the file.
pub fn read(path: &Path, progress: &dyn Fn(u64)) -> Result<Batch, ImportError> {
    let dataset = default_dataset(path);
    let file: Arc<str> = path.display().to_string().into();
    let bytes = std::fs::read(path).map_err(|e| ImportError::io(path, e))?;
    let text = super::utf8_text(&file, &bytes, 1)?;
    progress(text.len() as u64 / 2);
    // Later statements about a record replace earlier ones: keep the last of each.
    let mut last: HashMap<String, (Origin, Statement)> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for (origin, raw) in statements(&file, text)? {
        let statement: Statement = serde_json::from_str(raw)
            .map_err(|e| InputError::new(&origin, "statement", format!("not a BODS statement: {e}")))?;
        check_id(&origin, "recordId", &statement.record_id)?;
        if !last.contains_key(&statement.record_id) {
            order.push(statement.record_id.clone());
        }
        last.insert(statement.record_id.clone(), (origin, statement));
    }
    let mut batch = Batch {
        dataset: dataset.clone(),
        ..Batch::default()
    };
    let mut placeholders = Vec::new();
    let mut relation_keys = std::collections::HashSet::new();
    for id in order {
        let (origin, s) = &last[&id];
        match s.record_type.as_str() {
            "entity" => batch
                .entities
                .push((origin.clone(), entity_of(origin, s, &dataset)?)),
            "person" => batch
                .entities
                .push((origin.clone(), person_of(origin, s, &dataset)?)),
            "relationship" => {
                for relation in relations_of(origin, s, &dataset, &mut placeholders)? {
                    if relation_keys.insert(relation.natural_key()) {
                        batch.relations.push((origin.clone(), relation));
                    }
                }
            }
            other => {
                return Err(InputError::new(
                    origin,
                    "recordType",
                    format!("{other:?} is not one of entity, person, relationship"),
                )
                .into())
            }
        }
    }
    batch.entities.extend(placeholders);
    progress(text.len() as u64);
    Ok(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interest_types_map_to_kinds() {
        for (kind, expected) in [
            ("shareholding", RelationKind::Owns),
            ("votingRights", RelationKind::Controls),
            ("appointmentOfBoard", RelationKind::Controls),
            ("boardMember", RelationKind::DirectorOf),
            ("rightsToProfitOrIncome", RelationKind::InvestedIn),
            ("unknownInterest", RelationKind::LinkedTo),
        ] {
            assert_eq!(interest_kind(kind), expected, "{kind}");
        }
        assert_eq!(
            unknown_owner_name("subjectUnableToConfirmOrIdentifyBeneficialOwner"),
            "owner unknown: subject unable to confirm or identify beneficial owner"
        );
    }

    #[test]
    fn share_ranges() {
        let o = Origin {
            file: "f".into(),
            line: 1,
        };
        let n = |x: &str| Some(x.parse::<serde_json::Number>().unwrap());
        let range = |exact, minimum, maximum| ShareRange {
            exact,
            minimum,
            maximum,
            ..ShareRange::default()
        };
        assert_eq!(
            share(&o, "s", &range(n("75"), None, None))
                .unwrap()
                .unwrap()
                .to_string(),
            "75"
        );
        assert_eq!(
            share(&o, "s", &range(None, n("25"), n("50")))
                .unwrap()
                .unwrap()
                .to_string(),
            "25-50"
        );
        assert_eq!(
            share(&o, "s", &range(None, n("25"), None))
                .unwrap()
                .unwrap()
                .to_string(),
            "25-100"
        );
        let exclusive = ShareRange {
            exclusive_minimum: n("50"),
            ..ShareRange::default()
        };
        assert_eq!(share(&o, "s", &exclusive).unwrap().unwrap(), Share::majority());
        let err = share(&o, "s", &range(None, n("60"), n("50"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f:1: s: share range 60-50 has its minimum above its maximum"
        );
        assert!(share(&o, "s", &range(n("101"), None, None)).is_err());
    }
}
