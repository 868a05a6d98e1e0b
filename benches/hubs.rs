//! Pages and queries on the hub-shaped synthetic world (`generate --shape hubs`, seed 42,
//! 1M entities by default; synthetic data, for scale only): the pages of the largest hubs,
//! graph pages and paths next to them, exposure with a listed state holding company, search
//! for hub names, and depth-3 counts from random starts and from next to the 100 largest hubs.
//! The whole app is called in process through `actix_web::test` (routing, reading, rendering;
//! no sockets). A bench binary, not criterion: it prints p50 / p99 / max and page sizes.
//!
//! `cargo bench --bench hubs`. OWNERGRAPH_BENCH_ENTITIES changes the size; the store is cached
//! as target/bench-data/synthetic-hubs2-N.db (OWNERGRAPH_HUBS_DB names another one).

use actix_web::{test, web};
use ownergraph::engine::Engine;
use ownergraph::exposure::{explain, whole_graph, RegimeId, Regimes};
use ownergraph::generate::{Shape, STATE_HOLDING};
use ownergraph::graph::{Direction, Snapshot};
use ownergraph::model::{Date, KindSet, RelationKind};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod common;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn summary(label: &str, mut times: Vec<Duration>, bytes: &[usize]) {
    times.sort();
    let max_bytes = bytes.iter().max().copied().unwrap_or(0);
    println!(
        "{label}: n {}, p50 {:.2?}, p99 {:.2?}, max {:.2?}{}",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times[times.len() - 1],
        if max_bytes > 0 {
            format!(", largest body {} bytes", max_bytes)
        } else {
            String::new()
        }
    );
}

fn store_path(entities: usize) -> PathBuf {
    if let Some(path) = std::env::var_os("OWNERGRAPH_HUBS_DB") {
        return PathBuf::from(path);
    }
    std::env::set_var("OWNERGRAPH_BENCH_SHAPE", Shape::Hubs.as_str());
    common::synthetic_db(entities)
}

/// The nodes with the most links, most first.
fn largest_hubs(snapshot: &Snapshot, n: usize) -> Vec<u32> {
    let mut nodes: Vec<u32> = (0..snapshot.node_count() as u32).collect();
    nodes.select_nth_unstable_by_key(n, |&v| std::cmp::Reverse(snapshot.links(v)));
    nodes.truncate(n);
    nodes.sort_by_key(|&v| std::cmp::Reverse(snapshot.links(v)));
    nodes
}

#[actix_web::main]
async fn main() {
    let entities = common::synthetic_entities();
    let path = store_path(entities);
    let engine = web::Data::new(Engine::open(&path).expect("hub store opens"));
    let snapshot = engine.snapshot();
    let app = test::init_service(ownergraph::web::app(engine.clone())).await;
    let mut rng = SmallRng::seed_from_u64(17);
    let hubs = largest_hubs(&snapshot, 100);
    let id = |n: u32| snapshot.node(n).id.to_string();
    println!(
        "store {}: {} entities, {} relations; largest hubs: {}",
        path.display(),
        snapshot.node_count(),
        snapshot.edge_count(),
        hubs.iter()
            .take(3)
            .map(|&h| format!("{} ({} links)", id(h), snapshot.links(h)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let get = |uri: String, json: bool| {
        let app = &app;
        async move {
            let mut req = test::TestRequest::get().uri(&uri);
            if json {
                req = req.insert_header(("Accept", "application/json"));
            }
            let started = Instant::now();
            let resp = test::call_service(app, req.to_request()).await;
            let status = resp.status().as_u16();
            let body = test::read_body(resp).await;
            let took = started.elapsed();
            assert_eq!(status, 200, "{uri}: {}", String::from_utf8_lossy(&body));
            (took, body.len())
        }
    };
    let run = |label: String, uris: Vec<String>, json: bool| {
        let get = &get;
        async move {
            let mut times = Vec::new();
            let mut bytes = Vec::new();
            for uri in uris {
                let (t, b) = get(uri, json).await;
                times.push(t);
                bytes.push(b);
            }
            summary(&label, times, &bytes);
        }
    };

    // Entity pages of the largest hubs: first page, a deep page, a filtered page.
    for json in [false, true] {
        let kind = if json { "JSON" } else { "HTML" };
        let biggest: Vec<String> = (0..20).map(|_| format!("/entities/{}", id(hubs[0]))).collect();
        run(format!("entity page of the largest hub ({kind})"), biggest, json).await;
        let top: Vec<String> = hubs.iter().map(|&h| format!("/entities/{}", id(h))).collect();
        run(
            format!("entity pages of the 100 largest hubs ({kind})"),
            top,
            json,
        )
        .await;
    }
    // The largest hub as it stood on a past day: its relations are judged by their own dates
    // (the generated release is a partial import, which dates nothing), and the timeline runs.
    for day in ["2015-06-30", "2024-06-30"] {
        for json in [false, true] {
            let kind = if json { "JSON" } else { "HTML" };
            let past: Vec<String> = (0..20)
                .map(|_| format!("/entities/{}?as_of={day}", id(hubs[0])))
                .collect();
            run(
                format!("entity page of the largest hub as of {day} ({kind})"),
                past,
                json,
            )
            .await;
        }
    }
    let group = format!(
        "{}-out",
        if snapshot
            .outgoing(hubs[0])
            .iter()
            .any(|a| a.kind == RelationKind::DirectorOf)
        {
            "director_of"
        } else {
            "owns"
        }
    );
    let deep: Vec<String> = (0..20)
        .map(|i| format!("/entities/{}?group={group}&page={}", id(hubs[0]), 100 + i * 40))
        .collect();
    run(
        "entity page of the largest hub, pages 100-860 of a group".into(),
        deep,
        false,
    )
    .await;
    let filtered: Vec<String> = ["gold", "dragon trading", "zz", "a"]
        .iter()
        .map(|q| {
            format!(
                "/entities/{}?group={group}&q={}",
                id(hubs[0]),
                q.replace(' ', "+")
            )
        })
        .collect();
    run(
        "entity page of the largest hub, filtered by name".into(),
        filtered,
        false,
    )
    .await;
    let state = [
        format!("/entities/{STATE_HOLDING}"),
        format!("/entities/{STATE_HOLDING}.json"),
    ];
    run(
        "entity page of the state holding company".into(),
        state.to_vec(),
        false,
    )
    .await;

    // Graph pages: from the largest hub and from entities next to the 100 largest hubs.
    let next_to_hubs: Vec<u32> = hubs
        .iter()
        .map(|&h| {
            let side = snapshot.outgoing(h);
            let side = if side.is_empty() {
                snapshot.incoming(h)
            } else {
                side
            };
            side[rng.random_range(0..side.len())].node
        })
        .collect();
    for depth in 1..=3 {
        let from_hub: Vec<String> = (0..5)
            .map(|_| format!("/entities/{}/graph?depth={depth}", id(hubs[0])))
            .collect();
        run(
            format!("graph page, depth {depth}, from the largest hub"),
            from_hub,
            false,
        )
        .await;
        let near: Vec<String> = next_to_hubs
            .iter()
            .map(|&n| format!("/entities/{}/graph?depth={depth}", id(n)))
            .collect();
        run(
            format!("graph page, depth {depth}, next to the 100 largest hubs"),
            near,
            false,
        )
        .await;
        let random: Vec<String> = (0..100)
            .map(|_| {
                format!(
                    "/entities/{}/graph?depth={depth}",
                    id(rng.random_range(0..snapshot.node_count() as u32))
                )
            })
            .collect();
        run(format!("graph page, depth {depth}, random starts"), random, false).await;
    }

    // Paths between entities next to hubs (hubs avoided by default, then through them).
    for hubs_param in ["avoid", "through"] {
        let pairs: Vec<String> = next_to_hubs
            .chunks(2)
            .filter(|p| p.len() == 2)
            .map(|p| format!("/paths?from={}&to={}&hubs={hubs_param}", id(p[0]), id(p[1])))
            .collect();
        run(
            format!("paths page next to hubs (hubs={hubs_param})"),
            pairs,
            false,
        )
        .await;
        let random: Vec<String> = (0..50)
            .map(|_| {
                let (a, b) = (
                    rng.random_range(0..snapshot.node_count() as u32),
                    rng.random_range(0..snapshot.node_count() as u32),
                );
                format!("/paths?from={}&to={}&hubs={hubs_param}", id(a), id(b))
            })
            .collect();
        run(
            format!("paths page, random pairs (hubs={hubs_param})"),
            random,
            false,
        )
        .await;
    }

    // Exposure: the state holding company is on the SDN list and owns its companies.
    let day: Date = "2025-10-15".parse().expect("literal date");
    let regimes = Regimes::bundled();
    for regime in [RegimeId::Ofac, RegimeId::Uk] {
        let mut times = Vec::new();
        let mut captured = 0;
        for _ in 0..5 {
            let started = Instant::now();
            let judged = whole_graph(&snapshot, regimes.get(regime), day);
            times.push(started.elapsed());
            captured = judged.derived.len();
        }
        summary(
            &format!("whole-graph exposure pass ({regime}; {captured} captured)"),
            times,
            &[],
        );
    }
    let holding = snapshot
        .find(STATE_HOLDING)
        .expect("the hub shape has a state holding company");
    let owned: Vec<u32> = snapshot.outgoing(holding).iter().map(|a| a.node).collect();
    let mut reports = vec![STATE_HOLDING.to_string()];
    reports.extend((0..200).map(|_| id(owned[rng.random_range(0..owned.len())])));
    let mut times = Vec::new();
    for entity in &reports {
        let started = Instant::now();
        std::hint::black_box(explain(&engine, entity, RegimeId::Ofac, day).expect("store reads"));
        times.push(started.elapsed());
    }
    summary(
        "one entity's exposure report: the state holding and 200 of its companies (OFAC)",
        times,
        &[],
    );
    let hub_reports: Vec<String> = hubs.iter().map(|&h| id(h)).collect();
    let mut times = Vec::new();
    for entity in &hub_reports {
        let started = Instant::now();
        std::hint::black_box(explain(&engine, entity, RegimeId::Ofac, day).expect("store reads"));
        times.push(started.elapsed());
    }
    summary(
        "one entity's exposure report: the 100 largest hubs (OFAC)",
        times,
        &[],
    );
    let pages: Vec<String> = reports
        .iter()
        .take(50)
        .map(|e| format!("/entities/{e}/exposure?regime=ofac"))
        .collect();
    run(
        "exposure page: the state holding and 49 of its companies".into(),
        pages,
        false,
    )
    .await;

    // Search and screening for hub names.
    let names: Vec<String> = hubs
        .iter()
        .take(50)
        .map(|&h| snapshot.node(h).name.to_string())
        .collect();
    let search: Vec<String> = names
        .iter()
        .map(|n| format!("/search?q={}", n.replace(' ', "+").replace('&', "%26")))
        .collect();
    run(
        "search for the names of the 50 largest hubs".into(),
        search,
        false,
    )
    .await;
    // The first /match after a start builds the name index: timed apart.
    let (built, _) = get("/match?name=warm+up".to_string(), false).await;
    println!("/match, first request (builds the name index): {built:.2?}");
    let screen: Vec<String> = names
        .iter()
        .map(|n| format!("/match?name={}", n.replace(' ', "+").replace('&', "%26")))
        .collect();
    run(
        "/match for the names of the 50 largest hubs".into(),
        screen,
        false,
    )
    .await;

    // Traversals: depth-3 counts and shortest paths, random starts and next to hubs.
    for (label, starts) in [
        (
            "random starts",
            (0..200)
                .map(|_| rng.random_range(0..snapshot.node_count() as u32))
                .collect::<Vec<_>>(),
        ),
        ("next to the 100 largest hubs", next_to_hubs.clone()),
    ] {
        let mut times = Vec::new();
        let mut reached = Vec::new();
        for &s in &starts {
            let started = Instant::now();
            reached.push(snapshot.reach_count(s, 3, KindSet::ALL, Direction::Both));
            times.push(started.elapsed());
        }
        reached.sort_unstable();
        let mean = reached.iter().sum::<usize>() as f64 / reached.len() as f64;
        summary(
            &format!(
                "depth-3 count, {label} (mean {mean:.0}, median {} reached)",
                reached[reached.len() / 2]
            ),
            times,
            &[],
        );
        let mut times = Vec::new();
        for pair in starts.chunks(2).filter(|p| p.len() == 2) {
            let started = Instant::now();
            std::hint::black_box(snapshot.shortest_path(pair[0], pair[1], KindSet::ALL, false, 8));
            times.push(started.elapsed());
        }
        summary(
            &format!("shortest path, undirected, <= 8 hops, {label}"),
            times,
            &[],
        );
    }
}
