//! The entity page: names, identifiers, listings with citations, relations in and out.

use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::engine::Engine;
use crate::graph::Direction;
use crate::model::{Entity, KindSet, Listing, RelationKind};
use crate::store::{
    Annotation, CandidateRow, Change, EntityDetail, JudgementRow, RelationView, Store, StoreError,
};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Serialize;

/// Relations of one kind and direction, as the page groups them.
#[derive(Serialize)]
pub struct RelationGroup {
    pub kind: RelationKind,
    /// `out` when the entity is the source, `in` when it is the target.
    pub direction: &'static str,
    /// e.g. "owns" or "owned by".
    pub label: &'static str,
    pub relations: Vec<RelationView>,
}

#[derive(Template, Serialize)]
#[template(path = "entity.html")]
pub struct EntityPage {
    pub title: String,
    pub entity: Entity,
    pub listings: Vec<Listing>,
    pub relations: Vec<RelationGroup>,
    /// Curated aliases and notes (imported ones are in `entity`).
    pub annotations: Vec<Annotation>,
    /// Curated changes touching this entity, newest first.
    pub history: Vec<Change>,
    /// Who is signed in: the curation forms show only then.
    pub viewer: Option<Session>,
    pub data_version: i64,
    /// The direct neighbourhood drawn small (HTML only; the relations above are its data).
    #[serde(skip)]
    pub graph_svg: String,
    /// Direct neighbours not drawn because of the cap.
    #[serde(skip)]
    pub graph_omitted: usize,
    /// The record asked for, when it is one of several judged one party and not the one the
    /// party's page is named by.
    pub asked_for: Option<String>,
    /// Every source record of the party when several were judged one (each as its source
    /// gave it); empty for a party of one record.
    pub sources: Vec<Entity>,
    /// Judgements touching the party's records, newest first, with whether each is its
    /// pair's current one.
    pub judgements: Vec<JudgementView>,
    /// Records of other sources that may be this party, not judged yet, best first.
    pub candidates: Vec<CandidateRow>,
}

impl EntityPage {
    /// Whether `id` is one of the records this page shows.
    pub fn records_of_page(&self, id: &str) -> bool {
        id == self.entity.id
            || self.sources.iter().any(|s| s.id == id)
            || self.asked_for.as_deref() == Some(id)
    }
}

/// A judgement as the entity page lists it.
#[derive(Serialize)]
pub struct JudgementView {
    #[serde(flatten)]
    pub judgement: JudgementRow,
    /// Whether it is its pair's judgement now (not reverted, not replaced by a later one).
    pub current: bool,
}

/// Candidate pairs the entity page lists.
const CANDIDATES_SHOWN: usize = 10;

/// The party's facts from all its records: the first record's, with the others' names as
/// aliases and their countries, identifiers, addresses and further facts added.
fn merge_records(details: &[EntityDetail]) -> Entity {
    let mut merged = details[0].entity.clone();
    for other in details.iter().skip(1).map(|d| &d.entity) {
        for name in std::iter::once(&other.name).chain(&other.aliases) {
            if *name != merged.name && !merged.aliases.contains(name) {
                merged.aliases.push(name.clone());
            }
        }
        for c in &other.countries {
            if !merged.countries.contains(c) {
                merged.countries.push(c.clone());
            }
        }
        for i in &other.identifiers {
            if !merged.identifiers.contains(i) {
                merged.identifiers.push(i.clone());
            }
        }
        for a in &other.addresses {
            if !merged.addresses.contains(a) {
                merged.addresses.push(a.clone());
            }
        }
        if merged.birth_date.is_none() {
            merged.birth_date = other.birth_date.clone();
        }
        for (property, values) in &other.properties {
            for v in values {
                merged.add_property(property, v);
            }
        }
    }
    merged
}

/// What the entity page reads from the store for the records of one party.
struct Read {
    details: Vec<EntityDetail>,
    annotations: Vec<Annotation>,
    history: Vec<Change>,
    judgements: Vec<(i64, JudgementRow, bool)>,
    candidates: Vec<CandidateRow>,
}

fn read(store: &Store, records: &[&str]) -> Result<Option<Read>, StoreError> {
    let mut details = Vec::with_capacity(records.len());
    let mut annotations = Vec::new();
    let mut history: Vec<Change> = Vec::new();
    for id in records {
        let Some(detail) = store.entity_detail(id)? else {
            continue;
        };
        details.push(detail);
        annotations.extend(store.annotations(id)?);
        for change in store.changes(Some(id), HISTORY_SHOWN)? {
            if !history.iter().any(|c| c.id == change.id) {
                history.push(change);
            }
        }
    }
    if details.is_empty() {
        return Ok(None);
    }
    history.sort_by_key(|b| std::cmp::Reverse(b.id));
    history.truncate(HISTORY_SHOWN as usize);
    Ok(Some(Read {
        details,
        annotations,
        history,
        judgements: store.judgements_of(records)?,
        candidates: store.candidates_of(records, CANDIDATES_SHOWN)?,
    }))
}

/// How many changes the entity page's history shows.
const HISTORY_SHOWN: u32 = 100;

/// Most neighbours the entity page draws; the graph page shows more.
const SMALL_GRAPH_LIMIT: usize = 16;

fn group(views: Vec<RelationView>, direction: &'static str) -> Vec<RelationGroup> {
    let mut groups: Vec<RelationGroup> = Vec::new();
    for view in views {
        let kind = view.relation.kind;
        match groups.last_mut() {
            Some(g) if g.kind == kind => g.relations.push(view),
            _ => groups.push(RelationGroup {
                kind,
                direction,
                label: if direction == "out" {
                    kind.label()
                } else {
                    kind.inverse_label()
                },
                relations: vec![view],
            }),
        }
    }
    groups
}

pub async fn entity(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let snapshot = engine.snapshot();
        // A record judged one party with others is shown as that party, named by its node.
        let node = snapshot.find(&id);
        let members: Vec<&str> =
            node.map_or(Vec::new(), |n| snapshot.members(n).iter().map(|m| &**m).collect());
        let records: Vec<&str> = if members.is_empty() {
            vec![id.as_str()]
        } else {
            members
        };
        let found = engine.read(|store| read(store, &records))?;
        let found =
            found.ok_or_else(|| AppError::NotFound(format!("no entity with id {:?}", id.as_str())))?;
        let Read {
            details,
            annotations,
            history,
            judgements,
            candidates,
        } = found;
        let clustered = details.len() > 1;
        let entity = merge_records(&details);
        let asked_for = (entity.id != *id).then(|| id.to_string());
        let sources: Vec<Entity> = if clustered {
            details.iter().map(|d| d.entity.clone()).collect()
        } else {
            Vec::new()
        };
        let mut listings = Vec::new();
        let (mut incoming, mut outgoing) = (Vec::new(), Vec::new());
        let inside = |other: &str| clustered && records.contains(&other);
        for d in details {
            listings.extend(d.listings);
            incoming.extend(d.incoming.into_iter().filter(|r| !inside(&r.other_id)));
            outgoing.extend(d.outgoing.into_iter().filter(|r| !inside(&r.other_id)));
        }
        if clustered {
            listings.sort_by(|a, b| a.start_date.cmp(&b.start_date).then_with(|| a.list.cmp(&b.list)));
            let order = |a: &RelationView, b: &RelationView| {
                a.relation
                    .kind
                    .cmp(&b.relation.kind)
                    .then_with(|| a.other_name.cmp(&b.other_name))
            };
            incoming.sort_by(order);
            outgoing.sort_by(order);
        }
        let mut relations = group(incoming, "in");
        relations.extend(group(outgoing, "out"));
        let judgements = judgements
            .into_iter()
            .map(|(_, judgement, current)| JudgementView { judgement, current })
            .collect();
        let snapshot = engine.snapshot();
        // The drawing is HTML only: the JSON twin's relations are its data.
        let small = node.filter(|_| format == Format::Html).map(|node| {
            super::graph::neighbourhood_view(
                &snapshot,
                node,
                1,
                KindSet::ALL,
                Direction::Both,
                SMALL_GRAPH_LIMIT,
                "small",
            )
        });
        Ok(EntityPage {
            title: entity.name.clone(),
            entity,
            listings,
            relations,
            annotations,
            history,
            viewer: super::account::viewer(&req, &engine)?,
            data_version: snapshot.data_version,
            graph_omitted: small.as_ref().map_or(0, |v| v.omitted),
            graph_svg: small.map(|v| v.drawing.svg()).unwrap_or_default(),
            asked_for,
            sources,
            judgements,
            candidates,
        })
    })
}
