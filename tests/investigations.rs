//! Investigations over HTTP, on a private copy of the bundled real data: saving a canvas
//! (sign-in and CSRF as in curation), reopening it with its positions and notes, read-only for
//! others, exports, FtM import, and what changed since it was saved.

mod common;

use common::session::{json, multipart, send, sign_in, with_accounts, Client, ANA, BOUNDARY, ROOT};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::web;
use serde_json::{json as j, Value};

const CANVAS: &str = r#"{"nodes":[
  {"id":"hikvision","x":100,"y":300},
  {"id":"cethik","x":100,"y":150,"note":"38.88% owner"},
  {"id":"cetc","x":140.5,"y":0,"expanded":true}],
 "edges":[
  {"source":"cethik","target":"hikvision","kind":"owns","note":"2021 annual report"},
  {"source":"cetc","target":"cethik","kind":"owns"}]}"#;

async fn save<S, B>(app: &S, client: &Client, name: &str, canvas: &str) -> common::session::Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    send(
        app,
        client.post("/investigations").set_form([
            ("csrf", client.csrf.as_str()),
            ("name", name),
            ("canvas", canvas),
        ]),
    )
    .await
}

fn node<'a>(page: &'a Value, id: &str) -> &'a Value {
    page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {page}"))
}

/// A curator's form adding a relation of `entity`: its direction, other end and kind, then its
/// start date, evidence and reason (confidence M).
fn curated_relation(
    curator: &Client,
    entity: &str,
    relation: [(&str, &str); 3],
    (start_date, evidence, reason): (&str, &str, &str),
) -> TestRequest {
    let mut form = vec![("csrf", curator.csrf.as_str())];
    form.extend(relation);
    form.extend([
        ("start_date", start_date),
        ("evidence", evidence),
        ("confidence", "M"),
        ("reason", reason),
    ]);
    curator
        .post(&format!("/entities/{entity}/relations"))
        .set_form(form)
}

#[actix_web::test]
async fn a_saved_canvas_reopens_as_it_was_and_only_its_owner_may_change_it() {
    let (_dir, engine) = common::bundled_copy();
    let engine = with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let ana = sign_in(&app, ANA).await;

    let saved = save(&app, &ana, "  Hikvision's owners ", CANVAS).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let at = saved.header(header::LOCATION).to_string();
    assert!(at.starts_with("/investigations/"), "{at}");

    let page = send(&app, json(TestRequest::get().uri(&at))).await.json();
    assert_eq!(page["investigation"]["name"], "Hikvision's owners");
    assert_eq!(page["investigation"]["owner"], "ana");
    assert_eq!(
        page["editable"], false,
        "read-only for a reader who is not signed in"
    );
    assert_eq!(page["nodes"].as_array().unwrap().len(), 3);
    let cetc = node(&page, "cetc");
    assert_eq!((cetc["x"].as_f64(), cetc["y"].as_f64()), (Some(140.5), Some(0.0)));
    assert_eq!(cetc["expanded"], true);
    assert_eq!(node(&page, "cethik")["note"], "38.88% owner");
    assert_eq!(node(&page, "hikvision")["lists"][0], "Entity List");
    let edge = &page["edges"][0];
    assert_eq!(
        (edge["source"].as_str(), edge["kind"].as_str()),
        (Some("cethik"), Some("owns"))
    );
    assert_eq!(edge["share_text"], "38.88%");
    assert_eq!(edge["note"], "2021 annual report");
    assert_eq!(page["changed"], j!([]));

    // The page without script: the picture at the saved places, the notes in the tables.
    let html = send(&app, ana.get(&at)).await;
    assert_eq!(html.status, 200);
    let svg = &common::svgs(&html.body)[0];
    assert!(svg.contains(r#"href="/entities/cethik""#), "{svg}");
    assert!(html.body.contains("38.88% owner"));
    assert!(
        html.body.contains(r#"data-editable="true""#),
        "its owner may edit"
    );
    assert!(html.body.contains(r#"<template id="save-canvas">"#));
    common::assert_escaped(&html.body);

    // Another user reads it but may not save over it.
    let root = sign_in(&app, ROOT).await;
    let html = send(&app, root.get(&at)).await;
    assert!(html.body.contains(r#"data-editable="false""#));
    assert!(!html.body.contains(r#"<template id="save-canvas">"#));
    let refused = send(
        &app,
        root.post(&at)
            .set_form([("csrf", root.csrf.as_str()), ("name", "mine"), ("canvas", CANVAS)]),
    )
    .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("is ana&#39;s") || refused.body.contains("is ana's"),
        "{}",
        refused.body
    );

    // Its owner moves a node and saves.
    let moved = CANVAS.replace(r#""x":100,"y":300"#, r#""x":420,"y":310"#);
    let again = send(
        &app,
        ana.post(&at).set_form([
            ("csrf", ana.csrf.as_str()),
            ("name", ""),
            ("canvas", moved.as_str()),
        ]),
    )
    .await;
    assert_eq!(again.status, 303, "{}", again.body);
    let page = send(&app, json(TestRequest::get().uri(&at))).await.json();
    assert_eq!(node(&page, "hikvision")["x"], 420.0);
    assert_eq!(
        page["investigation"]["name"], "Hikvision's owners",
        "an empty name keeps the old one"
    );
    let listed = send(&app, json(TestRequest::get().uri("/investigations")))
        .await
        .json();
    assert_eq!(listed["investigations"][0]["name"], "Hikvision's owners");
}

#[actix_web::test]
async fn saving_needs_a_session_its_csrf_token_and_a_canvas_that_holds() {
    let (_dir, engine) = common::bundled_copy();
    let engine = with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let anonymous = send(
        &app,
        TestRequest::post().uri("/investigations").set_form([
            ("csrf", "x"),
            ("name", "n"),
            ("canvas", CANVAS),
        ]),
    )
    .await;
    assert_eq!(anonymous.status, 401);
    let ana = sign_in(&app, ANA).await;
    let forged = send(
        &app,
        ana.post("/investigations")
            .set_form([("csrf", "not the token"), ("name", "n"), ("canvas", CANVAS)]),
    )
    .await;
    assert_eq!(forged.status, 403);
    let many: Vec<Value> = (0..2001)
        .map(|i| j!({"id": "hikvision", "x": i, "y": 0}))
        .collect();
    let many = j!({ "nodes": many }).to_string();
    // (canvas, name, the message)
    let cases = [
        ("{", "n", "canvas: not a canvas"),
        (r#"{"nodes":[]}"#, "n", "canvas: no entities"),
        (
            r#"{"nodes":[{"id":"nobody-at-all","x":0,"y":0}]}"#,
            "n",
            "nodes[0]: no entity with id",
        ),
        (
            r#"{"nodes":[{"id":"cetc","x":0,"y":0},{"id":"cetc","x":1,"y":1}]}"#,
            "n",
            "is on the canvas twice",
        ),
        (
            r#"{"nodes":[{"id":"cetc","x":1e12,"y":0}]}"#,
            "n",
            "nodes[0]: x and y must be numbers",
        ),
        (
            r#"{"nodes":[{"id":"cetc","x":0,"y":0},{"id":"hikvision","x":0,"y":0}],"edges":[{"source":"cetc","target":"hikvision","kind":"owns"}]}"#,
            "n",
            "edges[0]: no owns relation from",
        ),
        (
            r#"{"nodes":[{"id":"cetc","x":0,"y":0}],"edges":[{"source":"cetc","target":"cethik","kind":"owns"}]}"#,
            "n",
            "edges[0]: a relation joins two entities on the canvas",
        ),
        (CANVAS, "", "name: 1 to 200 characters, got 0"),
        (&many, "n", "canvas: 2001 entities; at most 2000"),
    ];
    for (canvas, name, message) in cases {
        let reply = send(
            &app,
            ana.post("/investigations").set_form([
                ("csrf", ana.csrf.as_str()),
                ("name", name),
                ("canvas", canvas),
            ]),
        )
        .await;
        assert_eq!(reply.status, 400, "{message}: {}", reply.body);
        assert!(reply.body.contains(message), "{message}: {}", reply.body);
    }
    for missing in [
        "/investigations/999",
        "/investigations/x",
        "/investigations/999/export",
    ] {
        assert_eq!(
            send(&app, TestRequest::get().uri(missing)).await.status,
            404,
            "{missing}"
        );
    }
}

#[actix_web::test]
async fn exports_hold_the_canvas_and_an_ftm_file_comes_back_as_an_investigation() {
    let (_dir, engine) = common::bundled_copy();
    let engine = with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let ana = sign_in(&app, ANA).await;
    let at = save(&app, &ana, "owners", CANVAS)
        .await
        .header(header::LOCATION)
        .to_string();

    let svg = send(&app, TestRequest::get().uri(&format!("{at}/export?format=svg"))).await;
    assert_eq!(svg.status, 200);
    assert!(svg.header(header::CONTENT_TYPE).starts_with("image/svg+xml"));
    assert!(
        svg.body.starts_with("<svg") && svg.body.contains("China Electronics Technology"),
        "{}",
        svg.body
    );
    assert_eq!(
        svg.body.matches("<g class=\"edge").count(),
        2,
        "two relations drawn"
    );

    let graphml = send(
        &app,
        TestRequest::get().uri(&format!("{at}/export?format=graphml")),
    )
    .await;
    assert_eq!(graphml.status, 200);
    assert_eq!(graphml.body.matches("<node ").count(), 3, "{}", graphml.body);
    assert_eq!(graphml.body.matches("<edge ").count(), 2);

    let ftm = send(&app, TestRequest::get().uri(&format!("{at}/export?format=ftm"))).await;
    assert_eq!(ftm.status, 200);
    let lines: Vec<Value> = ftm
        .body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    for id in ["hikvision", "cethik", "cetc"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    assert_eq!(lines.iter().filter(|l| l["schema"] == "Ownership").count(), 2);
    let bad = send(&app, TestRequest::get().uri(&format!("{at}/export?format=png"))).await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("not one of svg, ftm, graphml"), "{}", bad.body);

    // The FtM file, plus an entity this database does not hold, imported as a new one.
    let mut file = ftm.body.clone();
    file.push_str(r#"{"id":"elsewhere-1","schema":"Company","properties":{"name":["Elsewhere Ltd"]}}"#);
    file.push('\n');
    let upload = |fields: &[(&str, &str)], bytes: &[u8]| {
        ana.post("/investigations/import")
            .insert_header((
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ))
            .set_payload(multipart(fields, &[("file", "owners.ftm.json", bytes)]))
    };
    let imported = send(
        &app,
        upload(&[("csrf", &ana.csrf), ("name", "")], file.as_bytes()),
    )
    .await;
    assert_eq!(imported.status, 303, "{}", imported.body);
    let to = imported.header(header::LOCATION).to_string();
    assert!(to.ends_with("?left_out=1"), "{to}");
    let page = send(&app, json(TestRequest::get().uri(&to))).await.json();
    assert_eq!(page["investigation"]["name"], "owners.ftm.json");
    let mut ids: Vec<&str> = page["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, ["cetc", "cethik", "hikvision"]);
    assert_eq!(page["edges"].as_array().unwrap().len(), 2);
    let y = |id| node(&page, id)["y"].as_f64().unwrap();
    assert!(
        y("cetc") < y("cethik") && y("cethik") < y("hikvision"),
        "laid out owners above"
    );
    let html = send(&app, TestRequest::get().uri(&to)).await.body;
    assert!(
        html.contains("1 entities of the imported file are not in this database"),
        "{html}"
    );

    // Refusals: no CSRF token, a broken line, no entity known.
    let forged = send(&app, upload(&[("csrf", "wrong")], file.as_bytes())).await;
    assert_eq!(forged.status, 403);
    let broken = send(
        &app,
        upload(&[("csrf", &ana.csrf)], b"{\"id\": \"x\"\nnot json\n"),
    )
    .await;
    assert_eq!(broken.status, 400);
    assert!(broken.body.contains("owners.ftm.json:1"), "{}", broken.body);
    let unknown = br#"{"id":"elsewhere-1","schema":"Company","properties":{"name":["Elsewhere Ltd"]}}"#;
    let none = send(&app, upload(&[("csrf", &ana.csrf)], unknown)).await;
    assert_eq!(none.status, 400);
    assert!(
        none.body
            .contains("none of its 1 entities is in the database: none has an id it holds, a decisive"),
        "{}",
        none.body
    );
    let anonymous = send(
        &app,
        TestRequest::post()
            .uri("/investigations/import")
            .insert_header((
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ))
            .set_payload(multipart(&[], &[("file", "f.json", unknown)])),
    )
    .await;
    assert_eq!(anonymous.status, 401);
}

#[actix_web::test]
async fn reopening_says_what_changed_about_its_entities_since_it_was_saved() {
    let (_dir, engine) = common::bundled_copy();
    let engine = with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let ana = sign_in(&app, ANA).await;
    let at = save(&app, &ana, "owners", CANVAS)
        .await
        .header(header::LOCATION)
        .to_string();
    // A new relation of Hikvision, as a curator (or a release) adds it.
    let added = send(
        &app,
        curated_relation(
            &ana,
            "hikvision",
            [("direction", "in"), ("other", "sasac"), ("kind", "controls")],
            ("2022-01-01", "https://example.org/filing", "reported control"),
        ),
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let page = send(&app, json(TestRequest::get().uri(&at))).await.json();
    assert_eq!(
        page["changed"].as_array().unwrap().len(),
        1,
        "{}",
        page["changed"]
    );
    let change = &page["changed"][0];
    assert_eq!(change["id"], "hikvision");
    assert_eq!(change["name"], "Hikvision");
    assert_eq!(
        change["added"],
        j!(["sasac controls hikvision from 2022-01-01 until …"])
    );
    assert_eq!(change["removed"], j!([]));
    let html = send(&app, TestRequest::get().uri(&at)).await.body;
    assert!(html.contains("Changed since it was saved"));
    assert!(
        html.contains("now: sasac controls hikvision from 2022-01-01 until …"),
        "{html}"
    );
    // Saving again takes the data as it is now.
    let resaved = send(
        &app,
        ana.post(&at)
            .set_form([("csrf", ana.csrf.as_str()), ("name", ""), ("canvas", CANVAS)]),
    )
    .await;
    assert_eq!(resaved.status, 303);
    let page = send(&app, json(TestRequest::get().uri(&at))).await.json();
    assert_eq!(page["changed"], j!([]));
}

/// A later release of the 2019 case, imported through the form as an admin does it: it no
/// longer holds "CETHIK owns Hikvision" (so the relation ends on the release day) and lists
/// CETHIK. The investigation saved before the release says so when it is reopened.
#[actix_web::test]
async fn a_later_release_imported_over_http_shows_in_an_investigation_saved_before_it() {
    let (_dir, engine) = common::bundled_copy();
    let engine = with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let ana = sign_in(&app, ANA).await;
    let at = save(&app, &ana, "owners", CANVAS)
        .await
        .header(header::LOCATION)
        .to_string();
    let page = send(&app, json(TestRequest::get().uri(&at))).await.json();
    assert_eq!(page["changed"], j!([]), "nothing changed yet");

    let file = |name: &str| {
        std::fs::read_to_string(common::entity_list_dir().join(name)).expect("the 2019 case reads")
    };
    let (entities, relations, listings) = (file("entities.csv"), file("relations.csv"), file("listings.csv"));
    let kept: String = relations
        .lines()
        .filter(|l| !l.starts_with("cethik,hikvision,owns,"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        kept.lines().count() + 1,
        relations.lines().count(),
        "one relation dropped"
    );
    let hikvision_listing = listings
        .lines()
        .find(|l| l.starts_with("hikvision,"))
        .expect("Hikvision is listed in 2019");
    let listings = format!(
        "{listings}{}\n",
        hikvision_listing
            .replacen("hikvision,", "cethik,", 1)
            .replace("2019-10-09", "2026-01-15")
    );
    let root = sign_in(&app, ROOT).await;
    let import = root
        .post("/import")
        .insert_header((
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .set_payload(multipart(
            &[
                ("csrf", &root.csrf),
                ("format", "csv"),
                ("dataset", "entity-list-2019"),
                ("as_of", "2026-02-01"),
            ],
            &[
                ("entities", "entities.csv", entities.as_bytes()),
                ("relations", "relations.csv", kept.as_bytes()),
                ("listings", "listings.csv", listings.as_bytes()),
                ("file", "", b""),
            ],
        ));
    let imported = send(&app, json(import)).await;
    assert_eq!(imported.status, 200, "{}", imported.body);
    let report = &imported.json()["report"];
    assert_eq!(report["listings_added"], 1, "{report}");

    let page = send(&app, json(TestRequest::get().uri(&at))).await.json();
    let changed = page["changed"].as_array().unwrap();
    let change = |id: &str| {
        changed
            .iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("{id} changed: {changed:?}"))
    };
    let ended = "cethik owns hikvision from 2021-01-01 until 2026-02-01";
    let open = "cethik owns hikvision from 2021-01-01 until …";
    assert_eq!(change("hikvision")["added"], j!([ended]));
    assert_eq!(change("hikvision")["removed"], j!([open]));
    assert_eq!(
        change("cethik")["added"],
        j!([ended, "listed on Entity List from 2026-01-15 until …"])
    );
    assert_eq!(change("cethik")["removed"], j!([open]));
    assert!(
        changed.iter().all(|c| c["id"] != "cetc"),
        "CETC's facts are as they were: {changed:?}"
    );
    let html = send(&app, TestRequest::get().uri(&at)).await.body;
    assert!(html.contains("Changed since it was saved"), "{html}");
    assert!(html.contains(&format!("now: {ended}")), "{html}");
    assert!(
        html.contains("now: listed on Entity List from 2026-01-15 until …"),
        "{html}"
    );
}

/// Relations of the synthetic hub: one agent director of this many companies, owned by one
/// person.
const HUB_LINKS: usize = 80_000;

/// A formation agent with [`HUB_LINKS`] directorships and one owner (dataset `hub-test`,
/// made by the test as `tests/hub_pages.rs` makes its hub).
fn hub_engine() -> (tempfile::TempDir, ownergraph::engine::Engine) {
    use ownergraph::model::{Batch, Entity, Origin, Relation, RelationKind, Schema};
    let (dir, engine) = common::empty_engine();
    let origin = Origin {
        file: std::sync::Arc::from("hub-test"),
        line: 1,
    };
    let mut batch = Batch {
        dataset: "hub-test".into(),
        ..Batch::default()
    };
    let mut entity = |id: &str, schema, name: &str| {
        batch
            .entities
            .push((origin.clone(), Entity::new(id, schema, name, "hub-test")));
    };
    entity("agent", Schema::Company, "Alpha Formation Agents Ltd");
    entity("owner-0", Schema::Person, "Owner Zero");
    for i in 0..HUB_LINKS {
        entity(
            &format!("co-{i}"),
            Schema::Company,
            &format!("Client Company {i:05} Limited"),
        );
    }
    for i in 0..HUB_LINKS {
        let r = Relation::new("agent", &format!("co-{i}"), RelationKind::DirectorOf, "hub-test");
        batch.relations.push((origin.clone(), r));
    }
    let r = Relation::new("owner-0", "agent", RelationKind::Owns, "hub-test");
    batch.relations.push((origin.clone(), r));
    let record = ownergraph::store::ImportRecord {
        dataset: "hub-test".into(),
        format: "csv".into(),
        path: "hub-test".into(),
        checksum: "hub-test".into(),
    };
    engine.apply(&batch, &record).expect("the hub applies");
    (dir, engine)
}

/// A canvas holding an 80,000-link hub saves a few lines for it, not 80,000: its relations with
/// entities on the canvas, and the rest counted by kind and direction; a new relation of the hub
/// off the canvas shows as a changed count.
#[actix_web::test]
async fn a_hub_on_the_canvas_saves_bounded_facts_and_still_shows_changes() {
    let (_dir, engine) = hub_engine();
    let engine = with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let ana = sign_in(&app, ANA).await;
    let canvas = r#"{"nodes":[
      {"id":"agent","x":0,"y":100},{"id":"co-1","x":0,"y":200},{"id":"owner-0","x":0,"y":0}],
     "edges":[{"source":"agent","target":"co-1","kind":"director_of"},
      {"source":"owner-0","target":"agent","kind":"owns"}]}"#;
    let saved = save(&app, &ana, "the agent", canvas).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let at = saved.header(header::LOCATION).to_string();
    let iid: i64 = at.trim_start_matches("/investigations/").parse().unwrap();
    let row = engine
        .read(|store| store.investigation(iid))
        .unwrap()
        .expect("the investigation is stored");
    assert!(row.facts.len() < 2_000, "{} bytes of facts", row.facts.len());
    let facts: std::collections::BTreeMap<String, Vec<String>> = serde_json::from_str(&row.facts).unwrap();
    let rest = HUB_LINKS - 1;
    assert_eq!(
        facts["agent"],
        [
            "agent director_of co-1 from … until …".to_string(),
            format!("agent director_of …: {rest} relations with entities not on the canvas ({rest} open, 0 ended)"),
            "owner-0 owns agent from … until …".to_string(),
        ]
    );
    assert_eq!(
        facts["co-1"],
        ["agent director_of co-1 from … until …"],
        "an ordinary entity keeps its lines"
    );

    // A curator adds a relation of the hub to a company off the canvas.
    let added = send(
        &app,
        curated_relation(
            &ana,
            "agent",
            [("direction", "out"), ("other", "co-2"), ("kind", "owns")],
            ("2025-03-01", "https://example.org/register", "register filing"),
        ),
    )
    .await;
    assert_eq!(added.status, 303, "{}", added.body);
    let reopened = send(&app, json(TestRequest::get().uri(&at))).await;
    assert!(reopened.body.len() < 20_000, "{} bytes", reopened.body.len());
    assert_eq!(
        reopened.json()["changed"],
        j!([{
            "id": "agent",
            "name": "Alpha Formation Agents Ltd",
            "added": ["agent owns …: 1 relations with entities not on the canvas (1 open, 0 ended)"],
            "removed": [],
            "gone": false,
        }])
    );
}

/// An FtM file as OpenSanctions or Aleph write it: ids of their own, so none is ours. Its
/// entities are found by a decisive identifier (the tanker ARTAVIL's IMO number, from the SDN
/// list) or by the same normalised name where only one of ours has it (the 2019 case's SASAC,
/// CETC, Gong Hongjia), each noted; a name two of ours hold (Hikvision, in the 2019 case and
/// the 2026 Entity List) and an unknown company are left out. The file's own relation between
/// two entities found is drawn when the database holds it and counted when it does not.
#[actix_web::test]
async fn a_foreign_ftm_file_is_matched_by_identifier_or_exact_name() {
    let (_dir, engine) = common::bundled_copy();
    let engine = with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let ana = sign_in(&app, ANA).await;
    let file = [
        r#"{"id":"NK-tanker","schema":"Vessel","properties":{"name":["Artavil"],"imoNumber":["IMO 9187629"]}}"#,
        r#"{"id":"NK-sasac","schema":"PublicBody","properties":{"name":["State-owned Assets Supervision and Administration Commission of the State Council"],"country":["cn"]}}"#,
        r#"{"id":"NK-cetc","schema":"Company","properties":{"name":["CHINA ELECTRONICS TECHNOLOGY GROUP CORPORATION"],"country":["cn"]}}"#,
        r#"{"id":"NK-gong","schema":"Person","properties":{"name":["Gong Hongjia"],"nationality":["cn"]}}"#,
        r#"{"id":"NK-hik","schema":"Company","properties":{"name":["Hikvision"],"country":["cn"]}}"#,
        r#"{"id":"NK-elsewhere","schema":"Company","properties":{"name":["Elsewhere Trading Ltd"]}}"#,
        r#"{"id":"NK-own","schema":"Ownership","properties":{"owner":["NK-sasac"],"asset":["NK-cetc"]}}"#,
        r#"{"id":"NK-dir","schema":"Directorship","properties":{"director":["NK-gong"],"organization":["NK-cetc"]}}"#,
    ]
    .join("\n");
    let imported = send(
        &app,
        ana.post("/investigations/import")
            .insert_header((
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            ))
            .set_payload(multipart(
                &[("csrf", &ana.csrf), ("name", "")],
                &[("file", "opensanctions.ftm.json", file.as_bytes())],
            )),
    )
    .await;
    assert_eq!(imported.status, 303, "{}", imported.body);
    let to = imported.header(header::LOCATION).to_string();
    assert!(
        to.ends_with("?left_out=1&ambiguous=1&matched=4&not_held=1"),
        "{to}"
    );
    let page = send(&app, json(TestRequest::get().uri(&to))).await.json();
    let nodes = page["nodes"].as_array().unwrap();
    let mut ids: Vec<&str> = nodes.iter().map(|n| n["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let tanker = nodes
        .iter()
        .find(|n| n["name"] == "ARTAVIL")
        .unwrap_or_else(|| panic!("the tanker in {ids:?}"));
    let tanker_id = tanker["id"].as_str().unwrap();
    let mut expected = vec!["cetc", "gong-hongjia", "sasac", tanker_id];
    expected.sort_unstable();
    assert_eq!(ids, expected);
    let note = tanker["note"].as_str().unwrap();
    assert!(
        note.starts_with(
            "From opensanctions.ftm.json: NK-tanker \"Artavil\", matched by identifier: same IMO"
        ) && note.contains("9187629"),
        "{note}"
    );
    let note = node(&page, "cetc")["note"].as_str().unwrap();
    assert!(
        note.starts_with("From opensanctions.ftm.json: NK-cetc \"CHINA ELECTRONICS TECHNOLOGY GROUP CORPORATION\", matched by name: same name"),
        "{note}"
    );
    let edges = page["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{edges:?}");
    assert_eq!(
        (
            edges[0]["source"].as_str(),
            edges[0]["kind"].as_str(),
            edges[0]["target"].as_str()
        ),
        (Some("sasac"), Some("owns"), Some("cetc"))
    );
    let html = send(&app, TestRequest::get().uri(&to)).await.body;
    for notice in [
        "4 entities of the imported file were found by a decisive identifier or by the same name",
        "1 entities of the imported file are not in this database",
        "1 entities of the imported file were left out because their name fits several",
        "1 relations of the imported file between entities found are not in this database",
    ] {
        assert!(html.contains(notice), "{notice}: {html}");
    }
}
