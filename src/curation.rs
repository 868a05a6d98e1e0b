//! Curation: signed-in researchers add or end relations and add aliases and notes; every
//! change is recorded with who, when and why, and an admin can revert it.
//!
//! Architecture invariant: a curated change is validated here, written by the store in one
//! transaction together with its history row, and only then is a new graph snapshot swapped
//! in ([`Engine::change`]). Curated facts carry the dataset [`CURATED`], so pages tell them
//! from imported ones and a re-import never overwrites them. This module knows nothing of HTTP.

use crate::accounts::{Role, User};
use crate::engine::Engine;
use crate::model::{Confidence, Date, Relation, RelationKind, Share};
use crate::store::{Change, NewChange, StoreError};
use serde::Deserialize;

/// The dataset of every curated relation.
pub const CURATED: &str = "curated";
/// The most characters a free-text field (reason, evidence, note) may hold.
pub const MAX_TEXT_CHARS: usize = 4000;
/// The most characters an alias may hold.
pub const MAX_ALIAS_CHARS: usize = 300;

#[derive(Debug, thiserror::Error)]
pub enum CurationError {
    /// Bad input: the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// The account may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    /// The change clashes with the data as it is (a duplicate, an already reverted change).
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for CurationError {
    fn from(e: StoreError) -> CurationError {
        match e {
            StoreError::NotFound(m) => CurationError::NotFound(m),
            StoreError::Conflict(m) => CurationError::Conflict(m),
            other => CurationError::Store(other),
        }
    }
}

type Result<T> = std::result::Result<T, CurationError>;

fn invalid(field: &str, message: impl std::fmt::Display) -> CurationError {
    CurationError::Invalid(format!("{field}: {message}"))
}

/// A required free-text field, trimmed and bounded.
fn text<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str> {
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid(field, "required"));
    }
    if value.chars().count() > max {
        return Err(invalid(field, format!("longer than {max} characters")));
    }
    Ok(value)
}

fn optional_date(field: &str, value: &str) -> Result<Option<Date>> {
    match value.trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|e| invalid(field, e)),
    }
}

/// A relation as a curator states it, each field as typed into the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct RelationInput {
    pub source: String,
    pub target: String,
    /// e.g. `owns`; see [`RelationKind`].
    pub kind: String,
    /// Notation of [`Share::parse`]; empty when unknown. Only `owns` carries a share.
    pub share: String,
    pub start_date: String,
    pub end_date: String,
    /// A URL or a citation: where the fact comes from. Required.
    pub evidence: String,
    /// `H`, `M` or `L`. Required.
    pub confidence: String,
    pub notes: String,
}

impl RelationInput {
    /// Validates every field into a curated [`Relation`]; the error names the field.
    pub fn parse(&self) -> Result<Relation> {
        let source = text("source", &self.source, 200)?;
        let target = text("target", &self.target, 200)?;
        if source == target {
            return Err(invalid("target", "a relation joins two different entities"));
        }
        let kind: RelationKind = self.kind.trim().parse().map_err(|e| invalid("kind", e))?;
        let share = match self.share.trim() {
            "" => None,
            s => Some(Share::parse(s).map_err(|e| invalid("share", e))?),
        };
        if share.is_some() && kind != RelationKind::Owns {
            return Err(invalid(
                "share",
                format!("only an `owns` relation carries a share, not `{kind}`"),
            ));
        }
        let start_date = optional_date("start_date", &self.start_date)?;
        let end_date = optional_date("end_date", &self.end_date)?;
        if let (Some(start), Some(end)) = (start_date, end_date) {
            if end < start {
                return Err(invalid(
                    "end_date",
                    format!("{end} is before the start date {start}"),
                ));
            }
        }
        let evidence = text("evidence", &self.evidence, MAX_TEXT_CHARS)
            .map_err(|_| invalid("evidence", "give a URL or a citation for the relation"))?;
        let confidence: Confidence = self
            .confidence
            .trim()
            .parse()
            .map_err(|e| invalid("confidence", e))?;
        let notes = match self.notes.trim() {
            "" => None,
            n => Some(text("notes", n, MAX_TEXT_CHARS)?.to_string()),
        };
        let mut relation = Relation::new(source, target, kind, CURATED);
        relation.share = share;
        relation.start_date = start_date;
        relation.end_date = end_date;
        relation.evidence = Some(evidence.to_string());
        relation.confidence = Some(confidence);
        relation.notes = notes;
        Ok(relation)
    }
}

/// Checks that `id` names an entity of the current graph.
fn known_entity(engine: &Engine, field: &str, id: &str) -> Result<()> {
    match engine.snapshot().find(id) {
        Some(_) => Ok(()),
        None => Err(invalid(field, format!("no entity with id {id:?}"))),
    }
}

fn meta<'a>(user: &'a User, reason: &'a str) -> Result<NewChange<'a>> {
    Ok(NewChange {
        author: &user.name,
        reason: text("reason", reason, MAX_TEXT_CHARS)?,
    })
}

/// Records a new curated relation between two existing entities.
pub fn add_relation(engine: &Engine, user: &User, input: &RelationInput, reason: &str) -> Result<Change> {
    let meta = meta(user, reason)?;
    let relation = input.parse()?;
    known_entity(engine, "source", &relation.source)?;
    known_entity(engine, "target", &relation.target)?;
    let mut summary = format!(
        "{} {} {}",
        relation.source,
        relation.kind.label(),
        relation.target
    );
    if let Some(share) = relation.share {
        summary.push_str(&format!(" ({share}%)"));
    }
    match (relation.start_date, relation.end_date) {
        (Some(s), Some(e)) => summary.push_str(&format!(" from {s} until {e}")),
        (Some(s), None) => summary.push_str(&format!(" from {s}")),
        (None, Some(e)) => summary.push_str(&format!(" until {e}")),
        (None, None) => {}
    }
    engine.change(|store| Ok(store.add_curated_relation(&relation, &summary, meta)?))
}

/// Ends a relation (imported or curated) that has no end date yet.
pub fn end_relation(engine: &Engine, user: &User, rid: i64, end_date: &str, reason: &str) -> Result<Change> {
    let meta = meta(user, reason)?;
    let end: Date = optional_date("end_date", end_date)?.ok_or_else(|| invalid("end_date", "required"))?;
    let relation = engine
        .read(|store| store.relation(rid))?
        .ok_or_else(|| CurationError::NotFound(format!("no relation {rid}")))?;
    if let Some(start) = relation.start_date {
        if end < start {
            return Err(invalid(
                "end_date",
                format!("{end} is before the relation's start date {start}"),
            ));
        }
    }
    let summary = format!(
        "ended {} {} {} on {end}",
        relation.source,
        relation.kind.label(),
        relation.target
    );
    engine.change(|store| Ok(store.end_relation(rid, end, &summary, meta)?))
}

/// Adds a curated alias (another name) to an entity.
pub fn add_alias(engine: &Engine, user: &User, entity: &str, alias: &str, reason: &str) -> Result<Change> {
    let meta = meta(user, reason)?;
    let alias = text("alias", alias, MAX_ALIAS_CHARS)?;
    known_entity(engine, "entity", entity)?;
    let summary = format!("added alias {alias:?} to {entity}");
    engine.change(|store| Ok(store.add_annotation(entity, "alias", alias, &summary, meta)?))
}

/// Attaches a curated note to an entity.
pub fn add_note(engine: &Engine, user: &User, entity: &str, note: &str, reason: &str) -> Result<Change> {
    let meta = meta(user, reason)?;
    let note = text("note", note, MAX_TEXT_CHARS)?;
    known_entity(engine, "entity", entity)?;
    let summary = format!("added a note to {entity}");
    engine.change(|store| Ok(store.add_annotation(entity, "note", note, &summary, meta)?))
}

/// Undoes a change; admins only. The revert is itself a recorded change.
pub fn revert(engine: &Engine, user: &User, change: i64, reason: &str) -> Result<Change> {
    if user.role != Role::Admin {
        return Err(CurationError::Forbidden(format!(
            "only an admin may revert changes; {} is a {}",
            user.name, user.role
        )));
    }
    let meta = meta(user, reason)?;
    engine.change(|store| {
        // Undoing a judgement may bring back an older one of its pair: the negative
        // judgements must still hold after it.
        if let Some(after) = store.judgements_without_change(change)? {
            crate::resolve::validate(&after).map_err(CurationError::Conflict)?;
        }
        Ok(store.revert_change(change, meta)?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> RelationInput {
        RelationInput {
            source: "hikvision".into(),
            target: "ofac-306".into(),
            kind: "owns".into(),
            share: "12.5".into(),
            start_date: "2020-01-01".into(),
            end_date: String::new(),
            evidence: "https://example.org/filing".into(),
            confidence: "M".into(),
            notes: String::new(),
        }
    }

    #[test]
    fn relation_input_validates_each_field() {
        let r = input().parse().unwrap();
        assert_eq!(r.dataset, CURATED);
        assert_eq!(r.share.unwrap().to_string(), "12.5");
        assert_eq!(r.confidence, Some(Confidence::M));
        type Spoil = fn(&mut RelationInput);
        let cases: Vec<(Spoil, &str)> = vec![
            (|i| i.share = "120".into(), "share: \"120\" is not a percentage"),
            (
                |i| i.kind = "married_to".into(),
                "kind: unknown relation kind \"married_to\"",
            ),
            (
                |i| i.end_date = "2019-12-31".into(),
                "end_date: 2019-12-31 is before the start date 2020-01-01",
            ),
            (
                |i| i.start_date = "2020-02-30".into(),
                "start_date: \"2020-02-30\" is not a date",
            ),
            (|i| i.evidence = " ".into(), "evidence: give a URL or a citation"),
            (|i| i.confidence = "X".into(), "confidence: unknown confidence"),
            (
                |i| i.target = "hikvision".into(),
                "target: a relation joins two different entities",
            ),
            (|i| i.target = String::new(), "target: required"),
            (
                |i| i.kind = "controls".into(),
                "share: only an `owns` relation carries a share",
            ),
        ];
        for (spoil, expected) in cases {
            let mut i = input();
            spoil(&mut i);
            let message = i.parse().unwrap_err().to_string();
            assert!(
                message.starts_with(expected),
                "{message:?} should start with {expected:?}"
            );
        }
    }
}
