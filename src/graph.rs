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
use crate::resolve::Clusters;
use crate::store::EdgeRow;
use crate::store::{Store, StoreError};
use hashbrown::{DefaultHashBuilder, HashTable};
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::{Directed, Graph};
use std::any::Any;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

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
    /// Index into [`Snapshot::program_names`] (0: no programme).
    pub program: u16,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

/// One entry of a node's adjacency: the node at the other end, the edge, its kind, and the
/// other node's schema (in what would be padding: walks that group or filter by schema read
/// it here instead of missing the cache on the node itself, once per relation).
#[derive(Debug, Clone, Copy)]
pub struct Adjacent {
    pub node: u32,
    pub edge: u32,
    pub kind: RelationKind,
    pub schema: Schema,
}

// The schema sits in padding: an entry stays 12 bytes.
const _: () = assert!(std::mem::size_of::<Adjacent>() == 12);

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
            schema: Schema::LegalEntity,
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

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Out => "out",
            Direction::In => "in",
            Direction::Both => "both",
        }
    }
}

impl std::str::FromStr for Direction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "out" => Ok(Direction::Out),
            "in" => Ok(Direction::In),
            "both" => Ok(Direction::Both),
            _ => Err(format!("unknown direction {s:?}; expected in, out or both")),
        }
    }
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
    /// How many nodes (returned or omitted) the walk first reached over each relation kind,
    /// indexed by `RelationKind as usize`: what narrowing the walk to one kind would keep at
    /// the first hop, and a hint beyond it.
    pub reached_by_kind: [u32; RelationKind::ALL.len()],
    /// The largest groups of nodes first reached through one node over one kind, one way,
    /// of one schema ("X is director of 48,213 companies"), largest first, at most
    /// [`MAX_REACH_GROUPS`]; counts are exact, shown and omitted nodes alike.
    pub groups: Vec<ReachGroup>,
}

/// Nodes a walk first reached through one node (`via`) over one kind of relation, one way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReachGroup {
    pub via: u32,
    pub kind: RelationKind,
    /// `true` when `via` is the source of those relations (it owns them, directs them…).
    pub via_is_source: bool,
    pub schema: Schema,
    /// Hops from the start to the nodes of the group.
    pub level: u8,
    pub count: u32,
}

/// Most groups a walk reports.
pub const MAX_REACH_GROUPS: usize = 10;
/// Nodes with fewer links than this are not grouped: they cannot crowd a page.
const GROUP_MIN_LINKS: usize = 20;

/// A set of schemas, one bit each (`Schema as u8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchemaSet(pub u8);

impl SchemaSet {
    pub const ALL: SchemaSet = SchemaSet(u8::MAX);

    pub fn contains(self, schema: Schema) -> bool {
        self.0 & (1 << schema as u8) != 0
    }
}

impl FromIterator<Schema> for SchemaSet {
    fn from_iter<I: IntoIterator<Item = Schema>>(iter: I) -> SchemaSet {
        SchemaSet(iter.into_iter().fold(0, |bits, s| bits | 1 << s as u8))
    }
}

/// Which nodes a walk returns: after skipping `skip` of them (the start is always returned
/// first and never skipped), at most `limit` in all; and whether it reports `groups` (a
/// little work per node of many links, which counts alone do not need). Nodes of `keep` (a
/// path to show with the neighbourhood: a few) are returned whenever the walk reaches them,
/// beyond the window if need be, so they are never counted as omitted; the window itself
/// stays the same, so pages still cover everything once.
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    pub skip: usize,
    pub limit: usize,
    pub groups: bool,
    pub keep: &'a [u32],
}

/// What a path search must not use: nodes it may not pass through and edges it may not
/// follow. Both are short (a path's length, k paths), so plain vectors beat sets.
#[derive(Debug, Clone, Default)]
pub struct Avoid {
    pub nodes: Vec<u32>,
    pub edges: Vec<u32>,
    /// Pass through no node with more links than this (either way, every kind); the ends
    /// of the search themselves may have any number. `None`: no limit.
    pub max_links: Option<usize>,
}

/// An immutable picture of the whole graph at one data version.
pub struct Snapshot {
    pub graph: Graph<Node, Edge, Directed, u32>,
    index: IdIndex,
    outgoing: Adjacency,
    incoming: Adjacency,
    listing_offsets: Vec<u32>,
    listings: Vec<ListingFact>,
    pub list_names: Vec<String>,
    /// Programme tags of the listings; index 0 is the empty tag of listings without one.
    pub program_names: Vec<String>,
    /// Answers derived from this snapshot's data (page summaries, facets), computed once each.
    memo: Mutex<HashMap<&'static str, Arc<dyn Any + Send + Sync>>>,
    /// Import count at build time: tells pages and caches which data they show.
    pub data_version: i64,
    /// Records judged one party with another, other than the one their cluster's node is
    /// named by: member id → the cluster's node.
    members: HashMap<Box<str>, u32>,
    /// The member ids of each cluster's node, sorted (the node's own id among them).
    clusters: HashMap<u32, Vec<Box<str>>>,
}

/// Entity id → node, holding only node numbers: the ids themselves live once, in the nodes.
#[derive(Default)]
struct IdIndex {
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

impl IdIndex {
    fn with_capacity(n: usize) -> IdIndex {
        IdIndex {
            table: HashTable::with_capacity(n),
            hasher: DefaultHashBuilder::default(),
        }
    }

    fn insert(&mut self, nodes: &[petgraph::graph::Node<Node, u32>], node: u32) {
        let hasher = &self.hasher;
        let hash = hasher.hash_one(&*nodes[node as usize].weight.id);
        self.table
            .insert_unique(hash, node, |n| hasher.hash_one(&*nodes[*n as usize].weight.id));
    }

    fn get(&self, nodes: &[petgraph::graph::Node<Node, u32>], id: &str) -> Option<u32> {
        let hash = self.hasher.hash_one(id);
        self.table
            .find(hash, |n| &*nodes[*n as usize].weight.id == id)
            .copied()
    }
}

impl Snapshot {
    /// Reads the whole store into a new snapshot.
    ///
    /// Three threads: this one reads entities and listings, a second one relations on a twin
    /// connection that sees the same committed state (one connection cannot be shared), and a
    /// third builds the graph from batches of both, so loading takes about the longest of them.
    /// Without a twin (a store without a file, or a commit between the two transactions' first
    /// reads) this thread reads relations too, after the rest.
    pub fn load(store: &Store) -> Result<Snapshot, StoreError> {
        let (entity_count, relation_count) = store.counts()?;
        let data_version = store.data_version()?;
        let judged = store.current_judgements()?;
        let clusters = Clusters::new(&judged);
        let twin = store.reading_twin().unwrap_or_else(|e| {
            tracing::debug!("relations read on the same connection: no twin ({e})");
            None
        });
        std::thread::scope(|scope| {
            let (node_sender, node_rows) = sync_channel::<NodeRows>(8);
            // Relations arrive while the builder still places entities: room for a million.
            let (relation_sender, relation_rows) = sync_channel::<Vec<EdgeRow>>(64);
            let clusters = &clusters;
            let builder =
                scope.spawn(move || build(node_rows, relation_rows, entity_count, relation_count, clusters));
            let scanned = match twin {
                Some(twin) => {
                    let relations = scope.spawn(move || scan_relations(&twin, &relation_sender));
                    let nodes = scan_nodes(store, &node_sender);
                    drop(node_sender);
                    let relations = relations
                        .join()
                        .map_err(|_| StoreError::Corrupt("the relation reader failed".into()))?;
                    nodes.and(relations)
                }
                None => {
                    let nodes = scan_nodes(store, &node_sender);
                    // The builder places every entity before it takes a relation.
                    drop(node_sender);
                    nodes.and_then(|()| scan_relations(store, &relation_sender))
                }
            };
            let mut snapshot = builder
                .join()
                .map_err(|_| StoreError::Corrupt("the graph builder failed".into()))??;
            scanned?;
            snapshot.data_version = data_version;
            Ok(snapshot)
        })
    }

    /// `make`'s answer for this snapshot, computed on first use and kept until the next
    /// snapshot replaces this one (so it is never stale). `key` names what is kept.
    pub fn memo<T: Any + Send + Sync, E>(
        &self,
        key: &'static str,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        if let Some(kept) = self.memo.lock().expect("memo lock").get(key) {
            if let Ok(kept) = kept.clone().downcast::<T>() {
                return Ok(kept);
            }
        }
        // Computed outside the lock: two first requests may both compute; both answers agree.
        let fresh = Arc::new(make()?);
        self.memo.lock().expect("memo lock").insert(key, fresh.clone());
        Ok(fresh)
    }

    pub fn node_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Source records the nodes stand for: a cluster's node counts each of its records.
    pub fn record_count(&self) -> usize {
        self.graph.node_count() + self.members.len()
    }

    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The node of an entity id: the entity's own, or its cluster's when it was judged one
    /// party with others.
    pub fn find(&self, id: &str) -> Option<u32> {
        self.index
            .get(self.graph.raw_nodes(), id)
            .or_else(|| self.members.get(id).copied())
    }

    /// The records a node stands for when it is a cluster (sorted ids, its own among them);
    /// empty for a node of one record.
    pub fn members(&self, node: u32) -> &[Box<str>] {
        self.clusters.get(&node).map_or(&[], |m| m.as_slice())
    }

    /// The party (id and name of its node) a record belongs to when it is one of several
    /// records judged one party and not the one the party is named by.
    pub fn party_of(&self, id: &str) -> Option<(String, String)> {
        let node = *self.members.get(id)?;
        let party = self.node(node);
        Some((party.id.to_string(), party.name.to_string()))
    }

    /// Number of nodes that stand for more than one record.
    pub fn cluster_count(&self) -> usize {
        self.clusters.len()
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

    /// Relations of a node, either way, every kind: what makes it a hub.
    pub fn links(&self, node: u32) -> usize {
        self.outgoing(node).len() + self.incoming(node).len()
    }

    /// Listings of a node, current or past.
    pub fn listings(&self, node: u32) -> &[ListingFact] {
        let start = self.listing_offsets[node as usize] as usize;
        let end = self.listing_offsets[node as usize + 1] as usize;
        &self.listings[start..end]
    }

    /// Names of the lists `node` is on, current or past, each once, in listing order.
    pub fn list_names_of(&self, node: u32) -> Vec<String> {
        let mut lists: Vec<String> = Vec::new();
        for fact in self.listings(node) {
            let name = &self.list_names[fact.list as usize];
            if !lists.contains(name) {
                lists.push(name.clone());
            }
        }
        lists
    }

    pub fn is_listed(&self, node: u32) -> bool {
        !self.listings(node).is_empty()
    }

    /// The relations of `node` to follow in `direction`: one or two CSR slices.
    #[inline]
    fn sides(&self, node: u32, direction: Direction) -> [&[Adjacent]; 2] {
        match direction {
            Direction::Out => [self.outgoing(node), &[]],
            Direction::In => [self.incoming(node), &[]],
            Direction::Both => [self.outgoing(node), self.incoming(node)],
        }
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
        let window = Window {
            skip: 0,
            limit,
            groups: false,
            keep: &[],
        };
        self.neighbourhood_within(start, depth, kinds, direction, SchemaSet::ALL, window)
    }

    /// [`Snapshot::neighbourhood`] entering only nodes of `schemas` (the start aside) and
    /// returning the `window` of what it reaches, in the order it reaches it: the pages of a
    /// large neighbourhood.
    pub fn neighbourhood_within(
        &self,
        start: u32,
        depth: u8,
        kinds: KindSet,
        direction: Direction,
        schemas: SchemaSet,
        window: Window,
    ) -> Neighbourhood {
        const CELLS: usize = RelationKind::ALL.len() * 2 * Schema::ALL.len();
        let cell = |kind: RelationKind, source: bool, schema: Schema| {
            (kind as usize * 2 + usize::from(source)) * Schema::ALL.len() + schema as usize
        };
        with_marks(self.node_count(), |marks| {
            let stamp = marks.next_stamp();
            marks.seen[start as usize] = stamp;
            let mut nodes = vec![(start, 0u8)];
            // Nodes of the window returned so far (the start's included); `nodes` also holds
            // kept ones beyond it.
            let mut windowed = 1;
            let mut frontier = vec![start];
            let mut next = Vec::new();
            let mut reached = 1usize;
            let mut reached_by_kind = [0u32; RelationKind::ALL.len()];
            let mut groups: Vec<ReachGroup> = Vec::new();
            let mut counts = [0u32; CELLS];
            for level in 1..=depth {
                // The last level's nodes are counted, not walked from.
                let last = level == depth;
                for &node in &frontier {
                    let sides = self.sides(node, direction);
                    // Side 0 is the node's outgoing relations unless the walk goes in only.
                    let source_side = [direction != Direction::In, false];
                    let grouped = window.groups && sides[0].len() + sides[1].len() >= GROUP_MIN_LINKS;
                    if grouped {
                        counts = [0; CELLS];
                    }
                    for (side, adjacent) in sides.into_iter().enumerate() {
                        for adj in adjacent {
                            let seen = &mut marks.seen[adj.node as usize];
                            if *seen == stamp || !kinds.contains(adj.kind) {
                                continue;
                            }
                            if schemas != SchemaSet::ALL && !schemas.contains(adj.schema) {
                                continue;
                            }
                            *seen = stamp;
                            reached += 1;
                            reached_by_kind[adj.kind as usize] += 1;
                            if reached - 2 >= window.skip && windowed < window.limit {
                                windowed += 1;
                                nodes.push((adj.node, level));
                            } else if window.keep.contains(&adj.node) {
                                nodes.push((adj.node, level));
                            }
                            if grouped {
                                counts[cell(adj.kind, source_side[side], adj.schema)] += 1;
                            }
                            if !last {
                                next.push(adj.node);
                            }
                        }
                    }
                    if grouped {
                        for kind in RelationKind::ALL {
                            for via_is_source in [true, false] {
                                for schema in Schema::ALL {
                                    let count = counts[cell(kind, via_is_source, schema)];
                                    if count as usize >= GROUP_MIN_LINKS {
                                        groups.push(ReachGroup {
                                            via: node,
                                            kind,
                                            via_is_source,
                                            schema,
                                            level,
                                            count,
                                        });
                                    }
                                }
                            }
                        }
                        // Keep the list short as the walk goes: only the largest matter.
                        if groups.len() > 4 * MAX_REACH_GROUPS {
                            groups.sort_by_key(|g| std::cmp::Reverse(g.count));
                            groups.truncate(MAX_REACH_GROUPS);
                        }
                    }
                }
                std::mem::swap(&mut frontier, &mut next);
                next.clear();
                if frontier.is_empty() {
                    break;
                }
            }
            // Mark the returned nodes apart from the merely reached ones to pick their edges.
            let shown = marks.next_stamp();
            for (node, _) in &nodes {
                marks.seen[*node as usize] = shown;
            }
            let mut edges: Vec<u32> = nodes
                .iter()
                .flat_map(|(n, _)| self.outgoing(*n))
                .filter(|adj| kinds.contains(adj.kind) && marks.seen[adj.node as usize] == shown)
                .map(|adj| adj.edge)
                .collect();
            edges.sort_unstable();
            groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.level.cmp(&b.level)));
            groups.truncate(MAX_REACH_GROUPS);
            Neighbourhood {
                omitted: reached - nodes.len(),
                nodes,
                edges,
                reached_by_kind,
                groups,
            }
        })
    }

    /// Number of distinct nodes within `depth` hops (the start included), without collecting
    /// them: what a reachability count needs.
    pub fn reach_count(&self, start: u32, depth: u8, kinds: KindSet, direction: Direction) -> usize {
        // The walk of `neighbourhood_within` without what a count does not need (the window,
        // the groups and the counts by kind).
        with_marks(self.node_count(), |marks| {
            let stamp = marks.next_stamp();
            marks.seen[start as usize] = stamp;
            let mut reached = 1;
            let mut frontier = vec![start];
            let mut next = Vec::new();
            for level in 1..=depth {
                let last = level == depth;
                for &node in &frontier {
                    for adjacent in self.sides(node, direction) {
                        for adj in adjacent {
                            let seen = &mut marks.seen[adj.node as usize];
                            if *seen != stamp && kinds.contains(adj.kind) {
                                *seen = stamp;
                                reached += 1;
                                if !last {
                                    next.push(adj.node);
                                }
                            }
                        }
                    }
                }
                std::mem::swap(&mut frontier, &mut next);
                next.clear();
                if frontier.is_empty() {
                    break;
                }
            }
            reached
        })
    }

    /// A shortest path from `from` to `to` over relations of `kinds` (following them in
    /// their direction when `directed`, either way otherwise): the edges in order, or `None`
    /// when there is none within `max_hops`. Searches from both ends and always expands the
    /// side with fewer relations to scan.
    pub fn shortest_path(
        &self,
        from: u32,
        to: u32,
        kinds: KindSet,
        directed: bool,
        max_hops: u8,
    ) -> Option<Vec<u32>> {
        self.shortest_path_avoiding(from, to, kinds, directed, max_hops, &Avoid::default())
    }

    /// [`Snapshot::shortest_path`] that never passes through `avoid.nodes` nor follows
    /// `avoid.edges`: the spur search of Yen's k shortest paths (see [`crate::paths`]).
    /// `from` and `to` themselves must not be in `avoid.nodes`.
    pub fn shortest_path_avoiding(
        &self,
        from: u32,
        to: u32,
        kinds: KindSet,
        directed: bool,
        max_hops: u8,
        avoid: &Avoid,
    ) -> Option<Vec<u32>> {
        if from == to {
            return Some(Vec::new());
        }
        let (ahead, behind) = if directed {
            (Direction::Out, Direction::In)
        } else {
            (Direction::Both, Direction::Both)
        };
        with_marks(self.node_count(), |marks| {
            let forward = marks.next_stamp();
            let backward = marks.next_stamp();
            let blocked = marks.next_stamp();
            for node in &avoid.nodes {
                marks.seen[*node as usize] = blocked;
            }
            marks.seen[from as usize] = forward;
            marks.seen[to as usize] = backward;
            let mut front = vec![from];
            let mut back = vec![to];
            let mut next = Vec::new();
            let cost = |frontier: &[u32], direction: Direction| -> usize {
                frontier
                    .iter()
                    .map(|n| self.sides(*n, direction).iter().map(|s| s.len()).sum::<usize>())
                    .sum()
            };
            for _ in 0..max_hops {
                if front.is_empty() || back.is_empty() {
                    return None;
                }
                let go_forward = cost(&front, ahead) <= cost(&back, behind);
                let (frontier, mine, theirs, direction) = if go_forward {
                    (&mut front, forward, backward, ahead)
                } else {
                    (&mut back, backward, forward, behind)
                };
                for &node in frontier.iter() {
                    for adj in self.sides(node, direction).into_iter().flatten() {
                        if !kinds.contains(adj.kind) || avoid.edges.contains(&adj.edge) {
                            continue;
                        }
                        let mark = marks.seen[adj.node as usize];
                        if mark == mine || mark == blocked {
                            continue;
                        }
                        if mark != theirs && avoid.max_links.is_some_and(|max| self.links(adj.node) > max) {
                            continue;
                        }
                        if mark == theirs {
                            // Met: walk both parent chains out from the meeting edge.
                            let (mut left, mut right) = if go_forward {
                                (node, adj.node)
                            } else {
                                (adj.node, node)
                            };
                            let mut path = vec![adj.edge];
                            while left != from {
                                let edge = marks.parent[left as usize];
                                path.push(edge);
                                left = self.other_end(edge, left);
                            }
                            path.reverse();
                            while right != to {
                                let edge = marks.parent[right as usize];
                                path.push(edge);
                                right = self.other_end(edge, right);
                            }
                            return Some(path);
                        }
                        marks.seen[adj.node as usize] = mine;
                        marks.parent[adj.node as usize] = adj.edge;
                        next.push(adj.node);
                    }
                }
                std::mem::swap(frontier, &mut next);
                next.clear();
            }
            None
        })
    }

    /// Breadth-first from `start` over relations either way that are in force on `day`, at
    /// most `hops` relations out, stopping before a level that would take it past `cap` nodes:
    /// the nodes reached that `keep` accepts, in the order reached, each with its distance and
    /// the relations of a shortest path from `start` to it.
    pub fn reached_on(
        &self,
        start: u32,
        hops: u8,
        day: Date,
        cap: usize,
        keep: impl Fn(u32) -> bool,
    ) -> Vec<(u32, u8, Vec<u32>)> {
        with_marks(self.node_count(), |marks| {
            let stamp = marks.next_stamp();
            marks.seen[start as usize] = stamp;
            let mut reached = 1;
            let mut frontier = vec![start];
            let mut next = Vec::new();
            let mut kept = Vec::new();
            'walk: for distance in 1..=hops {
                for &at in &frontier {
                    for adj in self.outgoing(at).iter().chain(self.incoming(at)) {
                        if marks.seen[adj.node as usize] == stamp || !self.edge(adj.edge).active_on(day) {
                            continue;
                        }
                        marks.seen[adj.node as usize] = stamp;
                        marks.parent[adj.node as usize] = adj.edge;
                        next.push(adj.node);
                        reached += 1;
                        if reached > cap {
                            break 'walk;
                        }
                    }
                }
                kept.extend(next.iter().filter(|n| keep(**n)).map(|n| (*n, distance)));
                std::mem::swap(&mut frontier, &mut next);
                next.clear();
            }
            kept.into_iter()
                .map(|(node, distance)| {
                    let mut path = Vec::with_capacity(distance as usize);
                    let mut at = node;
                    while at != start {
                        let edge = marks.parent[at as usize];
                        path.push(edge);
                        at = self.other_end(edge, at);
                    }
                    path.reverse();
                    (node, distance, path)
                })
                .collect()
        })
    }

    /// The end of `edge` that is not `node`.
    #[inline]
    pub fn other_end(&self, edge: u32, node: u32) -> u32 {
        let (s, t) = self.endpoints(edge);
        if s == node {
            t
        } else {
            s
        }
    }
}

/// Per-thread scratch arrays for traversals: a visit stamp and a parent edge per node. A new
/// stamp makes every node unvisited again without clearing, so a query costs what it touches.
struct Marks {
    stamp: u32,
    seen: Vec<u32>,
    parent: Vec<u32>,
}

impl Marks {
    fn next_stamp(&mut self) -> u32 {
        if self.stamp >= u32::MAX - 1 {
            self.seen.iter_mut().for_each(|s| *s = 0);
            self.stamp = 0;
        }
        self.stamp += 1;
        self.stamp
    }
}

thread_local! {
    static MARKS: std::cell::RefCell<Marks> = const {
        std::cell::RefCell::new(Marks { stamp: 0, seen: Vec::new(), parent: Vec::new() })
    };
}

/// Runs `f` with this thread's scratch arrays sized for `nodes` nodes.
fn with_marks<R>(nodes: usize, f: impl FnOnce(&mut Marks) -> R) -> R {
    MARKS.with(|cell| {
        let mut marks = cell.borrow_mut();
        if marks.seen.len() < nodes {
            marks.seen.resize(nodes, 0);
            marks.parent.resize(nodes, u32::MAX);
        }
        f(&mut marks)
    })
}

/// Entity and listing rows on their way from the SQLite reader to the graph builder, in
/// batches: every entity, then every listing.
enum NodeRows {
    Entities(Vec<(i64, Node)>),
    Listings(Vec<ListedRow>),
}

/// A listing on its way: entity row id, list name, start and end dates.
type ListedRow = (i64, Box<str>, String, Option<Date>, Option<Date>);

const BATCH: usize = 16 * 1024;

/// Reads every entity, then every listing, in batches. Stops quietly if the builder has
/// stopped (it reports why).
fn scan_nodes(store: &Store, sender: &SyncSender<NodeRows>) -> Result<(), StoreError> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut open = true;
    store.scan_entities(|row| {
        batch.push((
            row.eid,
            Node {
                id: row.id.into(),
                name: row.name.into(),
                schema: row.schema,
            },
        ));
        if batch.len() == BATCH && open {
            open = sender
                .send(NodeRows::Entities(std::mem::take(&mut batch)))
                .is_ok();
        }
    })?;
    open = open && sender.send(NodeRows::Entities(batch)).is_ok();
    let mut listings = Vec::new();
    store.scan_listings(|row| {
        listings.push((
            row.entity_eid,
            row.list.into(),
            row.program.unwrap_or_default().into(),
            row.start_date,
            row.end_date,
        ))
    })?;
    if open {
        let _ = sender.send(NodeRows::Listings(listings));
    }
    Ok(())
}

/// Reads every relation in batches. Stops quietly if the builder has stopped.
fn scan_relations(store: &Store, sender: &SyncSender<Vec<EdgeRow>>) -> Result<(), StoreError> {
    let mut batch = Vec::with_capacity(BATCH);
    let mut open = true;
    store.scan_relations(|row| {
        batch.push(row);
        if batch.len() == BATCH && open {
            open = sender.send(std::mem::take(&mut batch)).is_ok();
        }
    })?;
    if open {
        let _ = sender.send(batch);
    }
    Ok(())
}

/// Builds a snapshot from the rows [`scan_nodes`] and [`scan_relations`] send.
///
/// A record judged one party with others gets no node of its own: its relations and
/// listings go to its cluster's node, named by the cluster's smallest member id.
fn build(
    node_rows: Receiver<NodeRows>,
    relation_rows: Receiver<Vec<EdgeRow>>,
    entity_count: usize,
    relation_count: usize,
    clusters: &Clusters,
) -> Result<Snapshot, StoreError> {
    let representative = clusters.representatives();
    // Members waiting for their cluster's node: (eid, node weight, representative id).
    let mut waiting: Vec<(usize, Node, &str)> = Vec::new();
    let mut members: HashMap<Box<str>, u32> = HashMap::new();
    let mut cluster_members: HashMap<u32, Vec<Box<str>>> = HashMap::new();
    let mut graph: Graph<Node, Edge, Directed, u32> = Graph::with_capacity(entity_count, relation_count);
    let mut node_of_eid: Vec<u32> = Vec::with_capacity(entity_count + 1);
    let mut index = IdIndex::with_capacity(entity_count);
    let mut listed: Vec<ListedRow> = Vec::new();
    for rows in node_rows {
        match rows {
            NodeRows::Entities(rows) => {
                for (eid, node) in rows {
                    let eid = eid as usize;
                    if node_of_eid.len() <= eid {
                        node_of_eid.resize(eid + 1, u32::MAX);
                    }
                    match representative.get(&*node.id) {
                        Some(rep) if *rep != &*node.id => waiting.push((eid, node, rep)),
                        _ => {
                            let node = graph.add_node(node).index() as u32;
                            node_of_eid[eid] = node;
                            index.insert(graph.raw_nodes(), node);
                        }
                    }
                }
            }
            NodeRows::Listings(rows) => listed.extend(rows),
        }
    }
    // Every entity has arrived: members join their cluster's node.
    for (eid, node, rep) in waiting {
        let id = node.id.clone();
        let at = match index.get(graph.raw_nodes(), rep) {
            Some(at) => at,
            None => {
                // The representative is not in the store: the member stands alone.
                let at = graph.add_node(node).index() as u32;
                index.insert(graph.raw_nodes(), at);
                at
            }
        };
        node_of_eid[eid] = at;
        if *graph[NodeIndex::new(at as usize)].id != *id {
            cluster_members.entry(at).or_default().push(id.clone());
            members.insert(id, at);
        }
    }
    let missing = |eid: i64| StoreError::Corrupt(format!("relation or listing names missing entity {eid}"));
    let node_of = |eid: i64| {
        node_of_eid
            .get(eid as usize)
            .copied()
            .filter(|n| *n != u32::MAX)
            .ok_or_else(|| missing(eid))
    };
    let mut list_names: Vec<String> = Vec::new();
    let mut program_names: Vec<String> = vec![String::new()];
    let mut program_index: HashMap<String, u16> = HashMap::from([(String::new(), 0)]);
    let mut by_node: Vec<(u32, ListingFact)> = Vec::with_capacity(listed.len());
    for (eid, list, program, start_date, end_date) in listed {
        let program = match program_index.get(&program) {
            Some(i) => *i,
            None => {
                let i = u16::try_from(program_names.len())
                    .map_err(|_| StoreError::Corrupt("more than 65,535 listing programmes".into()))?;
                program_names.push(program.clone());
                program_index.insert(program, i);
                i
            }
        };
        let list = match list_names.iter().position(|l| **l == *list) {
            Some(i) => i,
            None => {
                list_names.push(list.into());
                list_names.len() - 1
            }
        };
        by_node.push((
            node_of(eid)?,
            ListingFact {
                list: list as u16,
                program,
                start_date,
                end_date,
            },
        ));
    }
    for rows in relation_rows {
        for row in rows {
            let (s, t) = (node_of(row.source_eid)?, node_of(row.target_eid)?);
            if s == t && !cluster_members.is_empty() && cluster_members.contains_key(&s) {
                // Between two records of one party: no relation of the party to itself.
                continue;
            }
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
    for (node, list) in &mut cluster_members {
        list.push(graph[NodeIndex::new(*node as usize)].id.clone());
        list.sort();
    }
    let (outgoing, incoming) = freeze(&graph);
    Ok(Snapshot {
        graph,
        index,
        outgoing,
        incoming,
        listing_offsets,
        listings,
        list_names,
        program_names,
        memo: Mutex::default(),
        data_version: 0,
        members,
        clusters: cluster_members,
    })
}

fn freeze(graph: &Graph<Node, Edge, Directed, u32>) -> (Adjacency, Adjacency) {
    let n = graph.node_count();
    let edges = graph.raw_edges();
    let side = |from_source: bool| {
        Adjacency::build(
            n,
            edges.iter().enumerate().map(move |(i, e)| {
                let (row, other) = if from_source {
                    (e.source(), e.target())
                } else {
                    (e.target(), e.source())
                };
                let entry = Adjacent {
                    node: other.index() as u32,
                    edge: i as u32,
                    kind: e.weight.kind,
                    schema: graph[other].schema,
                };
                (row.index() as u32, entry)
            }),
        )
    };
    // The two directions are independent: build them side by side.
    std::thread::scope(|scope| {
        let incoming = scope.spawn(|| side(false));
        let outgoing = side(true);
        (outgoing, incoming.join().expect("adjacency build"))
    })
}
