//! Traversals on the synthetic 1M-entity graph (synthetic data, for scale only): neighbourhood
//! walks at depth 1, 2 and 3, a shortest path between random pairs, the k shortest paths between
//! pairs a random walk of four relations apart.
//!
//! `cargo bench --bench traversal`. The database is the one `benches/load.rs` builds and caches
//! in target/bench-data (OWNERGRAPH_BENCH_ENTITIES changes its size). Each benchmark cycles
//! through the same 256 random starts or pairs (seeded), and prints what the walks found, so
//! the times can be read against the work done.

mod common;

use common::{synthetic_db, synthetic_entities};
use criterion::{criterion_group, criterion_main, Criterion};
use ownergraph::graph::{Direction, Snapshot};
use ownergraph::model::KindSet;
use ownergraph::paths::k_shortest_paths;
use ownergraph::store::Store;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::Duration;

const SAMPLES: usize = 256;

/// A start and the end of a random walk of `hops` relations from it (either way): a pair
/// known to be joined within `hops`, as a researcher asking for paths usually has.
fn walked_pair(snapshot: &Snapshot, rng: &mut SmallRng, hops: usize) -> Option<(u32, u32)> {
    let start = rng.random_range(0..snapshot.node_count() as u32);
    let mut at = start;
    for _ in 0..hops {
        let (out, inc) = (snapshot.outgoing(at), snapshot.incoming(at));
        let degree = out.len() + inc.len();
        if degree == 0 {
            return None;
        }
        let i = rng.random_range(0..degree);
        at = if i < out.len() {
            out[i].node
        } else {
            inc[i - out.len()].node
        };
    }
    (at != start).then_some((start, at))
}

/// Cycles through `items`, one per call.
fn cycle<T: Copy>(items: &[T]) -> impl FnMut() -> T + '_ {
    let mut i = 0;
    move || {
        i = (i + 1) % items.len();
        items[i]
    }
}

fn traversal(c: &mut Criterion) {
    let entities = synthetic_entities();
    let store = Store::open(&synthetic_db(entities)).expect("synthetic db opens");
    let snapshot = Snapshot::load(&store).expect("loads");
    let n = snapshot.node_count() as u32;
    let mut rng = SmallRng::seed_from_u64(7);
    let starts: Vec<u32> = (0..SAMPLES).map(|_| rng.random_range(0..n)).collect();
    let pairs: Vec<(u32, u32)> = (0..SAMPLES)
        .map(|_| (rng.random_range(0..n), rng.random_range(0..n)))
        .collect();
    eprintln!(
        "synthetic graph: {} entities, {} relations",
        snapshot.node_count(),
        snapshot.edge_count()
    );

    let mut group = c.benchmark_group(format!("traversal-{entities}"));
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    for depth in 1..=3u8 {
        let reached: Vec<usize> = starts
            .iter()
            .map(|&s| snapshot.reach_count(s, depth, KindSet::ALL, Direction::Both))
            .collect();
        let mean = reached.iter().sum::<usize>() as f64 / SAMPLES as f64;
        let max = reached.iter().max().copied().unwrap_or(0);
        eprintln!("depth {depth}, both ways, all kinds: {mean:.1} nodes reached on average, {max} at most");
        let mut next = cycle(&starts);
        group.bench_function(format!("reach count depth {depth}"), |b| {
            b.iter(|| black_box(snapshot.reach_count(next(), depth, KindSet::ALL, Direction::Both)))
        });
    }
    let mut next = cycle(&starts);
    group.bench_function("graph page walk depth 3, capped at 60", |b| {
        b.iter(|| black_box(snapshot.neighbourhood(next(), 3, KindSet::ALL, Direction::Both, 60)))
    });

    let found: Vec<Option<usize>> = pairs
        .iter()
        .map(|&(a, z)| {
            snapshot
                .shortest_path(a, z, KindSet::ALL, false, 8)
                .map(|p| p.len())
        })
        .collect();
    let connected: Vec<usize> = found.iter().flatten().copied().collect();
    eprintln!(
        "shortest path, undirected, at most 8 hops: {} of {SAMPLES} random pairs connected, {:.2} hops on average",
        connected.len(),
        connected.iter().sum::<usize>() as f64 / connected.len().max(1) as f64
    );
    let mut next = cycle(&pairs);
    group.bench_function("shortest path, random pair, undirected, max 8", |b| {
        b.iter(|| {
            let (a, z) = next();
            black_box(snapshot.shortest_path(a, z, KindSet::ALL, false, 8))
        })
    });
    let mut next = cycle(&pairs);
    group.bench_function("shortest path, random pair, directed, max 8", |b| {
        b.iter(|| {
            let (a, z) = next();
            black_box(snapshot.shortest_path(a, z, KindSet::ALL, true, 8))
        })
    });
    group.finish();

    // Random pairs are mostly 7 or more hops apart; paths are asked between parties that are
    // related, so the k shortest paths run on pairs joined by a random walk of 4 relations.
    let near: Vec<(u32, u32)> = std::iter::from_fn(|| Some(walked_pair(&snapshot, &mut rng, 4)))
        .flatten()
        .take(SAMPLES)
        .collect();
    let mut group = c.benchmark_group(format!("k-shortest-{entities}"));
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for k in [3usize, 10] {
        let found: Vec<Vec<usize>> = near
            .iter()
            .map(|&(a, z)| {
                k_shortest_paths(&snapshot, a, z, KindSet::ALL, false, 6, k)
                    .iter()
                    .map(|p| p.hops())
                    .collect()
            })
            .collect();
        let paths: usize = found.iter().map(Vec::len).sum();
        let hops: usize = found.iter().flatten().sum();
        eprintln!(
            "k={k}, undirected, at most 6 hops, {SAMPLES} pairs 4 random steps apart: {:.1} paths found per pair, {:.2} hops per path",
            paths as f64 / SAMPLES as f64,
            hops as f64 / paths.max(1) as f64
        );
        let mut next = cycle(&near);
        group.bench_function(
            format!("k={k} shortest paths, pair 4 steps apart, undirected, max 6"),
            |b| {
                b.iter(|| {
                    let (a, z) = next();
                    black_box(k_shortest_paths(&snapshot, a, z, KindSet::ALL, false, 6, k))
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, traversal);
criterion_main!(benches);
