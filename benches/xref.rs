//! Cross-referencing and clusters (issue 13), measured:
//!
//! 1. xref of the bundled default data, every list against every other (read only: the pairs
//!    are computed, nothing is recorded), best of three;
//! 2. a 20,000-record list against the 1M-entity synthetic store: the bundled lists' records
//!    (OFAC SDN, the UN list, the 2019 case and the 2026 Entity List: real names) scored against
//!    every synthetic record (synthetic names, generated; `benches/common`), one run;
//! 3. the snapshot load with clusters against without: the bundled database as built (its
//!    automatic merges) and the same without judgements, best of five; then the synthetic store
//!    without and with 20,000 judgements joining random pairs of its records (synthetic
//!    clusters: the load's work per cluster is what is measured, not their truth).
//!
//! `cargo bench --bench xref`; OWNERGRAPH_BENCH_ENTITIES sets the synthetic store's size,
//! OWNERGRAPH_XREF_BENCH_BUNDLED_ONLY stops after the bundled data.

mod common;

use ownergraph::graph::Snapshot;
use ownergraph::resolve::{xref, Judgement, Record, Scope, DEFAULT_MIN_SCORE};
use ownergraph::store::{JudgementRow, Store};
use std::path::Path;
use std::time::{Duration, Instant};

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let value = f();
        best = best.min(started.elapsed());
        last = Some(value);
    }
    (best, last.expect("at least one run"))
}

/// Best load times of `with` and `without`, loaded in turn `runs` times each (so a busy spell of
/// the machine falls on both), and the last snapshot of `with`.
fn interleaved(runs: usize, with: &Store, without: &Store) -> (Duration, Duration, Snapshot) {
    let (mut best_with, mut best_without, mut last) = (Duration::MAX, Duration::MAX, None);
    for _ in 0..runs {
        let (took, snapshot) = best_of(1, || Snapshot::load(with).expect("snapshot loads"));
        best_with = best_with.min(took);
        last = Some(snapshot);
        let (took, _) = best_of(1, || Snapshot::load(without).expect("snapshot loads"));
        best_without = best_without.min(took);
    }
    (best_with, best_without, last.expect("at least one run"))
}

fn records_of(store: &Store, dataset: Option<&str>) -> Vec<Record> {
    let mut records = Vec::new();
    store
        .scan_records(dataset, |e| records.push(Record::from_entity(&e)))
        .expect("records scan");
    records
}

fn copy_db(from: &Path, to: &Path) {
    common::remove_db(to);
    // One file: the store checkpoints its WAL when it closes.
    std::fs::copy(from, to).expect("copy database");
}

fn main() {
    let dir = common::bench_dir();

    // The bundled default database, as `serve` builds it (xref and its merges included).
    let bundled = dir.join("bundled-xref.db");
    if !bundled.exists() {
        let partial = dir.join("bundled-xref.partial");
        common::remove_db(&partial);
        let started = Instant::now();
        drop(ownergraph::cli::build_from(&partial, &common::data_dir()).expect("bundled builds"));
        std::fs::rename(&partial, &bundled).expect("rename bundled db");
        eprintln!("bundled database built (with xref) in {:.2?}", started.elapsed());
    }
    let store = Store::open(&bundled).expect("bundled opens");
    let (took, (records, pairs)) = best_of(3, || {
        ownergraph::resolve::xref_store(&store, Scope::default(), DEFAULT_MIN_SCORE).expect("xref")
    });
    let auto = pairs
        .iter()
        .filter(|p| p.decision == ownergraph::resolve::Decision::Auto)
        .count();
    println!(
        "xref bundled (all lists against each other): {records} records, {} pairs (min score {DEFAULT_MIN_SCORE}), {auto} decisive: {:.2} s (best of 3)",
        pairs.len(),
        took.as_secs_f64()
    );

    // Snapshot load, bundled: with its clusters and without.
    let plain = dir.join("bundled-xref-unjudged.db");
    copy_db(&bundled, &plain);
    ownergraph::store::raw_execute(&plain, "DELETE FROM judgements").expect("judgements cleared");
    let (judged_store, plain_store) = (
        Store::open(&bundled).expect("opens"),
        Store::open(&plain).expect("opens"),
    );
    let (with, without, snapshot) = interleaved(5, &judged_store, &plain_store);
    let clusters = snapshot.cluster_count();
    drop((judged_store, plain_store));
    println!(
        "snapshot load, bundled: {:.1} ms with {clusters} clusters, {:.1} ms without: {:+.1}% (best of 5 each, in turn)",
        with.as_secs_f64() * 1e3,
        without.as_secs_f64() * 1e3,
        (with.as_secs_f64() / without.as_secs_f64() - 1.0) * 100.0
    );
    common::remove_db(&plain);
    if std::env::var_os("OWNERGRAPH_XREF_BENCH_BUNDLED_ONLY").is_some() {
        return;
    }

    // A 20,000-record list against the 1M synthetic store.
    let entities = common::synthetic_entities();
    let synthetic = common::synthetic_db(entities);
    let synthetic_store = Store::open(&synthetic).expect("synthetic opens");
    let started = Instant::now();
    let mut all = records_of(&synthetic_store, None);
    let synthetic_dataset = all.first().map(|r| r.dataset.clone()).unwrap_or_default();
    let mut list = records_of(&store, None);
    // The bundled lists as one list: the 20,000 records a team would check against a register.
    for r in &mut list {
        r.dataset = "lists".into();
    }
    let list_len = list.len();
    all.append(&mut list);
    let read = started.elapsed();
    let started = Instant::now();
    let scope = Scope {
        dataset: Some("lists"),
        against: Some(&synthetic_dataset),
    };
    let found = xref::xref(&all, scope, DEFAULT_MIN_SCORE);
    let took = started.elapsed();
    println!(
        "xref {list_len} list records against {} synthetic records: {} pairs; records read in {:.1} s, xref {:.1} s, total {:.1} s",
        all.len() - list_len,
        found.len(),
        read.as_secs_f64(),
        took.as_secs_f64(),
        (read + took).as_secs_f64()
    );
    drop(all);

    // Snapshot load at scale: without judgements, then with 20,000 joining random record pairs.
    drop(synthetic_store);
    let judged = dir.join(format!("synthetic-judged-{entities}.db"));
    copy_db(&synthetic, &judged);
    let mut store = Store::open(&judged).expect("copy opens");
    // A deterministic spread of pairs (a 64-bit LCG): ids syn-0 .. syn-(entities-1).
    let mut state: u64 = 42;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize % entities
    };
    let rows: Vec<JudgementRow> = (0..20_000)
        .filter_map(|_| {
            let (a, b) = (format!("syn-{}", next()), format!("syn-{}", next()));
            let (l, r) = if a < b { (a, b) } else { (b, a) };
            (l != r).then(|| JudgementRow {
                left_id: l,
                right_id: r,
                judgement: Judgement::Positive,
                note: Some("bench: synthetic cluster".into()),
                author: "bench".into(),
                at: String::new(),
                automatic: true,
                reverted_at: None,
                reverted_by: None,
            })
        })
        .collect();
    store.add_judgements(&rows, "bench").expect("judgements added");
    let plain_store = Store::open(&synthetic).expect("synthetic opens");
    let (with, without, snapshot) = interleaved(3, &store, &plain_store);
    drop(plain_store);
    println!(
        "snapshot load, {entities} synthetic entities: {:.2} s with {} clusters ({} judgements), {:.2} s without: {:+.1}% (best of 3 each, in turn)",
        with.as_secs_f64(),
        snapshot.cluster_count(),
        rows.len(),
        without.as_secs_f64(),
        (with.as_secs_f64() / without.as_secs_f64() - 1.0) * 100.0
    );
    drop(store);
    common::remove_db(&judged);
}
