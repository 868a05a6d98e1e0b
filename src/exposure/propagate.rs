//! Status propagation: the least fixed point of "blocked by the 50% rule" over a (sub)graph.
//!
//! The rules read only `owns`, `controls` and `joint_arrangement` relations in force on the
//! day. They are copied into a compact local graph first (the whole snapshot, or the
//! ancestors of one entity), with each share resolved to an interval `[lo, hi]` of
//! micro-percent: an unknown share is `[0, 100 − Σ lo of the target's other owners]`.
//! Two worklist passes per seed group, one on `lo` (definitely blocked) and one on `hi`
//! (possibly blocked), each O(V + E); a node enters the blocked set only when the stakes of
//! nodes already in it reach the threshold, so a cycle of unlisted parties never blocks itself.

use super::regime::{Aggregation, Applied, Regime};
use crate::graph::{ListingFact, Snapshot};
use crate::model::{in_window, Date, Pct, RelationKind};
use std::cell::RefCell;

/// What a relation means to the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tie {
    Equity,
    Control,
    Joint,
}

/// A relation in the local graph, its share resolved to an interval.
#[derive(Debug, Clone, Copy)]
pub struct LocalEdge {
    pub src: u32,
    pub dst: u32,
    /// The edge index in the snapshot.
    pub edge: u32,
    pub tie: Tie,
    pub lo: u32,
    pub hi: u32,
}

impl LocalEdge {
    pub fn is_exact(&self) -> bool {
        self.lo == self.hi
    }
}

/// The part of the snapshot the rules read, with local node numbers `0..len`.
pub struct Local {
    /// Local node → snapshot node.
    pub global: Vec<u32>,
    pub edges: Vec<LocalEdge>,
    out_offsets: Vec<u32>,
    out_edges: Vec<u32>,
    in_offsets: Vec<u32>,
    in_edges: Vec<u32>,
    /// Whether the node is on a seeding list on the day.
    pub seed: Vec<bool>,
}

fn tie_of(kind: RelationKind) -> Option<Tie> {
    match kind {
        RelationKind::Owns => Some(Tie::Equity),
        RelationKind::Controls => Some(Tie::Control),
        RelationKind::JointArrangement => Some(Tie::Joint),
        _ => None,
    }
}

/// What seeds a regime in one snapshot, by the snapshot's list and programme indices: whole
/// lists, and the (list, programme) pairs of lists that seed only under some programmes.
#[derive(Debug, Clone, Default)]
pub struct Seeds {
    lists: Vec<u16>,
    programs: Vec<(u16, u16)>,
}

impl Seeds {
    /// Whether `listing` seeds (whatever its dates).
    #[inline]
    pub fn seeds(&self, listing: &ListingFact) -> bool {
        self.lists.contains(&listing.list) || self.programs.contains(&(listing.list, listing.program))
    }
}

/// The lists and programmes of the snapshot that seed `regime`.
pub fn seed_lists(snapshot: &Snapshot, regime: &Regime) -> Seeds {
    let index = |names: &[String], name: &str| names.iter().position(|n| n == name).map(|i| i as u16);
    let lists = regime
        .seed_lists
        .iter()
        .filter_map(|name| index(&snapshot.list_names, name))
        .collect();
    let programs = regime
        .seed_programs
        .iter()
        .filter_map(|(list, tags)| Some((index(&snapshot.list_names, list)?, tags)))
        .flat_map(|(list, tags)| {
            tags.iter()
                .filter_map(move |tag| Some((list, index(&snapshot.program_names, tag)?)))
        })
        .collect();
    Seeds { lists, programs }
}

/// The seeding list a node is on on `day`, if any.
pub fn seeding_list(snapshot: &Snapshot, node: u32, seeds: &Seeds, day: Date) -> Option<u16> {
    snapshot
        .listings(node)
        .iter()
        .find(|l| seeds.seeds(l) && in_window(l.start_date, l.end_date, day))
        .map(|l| l.list)
}

/// `[lo, hi]` of each `owns` relation into `node` in force on `day`, in micro-percent.
/// Unknown shares get what the other owners leave.
pub fn equity_bounds(
    snapshot: &Snapshot,
    node: u32,
    day: Date,
) -> impl Iterator<Item = (u32, u32, u32, u32)> + '_ {
    let incoming = snapshot.incoming(node);
    let active = move |edge: u32| snapshot.edge(edge).active_on(day);
    let known: u64 = incoming
        .iter()
        .filter(|a| a.kind == RelationKind::Owns && active(a.edge))
        .filter_map(|a| snapshot.edge(a.edge).share)
        .map(|s| s.lo.0 as u64)
        .sum();
    let left = (Pct::HUNDRED.0 as u64).saturating_sub(known) as u32;
    incoming
        .iter()
        .filter(move |a| a.kind == RelationKind::Owns && active(a.edge))
        .map(move |a| match snapshot.edge(a.edge).share {
            Some(s) => (a.node, a.edge, s.lo.0, s.hi.0),
            None => (a.node, a.edge, 0, left),
        })
}

/// Per-thread map from snapshot node to local node, valid for one stamp.
struct Scratch {
    stamp: u32,
    seen: Vec<u32>,
    slot: Vec<u32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const {
        RefCell::new(Scratch { stamp: 0, seen: Vec::new(), slot: Vec::new() })
    };
}

impl Local {
    /// The whole snapshot.
    pub fn whole(snapshot: &Snapshot, lists: &Seeds, day: Date) -> Local {
        let global: Vec<u32> = (0..snapshot.node_count() as u32).collect();
        Local::build(snapshot, global, Some, lists, day)
    }

    /// `node` and every party that owns or controls it, directly or indirectly, on `day`:
    /// all the status of `node` depends on. `node` is local node 0.
    pub fn upstream(snapshot: &Snapshot, node: u32, lists: &Seeds, day: Date) -> Local {
        SCRATCH.with(|cell| {
            let mut s = cell.borrow_mut();
            let n = snapshot.node_count();
            if s.seen.len() < n {
                s.seen.resize(n, 0);
                s.slot.resize(n, 0);
            }
            if s.stamp >= u32::MAX - 1 {
                s.seen.iter_mut().for_each(|x| *x = 0);
                s.stamp = 0;
            }
            s.stamp += 1;
            let stamp = s.stamp;
            let mut global = vec![node];
            s.seen[node as usize] = stamp;
            s.slot[node as usize] = 0;
            let mut head = 0;
            while head < global.len() {
                let at = global[head];
                head += 1;
                for adj in snapshot.incoming(at) {
                    if !matches!(adj.kind, RelationKind::Owns | RelationKind::Controls)
                        || s.seen[adj.node as usize] == stamp
                        || !snapshot.edge(adj.edge).active_on(day)
                    {
                        continue;
                    }
                    s.seen[adj.node as usize] = stamp;
                    s.slot[adj.node as usize] = global.len() as u32;
                    global.push(adj.node);
                }
            }
            let s = &*s;
            Local::build(
                snapshot,
                global,
                |g| (s.seen[g as usize] == stamp).then(|| s.slot[g as usize]),
                lists,
                day,
            )
        })
    }

    fn build(
        snapshot: &Snapshot,
        global: Vec<u32>,
        local_of: impl Fn(u32) -> Option<u32>,
        lists: &Seeds,
        day: Date,
    ) -> Local {
        let n = global.len();
        let mut edges = Vec::new();
        for (v, &g) in global.iter().enumerate() {
            for (source, edge, lo, hi) in equity_bounds(snapshot, g, day) {
                if let Some(src) = local_of(source) {
                    edges.push(LocalEdge {
                        src,
                        dst: v as u32,
                        edge,
                        tie: Tie::Equity,
                        lo,
                        hi,
                    });
                }
            }
            for adj in snapshot.incoming(g) {
                let tie = match tie_of(adj.kind) {
                    Some(Tie::Equity) | None => continue,
                    Some(tie) => tie,
                };
                if !snapshot.edge(adj.edge).active_on(day) {
                    continue;
                }
                if let Some(src) = local_of(adj.node) {
                    edges.push(LocalEdge {
                        src,
                        dst: v as u32,
                        edge: adj.edge,
                        tie,
                        lo: 0,
                        hi: 0,
                    });
                }
            }
        }
        let (out_offsets, out_edges) = rows(n, edges.iter().map(|e| e.src));
        let (in_offsets, in_edges) = rows(n, edges.iter().map(|e| e.dst));
        let seed = global
            .iter()
            .map(|&g| seeding_list(snapshot, g, lists, day).is_some())
            .collect();
        Local {
            global,
            edges,
            out_offsets,
            out_edges,
            in_offsets,
            in_edges,
            seed,
        }
    }

    pub fn len(&self) -> usize {
        self.global.len()
    }

    pub fn is_empty(&self) -> bool {
        self.global.is_empty()
    }

    /// Edges out of a local node (it is their source).
    pub fn outbound(&self, v: u32) -> impl Iterator<Item = &LocalEdge> {
        let range = self.out_offsets[v as usize] as usize..self.out_offsets[v as usize + 1] as usize;
        self.out_edges[range].iter().map(|&i| &self.edges[i as usize])
    }

    /// Edges into a local node (it is their target).
    pub fn inbound(&self, v: u32) -> impl Iterator<Item = &LocalEdge> {
        let range = self.in_offsets[v as usize] as usize..self.in_offsets[v as usize + 1] as usize;
        self.in_edges[range].iter().map(|&i| &self.edges[i as usize])
    }

    /// The seeds, grouped as the regime aggregates them: one group of all seeds, or one group
    /// per seed with seeds under a joint arrangement merged.
    pub fn seed_groups(&self, aggregate: Aggregation) -> Vec<Vec<u32>> {
        let seeds: Vec<u32> = (0..self.len() as u32)
            .filter(|&v| self.seed[v as usize])
            .collect();
        match aggregate {
            Aggregation::All if seeds.is_empty() => Vec::new(),
            Aggregation::All => vec![seeds],
            Aggregation::PerOwner => {
                let mut parent: Vec<u32> = (0..self.len() as u32).collect();
                fn root(parent: &mut [u32], mut v: u32) -> u32 {
                    while parent[v as usize] != v {
                        parent[v as usize] = parent[parent[v as usize] as usize];
                        v = parent[v as usize];
                    }
                    v
                }
                for e in &self.edges {
                    if e.tie == Tie::Joint && self.seed[e.src as usize] && self.seed[e.dst as usize] {
                        let (a, b) = (root(&mut parent, e.src), root(&mut parent, e.dst));
                        parent[a.max(b) as usize] = a.min(b);
                    }
                }
                let mut groups: Vec<(u32, u32)> = seeds.iter().map(|&s| (root(&mut parent, s), s)).collect();
                groups.sort_unstable();
                let mut out: Vec<Vec<u32>> = Vec::new();
                let mut last = u32::MAX;
                for (r, s) in groups {
                    if r != last {
                        out.push(Vec::new());
                        last = r;
                    }
                    out.last_mut().expect("pushed above").push(s);
                }
                out
            }
        }
    }
}

/// Counting sort of edge indices by a key node: CSR rows.
fn rows(n: usize, keys: impl Iterator<Item = u32> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut offsets = vec![0u32; n + 1];
    for k in keys.clone() {
        offsets[k as usize + 1] += 1;
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut cursor = offsets.clone();
    let mut out = vec![0u32; offsets[n] as usize];
    for (i, k) in keys.enumerate() {
        out[cursor[k as usize] as usize] = i as u32;
        cursor[k as usize] += 1;
    }
    (offsets, out)
}

/// Which end of the share intervals a pass reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Lo,
    Hi,
}

pub const FREE: u16 = u16::MAX;

/// One pass's result: per local node its depth from a seed (`FREE` when not captured), the
/// stake its captured owners hold, and whether a control tie captured it.
pub struct Layer {
    pub depth: Vec<u16>,
    pub sum: Vec<u64>,
    pub by_control: Vec<bool>,
    /// Nodes this pass wrote to, so the next pass resets only those.
    touched: Vec<u32>,
    dirty: Vec<bool>,
    queue: Vec<u32>,
}

impl Layer {
    pub fn new(n: usize) -> Layer {
        Layer {
            depth: vec![FREE; n],
            sum: vec![0; n],
            by_control: vec![false; n],
            touched: Vec::new(),
            dirty: vec![false; n],
            queue: Vec::new(),
        }
    }

    #[inline]
    pub fn captured(&self, v: u32) -> bool {
        self.depth[v as usize] != FREE
    }

    /// Nodes written by the last pass (captured or holding some captured stake).
    pub fn touched(&self) -> &[u32] {
        &self.touched
    }

    fn touch(&mut self, v: u32) {
        if !self.dirty[v as usize] {
            self.dirty[v as usize] = true;
            self.touched.push(v);
        }
    }

    fn reset(&mut self) {
        for &v in &self.touched {
            self.depth[v as usize] = FREE;
            self.sum[v as usize] = 0;
            self.by_control[v as usize] = false;
            self.dirty[v as usize] = false;
        }
        self.touched.clear();
        self.queue.clear();
    }

    /// The least fixed point from `seeds`: a worklist in breadth-first order, each edge read
    /// once when its source is captured.
    pub fn run(&mut self, local: &Local, seeds: &[u32], rule: &Applied, control_counts: bool, bound: Bound) {
        self.reset();
        self.extend(local, seeds, rule, control_counts, bound, &mut Vec::new());
    }

    /// Adds `seeds` to the pass already run and carries on to the new least fixed point:
    /// capture only ever grows with the seeds, so the old state is where the new one starts
    /// and only what the new seeds reach is read. Every node whose depth or captured stake
    /// changed is pushed to `changed`.
    pub fn extend(
        &mut self,
        local: &Local,
        seeds: &[u32],
        rule: &Applied,
        control_counts: bool,
        bound: Bound,
        changed: &mut Vec<u32>,
    ) {
        self.queue.clear();
        for &s in seeds {
            if self.depth[s as usize] != 0 {
                let was_free = self.depth[s as usize] == FREE;
                self.depth[s as usize] = 0;
                self.touch(s);
                changed.push(s);
                if was_free {
                    self.queue.push(s);
                }
            }
        }
        let mut head = 0;
        while head < self.queue.len() {
            let o = self.queue[head];
            head += 1;
            let next = self.depth[o as usize].saturating_add(1).min(FREE - 1);
            for e in local.outbound(o) {
                let t = e.dst;
                if self.depth[t as usize] != FREE {
                    continue;
                }
                let capture = match e.tie {
                    Tie::Equity => {
                        self.touch(t);
                        changed.push(t);
                        self.sum[t as usize] += match bound {
                            Bound::Lo => e.lo,
                            Bound::Hi => e.hi,
                        } as u64;
                        rule.meets(self.sum[t as usize])
                    }
                    Tie::Control if control_counts => {
                        self.touch(t);
                        changed.push(t);
                        self.by_control[t as usize] = true;
                        true
                    }
                    _ => false,
                };
                if capture {
                    self.depth[t as usize] = next;
                    self.queue.push(t);
                }
            }
        }
    }
}

/// The stake in `v` held by owners captured in `layer` (seeds included), at `bound`, capped at
/// 100%: unlike `Layer::sum` it also counts owners captured after `v` was.
pub fn captured_stake(local: &Local, layer: &Layer, v: u32, bound: Bound) -> u64 {
    let sum: u64 = local
        .inbound(v)
        .filter(|e| e.tie == Tie::Equity && layer.captured(e.src))
        .map(|e| match bound {
            Bound::Lo => e.lo,
            Bound::Hi => e.hi,
        } as u64)
        .sum();
    sum.min(Pct::HUNDRED.0 as u64)
}

/// Both passes for one seed group.
pub struct GroupRun {
    pub definite: Layer,
    pub possible: Layer,
}

impl GroupRun {
    pub fn new(n: usize) -> GroupRun {
        GroupRun {
            definite: Layer::new(n),
            possible: Layer::new(n),
        }
    }

    pub fn run(&mut self, local: &Local, seeds: &[u32], rule: &Applied, control_counts: bool) {
        self.definite.run(local, seeds, rule, control_counts, Bound::Lo);
        self.possible.run(local, seeds, rule, control_counts, Bound::Hi);
    }
}

/// How one group's passes judge a node: the best group is the one with the highest rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rank {
    pub definite: bool,
    pub possible: bool,
    pub lo: u64,
    pub hi: u64,
}

impl GroupRun {
    pub fn rank(&self, local: &Local, v: u32) -> Rank {
        Rank {
            definite: self.definite.captured(v),
            possible: self.possible.captured(v),
            lo: captured_stake(local, &self.definite, v, Bound::Lo),
            hi: captured_stake(local, &self.possible, v, Bound::Hi),
        }
    }
}
