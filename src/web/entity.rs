//! The entity page: names, identifiers, listings with citations, relations in and out
//! (grouped by kind and direction, exact counts, paged and filterable by name). A party whose
//! records several sources hold shows each record as its source gave it.

use super::params::Params;
use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::as_of::{
    self, EntityHistory, FactHistory, Timeline, TimelineEntry, TimelineRow, TIMELINE_PER_PAGE,
};
use crate::engine::Engine;
use crate::graph::{Direction, Snapshot};
use crate::model::{Date, Entity, KindSet, Listing, RelationKind};
use crate::relation_groups::{self, GroupKey, Selection, MAX_FILTER_CHARS};
use crate::store::{Annotation, CandidateRow, Change, JudgementRow, RelationView, Store, StoreError};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

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
    /// `?as_of=DAY`: the page shows the party as it stood on that day.
    pub as_of: Option<Date>,
    /// The party's changes across releases, newest first, a page at a time.
    pub timeline: TimelineView,
}

/// The timeline section: one page of entries and the links to its neighbours.
#[derive(Serialize)]
pub struct TimelineView {
    #[serde(flatten)]
    pub timeline: Timeline,
    pub prev: Option<String>,
    pub next: Option<String>,
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
    /// What the releases recorded of each record.
    histories: HashMap<String, EntityHistory>,
    first_days: BTreeMap<String, Date>,
    timeline: (Vec<TimelineRow>, u64),
}

/// What the page as of a day reads beyond today's: each listing's and relation's history.
struct Past {
    day: Date,
    listings: Vec<(Listing, FactHistory)>,
    relations: HashMap<i64, FactHistory>,
}

impl Past {
    /// `degree`: the relations of `records` in all.
    fn read(
        store: &Store,
        records: &[&str],
        first_days: &BTreeMap<String, Date>,
        day: Date,
        degree: usize,
    ) -> Result<Past, StoreError> {
        Ok(Past {
            day,
            listings: store.listing_histories(records, first_days)?,
            relations: store.relation_histories(records, first_days, day, degree)?,
        })
    }
}

fn read(store: &Store, records: &[&str], timeline_page: usize) -> Result<Option<Read>, StoreError> {
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
    let first_days = store.first_release_days()?;
    Ok(Some(Read {
        records: found,
        annotations,
        history,
        judgements: store.judgements_of(records)?,
        candidates: store.candidates_of(records, CANDIDATES_SHOWN)?,
        histories: store.entity_histories(records, &first_days)?,
        first_days,
        timeline: store.timeline(
            records,
            TIMELINE_PER_PAGE,
            (timeline_page - 1) * TIMELINE_PER_PAGE,
        )?,
    }))
}

/// How many changes the entity page's history shows.
const HISTORY_SHOWN: u32 = 100;

/// Most neighbours the entity page draws; the graph page shows more.
const SMALL_GRAPH_LIMIT: usize = 16;

/// Most pages of a group the URL may ask for (50 relations each: 5M relations).
const MAX_PAGE: usize = 100_000;

/// The `group`, `page` and `q` parameters: which group to page through and filter.
fn selection(params: &Params) -> Result<Selection, AppError> {
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

/// The link to `page` of a group, with its filter and day.
fn group_href(id: &str, group: &str, page: usize, filter: &str, as_of: Option<Date>) -> String {
    let mut pairs = vec![("group", group.to_string()), ("page", page.to_string())];
    if !filter.is_empty() {
        pairs.push(("q", filter.to_string()));
    }
    format!("{}#group-{group}", entity_href(id, as_of, pairs))
}

/// The entity page of `id` with query `pairs`, as of `as_of` if given.
fn entity_href(id: &str, as_of: Option<Date>, mut pairs: Vec<(&str, String)>) -> String {
    if let Some(day) = as_of {
        pairs.insert(0, ("as_of", day.to_string()));
    }
    if pairs.is_empty() {
        return super::entity_path(id);
    }
    let query = serde_urlencoded::to_string(&pairs).expect("string pairs always encode");
    format!("{}?{query}", super::entity_path(id))
}

/// Most pages of the timeline the URL may ask for.
const MAX_TIMELINE_PAGE: usize = 100_000;

/// The groups of `node`'s relations with their pages read from the store.
fn relation_groups(
    store: &crate::store::Store,
    snapshot: &Snapshot,
    id: &str,
    node: Option<u32>,
    selection: &Selection,
    past: Option<&Past>,
) -> Result<Vec<RelationGroup>, AppError> {
    let Some(node) = node else {
        return Ok(Vec::new());
    };
    let as_of = past.map(|p| p.day);
    let pages = relation_groups::groups(snapshot, node, selection, |edge| {
        past.is_none_or(|p| {
            edge.active_on(p.day) && p.relations.get(&edge.rid).is_none_or(|h| h.held_on(p.day))
        })
    })
    .map_err(AppError::BadRequest)?;
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
        let link = |p: usize| group_href(id, &group, p, &page.filter, as_of);
        let mut relations = store.relation_views_by_rid(&rids, out_going)?;
        if let Some(day) = as_of {
            // As it stood that day: an end after it was not known yet.
            for r in &mut relations {
                r.relation.end_date = r.relation.end_date.filter(|e| *e <= day);
            }
        }
        out.push(RelationGroup {
            kind: page.key.kind,
            direction: page.key.direction.as_str(),
            label: if out_going {
                page.key.kind.label()
            } else {
                page.key.kind.inverse_label()
            },
            relations,
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
        let params = Params::of(&req)?;
        let selection = selection(&params)?;
        let as_of = params.date("as_of")?;
        let timeline_page = timeline_page(&params)?;
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
        let (found, past, relations) = engine
            .read(|store| {
                let Some(found) = read(store, &records, timeline_page)? else {
                    return Ok(None);
                };
                let past = as_of
                    .map(|day| {
                        let degree = node.map_or(0, |n| snapshot.links(n));
                        Past::read(store, &records, &found.first_days, day, degree)
                    })
                    .transpose()?;
                // The node's relations are those of all its records (the snapshot joined them).
                let name = found.records[0].0.id.clone();
                let relations = relation_groups(store, &snapshot, &name, node, &selection, past.as_ref());
                Ok(Some((found, past, relations)))
            })?
            .ok_or_else(|| AppError::NotFound(format!("no entity with id {:?}", id.as_str())))?;
        let relations = relations?;
        let Read {
            records: found,
            annotations,
            history,
            judgements,
            candidates,
            histories,
            first_days,
            timeline: (timeline_rows, timeline_total),
        } = found;
        let first_recorded = histories
            .get(&found[0].0.id)
            .and_then(|h| h.first_day)
            .map(|day| (day.to_string(), found[0].0.dataset.clone()));
        let found = match &past {
            None => found,
            Some(past) => as_it_stood(found, &histories, &first_days, past, &id)?,
        };
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
        let timeline = timeline_view(
            &entity.id,
            as_of,
            timeline_page,
            timeline_rows,
            timeline_total,
            first_recorded,
        )?;
        // The drawing is HTML only: the JSON twin's relations are its data. It shows today's
        // neighbourhood, so the page as of a day goes without it.
        let small = node
            .filter(|_| format == Format::Html && as_of.is_none())
            .map(|node| {
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
            title: match as_of {
                Some(day) => format!("{} as of {day}", entity.name),
                None => entity.name.clone(),
            },
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
            as_of,
            timeline,
        })
    })
}

/// The `timeline` parameter: which page of the timeline, 1 when absent.
fn timeline_page(params: &Params) -> Result<usize, AppError> {
    let Some(text) = params.get("timeline") else {
        return Ok(1);
    };
    text.parse::<usize>()
        .ok()
        .filter(|p| (1..=MAX_TIMELINE_PAGE).contains(p))
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "timeline must be a whole number from 1 to {MAX_TIMELINE_PAGE}; got {text:?}"
            ))
        })
}

/// The records as they stood on the past's day, each with its listings then; a 404 saying
/// since when something is recorded when none of them was recorded yet.
fn as_it_stood(
    found: Vec<(Entity, Vec<Listing>)>,
    histories: &HashMap<String, EntityHistory>,
    first_days: &BTreeMap<String, Date>,
    past: &Past,
    id: &str,
) -> Result<Vec<(Entity, Vec<Listing>)>, AppError> {
    let day = past.day;
    let not_yet =
        |e: as_of::NotYet| AppError::NotFound(format!("{e}; /entities/{id} shows what is recorded today"));
    // Before the first release of every record's dataset nothing was recorded; a record of a
    // dataset without releases (partial imports only) is judged by its facts' own dates.
    let first = found
        .iter()
        .map(|(e, _)| first_days.get(&e.dataset).copied())
        .collect::<Option<Vec<Date>>>()
        .and_then(|days| days.into_iter().min());
    as_of::check_recorded(first, day).map_err(not_yet)?;
    let mut kept = Vec::with_capacity(found.len());
    let mut first_refusal = None;
    for (entity, _) in found {
        let history = histories.get(&entity.id).cloned().unwrap_or_default();
        match as_of::entity_on(&entity, &history, day) {
            Ok(then) => kept.push(then),
            Err(e) => {
                first_refusal.get_or_insert(e);
            }
        }
    }
    if kept.is_empty() {
        return Err(not_yet(
            first_refusal.expect("a record was found, so one was refused"),
        ));
    }
    let mut listings = as_of::listings_on(past.listings.clone(), day);
    Ok(kept
        .into_iter()
        .map(|entity| {
            let (own, rest) = listings.drain(..).partition(|l| l.entity == entity.id);
            listings = rest;
            (entity, own)
        })
        .collect())
}

/// The timeline page with its links, or a 400 for a page past the last.
fn timeline_view(
    id: &str,
    as_of: Option<Date>,
    page: usize,
    rows: Vec<TimelineRow>,
    total: u64,
    first_recorded: Option<(String, String)>,
) -> Result<TimelineView, AppError> {
    let pages = (total as usize).div_ceil(TIMELINE_PER_PAGE).max(1);
    if page > pages {
        return Err(AppError::BadRequest(format!(
            "timeline page {page}: there {} {pages} page{} of {TIMELINE_PER_PAGE}",
            if pages == 1 { "is" } else { "are" },
            if pages == 1 { "" } else { "s" }
        )));
    }
    let link = |p: usize| {
        format!(
            "{}#timeline",
            entity_href(id, as_of, vec![("timeline", p.to_string())])
        )
    };
    Ok(TimelineView {
        timeline: Timeline {
            total,
            page,
            pages,
            entries: rows.into_iter().map(TimelineEntry::new).collect(),
            first_recorded,
        },
        prev: (page > 1).then(|| link(page - 1)),
        next: (page < pages).then(|| link(page + 1)),
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
