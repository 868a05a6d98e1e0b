//! Shared by the benchmarks: where bench data lives, and the cached synthetic database.
#![allow(dead_code)] // each bench uses a part

use ownergraph::generate::Shape;
use ownergraph::store::{ImportRecord, Store};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Where bench databases are cached: OWNERGRAPH_BENCH_DIR, or target/bench-data.
pub fn bench_dir() -> PathBuf {
    let dir = std::env::var_os("OWNERGRAPH_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target")
                .join("bench-data")
        });
    std::fs::create_dir_all(&dir).expect("bench data directory");
    dir
}

pub fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

/// Resident memory of this process in bytes.
pub fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Entities in the synthetic store: OWNERGRAPH_BENCH_ENTITIES, 1M by default.
pub fn synthetic_entities() -> usize {
    std::env::var("OWNERGRAPH_BENCH_ENTITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// The shape of the synthetic store: OWNERGRAPH_BENCH_SHAPE=hubs or flat, flat by default
/// (the shape the README's older figures were measured on, so they stay comparable).
pub fn synthetic_shape() -> Shape {
    std::env::var("OWNERGRAPH_BENCH_SHAPE")
        .ok()
        .map(|s| s.parse().expect("OWNERGRAPH_BENCH_SHAPE is hubs or flat"))
        .unwrap_or(Shape::Flat)
}

/// Where [`synthetic_db`] keeps the store of `entities` entities.
pub fn synthetic_db_path(entities: usize) -> PathBuf {
    bench_dir().join(match synthetic_shape() {
        Shape::Flat => format!("synthetic-{entities}.db"),
        Shape::Hubs => format!("synthetic-hubs2-{entities}.db"),
    })
}

/// The synthetic store of `entities` entities (seed 42, [`synthetic_shape`]), generated once
/// and reused: `synthetic-N.db` (flat) or `synthetic-hubs2-N.db` (the 2 since addresses became nodes).
pub fn synthetic_db(entities: usize) -> PathBuf {
    let shape = synthetic_shape();
    let path = synthetic_db_path(entities);
    if path.exists() {
        return path;
    }
    let started = Instant::now();
    let batch = ownergraph::generate::generate_shaped(entities, 42, shape);
    eprintln!("{}", ownergraph::generate::degree_summary(&batch));
    let generated = started.elapsed();
    let partial = path.with_extension("partial");
    remove_db(&partial);
    let mut store = Store::open(&partial).expect("synthetic store opens");
    let record = ImportRecord {
        dataset: batch.dataset.clone(),
        format: "generated".into(),
        path: "generated".into(),
        checksum: format!("seed-42-{entities}-{}", shape.as_str()),
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
