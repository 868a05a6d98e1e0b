//! The graph page: an entity's neighbourhood drawn as SVG, with the same nodes and relations
//! as tables below, capped at [`NODE_LIMIT`] nodes a page with a count of the rest, and the
//! largest groups of what it reached through one node ("X is director of 48,213 companies"),
//! filterable by kind and schema.

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
    /// On the path the page highlights (`path=…`); left out of the JSON when not.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub on_path: bool,
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
            on_path: false,
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
    /// A hop of the path the page highlights (`path=…`); left out of the JSON when not.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub on_path: bool,
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
            on_path: false,
        }
    }
}

/// A neighbourhood ready for a page: nodes, relations, how many were left out, the picture.
pub struct NeighbourhoodView {
    pub nodes: Vec<NodeView>,
    pub edges: Vec<EdgeView>,
    pub omitted: usize,
    /// Entities of `nodes` the walk did not reach, drawn only for the path highlighted.
    pub path_only: usize,
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
    /// e.g. "Alpha Nominees Ltd is director of 48,213 companies", "3 people own X".
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
    path: Option<&PathShown>,
) -> NeighbourhoodView {
    let mut walk = snapshot.neighbourhood_within(start, depth, kinds, direction, schemas, window);
    let walked = walk.nodes.len();
    // A path's entities the walk did not reach (beyond the depth, or of a schema not entered)
    // are drawn too, at their hops along the path; they were never counted as reached.
    if let Some(path) = path {
        for (hops, &node) in path.nodes.iter().enumerate() {
            if !walk.nodes.iter().any(|&(n, _)| n == node) {
                walk.nodes.push((node, hops as u8));
            }
        }
        for &edge in &path.edges {
            if !walk.edges.contains(&edge) {
                walk.edges.push(edge);
            }
        }
    }
    let on_path_node = |n: u32| path.is_some_and(|p| p.nodes.contains(&n));
    let on_path_edge = |e: u32| path.is_some_and(|p| p.edges.contains(&e));
    let groups = walk
        .groups
        .iter()
        .map(|g| {
            let via = snapshot.node(g.via);
            let (n, count) = (g.count as usize, super::entity::thousands(g.count as usize));
            let nodes = g.schema.noun(n);
            let text = if g.via_is_source {
                format!("{} {} {count} {nodes}", via.name, g.kind.label())
            } else if n == 1 {
                format!("{count} {nodes} {} {}", g.kind.label(), via.name)
            } else {
                format!("{count} {nodes} {} {}", g.kind.plural_label(), via.name)
            };
            let direction = if g.via_is_source { "out" } else { "in" };
            GroupView {
                href: format!(
                    "{}?group={}-{direction}#group-{}-{direction}",
                    super::entity_path(&via.id),
                    g.kind,
                    g.kind
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
        .map(|&(n, d)| NodeView {
            on_path: on_path_node(n),
            ..NodeView::of(snapshot, n, d)
        })
        .collect();
    let edges: Vec<EdgeView> = walk
        .edges
        .iter()
        .map(|&e| EdgeView {
            on_path: on_path_edge(e),
            ..EdgeView::of(snapshot, e)
        })
        .collect();
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
            on_path: n.on_path,
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
                on_path: on_path_edge(e),
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
    if let Some(path) = path {
        let hops = path.nodes.len() - 1;
        caption.push_str(&format!(
            ", with a path of {hops} hop{} highlighted",
            if hops == 1 { "" } else { "s" }
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
        path_only: nodes.len() - walked,
        nodes,
        edges,
        omitted: walk.omitted,
        reached_by_kind,
        groups,
        drawing,
    }
}

/// A path the graph page draws with the neighbourhood and highlights (`path=ID,ID,…`, as the
/// paths page links each path it finds): its entities from the page's own, and every relation
/// of the kinds followed between each entity and the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathShown {
    pub nodes: Vec<u32>,
    pub edges: Vec<u32>,
}

/// Most entities of a highlighted path: the longest path the paths page finds, plus its start.
pub const MAX_PATH_ENTITIES: usize = crate::paths::MAX_HOPS as usize + 1;

impl PathShown {
    /// Reads `path=ID,ID,…`: 2 to [`MAX_PATH_ENTITIES`] entity ids, the first the page's
    /// entity, none twice, each related to the next by a relation of `kinds` (either way).
    pub fn parse(snapshot: &Snapshot, start: u32, text: &str, kinds: KindSet) -> Result<PathShown, AppError> {
        let bad = |problem: String| AppError::BadRequest(format!("path: {problem}"));
        let ids: Vec<&str> = text.split(',').map(str::trim).collect();
        if !(2..=MAX_PATH_ENTITIES).contains(&ids.len()) || ids.iter().any(|id| id.is_empty()) {
            return Err(bad(format!(
                "2 to {MAX_PATH_ENTITIES} entity ids separated by commas, the first this page's entity; got {text:?}"
            )));
        }
        let mut nodes: Vec<u32> = Vec::with_capacity(ids.len());
        for id in &ids {
            let node = snapshot
                .find(id)
                .ok_or_else(|| bad(format!("no entity with id {id:?}")))?;
            if nodes.contains(&node) {
                return Err(bad(format!("{id:?} is on the path twice")));
            }
            nodes.push(node);
        }
        if nodes[0] != start {
            return Err(bad(format!(
                "a path starts at this page's entity, {:?}; this one starts at {:?}",
                &*snapshot.node(start).id,
                ids[0]
            )));
        }
        let mut edges = Vec::new();
        for (pair, names) in nodes.windows(2).zip(ids.windows(2)) {
            let before = edges.len();
            let between = |side: &[crate::graph::Adjacent]| {
                side.iter()
                    .filter(|a| a.node == pair[1] && kinds.contains(a.kind))
                    .map(|a| a.edge)
                    .collect::<Vec<_>>()
            };
            edges.extend(between(snapshot.outgoing(pair[0])));
            edges.extend(between(snapshot.incoming(pair[0])));
            if edges.len() == before {
                return Err(bad(format!(
                    "{:?} and {:?} are not related{}",
                    names[0],
                    names[1],
                    if kinds == KindSet::ALL {
                        String::new()
                    } else {
                        format!(" by {}", kinds_query(kinds))
                    }
                )));
            }
        }
        Ok(PathShown { nodes, edges })
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
    /// The path highlighted (`path=…`): its entities' ids in order, `null` when none. Its
    /// entities and relations are in `nodes` and `edges`, marked `on_path`.
    pub path: Option<Vec<String>>,
    /// Entities of `nodes` drawn only because they are on the path (the walk did not reach
    /// them): not counted in `reached`.
    pub path_only: usize,
    /// `path=…` as the URL gave it, for links that keep it.
    #[serde(skip)]
    pub path_query: String,
    /// The path's entities in order: (id, name).
    #[serde(skip)]
    pub path_entities: Vec<(String, String)>,
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
        let path = params
            .get("path")
            .map(|text| PathShown::parse(&snapshot, start, text, kinds))
            .transpose()?;
        // Each page shows the start and the next NODE_LIMIT - 1 entities the walk reached.
        let per_page = NODE_LIMIT - 1;
        let window = Window {
            skip: (page - 1) * per_page,
            limit: NODE_LIMIT,
            groups: true,
            keep: path.as_ref().map_or(&[], |p| &p.nodes),
        };
        let view = neighbourhood_view(
            &snapshot,
            start,
            depth,
            kinds,
            direction,
            schemas,
            window,
            "main",
            path.as_ref(),
        );
        let reached = view.nodes.len() - view.path_only + view.omitted;
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
            if let Some(text) = params.get("path") {
                pairs.push(("path", text.to_string()));
            }
            pairs.push(("page", page.to_string()));
            let query = serde_urlencoded::to_string(&pairs).expect("string pairs always encode");
            format!("{}/graph?{query}", super::entity_path(id.as_str()))
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
            path_entities: path.as_ref().map_or_else(Vec::new, |p| {
                p.nodes
                    .iter()
                    .map(|&n| (snapshot.node(n).id.to_string(), snapshot.node(n).name.to_string()))
                    .collect()
            }),
            path: path.map(|p| p.nodes.iter().map(|&n| snapshot.node(n).id.to_string()).collect()),
            path_query: params.get("path").unwrap_or_default().to_string(),
            path_only: view.path_only,
        })
    })
}
