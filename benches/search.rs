//! Name search on the bundled real data (Entity List 2019 case + OFAC SDN 2024-05-03: 15,005
//! entities, about 27,000 indexed names and aliases).
//!
//! `cargo bench --bench search`. Each query is ranked in full (`search::rank`: candidates from
//! the FTS5 trigram index, similarity re-rank) and also as the search page runs it
//! (`search::search`: filters, facets, first page).

use criterion::{criterion_group, criterion_main, Criterion};
use ownergraph::engine::Engine;
use ownergraph::search::{self, Query};
use std::path::Path;

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
    let mut group = c.benchmark_group("search_rank");
    for (label, text) in QUERIES {
        let hits = engine.read(|store| search::rank(store, text)).unwrap().hits;
        eprintln!(
            "{label:>18} {text:?}: {} hits, first {:?}",
            hits.len(),
            hits.first().map(|h| &h.id)
        );
        group.bench_function(*label, |b| {
            b.iter(|| engine.read(|store| search::rank(store, text)).unwrap())
        });
    }
    group.finish();
    let mut group = c.benchmark_group("search_page");
    for (label, text) in QUERIES {
        let query = Query {
            text: text.to_string(),
            ..Query::default()
        };
        group.bench_function(*label, |b| {
            b.iter(|| engine.read(|store| search::search(store, &query, 1, 20)).unwrap())
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = search_bench
}
criterion_main!(benches);
