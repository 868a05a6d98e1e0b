//! Building and loading the graph: the bundled data, and a synthetic 1M / ~3M store.
//!
//! `cargo bench --bench load`. Set OWNERGRAPH_BENCH_ENTITIES to change the synthetic size.
//! The synthetic database is generated once into target/bench-data and reused.

use criterion::{criterion_group, criterion_main, Criterion};
use ownergraph::engine::Engine;
use ownergraph::graph::Snapshot;
use ownergraph::store::Store;
use std::time::Duration;

mod common;
use common::{bench_dir, data_dir, remove_db, synthetic_db, synthetic_size};

/// Resident memory of this process in bytes.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

fn bundled(c: &mut Criterion) {
    let mut group = c.benchmark_group("bundled");
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    let db = bench_dir().join("bundled.db");
    group.bench_function("build database from data/", |b| {
        b.iter(|| {
            remove_db(&db);
            ownergraph::cli::build_from(&db, &data_dir()).expect("bundled data builds")
        })
    });
    let store = Store::open(&db).expect("bundled db opens");
    group.bench_function("load snapshot", |b| {
        b.iter(|| Snapshot::load(&store).expect("loads"))
    });
    group.bench_function("open engine (store + snapshot)", |b| {
        b.iter(|| Engine::open(&db).expect("opens"))
    });
    group.finish();
}

fn synthetic(c: &mut Criterion) {
    let entities = synthetic_size();
    let db = synthetic_db(entities);
    let store = Store::open(&db).expect("synthetic db opens");
    let before = resident_bytes();
    let snapshot = Snapshot::load(&store).expect("loads");
    let after = resident_bytes();
    let (nodes, edges) = (snapshot.node_count() as u64, snapshot.edge_count() as u64);
    eprintln!(
        "synthetic snapshot: {nodes} entities, {edges} relations, resident +{:.0} MB ({:.0} bytes per entity+3.0 relations)",
        (after.saturating_sub(before)) as f64 / 1e6,
        (after.saturating_sub(before)) as f64 / nodes as f64
    );
    drop(snapshot);
    let mut group = c.benchmark_group(format!("synthetic-{entities}"));
    group.sample_size(10).measurement_time(Duration::from_secs(30));
    group.bench_function("load snapshot", |b| {
        b.iter(|| Snapshot::load(&store).expect("loads"))
    });
    group.finish();
}

criterion_group!(benches, bundled, synthetic);
criterion_main!(benches);
