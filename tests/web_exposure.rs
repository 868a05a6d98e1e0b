//! The exposure page and its JSON twin over HTTP, on the bundled real data.

mod common;

use actix_web::{test, web};
use serde_json::Value;

async fn get(path: &str, json: bool) -> (u16, String) {
    let app = test::init_service(ownergraph::web::app(web::Data::from(common::bundled()))).await;
    let mut req = test::TestRequest::get().uri(path);
    if json {
        req = req.insert_header(("Accept", "application/json"));
    }
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[actix_web::test]
async fn exposure_page_is_a_printable_record_with_evidence() {
    let (status, html) = get(
        "/entities/sensetime-shenzhen/exposure?regime=bis&as_of=2025-10-15",
        false,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<h1>Exposure of Shenzhen SenseTime Technology Co., Ltd.</h1>"),
        "{html}"
    );
    assert!(html.contains("BIS Affiliates Rule (≥ 50%)"));
    assert!(html.contains("<dd>2025-10-15</dd>"));
    assert!(html.contains(r#"<span class="verdict status-possibly_blocked">possibly blocked</span>"#));
    assert!(html.contains("0–100%"), "blocked owner share as a range");
    assert!(html.contains("84 FR 54002"), "the seeding listing's citation");
    assert!(
        html.contains("OFAC NS-CMIC designation 2021-12-10"),
        "the hop's evidence"
    );
    assert!(html.contains("To research"));
    assert!(html.contains("Data version</dt><dd>"));
    assert!(html.contains("@media print") || html.contains("/static/style.css"));

    let (_, html) = get(
        "/entities/sensetime-shenzhen/exposure?regime=bis&as_of=2026-01-15",
        false,
    )
    .await;
    assert!(html.contains(r#"<span class="verdict status-not_blocked">not blocked</span>"#));
    assert!(html.contains("<code>red_flag</code>"));
}

#[actix_web::test]
async fn exposure_json_has_the_stable_fields() {
    let (status, body) = get(
        "/entities/sensetime-shenzhen/exposure?regime=bis&as_of=2025-10-15",
        true,
    )
    .await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&body).unwrap();
    for field in [
        "entity_id",
        "regime",
        "as_of",
        "status",
        "blocked_owner_share",
        "look_through_listed_share",
        "evidence",
        "flags",
        "research",
        "nearby_listed",
    ] {
        assert!(page.get(field).is_some(), "missing {field}: {body}");
    }
    assert_eq!(page["entity_id"], "sensetime-shenzhen");
    assert_eq!(page["regime"], "bis");
    assert_eq!(page["as_of"], "2025-10-15");
    assert_eq!(page["status"], "possibly_blocked");
    assert_eq!(page["blocked_owner_share"], serde_json::json!([0.0, 100.0]));
    let hop = &page["evidence"][0]["hops"][0];
    for field in [
        "source",
        "target",
        "kind",
        "share",
        "start_date",
        "end_date",
        "evidence",
    ] {
        assert!(hop.get(field).is_some(), "hop lacks {field}");
    }
    assert_eq!(hop["source"], "sensetime");
    assert_eq!(hop["kind"], "owns");
    assert_eq!(page["evidence"][0]["seed"]["listing"]["list"], "Entity List");
    assert_eq!(page["research"][0]["target"], "sensetime-shenzhen");
    assert!(page["flags"].as_array().unwrap().is_empty(), "{}", page["flags"]);

    let (_, body) = get(
        "/entities/sensetime-shenzhen/exposure.json?regime=ofac&as_of=2025-10-15",
        false,
    )
    .await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["status"], "not_blocked");
    assert_eq!(page["regime"], "ofac");
    let nearby = page["nearby_listed"].as_array().unwrap();
    let sensetime = nearby.iter().find(|n| n["entity_id"] == "sensetime").unwrap();
    assert_eq!(sensetime["distance"], 1);
    assert_eq!(sensetime["path"][0]["source"], "sensetime");

    let (_, body) = get(
        "/entities/sensetime-shenzhen/exposure.json?regime=bis&as_of=2026-12-01",
        false,
    )
    .await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert!(page["flags"]
        .as_array()
        .unwrap()
        .contains(&Value::from("regime_unknown_after")));
}

#[actix_web::test]
async fn bad_parameters_answer_400_and_unknown_ids_404() {
    let (status, html) = get("/entities/sensetime/exposure?regime=fr", false).await;
    assert_eq!(status, 400);
    assert!(html.contains("unknown regime"), "{html}");
    let (status, body) = get("/entities/sensetime/exposure?as_of=2025-13-01", true).await;
    assert_eq!(status, 400);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert!(error["error"]["message"].as_str().unwrap().contains("YYYY-MM-DD"));
    let (status, body) = get("/entities/no-such-entity/exposure?regime=ofac", true).await;
    assert_eq!(status, 404);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no-such-entity"));
}

#[actix_web::test]
async fn entity_page_links_to_its_exposure_and_default_date_is_today() {
    let (_, html) = get("/entities/sensetime", false).await;
    assert!(html.contains(r#"href="/entities/sensetime/exposure""#));
    let (status, body) = get("/entities/sensetime/exposure", true).await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["regime"], "ofac");
    assert_eq!(page["as_of"], ownergraph::model::Date::today().to_string());
}
