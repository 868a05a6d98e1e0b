//! The graph page and the entity page's small graph, HTML and JSON, on the bundled real data.

mod common;

use common::{assert_escaped, http_get as get, svgs};
use serde_json::Value;

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn hikvision_graph_shows_its_owners_up_to_sasac() {
    let (status, html) = get("/entities/hikvision/graph?depth=3&kinds=owns&direction=in", false).await;
    assert_eq!(status, 200, "{html}");
    let pictures = svgs(&html);
    assert_eq!(pictures.len(), 1);
    let svg = pictures[0];
    // Each node links to its page; the listed party is marked.
    for id in ["hikvision", "cethik", "cetc", "sasac", "gong-hongjia"] {
        assert!(
            svg.contains(&format!(r#"<a href="/entities/{id}">"#)),
            "{id} in {svg}"
        );
    }
    assert!(
        svg.contains(r#"class="node listed start""#),
        "hikvision is listed and the start"
    );
    assert!(svg.contains("owns 38.88%") && svg.contains("owns 10.3%") && svg.contains("owns 100%"));
    // Ownership reads top to bottom: SASAC's box is above CETC's, CETC's above Hikvision's.
    let y_of = |id: &str| -> i32 {
        let at = svg.find(&format!(r#"href="/entities/{id}""#)).unwrap();
        let rect = &svg[at..];
        let y = rect.find(" y=\"").unwrap() + 4;
        rect[y..y + rect[y..].find('"').unwrap()].parse().unwrap()
    };
    assert!(y_of("sasac") < y_of("cetc") && y_of("cetc") < y_of("cethik"));
    assert!(y_of("cethik") < y_of("hikvision"));
    // The same facts as tables.
    assert!(html.contains("<h2>Relations</h2>"));
    assert!(html.contains(
        r#"<td><a href="/entities/cethik">China Electronics Technology HIK Group Co., Ltd.</a></td><td>owns</td><td><a href="/entities/hikvision">Hikvision</a></td><td class="num">38.88%</td><td>2021-01-01</td>"#
    ));

    let (status, body) = get("/entities/hikvision/graph?depth=3&kinds=owns&direction=in", true).await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        ids(&page["nodes"]),
        ["hikvision", "cethik", "gong-hongjia", "cetc", "sasac"]
    );
    assert_eq!(page["nodes"][3]["distance"], 2);
    assert_eq!(page["nodes"][0]["lists"][0], "Entity List");
    assert_eq!(page["omitted"], 0);
    assert_eq!(page["kinds"], serde_json::json!(["owns"]));
    assert_eq!(page["direction"], "in");
    let edges = page["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 4);
    let cethik = edges.iter().find(|e| e["source"] == "cethik").unwrap();
    assert_eq!(cethik["target"], "hikvision");
    assert_eq!(cethik["kind"], "owns");
    assert_eq!(cethik["share"]["lo"], 38.88);
    assert_eq!(cethik["share_text"], "38.88%");
    assert!(page.get("svg").is_none(), "the picture is HTML only");
}

#[actix_web::test]
async fn direction_and_kinds_filter_the_walk() {
    // Out from hikvision there is nothing it owns; in, its owners.
    let (_, body) = get("/entities/hikvision/graph.json?depth=1&direction=out", false).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ids(&page["nodes"]), ["hikvision"]);
    // aksu's bureau is one of xuar-psb's subordinates; with only `owns` it has no neighbours.
    let (_, body) = get(
        "/entities/xuar-psb/graph.json?depth=1&kinds=subordinate_of",
        false,
    )
    .await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert!(ids(&page["nodes"]).contains(&"aksu-psb"));
    let (_, body) = get("/entities/xuar-psb/graph.json?depth=1&kinds=owns", false).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ids(&page["nodes"]), ["xuar-psb"]);
    // Repeated checkboxes and a comma list mean the same.
    let (_, a) = get(
        "/entities/sasac/graph.json?depth=3&kinds=owns&kinds=invested_in",
        false,
    )
    .await;
    let (_, b) = get("/entities/sasac/graph.json?depth=3&kinds=owns,invested_in", false).await;
    assert_eq!(a, b);
}

#[actix_web::test]
async fn large_neighbourhoods_are_capped_with_a_count_and_ways_to_narrow() {
    // The National Iranian Tanker Company: 130 relations point at it in the SDN list.
    let (status, html) = get("/entities/ofac-15117/graph?depth=1", false).await;
    assert_eq!(status, 200);
    let (_, body) = get("/entities/ofac-15117/graph?depth=1", true).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let shown = page["nodes"].as_array().unwrap().len();
    let omitted = page["omitted"].as_u64().unwrap() as usize;
    assert_eq!(shown, page["limit"].as_u64().unwrap() as usize);
    assert!(omitted > 0);
    let reached: u64 = page["reached_by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["nodes"].as_u64().unwrap())
        .sum();
    assert_eq!(reached as usize, shown - 1 + omitted);
    assert!(html.contains(&format!(
        r#"<strong class="omitted">{omitted} more not shown</strong>"#
    )));
    assert!(html.contains(r#"<a href="/entities/ofac-15117/graph?depth=1&amp;direction=both&amp;kinds=linked_to">linked_to</a>"#), "narrow by kind");
    assert_eq!(svgs(&html)[0].matches("<a href=").count(), shown);
}

#[actix_web::test]
async fn names_with_ampersands_and_quotes_are_escaped_in_the_svg() {
    // Real SDN names: "VASSILIADES & CO UK LIMITED" and "O'NEILL ASSETS CORPORATION".
    for (id, escaped) in [
        ("ofac-42060", "VASSILIADES &#38; CO UK LIMITED"),
        ("ofac-37449", "O&#39;NEILL ASSETS CORPORATION"),
    ] {
        let (status, html) = get(&format!("/entities/{id}/graph?depth=2"), false).await;
        assert_eq!(status, 200);
        let svg = svgs(&html)[0];
        assert!(svg.contains(escaped), "{svg}");
        assert_escaped(svg);
        assert!(!svg.contains("O'NEILL"), "quotes are escaped too");
    }
}

#[actix_web::test]
async fn bad_parameters_answer_400_saying_what_is_allowed() {
    let cases = [
        ("depth=0", "depth must be a whole number from 1 to 3; got \"0\""),
        ("depth=99", "depth must be a whole number from 1 to 3; got \"99\""),
        ("depth=two", "depth must be a whole number from 1 to 3"),
        (
            "kinds=owns,bogus",
            "unknown relation kind \"bogus\"; expected one of owns, controls",
        ),
        (
            "direction=up",
            "unknown direction \"up\"; expected in, out or both",
        ),
    ];
    for (query, message) in cases {
        let (status, body) = get(&format!("/entities/hikvision/graph?{query}"), true).await;
        assert_eq!(status, 400, "{query}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert!(
            error["error"]["message"].as_str().unwrap().contains(message),
            "{query}: {body}"
        );
        let (status, html) = get(&format!("/entities/hikvision/graph?{query}"), false).await;
        assert_eq!(status, 400);
        assert!(html.contains("<h1>400 Bad Request</h1>"), "{html}");
    }
    let (status, body) = get("/entities/no-such-entity/graph", true).await;
    assert_eq!(status, 404);
    assert!(body.contains("no entity with id"));
}

#[actix_web::test]
async fn entity_page_draws_its_direct_neighbourhood_and_links_onward() {
    let (status, html) = get("/entities/hikvision", false).await;
    assert_eq!(status, 200);
    let pictures = svgs(&html);
    assert_eq!(pictures.len(), 1);
    let svg = pictures[0];
    assert!(
        svg.contains(r#"<a href="/entities/cethik">"#)
            && svg.contains(r#"<a href="/entities/gong-hongjia">"#)
    );
    assert!(!svg.contains(r#"<a href="/entities/cetc">"#), "depth 1 only");
    assert!(svg.contains("owns 38.88%"));
    assert_escaped(svg);
    for link in [
        r#"<a href="/entities/hikvision/graph">"#,
        r#"<a href="/paths?from=hikvision">"#,
        r#"<a href="/entities/hikvision/exposure">"#,
    ] {
        assert!(html.contains(link), "{link}");
    }
    // A hub is drawn capped, with the count of the rest.
    let (_, html) = get("/entities/ofac-15117", false).await;
    assert!(svgs(&html)[0].matches("<a href=").count() == 16);
    assert!(html.contains("more not drawn</strong>"));
}
