//! Accounts, sessions and curation over HTTP, on a private copy of the bundled real data:
//! signing in (wrong password, rate limit, CSRF), adding a relation that reaches both entity
//! pages and the graph, the history, and an admin's revert.

mod common;

use common::session::{json, send, sign_in, try_sign_in, with_accounts, ANA, ROOT};

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::web;
use ownergraph::accounts;
use ownergraph::engine::Engine;
use ownergraph::model::KindSet;
use std::sync::Arc;

/// A fresh copy of the bundled data with a curator `ana` and an admin `root`.
fn world() -> (tempfile::TempDir, Arc<Engine>) {
    let (dir, engine) = common::bundled_copy();
    (dir, with_accounts(engine))
}

/// The edges of a shortest path between two entities in the engine's current graph.
fn path_between(engine: &Engine, from: &str, to: &str) -> Option<Vec<u32>> {
    let snapshot = engine.snapshot();
    let (a, b) = (snapshot.find(from).unwrap(), snapshot.find(to).unwrap());
    snapshot.shortest_path(a, b, KindSet::ALL, true, 6)
}

fn relation_params<'a>(other: &'a str, csrf: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("direction", "out"),
        ("other", other),
        ("kind", "owns"),
        ("share", "12.5"),
        ("start_date", "2021-03-01"),
        ("evidence", "https://example.org/filing-2021"),
        ("confidence", "M"),
        ("reason", "stake reported in a 2021 filing"),
    ]
}

#[actix_web::test]
async fn wrong_password_and_unknown_user_are_refused_alike() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    for (name, password) in [("ana", "not the passphrase"), ("nobody", "whatever it is")] {
        let reply = try_sign_in(&app, name, password, "192.0.2.7").await;
        assert_eq!(reply.status, 401, "{name}");
        assert!(reply.body.contains("wrong name or password"), "{}", reply.body);
        assert!(reply.cookie("ownergraph_session").is_none());
    }
    // The sign-in form needs the token of its own cookie.
    let reply = send(
        &app,
        TestRequest::post()
            .uri("/login")
            .set_form([("name", ANA.0), ("password", ANA.1)]),
    )
    .await;
    assert_eq!(reply.status, 403);
    assert!(reply.body.contains("sign-in token"), "{}", reply.body);
}

#[actix_web::test]
async fn session_cookie_is_http_only_strict_and_secure_over_tls() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let reply = try_sign_in(&app, ANA.0, ANA.1, "192.0.2.1").await;
    let set = reply
        .set_cookie
        .iter()
        .find(|c| c.starts_with("ownergraph_session="))
        .unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"),
        "{set}"
    );
    assert!(!set.contains("Secure"), "plain HTTP on loopback: {set}");
    let form = send(
        &app,
        TestRequest::get()
            .uri("/login")
            .insert_header(("X-Forwarded-Proto", "https")),
    )
    .await;
    assert!(
        form.set_cookie.iter().all(|c| c.contains("Secure")),
        "behind TLS: {:?}",
        form.set_cookie
    );
    let token = reply.cookie("ownergraph_session").unwrap();
    assert_eq!(token.len(), 64);
    // Only the token's SHA-256 is stored.
    let hash = accounts::token_hash(token);
    assert!(engine
        .read(|s| s.session(&hash, accounts::now()))
        .unwrap()
        .is_some());
    assert!(engine
        .read(|s| s.session(token, accounts::now()))
        .unwrap()
        .is_none());

    let app = test::init_service(
        ownergraph::web::app(web::Data::from(engine.clone()))
            .app_data(web::Data::new(ownergraph::web::CookiePolicy { secure: true })),
    )
    .await;
    let reply = try_sign_in(&app, ANA.0, ANA.1, "192.0.2.1").await;
    assert!(reply
        .set_cookie
        .iter()
        .any(|c| c.starts_with("ownergraph_session=") && c.contains("Secure")));
}

#[actix_web::test]
async fn sign_in_is_rate_limited_per_account_and_per_address() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    for attempt in 1..=5 {
        let reply = try_sign_in(&app, ANA.0, "guessing wrong", "198.51.100.1").await;
        assert_eq!(reply.status, 401, "attempt {attempt}");
    }
    // The sixth attempt is refused even with the right password, from any address.
    let reply = try_sign_in(&app, ANA.0, ANA.1, "198.51.100.2").await;
    assert_eq!(reply.status, 429, "{}", reply.body);
    assert!(
        reply.body.contains("too many failed sign-ins for this account"),
        "{}",
        reply.body
    );
    assert_eq!(reply.header(header::RETRY_AFTER), "900");
    assert!(reply.cookie("ownergraph_session").is_none());
    // Another account is unaffected.
    assert_eq!(
        try_sign_in(&app, ROOT.0, ROOT.1, "198.51.100.1").await.status,
        303
    );

    // One address guessing many names is stopped too, but only that address.
    for i in 0..10 {
        let reply = try_sign_in(&app, &format!("guess{i}"), "password123", "203.0.113.9").await;
        assert_eq!(reply.status, 401);
    }
    let reply = try_sign_in(&app, ROOT.0, ROOT.1, "203.0.113.9").await;
    assert_eq!(reply.status, 429);
    assert!(reply.body.contains("from this address"), "{}", reply.body);
    assert_eq!(
        try_sign_in(&app, ROOT.0, ROOT.1, "203.0.113.10").await.status,
        303
    );
}

#[actix_web::test]
async fn writes_need_a_session_and_its_csrf_token() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    // The build's own changes (automatic merges of one party's records) are there before any user.
    let before = engine.read(|s| s.changes(None, 1000)).unwrap().len();
    let note = [("text", "seen in a 2023 report"), ("reason", "research")];

    let reply = send(
        &app,
        TestRequest::post()
            .uri("/entities/hikvision/notes")
            .set_form(note),
    )
    .await;
    assert_eq!(reply.status, 401);
    assert!(reply.body.contains("sign in to make changes"));
    assert!(
        reply.body.contains(r#"href="/login""#),
        "HTML points to the sign-in page"
    );
    let reply = send(
        &app,
        json(
            TestRequest::post()
                .uri("/entities/hikvision/notes.json")
                .set_form(note),
        ),
    )
    .await;
    assert_eq!(reply.status, 401);
    assert_eq!(reply.json()["error"]["status"], 401);

    let ana = sign_in(&app, ANA).await;
    let reply = send(&app, ana.post("/entities/hikvision/notes").set_form(note)).await;
    assert_eq!(reply.status, 403, "no CSRF token");
    assert!(reply.body.contains("missing CSRF token"));
    let reply = send(
        &app,
        ana.post("/entities/hikvision/notes").set_form([
            ("csrf", "0".repeat(64).as_str()),
            ("text", "x"),
            ("reason", "y"),
        ]),
    )
    .await;
    assert_eq!(reply.status, 403, "wrong CSRF token");
    assert!(reply.body.contains("does not match"));
    assert!(
        engine.read(|s| s.changes(None, 1000)).unwrap().len() == before,
        "nothing written"
    );

    // The token in a header serves JSON clients.
    let reply = send(
        &app,
        json(
            ana.post("/entities/hikvision/notes")
                .insert_header(("X-CSRF-Token", ana.csrf.as_str())),
        )
        .set_form(note),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);

    // After signing out the cookie no longer works.
    let reply = send(&app, ana.post("/logout").set_form([("csrf", ana.csrf.as_str())])).await;
    assert_eq!(reply.status, 303);
    let reply = send(
        &app,
        ana.post("/entities/hikvision/notes").set_form([
            ("csrf", ana.csrf.as_str()),
            ("text", "x"),
            ("reason", "y"),
        ]),
    )
    .await;
    assert_eq!(reply.status, 401);
}

#[actix_web::test]
async fn curated_relation_reaches_both_pages_the_graph_and_the_history_until_reverted() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let before = path_between(&engine, "hikvision", "ofac-306");
    assert!(before.is_none(), "no directed path before: {before:?}");
    let version = engine.snapshot().data_version;

    // Anonymous readers see no forms.
    let page = send(&app, TestRequest::get().uri("/entities/hikvision"))
        .await
        .body;
    assert!(!page.contains(r#"action="/entities/hikvision/relations""#));
    assert!(page.contains(r#"<a href="/login?next=/entities/hikvision">Sign in</a>"#));

    let ana = sign_in(&app, ANA).await;
    let page = send(&app, ana.get("/entities/hikvision")).await.body;
    assert!(
        page.contains(r#"action="/entities/hikvision/relations""#),
        "signed in: forms"
    );
    assert!(page.contains(&format!(r#"name="csrf" value="{}""#, ana.csrf)));

    let reply = send(
        &app,
        ana.post("/entities/hikvision/relations")
            .set_form(relation_params("ofac-306", &ana.csrf)),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header(header::LOCATION), "/entities/hikvision#history");

    // The graph: a one-hop path now, over the curated relation.
    let path = path_between(&engine, "hikvision", "ofac-306").expect("a path after");
    assert_eq!(path.len(), 1);
    let snapshot = engine.snapshot();
    let edge = snapshot.edge(path[0]);
    assert_eq!(edge.kind, ownergraph::model::RelationKind::Owns);
    assert_eq!(edge.share.unwrap().to_string(), "12.5");
    assert!(snapshot.data_version > version, "data version moves on");

    // Both entity pages, HTML and JSON, with the curated badge and the history.
    let html = send(&app, TestRequest::get().uri("/entities/hikvision"))
        .await
        .body;
    assert!(html.contains(r#"<a href="/entities/ofac-306">BANCO NACIONAL DE CUBA</a>"#));
    assert!(html.contains(r#"<span class="badge curated">curated</span>"#));
    assert!(html.contains("stake reported in a 2021 filing"));
    assert!(html.contains("hikvision owns ofac-306 (12.5%) from 2021-03-01"));
    let page = send(&app, json(TestRequest::get().uri("/entities/hikvision")))
        .await
        .json();
    let owns = page["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["direction"] == "out" && g["kind"] == "owns")
        .expect("an owns group");
    let curated = &owns["relations"][0];
    assert_eq!(curated["other_id"], "ofac-306");
    assert_eq!(curated["dataset"], "curated");
    assert_eq!(curated["evidence"], "https://example.org/filing-2021");
    assert_eq!(curated["confidence"], "M");
    assert_eq!(page["history"][0]["author"], "ana");
    assert_eq!(page["history"][0]["action"], "add_relation");
    assert_eq!(page["history"][0]["reason"], "stake reported in a 2021 filing");
    assert!(
        page["viewer"].is_null(),
        "JSON read without a cookie: nobody signed in"
    );
    let cuba = send(&app, json(TestRequest::get().uri("/entities/ofac-306")))
        .await
        .json();
    let owned_by = cuba["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["label"] == "owned by")
        .expect("BNC is now owned by someone");
    assert_eq!(owned_by["relations"][0]["other_id"], "hikvision");
    assert_eq!(owned_by["relations"][0]["dataset"], "curated");
    assert_eq!(cuba["history"][0]["entity"], "hikvision");
    let html = send(&app, TestRequest::get().uri("/entities/ofac-306"))
        .await
        .body;
    assert!(html.contains(r#"<a href="/entities/hikvision">Hikvision</a>"#));

    // /changes and its JSON twin.
    let changes = send(&app, TestRequest::get().uri("/changes.json")).await.json();
    let change = &changes["changes"][0];
    let cid = change["id"].as_i64().unwrap();
    assert_eq!(change["author"], "ana");
    assert_eq!(change["other"], "ofac-306");
    assert_eq!(change["after"]["share"], "12.5");
    assert!(change["before"].is_null());
    let html = send(&app, TestRequest::get().uri("/changes")).await.body;
    assert!(html.contains("hikvision owns ofac-306 (12.5%)") && html.contains("<td>ana</td>"));

    // The same relation again is a conflict, not a second row.
    let reply = send(
        &app,
        json(ana.post("/entities/hikvision/relations")).set_form(relation_params("ofac-306", &ana.csrf)),
    )
    .await;
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already recorded"));

    // A curator may not revert; an admin may, and the revert is itself a change.
    let revert = format!("/changes/{cid}/revert");
    let reason = [("csrf", ana.csrf.as_str()), ("reason", "wrong company")];
    let reply = send(&app, json(ana.post(&revert)).set_form(reason)).await;
    assert_eq!(reply.status, 403);
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("only an admin"));
    assert!(
        path_between(&engine, "hikvision", "ofac-306").is_some(),
        "still there"
    );

    let root = sign_in(&app, ROOT).await;
    let admin_page = send(&app, root.get("/entities/hikvision")).await.body;
    assert!(
        admin_page.contains(&format!(r#"action="/changes/{cid}/revert""#)),
        "admins see revert"
    );
    let reply = send(
        &app,
        json(root.post(&revert)).set_form([
            ("csrf", root.csrf.as_str()),
            ("reason", "the filing was about another firm"),
        ]),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let undo = reply.json();
    assert_eq!(undo["action"], "revert");
    assert_eq!(undo["author"], "root");
    assert_eq!(undo["reverts"], cid);
    assert_eq!(undo["before"]["target"], "ofac-306");

    assert!(
        path_between(&engine, "hikvision", "ofac-306").is_none(),
        "gone from the graph"
    );
    let page = send(&app, json(TestRequest::get().uri("/entities/hikvision")))
        .await
        .json();
    let still_owns_bnc = page["relations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["relations"].as_array().unwrap())
        .any(|r| r["other_id"] == "ofac-306");
    assert!(!still_owns_bnc, "gone from the page");
    assert_eq!(page["history"][0]["action"], "revert");
    assert_eq!(page["history"][1]["reverted_by"], undo["id"]);
    let cuba = send(&app, TestRequest::get().uri("/entities/ofac-306"))
        .await
        .body;
    assert!(!cuba.contains(r#"<a href="/entities/hikvision">"#));

    // Once only; and a revert is not reverted.
    let reply = send(
        &app,
        json(root.post(&revert)).set_form([("csrf", root.csrf.as_str()), ("reason", "again")]),
    )
    .await;
    assert_eq!(reply.status, 409);
    assert!(reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already reverted"));
    let reply = send(
        &app,
        json(root.post(&format!("/changes/{}/revert", undo["id"])))
            .set_form([("csrf", root.csrf.as_str()), ("reason", "x")]),
    )
    .await;
    assert_eq!(reply.status, 409);
    let reply = send(
        &app,
        json(root.post("/changes/99999/revert")).set_form([("csrf", root.csrf.as_str()), ("reason", "x")]),
    )
    .await;
    assert_eq!(reply.status, 404);
}

#[actix_web::test]
async fn bad_curation_input_is_a_400_naming_the_field() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let before = engine.read(|s| s.changes(None, 1000)).unwrap().len();
    let ana = sign_in(&app, ANA).await;
    let cases: Vec<(&str, &str, &str)> = vec![
        (
            "share",
            "120",
            "share: \"120\" is not a percentage between 0 and 100",
        ),
        ("kind", "married_to", "kind: unknown relation kind \"married_to\""),
        (
            "other",
            "no-such-entity",
            "target: no entity with id \"no-such-entity\"",
        ),
        ("start_date", "2022-01-01", ""),
        ("reason", "", "reason: required"),
        ("evidence", "", "evidence: give a URL or a citation"),
        ("direction", "sideways", "direction: \"sideways\" is neither"),
    ];
    for (field, value, expected) in cases {
        let mut params = relation_params("ofac-306", &ana.csrf);
        for p in params.iter_mut() {
            if p.0 == field {
                p.1 = value;
            }
        }
        if field == "start_date" {
            params.push(("end_date", "2021-12-31"));
        }
        let reply = send(
            &app,
            json(ana.post("/entities/hikvision/relations")).set_form(&params),
        )
        .await;
        assert_eq!(reply.status, 400, "{field}: {}", reply.body);
        let message = reply.json()["error"]["message"].as_str().unwrap().to_string();
        let expected = if expected.is_empty() {
            "end_date: 2021-12-31 is before the start date 2022-01-01"
        } else {
            expected
        };
        assert!(message.starts_with(expected), "{field}: {message}");
    }
    // HTML gets the message on an error page.
    let mut params = relation_params("ofac-306", &ana.csrf);
    params[4].1 = "abc";
    let reply = send(&app, ana.post("/entities/hikvision/relations").set_form(&params)).await;
    assert_eq!(reply.status, 400);
    assert!(
        reply.body.contains("share: &#34;abc&#34; is not a percentage"),
        "{}",
        reply.body
    );
    assert!(
        engine.read(|s| s.changes(None, 1000)).unwrap().len() == before,
        "nothing written"
    );
}

#[actix_web::test]
async fn aliases_notes_and_ended_relations_are_recorded_and_revertible() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let ana = sign_in(&app, ANA).await;

    let reply = send(
        &app,
        ana.post("/entities/hikvision/aliases").set_form([
            ("csrf", ana.csrf.as_str()),
            ("text", "HIKVISION DIGITAL TECHNOLOGY"),
            ("reason", "name used in 2023 customs records"),
        ]),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    let reply = send(
        &app,
        json(ana.post("/entities/hikvision/aliases")).set_form([
            ("csrf", ana.csrf.as_str()),
            ("text", "杭州海康威视数字技术股份有限公司"),
            ("reason", "duplicate of an imported alias"),
        ]),
    )
    .await;
    assert_eq!(reply.status, 409, "an imported alias already: {}", reply.body);
    let reply = send(
        &app,
        ana.post("/entities/hikvision/notes").set_form([
            ("csrf", ana.csrf.as_str()),
            ("text", "<script>alert(1)</script> appears in a 2023 report"),
            ("reason", "research note"),
        ]),
    )
    .await;
    assert_eq!(reply.status, 303);

    // End CETHIK's stake: validated against its start date, then recorded.
    let page = send(&app, json(TestRequest::get().uri("/entities/hikvision")))
        .await
        .json();
    let stake = page["relations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["relations"].as_array().unwrap())
        .find(|r| r["other_id"] == "cethik")
        .unwrap();
    let rid = stake["rid"].as_i64().unwrap();
    let end = format!("/relations/{rid}/end");
    let end_on = |date: &'static str| {
        [
            ("csrf", ana.csrf.clone()),
            ("end_date", date.to_string()),
            ("reason", "stake sold".to_string()),
            ("from", "hikvision".to_string()),
        ]
    };
    let reply = send(&app, json(ana.post(&end)).set_form(end_on("2020-06-01"))).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("before the relation's start date 2021-01-01"));
    let reply = send(&app, ana.post(&end).set_form(end_on("2024-01-01"))).await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header(header::LOCATION), "/entities/hikvision#history");
    let reply = send(&app, json(ana.post(&end)).set_form(end_on("2024-02-01"))).await;
    assert_eq!(reply.status, 409, "already ended");
    let reply = send(
        &app,
        json(ana.post("/relations/notanumber/end")).set_form(end_on("2024-02-01")),
    )
    .await;
    assert_eq!(reply.status, 404);

    let snapshot = engine.snapshot();
    let hik = snapshot.find("hikvision").unwrap();
    let edge = snapshot
        .incoming(hik)
        .iter()
        .map(|a| snapshot.edge(a.edge))
        .find(|e| e.rid == rid)
        .unwrap();
    assert_eq!(
        edge.end_date.map(|d| d.to_string()).as_deref(),
        Some("2024-01-01")
    );

    let html = send(&app, TestRequest::get().uri("/entities/hikvision"))
        .await
        .body;
    assert!(html.contains("HIKVISION DIGITAL TECHNOLOGY"));
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; appears"),
        "notes are escaped"
    );
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("<td>2024-01-01</td>"), "the end date shows");
    let page = send(&app, json(TestRequest::get().uri("/entities/hikvision")))
        .await
        .json();
    let kinds: Vec<&str> = page["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["alias", "note"]);
    let actions: Vec<&str> = page["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["end_relation", "add_note", "add_alias"]);
    let ended = page["history"][0]["id"].as_i64().unwrap();
    let alias = page["history"][2]["id"].as_i64().unwrap();

    // The admin reverts the end and the alias.
    let root = sign_in(&app, ROOT).await;
    for cid in [ended, alias] {
        let reply = send(
            &app,
            root.post(&format!("/changes/{cid}/revert")).set_form([
                ("csrf", root.csrf.as_str()),
                ("reason", "unconfirmed"),
                ("from", "hikvision"),
            ]),
        )
        .await;
        assert_eq!(reply.status, 303, "{}", reply.body);
    }
    let page = send(&app, json(TestRequest::get().uri("/entities/hikvision")))
        .await
        .json();
    assert_eq!(page["annotations"].as_array().unwrap().len(), 1, "the note stays");
    let stake = page["relations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["relations"].as_array().unwrap())
        .find(|r| r["other_id"] == "cethik")
        .unwrap();
    assert!(stake["end_date"].is_null(), "open again");
    assert_eq!(
        stake["dataset"], "entity-list-2019",
        "an imported fact stays imported"
    );
    let snapshot = engine.snapshot();
    let edge = snapshot
        .incoming(hik)
        .iter()
        .map(|a| snapshot.edge(a.edge))
        .find(|e| e.rid == rid)
        .unwrap();
    assert!(edge.end_date.is_none());
}
