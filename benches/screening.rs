//! Screening speed and quality on the bundled data (a bench binary, not criterion):
//!
//! - **batch**: a 10,000-row counterparty file (a seeded sample of SDN aliases and their
//!   variants, plus the real not-listed names of `tests/fixtures/not_listed.txt`) read,
//!   matched on every core and judged under OFAC in one pass, as `ownergraph screen` does;
//!   reports total seconds and names per second;
//! - **quality**: recall and false matches over every SDN alias and its variants.
//!
//! `cargo bench --bench screening` runs both; `cargo bench --bench screening -- batch` or
//! `-- quality` one.

use ownergraph::screen::batch::{self, Options};
use ownergraph::screen::evaluation::{evaluate, negative_cases, sdn_cases};
use ownergraph::screen::DEFAULT_THRESHOLD;
use std::path::Path;
use std::time::Instant;

const BATCH_ROWS: usize = 10_000;

/// CPU seconds this process has used (user + system), from /proc; the machine is shared, so
/// wall time alone overstates what screening costs.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let only: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |part: &str| only.is_empty() || only.iter().any(|o| o == part);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary directory");
    let engine = ownergraph::cli::build_from(&dir.path().join("bundled.db"), &root.join("data"))
        .expect("bundled data builds");
    let negatives = std::fs::read_to_string(root.join("tests/fixtures/not_listed.txt")).expect("negatives");

    if wants("batch") {
        // Enough aliases that, with their variants and the negatives, there are 10,000 names.
        let mut names: Vec<String> = negative_cases(&negatives).into_iter().map(|c| c.query).collect();
        let positives = sdn_cases(&engine, Some(3_000), 7).expect("cases");
        names.extend(positives.into_iter().map(|c| c.query));
        names.truncate(BATCH_ROWS);
        assert_eq!(names.len(), BATCH_ROWS, "the sample is big enough");
        let mut csv = Vec::new();
        {
            let mut writer = csv::Writer::from_writer(&mut csv);
            writer.write_record(["name"]).unwrap();
            for name in &names {
                writer.write_record([name]).unwrap();
            }
        }
        let options = Options {
            regime: ownergraph::exposure::RegimeId::Ofac,
            as_of: "2024-06-01".parse().unwrap(),
            threshold: DEFAULT_THRESHOLD,
            all_matches: false,
        };
        // The first run also builds the name index (once per snapshot, as a server's first
        // request does); the next runs are what a running server pays per file.
        for run in ["cold (builds the name index)", "warm", "warm"] {
            let started = Instant::now();
            let cpu = cpu_seconds();
            let input = batch::read_csv("bench.csv", &csv[..], None).expect("reads");
            let screened = batch::screen(&engine, &input, &options).expect("screens");
            let mut out = Vec::new();
            batch::write_csv(&input, &screened, &mut out).expect("writes");
            let elapsed = started.elapsed().as_secs_f64();
            println!(
                "batch {run}: {} names in {elapsed:.2} s ({:.0} names/s, {} threads, {:.2} CPU s); {}",
                input.rows.len(),
                input.rows.len() as f64 / elapsed,
                std::thread::available_parallelism().map_or(1, |n| n.get()),
                cpu_seconds() - cpu,
                batch::summary_line(&screened.summary, &options)
            );
        }
    }

    if wants("quality") {
        let mut cases = sdn_cases(&engine, None, 2024).expect("cases");
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
}
