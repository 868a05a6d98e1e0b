//! Screening quality and speed on the bundled data (a bench binary, not criterion: it reports
//! recall and false matches over every SDN alias, then times a 10,000-name batch).
//!
//! `cargo bench --bench screening`

use ownergraph::screen::evaluation::{evaluate, negative_cases, sdn_cases};
use ownergraph::screen::DEFAULT_THRESHOLD;
use std::path::Path;
use std::time::Instant;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary directory");
    let engine = ownergraph::cli::build_from(&dir.path().join("bundled.db"), &root.join("data"))
        .expect("bundled data builds");

    let mut cases = sdn_cases(&engine, None, 2024).expect("cases");
    let negatives = std::fs::read_to_string(root.join("tests/fixtures/not_listed.txt")).expect("negatives");
    cases.extend(negative_cases(&negatives));
    let started = Instant::now();
    let report = evaluate(&engine, &cases, DEFAULT_THRESHOLD).expect("evaluates");
    let elapsed = started.elapsed();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    println!(
        "quality: {} queries in {elapsed:.2?} ({:.2} ms each)",
        cases.len(),
        elapsed.as_secs_f64() * 1e3 / cases.len() as f64
    );
}
