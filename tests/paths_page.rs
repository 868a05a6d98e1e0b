//! The paths page, HTML and JSON, on the bundled real data.

mod common;

use common::http_get as get;
use serde_json::Value;

fn node_ids(path: &Value) -> Vec<&str> {
    path["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect()
}

#[actix_web::test]
async fn sibling_bureaus_meet_through_the_regional_bureau() {
    let (status, body) = get("/paths?from=aksu-psb&to=urumqi-psb", true).await;
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["from"]["entity"]["id"], "aksu-psb");
    assert_eq!(page["directed"], false);
    let paths = page["paths"].as_array().unwrap();
    assert_eq!(paths.len(), 1, "the bureaus hang off a tree: one simple path");
    assert_eq!(paths[0]["hops"], 2);
    assert_eq!(node_ids(&paths[0]), ["aksu-psb", "xuar-psb", "urumqi-psb"]);
    let steps = paths[0]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["kind"], "subordinate_of");
    assert_eq!(
        steps[0]["direction"], "forward",
        "aksu-psb is subordinate of xuar-psb"
    );
    assert_eq!(
        steps[1]["direction"], "backward",
        "walked from xuar-psb down to urumqi-psb"
    );
    assert_eq!(steps[1]["source"], "urumqi-psb");
    assert_eq!(steps[0]["confidence"], "H");
    assert_eq!(steps[0]["evidence"], "84 FR 54002 ('subordinate' bureaus)");

    let (status, html) = get("/paths?from=aksu-psb&to=urumqi-psb", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("<strong>2 hops</strong>"));
    assert!(html.contains(r#"<a href="/entities/xuar-psb">Xinjiang Uighur Autonomous Region (XUAR) People&#39;s Government Public Security Bureau</a>"#), "{html}");
    assert!(html.contains("<td>subordinate_of →</td>") && html.contains("<td>← subordinate_of</td>"));
    assert!(html.contains("84 FR 54002 (&#39;subordinate&#39; bureaus)"));

    // Following relations only in their direction, siblings are not connected.
    let (_, body) = get("/paths?from=aksu-psb&to=urumqi-psb&directed=true", true).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["paths"], serde_json::json!([]));
    let (_, html) = get("/paths?from=aksu-psb&to=urumqi-psb&directed=true", false).await;
    assert!(html.contains("No path within 6 hops following relations in their direction"));
}

#[actix_web::test]
async fn k_shortest_paths_come_shortest_first_with_shares_dates_and_evidence() {
    let (_, body) = get("/paths.json?from=alibaba&to=sensetime&directed=true&k=10", false).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let paths = page["paths"].as_array().unwrap();
    let hops: Vec<u64> = paths.iter().map(|p| p["hops"].as_u64().unwrap()).collect();
    assert_eq!(
        hops,
        [1, 2, 2],
        "invested_in directly; owns through Taobao, twice (two holdings)"
    );
    assert_eq!(paths[0]["steps"][0]["kind"], "invested_in");
    let shares: Vec<&str> = paths[1..]
        .iter()
        .map(|p| p["steps"][1]["share_text"].as_str().unwrap())
        .collect();
    assert_eq!(shares, ["5.29%", "3.15%"]);
    assert_eq!(paths[1]["steps"][1]["start_date"], "2021-12-30");
    assert_eq!(paths[1]["steps"][1]["end_date"], "2023-07-21");
    assert_eq!(paths[1]["steps"][1]["evidence"], "Biometric Update 2023");

    // k and the kinds filter.
    let (_, body) = get("/paths.json?from=alibaba&to=sensetime&directed=true&k=1", false).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["paths"].as_array().unwrap().len(), 1);
    let (_, body) = get(
        "/paths.json?from=alibaba&to=sensetime&kinds=owns&k=10&directed=true",
        false,
    )
    .await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert!(page["paths"].as_array().unwrap().iter().all(|p| p["hops"] == 2));
    let (_, body) = get("/paths.json?from=alibaba&to=sensetime&max=1", false).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["paths"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn ends_typed_as_names_offer_choices_and_a_single_match_is_taken() {
    // "public security" matches many bureaus: the page offers them, finds no paths yet.
    let (status, html) = get("/paths?from=public+security&to=urumqi-psb&k=2", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("From: which “public security”?"));
    assert!(html.contains(r#"<a href="/paths?from=aksu-psb&amp;to=urumqi-psb&amp;max=6&amp;k=2&amp;directed=false">Aksu District Public Security Bureau</a>"#), "{html}");
    assert!(
        !html.contains(r#"<ol class="paths">"#),
        "no paths before the ends are chosen"
    );
    let (_, body) = get("/paths?from=public+security&to=urumqi-psb", true).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert!(page["from"]["entity"].is_null());
    assert!(page["paths"].is_null());
    let candidates = from_candidates(&page);
    assert!(candidates.contains(&"aksu-psb") && candidates.contains(&"xuar-psb"));
    assert!(candidates.len() <= 20);

    // A name that matches one entity is taken as that entity (case aside). (The 2019 case's
    // bureaus are also in the whole 2026 Entity List under their own ids, so their plain names
    // now offer two choices; SASAC and Hikvision's founder are in the case alone.)
    let (_, body) = get("/paths?from=state-owned+ASSETS+supervision&to=GONG+hongjia", true).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["from"]["entity"]["id"], "sasac");
    assert_eq!(page["to"]["entity"]["id"], "gong-hongjia");
    assert_eq!(
        page["paths"][0]["hops"], 4,
        "SASAC → CETC → CETHIK → Hikvision ← Gong Hongjia"
    );
    let (_, body) = get("/paths?from=aksu+district&to=urumqi-psb", true).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let candidates = from_candidates(&page);
    assert_eq!(
        candidates,
        ["aksu-psb", "bis-el-china-aksu-district-public-security-bureau"]
    );

    // LIKE wildcards in a name are plain characters; nothing matches.
    let (_, body) = get("/paths?from=%25%25&to=urumqi-psb", true).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["from"]["candidates"], serde_json::json!([]));
    let (_, html) = get("/paths?from=zzzz-nothing", false).await;
    assert!(html.contains("No entity has an id or a name containing “zzzz-nothing”"));

    // With no ends the page is the form alone.
    let (status, html) = get("/paths", false).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<form class="paths-form" action="/paths" method="get">"#));
}

#[actix_web::test]
async fn bad_parameters_answer_400_saying_what_is_allowed() {
    let cases = [
        ("max=0", "max must be a whole number from 1 to 8; got \"0\""),
        ("max=9", "max must be a whole number from 1 to 8"),
        ("k=11", "k must be a whole number from 1 to 10; got \"11\""),
        ("k=0", "k must be a whole number from 1 to 10"),
        ("directed=yes", "directed must be true or false; got \"yes\""),
        ("kinds=owns,parent_of", "unknown relation kind \"parent_of\""),
    ];
    for (query, message) in cases {
        let url = format!("/paths?from=aksu-psb&to=urumqi-psb&{query}");
        let (status, body) = get(&url, true).await;
        assert_eq!(status, 400, "{query}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert!(
            error["error"]["message"].as_str().unwrap().contains(message),
            "{query}: {body}"
        );
        let (status, _) = get(&url, false).await;
        assert_eq!(status, 400);
    }
    let (status, body) = get("/paths?from=aksu-psb&to=aksu-psb", true).await;
    assert_eq!(status, 400);
    assert!(body.contains("from and to are the same entity"));
}

/// The ids the paths page offers for a `from` name that matched several entities.
fn from_candidates(page: &Value) -> Vec<&str> {
    page["from"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}
