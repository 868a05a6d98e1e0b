//! The graph page: an entity's neighbourhood drawn as SVG, with the same nodes and relations
//! as tables below, capped at [`NODE_LIMIT`] nodes with a count of the rest.

use super::drawing::{self, Drawing, EdgeIn, NodeIn};
use super::params::{kind_list, kinds_query, Params};
use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::graph::{Direction, Snapshot};
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
    pub drawing: Drawing,
}

/// How many nodes a walk reached over one relation kind: what narrowing to it would keep.
#[derive(Debug, Clone, Serialize)]
pub struct KindCount {
    pub kind: RelationKind,
    pub nodes: u32,
}

/// Walks the neighbourhood of `start` and draws it; shared by the graph and entity pages.
pub fn neighbourhood_view(
    snapshot: &Snapshot,
    start: u32,
    depth: u8,
    kinds: KindSet,
    direction: Direction,
    limit: usize,
    marker: &'static str,
) -> NeighbourhoodView {
    let walk = snapshot.neighbourhood(start, depth, kinds, direction, limit);
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
        caption.push_str(&format!(" ({} more not drawn)", walk.omitted));
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
    pub data_version: i64,
    #[serde(skip)]
    pub svg: String,
    /// `kinds=…` of the current filter, empty for all kinds: for links that keep it.
    #[serde(skip)]
    pub kinds_query: String,
    #[serde(skip)]
    pub choices: Vec<KindChoice>,
    /// The signed-in user, who may save the live graph as an investigation.
    #[serde(skip)]
    pub viewer: Option<crate::accounts::Session>,
}

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
        let snapshot = engine.snapshot();
        let start = snapshot
            .find(&id)
            .ok_or_else(|| AppError::NotFound(format!("no entity with id {:?}", id.as_str())))?;
        let view = neighbourhood_view(&snapshot, start, depth, kinds, direction, NODE_LIMIT, "main");
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
            data_version: snapshot.data_version,
            svg: view.drawing.svg(),
            kinds_query: kinds_query(kinds),
            choices: kind_choices(kinds),
            viewer: super::account::viewer(&req, &engine)?,
        })
    })
}
