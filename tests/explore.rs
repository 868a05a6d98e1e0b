//! Exploring in the browser, server side: name suggestions (`/suggest`), the exposure form
//! that takes a name, the static scripts, and the graph pages' hooks for the live graph, on
//! the bundled real data.

mod common;

use common::{http_get, http_json};
use serde_json::Value;

fn suggested(page: &Value) -> Vec<&str> {
    page["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .map(|s| s["id"].as_str().expect("id"))
        .collect()
}

#[actix_web::test]
async fn suggestions_complete_a_typed_name_to_entity_ids() {
    // (typed, an id that must be offered, the one that must come first if any)
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("hikv", "hikvision", Some("hikvision")),
        ("Hikvision", "hikvision", Some("hikvision")),
        // a later word of the name
        ("public security bureau", "urumqi-psb", None),
        // the id itself comes first
        ("cethik", "cethik", Some("cethik")),
        ("海康", "hikvision", None),
    ];
    for (typed, offered, first) in cases {
        let path = format!("/suggest?q={}", urlencode(typed));
        let page = http_json(&path, 200).await;
        let ids = suggested(&page);
        assert!(ids.contains(offered), "{typed:?}: {ids:?}");
        if let Some(first) = first {
            assert_eq!(ids[0], *first, "{typed:?}: {ids:?}");
        }
        assert!(ids.len() <= 10, "ten by default");
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "each entity once: {ids:?}");
    }
    let page = http_json("/suggest?q=hikvision", 200).await;
    let first = &page["suggestions"][0];
    assert_eq!(first["name"], "Hikvision");
    assert_eq!(first["schema"], "Company");
    assert_eq!(first["lists"][0], "Entity List");
}

#[actix_web::test]
async fn suggestions_are_bounded_and_bad_input_is_a_json_400() {
    let page = http_json("/suggest?q=bank&limit=3", 200).await;
    assert_eq!(suggested(&page).len(), 3);
    let page = http_json("/suggest?q=", 200).await;
    assert_eq!(
        suggested(&page),
        Vec::<&str>::new(),
        "nothing typed, nothing offered"
    );
    let page = http_json("/suggest?q=zzzzqqqq", 200).await;
    assert_eq!(suggested(&page), Vec::<&str>::new());
    for (path, message) in [
        (
            "/suggest?q=bank&limit=0",
            "limit must be a whole number from 1 to 20",
        ),
        (
            "/suggest?q=bank&limit=21",
            "limit must be a whole number from 1 to 20",
        ),
    ] {
        // JSON whatever the Accept header: the endpoint has no page.
        let (status, body) = http_get(path, false).await;
        assert_eq!(status, 400, "{path}");
        assert!(body.contains(message), "{path}: {body}");
        assert!(body.starts_with('{'), "{path}: {body}");
    }
    let long = "a".repeat(201);
    let (status, body) = http_get(&format!("/suggest?q={long}"), false).await;
    assert_eq!(status, 400);
    assert!(body.contains("q: at most 200 characters"), "{body}");
}

#[actix_web::test]
async fn forms_that_ask_for_an_entity_offer_suggestions_and_load_the_script() {
    let (_, paths) = http_get("/paths", false).await;
    assert_eq!(paths.matches("data-suggest").count(), 2, "from and to");
    assert!(paths.contains(r#"<script src="/static/suggest.js" defer></script>"#));
    let (_, exposure) = http_get("/entities/hikvision/exposure", false).await;
    assert!(
        exposure.contains(r#"action="/exposure""#),
        "an exposure form for any entity"
    );
    assert!(exposure.contains(r#"name="entity" required data-suggest"#));
    let (status, script) = http_get("/static/suggest.js", false).await;
    assert_eq!(status, 200);
    assert!(script.contains("/suggest?q="));
    let (status, _) = http_get("/static/nothing.js", false).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn the_exposure_form_takes_an_id_or_a_name() {
    use actix_web::test;
    let app = test::init_service(ownergraph::web::app(
        actix_web::web::Data::from(common::bundled()),
    ))
    .await;
    // (asked, where it leads)
    let cases = [
        (
            "/exposure?entity=hikvision&regime=bis&as_of=2024-05-03",
            "/entities/hikvision/exposure?regime=bis&as_of=2024-05-03",
        ),
        (
            "/exposure?entity=+cethik+",
            "/entities/cethik/exposure?regime=ofac",
        ),
        (
            "/exposure?entity=gong+hongjia",
            "/entities/gong-hongjia/exposure?regime=ofac",
        ),
        // two records (the 2019 case and the whole Entity List) hold the name: choose
        ("/exposure?entity=Hikvision", "/search?q=Hikvision"),
        ("/exposure?entity=bank", "/search?q=bank"),
    ];
    for (asked, to) in cases {
        let resp = test::call_service(&app, test::TestRequest::get().uri(asked).to_request()).await;
        assert_eq!(resp.status().as_u16(), 303, "{asked}");
        assert_eq!(
            resp.headers().get("location").unwrap().to_str().unwrap(),
            to,
            "{asked}"
        );
    }
    for (asked, message) in [
        ("/exposure?entity=", "entity: give an id or a name"),
        ("/exposure?entity=hikvision&regime=nope", "regime"),
        ("/exposure?entity=hikvision&as_of=yesterday", "as_of"),
    ] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(asked).to_request()).await;
        assert_eq!(resp.status().as_u16(), 400, "{asked}");
        let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
        assert!(body.contains(message), "{asked}: {body}");
    }
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).unwrap()[1..].to_string()
}
