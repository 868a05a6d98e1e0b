//! The exposure rules: who is blocked under a sanctions regime on a day, how exposed an entity
//! is to listed parties, and the evidence for it. Pure functions over a graph snapshot; the
//! rules themselves (thresholds, dates, seeding lists) are data in `data/regimes.json`.
//!
//! See `../shared/EXPOSURE_RULES.md` for the rules, the algorithm and the worked cases T1–T10.
//!
//! Architecture invariant: nothing here speaks SQL or HTTP. [`report`] fetches the relation
//! facts the snapshot does not hold (evidence, confidence) through [`crate::store`] methods.

pub mod look_through;
pub mod propagate;
pub mod regime;
pub mod report;

use crate::graph::Snapshot;
use crate::model::{Date, Pct};
use propagate::{Bound, GroupRun, Local, Rank, Tie};
use regime::{Aggregation, Applied, Regime, RegimeState};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

pub use regime::{RegimeId, Regimes};
pub use report::{explain, ExposureReport};

/// The verdict on one entity under one regime on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// On a list that seeds the regime.
    Listed,
    /// Owned (or, where control counts, controlled) enough by listed or blocked parties.
    Blocked,
    /// Blocked for some values of the unknown shares, not for others.
    PossiblyBlocked,
    NotBlocked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Listed => "listed",
            Status::Blocked => "blocked",
            Status::PossiblyBlocked => "possibly_blocked",
            Status::NotBlocked => "not_blocked",
        }
    }

    /// Words for people: "possibly blocked".
    pub fn label(self) -> &'static str {
        match self {
            Status::Listed => "listed",
            Status::Blocked => "blocked",
            Status::PossiblyBlocked => "possibly blocked",
            Status::NotBlocked => "not blocked",
        }
    }

    /// What a computed status means once the rule's state on the day is taken into account:
    /// a suspended or not-yet-effective rule derives nothing.
    pub fn under(self, state: RegimeState) -> Status {
        match (self, state) {
            (Status::Blocked | Status::PossiblyBlocked, RegimeState::Suspended | RegimeState::NotInForce) => {
                Status::NotBlocked
            }
            (s, _) => s,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A data or regime warning attached to a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The entity or one of its owners sits in a cycle of ownership.
    CircularOwnership,
    /// The known shares of one target's owners add up to more than 100%.
    OverSubscribed,
    /// The rule's state after a known date is not known (BIS after 2026-11-09).
    RegimeUnknownAfter,
    RegimeSuspended,
    RegimeNotInForce,
    /// Would be blocked or possibly blocked were the rule in force (BIS: affiliates red flag).
    RedFlag,
    /// A listed or blocked party controls the entity, and the regime reads ownership only.
    ControlByListed,
    /// Not blocked, but the look-through exposure to listed parties is significant.
    LookThroughCaution,
    /// The look-through walk was cut (depth cap, pruning or budget).
    LookThroughTruncated,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::CircularOwnership => "circular_ownership",
            Flag::OverSubscribed => "over_subscribed",
            Flag::RegimeUnknownAfter => "regime_unknown_after",
            Flag::RegimeSuspended => "regime_suspended",
            Flag::RegimeNotInForce => "regime_not_in_force",
            Flag::RedFlag => "red_flag",
            Flag::ControlByListed => "control_by_listed",
            Flag::LookThroughCaution => "look_through_caution",
            Flag::LookThroughTruncated => "look_through_truncated",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-listed entity the rule captures (or would capture) in a whole-graph pass.
#[derive(Debug, Clone)]
pub struct Derived {
    pub node: u32,
    /// As if the rule were in force; see [`Status::under`].
    pub computed: Status,
    /// Stake of captured direct owners, `[lo, hi]`.
    pub lo: Pct,
    pub hi: Pct,
    pub depth: u16,
    /// Captured direct owners.
    pub witnesses: Vec<u32>,
}

/// The whole graph under one regime on one day.
pub struct GraphExposure {
    pub rule: Applied,
    /// Parties on a seeding list on the day.
    pub listed: usize,
    /// Captured parties, by node.
    pub derived: Vec<Derived>,
}

impl GraphExposure {
    /// The rows whose effective status is blocked or possibly blocked.
    pub fn effective(&self) -> impl Iterator<Item = (&Derived, Status)> {
        self.derived
            .iter()
            .map(|d| (d, d.computed.under(self.rule.state)))
            .filter(|(_, s)| *s != Status::NotBlocked)
    }
}

fn rank_status(rank: Rank) -> Status {
    if rank.definite {
        Status::Blocked
    } else if rank.possible {
        Status::PossiblyBlocked
    } else {
        Status::NotBlocked
    }
}

/// Propagates the regime over the whole snapshot: every party it captures on `day`.
pub fn whole_graph(snapshot: &Snapshot, regime: &Regime, day: Date) -> GraphExposure {
    Incremental::new(snapshot, regime, day).into_exposure()
}

/// A whole-graph pass kept with its working state, so that a party newly listed updates it by
/// reading only what that party owns or controls, directly or through others, instead of
/// the whole graph again ([`Incremental::add_listing`]).
pub struct Incremental {
    rule: Applied,
    aggregate: Aggregation,
    control_counts: bool,
    local: Local,
    /// The passes of the one group of all seeds, when the regime aggregates them.
    all: Option<GroupRun>,
    /// Per captured node: the best rank over the seed groups, and what it derives.
    best: HashMap<u32, (Rank, Derived)>,
}

impl Incremental {
    pub fn new(snapshot: &Snapshot, regime: &Regime, day: Date) -> Incremental {
        let lists = propagate::seed_lists(snapshot, regime);
        let local = Local::whole(snapshot, &lists, day);
        let mut state = Incremental {
            rule: regime.on(day),
            aggregate: regime.aggregate,
            control_counts: regime.control_counts,
            local,
            all: None,
            best: HashMap::new(),
        };
        let mut run = GroupRun::new(state.local.len());
        let groups = state.local.seed_groups(regime.aggregate);
        for seeds in &groups {
            run.run(&state.local, seeds, &state.rule, state.control_counts);
            let touched: Vec<u32> = run.possible.touched().to_vec();
            state.absorb(&run, &touched, false);
        }
        if regime.aggregate == Aggregation::All {
            state.all = Some(run);
        }
        state
    }

    /// `node` (a snapshot node) is now on a seeding list: updates every status it changes and
    /// returns how many nodes' rows were looked at again. Nodes are numbered as in the whole
    /// snapshot, so the snapshot node is the local node.
    pub fn add_listing(&mut self, node: u32) -> usize {
        if self.local.seed[node as usize] {
            return 0;
        }
        self.local.seed[node as usize] = true;
        self.best.remove(&node);
        match self.aggregate {
            Aggregation::All => {
                let mut run = self.all.take().unwrap_or_else(|| GroupRun::new(self.local.len()));
                let mut changed = Vec::new();
                let (local, rule, control) = (&self.local, &self.rule, self.control_counts);
                run.definite
                    .extend(local, &[node], rule, control, Bound::Lo, &mut changed);
                run.possible
                    .extend(local, &[node], rule, control, Bound::Hi, &mut changed);
                // A node whose stake or depth moved, and the nodes it owns: their captured
                // stake and witnesses read it.
                let mut affected: Vec<u32> = changed.clone();
                for &v in &changed {
                    affected.extend(self.local.outbound(v).map(|e| e.dst));
                }
                affected.sort_unstable();
                affected.dedup();
                self.absorb(&run, &affected, true);
                self.all = Some(run);
                affected.len()
            }
            Aggregation::PerOwner => {
                let joint = self
                    .local
                    .inbound(node)
                    .chain(self.local.outbound(node))
                    .any(|e| {
                        e.tie == Tie::Joint
                            && self.local.seed[e.src as usize]
                            && self.local.seed[e.dst as usize]
                    });
                if joint {
                    // Under a joint arrangement its group is an older group grown: judge all
                    // groups again.
                    let groups = self.local.seed_groups(self.aggregate);
                    self.best.clear();
                    let mut run = GroupRun::new(self.local.len());
                    for seeds in &groups {
                        run.run(&self.local, seeds, &self.rule, self.control_counts);
                        let touched: Vec<u32> = run.possible.touched().to_vec();
                        self.absorb(&run, &touched, false);
                    }
                    self.local.len()
                } else {
                    // A group of its own: its pass reads only what it reaches.
                    let mut run = GroupRun::new(self.local.len());
                    run.run(&self.local, &[node], &self.rule, self.control_counts);
                    let touched: Vec<u32> = run.possible.touched().to_vec();
                    self.absorb(&run, &touched, false);
                    touched.len()
                }
            }
        }
    }

    /// Ranks `nodes` under the group passes in `run` and keeps, per node, the best rank over
    /// the groups (`replace`: the group's earlier ranks are superseded, not competing).
    fn absorb(&mut self, run: &GroupRun, nodes: &[u32], replace: bool) {
        let local = &self.local;
        for &v in nodes {
            if local.seed[v as usize] || !run.possible.captured(v) {
                if replace {
                    self.best.remove(&v);
                }
                continue;
            }
            let rank = run.rank(local, v);
            if !replace && self.best.get(&v).is_some_and(|(r, _)| *r >= rank) {
                continue;
            }
            let layer = if rank.definite {
                &run.definite
            } else {
                &run.possible
            };
            let here = layer.depth[v as usize];
            let mut witnesses: Vec<u32> = local
                .inbound(v)
                .filter(|e| {
                    layer.depth[e.src as usize] < here
                        && (e.tie == Tie::Equity || e.tie == Tie::Control && self.control_counts)
                })
                .map(|e| local.global[e.src as usize])
                .collect();
            witnesses.sort_unstable();
            witnesses.dedup();
            self.best.insert(
                v,
                (
                    rank,
                    Derived {
                        node: local.global[v as usize],
                        computed: rank_status(rank),
                        lo: Pct(rank.lo as u32),
                        hi: Pct(rank.hi as u32),
                        depth: here,
                        witnesses,
                    },
                ),
            );
        }
    }

    /// The status of `node` under the pass as it stands, as [`Verdicts::status`] gives it.
    pub fn status(&self, node: u32) -> Status {
        if self.local.seed.get(node as usize).copied().unwrap_or(false) {
            return Status::Listed;
        }
        self.best
            .get(&node)
            .map_or(Status::NotBlocked, |(_, d)| d.computed.under(self.rule.state))
    }

    /// The evidence of a captured `node`: the chain of captured owners from it up to a
    /// listed party (`node` first, the listed party last), following at each step a listed
    /// witness if there is one, else the first. Empty when `node` is not captured.
    pub fn chain(&self, node: u32) -> Vec<u32> {
        let mut chain = vec![node];
        let mut at = node;
        while let Some((_, d)) = self.best.get(&at) {
            let next = d
                .witnesses
                .iter()
                .find(|w| self.local.seed[**w as usize])
                .or(d.witnesses.first());
            // A cycle of captured owners ends the chain where it closes.
            match next {
                Some(&w) if !chain.contains(&w) => {
                    chain.push(w);
                    at = w;
                }
                _ => break,
            }
        }
        if chain.len() == 1 {
            chain.clear();
        }
        chain
    }

    /// The day and rule state the pass judges.
    pub fn rule(&self) -> &Applied {
        &self.rule
    }

    /// The pass as it stands.
    pub fn exposure(&self) -> GraphExposure {
        self.to_exposure(self.best.values().map(|(_, d)| d.clone()).collect())
    }

    /// [`Incremental::exposure`], giving up the working state.
    pub fn into_exposure(mut self) -> GraphExposure {
        let derived = std::mem::take(&mut self.best)
            .into_values()
            .map(|(_, d)| d)
            .collect();
        self.to_exposure(derived)
    }

    fn to_exposure(&self, mut derived: Vec<Derived>) -> GraphExposure {
        derived.sort_unstable_by_key(|d| d.node);
        GraphExposure {
            rule: self.rule.clone(),
            listed: self.local.seed.iter().filter(|s| **s).count(),
            derived,
        }
    }
}

/// Every entity's status under one regime on one day, from one [`whole_graph`] pass: what a
/// batch asks of many entities at once (screening), where [`report::assess`] judges one.
pub struct Verdicts {
    pub regime: RegimeId,
    pub day: Date,
    pub graph: GraphExposure,
    lists: propagate::Seeds,
    effective: HashMap<u32, Status>,
}

impl Verdicts {
    pub fn new(snapshot: &Snapshot, regime: &Regime, day: Date) -> Verdicts {
        let graph = whole_graph(snapshot, regime, day);
        let effective = graph.effective().map(|(d, s)| (d.node, s)).collect();
        Verdicts {
            regime: regime.id,
            day,
            lists: propagate::seed_lists(snapshot, regime),
            graph,
            effective,
        }
    }

    /// The status of `node` (a node of the snapshot the verdicts were computed on), as the
    /// exposure page gives it: listed, blocked, possibly blocked or not blocked.
    pub fn status(&self, snapshot: &Snapshot, node: u32) -> Status {
        if propagate::seeding_list(snapshot, node, &self.lists, self.day).is_some() {
            return Status::Listed;
        }
        self.effective.get(&node).copied().unwrap_or(Status::NotBlocked)
    }
}

/// Shorthand used by tests and benches: the passes of [`whole_graph`] at one bound only.
#[doc(hidden)]
pub fn captured_set(snapshot: &Snapshot, regime: &Regime, day: Date, bound: Bound) -> Vec<bool> {
    let rule = regime.on(day);
    let lists = propagate::seed_lists(snapshot, regime);
    let local = Local::whole(snapshot, &lists, day);
    let mut out = vec![false; local.len()];
    let mut layer = propagate::Layer::new(local.len());
    for seeds in local.seed_groups(regime.aggregate) {
        layer.run(&local, &seeds, &rule, regime.control_counts, bound);
        for &v in layer.touched() {
            out[v as usize] |= layer.captured(v);
        }
    }
    out
}

impl GraphExposure {
    /// Writes one CSV row per non-listed party the rule blocks or possibly blocks on the day:
    /// `entity_id,name,status,blocked_owner_share_lo,blocked_owner_share_hi,witnesses`, the
    /// witnesses (captured direct owners) as ids joined by `;`.
    pub fn write_csv<W: std::io::Write>(&self, snapshot: &Snapshot, out: W) -> csv::Result<usize> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record([
            "entity_id",
            "name",
            "status",
            "blocked_owner_share_lo",
            "blocked_owner_share_hi",
            "witnesses",
        ])?;
        let mut rows = 0;
        for (d, status) in self.effective() {
            let node = snapshot.node(d.node);
            let witnesses: Vec<&str> = d.witnesses.iter().map(|&w| &*snapshot.node(w).id).collect();
            writer.write_record([
                &*node.id,
                &*node.name,
                status.as_str(),
                &d.lo.to_string(),
                &d.hi.to_string(),
                &witnesses.join(";"),
            ])?;
            rows += 1;
        }
        writer.flush()?;
        Ok(rows)
    }
}
