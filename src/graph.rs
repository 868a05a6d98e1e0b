//! The in-memory graph: an immutable snapshot of the store, and the traversals over it.
//!
//! A [`Snapshot`] holds a petgraph `Graph` (the model: nodes and edge weights, used by
//! petgraph's algorithms) and, frozen beside it, compact adjacency arrays in compressed
//! sparse row layout (CSR) that the traversals read: petgraph's linked adjacency chases a
//! pointer per edge, CSR reads a node's edges as one contiguous slice.
//!
//! Architecture invariant: a snapshot is never mutated after it is built; writers build a new
//! one and swap it in whole (see [`crate::engine`]). This module does no IO of its own.

use crate::model::{in_window, Date, KindSet, RelationKind, Schema, Share};
use crate::store::{Store, StoreError};
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::{Directed, Graph};
use std::collections::{HashMap, VecDeque};

/// A node: the few facts traversals and listings of results need. Details live in the store.
#[derive(Debug, Clone)]
pub struct Node {
    pub id: Box<str>,
    pub name: Box<str>,
    pub schema: Schema,
}

/// An edge weight: the relation's facts that traversals and exposure rules read.
#[derive(Debug, Clone, Copy)]
pub struct Edge {
    /// The relation's row id in the store.
    pub rid: i64,
    pub kind: RelationKind,
    pub share: Option<Share>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

impl Edge {
    /// Whether the relation holds on `day`.
    pub fn active_on(&self, day: Date) -> bool {
        in_window(self.start_date, self.end_date, day)
    }
}

/// A listing as the graph keeps it: which list, and when.
#[derive(Debug, Clone, Copy)]
pub struct ListingFact {
    /// Index into [`Snapshot::list_names`].
    pub list: u16,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

/// One entry of a node's adjacency: the node at the other end, the edge, its kind.
#[derive(Debug, Clone, Copy)]
pub struct Adjacent {
    pub node: u32,
    pub edge: u32,
    pub kind: RelationKind,
}

/// Compressed sparse rows: the entries of node `n` are `entries[offsets[n]..offsets[n + 1]]`.
#[derive(Debug, Default)]
pub struct Adjacency {
    offsets: Vec<u32>,
    entries: Vec<Adjacent>,
}

impl Adjacency {
    /// Builds the rows from `(row, entry)` pairs by a counting sort: O(V + E).
    fn build(node_count: usize, pairs: impl Iterator<Item = (u32, Adjacent)> + Clone) -> Adjacency {
        let mut offsets = vec![0u32; node_count + 1];
        for (row, _) in pairs.clone() {
            offsets[row as usize + 1] += 1;
        }
        for i in 0..node_count {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets.clone();
        let placeholder = Adjacent {
            node: 0,
            edge: 0,
            kind: RelationKind::LinkedTo,
        };
        let mut entries = vec![placeholder; offsets[node_count] as usize];
        for (row, entry) in pairs {
            let slot = &mut cursor[row as usize];
            entries[*slot as usize] = entry;
            *slot += 1;
        }
        Adjacency { offsets, entries }
    }

    /// The entries of one node.
    #[inline]
    pub fn of(&self, node: u32) -> &[Adjacent] {
        let start = self.offsets[node as usize] as usize;
        let end = self.offsets[node as usize + 1] as usize;
        &self.entries[start..end]
    }
}

/// Which way to follow relations from a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From source to target (what the node owns, controls, is subordinate of…).
    Out,
    /// From target to source (who owns, controls… the node).
    In,
    Both,
}

/// The result of a bounded breadth-first walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbourhood {
    /// Nodes reached with their distance from the start; the start first, at 0.
    pub nodes: Vec<(u32, u8)>,
    /// Edges between reached nodes that the walk followed.
    pub edges: Vec<u32>,
    /// Nodes found but not returned because of the limit.
    pub omitted: usize,
}

/// An immutable picture of the whole graph at one data version.
pub struct Snapshot {
    pub graph: Graph<Node, Edge, Directed, u32>,
    index: HashMap<Box<str>, u32>,
    outgoing: Adjacency,
    incoming: Adjacency,
    listing_offsets: Vec<u32>,
    listings: Vec<ListingFact>,
    pub list_names: Vec<String>,
    /// Import count at build time: tells pages and caches which data they show.
    pub data_version: i64,
}

impl Snapshot {
    /// Reads the whole store into a new snapshot.
    pub fn load(store: &Store) -> Result<Snapshot, StoreError> {
        let mut graph: Graph<Node, Edge, Directed, u32> = Graph::default();
        let mut node_of_eid: Vec<u32> = Vec::new();
        let mut index = HashMap::new();
        store.scan_entities(|row| {
            let eid = row.eid as usize;
            if node_of_eid.len() <= eid {
                node_of_eid.resize(eid + 1, u32::MAX);
            }
            let node = graph.add_node(Node {
                id: row.id.into(),
                name: row.name.into(),
                schema: row.schema,
            });
            node_of_eid[eid] = node.index() as u32;
            index.insert(Box::<str>::from(row.id), node.index() as u32);
        })?;
        let lookup = |eid: i64| -> Result<u32, StoreError> {
            node_of_eid
                .get(eid as usize)
                .copied()
                .filter(|n| *n != u32::MAX)
                .ok_or_else(|| StoreError::Corrupt(format!("relation or listing names missing entity {eid}")))
        };
        let mut failure = None;
        store.scan_relations(|row| match (lookup(row.source_eid), lookup(row.target_eid)) {
            (Ok(s), Ok(t)) => {
                graph.add_edge(
                    NodeIndex::new(s as usize),
                    NodeIndex::new(t as usize),
                    Edge {
                        rid: row.rid,
                        kind: row.kind,
                        share: row.share,
                        start_date: row.start_date,
                        end_date: row.end_date,
                    },
                );
            }
            (Err(e), _) | (_, Err(e)) => failure = Some(e),
        })?;
        if let Some(e) = failure {
            return Err(e);
        }

        let mut list_names: Vec<String> = Vec::new();
        let mut by_node: Vec<(u32, ListingFact)> = Vec::new();
        let mut failure = None;
        store.scan_listings(|row| {
            let list = match list_names.iter().position(|l| l == row.list) {
                Some(i) => i,
                None => {
                    list_names.push(row.list.to_string());
                    list_names.len() - 1
                }
            };
            match lookup(row.entity_eid) {
                Ok(node) => by_node.push((
                    node,
                    ListingFact {
                        list: list as u16,
                        start_date: row.start_date,
                        end_date: row.end_date,
                    },
                )),
                Err(e) => failure = Some(e),
            }
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        by_node.sort_by_key(|(node, _)| *node);
        let node_count = graph.node_count();
        let mut listing_offsets = vec![0u32; node_count + 1];
        for (node, _) in &by_node {
            listing_offsets[*node as usize + 1] += 1;
        }
        for i in 0..node_count {
            listing_offsets[i + 1] += listing_offsets[i];
        }
        let listings = by_node.into_iter().map(|(_, fact)| fact).collect();

        let (outgoing, incoming) = freeze(&graph);
        Ok(Snapshot {
            graph,
            index,
            outgoing,
            incoming,
            listing_offsets,
            listings,
            list_names,
            data_version: store.data_version()?,
        })
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The node of an entity id.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    pub fn node(&self, node: u32) -> &Node {
        &self.graph[NodeIndex::new(node as usize)]
    }

    pub fn edge(&self, edge: u32) -> &Edge {
        &self.graph[EdgeIndex::new(edge as usize)]
    }

    /// Source and target of an edge.
    pub fn endpoints(&self, edge: u32) -> (u32, u32) {
        let (s, t) = self
            .graph
            .edge_endpoints(EdgeIndex::new(edge as usize))
            .expect("edge indices come from this snapshot");
        (s.index() as u32, t.index() as u32)
    }

    /// Relations from `node` (node is their source).
    pub fn outgoing(&self, node: u32) -> &[Adjacent] {
        self.outgoing.of(node)
    }

    /// Relations to `node` (node is their target).
    pub fn incoming(&self, node: u32) -> &[Adjacent] {
        self.incoming.of(node)
    }

    /// Listings of a node, current or past.
    pub fn listings(&self, node: u32) -> &[ListingFact] {
        let start = self.listing_offsets[node as usize] as usize;
        let end = self.listing_offsets[node as usize + 1] as usize;
        &self.listings[start..end]
    }

    pub fn is_listed(&self, node: u32) -> bool {
        !self.listings(node).is_empty()
    }

    /// Breadth-first walk from `start` up to `depth` hops over relations of `kinds`, returning
    /// at most `limit` nodes (the nearest first) and counting the rest in `omitted`, with the
    /// relations of `kinds` among the returned nodes.
    pub fn neighbourhood(
        &self,
        start: u32,
        depth: u8,
        kinds: KindSet,
        direction: Direction,
        limit: usize,
    ) -> Neighbourhood {
        let mut distance: HashMap<u32, u8> = HashMap::from([(start, 0)]);
        let mut nodes = vec![(start, 0u8)];
        let mut queue = VecDeque::from([start]);
        let mut omitted = 0;
        while let Some(node) = queue.pop_front() {
            let d = distance[&node];
            if d >= depth {
                continue;
            }
            let sides: [&[Adjacent]; 2] = match direction {
                Direction::Out => [self.outgoing(node), &[]],
                Direction::In => [self.incoming(node), &[]],
                Direction::Both => [self.outgoing(node), self.incoming(node)],
            };
            for adj in sides.into_iter().flatten() {
                if !kinds.contains(adj.kind) || distance.contains_key(&adj.node) {
                    continue;
                }
                distance.insert(adj.node, d + 1);
                queue.push_back(adj.node);
                if nodes.len() < limit {
                    nodes.push((adj.node, d + 1));
                } else {
                    omitted += 1;
                }
            }
        }
        let shown: std::collections::HashSet<u32> = nodes.iter().map(|(n, _)| *n).collect();
        let mut edges: Vec<u32> = nodes
            .iter()
            .flat_map(|(n, _)| self.outgoing(*n))
            .filter(|adj| kinds.contains(adj.kind) && shown.contains(&adj.node))
            .map(|adj| adj.edge)
            .collect();
        edges.sort_unstable();
        Neighbourhood {
            nodes,
            edges,
            omitted,
        }
    }

    /// A shortest path from `from` to `to` over relations of `kinds` (following them in
    /// their direction when `directed`, either way otherwise): the edges in order, or `None`.
    /// Searches from both ends at once and expands the smaller frontier.
    pub fn shortest_path(
        &self,
        from: u32,
        to: u32,
        kinds: KindSet,
        directed: bool,
        max_hops: u8,
    ) -> Option<Vec<u32>> {
        if from == to {
            return Some(Vec::new());
        }
        // parent[node] = (previous node, edge) on the side that reached it.
        let mut forward: HashMap<u32, (u32, u32)> = HashMap::from([(from, (u32::MAX, u32::MAX))]);
        let mut backward: HashMap<u32, (u32, u32)> = HashMap::from([(to, (u32::MAX, u32::MAX))]);
        let mut front = vec![from];
        let mut back = vec![to];
        let mut hops = 0u8;
        while !front.is_empty() && !back.is_empty() && hops < max_hops {
            hops += 1;
            let expand_forward = front.len() <= back.len();
            let (frontier, seen, other) = if expand_forward {
                (&mut front, &mut forward, &backward)
            } else {
                (&mut back, &mut backward, &forward)
            };
            let mut next = Vec::new();
            let mut meeting = None;
            'level: for &node in frontier.iter() {
                let (ahead, behind) = if expand_forward {
                    (self.outgoing(node), self.incoming(node))
                } else {
                    (self.incoming(node), self.outgoing(node))
                };
                let sides: [&[Adjacent]; 2] = if directed { [ahead, &[]] } else { [ahead, behind] };
                for adj in sides.into_iter().flatten() {
                    if !kinds.contains(adj.kind) || seen.contains_key(&adj.node) {
                        continue;
                    }
                    seen.insert(adj.node, (node, adj.edge));
                    if other.contains_key(&adj.node) {
                        meeting = Some(adj.node);
                        break 'level;
                    }
                    next.push(adj.node);
                }
            }
            if let Some(meet) = meeting {
                let mut path = Vec::new();
                let mut node = meet;
                while let Some(&(prev, edge)) = forward.get(&node).filter(|p| p.0 != u32::MAX) {
                    path.push(edge);
                    node = prev;
                }
                path.reverse();
                let mut node = meet;
                while let Some(&(prev, edge)) = backward.get(&node).filter(|p| p.0 != u32::MAX) {
                    path.push(edge);
                    node = prev;
                }
                return Some(path);
            }
            *frontier = next;
        }
        None
    }
}

/// Freezes the outgoing and incoming CSR arrays of a graph.
fn freeze(graph: &Graph<Node, Edge, Directed, u32>) -> (Adjacency, Adjacency) {
    let n = graph.node_count();
    let edges = graph.raw_edges();
    let outgoing = Adjacency::build(
        n,
        edges.iter().enumerate().map(|(i, e)| {
            (
                e.source().index() as u32,
                Adjacent {
                    node: e.target().index() as u32,
                    edge: i as u32,
                    kind: e.weight.kind,
                },
            )
        }),
    );
    let incoming = Adjacency::build(
        n,
        edges.iter().enumerate().map(|(i, e)| {
            (
                e.target().index() as u32,
                Adjacent {
                    node: e.source().index() as u32,
                    edge: i as u32,
                    kind: e.weight.kind,
                },
            )
        }),
    );
    (outgoing, incoming)
}
