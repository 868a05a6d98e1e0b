//! The graph page: an entity's neighbourhood drawn as SVG, with the same nodes and relations
//! as tables below, capped at [`NODE_LIMIT`] nodes a page with a count of the rest, and the
//! largest groups of what it reached through one node ("48,213 companies of which X is
//! director"), filterable by kind and schema.

use super::drawing::{self, Drawing, EdgeIn, NodeIn};
use super::params::{kind_list, kinds_query, schemas_query, Params};
use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::graph::{Direction, SchemaSet, Snapshot, Window};
use crate::model::{Date, KindSet, RelationKind, Schema, Share};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Serialize;
use std::collections::HashMap;

/// Most nodes the graph page draws; the rest are counted in `omitted`.
pub const NODE_LIMIT: usize = 60;
/// Depth when the URL names none.
const DEFAULT_DEPTH: u8 = 2;

/// An entity as graph pages show it.
#[derive(Debug, Clone, Serialize)]
pub struct NodeView {
    pub id: String,
    pub name: String,
    pub schema: Schema,
    /// Hops from the entity the page is about.
    pub distance: u8,
    pub listed: bool,
    /// Names of the lists the entity is on, current or past.
    pub lists: Vec<String>,
}

impl NodeView {
    pub fn of(snapshot: &Snapshot, node: u32, distance: u8) -> NodeView {
        let n = snapshot.node(node);
        let lists = snapshot.list_names_of(node);
        NodeView {
            id: n.id.to_string(),
            name: n.name.to_string(),
            schema: n.schema,
            distance,
            listed: !lists.is_empty(),
            lists,
        }
    }
}

/// A relation as graph pages show it: `source kind target`.
#[derive(Debug, Clone, Serialize)]
pub struct EdgeView {
    pub source: String,
    pub source_name: String,
    pub target: String,
    pub target_name: String,
    pub kind: RelationKind,
    /// Equity share as an interval of percent, when stated.
    pub share: Option<Share>,
    /// The share as people write it: `38.88%`, `majority`.
    pub share_text: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

impl EdgeView {
    pub fn of(snapshot: &Snapshot, edge: u32) -> EdgeView {
        let (s, t) = snapshot.endpoints(edge);
        let e = snapshot.edge(edge);
        EdgeView {
            source: snapshot.node(s).id.to_string(),
            source_name: snapshot.node(s).name.to_string(),
            target: snapshot.node(t).id.to_string(),
            target_name: snapshot.node(t).name.to_string(),
            kind: e.kind,
            share: e.share,
            share_text: e.share.map(drawing::share_text),
            start_date: e.start_date,
            end_date: e.end_date,
        }
    }
}

/// A neighbourhood ready for a page: nodes, relations, how many were left out, the picture.
pub struct NeighbourhoodView {
    pub nodes: Vec<NodeView>,
    pub edges: Vec<EdgeView>,
    pub omitted: usize,
    pub reached_by_kind: Vec<KindCount>,
    pub groups: Vec<GroupView>,
    pub drawing: Drawing,
}

/// Nodes first reached through one entity over one kind, one way, of one schema.
#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub via: String,
    pub via_name: String,
    pub kind: RelationKind,
    /// `out`: `via` is the source of the relations (it owns, directs… them); `in`: the target.
    pub direction: &'static str,
    pub schema: Schema,
    /// Hops from the page's entity.
    pub distance: u8,
    /// Exact, shown and not shown alike.
    pub count: u32,
    /// e.g. "48,213 Company of which Alpha Nominees Ltd is director".
    pub text: String,
    /// The whole group, paged and filterable: `via`'s entity page at that group.
    pub href: String,
}

/// How many nodes a walk reached over one relation kind: what narrowing to it would keep.
#[derive(Debug, Clone, Serialize)]
pub struct KindCount {
    pub kind: RelationKind,
    pub nodes: u32,
}

/// Walks the neighbourhood of `start` and draws it; shared by the graph and entity pages.
#[allow(clippy::too_many_arguments)] // the walk's parameters, each from the URL
pub fn neighbourhood_view(
    snapshot: &Snapshot,
    start: u32,
    depth: u8,
    kinds: KindSet,
    direction: Direction,
    schemas: SchemaSet,
    window: Window,
    marker: &'static str,
) -> NeighbourhoodView {
    let walk = snapshot.neighbourhood_within(start, depth, kinds, direction, schemas, window);
    let groups = walk
        .groups
        .iter()
        .map(|g| {
            let via = snapshot.node(g.via);
            let count = super::entity::thousands(g.count as usize);
            let text = if g.via_is_source {
                format!("{count} {} of which {} {}", g.schema, via.name, g.kind.label())
            } else {
                format!("{count} {} that {} {}", g.schema, g.kind.label(), via.name)
            };
            let direction = if g.via_is_source { "out" } else { "in" };
            GroupView {
                href: format!(
                    "/entities/{}?group={}-{direction}#group-{}-{direction}",
                    via.id, g.kind, g.kind
                ),
                via: via.id.to_string(),
                via_name: via.name.to_string(),
                kind: g.kind,
                direction,
                schema: g.schema,
                distance: g.level,
                count: g.count,
                text,
            }
        })
        .collect();
    let nodes: Vec<NodeView> = walk
        .nodes
        .iter()
        .map(|&(n, d)| NodeView::of(snapshot, n, d))
        .collect();
    let edges: Vec<EdgeView> = walk.edges.iter().map(|&e| EdgeView::of(snapshot, e)).collect();
    let position: HashMap<u32, usize> = walk.nodes.iter().enumerate().map(|(i, &(n, _))| (n, i)).collect();
    let node_in: Vec<NodeIn> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| NodeIn {
            id: &n.id,
            name: &n.name,
            schema: n.schema,
            listed: n.listed,
            lists: n.lists.join(", "),
            start: i == 0,
        })
        .collect();
    let edge_in: Vec<EdgeIn> = walk
        .edges
        .iter()
        .map(|&e| {
            let (s, t) = snapshot.endpoints(e);
            let weight = snapshot.edge(e);
            EdgeIn {
                source: position[&s],
                target: position[&t],
                kind: weight.kind,
                share: weight.share,
            }
        })
        .collect();
    let name = snapshot.node(start).name.to_string();
    let mut caption = format!(
        "Relations of {name} within {depth} hop{}",
        if depth == 1 { "" } else { "s" }
    );
    if walk.omitted > 0 {
        caption.push_str(&format!(
            " ({} more not drawn)",
            super::entity::thousands(walk.omitted)
        ));
    }
    let drawing = drawing::draw(&node_in, &edge_in, marker, caption);
    let reached_by_kind = RelationKind::ALL
        .into_iter()
        .map(|kind| KindCount {
            kind,
            nodes: walk.reached_by_kind[kind as usize],
        })
        .filter(|c| c.nodes > 0)
        .collect();
    NeighbourhoodView {
        nodes,
        edges,
        omitted: walk.omitted,
        reached_by_kind,
        groups,
        drawing,
    }
}

/// A checkbox of the kinds filter.
#[derive(Serialize)]
pub struct KindChoice {
    pub kind: RelationKind,
    pub checked: bool,
}

/// The checkboxes of a kinds filter: none ticked when every kind is followed.
pub fn kind_choices(kinds: KindSet) -> Vec<KindChoice> {
    RelationKind::ALL
        .into_iter()
        .map(|kind| KindChoice {
            kind,
            checked: kinds != KindSet::ALL && kinds.contains(kind),
        })
        .collect()
}

#[derive(Template, Serialize)]
#[template(path = "graph.html")]
pub struct GraphPage {
    pub title: String,
    /// The entity the page is about (also `nodes[0]`).
    pub entity: NodeView,
    pub depth: u8,
    pub direction: &'static str,
    /// The kinds followed (every kind when the URL names none).
    pub kinds: Vec<RelationKind>,
    pub limit: usize,
    pub nodes: Vec<NodeView>,
    pub edges: Vec<EdgeView>,
    /// Nodes reached but not shown because of `limit`.
    pub omitted: usize,
    /// Nodes reached over each kind (shown or not): how to narrow a large neighbourhood.
    pub reached_by_kind: Vec<KindCount>,
    /// The schemas the walk enters (every schema when the URL names none).
    pub schemas: Vec<Schema>,
    /// Every entity reached, the start included: `nodes` plus `omitted`.
    pub reached: usize,
    /// The largest groups reached through one entity, largest first, exact counts.
    pub groups: Vec<GroupView>,
    /// Pages of [`NODE_LIMIT`] entities (the start on each) over everything reached.
    pub page: usize,
    pub pages: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub data_version: i64,
    #[serde(skip)]
    pub svg: String,
    /// `kinds=…` of the current filter, empty for all kinds: for links that keep it.
    #[serde(skip)]
    pub kinds_query: String,
    #[serde(skip)]
    pub choices: Vec<KindChoice>,
    /// `schemas=…` of the current filter, empty for all schemas.
    #[serde(skip)]
    pub schemas_query: String,
    #[serde(skip)]
    pub schema_choices: Vec<(Schema, bool)>,
    /// The signed-in user, who may save the live graph as an investigation.
    #[serde(skip)]
    pub viewer: Option<crate::accounts::Session>,
}

/// Most pages of a graph the URL may ask for.
const MAX_PAGE: usize = 100_000;

pub async fn graph(
    format: Format,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let params = Params::of(&req)?;
        let depth = params.number("depth", 1..=3, DEFAULT_DEPTH)?;
        let kinds = params.kinds()?;
        let direction = params.direction(Direction::Both)?;
        let schemas = params.schemas()?;
        let page = params.page(MAX_PAGE)?;
        let snapshot = engine.snapshot();
        let start = snapshot
            .find(&id)
            .ok_or_else(|| AppError::NotFound(format!("no entity with id {:?}", id.as_str())))?;
        // Each page shows the start and the next NODE_LIMIT - 1 entities the walk reached.
        let per_page = NODE_LIMIT - 1;
        let window = Window {
            skip: (page - 1) * per_page,
            limit: NODE_LIMIT,
            groups: true,
        };
        let view = neighbourhood_view(&snapshot, start, depth, kinds, direction, schemas, window, "main");
        let reached = view.nodes.len() + view.omitted;
        let pages = (reached - 1).div_ceil(per_page).max(1);
        if page > pages {
            return Err(AppError::BadRequest(format!(
                "page {page}: this neighbourhood has {pages} page{} of {per_page} entities",
                if pages == 1 { "" } else { "s" }
            )));
        }
        let query = |page: usize| {
            let mut pairs = vec![
                ("depth", depth.to_string()),
                ("direction", direction.as_str().to_string()),
            ];
            if kinds != KindSet::ALL {
                pairs.push(("kinds", kinds_query(kinds)));
            }
            if schemas != SchemaSet::ALL {
                pairs.push(("schemas", schemas_query(schemas)));
            }
            pairs.push(("page", page.to_string()));
            let query = serde_urlencoded::to_string(&pairs).expect("string pairs always encode");
            format!("/entities/{}/graph?{query}", id.as_str())
        };
        let entity = view.nodes[0].clone();
        Ok(GraphPage {
            title: format!("Graph of {}", entity.name),
            entity,
            depth,
            direction: direction.as_str(),
            kinds: kind_list(kinds),
            limit: NODE_LIMIT,
            nodes: view.nodes,
            edges: view.edges,
            omitted: view.omitted,
            reached_by_kind: view.reached_by_kind,
            schemas: Schema::ALL.into_iter().filter(|s| schemas.contains(*s)).collect(),
            reached,
            groups: view.groups,
            page,
            pages,
            prev: (page > 1).then(|| query(page - 1)),
            next: (page < pages).then(|| query(page + 1)),
            data_version: snapshot.data_version,
            svg: view.drawing.svg(),
            kinds_query: kinds_query(kinds),
            choices: kind_choices(kinds),
            schemas_query: schemas_query(schemas),
            schema_choices: Schema::ALL
                .into_iter()
                .map(|s| (s, schemas != SchemaSet::ALL && schemas.contains(s)))
                .collect(),
            viewer: super::account::viewer(&req, &engine)?,
        })
    })
}
