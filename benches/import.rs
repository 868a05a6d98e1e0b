//! Import speed on the real lists (a bench binary, not criterion: each import runs a few times
//! and the median is reported). Each run reads the file and applies it into a new, empty
//! database in one transaction, as `ownergraph import` does; then the bundled default database
//! is built as `serve` builds it on first start.
//!
//! "Records" are the source's own records: rows of a CSV (all files of the set), entries of an
//! XML list, lines of FtM. The aim is ≥ 50,000 records/s read-and-apply.
//!
//! Each run starts from an empty database made beforehand and ends when the import's
//! transaction has committed. The apply alone (its transaction, from the batch read to the
//! commit) is also given: at 50,000 records/s a list's whole budget is its records / 50,000 s,
//! and this column says how much of it the database's writes take with no reading at all.
//!
//! `cargo bench --bench import` (`OWNERGRAPH_BENCH_RUNS`, default 5; `OWNERGRAPH_BENCH_ONLY`,
//! a format name such as `un-xml`, runs that format's imports alone, for profiling; `bundled`
//! the bundled build alone).

mod common;

use ownergraph::import::{self, Format};
use ownergraph::store::{ApplyMode, Store};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn shared(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(path)
}

/// Counts the source's records independently of the importers: data rows of CSV files,
/// occurrences of the record element in XML, non-empty lines of JSON lines.
fn source_records(format: Format, path: &Path) -> usize {
    let text = |p: &Path| std::fs::read_to_string(p).expect("bench input reads");
    let rows = |p: &Path, header: bool| {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(header)
            .flexible(true)
            .from_path(p)
            .expect("csv opens");
        reader.records().count()
    };
    match format {
        Format::Csv => ["entities.csv", "relations.csv", "listings.csv"]
            .iter()
            .map(|f| rows(&path.join(f), true))
            .sum(),
        // OFAC ends sdn.csv with a lone end-of-file byte (0x1A), which is no record.
        Format::OfacSdn => rows(path, false) - usize::from(text(path).ends_with('\u{1a}')),
        Format::OfacCsv => ["sdn.csv", "add.csv", "alt.csv"]
            .iter()
            .map(|f| rows(&path.join(f), false))
            .sum(),
        Format::Ftm => text(path).lines().filter(|l| !l.trim().is_empty()).count(),
        Format::OfacXml => text(path).matches("<sdnEntry>").count(),
        Format::UnXml => {
            let xml = text(path);
            xml.matches("<INDIVIDUAL>").count() + xml.matches("<ENTITY>").count()
        }
        Format::CaSemaXml => text(path).matches("<record>").count(),
        other => unreachable!("no record count for {}", other.as_str()),
    }
}

/// The bytes of the files [`source_records`] counts records in: records of different formats
/// differ in size by more than ten times (an SDN row about 260 bytes, a UN entry about 2.5 KB),
/// so the bench gives the rate in bytes beside the rate in records.
fn source_bytes(format: Format, path: &Path) -> u64 {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    match format {
        Format::Csv => ["entities.csv", "relations.csv", "listings.csv"]
            .iter()
            .map(|f| size(&path.join(f)))
            .sum(),
        Format::OfacCsv => ["sdn.csv", "add.csv", "alt.csv"]
            .iter()
            .map(|f| size(&path.join(f)))
            .sum(),
        _ => size(path),
    }
}

/// The shared OFAC CSV set without its one damaged `sdn.csv` row (an ent_num used twice,
/// which the importer refuses; see tests/import_ofac_csv.rs): the first row of each ent_num.
fn ofac_csv_set(into: &Path) -> PathBuf {
    let source = shared("ofac-csv-2022-01");
    let dir = into.join("ofac-csv");
    std::fs::create_dir_all(&dir).expect("bench dir");
    for name in ["add.csv", "alt.csv"] {
        std::fs::copy(source.join(name), dir.join(name)).expect("copy");
    }
    let text = std::fs::read_to_string(source.join("sdn.csv")).expect("sdn.csv");
    let mut seen = std::collections::HashSet::new();
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| seen.insert(line.split(',').next().unwrap_or_default().to_string()))
        .collect();
    std::fs::write(dir.join("sdn.csv"), kept.join("\n") + "\n").expect("write");
    dir
}

/// The changes of the second SDN release read and rendered: the report (query and grouping),
/// its text, CSV and JSON, and the `/changes` page and its CSV and feed over HTTP in-process.
fn changes_of_release(db: &Path, runs: usize) {
    use actix_web::test;
    let engine = std::sync::Arc::new(ownergraph::engine::Engine::open(db).expect("bench db opens"));
    let day = |d: &str| d.parse::<ownergraph::model::Date>().expect("bench date");
    let query =
        ownergraph::releases::ChangeQuery::new(day("2024-03-28"), Some(day("2024-05-03")), None, None)
            .expect("bench range");
    let mut times = Vec::with_capacity(runs);
    let mut pages = Vec::with_capacity(runs);
    let mut total = 0;
    let mut bytes = 0;
    actix_web::rt::System::new().block_on(async {
        let app = test::init_service(ownergraph::web::app(actix_web::web::Data::from(engine.clone()))).await;
        for _ in 0..runs {
            let started = Instant::now();
            let report = engine
                .read(|store| ownergraph::releases::report(store, &query))
                .expect("report");
            let mut out = Vec::new();
            ownergraph::releases::write_text(&report, &mut out).expect("text");
            ownergraph::releases::write_csv(&report, &mut out).expect("csv");
            out.extend(serde_json::to_vec(&report).expect("json"));
            times.push(started.elapsed());
            total = report.total;
            bytes = out.len();

            let started = Instant::now();
            for uri in [
                "/changes?since=2024-03-28&until=2024-05-03",
                "/changes.csv?since=2024-03-28&until=2024-05-03",
                "/changes.atom?since=2024-03-28&until=2024-05-03",
            ] {
                let resp = test::call_service(&app, test::TestRequest::get().uri(uri).to_request()).await;
                assert!(resp.status().is_success(), "{uri}");
                bytes += test::read_body(resp).await.len();
            }
            pages.push(started.elapsed());
        }
    });
    println!(
        "changes of the 2024-05-03 SDN release ({total} changes): report queried and written as text, CSV and JSON median {:.2?}; \
         /changes page, CSV and Atom feed rendered in-process median {:.2?} (aim ≤ 2 s each; {bytes} bytes in the last run)",
        median(times),
        median(pages)
    );
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let runs: usize = std::env::var("OWNERGRAPH_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("OWNERGRAPH_BENCH_ONLY").ok();
    let dir = tempfile::tempdir().expect("temp dir");

    // An FtM file of the bundled data, written by our exporter (real records, FtM's layout).
    let bundled_ftm = dir.path().join("bundled.ftm.json");
    if only.as_deref().is_none_or(|f| f == Format::Ftm.as_str()) {
        let db = dir.path().join("for-ftm.db");
        let engine = ownergraph::cli::build_from(&db, &common::data_dir()).expect("bundled builds");
        let extract = ownergraph::export::extract(&engine, None).expect("extract");
        ownergraph::export::write_to_path(&extract, ownergraph::export::Format::Ftm, &bundled_ftm)
            .expect("ftm export");
    }

    let sources: Vec<(&str, Format, PathBuf)> = vec![
        (
            "OFAC SDN 2024-05-03 (sdn.csv)",
            Format::OfacSdn,
            common::data_dir().join("ofac-sdn-2024-05-03/sdn.csv"),
        ),
        (
            "Entity List 2026-07 (CSV)",
            Format::Csv,
            common::data_dir().join("entity-list-2026-07-09"),
        ),
        (
            "Entity List 2019 case (CSV)",
            Format::Csv,
            common::data_dir().join("entity-list-2019"),
        ),
        ("bundled data as FtM", Format::Ftm, bundled_ftm.clone()),
        (
            "UN Security Council list 2025-04-19",
            Format::UnXml,
            common::data_dir().join("un-sc-2025-04-19/consolidated.xml"),
        ),
        (
            "OFAC consolidated (non-SDN) XML 2025-03-28",
            Format::OfacXml,
            shared("ofac-consolidated-2025-03-28/consolidated.xml"),
        ),
        (
            "Canada SEMA list 2025",
            Format::CaSemaXml,
            shared("ca-sema-2025/sema.xml"),
        ),
        (
            "OFAC legacy CSV set 2022-01 (sdn + add + alt; the mirror's one damaged row left out)",
            Format::OfacCsv,
            ofac_csv_set(dir.path()),
        ),
    ];
    // A shared machine's neighbours slow some runs: the fastest run says what the code does
    // when it has its cores, the median what a user may see.
    println!("| source | format | records | entities, relations, listings | read + apply, median of {runs} (of which read) | apply alone: median, fastest | records/s | fastest run, records/s | MB/s |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for (label, format, path) in &sources {
        if only.as_deref().is_some_and(|f| f != format.as_str()) {
            continue;
        }
        if !path.exists() {
            println!(
                "| {label} | {} | missing: {} | | | | | | |",
                format.as_str(),
                path.display()
            );
            continue;
        }
        if let Err(e) = import::read(*format, path, None) {
            println!("| {label} | {} | refused: {e} | | | | | | |", format.as_str());
            continue;
        }
        let records = source_records(*format, path);
        let bytes = source_bytes(*format, path);
        let mut times = Vec::with_capacity(runs);
        let mut read_times = Vec::with_capacity(runs);
        let mut apply_times = Vec::with_capacity(runs);
        let mut counts = (0, 0, 0);
        for run in 0..runs {
            // The empty database is made first: creating a file and its schema is not the import.
            let db = dir.path().join(format!("import-{run}.db"));
            let mut store = Store::open(&db).expect("empty db");
            let started = Instant::now();
            let prepared = import::read(*format, path, None).expect("bench input reads");
            let read = started.elapsed();
            read_times.push(read);
            store
                .apply_with(
                    &prepared.batch,
                    &prepared.record,
                    ApplyMode {
                        release: prepared.published,
                        dry_run: false,
                    },
                )
                .expect("bench input applies");
            let took = started.elapsed();
            times.push(took);
            apply_times.push(took - read);
            drop(store);
            counts = (
                prepared.batch.entities.len(),
                prepared.batch.relations.len(),
                prepared.batch.listings.len(),
            );
            common::remove_db(&db);
        }
        let fastest = *times.iter().min().expect("a run");
        let fastest_apply = *apply_times.iter().min().expect("a run");
        let took = median(times);
        println!(
            "| {label} | {} | {records} | {}, {}, {} | {took:.2?} (read {:.2?}) | {:.2?}, {fastest_apply:.2?} | {:.0} | {fastest:.2?}, {:.0} | {:.1} |",
            format.as_str(),
            counts.0,
            counts.1,
            counts.2,
            median(read_times),
            median(apply_times),
            records as f64 / took.as_secs_f64(),
            records as f64 / fastest.as_secs_f64(),
            bytes as f64 / 1e6 / took.as_secs_f64()
        );
    }

    // A second release over the first: what a weekly import does. Only the second import (read
    // and apply) is timed; it is the one that ends, renames and adds against what the database
    // holds. Runs alternate between recording what it changes (as always) and not, so the cost
    // of recording is measured under the same load.
    if only.as_deref().is_none_or(|f| f == Format::OfacSdn.as_str()) {
        let first = shared("ofac-sdn-2024-03-27/sdn.csv");
        let second = common::data_dir().join("ofac-sdn-2024-05-03/sdn.csv");
        let day = |d: &str| d.parse::<ownergraph::model::Date>().expect("bench date");
        let release = |d| ApplyMode {
            release: Some(day(d)),
            dry_run: false,
        };
        let mut recorded = Vec::with_capacity(runs);
        let mut unrecorded = Vec::with_capacity(runs);
        let mut report = None;
        for run in 0..2 * runs {
            let record = run % 2 == 0;
            let db = dir.path().join(format!("second-release-{run}.db"));
            let mut store = Store::open(&db).expect("empty db");
            store.record_changes(record);
            let base = import::read(Format::OfacSdn, &first, None).expect("first release reads");
            store
                .apply_with(&base.batch, &base.record, release("2024-03-27"))
                .expect("first release applies");
            let started = Instant::now();
            let next = import::read(Format::OfacSdn, &second, None).expect("second release reads");
            report = Some(
                store
                    .apply_with(&next.batch, &next.record, release("2024-05-03"))
                    .expect("second release applies"),
            );
            if record {
                recorded.push(started.elapsed());
            } else {
                unrecorded.push(started.elapsed());
            }
            drop(store);
            if run == 2 * runs - 2 {
                changes_of_release(&db, runs);
            }
            common::remove_db(&db);
        }
        let report = report.expect("at least one run");
        let (with, without) = (median(recorded.clone()), median(unrecorded.clone()));
        println!(
            "\nOFAC SDN 2024-05-03 imported over 2024-03-27 (read + apply of the second release; added {}, changed {}, ended {}): \
             recording its changes median {with:.2?} (fastest {:.2?}), not recording median {without:.2?} (fastest {:.2?}), \
             {:+.1}% (aim ≤ +10%), {runs} runs each, alternated",
            report.added(),
            report.changed(),
            report.ended(),
            recorded.iter().min().expect("a run"),
            unrecorded.iter().min().expect("a run"),
            (with.as_secs_f64() / without.as_secs_f64() - 1.0) * 100.0
        );
    }

    if only.as_deref().is_some_and(|f| f != "bundled") {
        return;
    }
    // The bundled default database, as `serve` builds it on a fresh start (graph load included).
    let mut times = Vec::with_capacity(runs);
    for run in 0..runs {
        let db = dir.path().join(format!("bundled-{run}.db"));
        let started = Instant::now();
        let engine = ownergraph::cli::build_from(&db, &common::data_dir()).expect("bundled builds");
        times.push(started.elapsed());
        drop(engine);
        common::remove_db(&db);
    }
    println!(
        "\nbundled default database (every dataset in data/, then the graph): median {:.2?} of {runs}",
        median(times)
    );
}
