//! The entity page: names, identifiers, listings with citations, relations in and out
//! (grouped by kind and direction, exact counts, paged and filterable by name).

use super::params::Params;
use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::engine::Engine;
use crate::graph::{Direction, Snapshot};
use crate::model::{Entity, KindSet, Listing, RelationKind};
use crate::relation_groups::{self, GroupKey, Selection, MAX_FILTER_CHARS};
use crate::store::{Annotation, Change, RelationView};
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
        let node = snapshot.find(&id);
        let (detail, relations, annotations, history) = engine
            .read(|store| {
                let Some(detail) = store.entity_with_listings(&id)? else {
                    return Ok(None);
                };
                Ok(Some((
                    detail,
                    relation_groups(store, &snapshot, &id, node, &selection),
                    store.annotations(&id)?,
                    store.changes(Some(&id), HISTORY_SHOWN)?,
                )))
            })?
            .ok_or_else(|| AppError::NotFound(format!("no entity with id {:?}", id.as_str())))?;
        let (_, entity, listings) = detail;
        let relations = relations?;
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
                },
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
