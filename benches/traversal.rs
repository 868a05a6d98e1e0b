//! Traversals on the synthetic 1M-entity graph (synthetic data, for scale only): neighbourhood
//! walks at depth 1, 2 and 3, a shortest path and the k shortest paths between random pairs.
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

    let mut group = c.benchmark_group(format!("k-shortest-{entities}"));
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for k in [3usize, 10] {
        let counts: Vec<usize> = pairs[..32]
            .iter()
            .map(|&(a, z)| k_shortest_paths(&snapshot, a, z, KindSet::ALL, false, 6, k).len())
            .collect();
        eprintln!(
            "k={k}, undirected, at most 6 hops: {:.1} paths found on average over 32 random pairs",
            counts.iter().sum::<usize>() as f64 / counts.len() as f64
        );
        let mut next = cycle(&pairs);
        group.bench_function(
            format!("k={k} shortest paths, random pair, undirected, max 6"),
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
