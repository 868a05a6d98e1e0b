//! Pages of a hub: an entity with tens of thousands of relations (a formation agent, a nominee
//! director, a state holding company). The hub here is a synthetic, hub-shaped dataset made by
//! the test itself (dataset `hub-test`): one agent that is director of 12,000 companies, owns
//! 230 and is owned by 3 persons. Its entity page and JSON twin must stay small, with exact
//! counts, pages that cover each group once, and a name filter; an ordinary real entity's page
//! (Hikvision, bundled data) must show what it always did.

mod common;

use actix_web::test::{self, TestRequest};
use common::session::{self, send};
use ownergraph::engine::Engine;
use ownergraph::model::{Batch, Entity, Origin, Relation, RelationKind, Schema, Share};
use ownergraph::store::ImportRecord;
use serde_json::Value;
use std::sync::Arc;

const DIRECTORSHIPS: usize = 12_000;
const OWNED: usize = 230;
const OWNERS: usize = 3;
/// Bytes no page of any entity may exceed.
const PAGE_BOUND: usize = 1_000_000;

/// Company `i`'s name: every seventh is an "Alpha" company, so a filter has an exact count.
fn company_name(i: usize) -> String {
    let word = if i.is_multiple_of(7) { "Alpha" } else { "Beta" };
    format!("{word} Nominee Client Company Number {i:05} Limited")
}

fn hub_engine() -> (tempfile::TempDir, Engine) {
    let (dir, engine) = common::empty_engine();
    let origin = Origin {
        file: Arc::from("hub-test"),
        line: 1,
    };
    let mut batch = Batch {
        dataset: "hub-test".into(),
        ..Batch::default()
    };
    let mut entity = |id: String, schema, name: String| {
        batch
            .entities
            .push((origin.clone(), Entity::new(&id, schema, &name, "hub-test")));
    };
    entity(
        "agent".into(),
        Schema::Company,
        "Alpha Formation Agents Ltd".into(),
    );
    for i in 0..DIRECTORSHIPS + OWNED {
        entity(format!("co-{i}"), Schema::Company, company_name(i));
    }
    for i in 0..OWNERS {
        entity(format!("owner-{i}"), Schema::Person, format!("Owner {i}"));
    }
    let mut relation = |s: &str, t: &str, kind, share: Option<&str>| {
        let mut r = Relation::new(s, t, kind, "hub-test");
        r.share = share.map(|s| Share::parse(s).unwrap());
        r.evidence = Some(format!("register filing {s} {t}"));
        batch.relations.push((origin.clone(), r));
    };
    for i in 0..DIRECTORSHIPS {
        relation("agent", &format!("co-{i}"), RelationKind::DirectorOf, None);
    }
    for i in DIRECTORSHIPS..DIRECTORSHIPS + OWNED {
        relation("agent", &format!("co-{i}"), RelationKind::Owns, Some("100"));
    }
    for i in 0..OWNERS {
        relation(&format!("owner-{i}"), "agent", RelationKind::Owns, Some("30"));
    }
    let record = ImportRecord {
        dataset: "hub-test".into(),
        format: "csv".into(),
        path: "hub-test".into(),
        checksum: "hub-test".into(),
    };
    engine.apply(&batch, &record).expect("the hub applies");
    (dir, engine)
}

async fn get(engine: &Arc<Engine>, uri: &str, json: bool) -> (u16, String) {
    let app = test::init_service(ownergraph::web::app(actix_web::web::Data::from(engine.clone()))).await;
    let mut req = TestRequest::get().uri(uri);
    if json {
        req = req.insert_header(("Accept", "application/json"));
    }
    let reply = send(&app, req).await;
    (reply.status, reply.body)
}

async fn json(engine: &Arc<Engine>, uri: &str) -> Value {
    let (status, body) = get(engine, uri, true).await;
    assert_eq!(status, 200, "{uri}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn group<'a>(page: &'a Value, key: &str) -> &'a Value {
    page["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == key)
        .unwrap_or_else(|| panic!("no group {key}"))
}

fn names(group: &Value) -> Vec<String> {
    group["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["other_name"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn a_hubs_page_is_bounded_with_exact_counts() {
    let (_dir, engine) = hub_engine();
    let engine = session::with_accounts(engine);
    let (status, html) = get(&engine, "/entities/agent", false).await;
    assert_eq!(status, 200);
    assert!(html.len() < PAGE_BOUND, "hub page is {} bytes", html.len());
    assert!(
        html.contains("12,000 relations"),
        "the exact count, as people read it"
    );
    let at = html.find("rel=\"next\"").expect("a next link");
    assert!(
        html[at..].starts_with(
            r#"rel="next" href="/entities/agent?group=director_of-out&#38;page=2#group-director_of-out""#
        ),
        "{}",
        &html[at..at + 120]
    );
    let (_, body) = get(&engine, "/entities/agent", true).await;
    assert!(body.len() < PAGE_BOUND, "hub JSON is {} bytes", body.len());
    let page: Value = serde_json::from_str(&body).unwrap();

    let directors = group(&page, "director_of-out");
    assert_eq!(directors["total"], DIRECTORSHIPS);
    assert_eq!(directors["matching"], DIRECTORSHIPS);
    assert_eq!(directors["pages"], DIRECTORSHIPS.div_ceil(50));
    assert_eq!(directors["relations"].as_array().unwrap().len(), 50);
    assert_eq!(directors["label"], "is director of");
    // The first page is the first 50 names in order.
    let mut all: Vec<String> = (0..DIRECTORSHIPS).map(company_name).collect();
    all.sort();
    assert_eq!(names(directors), all[..50]);
    let owners = group(&page, "owns-in");
    assert_eq!(owners["total"], OWNERS);
    assert_eq!(owners["relations"].as_array().unwrap().len(), OWNERS);
    assert!(owners["next"].is_null() && owners["prev"].is_null());

    // Paging through a group shows each relation once, in name order; the last page is short.
    let mut seen = Vec::new();
    let mut next = Some("/entities/agent?group=owns-out".to_string());
    while let Some(uri) = next {
        let page = json(&engine, &uri).await;
        let owned = group(&page, "owns-out");
        assert_eq!(owned["total"], OWNED);
        // The other groups stay on their first page.
        assert_eq!(group(&page, "director_of-out")["page"], 1);
        seen.extend(names(owned));
        next = owned["next"].as_str().map(str::to_string);
    }
    let mut expected: Vec<String> = (DIRECTORSHIPS..DIRECTORSHIPS + OWNED).map(company_name).collect();
    expected.sort();
    assert_eq!(seen, expected);
    let last = json(&engine, "/entities/agent?group=owns-out&page=5").await;
    assert_eq!(
        group(&last, "owns-out")["relations"].as_array().unwrap().len(),
        OWNED - 200
    );
    assert!(group(&last, "owns-out")["prev"]
        .as_str()
        .unwrap()
        .contains("page=4"));

    // A signed-in curator sees an end-relation form on every row: still bounded.
    let app = test::init_service(ownergraph::web::app(actix_web::web::Data::from(engine.clone()))).await;
    let client = session::sign_in(&app, session::ANA).await;
    let reply = send(&app, client.get("/entities/agent")).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains("End this relation"));
    assert!(
        reply.body.len() < PAGE_BOUND,
        "signed-in hub page is {} bytes",
        reply.body.len()
    );
}

#[actix_web::test]
async fn a_hubs_group_filters_by_name_with_exact_counts() {
    let (_dir, engine) = hub_engine();
    let engine = Arc::new(engine);
    let alpha = (0..DIRECTORSHIPS).filter(|i| i.is_multiple_of(7)).count();
    let page = json(&engine, "/entities/agent?group=director_of-out&q=ALPHA&page=3").await;
    let directors = group(&page, "director_of-out");
    assert_eq!(directors["total"], DIRECTORSHIPS);
    assert_eq!(directors["matching"], alpha);
    assert_eq!(directors["filter"], "alpha");
    assert_eq!(directors["page"], 3);
    let mut expected: Vec<String> = (0..DIRECTORSHIPS)
        .filter(|i| i.is_multiple_of(7))
        .map(company_name)
        .collect();
    expected.sort();
    assert_eq!(names(directors), expected[100..150]);
    assert!(directors["next"].as_str().unwrap().contains("q=alpha"));
    // The filter applies to its group only.
    assert!(group(&page, "owns-out")["filter"].as_str().unwrap().is_empty());
    let (_, html) = get(&engine, "/entities/agent?group=director_of-out&q=alpha", false).await;
    assert!(html.contains(&format!(
        "{} of 12,000 relations with a name containing “alpha”",
        common_count(alpha)
    )));
    // Nothing matches: an empty group that says so, not an error.
    let none = json(&engine, "/entities/agent?group=director_of-out&q=zzz").await;
    assert_eq!(group(&none, "director_of-out")["matching"], 0);
    assert_eq!(
        group(&none, "director_of-out")["relations"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

fn common_count(n: usize) -> String {
    let s = n.to_string();
    if s.len() > 3 {
        format!("{},{}", &s[..s.len() - 3], &s[s.len() - 3..])
    } else {
        s
    }
}

#[actix_web::test]
async fn bad_group_parameters_are_400s_that_say_what_is_allowed() {
    let (_dir, engine) = hub_engine();
    let engine = Arc::new(engine);
    for (uri, says) in [
        ("/entities/agent?group=owns", "KIND-out or KIND-in"),
        ("/entities/agent?group=owns-both", "KIND-out or KIND-in"),
        (
            "/entities/agent?group=owns-out&page=0",
            "page must be a whole number from 1",
        ),
        (
            "/entities/agent?group=owns-out&page=x",
            "page must be a whole number from 1",
        ),
        ("/entities/agent?group=owns-out&page=6", "it has 5 pages"),
        ("/entities/agent?page=2", "add group="),
        ("/entities/agent?q=alpha", "add group="),
        (
            "/entities/agent?group=family_of-in&page=2",
            "no relations in group family_of-in",
        ),
    ] {
        let (status, body) = get(&engine, uri, true).await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert!(body.contains(says), "{uri}: {body}");
    }
    let long = "a".repeat(201);
    let (status, body) = get(&engine, &format!("/entities/agent?group=owns-out&q={long}"), true).await;
    assert_eq!(status, 400);
    assert!(body.contains("at most 200 characters"), "{body}");
}

/// Hikvision's page (bundled data) shows every relation it did before paging existed: each
/// group whole, in the store's order, with no pager.
#[actix_web::test]
async fn an_ordinary_entity_shows_all_its_relations_as_before() {
    let engine = common::bundled();
    for id in ["hikvision", "xuar-psb", "ofac-4632", "ofac-2686"] {
        let detail = engine.read(|s| s.entity_detail(id)).unwrap().unwrap();
        let page = common::http_json(&format!("/entities/{id}"), 200).await;
        let groups = page["relations"].as_array().unwrap();
        let shown: Vec<(String, String, String)> = groups
            .iter()
            .flat_map(|g| {
                assert_eq!(
                    g["total"],
                    g["relations"].as_array().unwrap().len(),
                    "{id}: a whole group"
                );
                g["relations"].as_array().unwrap().iter().map(move |r| {
                    (
                        g["direction"].as_str().unwrap().to_string(),
                        r["kind"].as_str().unwrap().to_string(),
                        r["other_id"].as_str().unwrap().to_string(),
                    )
                })
            })
            .collect();
        let stored: Vec<(String, String, String)> = detail
            .incoming
            .iter()
            .map(|r| ("in", r))
            .chain(detail.outgoing.iter().map(|r| ("out", r)))
            .map(|(d, r)| {
                (
                    d.to_string(),
                    r.relation.kind.as_str().to_string(),
                    r.other_id.clone(),
                )
            })
            .collect();
        assert!(!stored.is_empty(), "{id} has relations");
        let sorted = |mut v: Vec<(String, String, String)>| {
            v.sort();
            v
        };
        assert_eq!(
            sorted(shown.clone()),
            sorted(stored.clone()),
            "{id}: the same relations"
        );
        // Same order too, up to ties between parties of the same name.
        let order = |v: &[(String, String, String)]| -> Vec<(String, String)> {
            v.iter().map(|(d, k, _)| (d.clone(), k.clone())).collect()
        };
        assert_eq!(order(&shown), order(&stored), "{id}: groups in the same order");
        let (_, html) = common::http_get(&format!("/entities/{id}"), false).await;
        assert!(
            !html.contains("group-filter"),
            "{id}: no pager on an ordinary page"
        );
    }
}

#[actix_web::test]
async fn a_graph_through_a_hub_is_capped_grouped_and_paged_with_exact_counts() {
    let (_dir, engine) = hub_engine();
    let engine = Arc::new(engine);
    // From one of the agent's companies, depth 2 reaches everything around the agent.
    let (_, body) = get(&engine, "/entities/co-5/graph?depth=2", true).await;
    assert!(body.len() < PAGE_BOUND, "graph JSON is {} bytes", body.len());
    let page: Value = serde_json::from_str(&body).unwrap();
    let everyone = 2 + DIRECTORSHIPS - 1 + OWNED + OWNERS;
    assert_eq!(page["reached"], everyone);
    assert_eq!(page["nodes"].as_array().unwrap().len(), 60);
    assert_eq!(page["omitted"], everyone - 60);
    let groups = page["groups"].as_array().unwrap();
    assert_eq!(groups[0]["via"], "agent");
    assert_eq!(groups[0]["kind"], "director_of");
    assert_eq!(groups[0]["direction"], "out");
    assert_eq!(
        groups[0]["count"],
        DIRECTORSHIPS - 1,
        "co-5 itself was reached first"
    );
    assert_eq!(
        groups[0]["text"],
        "Alpha Formation Agents Ltd is director of 11,999 companies"
    );
    assert_eq!(
        groups[0]["href"],
        "/entities/agent?group=director_of-out#group-director_of-out"
    );
    assert_eq!(groups[1]["count"], OWNED);
    let (_, html) = get(&engine, "/entities/co-5/graph?depth=2", false).await;
    assert!(html.len() < PAGE_BOUND);
    assert!(html.contains("Alpha Formation Agents Ltd is director of 11,999 companies"));
    assert!(html.contains(&format!("{} more not shown", common_count(everyone - 60))));

    // Filters by kind and by schema keep exact counts.
    let owns = json(&engine, "/entities/agent/graph?depth=1&kinds=owns").await;
    assert_eq!(owns["reached"], 1 + OWNED + OWNERS);
    let persons = json(&engine, "/entities/agent/graph?depth=3&schemas=Person").await;
    assert_eq!(persons["reached"], 1 + OWNERS);
    assert!(persons["nodes"].as_array().unwrap()[1..]
        .iter()
        .all(|n| n["schema"] == "Person"));
    let none = json(&engine, "/entities/co-5/graph?depth=3&schemas=Person").await;
    assert_eq!(
        none["reached"], 1,
        "the agent is a company: a walk over persons stops at once"
    );

    // Pages: the start and 59 more each, none twice, the last one short.
    let per_page = 59;
    let others = DIRECTORSHIPS + OWNED + OWNERS;
    let pages = others.div_ceil(per_page);
    let first = json(&engine, "/entities/agent/graph?depth=1").await;
    assert_eq!(first["pages"], pages);
    let second_uri = first["next"].as_str().unwrap().to_string();
    assert!(second_uri.contains("page=2"), "{second_uri}");
    let second = json(&engine, &second_uri).await;
    let ids = |p: &Value| -> Vec<String> {
        p["nodes"].as_array().unwrap()[1..]
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(ids(&first).iter().all(|id| !ids(&second).contains(id)));
    assert_eq!(second["nodes"][0]["id"], "agent", "the start is on every page");
    let last = json(&engine, &format!("/entities/agent/graph?depth=1&page={pages}")).await;
    assert_eq!(
        last["nodes"].as_array().unwrap().len(),
        1 + others - (pages - 1) * per_page
    );
    for (uri, says) in [
        (
            format!("/entities/agent/graph?depth=1&page={}", pages + 1),
            "pages of 59 entities",
        ),
        (
            "/entities/agent/graph?page=0".to_string(),
            "page must be a whole number",
        ),
        (
            "/entities/agent/graph?schemas=Ship".to_string(),
            "schemas: unknown schema",
        ),
    ] {
        let (status, body) = get(&engine, &uri, true).await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert!(body.contains(says), "{uri}: {body}");
    }
}

/// A path highlighted on a hub's graph (the paths page's link) keeps its entities on the page
/// even when the walk reaches them far past the 60 drawn, counted once: `reached` is what it
/// was, `omitted` one less, and the pages are the same pages.
#[actix_web::test]
async fn a_path_through_a_hub_is_drawn_beyond_the_window_with_exact_counts() {
    let (_dir, engine) = hub_engine();
    let engine = Arc::new(engine);
    let path = "path=owner-0%2Cagent%2Cco-11000";
    let ids = |p: &Value| -> Vec<String> {
        p["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["id"].as_str().unwrap().to_string())
            .collect()
    };
    let plain = json(&engine, "/entities/owner-0/graph?depth=2").await;
    let page = json(&engine, &format!("/entities/owner-0/graph?depth=2&{path}")).await;
    assert!(!ids(&plain).contains(&"co-11000".to_string()), "past the window");
    assert_eq!(page["reached"], plain["reached"]);
    assert_eq!(page["path_only"], 0, "reached, so not drawn apart");
    assert_eq!(ids(&page), [ids(&plain), vec!["co-11000".to_string()]].concat());
    assert_eq!(page["omitted"], plain["omitted"].as_u64().unwrap() - 1);
    let marked: Vec<String> = page["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["on_path"] == true)
        .map(|e| format!("{} {} {}", e["source"], e["kind"], e["target"]))
        .collect();
    assert_eq!(
        marked,
        [
            r#""agent" "director_of" "co-11000""#,
            r#""owner-0" "owns" "agent""#
        ]
    );
    assert_eq!(page["pages"], plain["pages"]);
    let next = page["next"].as_str().unwrap();
    assert!(next.contains(path), "the next page keeps the path: {next}");
    let second = json(&engine, next).await;
    let second_plain = json(&engine, plain["next"].as_str().unwrap()).await;
    // Every page draws the whole path: the agent (reached on the first page) and co-11000 too.
    let mut expected = ids(&second_plain);
    expected.insert(1, "agent".to_string());
    expected.push("co-11000".to_string());
    assert_eq!(ids(&second), expected);
}

#[actix_web::test]
async fn paths_avoid_hubs_by_default_and_say_what_they_skipped() {
    let (_dir, engine) = hub_engine();
    let engine = Arc::new(engine);
    let agent_links = DIRECTORSHIPS + OWNED + OWNERS;
    // Two of the agent's companies meet only through it.
    let avoided = json(&engine, "/paths?from=co-1&to=co-2").await;
    assert_eq!(avoided["avoid_hubs"], true);
    assert_eq!(avoided["max_links"], 1000);
    assert_eq!(avoided["paths"].as_array().unwrap().len(), 0);
    let skipped = &avoided["skipped"];
    assert_eq!(skipped["hops"], 2);
    assert_eq!(skipped["hubs"][0]["id"], "agent");
    assert_eq!(skipped["hubs"][0]["links"], agent_links);
    assert_eq!(skipped["href"], "/paths?from=co-1&to=co-2&hubs=through");
    let (_, html) = get(&engine, "/paths?from=co-1&to=co-2", false).await;
    assert!(
        html.contains("A shorter path of 2 hops was skipped"),
        "the page says so"
    );
    assert!(html.contains(&format!("({} links)", common_count(agent_links))));
    // Through hubs, or with a higher limit, the path is found and nothing is skipped.
    for uri in [
        "/paths?from=co-1&to=co-2&hubs=through",
        "/paths?from=co-1&to=co-2&max_links=20000",
    ] {
        let through = json(&engine, uri).await;
        assert_eq!(through["paths"].as_array().unwrap().len(), 1, "{uri}");
        assert_eq!(through["paths"][0]["nodes"][1]["id"], "agent");
        assert!(through["skipped"].is_null(), "{uri}");
    }
    // A hub may be an end: the limit is on what a path passes through.
    let from_hub = json(&engine, "/paths?from=agent&to=co-3").await;
    assert_eq!(from_hub["paths"][0]["hops"], 1);
    assert!(from_hub["skipped"].is_null());
    for (uri, says) in [
        (
            "/paths?from=co-1&to=co-2&hubs=maybe",
            "hubs must be avoid or through",
        ),
        (
            "/paths?from=co-1&to=co-2&max_links=0",
            "max_links must be a whole number from 1",
        ),
    ] {
        let (status, body) = get(&engine, uri, true).await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert!(body.contains(says), "{uri}: {body}");
    }
}

#[actix_web::test]
async fn search_and_screening_for_hub_names_stay_bounded() {
    let (_dir, engine) = hub_engine();
    let engine = Arc::new(engine);
    // "alpha" is in the agent's name and in 1,748 of its companies' names.
    for uri in [
        "/search?q=alpha",
        "/search?q=Alpha+Formation+Agents+Ltd",
        "/search?q=nominee+client&page=3",
    ] {
        let (status, body) = get(&engine, uri, true).await;
        assert_eq!(status, 200, "{uri}: {body}");
        assert!(body.len() < PAGE_BOUND, "{uri}: {} bytes", body.len());
        let page: Value = serde_json::from_str(&body).unwrap();
        assert!(page["hits"].as_array().unwrap().len() <= 20, "{uri}");
        let (_, html) = get(&engine, uri, false).await;
        assert!(html.len() < PAGE_BOUND, "{uri}: {} bytes of HTML", html.len());
    }
    let exact = json(&engine, "/search?q=Alpha+Formation+Agents+Ltd").await;
    assert_eq!(exact["hits"][0]["id"], "agent", "the hub itself first");
    for uri in [
        "/match?name=Alpha+Formation+Agents+Ltd",
        "/match?name=Alpha+Nominee+Client+Company",
    ] {
        let (status, body) = get(&engine, uri, true).await;
        assert_eq!(status, 200, "{uri}: {body}");
        assert!(body.len() < PAGE_BOUND, "{uri}: {} bytes", body.len());
    }
}

/// The generator's hub world (synthetic, `generate --shape hubs`, 20,000 entities): a formation
/// agent's registered office is an address node that the agent and every company it formed
/// have, so "who else is at this address" is one walk, with exact counts on a bounded page.
#[actix_web::test]
async fn a_registered_office_is_a_node_its_companies_share() {
    use ownergraph::generate::{generate_shaped, HubParams, Shape};
    let (_dir, engine) = common::empty_engine();
    let entities = 20_000;
    let batch = generate_shaped(entities, 7, Shape::Hubs);
    let record = ImportRecord {
        dataset: batch.dataset.clone(),
        format: "generate".into(),
        path: "generated".into(),
        checksum: "seed-7".into(),
    };
    engine
        .apply(&batch, &record)
        .expect("the generated world applies");
    let engine = Arc::new(engine);
    let formed = HubParams::for_entities(entities).degree(1);

    let (status, body) = get(&engine, "/entities/syn-address-1", true).await;
    assert_eq!(status, 200);
    assert!(body.len() < PAGE_BOUND, "address JSON is {} bytes", body.len());
    let office: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(office["entity"]["schema"], "Address");
    let at = group(&office, "has_address-in");
    assert_eq!(at["total"], formed + 1, "the agent and the companies it formed");
    assert_eq!(at["label"], "is the address of");
    let (_, html) = get(&engine, "/entities/syn-address-1", false).await;
    assert!(html.len() < PAGE_BOUND);
    assert!(
        html.contains(&format!("{} relations", common_count(formed + 1))),
        "exact count"
    );

    // From a company the agent formed (and no other formation agent did), depth 2 over
    // addresses alone reaches everyone at its office.
    let offices = |id: &str| {
        batch
            .relations
            .iter()
            .filter(|(_, r)| r.source == id && r.kind == RelationKind::HasAddress)
            .count()
    };
    let company = batch
        .relations
        .iter()
        .filter(|(_, r)| r.source == "syn-hub-1" && r.kind == RelationKind::DirectorOf)
        .map(|(_, r)| r.target.clone())
        .find(|c| offices(c) == 1)
        .unwrap();
    let walk = json(
        &engine,
        &format!("/entities/{company}/graph?depth=2&kinds=has_address"),
    )
    .await;
    assert_eq!(
        walk["reached"],
        formed + 2,
        "the company, the office, and everyone else there"
    );
    let groups = walk["groups"].as_array().unwrap();
    assert_eq!(groups[0]["via"], "syn-address-1");
    assert_eq!(groups[0]["kind"], "has_address");
    // Only the nominee directors' even ranks have no office.
    let (status, _) = get(&engine, "/entities/syn-address-2", true).await;
    assert_eq!(status, 404);
}
