//! Watchlists on the bundled data (a bench binary, not criterion: each step is a real
//! release, which cannot be undone to run again):
//!
//! - a watchlist of `OWNERGRAPH_BENCH_ROWS` rows (default 100,000) saved and screened once;
//!   the rows are SDN names and aliases with the screening evaluation's seeded variants (typos,
//!   dropped words, legal forms), one sample per seed until there are enough, plus the real
//!   not-listed names of `tests/fixtures/not_listed.txt`;
//! - the exposure pass brought up to a release that only adds a listing: `Incremental::
//!   add_listing` against a whole pass (`Incremental::new`) on the same snapshot;
//! - every row screened again after that release (matches kept, statuses judged again) and
//!   after a release that adds an entity (every row matched again, a whole pass), alerts
//!   written;
//! - an import (as `/import` runs it, cross-referencing included) into the database with the
//!   watchlist and into a copy made before it was saved, alternating,
//!   `OWNERGRAPH_BENCH_RUNS` (default 3) each, the write-ahead log checkpointed before each.
//!
//! With `OWNERGRAPH_BENCH_RECORD=1` the watchlist keeps every run as a screening record, and
//! the last record is verified (every row screened again) at the end.
//!
//! `cargo bench --bench watchlists`.

use ownergraph::engine::Engine;
use ownergraph::exposure::{Incremental, RegimeId, Regimes};
use ownergraph::import::{self, Format};
use ownergraph::model::Date;
use ownergraph::screen::batch;
use ownergraph::screen::evaluation::{negative_cases, sdn_cases};
use ownergraph::store::ApplyMode;
use ownergraph::watchlist::{self, Monitor, NewWatchlist};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The counterparty file: `rows` names, as described above.
fn counterparties(engine: &Engine, root: &Path, rows: usize) -> Vec<u8> {
    let negatives = std::fs::read_to_string(root.join("tests/fixtures/not_listed.txt")).expect("negatives");
    let mut names: Vec<String> = negative_cases(&negatives).into_iter().map(|c| c.query).collect();
    let mut seed = 1;
    while names.len() < rows {
        names.extend(
            sdn_cases(engine, Some(5_000), seed)
                .expect("cases")
                .into_iter()
                .map(|c| c.query),
        );
        seed += 1;
    }
    names.truncate(rows);
    let mut csv = Vec::new();
    let mut writer = csv::Writer::from_writer(&mut csv);
    writer.write_record(["name"]).unwrap();
    for name in &names {
        writer.write_record([name]).unwrap();
    }
    drop(writer);
    csv
}

/// A copy of the Entity List case with `extra` lines appended to `file`: the dataset's next
/// release.
fn release_with(root: &Path, file: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = root.join("data/entity-list-2019");
    for name in ["entities.csv", "relations.csv", "listings.csv"] {
        std::fs::copy(from.join(name), dir.path().join(name)).unwrap();
    }
    let mut out = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join(file))
        .unwrap();
    out.write_all(extra.as_bytes()).unwrap();
    dir
}

/// Imports a release of the Entity List case as `/import` does; returns its seconds.
fn import(engine: &Engine, dir: &Path) -> f64 {
    let started = Instant::now();
    let prepared = import::read(Format::Csv, dir, Some("entity-list-2019")).expect("reads");
    engine
        .apply_and_xref(&prepared.batch, &prepared.record, ApplyMode::default())
        .expect("applies");
    started.elapsed().as_secs_f64()
}

/// A hypothetical listing of `entity` (the bench's, not a real one).
fn listing(entity: &str, program: &str) -> String {
    format!(
        "{entity},SDN List,US Department of the Treasury (OFAC),{program},2020-01-01,,bench fixture,,,H\n"
    )
}

/// Screens the watchlist again after a release and says how it went.
fn rescreen(engine: &Engine, monitor: &mut Monitor) {
    let started = Instant::now();
    let done = watchlist::rescreen(engine, monitor).unwrap();
    println!(
        "screen again after it: {:.2} s ({:?} pass, rows matched again: {}, {} alerts written{})",
        started.elapsed().as_secs_f64(),
        done[0].pass,
        done[0].rematched,
        done[0].alerts,
        done[0]
            .screening
            .map(|sid| format!(", kept as screening record {sid}"))
            .unwrap_or_default()
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let rows = env_number("OWNERGRAPH_BENCH_ROWS", 100_000);
    let runs = env_number("OWNERGRAPH_BENCH_RUNS", 3);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary directory");
    let engine = ownergraph::cli::build_from(&dir.path().join("bundled.db"), &root.join("data"))
        .expect("bundled data builds");
    let plain_path = dir.path().join("plain.db");
    engine.read(|s| s.backup_to(&plain_path)).expect("copies");
    let plain = Engine::open(&plain_path).expect("the copy opens");
    let csv = counterparties(&engine, root, rows);
    let input = batch::read_csv("bench.csv", &csv[..], None).expect("reads");
    let mut monitor = Monitor::default();

    let started = Instant::now();
    let new = NewWatchlist {
        name: "bench",
        owner: "bench",
        regime: RegimeId::Ofac,
        threshold: ownergraph::screen::DEFAULT_THRESHOLD,
        webhook_url: None,
        keep_records: std::env::var("OWNERGRAPH_BENCH_RECORD").is_ok_and(|v| v == "1"),
        input: &input,
    };
    watchlist::add(&engine, &mut monitor, &new).expect("saves");
    println!(
        "save and screen {} rows (name index cold): {:.2} s",
        input.rows.len(),
        started.elapsed().as_secs_f64()
    );

    // A release that only adds a listing: SASAC on the SDN list.
    let listed = release_with(root, "listings.csv", &listing("sasac", "BENCH-1"));
    let seconds = import(&engine, listed.path());
    println!("import of a release adding one listing (watchlist present): {seconds:.3} s");
    let snapshot = engine.snapshot();
    let iid = engine.read(|s| s.latest_release()).unwrap();
    let started = Instant::now();
    let (_, how) = monitor
        .exposure(&engine, &snapshot, RegimeId::Ofac, iid, Date::today())
        .unwrap();
    let incremental = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let whole = Incremental::new(&snapshot, Regimes::bundled().get(RegimeId::Ofac), Date::today());
    let whole_seconds = started.elapsed().as_secs_f64();
    drop(whole);
    println!(
        "exposure brought up to that release: {how:?} {:.2} ms; a whole pass on the same snapshot {:.2} ms ({} parties)",
        incremental * 1e3,
        whole_seconds * 1e3,
        snapshot.node_count()
    );
    rescreen(&engine, &mut monitor);

    // A release that adds an entity: every row matched again, a whole pass.
    let entity = "bench-entity,Bench Entity of No Consequence,Company,CN,,bench fixture,L,bench,\n";
    let added = release_with(root, "entities.csv", entity);
    let seconds = import(&engine, added.path());
    println!("import of a release adding one entity (watchlist present): {seconds:.3} s");
    rescreen(&engine, &mut monitor);

    // Imports into this database (with the watchlist) and into a copy made before it was
    // saved (without), alternating which goes first; each adds a listing of its own so each
    // changes something. After each import into the first, the watchlist is screened again as
    // a server's thread would, untimed: that runs after the import has answered.
    let parties = [
        "cetc",
        "cethik",
        "alibaba",
        "taobao-china",
        "ant-group",
        "gong-hongjia",
    ];
    let mut with = Vec::new();
    let mut without = Vec::new();
    let mut extra = String::new();
    for run in 0..runs {
        extra.push_str(&listing(
            parties[run % parties.len()],
            &format!("BENCH-RUN-{run}"),
        ));
        let release = release_with(root, "listings.csv", &extra);
        let order = if run % 2 == 0 {
            [true, false]
        } else {
            [false, true]
        };
        for present in order {
            let target = if present { &engine } else { &plain };
            // Each side's earlier writes are folded into its file first.
            target.write(|s| s.checkpoint()).unwrap();
            let seconds = import(target, release.path());
            if present {
                with.push(seconds);
                watchlist::rescreen(&engine, &mut monitor).unwrap();
            } else {
                without.push(seconds);
            }
        }
    }
    println!(
        "import as /import runs it, median of {runs}: with the watchlist {:.3} s, without {:.3} s ({:+.1}%)",
        median(with.clone()),
        median(without.clone()),
        (median(with) / median(without) - 1.0) * 100.0
    );
    let newest = ownergraph::screenings::list(&engine, 1, 0).expect("records").0;
    if let Some(record) = newest.first() {
        let started = Instant::now();
        let verified = ownergraph::screenings::verify(&engine, record.id).expect("verifies");
        println!(
            "verify of the last run's record ({} rows screened again): {:.2} s, {}",
            record.screening.screened,
            started.elapsed().as_secs_f64(),
            verified.text().lines().next().unwrap_or_default()
        );
    }
}
