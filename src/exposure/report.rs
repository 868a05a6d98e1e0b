//! One entity's exposure under one regime on one day, with the evidence for it: the verdict,
//! the chains of relations from the listed parties that produce it, what to research, the data
//! warnings, the look-through share and the listed parties nearby.

use super::look_through::{look_through, to_pct};
use super::propagate::{self, GroupRun, Layer, Local, LocalEdge, Tie};
use super::regime::{Regime, RegimeId, RegimeState, Regimes};
use super::{Flag, Status};
use crate::engine::Engine;
use crate::graph::Snapshot;
use crate::model::{in_window, Confidence, Date, Listing, Pct, RelationKind, Share};
use crate::store::StoreError;
use serde::Serialize;
use std::collections::HashMap;

/// Listed parties reported near an entity at most.
pub const NEARBY_LIMIT: usize = 25;
/// Hops searched for listed parties near an entity.
pub const NEARBY_HOPS: u8 = 3;
/// Nodes visited at most while looking for listed parties nearby.
const NEARBY_VISIT_CAP: usize = 50_000;

/// One relation of a chain, with its facts.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub source: String,
    pub source_name: String,
    pub target: String,
    pub target_name: String,
    pub kind: RelationKind,
    pub share: Option<Share>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    /// Citation or URL, from the store.
    pub evidence: Option<String>,
    /// The dataset the relation's record came from, from the store.
    pub dataset: Option<String>,
    pub confidence: Option<Confidence>,
    pub notes: Option<String>,
    #[serde(skip)]
    rid: i64,
}

impl Hop {
    fn of(snapshot: &Snapshot, edge: u32) -> Hop {
        let (s, t) = snapshot.endpoints(edge);
        let weight = snapshot.edge(edge);
        Hop {
            source: snapshot.node(s).id.to_string(),
            source_name: snapshot.node(s).name.to_string(),
            target: snapshot.node(t).id.to_string(),
            target_name: snapshot.node(t).name.to_string(),
            kind: weight.kind,
            share: weight.share,
            start_date: weight.start_date,
            end_date: weight.end_date,
            evidence: None,
            dataset: None,
            confidence: None,
            notes: None,
            rid: weight.rid,
        }
    }
}

/// How a chain or witness captures: by equity or by control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    Ownership,
    Control,
}

/// The listed party a chain starts from, with the listing that seeds the regime.
#[derive(Debug, Clone, Serialize)]
pub struct Seed {
    pub entity_id: String,
    pub name: String,
    pub listing: Option<Listing>,
}

/// A chain of relations from a listed party to the entity.
#[derive(Debug, Clone, Serialize)]
pub struct Chain {
    pub seed: Seed,
    pub via: Via,
    /// Whether every party on the chain is certainly blocked (exact enough shares).
    pub definite: bool,
    pub hops: Vec<Hop>,
}

/// A direct owner (or controller) whose status counts towards the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Witness {
    pub entity_id: String,
    pub name: String,
    pub status: Status,
    pub share: Option<Share>,
    pub via: Via,
}

/// Look-through exposure credited to one listed party.
#[derive(Debug, Clone, Serialize)]
pub struct ListedShare {
    pub entity_id: String,
    pub name: String,
    pub share: [Pct; 2],
}

/// A listed party within a few hops over any relation.
#[derive(Debug, Clone, Serialize)]
pub struct Nearby {
    pub entity_id: String,
    pub name: String,
    pub lists: Vec<String>,
    pub distance: u8,
    pub path: Vec<Hop>,
}

/// A party of the report that stands for several source records judged one party: which
/// records, and the judgements that joined them (filled in from the store).
#[derive(Debug, Clone, Serialize)]
pub struct MergedParty {
    pub entity_id: String,
    pub name: String,
    pub records: Vec<String>,
    pub judgements: Vec<crate::store::JudgementRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagNote {
    pub flag: Flag,
    pub detail: String,
}

/// Everything the exposure page and its JSON twin show.
#[derive(Debug, Clone, Serialize)]
pub struct ExposureReport {
    pub entity_id: String,
    pub entity_name: String,
    pub regime: RegimeId,
    pub regime_name: String,
    pub regime_state: RegimeState,
    /// "≥ 50%" or "> 50%".
    pub regime_test: String,
    pub regime_note: String,
    pub regime_source: String,
    pub as_of: Date,
    pub status: Status,
    /// The status were the rule in force (differs from `status` while it is suspended).
    pub status_if_in_force: Status,
    /// Steps from the nearest listed party along the derivation; 0 when listed.
    pub depth: Option<u16>,
    pub blocked_owner_share: [Pct; 2],
    pub look_through_listed_share: [Pct; 2],
    pub look_through_by_listed: Vec<ListedShare>,
    pub look_through_truncated: bool,
    pub witnesses: Vec<Witness>,
    pub evidence: Vec<Chain>,
    pub flags: Vec<Flag>,
    pub flag_details: Vec<FlagNote>,
    pub research: Vec<Hop>,
    pub nearby_listed: Vec<Nearby>,
    /// BIS: the most restrictive licence review policy among the listed owners on the chains.
    pub most_restrictive_policy: Option<String>,
    /// The parties of the entity, its chains and its witnesses that are clusters of records.
    pub merged: Vec<MergedParty>,
    pub data_version: i64,
}

/// The chain of relations through which `layer` captured `v`, back to a seed: at each step
/// the captured owner nearest a seed. Returns the seed and the edges, seed first.
fn trace<'a>(local: &'a Local, layer: &Layer, mut v: u32, control_counts: bool) -> (u32, Vec<&'a LocalEdge>) {
    let mut edges = Vec::new();
    while layer.depth[v as usize] > 0 {
        let here = layer.depth[v as usize];
        let step = local
            .inbound(v)
            .filter(|e| e.tie == Tie::Equity || e.tie == Tie::Control && control_counts)
            .filter(|e| layer.depth[e.src as usize] < here)
            .min_by_key(|e| layer.depth[e.src as usize])
            .expect("a captured node has a captured owner one step nearer a seed");
        edges.push(step);
        v = step.src;
    }
    edges.reverse();
    (v, edges)
}

fn names(snapshot: &Snapshot, local: &Local, nodes: &[u32]) -> String {
    let mut out: Vec<&str> = nodes
        .iter()
        .take(10)
        .map(|&v| &*snapshot.node(local.global[v as usize]).name)
        .collect();
    if nodes.len() > 10 {
        out.push("…");
    }
    out.join(", ")
}

/// Assesses one entity on the snapshot alone; relation evidence and listings are left for
/// [`explain`] to fill in from the store.
pub fn assess(snapshot: &Snapshot, regime: &Regime, caution: u32, day: Date, node: u32) -> ExposureReport {
    let rule = regime.on(day);
    let lists = propagate::seed_lists(snapshot, regime);
    let local = Local::upstream(snapshot, node, &lists, day);
    let t = 0u32;
    let control_counts = regime.control_counts;
    let groups = local.seed_groups(regime.aggregate);
    let mut run = GroupRun::new(local.len());
    // The group that judges `t` most severely.
    let mut best: Option<(propagate::Rank, usize)> = None;
    for (g, seeds) in groups.iter().enumerate() {
        run.run(&local, seeds, &rule, control_counts);
        let rank = run.rank(&local, t);
        if best.is_none_or(|(r, _)| rank > r) {
            best = Some((rank, g));
        }
    }
    let listed = local.seed[t as usize];
    let mut report_flags: Vec<FlagNote> = Vec::new();
    let mut flag = |flag: Flag, detail: String| report_flags.push(FlagNote { flag, detail });

    let mut witnesses = Vec::new();
    let mut evidence = Vec::new();
    let mut research = Vec::new();
    let mut depth = None;
    let mut share = [Pct::ZERO, Pct::ZERO];
    let computed;
    if let Some((rank, g)) = best {
        run.run(&local, &groups[g], &rule, control_counts);
        share = [Pct(rank.lo as u32), Pct(rank.hi as u32)];
        computed = if listed {
            Status::Listed
        } else {
            super::rank_status(rank)
        };
        if run.possible.captured(t) {
            let layer = if run.definite.captured(t) {
                &run.definite
            } else {
                &run.possible
            };
            depth = Some(layer.depth[t as usize]);
        }
        // Witnesses are the owners counted before `t` was captured (the spec's why[t]); when
        // it is not captured, every captured owner, to show the partial sum.
        let judged = if run.definite.captured(t) {
            &run.definite
        } else {
            &run.possible
        };
        for e in local.inbound(t) {
            let counts = e.tie == Tie::Equity || e.tie == Tie::Control && control_counts;
            let needed = if judged.captured(t) {
                judged.depth[e.src as usize] < judged.depth[t as usize]
            } else {
                run.possible.captured(e.src)
            };
            if !counts || !needed {
                continue;
            }
            let definite = run.definite.captured(e.src);
            let layer = if definite { &run.definite } else { &run.possible };
            let owner = local.global[e.src as usize];
            let via = if e.tie == Tie::Equity {
                Via::Ownership
            } else {
                Via::Control
            };
            witnesses.push(Witness {
                entity_id: snapshot.node(owner).id.to_string(),
                name: snapshot.node(owner).name.to_string(),
                status: if local.seed[e.src as usize] {
                    Status::Listed
                } else if definite {
                    Status::Blocked
                } else {
                    Status::PossiblyBlocked
                },
                share: (e.tie == Tie::Equity).then_some(Share {
                    lo: Pct(e.lo),
                    hi: Pct(e.hi),
                }),
                via,
            });
            let (seed, mut chain) = trace(&local, layer, e.src, control_counts);
            chain.push(e);
            evidence.push(chain_of(
                snapshot,
                &local,
                seed,
                &chain,
                via,
                definite && e.is_exact(),
            ));
        }
        if computed == Status::PossiblyBlocked {
            research = research_edges(&local, &run, t)
                .into_iter()
                .map(|e| Hop::of(snapshot, e))
                .collect();
        }
        if !control_counts {
            let controllers: Vec<u32> = local
                .inbound(t)
                .filter(|e| e.tie == Tie::Control && run.definite.captured(e.src))
                .map(|e| e.src)
                .collect();
            if !controllers.is_empty() {
                flag(
                    Flag::ControlByListed,
                    format!(
                        "controlled by listed or blocked {}; {} reads ownership only, so control alone does not block (a red flag for diligence)",
                        names(snapshot, &local, &controllers),
                        regime.name
                    ),
                );
            }
        }
    } else {
        computed = Status::NotBlocked;
    }
    if listed {
        depth = Some(0);
        evidence.insert(0, chain_of(snapshot, &local, t, &[], Via::Ownership, true));
    }
    let status = computed.under(rule.state);

    match rule.state {
        RegimeState::InForce => {}
        RegimeState::Unknown => flag(Flag::RegimeUnknownAfter, rule.note.clone()),
        RegimeState::Suspended => flag(Flag::RegimeSuspended, rule.note.clone()),
        RegimeState::NotInForce => flag(Flag::RegimeNotInForce, rule.note.clone()),
    }
    if status != computed {
        flag(
            Flag::RedFlag,
            format!(
                "would be {} were {} in force on {day}",
                computed.label(),
                regime.name
            ),
        );
    }

    // Data checks over everything the verdict depends on.
    let cycles = owns_cycles(&local);
    for cycle in &cycles {
        let who = if cycle.contains(&t) {
            "the entity"
        } else {
            "its owners"
        };
        flag(
            Flag::CircularOwnership,
            format!(
                "{who} in a cycle of ownership: {}",
                names(snapshot, &local, cycle)
            ),
        );
    }
    for v in 0..local.len() as u32 {
        let known: u64 = local
            .inbound(v)
            .filter(|e| e.tie == Tie::Equity)
            .map(|e| e.lo as u64)
            .sum();
        if known > Pct::HUNDRED.0 as u64 {
            let whose = if v == t {
                "its".to_string()
            } else {
                format!("{}'s", snapshot.node(local.global[v as usize]).name)
            };
            flag(
                Flag::OverSubscribed,
                format!(
                    "{whose} owners hold {}% together",
                    Pct(known.min(u32::MAX as u64) as u32)
                ),
            );
        }
    }

    let lt = look_through(snapshot, node, &lists, day);
    if lt.truncated {
        flag(
            Flag::LookThroughTruncated,
            format!(
                "paths longer than {} relations or below {}% were cut",
                super::look_through::DEPTH_CAP,
                to_pct(super::look_through::EPSILON)
            ),
        );
    }
    if computed == Status::NotBlocked && to_pct(lt.hi) >= Pct::from_percent(caution) {
        flag(
            Flag::LookThroughCaution,
            format!(
                "not blocked, yet listed parties hold up to {}% through chains of ownership (beneficial-ownership threshold {caution}%)",
                to_pct(lt.hi)
            ),
        );
    }
    let mut flags: Vec<Flag> = report_flags.iter().map(|f| f.flag).collect();
    flags.dedup();

    let entity = snapshot.node(node);
    ExposureReport {
        entity_id: entity.id.to_string(),
        entity_name: entity.name.to_string(),
        regime: regime.id,
        regime_name: regime.name.clone(),
        regime_state: rule.state,
        regime_test: rule.test(),
        regime_note: rule.note.clone(),
        regime_source: regime.source.clone(),
        as_of: day,
        status,
        status_if_in_force: computed,
        depth,
        blocked_owner_share: share,
        look_through_listed_share: [to_pct(lt.lo), to_pct(lt.hi)],
        look_through_by_listed: lt
            .by_listed
            .iter()
            .map(|&(n, lo, hi)| ListedShare {
                entity_id: snapshot.node(n).id.to_string(),
                name: snapshot.node(n).name.to_string(),
                share: [to_pct(lo), to_pct(hi)],
            })
            .collect(),
        look_through_truncated: lt.truncated,
        witnesses,
        evidence,
        flags,
        flag_details: report_flags,
        research,
        nearby_listed: nearby_listed(snapshot, node, day),
        most_restrictive_policy: None,
        merged: Vec::new(),
        data_version: snapshot.data_version,
    }
}

fn chain_of(
    snapshot: &Snapshot,
    local: &Local,
    seed: u32,
    edges: &[&LocalEdge],
    via: Via,
    definite: bool,
) -> Chain {
    let seed = snapshot.node(local.global[seed as usize]);
    Chain {
        seed: Seed {
            entity_id: seed.id.to_string(),
            name: seed.name.to_string(),
            listing: None,
        },
        via,
        definite,
        hops: edges.iter().map(|e| Hop::of(snapshot, e.edge)).collect(),
    }
}

/// The relations whose unknown share decides a possible case: inexact stakes held in `t` by
/// possibly captured owners, and, through owners only possibly captured, theirs in turn.
fn research_edges(local: &Local, run: &GroupRun, t: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut seen = vec![false; local.len()];
    let mut stack = vec![t];
    seen[t as usize] = true;
    while let Some(v) = stack.pop() {
        for e in local.inbound(v) {
            if e.tie != Tie::Equity || !run.possible.captured(e.src) {
                continue;
            }
            if !e.is_exact() {
                out.push(e.edge);
            }
            if !run.definite.captured(e.src) && !seen[e.src as usize] {
                seen[e.src as usize] = true;
                stack.push(e.src);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Strongly connected components of `owns` (size > 1, or a self-owning node) in the local graph.
fn owns_cycles(local: &Local) -> Vec<Vec<u32>> {
    let mut graph =
        petgraph::Graph::<(), (), petgraph::Directed, u32>::with_capacity(local.len(), local.edges.len());
    for _ in 0..local.len() {
        graph.add_node(());
    }
    let mut self_loops = Vec::new();
    for e in local.edges.iter().filter(|e| e.tie == Tie::Equity) {
        if e.src == e.dst {
            self_loops.push(e.src);
        }
        graph.add_edge(e.src.into(), e.dst.into(), ());
    }
    let mut cycles: Vec<Vec<u32>> = petgraph::algo::tarjan_scc(&graph)
        .into_iter()
        .filter(|c| c.len() > 1 || self_loops.contains(&(c[0].index() as u32)))
        .map(|c| {
            let mut c: Vec<u32> = c.into_iter().map(|n| n.index() as u32).collect();
            c.sort_unstable();
            c
        })
        .collect();
    cycles.sort();
    cycles
}

/// Parties listed on `day` (any list) within [`NEARBY_HOPS`] relations of any kind, nearest
/// first, each with a shortest path.
pub fn nearby_listed(snapshot: &Snapshot, node: u32, day: Date) -> Vec<Nearby> {
    let listed_on = |n: u32| -> Vec<String> {
        let mut lists: Vec<String> = snapshot
            .listings(n)
            .iter()
            .filter(|l| in_window(l.start_date, l.end_date, day))
            .map(|l| snapshot.list_names[l.list as usize].clone())
            .collect();
        lists.dedup();
        lists
    };
    let listed = |n: u32| {
        snapshot
            .listings(n)
            .iter()
            .any(|l| in_window(l.start_date, l.end_date, day))
    };
    let mut found = snapshot.reached_on(node, NEARBY_HOPS, day, NEARBY_VISIT_CAP, listed);
    found.sort_by(|a, b| {
        a.1.cmp(&b.1)
            .then_with(|| snapshot.node(a.0).name.cmp(&snapshot.node(b.0).name))
    });
    found.truncate(NEARBY_LIMIT);
    found
        .into_iter()
        .map(|(n, distance, edges)| Nearby {
            entity_id: snapshot.node(n).id.to_string(),
            name: snapshot.node(n).name.to_string(),
            lists: listed_on(n),
            distance,
            path: edges.into_iter().map(|e| Hop::of(snapshot, e)).collect(),
        })
        .collect()
}

/// Ranks a licence review policy: any "deny" policy controls (15 CFR 744, Supp. 4).
fn restrictiveness(policy: &str) -> u8 {
    let p = policy.to_ascii_lowercase();
    if p.contains("denial") || p.contains("deny") {
        3
    } else if p.contains("case-by-case") || p.contains("case by case") {
        2
    } else {
        1
    }
}

/// The exposure report of entity `id`, its evidence filled in from the store; `None` for an
/// unknown id.
pub fn explain(
    engine: &Engine,
    id: &str,
    regime: RegimeId,
    day: Date,
) -> Result<Option<ExposureReport>, StoreError> {
    let snapshot = engine.snapshot();
    let Some(node) = snapshot.find(id) else {
        return Ok(None);
    };
    let regimes = Regimes::bundled();
    let regime = regimes.get(regime);
    let mut report = assess(&snapshot, regime, regimes.caution_look_through, day, node);
    report.merged = merged_parties(&snapshot, &report);
    engine.read(|store| fill_in(store, regime, &mut report))?;
    Ok(Some(report))
}

/// The clusters among the report's entity, chain parties and witnesses, with their records.
pub fn merged_parties(snapshot: &Snapshot, report: &ExposureReport) -> Vec<MergedParty> {
    if snapshot.cluster_count() == 0 {
        return Vec::new();
    }
    let mut ids: Vec<&str> = vec![&report.entity_id];
    for chain in &report.evidence {
        ids.push(&chain.seed.entity_id);
        for hop in &chain.hops {
            ids.push(&hop.source);
            ids.push(&hop.target);
        }
    }
    ids.extend(report.witnesses.iter().map(|w| w.entity_id.as_str()));
    let mut out: Vec<MergedParty> = Vec::new();
    for id in ids {
        let Some(node) = snapshot.find(id) else { continue };
        let records = snapshot.members(node);
        let party = &snapshot.node(node);
        if records.is_empty() || out.iter().any(|m| *m.entity_id == *party.id) {
            continue;
        }
        out.push(MergedParty {
            entity_id: party.id.to_string(),
            name: party.name.to_string(),
            records: records.iter().map(|r| r.to_string()).collect(),
            judgements: Vec::new(),
        });
    }
    out
}

/// Adds what the snapshot does not hold: each hop's evidence, confidence and notes, each
/// chain's seeding listing, (BIS) the most restrictive review policy among them, and the
/// judgements that joined the records of merged parties.
pub fn fill_in(
    store: &crate::store::Store,
    regime: &Regime,
    report: &mut ExposureReport,
) -> Result<(), StoreError> {
    let hops = || {
        report
            .evidence
            .iter()
            .flat_map(|c| &c.hops)
            .chain(&report.research)
            .chain(report.nearby_listed.iter().flat_map(|n| &n.path))
    };
    let rids: Vec<i64> = hops().map(|h| h.rid).collect();
    let facts = store.relation_facts(&rids)?;
    let day = report.as_of;
    let hops_mut = report
        .evidence
        .iter_mut()
        .flat_map(|c| &mut c.hops)
        .chain(&mut report.research)
        .chain(report.nearby_listed.iter_mut().flat_map(|n| &mut n.path));
    for hop in hops_mut {
        if let Some(f) = facts.get(&hop.rid) {
            hop.evidence = f.evidence.clone();
            hop.dataset = Some(f.dataset.clone());
            hop.confidence = f.confidence;
            hop.notes = f.notes.clone();
        }
    }
    let mut listings: HashMap<String, Option<Listing>> = HashMap::new();
    for chain in &mut report.evidence {
        if !listings.contains_key(&chain.seed.entity_id) {
            // A merged seed's listing may be on any of its records.
            let records: Vec<String> =
                match report.merged.iter().find(|m| m.entity_id == chain.seed.entity_id) {
                    Some(m) => m.records.clone(),
                    None => vec![chain.seed.entity_id.clone()],
                };
            let mut found = None;
            for record in &records {
                found = store.listings_of(record)?.into_iter().find(|l| {
                    regime.seeds(&l.list, l.program.as_deref()) && in_window(l.start_date, l.end_date, day)
                });
                if found.is_some() {
                    break;
                }
            }
            listings.insert(chain.seed.entity_id.clone(), found);
        }
        chain.seed.listing = listings[&chain.seed.entity_id].clone();
    }
    for party in &mut report.merged {
        let records: Vec<&str> = party.records.iter().map(String::as_str).collect();
        party.judgements = store
            .judgements_of(&records)?
            .into_iter()
            .filter(|(_, j, current)| {
                *current
                    && j.judgement == crate::resolve::Judgement::Positive
                    && records.contains(&j.left_id.as_str())
                    && records.contains(&j.right_id.as_str())
            })
            .map(|(_, j, _)| j)
            .rev()
            .collect();
    }
    if regime.id == RegimeId::Bis && report.status_if_in_force != Status::NotBlocked {
        report.most_restrictive_policy = report
            .evidence
            .iter()
            .filter_map(|c| c.seed.listing.as_ref()?.license_review_policy.clone())
            .max_by_key(|p| restrictiveness(p));
    }
    Ok(())
}

fn range(p: [Pct; 2]) -> String {
    if p[0] == p[1] {
        format!("{}%", p[0])
    } else {
        format!("{}–{}%", p[0], p[1])
    }
}

fn hop_line(h: &Hop) -> String {
    let share = match h.share {
        Some(s) => format!(" {s}%"),
        None if h.kind == RelationKind::Owns => " (share unknown)".into(),
        None => String::new(),
    };
    let dates = match (h.start_date, h.end_date) {
        (None, None) => String::new(),
        (s, e) => format!(
            " [{}..{}]",
            s.map(|d| d.to_string()).unwrap_or_default(),
            e.map(|d| d.to_string()).unwrap_or_default()
        ),
    };
    let confidence = h.confidence.map(|c| format!(" ({c})")).unwrap_or_default();
    let evidence = h
        .evidence
        .as_deref()
        .map(|e| format!(" — {e}"))
        .unwrap_or_default();
    format!(
        "{} {} {}{share}{dates}{confidence}{evidence}",
        h.source_name,
        h.kind.label(),
        h.target_name
    )
}

/// The report as plain text: the same record the page prints.
impl std::fmt::Display for ExposureReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} ({})", self.entity_name, self.entity_id)?;
        writeln!(
            f,
            "regime:   {} ({}) — {}",
            self.regime_name, self.regime_test, self.regime_note
        )?;
        writeln!(f, "as of:    {}", self.as_of)?;
        write!(f, "status:   {}", self.status)?;
        if self.status != self.status_if_in_force {
            write!(f, " ({} were the rule in force)", self.status_if_in_force)?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "listed or blocked owners hold:  {}",
            range(self.blocked_owner_share)
        )?;
        writeln!(
            f,
            "look-through to listed parties: {}",
            range(self.look_through_listed_share)
        )?;
        if let Some(p) = &self.most_restrictive_policy {
            writeln!(f, "most restrictive review policy: {p}")?;
        }
        for flag in &self.flag_details {
            writeln!(f, "flag {}: {}", flag.flag, flag.detail)?;
        }
        if !self.evidence.is_empty() {
            writeln!(f, "evidence:")?;
        }
        for (i, chain) in self.evidence.iter().enumerate() {
            let listing = chain
                .seed
                .listing
                .as_ref()
                .map(|l| {
                    format!(
                        "{}{}{}",
                        l.list,
                        l.start_date.map(|d| format!(" since {d}")).unwrap_or_default(),
                        l.citation
                            .as_deref()
                            .map(|c| format!(", {c}"))
                            .unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            let possible = if chain.definite { "" } else { " (possible)" };
            writeln!(f, "  {}. {} — {listing}{possible}", i + 1, chain.seed.name)?;
            for hop in &chain.hops {
                writeln!(f, "     {}", hop_line(hop))?;
            }
        }
        for party in &self.merged {
            writeln!(
                f,
                "one party: {} ({}) is the records {}",
                party.name,
                party.entity_id,
                party.records.join(", ")
            )?;
            for j in &party.judgements {
                let who = if j.automatic {
                    "automatically by cross-referencing".to_string()
                } else {
                    format!("by {}", j.author)
                };
                writeln!(
                    f,
                    "  {} = {}: judged the same party {who} on {}",
                    j.left_id, j.right_id, j.at
                )?;
            }
        }
        if !self.research.is_empty() {
            writeln!(f, "to research:")?;
            for hop in &self.research {
                writeln!(f, "  {}", hop_line(hop))?;
            }
        }
        if !self.nearby_listed.is_empty() {
            writeln!(f, "listed parties nearby:")?;
            for n in &self.nearby_listed {
                let path: Vec<String> = n
                    .path
                    .iter()
                    .map(|h| format!("{} {} {}", h.source_name, h.kind.label(), h.target_name))
                    .collect();
                writeln!(
                    f,
                    "  {} ({}), {} hop(s): {}",
                    n.name,
                    n.lists.join(", "),
                    n.distance,
                    path.join("; ")
                )?;
            }
        }
        write!(f, "data version: {}", self.data_version)
    }
}
