//! The explorer's search, lists, sources and home pages over HTTP, HTML and JSON, on the
//! bundled real data.

mod common;

use common::{http_get, http_json};
use serde_json::Value;

fn ids(page: &Value) -> Vec<&str> {
    page["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().expect("id"))
        .collect()
}

#[actix_web::test]
async fn search_page_finds_hikvision_with_its_listing_badge() {
    let (status, html) = http_get("/search?q=hikvision", false).await;
    assert_eq!(status, 200);
    let first = html.find(r#"<a class="name" href="/entities/"#).expect("a hit");
    assert!(
        html[first..].starts_with(r#"<a class="name" href="/entities/hikvision">Hikvision</a>"#),
        "{}",
        &html[first..first + 200]
    );
    assert!(html.contains(r#"<a class="badge listed" href="/lists/entity-list">Entity List</a>"#));
    assert!(html.contains(r#"value="hikvision""#), "the form keeps the query");

    for q in [
        "hikvision",
        "HIKVISION%20DIGITAL",
        "Hangzhou+Hikvision+Digital+Technology",
        "%E6%B5%B7%E5%BA%B7%E5%A8%81%E8%A7%86",
    ] {
        let page = http_json(&format!("/search?q={q}"), 200).await;
        assert_eq!(ids(&page)[0], "hikvision", "{q}");
        assert_eq!(page["hits"][0]["lists"][0], "Entity List");
        assert_eq!(page["hits"][0]["badges"][0]["slug"], "entity-list");
    }
    let page = http_json("/search.json?q=%E6%B5%B7%E5%BA%B7%E5%A8%81%E8%A7%86", 200).await;
    assert_eq!(page["request"]["q"], "海康威视");
    assert_eq!(page["hits"][0]["matched"], "杭州海康威视数字技术股份有限公司");
    assert_eq!(page["hits"][0]["matched_alias"], true);
    assert_eq!(page["hits"][0]["tier"], "contains");
}

#[actix_web::test]
async fn facets_narrow_and_paginate() {
    let page = http_json("/search?q=public+security+bureau", 200).await;
    let total = page["total"].as_u64().unwrap();
    assert!(total > 20, "{total}");
    assert_eq!(page["hits"].as_array().unwrap().len(), 20);
    assert_eq!(page["pages"], total.div_ceil(20));
    assert_eq!(page["next"], "/search?q=public+security+bureau&page=2");
    assert_eq!(page["prev"], Value::Null);
    let list = page["facets"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == "Entity List")
        .expect("Entity List facet");
    assert_eq!(list["href"], "/search?q=public+security+bureau&list=entity-list");
    let schema = page["facets"]["schema"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == "PublicBody")
        .unwrap();
    assert_eq!(schema["selected"], false);

    // Following the facet link narrows to the listed bureaux, and the link now removes it.
    let narrowed = http_json(list["href"].as_str().unwrap(), 200).await;
    assert_eq!(narrowed["total"], list["count"]);
    assert!(narrowed["hits"].as_array().unwrap().iter().all(|h| h["lists"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "Entity List")));
    assert!(ids(&narrowed).contains(&"xuar-psb"));
    let selected = &narrowed["facets"]["list"].as_array().unwrap()[0];
    assert_eq!(selected["selected"], true);
    assert_eq!(selected["href"], "/search?q=public+security+bureau");

    let (status, html) = http_get(
        "/search?q=public+security+bureau&list=entity-list&schema=PublicBody&country=CN",
        false,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<li class="selected"><a href="/search?q=public+security+bureau&amp;country=CN&amp;list=entity-list">PublicBody</a>"#)
        || html.contains(r#"<li class="selected"><a href="/search?q=public+security+bureau&#38;country=CN&#38;list=entity-list">PublicBody</a>"#), "{html}");
    assert!(html.contains("Aksu District Public Security Bureau"));

    let page2 = http_json("/search?q=public+security+bureau&page=2", 200).await;
    assert_eq!(page2["request"]["page"], 2);
    assert_eq!(page2["prev"], "/search?q=public+security+bureau");
    let first: Vec<&str> = ids(&page);
    assert!(ids(&page2).iter().all(|id| !first.contains(id)));
}

#[actix_web::test]
async fn empty_search_shows_the_form_and_no_hits() {
    let (status, html) = http_get("/search", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("Type a name or alias"));
    let page = http_json("/search?q=", 200).await;
    assert_eq!(page["total"], 0);
    assert_eq!(page["hits"].as_array().unwrap().len(), 0);
    let page = http_json("/search?q=zzqqxxj", 200).await;
    assert_eq!(page["total"], 0);
}

#[actix_web::test]
async fn bad_search_parameters_answer_400_saying_what_is_allowed() {
    for (path, message) in [
        (
            "/search?q=x&schema=Robot",
            "schema: unknown schema \"Robot\"; expected one of Company",
        ),
        (
            "/search?q=x&list=no-such-list",
            "list: unknown list \"no-such-list\"; expected one of",
        ),
        (
            "/search?q=x&page=0",
            "page: a whole number from 1 to 10000, got \"0\"",
        ),
        ("/search?q=x&page=abc", "page: a whole number from 1 to 10000"),
        ("/search?q=x&page=10001", "page: a whole number from 1 to 10000"),
    ] {
        let error = http_json(path, 400).await;
        let got = error["error"]["message"].as_str().unwrap();
        assert!(got.contains(message), "{path}: {got}");
        let (status, html) = http_get(path, false).await;
        assert_eq!(status, 400, "{path}");
        assert!(
            html.contains("page:") || html.contains("list:") || html.contains("schema:"),
            "{html}"
        );
    }
    let long = "a".repeat(201);
    let error = http_json(&format!("/search?q={long}"), 400).await;
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("q: at most 200 characters"));
}
