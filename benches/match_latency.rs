//! `/match` latency on the bundled data, the whole app called in process through
//! `actix_web::test` (routing, parsing, matching, rendering; no sockets): p50, p90, p99 and
//! max over a few thousand requests for varied real names (SDN aliases and their variants,
//! names on no list), HTML and JSON alternating. A bench binary, not criterion.
//!
//! `cargo bench --bench match_latency`

use actix_web::{test, web};
use ownergraph::screen::evaluation::{negative_cases, sdn_cases};
use std::path::Path;
use std::time::{Duration, Instant};

const REQUESTS: usize = 3_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[actix_web::main]
async fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temporary directory");
    let engine = ownergraph::cli::build_from(&dir.path().join("bundled.db"), &root.join("data"))
        .expect("bundled data builds");
    let negatives = std::fs::read_to_string(root.join("tests/fixtures/not_listed.txt")).expect("negatives");
    let mut names: Vec<String> = sdn_cases(&engine, Some(600), 11)
        .expect("cases")
        .into_iter()
        .map(|c| c.query)
        .collect();
    names.extend(negative_cases(&negatives).into_iter().map(|c| c.query));
    let app = test::init_service(ownergraph::web::app(web::Data::new(engine))).await;

    let call = |name: &str, json: bool| {
        let query = serde_urlencoded::to_string([("name", name)]).unwrap();
        let mut req = test::TestRequest::get().uri(&format!("/match?{query}"));
        if json {
            req = req.insert_header(("Accept", "application/json"));
        }
        req.to_request()
    };
    // The first request builds the name index; time it apart.
    let started = Instant::now();
    let resp = test::call_service(&app, call("Banco Nacional de Cuba", false)).await;
    assert_eq!(resp.status(), 200);
    println!("first /match (builds the name index): {:.2?}", started.elapsed());

    let mut times = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS {
        let req = call(&names[i % names.len()], i % 2 == 1);
        let started = Instant::now();
        let resp = test::call_service(&app, req).await;
        let body = test::read_body(resp).await;
        times.push(started.elapsed());
        assert!(!body.is_empty());
    }
    times.sort_unstable();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    println!(
        "/match over {REQUESTS} requests ({} distinct names): p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}, mean {mean:.2?}",
        names.len().min(REQUESTS),
        percentile(&times, 0.50),
        percentile(&times, 0.90),
        percentile(&times, 0.99),
        times[times.len() - 1],
    );
}
