//! Interoperability speed (a bench binary, not criterion: each step runs once and is long).
//!
//! 1. Export of the whole bundled data (both real datasets) as FtM, GraphML and CSV.
//! 2. FtM import end to end of a synthetic file (dataset `synthetic-42`, generated, says so):
//!    `OWNERGRAPH_BENCH_FTM_LINES` lines (default 1,000,000), read and applied into an empty
//!    database in one transaction, as `ownergraph import --format ftm` does.
//!
//! `cargo bench --bench interop`

mod common;

use ownergraph::engine::Engine;
use ownergraph::export::{self, Format as ExportFormat};
use ownergraph::import::{self, Format};
use ownergraph::store::{Extract, Store};
use std::time::Instant;

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");

    // 1. The bundled data, exported whole in each format.
    let bundled = dir.path().join("bundled.db");
    {
        let engine = Engine::open(&bundled).expect("bundled db");
        for (format, path) in import::bundled_datasets(&common::data_dir()).expect("bundled datasets") {
            let prepared = import::read(format, &path, None).expect("bundled data reads");
            engine
                .apply(&prepared.batch, &prepared.record)
                .expect("bundled data applies");
        }
    }
    let engine = Engine::open(&bundled).expect("bundled db opens");
    println!("| step | items | time | rate |\n|---|---|---|---|");
    for format in [ExportFormat::Ftm, ExportFormat::Graphml, ExportFormat::Csv] {
        let out = dir.path().join(format!("bundled.{}", format.as_str()));
        let started = Instant::now();
        let extract = export::extract(&engine, None).expect("extract");
        export::write_to_path(&extract, format, &out).expect("export writes");
        let took = started.elapsed();
        let items = extract.entities.len() + extract.relations.len() + extract.listings.len();
        println!(
            "| export bundled data as {} | {items} entities+relations+listings | {took:.2?} | {:.0}/s |",
            format.as_str(),
            items as f64 / took.as_secs_f64()
        );
    }
    drop(engine);

    // 2. A synthetic FtM file of about the asked number of lines (≈ 3.9 lines per entity).
    let lines: usize = std::env::var("OWNERGRAPH_BENCH_FTM_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let entities = (lines as f64 / 3.9) as usize;
    let batch = ownergraph::generate::generate(entities, 42);
    let extract = Extract {
        entities: batch.entities.into_iter().map(|(_, e)| e).collect(),
        relations: batch.relations.into_iter().map(|(_, r)| r).collect(),
        listings: batch.listings.into_iter().map(|(_, l)| l).collect(),
    };
    let file = dir.path().join("synthetic.ftm.json");
    export::write_to_path(&extract, ExportFormat::Ftm, &file).expect("synthetic ftm writes");
    let written = std::fs::read_to_string(&file).expect("ftm file").lines().count();
    drop(extract);

    let db = dir.path().join("ftm.db");
    let started = Instant::now();
    let prepared = import::read(Format::Ftm, &file, None).expect("synthetic ftm reads");
    let read = started.elapsed();
    let mut store = Store::open(&db).expect("empty db");
    store
        .apply(&prepared.batch, &prepared.record)
        .expect("synthetic ftm applies");
    let total = started.elapsed();
    let imported = prepared.batch.entities.len();
    println!(
        "| FtM import, {written} lines ({imported} entities, {} relations, {} listings) | read {read:.2?} + apply {:.2?} | {total:.2?} | {:.0} entities/s, {:.0} lines/s |",
        prepared.batch.relations.len(),
        prepared.batch.listings.len(),
        total - read,
        imported as f64 / total.as_secs_f64(),
        written as f64 / total.as_secs_f64()
    );
}
