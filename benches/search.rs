//! Name search on the bundled real data (Entity List 2019 case + OFAC SDN 2024-05-03: 15,005
//! entities, about 27,000 indexed names and aliases).
//!
//! `cargo bench --bench search`. Each query is ranked in full (`search::rank`: candidates from
//! the in-memory trigram index, similarity re-rank) and also as the search page runs it
//! (`search::search`: filters, facets, first page).
//!
//! Then the same ranking on the synthetic 1M-entity store (synthetic data, for scale only;
//! OWNERGRAPH_BENCH_ENTITIES changes its size): 300 names drawn at random from the store, each
//! asked as written, in lower case, with one letter changed and with its first word dropped;
//! it prints p50 / p99 / max per kind of query and how often the entity itself comes first.

mod common;

use criterion::{criterion_group, criterion_main, Criterion};
use ownergraph::engine::Engine;
use ownergraph::search::{self, Query};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::path::Path;
use std::time::{Duration, Instant};

fn bundled() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let engine =
        ownergraph::cli::build_from(&dir.path().join("bundled.db"), &data).expect("bundled data builds");
    (dir, engine)
}

const QUERIES: &[(&str, &str)] = &[
    ("exact", "hikvision"),
    (
        "exact_long",
        "Hangzhou Hikvision Digital Technology Company Limited",
    ),
    ("prefix", "Hangzhou Hikvision"),
    ("contains", "HIKVISION DIGITAL"),
    ("common_word", "bank"),
    ("fuzzy", "hikvison"),
    ("fuzzy_word_order", "nacional banco cuba"),
    ("cjk", "海康威视"),
    ("cjk_short", "海康"),
];

fn search_bench(c: &mut Criterion) {
    let (_dir, engine) = bundled();
    let index = engine.search_index().expect("search index builds");
    let mut group = c.benchmark_group("search_rank");
    for (label, text) in QUERIES {
        let hits = search::rank(&index, text).hits;
        eprintln!(
            "{label:>18} {text:?}: {} hits, first {:?}",
            hits.len(),
            hits.first().map(|h| &h.id)
        );
        group.bench_function(*label, |b| b.iter(|| search::rank(&index, text)));
    }
    group.finish();
    let mut group = c.benchmark_group("search_page");
    for (label, text) in QUERIES {
        let query = Query {
            text: text.to_string(),
            ..Query::default()
        };
        group.bench_function(*label, |b| b.iter(|| search::search(&index, &query, 1, 20)));
    }
    group.finish();
}

/// Makes a query from a name.
type Variant = fn(&str, &mut SmallRng) -> String;

/// `name` with the letter at a random position (not the first) replaced by another.
fn one_letter_changed(name: &str, rng: &mut SmallRng) -> String {
    let mut chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (1..chars.len())
        .filter(|&i| chars[i].is_ascii_alphabetic())
        .collect();
    if let Some(&i) = letters.get(rng.random_range(0..letters.len().max(1))) {
        chars[i] = if chars[i] == 'x' { 'q' } else { 'x' };
    }
    chars.into_iter().collect()
}

fn synthetic_search(c: &mut Criterion) {
    let entities = common::synthetic_entities();
    let engine = Engine::open(&common::synthetic_db(entities)).expect("synthetic db opens");
    let snapshot = engine.snapshot();
    // What a server pays once per change of names, before the first search after it.
    let started = Instant::now();
    let index = engine.search_index().expect("search index builds");
    eprintln!(
        "search index of {} names built in {:.2?}",
        index.len(),
        started.elapsed()
    );
    let mut rng = SmallRng::seed_from_u64(11);
    let picked: Vec<(String, String)> = (0..300)
        .map(|_| {
            let node = snapshot.node(rng.random_range(0..snapshot.node_count() as u32));
            (node.id.to_string(), node.name.to_string())
        })
        .collect();
    let kinds: [(&str, Variant); 4] = [
        ("as written", |n, _| n.to_string()),
        ("lower case", |n, _| n.to_lowercase()),
        ("one letter changed", one_letter_changed),
        ("first word dropped", |n, _| {
            n.split_once(' ').map_or(n, |(_, rest)| rest).to_string()
        }),
    ];
    let mut group = c.benchmark_group(format!("search-{entities}"));
    group.sample_size(20).measurement_time(Duration::from_secs(5));
    for (kind, make) in kinds {
        let queries: Vec<(String, String)> = picked
            .iter()
            .map(|(id, name)| (id.clone(), make(name, &mut rng)))
            .collect();
        let mut times = Vec::with_capacity(queries.len());
        let mut first = 0;
        for (id, text) in &queries {
            let started = Instant::now();
            let hits = search::rank(&index, text).hits;
            times.push(started.elapsed());
            first += usize::from(hits.first().is_some_and(|h| &h.id == id));
        }
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
        eprintln!(
            "{kind:>20}: p50 {:.2?}, p99 {:.2?}, max {:.2?}; the entity itself first for {first} of {} (others share its name or a closer one)",
            at(0.5),
            at(0.99),
            times[times.len() - 1],
            queries.len()
        );
        let mut i = 0;
        group.bench_function(kind, |b| {
            b.iter(|| {
                i = (i + 1) % queries.len();
                search::rank(&index, &queries[i].1)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = search_bench, synthetic_search
}
criterion_main!(benches);
