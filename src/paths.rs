//! The k shortest simple paths between two entities (Yen's algorithm over the snapshot).
//!
//! Paths count hops: every relation weighs one. Each spur search is the snapshot's
//! bidirectional breadth-first [`Snapshot::shortest_path_avoiding`], so a query costs at most
//! `k × max_hops` such searches. Two relations between the same two parties (say `owns` and
//! `controls`) make two different paths: a path is a sequence of relations, not of parties.
//!
//! Architecture invariant: pure functions over a [`Snapshot`]; no IO.

use crate::graph::{Avoid, Snapshot};
use crate::model::KindSet;
use std::time::{Duration, Instant};

/// Most paths one query may ask for.
pub const MAX_K: usize = 10;
/// Most hops one path may have.
pub const MAX_HOPS: u8 = 8;

/// One path: the relations in order from the start, and the parties they pass through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// Edge indices, first hop first.
    pub edges: Vec<u32>,
    /// Node indices, `from` first and `to` last: one more than `edges`.
    pub nodes: Vec<u32>,
}

impl Path {
    /// The path of `edges` walked from `from`.
    pub fn from_edges(snapshot: &Snapshot, from: u32, edges: Vec<u32>) -> Path {
        let mut nodes = Vec::with_capacity(edges.len() + 1);
        nodes.push(from);
        let mut at = from;
        for &edge in &edges {
            at = snapshot.other_end(edge, at);
            nodes.push(at);
        }
        Path { edges, nodes }
    }

    pub fn hops(&self) -> usize {
        self.edges.len()
    }
}

/// Up to `k` (at most [`MAX_K`]) shortest simple paths from `from` to `to` of at most
/// `max_hops` (at most [`MAX_HOPS`]) relations of `kinds`, shortest first; among paths of
/// equal length, in a fixed order (by edge indices) so the same data gives the same answer.
/// Relations are followed in their direction when `directed`, either way otherwise.
/// `from == to` gives the one empty path.
///
/// ```
/// # use ownergraph::{graph::Snapshot, model::KindSet, paths::k_shortest_paths};
/// # fn demo(snapshot: &Snapshot, a: u32, b: u32) {
/// for path in k_shortest_paths(snapshot, a, b, KindSet::ALL, false, 4, 3) {
///     println!("{} hops", path.hops());
/// }
/// # }
/// ```
pub fn k_shortest_paths(
    snapshot: &Snapshot,
    from: u32,
    to: u32,
    kinds: KindSet,
    directed: bool,
    max_hops: u8,
    k: usize,
) -> Vec<Path> {
    match k_shortest_paths_within(snapshot, from, to, kinds, directed, max_hops, k, None, None) {
        Ok(paths) => paths,
        Err(timed_out) => timed_out.found,
    }
}

/// The search ran past its time budget; `found` holds the paths it had, shortest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedOut {
    pub found: Vec<Path>,
    pub budget: Duration,
}

/// [`k_shortest_paths`] with a time budget, checked between spur searches: past it, the
/// search stops with what it found. Hubs on a large graph make each undirected spur search
/// touch much of the graph, and a query costs up to `k × max_hops` of them. With
/// `max_links`, no path passes through a party of more links than that (a formation agent,
/// a nominee director): `from` and `to` may be such parties themselves.
#[allow(clippy::too_many_arguments)]
pub fn k_shortest_paths_within(
    snapshot: &Snapshot,
    from: u32,
    to: u32,
    kinds: KindSet,
    directed: bool,
    max_hops: u8,
    k: usize,
    budget: Option<Duration>,
    max_links: Option<usize>,
) -> Result<Vec<Path>, TimedOut> {
    let deadline = budget.map(|b| (Instant::now() + b, b));
    let k = k.min(MAX_K);
    let max_hops = max_hops.min(MAX_HOPS);
    if k == 0 {
        return Ok(Vec::new());
    }
    let hubs = Avoid {
        max_links,
        ..Avoid::default()
    };
    let Some(first) = snapshot.shortest_path_avoiding(from, to, kinds, directed, max_hops, &hubs) else {
        return Ok(Vec::new());
    };
    let mut found = vec![Path::from_edges(snapshot, from, first)];
    if from == to {
        return Ok(found);
    }
    // Candidates not yet taken, kept sorted so the best is last: (hops, edges) descending.
    let mut candidates: Vec<Path> = Vec::new();
    while found.len() < k {
        let last = found.last().expect("found starts with one path").clone();
        for spur_at in 0..last.hops() {
            if let Some((deadline, budget)) = deadline {
                if Instant::now() >= deadline {
                    return Err(TimedOut { found, budget });
                }
            }
            let root = &last.edges[..spur_at];
            let spur_node = last.nodes[spur_at];
            // The root's parties (the path stays simple) and the next relation of every path
            // found with this root (the spur must differ from them).
            let mut avoid = Avoid {
                nodes: last.nodes[..spur_at].to_vec(),
                edges: Vec::new(),
                max_links,
            };
            for path in &found {
                if path.edges.len() > spur_at && path.edges[..spur_at] == *root {
                    avoid.edges.push(path.edges[spur_at]);
                }
            }
            let budget = max_hops - spur_at as u8;
            let Some(spur) = snapshot.shortest_path_avoiding(spur_node, to, kinds, directed, budget, &avoid)
            else {
                continue;
            };
            let mut edges = root.to_vec();
            edges.extend(spur);
            if !candidates.iter().any(|c| c.edges == edges) {
                candidates.push(Path::from_edges(snapshot, from, edges));
            }
        }
        if candidates.is_empty() {
            break;
        }
        candidates.sort_by(|a, b| (b.hops(), &b.edges).cmp(&(a.hops(), &a.edges)));
        found.push(candidates.pop().expect("checked non-empty"));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Batch, Entity, Origin, Relation, RelationKind, Schema};
    use crate::store::{ImportRecord, Store};

    /// A small world in a temporary store: `(source, target, kind)` triples over single-letter ids.
    fn world(relations: &[(&str, &str, RelationKind)]) -> (tempfile::TempDir, Snapshot) {
        let origin = Origin {
            file: "test".into(),
            line: 1,
        };
        let mut batch = Batch {
            dataset: "test".into(),
            ..Batch::default()
        };
        let mut ids: Vec<&str> = relations.iter().flat_map(|(s, t, _)| [*s, *t]).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            batch
                .entities
                .push((origin.clone(), Entity::new(id, Schema::Company, id, "test")));
        }
        for (s, t, kind) in relations {
            batch
                .relations
                .push((origin.clone(), Relation::new(s, t, *kind, "test")));
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut store = Store::open(&dir.path().join("t.db")).expect("store opens");
        let record = ImportRecord {
            dataset: "test".into(),
            format: "test".into(),
            path: "test".into(),
            checksum: "test".into(),
        };
        store.apply(&batch, &record).expect("batch applies");
        let snapshot = Snapshot::load(&store).expect("snapshot loads");
        (dir, snapshot)
    }

    fn spelled(snapshot: &Snapshot, paths: &[Path]) -> Vec<String> {
        paths
            .iter()
            .map(|p| {
                p.nodes
                    .iter()
                    .map(|n| snapshot.node(*n).id.to_string())
                    .collect::<Vec<_>>()
                    .join("")
            })
            .collect()
    }

    #[test]
    fn yen_finds_paths_in_order_of_length() {
        use RelationKind::{Controls, Owns, SubordinateOf};
        // a owns b and c; b and c own d; b controls c; a owns d directly; e hangs off d.
        let (_dir, s) = world(&[
            ("a", "b", Owns),
            ("a", "c", Owns),
            ("b", "d", Owns),
            ("c", "d", Owns),
            ("b", "c", Controls),
            ("a", "d", Owns),
            ("e", "d", SubordinateOf),
        ]);
        let n = |id: &str| s.find(id).unwrap();
        let all = KindSet::ALL;
        let owns: KindSet = [Owns].into_iter().collect();
        // (from, to, kinds, directed, max_hops, k, expected paths spelled by node ids)
        type Case<'a> = (&'a str, &'a str, KindSet, bool, u8, usize, &'a [&'a str]);
        let cases: &[Case] = &[
            ("a", "d", all, true, 8, 10, &["ad", "abd", "acd", "abcd"]),
            ("a", "d", owns, true, 8, 10, &["ad", "abd", "acd"]),
            ("a", "d", all, true, 1, 10, &["ad"]),
            ("a", "d", all, true, 8, 2, &["ad", "abd"]),
            ("d", "a", all, true, 8, 10, &[]),
            ("d", "a", owns, false, 2, 10, &["da", "dba", "dca"]),
            ("a", "e", all, false, 3, 10, &["ade", "abde", "acde"]),
            ("a", "e", all, true, 8, 10, &[]),
            ("a", "a", all, true, 8, 10, &["a"]),
            ("a", "d", all, true, 8, 0, &[]),
        ];
        for (from, to, kinds, directed, max, k, expected) in cases {
            let found = k_shortest_paths(&s, n(from), n(to), *kinds, *directed, *max, *k);
            assert_eq!(
                spelled(&s, &found),
                *expected,
                "{from}→{to} directed={directed} max={max} k={k}"
            );
            for path in &found {
                assert_eq!(path.nodes.len(), path.edges.len() + 1);
                let mut seen = path.nodes.clone();
                seen.sort_unstable();
                seen.dedup();
                assert_eq!(seen.len(), path.nodes.len(), "paths are simple");
            }
        }
    }

    #[test]
    fn undirected_search_counts_every_route_up_to_the_limit() {
        use RelationKind::Owns;
        let (_dir, s) = world(&[
            ("a", "b", Owns),
            ("a", "c", Owns),
            ("b", "d", Owns),
            ("c", "d", Owns),
            ("b", "c", Owns),
        ]);
        let (a, d) = (s.find("a").unwrap(), s.find("d").unwrap());
        let found = k_shortest_paths(&s, a, d, KindSet::ALL, false, 8, 10);
        assert_eq!(spelled(&s, &found), ["abd", "acd", "abcd", "acbd"]);
    }

    #[test]
    fn a_spent_time_budget_stops_with_the_paths_found_so_far() {
        use RelationKind::Owns;
        let (_dir, s) = world(&[
            ("a", "b", Owns),
            ("a", "c", Owns),
            ("b", "d", Owns),
            ("c", "d", Owns),
        ]);
        let (a, d) = (s.find("a").unwrap(), s.find("d").unwrap());
        let spent = k_shortest_paths_within(&s, a, d, KindSet::ALL, false, 8, 10, Some(Duration::ZERO), None);
        let timed_out = spent.expect_err("no time at all cannot finish");
        assert_eq!(
            timed_out.found.len(),
            1,
            "the first path is found before the budget is checked"
        );
        let ample = k_shortest_paths_within(
            &s,
            a,
            d,
            KindSet::ALL,
            false,
            8,
            10,
            Some(Duration::from_secs(60)),
            None,
        );
        assert_eq!(spelled(&s, &ample.unwrap()), ["abd", "acd"]);
    }

    #[test]
    fn a_link_limit_keeps_paths_out_of_hubs_but_not_off_them() {
        use RelationKind::{DirectorOf, Owns};
        let (_dir, s) = world(&[
            ("a", "b", Owns),
            ("b", "d", Owns),
            ("h", "a", DirectorOf),
            ("h", "d", DirectorOf),
            ("h", "x", DirectorOf),
            ("h", "y", DirectorOf),
        ]);
        let id = |n: &str| s.find(n).unwrap();
        let all = k_shortest_paths_within(&s, id("a"), id("d"), KindSet::ALL, false, 8, 3, None, None);
        assert_eq!(spelled(&s, &all.unwrap()), ["abd", "ahd"]);
        // h has 4 links: a limit of 3 keeps paths out of it, a limit of 4 lets them through.
        let limited = k_shortest_paths_within(&s, id("a"), id("d"), KindSet::ALL, false, 8, 3, None, Some(3));
        assert_eq!(spelled(&s, &limited.unwrap()), ["abd"]);
        let four = k_shortest_paths_within(&s, id("a"), id("d"), KindSet::ALL, false, 8, 3, None, Some(4));
        assert_eq!(four.unwrap().len(), 2);
        // A hub may be an end.
        let from_hub =
            k_shortest_paths_within(&s, id("h"), id("b"), KindSet::ALL, false, 8, 1, None, Some(3));
        assert_eq!(spelled(&s, &from_hub.unwrap()), ["hab"]);
    }
}
