//! Name suggestions (`search::suggest`, what `/suggest` answers as a name is typed) on the
//! synthetic 1M-entity store (OWNERGRAPH_BENCH_ENTITIES changes its size).
//!
//! `cargo bench --bench suggest`. Builds the suggestion index once (timed, as the first
//! suggestion after a new snapshot pays it), then asks for 300 names drawn at random, each
//! typed as far as 2, 4 and 8 characters, whole, and from its second word on; prints p50 / p99
//! / max per kind and how often the entity is among the ten offered. Then 2,000 requests to
//! `/suggest` through the app in process, with its JSON rendering. Aim: p99 under 20 ms.

mod common;

use ownergraph::engine::Engine;
use ownergraph::search::suggest::{self, SuggestIndex};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::time::{Duration, Instant};

fn percentiles(mut times: Vec<Duration>) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    format!(
        "p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        at(0.5),
        at(0.99),
        times[times.len() - 1]
    )
}

fn main() {
    let entities = common::synthetic_entities();
    let engine = Engine::open(&common::synthetic_db(entities)).expect("synthetic db opens");
    let snapshot = engine.snapshot();
    let before = common::resident_bytes();
    let started = Instant::now();
    let index = engine
        .read(|store| SuggestIndex::build(store, &snapshot))
        .expect("index builds");
    let (names, starts) = index.len();
    println!(
        "suggest index at {entities} entities: {names} names, {starts} word starts, built in {:.2?}, {} MB on the heap ({} MB resident more, with SQLite's mapped pages the scan read)",
        started.elapsed(),
        index.heap_bytes() / 1_000_000,
        common::resident_bytes().saturating_sub(before) / 1_000_000
    );
    drop(index);
    // Built once more where the endpoint keeps it: with the snapshot.
    suggest::suggest(&engine, "warm", 10).expect("suggests");

    let mut rng = SmallRng::seed_from_u64(16);
    let picked: Vec<(String, String)> = (0..300)
        .map(|_| {
            let node = snapshot.node(rng.random_range(0..snapshot.node_count() as u32));
            (node.id.to_string(), node.name.to_string())
        })
        .collect();
    type Typed = fn(&str) -> String;
    let kinds: [(&str, Typed); 5] = [
        ("first 2 characters", |n| n.chars().take(2).collect()),
        ("first 4 characters", |n| n.chars().take(4).collect()),
        ("first 8 characters", |n| n.chars().take(8).collect()),
        ("whole name", |n| n.to_string()),
        ("from the second word", |n| {
            n.split_once(' ').map_or(n, |(_, rest)| rest).to_string()
        }),
    ];
    for (kind, typed) in kinds {
        let mut times = Vec::with_capacity(picked.len());
        // Each text asked five times, the fastest kept: on a shared machine a single run's
        // tail is mostly the scheduler (the p99 of single runs is printed too).
        let mut best = Vec::with_capacity(picked.len());
        let mut offered = 0;
        for (id, name) in &picked {
            let text = typed(name);
            let mut fastest = Duration::MAX;
            for run in 0..5 {
                let started = Instant::now();
                let found = suggest::suggest(&engine, &text, 10).expect("suggests");
                let took = started.elapsed();
                fastest = fastest.min(took);
                if run == 0 {
                    times.push(took);
                    offered += usize::from(found.iter().any(|s| &s.id == id));
                }
            }
            best.push(fastest);
        }
        println!(
            "{kind:>22}: single runs {}; best of five {}; the entity among the ten for {offered} of {}",
            percentiles(times),
            percentiles(best),
            picked.len()
        );
    }

    let runtime = actix_web::rt::System::new();
    runtime.block_on(async {
        use actix_web::test;
        let app = test::init_service(ownergraph::web::app(actix_web::web::Data::new(engine))).await;
        let mut times = Vec::with_capacity(2000);
        for i in 0..2000 {
            let name = &picked[i % picked.len()].1;
            let text: String = name.chars().take(3 + i % 6).collect();
            let uri = format!(
                "/suggest?q={}",
                &serde_urlencoded::to_string([("", text.as_str())]).unwrap()[1..]
            );
            let started = Instant::now();
            let resp = test::call_service(&app, test::TestRequest::get().uri(&uri).to_request()).await;
            let body = test::read_body(resp).await;
            times.push(started.elapsed());
            assert!(body.starts_with(b"{\"q\""), "{uri}");
        }
        println!(
            "/suggest in process, 2,000 requests typed 3 to 8 characters: {}",
            percentiles(times)
        );
    });
}
