//! Property test: the worklist propagation agrees with a brute-force fixed point on random
//! small graphs with cycles, unknown and ranged shares, control ties and joint arrangements.

mod common;

use ownergraph::exposure::propagate::Bound;
use ownergraph::exposure::{captured_set, whole_graph, Incremental, RegimeId, Regimes};
use ownergraph::model::{Batch, Date, Entity, Listing, Origin, Pct, Relation, RelationKind, Schema, Share};
use ownergraph::store::ImportRecord;
use proptest::prelude::*;
use std::sync::Arc;

const SHARES: &[&str] = &[
    "10", "25", "30", "40", "50", "60", "100", "?", "majority", "20-60",
];

#[derive(Debug, Clone)]
struct Case {
    nodes: usize,
    listed: Vec<bool>,
    /// (source, target, kind: 0 owns / 1 controls / 2 joint, share index)
    edges: Vec<(usize, usize, u8, usize)>,
}

fn cases() -> impl Strategy<Value = Case> {
    (2usize..8).prop_flat_map(|n| {
        (
            proptest::collection::vec(proptest::bool::weighted(0.3), n),
            proptest::collection::vec(
                (
                    0..n,
                    0..n,
                    prop_oneof![6 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
                    0..SHARES.len(),
                ),
                0..16,
            ),
        )
            .prop_map(move |(listed, mut edges)| {
                // One relation per (source, target, kind): the store keys relations so.
                let mut seen = std::collections::HashSet::new();
                edges.retain(|(s, t, k, _)| seen.insert((*s, *t, *k)));
                Case {
                    nodes: n,
                    listed,
                    edges,
                }
            })
    })
}

fn share(text: &str) -> Option<Share> {
    (text != "?").then(|| Share::parse(text).unwrap())
}

/// The fixed point by plain iteration over the case description, not the snapshot.
fn brute_force(case: &Case, regime: RegimeId, day: Date, bound: Bound) -> Vec<bool> {
    let regimes = Regimes::bundled();
    let r = regimes.get(regime);
    let rule = r.on(day);
    let seeds: Vec<usize> = (0..case.nodes).filter(|&v| case.listed[v]).collect();
    let owns: Vec<(usize, usize, Option<Share>)> = case
        .edges
        .iter()
        .filter(|e| e.2 == 0)
        .map(|&(s, t, _, i)| (s, t, share(SHARES[i])))
        .collect();
    let value = |target: usize, sh: Option<Share>| -> u64 {
        match (sh, bound) {
            (Some(s), Bound::Lo) => s.lo.0 as u64,
            (Some(s), Bound::Hi) => s.hi.0 as u64,
            (None, Bound::Lo) => 0,
            (None, Bound::Hi) => {
                let known: u64 = owns
                    .iter()
                    .filter(|e| e.1 == target)
                    .filter_map(|e| e.2)
                    .map(|s| s.lo.0 as u64)
                    .sum();
                (Pct::HUNDRED.0 as u64).saturating_sub(known)
            }
        }
    };
    let groups: Vec<Vec<usize>> = match r.aggregate {
        ownergraph::exposure::regime::Aggregation::All => vec![seeds.clone()],
        ownergraph::exposure::regime::Aggregation::PerOwner => {
            // Connected components of joint arrangements among seeds, by repeated merging.
            let mut group: Vec<usize> = (0..case.nodes).collect();
            loop {
                let mut changed = false;
                for &(s, t, k, _) in &case.edges {
                    if k == 2 && case.listed[s] && case.listed[t] && group[s] != group[t] {
                        let (a, b) = (group[s].min(group[t]), group[s].max(group[t]));
                        group.iter_mut().filter(|g| **g == b).for_each(|g| *g = a);
                        changed = true;
                    }
                }
                if !changed {
                    break;
                }
            }
            let mut ids: Vec<usize> = seeds.iter().map(|&s| group[s]).collect();
            ids.sort();
            ids.dedup();
            ids.iter()
                .map(|&g| seeds.iter().copied().filter(|&s| group[s] == g).collect())
                .collect()
        }
    };
    let mut out = vec![false; case.nodes];
    for g in groups {
        let mut captured = vec![false; case.nodes];
        for s in g {
            captured[s] = true;
        }
        loop {
            let mut changed = false;
            for t in 0..case.nodes {
                if captured[t] {
                    continue;
                }
                let sum: u64 = owns
                    .iter()
                    .filter(|e| e.1 == t && captured[e.0])
                    .map(|e| value(t, e.2))
                    .sum();
                let controlled = r.control_counts
                    && case
                        .edges
                        .iter()
                        .any(|&(s, tt, k, _)| k == 1 && tt == t && captured[s]);
                if rule.meets(sum) || controlled {
                    captured[t] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        for v in 0..case.nodes {
            out[v] |= captured[v];
        }
    }
    out
}

fn build(case: &Case) -> (tempfile::TempDir, ownergraph::engine::Engine) {
    let (dir, engine) = common::empty_engine();
    let origin = Origin {
        file: Arc::from("prop"),
        line: 1,
    };
    let mut batch = Batch {
        dataset: "prop".into(),
        ..Batch::default()
    };
    for v in 0..case.nodes {
        batch.entities.push((
            origin.clone(),
            Entity::new(&format!("n{v}"), Schema::Company, &format!("N{v}"), "prop"),
        ));
        if case.listed[v] {
            for list in ["SDN List", "EU Consolidated List", "UK Sanctions List"] {
                batch.listings.push((
                    origin.clone(),
                    Listing {
                        entity: format!("n{v}"),
                        list: list.into(),
                        authority: "prop".into(),
                        program: None,
                        start_date: None,
                        end_date: None,
                        citation: None,
                        license_requirement: None,
                        license_review_policy: None,
                        confidence: None,
                        dataset: "prop".into(),
                    },
                ));
            }
        }
    }
    for &(s, t, k, i) in &case.edges {
        let kind = [
            RelationKind::Owns,
            RelationKind::Controls,
            RelationKind::JointArrangement,
        ][k as usize];
        let mut r = Relation::new(&format!("n{s}"), &format!("n{t}"), kind, "prop");
        if k == 0 {
            r.share = share(SHARES[i]);
        }
        batch.relations.push((origin.clone(), r));
    }
    let record = ImportRecord {
        dataset: "prop".into(),
        format: "test".into(),
        path: "prop".into(),
        checksum: "prop".into(),
    };
    engine.apply(&batch, &record).expect("case applies");
    (dir, engine)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn propagation_matches_brute_force(case in cases()) {
        let (_dir, engine) = build(&case);
        let snapshot = engine.snapshot();
        let day: Date = "2025-10-15".parse().unwrap();
        for regime in [RegimeId::Ofac, RegimeId::Eu, RegimeId::Uk] {
            let r = Regimes::bundled().get(regime);
            for bound in [Bound::Lo, Bound::Hi] {
                let fast = captured_set(&snapshot, r, day, bound);
                let slow = brute_force(&case, regime, day, bound);
                for (v, expected) in slow.iter().enumerate() {
                    let node = snapshot.find(&format!("n{v}")).unwrap() as usize;
                    prop_assert_eq!(fast[node], *expected, "{} {:?} node n{}", regime, bound, v);
                }
            }
            // Possible ⊇ definite.
            let lo = captured_set(&snapshot, r, day, Bound::Lo);
            let hi = captured_set(&snapshot, r, day, Bound::Hi);
            prop_assert!(lo.iter().zip(&hi).all(|(l, h)| !l || *h));
        }
    }

    /// A party listed after the pass, added to it, gives what a fresh pass over the graph
    /// with that listing gives: every captured party with its status and stake bounds.
    #[test]
    fn an_added_listing_updates_the_pass_as_a_fresh_pass_would(case in cases(), pick in 0usize..8) {
        let node = pick % case.nodes;
        prop_assume!(!case.listed[node]);
        let (_dir, engine) = build(&case);
        let mut listed = case.clone();
        listed.listed[node] = true;
        let (_dir2, fresh_engine) = build(&listed);
        let (snapshot, fresh) = (engine.snapshot(), fresh_engine.snapshot());
        let day: Date = "2025-10-15".parse().unwrap();
        for regime in [RegimeId::Ofac, RegimeId::Eu, RegimeId::Uk] {
            let r = Regimes::bundled().get(regime);
            let mut pass = Incremental::new(&snapshot, r, day);
            pass.add_listing(snapshot.find(&format!("n{node}")).unwrap());
            let rows = |exposure: ownergraph::exposure::GraphExposure, s: &ownergraph::graph::Snapshot| {
                let mut rows: Vec<(String, String, u32, u32)> = exposure
                    .derived
                    .iter()
                    .map(|d| (s.node(d.node).id.to_string(), format!("{:?}", d.computed), d.lo.0, d.hi.0))
                    .collect();
                rows.sort();
                (exposure.listed, rows)
            };
            prop_assert_eq!(rows(pass.exposure(), &snapshot), rows(whole_graph(&fresh, r, day), &fresh), "{}", regime);
        }
    }
}
