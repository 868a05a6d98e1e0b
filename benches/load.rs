//! Building and loading the graph: the bundled data, and a synthetic 1M / ~3M store.
//!
//! `cargo bench --bench load`. Set OWNERGRAPH_BENCH_ENTITIES to change the synthetic size.
//! The synthetic database is generated once into target/bench-data and reused.

use criterion::{criterion_group, criterion_main, Criterion};
use ownergraph::engine::Engine;
use ownergraph::graph::Snapshot;
use ownergraph::store::{ImportRecord, Store};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

fn bench_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-data");
    std::fs::create_dir_all(&dir).expect("bench data directory");
    dir
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

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

fn synthetic_db(entities: usize) -> PathBuf {
    let path = bench_dir().join(format!("synthetic-{entities}.db"));
    if path.exists() {
        return path;
    }
    let started = Instant::now();
    let batch = ownergraph::generate::generate(entities, 42);
    let generated = started.elapsed();
    let partial = path.with_extension("partial");
    remove_db(&partial);
    let mut store = Store::open(&partial).expect("synthetic store opens");
    let record = ImportRecord {
        dataset: batch.dataset.clone(),
        format: "generated".into(),
        path: "generated".into(),
        checksum: format!("seed-42-{entities}"),
    };
    store.apply(&batch, &record).expect("synthetic batch applies");
    drop(store);
    std::fs::rename(&partial, &path).expect("rename synthetic db");
    remove_db(&partial);
    eprintln!(
        "synthetic store: {} entities, {} relations, {} listings; generated in {generated:.2?}, written in {:.2?}",
        batch.entities.len(),
        batch.relations.len(),
        batch.listings.len(),
        started.elapsed() - generated
    );
    path
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
    let entities: usize = std::env::var("OWNERGRAPH_BENCH_ENTITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
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
