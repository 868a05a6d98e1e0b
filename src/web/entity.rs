//! The entity page: names, identifiers, listings with citations, relations in and out
//! (grouped by kind and direction, exact counts, paged and filterable by name). A party whose
//! records several sources hold shows each record as its source gave it.

use super::params::Params;
use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::engine::Engine;
use crate::graph::{Direction, Snapshot};
use crate::model::{Entity, KindSet, Listing, RelationKind};
use crate::relation_groups::{self, GroupKey, Selection, MAX_FILTER_CHARS};
use crate::store::{Annotation, CandidateRow, Change, JudgementRow, RelationView, Store, StoreError};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Serialize;

/// Relations of one kind and direction, as the page groups them: exact counts, one page shown.
#[derive(Serialize)]
pub struct RelationGroup {
    pub kind: RelationKind,
    /// `out` when the entity is the source, `in` when it is the target.
    pub direction: &'static str,
    /// e.g. "owns" or "owned by".
    pub label: &'static str,
    /// The group's key for the `group` query parameter, e.g. `owns-out`.
    pub group: String,
    /// Relations in the group.
    pub total: usize,
    /// Those whose other party's name contains `filter` (`total` without a filter).
    pub matching: usize,
    /// The name filter applied (lower-cased; empty for none).
    pub filter: String,
    pub page: usize,
    pub pages: usize,
    pub per_page: usize,
    /// Links to the neighbouring pages of this group, keeping the filter.
    pub prev: Option<String>,
    pub next: Option<String>,
    /// The relations of the page shown, ordered by the other party's name.
    pub relations: Vec<RelationView>,
}

impl RelationGroup {
    /// Whether the page needs its pager and filter: the group is larger than a page, or filtered.
    pub fn paged(&self) -> bool {
        self.total > self.per_page || !self.filter.is_empty()
    }
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
fn merge_records(records: &[Entity]) -> Entity {
    let mut merged = records[0].clone();
    for other in records.iter().skip(1) {
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
    /// Each record with its listings.
    records: Vec<(Entity, Vec<Listing>)>,
    annotations: Vec<Annotation>,
    history: Vec<Change>,
    judgements: Vec<(i64, JudgementRow, bool)>,
    candidates: Vec<CandidateRow>,
}

fn read(store: &Store, records: &[&str]) -> Result<Option<Read>, StoreError> {
    let mut found = Vec::with_capacity(records.len());
    let mut annotations = Vec::new();
    let mut history: Vec<Change> = Vec::new();
    for id in records {
        let Some((_, entity, listings)) = store.entity_with_listings(id)? else {
            continue;
        };
        found.push((entity, listings));
        annotations.extend(store.annotations(id)?);
        for change in store.changes(Some(id), HISTORY_SHOWN)? {
            if !history.iter().any(|c| c.id == change.id) {
                history.push(change);
            }
        }
    }
    if found.is_empty() {
        return Ok(None);
    }
    history.sort_by_key(|b| std::cmp::Reverse(b.id));
    history.truncate(HISTORY_SHOWN as usize);
    Ok(Some(Read {
        records: found,
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

/// Most pages of a group the URL may ask for (50 relations each: 5M relations).
const MAX_PAGE: usize = 100_000;

/// The `group`, `page` and `q` parameters: which group to page through and filter.
fn selection(req: &HttpRequest) -> Result<Selection, AppError> {
    let params = Params::of(req)?;
    let group = params
        .get("group")
        .map(|g| {
            g.parse::<GroupKey>()
                .map_err(|e| AppError::BadRequest(format!("group: {e}")))
        })
        .transpose()?;
    let page = params.page(MAX_PAGE)?;
    let filter = params.get("q").unwrap_or_default();
    if filter.chars().count() > MAX_FILTER_CHARS {
        return Err(AppError::BadRequest(format!(
            "q: at most {MAX_FILTER_CHARS} characters"
        )));
    }
    if group.is_none() && (page > 1 || !filter.is_empty()) {
        return Err(AppError::BadRequest(
            "page and q apply to one group of relations: add group=KIND-out or KIND-in (e.g. owns-out)"
                .into(),
        ));
    }
    Ok(Selection::new(group, page, filter))
}

/// The link to `page` of a group, with its filter.
fn group_href(id: &str, group: &str, page: usize, filter: &str) -> String {
    let mut pairs = vec![("group", group.to_string()), ("page", page.to_string())];
    if !filter.is_empty() {
        pairs.push(("q", filter.to_string()));
    }
    let query = serde_urlencoded::to_string(&pairs).expect("string pairs always encode");
    format!("/entities/{id}?{query}#group-{group}")
}

/// The groups of `node`'s relations with their pages read from the store.
fn relation_groups(
    store: &crate::store::Store,
    snapshot: &Snapshot,
    id: &str,
    node: Option<u32>,
    selection: &Selection,
) -> Result<Vec<RelationGroup>, AppError> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let pages = relation_groups::groups(snapshot, node, selection).map_err(AppError::BadRequest)?;
    if let Some(key) = selection.group {
        if selection.page > 1 && !pages.iter().any(|p| p.key == key) {
            return Err(AppError::BadRequest(format!(
                "page {}: {id} has no relations in group {key}",
                selection.page
            )));
        }
    }
    let mut out = Vec::with_capacity(pages.len());
    for page in pages {
        let out_going = page.key.direction == Direction::Out;
        let rids: Vec<i64> = page.rows.iter().map(|&(rid, _)| rid).collect();
        let group = page.key.to_string();
        let link = |p: usize| group_href(id, &group, p, &page.filter);
        out.push(RelationGroup {
            kind: page.key.kind,
            direction: page.key.direction.as_str(),
            label: if out_going {
                page.key.kind.label()
            } else {
                page.key.kind.inverse_label()
            },
            relations: store.relation_views_by_rid(&rids, out_going)?,
            prev: (page.page > 1).then(|| link(page.page - 1)),
            next: (page.page < page.pages).then(|| link(page.page + 1)),
            group,
            total: page.total,
            matching: page.matching,
            filter: page.filter,
            page: page.page,
            pages: page.pages,
            per_page: relation_groups::PER_PAGE,
        });
    }
    Ok(out)
}

pub async fn entity(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let selection = selection(&req)?;
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
        let (found, relations) = engine
            .read(|store| {
                let Some(found) = read(store, &records)? else {
                    return Ok(None);
                };
                // The node's relations are those of all its records (the snapshot joined them).
                let name = found.records[0].0.id.clone();
                Ok(Some((
                    found,
                    relation_groups(store, &snapshot, &name, node, &selection),
                )))
            })?
            .ok_or_else(|| AppError::NotFound(format!("no entity with id {:?}", id.as_str())))?;
        let relations = relations?;
        let Read {
            records: found,
            annotations,
            history,
            judgements,
            candidates,
        } = found;
        let clustered = found.len() > 1;
        let entities: Vec<Entity> = found.iter().map(|(e, _)| e.clone()).collect();
        let entity = merge_records(&entities);
        let asked_for = (entity.id != *id).then(|| id.to_string());
        let sources = if clustered { entities } else { Vec::new() };
        let mut listings: Vec<Listing> = found.into_iter().flat_map(|(_, l)| l).collect();
        if clustered {
            listings.sort_by(|a, b| a.start_date.cmp(&b.start_date).then_with(|| a.list.cmp(&b.list)));
        }
        let judgements = judgements
            .into_iter()
            .map(|(_, judgement, current)| JudgementView { judgement, current })
            .collect();
        // The drawing is HTML only: the JSON twin's relations are its data.
        let small = node.filter(|_| format == Format::Html).map(|node| {
            super::graph::neighbourhood_view(
                &snapshot,
                node,
                1,
                KindSet::ALL,
                Direction::Both,
                crate::graph::SchemaSet::ALL,
                crate::graph::Window {
                    skip: 0,
                    limit: SMALL_GRAPH_LIMIT,
                    groups: false,
                    keep: &[],
                },
                "small",
                None,
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

/// A count with thousands separated, as pages print large ones ("48,213").
pub fn thousands(n: impl std::borrow::Borrow<usize>) -> String {
    let digits = n.borrow().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_are_separated() {
        for (n, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (48213, "48,213"),
            (1234567, "1,234,567"),
        ] {
            let n: usize = n;
            assert_eq!(super::thousands(n), text);
        }
    }
}
