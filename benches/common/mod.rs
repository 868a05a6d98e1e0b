//! Shared set-up for the benchmarks: where bench data lives and the synthetic database,
//! generated once by `ownergraph::generate` into target/bench-data and reused.
#![allow(dead_code)]

use ownergraph::store::{ImportRecord, Store};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

pub fn bench_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("bench-data");
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

/// Entities in the synthetic world: OWNERGRAPH_BENCH_ENTITIES, default one million.
pub fn synthetic_size() -> usize {
    std::env::var("OWNERGRAPH_BENCH_ENTITIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// The synthetic database of `entities` parties (seed 42), generated on first use.
pub fn synthetic_db(entities: usize) -> PathBuf {
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
