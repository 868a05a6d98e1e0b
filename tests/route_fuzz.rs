//! Drives every route with random parameters: never a 5xx, never a panic, and the server keeps
//! answering afterwards. Routes not built yet answer 404, which is fine here; each one is
//! fuzzed as soon as it exists.

mod common;

use actix_web::{test, web};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};

/// Every route, with its path parameters (`{id}`, `{slug}`) and the query parameters it reads.
const ROUTES: &[(&str, &[&str])] = &[
    ("/", &[]),
    ("/entities/{id}", &["group", "page", "q", "as_of", "timeline"]),
    (
        "/entities/{id}/graph",
        &["depth", "kinds", "direction", "schemas", "page"],
    ),
    ("/entities/{id}/exposure", &["regime", "as_of"]),
    ("/entities/{id}/export", &["format", "depth"]),
    ("/search", &["q", "schema", "country", "list", "page"]),
    (
        "/paths",
        &["from", "to", "max", "kinds", "directed", "k", "hubs", "max_links"],
    ),
    ("/lists", &["sort"]),
    ("/lists/{slug}", &["sort", "page"]),
    ("/sources", &[]),
    ("/match", &["name", "country", "schema", "limit"]),
    ("/screen", &[]),
    ("/changes", &["page", "since", "until", "list", "dataset"]),
    ("/changes.csv", &["since", "until", "list", "dataset"]),
    ("/changes.atom", &["since", "until", "list", "dataset"]),
    ("/login", &[]),
    ("/import", &[]),
    ("/xref", &["dataset", "against", "min_score", "unjudged", "page"]),
    ("/suggest", &["q", "limit"]),
    ("/investigations", &[]),
    ("/screenings", &["page"]),
    ("/screenings/{id}", &[]),
];

/// Values that are valid somewhere, plausible but wrong, or hostile.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "hikvision",
            "xuar-psb",
            "aksu-psb",
            "urumqi-psb",
            "ofac-306",
            "sensetime",
            "entity-list",
            "sdn-list",
            "owns",
            "owns,subordinate_of",
            "controls,nope",
            "in",
            "out",
            "both",
            "sideways",
            "ofac",
            "bis",
            "eu",
            "uk",
            "mars",
            "2025-10-15",
            "2025-02-30",
            "1900-01-01",
            "9999-12-31",
            "0",
            "1",
            "2",
            "3",
            "8",
            "10",
            "11",
            "99",
            "-1",
            "18446744073709551616",
            "1e9",
            "NaN",
            "true",
            "false",
            "maybe",
            "csv",
            "ftm",
            "graphml",
            "xml",
            "owns-out",
            "director_of-in",
            "owns-both",
            "avoid",
            "through",
            "Company",
            "Person,Company",
            "name",
            "date",
            "海康威视",
            "<script>alert(1)</script>",
            "\"><img src=x onerror=alert(1)>",
            "' OR 1=1 --",
            "%",
            "%%",
            "..",
            "../..",
            "",
            " ",
            "\u{0}",
            "\u{202e}",
            "a.json",
        ])
        .prop_map(str::to_string),
        "\\PC{0,40}",
        "[a-z0-9-]{0,12}",
        // Long, yet eight of them stay within the 65,534 bytes a URI may have.
        (1usize..7_000).prop_map(|n| "x".repeat(n)),
    ]
}

/// Percent-encodes everything but unreserved characters, so any value makes a valid URI.
fn encode(value: &str) -> String {
    let mut out = String::new();
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn request() -> impl Strategy<Value = (String, bool)> {
    let route = prop::sample::select(ROUTES.to_vec());
    (
        route,
        prop::collection::vec(value(), 10),
        any::<u8>(),
        any::<bool>(),
    )
        .prop_map(|((pattern, params), values, mask, json)| {
            let mut values = values.into_iter();
            let mut path = pattern.replace("{id}", &encode(&values.next().unwrap()));
            path = path.replace("{slug}", &encode(&values.next().unwrap()));
            let query: Vec<String> = params
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(_, name)| format!("{name}={}", encode(&values.next().unwrap_or_default())))
                .collect();
            if !query.is_empty() {
                path = format!("{path}?{}", query.join("&"));
            }
            (path, json)
        })
}

#[actix_web::test]
async fn random_requests_never_fail_the_server() {
    let app = test::init_service(ownergraph::web::app(web::Data::from(common::bundled()))).await;
    let cases: u32 = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = request();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for _ in 0..cases {
        let (uri, json): (String, bool) = strategy.new_tree(&mut runner).unwrap().current();
        let mut req = test::TestRequest::get().uri(&uri);
        if json {
            req = req.insert_header(("Accept", "application/json"));
        }
        let resp = test::call_service(&app, req.to_request()).await;
        let status = resp.status().as_u16();
        *statuses.entry(status).or_default() += 1;
        assert!(status < 500, "{uri} (json: {json}) answered {status}");
        if json && status >= 400 {
            let body = test::read_body(resp).await;
            let error: serde_json::Value =
                serde_json::from_slice(&body).unwrap_or_else(|_| panic!("{uri}: error is not JSON"));
            assert!(
                error["error"]["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{uri}: no message"
            );
        }
    }
    // The server still answers a plain request after all of that.
    let resp = test::call_service(
        &app,
        test::TestRequest::get().uri("/entities/hikvision").to_request(),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    eprintln!("statuses over {cases} random requests: {statuses:?}");
    assert!(
        statuses.keys().any(|s| *s == 200),
        "some requests succeed: the fuzzer reaches real pages"
    );
}
