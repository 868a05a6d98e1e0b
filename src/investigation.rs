//! Investigations: a named canvas a user saved from the live graph (its entities, their
//! positions, notes on nodes and relations), checked against the snapshot, what a later
//! release changed about its entities since it was saved, and the entities of an imported FtM
//! file matched to the database's. No SQL (`store/investigations.rs`), no HTTP.

use crate::engine::Engine;
use crate::graph::Snapshot;
use crate::model::{Batch, Date, RelationKind};
use crate::resolve::score::{score, shared_identifier};
use crate::resolve::{Decision, Record};
use crate::screen::{Matcher, Subject};
use crate::store::StoreError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Most entities an investigation holds.
pub const MAX_NODES: usize = 2_000;
/// Most relations an investigation holds.
pub const MAX_EDGES: usize = 10_000;
/// Longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Largest coordinate accepted, either way.
const MAX_COORDINATE: f64 = 1e7;

/// An entity on the canvas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CanvasNode {
    pub id: String,
    pub x: f64,
    pub y: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Its neighbours were expanded on the canvas.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expanded: bool,
}

/// A relation on the canvas, by its natural key within the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CanvasEdge {
    pub source: String,
    pub target: String,
    pub kind: RelationKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What is on the canvas.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Canvas {
    pub nodes: Vec<CanvasNode>,
    #[serde(default)]
    pub edges: Vec<CanvasEdge>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{field}: {problem}")]
pub struct CanvasError {
    pub field: String,
    pub problem: String,
}

fn refuse(field: impl Into<String>, problem: impl Into<String>) -> CanvasError {
    CanvasError {
        field: field.into(),
        problem: problem.into(),
    }
}

/// A checked investigation name: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
pub fn check_name(name: &str) -> Result<String, CanvasError> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_NAME_CHARS {
        return Err(refuse(
            "name",
            format!("1 to {MAX_NAME_CHARS} characters, got {chars}"),
        ));
    }
    Ok(name.to_string())
}

fn check_note(field: String, note: &mut Option<String>) -> Result<(), CanvasError> {
    if let Some(text) = note {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            *note = None;
        } else if trimmed.chars().count() > MAX_NOTE_CHARS {
            return Err(refuse(
                field,
                format!("a note holds at most {MAX_NOTE_CHARS} characters"),
            ));
        } else {
            *text = trimmed.to_string();
        }
    }
    Ok(())
}

impl Canvas {
    /// Reads a canvas as the live graph posts it (JSON) and checks it against `snapshot`:
    /// every entity exists, each once; every relation joins two of them and exists; sizes,
    /// notes and coordinates within bounds.
    pub fn parse(json: &str, snapshot: &Snapshot) -> Result<Canvas, CanvasError> {
        let mut canvas: Canvas =
            serde_json::from_str(json).map_err(|e| refuse("canvas", format!("not a canvas: {e}")))?;
        canvas.check(snapshot)?;
        Ok(canvas)
    }

    /// Checks (and tidies notes of) a canvas however it was made.
    pub fn check(&mut self, snapshot: &Snapshot) -> Result<(), CanvasError> {
        if self.nodes.is_empty() {
            return Err(refuse(
                "canvas",
                "no entities: an investigation holds at least one",
            ));
        }
        if self.nodes.len() > MAX_NODES {
            return Err(refuse(
                "canvas",
                format!("{} entities; at most {MAX_NODES}", self.nodes.len()),
            ));
        }
        if self.edges.len() > MAX_EDGES {
            return Err(refuse(
                "canvas",
                format!("{} relations; at most {MAX_EDGES}", self.edges.len()),
            ));
        }
        let mut seen = HashSet::new();
        for (i, node) in self.nodes.iter_mut().enumerate() {
            let field = format!("nodes[{i}]");
            if snapshot.find(&node.id).is_none() {
                return Err(refuse(field, format!("no entity with id {:?}", node.id)));
            }
            if !seen.insert(node.id.clone()) {
                return Err(refuse(field, format!("{:?} is on the canvas twice", node.id)));
            }
            if !(node.x.is_finite() && node.y.is_finite())
                || node.x.abs() > MAX_COORDINATE
                || node.y.abs() > MAX_COORDINATE
            {
                return Err(refuse(field, "x and y must be numbers within ±10,000,000"));
            }
            check_note(format!("nodes[{i}].note"), &mut node.note)?;
        }
        for (i, edge) in self.edges.iter_mut().enumerate() {
            let field = format!("edges[{i}]");
            if !seen.contains(&edge.source) || !seen.contains(&edge.target) {
                return Err(refuse(field, "a relation joins two entities on the canvas"));
            }
            if find_relation(snapshot, edge).is_none() {
                return Err(refuse(
                    field,
                    format!(
                        "no {} relation from {:?} to {:?}",
                        edge.kind, edge.source, edge.target
                    ),
                ));
            }
            check_note(format!("edges[{i}].note"), &mut edge.note)?;
        }
        Ok(())
    }
}

/// The snapshot's relation a canvas edge stands for: same ends and kind, and the same start
/// date when the edge names one.
pub fn find_relation(snapshot: &Snapshot, edge: &CanvasEdge) -> Option<u32> {
    let source = snapshot.find(&edge.source)?;
    let target = snapshot.find(&edge.target)?;
    snapshot
        .outgoing(source)
        .iter()
        .filter(|a| a.node == target && a.kind == edge.kind)
        .map(|a| a.edge)
        .find(|&e| edge.start_date.is_none() || snapshot.edge(e).start_date == edge.start_date)
}

/// Most relations of one entity saved as lines of their own. Beyond it (a hub: a formation
/// agent director of 80,000 companies) the relations with other entities on the canvas keep
/// their lines, up to this many, and the rest are counted by kind and direction, so what an
/// investigation stores stays small however large the hubs on its canvas.
pub const MAX_RELATION_LINES: usize = 100;

/// What the snapshot says about each entity of a canvas, one line per fact (its listings, its
/// relations with their dates; a hub's relations beyond [`MAX_RELATION_LINES`] as counts):
/// saved with the investigation, compared when it is reopened.
pub fn facts(snapshot: &Snapshot, canvas: &Canvas) -> BTreeMap<String, BTreeSet<String>> {
    let date = |d: Option<Date>| d.map(|d| d.to_string()).unwrap_or_else(|| "…".into());
    let on_canvas: HashSet<u32> = canvas.nodes.iter().filter_map(|n| snapshot.find(&n.id)).collect();
    canvas
        .nodes
        .iter()
        .filter_map(|n| snapshot.find(&n.id).map(|node| (n, node)))
        .map(|(n, node)| {
            let mut lines = BTreeSet::new();
            for fact in snapshot.listings(node) {
                let program = &snapshot.program_names[fact.program as usize];
                lines.insert(format!(
                    "listed on {}{}{} from {} until {}",
                    snapshot.list_names[fact.list as usize],
                    if program.is_empty() { "" } else { " under " },
                    program,
                    date(fact.start_date),
                    date(fact.end_date)
                ));
            }
            let hub = snapshot.links(node) > MAX_RELATION_LINES;
            let mut kept = 0;
            // (kind, outgoing) → (relations, of which with an end date), of a hub's other relations.
            let mut counted: BTreeMap<(RelationKind, bool), (usize, usize)> = BTreeMap::new();
            for (adjacent, outgoing) in snapshot
                .outgoing(node)
                .iter()
                .map(|a| (a, true))
                .chain(snapshot.incoming(node).iter().map(|a| (a, false)))
            {
                let e = snapshot.edge(adjacent.edge);
                if hub && (kept == MAX_RELATION_LINES || !on_canvas.contains(&adjacent.node)) {
                    let count = counted.entry((e.kind, outgoing)).or_default();
                    count.0 += 1;
                    count.1 += usize::from(e.end_date.is_some());
                    continue;
                }
                kept += 1;
                let other = &snapshot.node(adjacent.node).id;
                let (source, target) = if outgoing {
                    (&*n.id, &**other)
                } else {
                    (&**other, &*n.id)
                };
                lines.insert(format!(
                    "{source} {} {target} from {} until {}",
                    e.kind,
                    date(e.start_date),
                    date(e.end_date)
                ));
            }
            for ((kind, outgoing), (all, ended)) in counted {
                let open = all - ended;
                lines.insert(if outgoing {
                    format!("{} {kind} …: {all} relations with entities not on the canvas ({open} open, {ended} ended)", n.id)
                } else {
                    format!("… {kind} {}: {all} relations with entities not on the canvas ({open} open, {ended} ended)", n.id)
                });
            }
            (n.id.clone(), lines)
        })
        .collect()
}

/// An entity whose facts changed since the investigation was saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityChange {
    pub id: String,
    /// Facts held now that were not when it was saved.
    pub added: Vec<String>,
    /// Facts held when it was saved that are not now (a relation ended reads as one removed
    /// with an open end and one added with its end date).
    pub removed: Vec<String>,
    /// The entity is no longer in the database.
    pub gone: bool,
}

/// The entities whose facts differ between `saved` and `now`.
pub fn changes(
    saved: &BTreeMap<String, BTreeSet<String>>,
    now: &BTreeMap<String, BTreeSet<String>>,
) -> Vec<EntityChange> {
    saved
        .iter()
        .filter_map(|(id, before)| {
            let Some(after) = now.get(id) else {
                return Some(EntityChange {
                    id: id.clone(),
                    added: Vec::new(),
                    removed: before.iter().cloned().collect(),
                    gone: true,
                });
            };
            let added: Vec<String> = after.difference(before).cloned().collect();
            let removed: Vec<String> = before.difference(after).cloned().collect();
            (!added.is_empty() || !removed.is_empty()).then(|| EntityChange {
                id: id.clone(),
                added,
                removed,
                gone: false,
            })
        })
        .collect()
}

/// How an entity of an imported file was found in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MatchedBy {
    /// The database holds its id (a file ownergraph exported).
    Id,
    /// A decisive identifier both hold (as cross-referencing merges on), e.g. `same IMO
    /// number: IMO 9187629 / IMO 9187629`.
    Identifier(String),
    /// The same name once normalised (case, accents, punctuation, legal forms), nothing
    /// disagreeing (schema, country, birth date, identifiers) and no other entity as close.
    Name(String),
}

/// The entities of an imported file found in the database.
#[derive(Debug, Default)]
pub struct FileMatch {
    /// The file's id → the database's entity and how it was found.
    pub found: HashMap<String, (u32, MatchedBy)>,
    /// The file's entities found by neither id, identifier nor name.
    pub unmatched: usize,
    /// The file's entities whose name fits more than one entity of the database equally.
    pub ambiguous: usize,
}

/// Parties the name index offers per entity of a file, each then scored in full.
const MATCH_CANDIDATES: usize = 10;

/// Matches the entities of a file (an FtM file from ownergraph, Aleph or OpenSanctions) to the
/// database's: by id when the database holds it; otherwise through the screening's name index
/// and resolution's scoring, by a decisive shared identifier, or by the same normalised name
/// when nothing disagrees and exactly one party qualifies. Never guesses between two. Stops
/// once it has found more parties than an investigation holds. (About 4 ms an entity in a
/// debug build on the bundled data: 3,000 SDN records under other ids took 13 s.)
pub fn match_file(engine: &Engine, batch: &Batch) -> Result<(Arc<Snapshot>, FileMatch), StoreError> {
    let matcher = Matcher::new(engine)?;
    let snapshot = matcher.snapshot.clone();
    let mut matched = FileMatch::default();
    let mut taken: HashSet<u32> = HashSet::new();
    for (_, entity) in &batch.entities {
        // More than an investigation holds: the caller refuses the file, so stop here.
        if taken.len() > MAX_NODES {
            break;
        }
        if matched.found.contains_key(&entity.id) {
            continue;
        }
        if let Some(node) = snapshot.find(&entity.id) {
            taken.insert(node);
            matched.found.insert(entity.id.clone(), (node, MatchedBy::Id));
            continue;
        }
        let theirs = Record::from_entity(entity);
        let subject = Subject {
            name: entity.name.clone(),
            schema: Some(entity.schema),
            ..Subject::default()
        };
        let mut by_identifier: Vec<(u32, String)> = Vec::new();
        let mut by_name: Vec<(u32, String)> = Vec::new();
        // Every record of each candidate party (one of them may hold the identifier), read in
        // one transaction.
        let parties: Vec<u32> = matcher
            .candidates(&subject, MATCH_CANDIDATES)?
            .iter()
            .filter_map(|c| snapshot.find(&c.id))
            .collect();
        let records = engine.read(|store| {
            let mut records = Vec::new();
            for &node in &parties {
                let members: Vec<&str> = match snapshot.members(node) {
                    [] => vec![&*snapshot.node(node).id],
                    ids => ids.iter().map(|id| &**id).collect(),
                };
                for member in members {
                    if let Some(entity) = store.entity(member)? {
                        records.push((node, Record::from_entity(&entity)));
                    }
                }
            }
            Ok(records)
        })?;
        for (node, ours) in records {
            let scored = score(&theirs, &ours);
            let reason = |feature: &str| {
                scored
                    .reasons
                    .iter()
                    .find(|r| r.feature == feature && r.agrees)
                    .map(|r| r.detail.clone())
                    .unwrap_or_default()
            };
            if scored.decision == Decision::Auto && shared_identifier(&scored) {
                by_identifier.push((node, reason("identifier")));
            } else if scored.name_score >= 1.0
                && scored.reasons.iter().all(|r| r.agrees)
                && theirs
                    .names
                    .iter()
                    .any(|a| ours.names.iter().any(|b| a.norm == b.norm))
            {
                by_name.push((node, reason("name")));
            }
        }
        for found in [&mut by_identifier, &mut by_name] {
            found.sort_by_key(|(node, _)| *node);
            found.dedup_by_key(|(node, _)| *node);
        }
        let how = match (by_identifier.as_slice(), by_name.as_slice()) {
            ([(node, detail)], _) => Some((*node, MatchedBy::Identifier(detail.clone()))),
            ([], [(node, detail)]) => Some((*node, MatchedBy::Name(detail.clone()))),
            ([], []) => None,
            _ => {
                matched.ambiguous += 1;
                continue;
            }
        };
        match how {
            Some(found) => {
                taken.insert(found.0);
                matched.found.insert(entity.id.clone(), found);
            }
            None => matched.unmatched += 1,
        }
    }
    Ok((snapshot, matched))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(lines: &[&str]) -> BTreeSet<String> {
        lines.iter().map(|l| l.to_string()).collect()
    }

    #[test]
    fn changes_name_what_was_added_removed_or_gone() {
        let saved: BTreeMap<String, BTreeSet<String>> = [
            ("a".to_string(), set(&["a owns b from … until …"])),
            ("b".to_string(), set(&["a owns b from … until …"])),
            ("c".to_string(), set(&[])),
        ]
        .into();
        let now: BTreeMap<String, BTreeSet<String>> = [
            ("a".to_string(), set(&["a owns b from … until 2024-06-01"])),
            ("b".to_string(), set(&["a owns b from … until …"])),
        ]
        .into();
        let got = changes(&saved, &now);
        assert_eq!(
            got,
            [
                EntityChange {
                    id: "a".into(),
                    added: vec!["a owns b from … until 2024-06-01".into()],
                    removed: vec!["a owns b from … until …".into()],
                    gone: false,
                },
                EntityChange {
                    id: "c".into(),
                    added: vec![],
                    removed: vec![],
                    gone: true,
                }
            ]
        );
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(check_name("  Hikvision owners "), Ok("Hikvision owners".into()));
        for bad in ["", "   ", &"x".repeat(201)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
