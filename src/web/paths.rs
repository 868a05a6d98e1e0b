//! The paths page: the k shortest paths between two entities, each hop with its relation,
//! share, dates and evidence. Either end may be typed as a name: until it names exactly one
//! entity, the page offers the matching entities to choose from (a plain form, no script).

use super::graph::NodeView;
use super::params::{kind_list, kinds_query, Params};
use super::{drawing, AppError, Format, WebError};
use crate::engine::Engine;
use crate::graph::Snapshot;
use crate::model::{Confidence, Date, KindSet, RelationKind, Schema, Share};
use crate::paths::{k_shortest_paths_within, MAX_HOPS, MAX_K};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Serialize;

const DEFAULT_MAX: u8 = 6;
/// Longest a paths query may run before it answers 400.
pub const QUERY_TIME: std::time::Duration = std::time::Duration::from_secs(2);
const DEFAULT_K: u8 = 3;
/// Most candidates offered for a name.
const CANDIDATES: usize = 20;

/// One end of the search as the URL gave it, and what it resolved to.
#[derive(Serialize)]
pub struct End {
    /// What was typed: an entity id or part of a name; `None` when not given yet.
    pub query: Option<String>,
    /// The entity, once the query names exactly one.
    pub entity: Option<NodeView>,
    /// Entities whose name matches the query, when it is not an id.
    pub candidates: Vec<NameMatch>,
}

/// One hop of a path: the relation, and which way the path walks it.
#[derive(Serialize)]
pub struct Hop {
    /// The party the hop leaves from and the party it reaches.
    pub from: String,
    pub from_name: String,
    pub to: String,
    pub to_name: String,
    pub kind: RelationKind,
    /// `forward` when the path follows the relation from its source to its target,
    /// `backward` when it walks it the other way (undirected searches only).
    pub direction: &'static str,
    /// The relation as recorded: `source kind target`.
    pub source: String,
    pub target: String,
    pub share: Option<Share>,
    pub share_text: Option<String>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub confidence: Option<Confidence>,
    pub evidence: Option<String>,
    pub notes: Option<String>,
    pub dataset: Option<String>,
}

#[derive(Serialize)]
pub struct PathView {
    pub hops: usize,
    /// The parties in order, `from` first.
    pub nodes: Vec<NodeView>,
    pub steps: Vec<Hop>,
    /// The path on the graph page of `from`: drawn with its neighbours and highlighted
    /// (`path=ID,ID,…`), live with JavaScript.
    pub graph_href: String,
}

#[derive(Template, Serialize)]
#[template(path = "paths.html")]
pub struct PathsPage {
    pub title: String,
    pub from: End,
    pub to: End,
    pub max: u8,
    pub k: u8,
    pub directed: bool,
    pub kinds: Vec<RelationKind>,
    /// The paths found, shortest first; `None` until both ends name one entity each.
    pub paths: Option<Vec<PathView>>,
    pub data_version: i64,
    /// Whether paths may pass through no party of more than `max_links` links (`hubs=avoid`,
    /// the default) or through any (`hubs=through`).
    pub avoid_hubs: bool,
    pub max_links: usize,
    /// A shorter path that the hub limit ruled out, when there is one.
    pub skipped: Option<Skipped>,
    #[serde(skip)]
    pub kinds_query: String,
    #[serde(skip)]
    pub choices: Vec<super::graph::KindChoice>,
}

/// A shorter path than any shown, through parties of more links than the limit.
#[derive(Serialize)]
pub struct Skipped {
    pub hops: usize,
    /// The parties over the limit it passes through, with their links.
    pub hubs: Vec<HubView>,
    /// The same search through hubs.
    pub href: String,
}

#[derive(Serialize)]
pub struct HubView {
    #[serde(flatten)]
    pub entity: NodeView,
    pub links: usize,
}

/// Links above which a party is a hub that paths avoid, unless the URL says otherwise.
pub const DEFAULT_MAX_LINKS: usize = 1_000;
const MAX_LINKS_RANGE: std::ops::RangeInclusive<usize> = 1..=10_000_000;

/// `hubs=avoid|through` and `max_links=N`: whether and above how many links to avoid parties.
fn hub_limit(params: &Params) -> Result<(bool, usize), AppError> {
    let avoid = match params.get("hubs") {
        None | Some("avoid") => true,
        Some("through") => false,
        Some(other) => {
            return Err(AppError::BadRequest(format!(
                "hubs must be avoid or through; got {other:?}"
            )))
        }
    };
    let max_links = match params.get("max_links") {
        None => DEFAULT_MAX_LINKS,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| MAX_LINKS_RANGE.contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "max_links must be a whole number from {} to {}; got {text:?}",
                    MAX_LINKS_RANGE.start(),
                    MAX_LINKS_RANGE.end()
                ))
            })?,
    };
    Ok((avoid, max_links))
}

/// Each end with the other: (heading, its parameter, it, the other, the other's parameter).
type EndPair<'a> = (&'static str, &'static str, &'a End, &'a End, &'static str);

impl PathsPage {
    /// Both ends, each with the other, so the template offers choices for either alike.
    pub fn ends(&self) -> [EndPair<'_>; 2] {
        [
            ("From", "from", &self.from, &self.to, "to"),
            ("To", "to", &self.to, &self.from, "from"),
        ]
    }
}

/// An entity found by name: enough to offer it as a choice.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct NameMatch {
    pub id: String,
    pub name: String,
    pub schema: Schema,
}

/// Entities matching a typed name, best first, from the name search.
fn candidates(engine: &Engine, text: &str) -> Result<Vec<NameMatch>, AppError> {
    let snapshot = engine.snapshot();
    let ranked = crate::search::rank(&*engine.search_index()?, text).by_party(&|id| snapshot.party_of(id));
    Ok(ranked
        .hits
        .into_iter()
        .take(CANDIDATES)
        .map(|hit| NameMatch {
            id: hit.id,
            name: hit.name,
            schema: hit.schema,
        })
        .collect())
}

/// Resolves what the URL gave for one end: an id, a name matching one entity, or choices.
fn resolve(
    engine: &Engine,
    snapshot: &Snapshot,
    query: Option<&str>,
) -> Result<(End, Option<u32>), AppError> {
    let Some(query) = query else {
        return Ok((
            End {
                query: None,
                entity: None,
                candidates: Vec::new(),
            },
            None,
        ));
    };
    let mut found = snapshot.find(query);
    let mut offered = Vec::new();
    if found.is_none() {
        offered = candidates(engine, query)?;
        if let [only] = offered.as_slice() {
            found = snapshot.find(&only.id);
        }
    }
    Ok((
        End {
            query: Some(query.to_string()),
            entity: found.map(|n| NodeView::of(snapshot, n, 0)),
            candidates: if found.is_some() { Vec::new() } else { offered },
        },
        found,
    ))
}

/// The graph page of a path's first entity with the path highlighted, over the same kinds.
fn graph_href(snapshot: &Snapshot, path: &crate::paths::Path, kinds: KindSet) -> String {
    let ids: Vec<&str> = path.nodes.iter().map(|&n| &*snapshot.node(n).id).collect();
    let mut pairs = vec![("depth", "1".to_string())];
    if kinds != KindSet::ALL {
        pairs.push(("kinds", kinds_query(kinds)));
    }
    pairs.push(("path", ids.join(",")));
    let query = serde_urlencoded::to_string(&pairs).expect("string pairs always encode");
    format!("{}/graph?{query}", super::entity_path(ids[0]))
}

fn path_view(
    engine: &Engine,
    snapshot: &Snapshot,
    path: &crate::paths::Path,
    kinds: KindSet,
) -> Result<PathView, AppError> {
    let rids: Vec<i64> = path.edges.iter().map(|&e| snapshot.edge(e).rid).collect();
    let facts = engine.read(|store| store.relation_facts(&rids))?;
    let steps = path
        .edges
        .iter()
        .zip(path.nodes.windows(2))
        .map(|(&edge, pair)| {
            let e = snapshot.edge(edge);
            let (source, target) = snapshot.endpoints(edge);
            let fact = facts.get(&e.rid);
            let id = |n: u32| snapshot.node(n).id.to_string();
            let name = |n: u32| snapshot.node(n).name.to_string();
            Hop {
                from: id(pair[0]),
                from_name: name(pair[0]),
                to: id(pair[1]),
                to_name: name(pair[1]),
                kind: e.kind,
                direction: if source == pair[0] { "forward" } else { "backward" },
                source: id(source),
                target: id(target),
                share: e.share,
                share_text: e.share.map(drawing::share_text),
                start_date: e.start_date,
                end_date: e.end_date,
                confidence: fact.and_then(|f| f.confidence),
                evidence: fact.and_then(|f| f.evidence.clone()),
                notes: fact.and_then(|f| f.notes.clone()),
                dataset: fact.map(|f| f.dataset.clone()),
            }
        })
        .collect();
    Ok(PathView {
        hops: path.hops(),
        nodes: path
            .nodes
            .iter()
            .enumerate()
            .map(|(i, &n)| NodeView::of(snapshot, n, i as u8))
            .collect(),
        steps,
        graph_href: graph_href(snapshot, path, kinds),
    })
}

pub async fn paths(
    format: Format,
    engine: web::Data<Engine>,
    req: HttpRequest,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let params = Params::of(&req)?;
        let max = params.number("max", 1..=MAX_HOPS, DEFAULT_MAX)?;
        let k = params.number("k", 1..=MAX_K as u8, DEFAULT_K)?;
        let directed = params.flag("directed", false)?;
        let kinds = params.kinds()?;
        let (avoid_hubs, max_links) = hub_limit(&params)?;
        let snapshot = engine.snapshot();
        let (from, from_node) = resolve(&engine, &snapshot, params.get("from"))?;
        let (to, to_node) = resolve(&engine, &snapshot, params.get("to"))?;
        let paths = match (from_node, to_node) {
            (Some(a), Some(b)) if a == b => {
                return Err(AppError::BadRequest(
                    "from and to are the same entity; choose two different ones".into(),
                ))
            }
            (Some(a), Some(b)) => Some(
                k_shortest_paths_within(
                    &snapshot,
                    a,
                    b,
                    kinds,
                    directed,
                    max,
                    k as usize,
                    Some(QUERY_TIME),
                    avoid_hubs.then_some(max_links),
                )
                .map_err(|t| {
                    AppError::BadRequest(format!(
                        "the search for {k} paths took longer than {} s (it had found {}): \
                             ask for fewer paths or hops, or choose kinds",
                        t.budget.as_secs_f64(),
                        t.found.len()
                    ))
                })?
                .iter()
                .map(|p| path_view(&engine, &snapshot, p, kinds))
                .collect::<Result<Vec<_>, _>>()?,
            ),
            _ => None,
        };
        // Say when the limit hid a shorter path: one more search, through everything.
        let skipped = match (from_node, to_node, &paths) {
            (Some(a), Some(b), Some(found)) if avoid_hubs => snapshot
                .shortest_path(a, b, kinds, directed, max)
                .filter(|through| found.first().is_none_or(|p| through.len() < p.hops))
                .map(|through| {
                    let path = crate::paths::Path::from_edges(&snapshot, a, through);
                    let hubs = path.nodes[1..path.nodes.len() - 1]
                        .iter()
                        .filter(|&&n| snapshot.links(n) > max_links)
                        .map(|&n| HubView {
                            entity: NodeView::of(&snapshot, n, 0),
                            links: snapshot.links(n),
                        })
                        .collect();
                    let mut query: Vec<(&str, String)> = req
                        .query_string()
                        .split('&')
                        .filter_map(|pair| pair.split_once('='))
                        .filter(|(name, _)| *name != "hubs")
                        .map(|(name, value)| (name, value.to_string()))
                        .collect();
                    query.push(("hubs", "through".into()));
                    let query = query
                        .iter()
                        .map(|(n, v)| format!("{n}={v}"))
                        .collect::<Vec<_>>()
                        .join("&");
                    Skipped {
                        hops: path.hops(),
                        hubs,
                        href: format!("/paths?{query}"),
                    }
                }),
            _ => None,
        };
        let title = match (&from.entity, &to.entity) {
            (Some(a), Some(b)) => format!("Paths from {} to {}", a.name, b.name),
            _ => "Paths".to_string(),
        };
        Ok(PathsPage {
            title,
            from,
            to,
            max,
            k,
            directed,
            kinds: kind_list(kinds),
            paths,
            avoid_hubs,
            max_links,
            skipped,
            data_version: snapshot.data_version,
            kinds_query: kinds_query(kinds),
            choices: super::graph::kind_choices(kinds),
        })
    })
}
