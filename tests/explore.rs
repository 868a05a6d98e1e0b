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

/// The ids of a graph page's nodes (or edges, as `source kind target`) marked `on_path`.
fn on_path(page: &Value, what: &str) -> Vec<String> {
    let mut marked: Vec<String> = page[what]
        .as_array()
        .unwrap_or_else(|| panic!("{what} in {page}"))
        .iter()
        .filter(|x| x["on_path"] == true)
        .map(|x| match what {
            "nodes" => x["id"].as_str().unwrap().to_string(),
            _ => format!(
                "{} {} {}",
                x["source"].as_str().unwrap(),
                x["kind"].as_str().unwrap(),
                x["target"].as_str().unwrap()
            ),
        })
        .collect();
    marked.sort_unstable();
    marked
}

/// Each path the paths page finds links to its first entity's graph page with the path drawn
/// and highlighted (`path=ID,ID,…`): the path's entities beyond the depth drawn too but not
/// counted as reached, its relations marked in the SVG and the JSON the live graph reads.
#[actix_web::test]
async fn a_path_from_the_paths_page_opens_highlighted_on_the_graph_page() {
    let href = "/entities/aksu-psb/graph?depth=1&path=aksu-psb%2Cxuar-psb%2Curumqi-psb";
    let paths = http_json("/paths?from=aksu-psb&to=urumqi-psb", 200).await;
    assert_eq!(paths["paths"][0]["graph_href"], href);
    let (_, html) = http_get("/paths?from=aksu-psb&to=urumqi-psb", false).await;
    assert!(
        html.contains(&format!(
            r#"<a class="path-graph" href="{}">Show on the graph</a>"#,
            href.replace('&', "&#38;")
        )),
        "{html}"
    );
    let kinds = http_json("/paths?from=aksu-psb&to=urumqi-psb&kinds=subordinate_of", 200).await;
    assert_eq!(
        kinds["paths"][0]["graph_href"],
        "/entities/aksu-psb/graph?depth=1&kinds=subordinate_of&path=aksu-psb%2Cxuar-psb%2Curumqi-psb",
        "the graph follows the kinds the paths did"
    );

    let plain = http_json("/entities/aksu-psb/graph?depth=1", 200).await;
    assert_eq!(plain["path"], Value::Null);
    assert!(
        !plain.to_string().contains("on_path"),
        "nothing marked without a path"
    );
    let page = http_json(href, 200).await;
    assert_eq!(
        page["path"],
        serde_json::json!(["aksu-psb", "xuar-psb", "urumqi-psb"])
    );
    assert_eq!(on_path(&page, "nodes"), ["aksu-psb", "urumqi-psb", "xuar-psb"]);
    assert_eq!(
        on_path(&page, "edges"),
        [
            "aksu-psb subordinate_of xuar-psb",
            "urumqi-psb subordinate_of xuar-psb"
        ]
    );
    let ids: Vec<&str> = page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let plain_ids: Vec<&str> = plain["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert!(
        !plain_ids.contains(&"urumqi-psb"),
        "two hops away: not within depth 1"
    );
    assert_eq!(
        ids,
        [plain_ids.as_slice(), &["urumqi-psb"]].concat(),
        "the path's far end is added"
    );
    assert_eq!(page["reached"], plain["reached"], "and not counted as reached");
    assert_eq!(page["omitted"], plain["omitted"]);
    assert_eq!(
        page["edges"].as_array().unwrap().len(),
        plain["edges"].as_array().unwrap().len() + 1
    );

    let (status, html) = http_get(href, false).await;
    assert_eq!(status, 200);
    let svg = common::svgs(&html)[0];
    assert_eq!(
        svg.matches(r#"<g class="edge k-subordinate_of on-path">"#)
            .count(),
        2,
        "{svg}"
    );
    assert_eq!(
        svg.matches(" on-path\">").count(),
        5,
        "two relations and three entities: {svg}"
    );
    assert!(svg.contains("with a path of 2 hops highlighted"), "{svg}");
    assert!(
        html.contains(r#"data-explore="/entities/aksu-psb/graph.json?depth=1&amp;direction=both&amp;path=aksu-psb%2Cxuar-psb%2Curumqi-psb""#),
        "the live graph reads the same path: {html}"
    );
    assert!(html.contains("A path of 2 hops is highlighted"), "{html}");
    assert!(
        html.contains("2 entities and 2 relations within 1 hop, direction both, kinds all, and 1 more entity of the path."),
        "{html}"
    );
    assert_eq!(page["path_only"], 1);
    assert!(html.contains(r#"Show the graph without it"#));

    // (path, what the 400 says)
    let long = (0..10).map(|i| format!("x{i}")).collect::<Vec<_>>().join(",");
    let cases = [
        ("aksu-psb", "path: 2 to 9 entity ids"),
        (long.as_str(), "path: 2 to 9 entity ids"),
        ("aksu-psb,,xuar-psb", "path: 2 to 9 entity ids"),
        (
            "aksu-psb,nobody-at-all",
            "path: no entity with id &#34;nobody-at-all&#34;",
        ),
        ("xuar-psb,urumqi-psb", "a path starts at this page&#39;s entity"),
        ("aksu-psb,xuar-psb,aksu-psb", "is on the path twice"),
        ("aksu-psb,urumqi-psb", "are not related"),
    ];
    for (path, message) in cases {
        let uri = format!("/entities/aksu-psb/graph?depth=1&path={}", urlencode(path));
        let (status, body) = http_get(&uri, false).await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert!(body.contains(message), "{uri}: {message}: {body}");
    }
    let (status, body) = http_get("/entities/aksu-psb/graph?kinds=owns&path=aksu-psb,xuar-psb", true).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("are not related by owns"), "{body}");
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)]).unwrap()[1..].to_string()
}
