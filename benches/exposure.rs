//! The exposure engine on the synthetic world (1M entities, ~3M relations by default;
//! synthetic data, for scale only): whole-graph propagation, and one entity's exposure with
//! its evidence read from the store.
//!
//! `cargo bench --bench exposure`. OWNERGRAPH_BENCH_ENTITIES changes the size. Besides
//! criterion's means it prints the p50 / p99 / max of single-entity reports over a sample.

use criterion::{criterion_group, criterion_main, Criterion};
use ownergraph::engine::Engine;
use ownergraph::exposure::{explain, whole_graph, Incremental, RegimeId, Regimes};
use ownergraph::model::Date;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

mod common;

fn exposure(c: &mut Criterion) {
    let entities = common::synthetic_entities();
    let engine = Engine::open(&common::synthetic_db(entities)).expect("synthetic db opens");
    let snapshot = engine.snapshot();
    let day: Date = "2025-10-15".parse().expect("literal date");
    let regimes = Regimes::bundled();

    let mut group = c.benchmark_group(format!("exposure-{entities}"));
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    for regime in [RegimeId::Ofac, RegimeId::Uk] {
        let judged = whole_graph(&snapshot, regimes.get(regime), day);
        eprintln!(
            "{regime}: {} listed, {} captured ({} blocked) of {} entities",
            judged.listed,
            judged.derived.len(),
            judged
                .derived
                .iter()
                .filter(|d| d.computed == ownergraph::exposure::Status::Blocked)
                .count(),
            snapshot.node_count()
        );
        group.bench_function(format!("whole graph propagation ({regime})"), |b| {
            b.iter(|| whole_graph(&snapshot, regimes.get(regime), day))
        });
    }

    // One new listing added to a whole-graph pass: 300 random parties (listed ones skipped),
    // each added to the pass left by the ones before, as a day of new designations would.
    for regime in [RegimeId::Ofac, RegimeId::Uk] {
        let mut pass = Incremental::new(&snapshot, regimes.get(regime), day);
        let mut rng = SmallRng::seed_from_u64(11);
        let mut times: Vec<(Duration, usize)> = (0..300)
            .map(|_| {
                let node = rng.random_range(0..snapshot.node_count() as u32);
                let started = Instant::now();
                let looked_at = pass.add_listing(node);
                (started.elapsed(), looked_at)
            })
            .collect();
        times.sort();
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        let (max, looked_at) = times[times.len() - 1];
        eprintln!(
            "{regime}: one new listing added to the whole-graph pass, 300 parties: p50 {:.2?}, p99 {:.2?}, max {max:.2?} ({looked_at} nodes looked at again)",
            at(0.50).0,
            at(0.99).0,
        );
    }

    // Half the sample among captured parties (long chains, evidence), half at random.
    let judged = whole_graph(&snapshot, regimes.get(RegimeId::Ofac), day);
    let mut rng = SmallRng::seed_from_u64(7);
    let mut sample: Vec<String> = Vec::new();
    for i in 0..2000 {
        let node = if i % 2 == 0 && !judged.derived.is_empty() {
            judged.derived[rng.random_range(0..judged.derived.len())].node
        } else {
            rng.random_range(0..snapshot.node_count() as u32)
        };
        sample.push(snapshot.node(node).id.to_string());
    }
    let mut times: Vec<Duration> = sample
        .iter()
        .map(|id| {
            let started = Instant::now();
            let report = explain(&engine, id, RegimeId::Ofac, day).expect("store reads");
            std::hint::black_box(report);
            started.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    eprintln!(
        "one entity's exposure with evidence over {} entities: p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        times.len(),
        at(0.50),
        at(0.99),
        times[times.len() - 1]
    );
    let mut next = 0;
    group.bench_function("one entity's exposure with evidence (ofac)", |b| {
        b.iter(|| {
            next = (next + 1) % sample.len();
            explain(&engine, &sample[next], RegimeId::Ofac, day).expect("store reads")
        })
    });
    group.finish();
}

criterion_group!(benches, exposure);
criterion_main!(benches);
