//! Operations: `/healthz`, `/readyz`, `/metrics`; a read-only replica (`serve --replica`) that
//! serves every read as the primary does, refuses writes with a 503 naming the primary, and
//! swaps in what arrives whole; `Store::backup_to` while the database is written.

mod common;

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::web;
use common::session::{json, send, sign_in, with_accounts};
use ownergraph::engine::Engine;
use ownergraph::store::{ImportRecord, Store, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The value of the one sample line of `/metrics` that starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[actix_web::test]
async fn health_readiness_and_metrics_on_a_primary() {
    let (_dir, engine) = common::entity_list();
    let version = engine.snapshot().data_version;
    let engine = web::Data::new(engine);
    let app = test::init_service(ownergraph::web::app(engine.clone())).await;

    let health = send(&app, TestRequest::get().uri("/healthz")).await;
    assert_eq!(
        (health.status, health.json()["status"].as_str()),
        (200, Some("ok"))
    );

    let ready = send(&app, TestRequest::get().uri("/readyz")).await;
    assert_eq!(ready.status, 200);
    let ready = ready.json();
    assert_eq!(ready["ready"], true);
    assert_eq!(ready["role"], "primary");
    assert_eq!(ready["data_version"], version);
    assert_eq!(ready["entities"], engine.snapshot().node_count());
    assert!(ready["last_applied"].is_null());

    for uri in ["/entities/hikvision", "/entities/megvii.json", "/entities/nobody"] {
        send(&app, TestRequest::get().uri(uri)).await;
    }
    let metrics = send(&app, TestRequest::get().uri("/metrics")).await;
    assert_eq!(metrics.status, 200);
    assert!(metrics
        .header(header::CONTENT_TYPE)
        .starts_with("application/openmetrics-text"));
    let text = metrics.body;
    assert_eq!(text.lines().last(), Some("# EOF"), "{text}");
    // Requests by route pattern (the JSON twin counts under its page's route) and status.
    let entity_ok = r#"ownergraph_http_requests_total{method="GET",route="/entities/{id}",status="200"}"#;
    assert_eq!(sample(&text, entity_ok), Some(2.0), "{text}");
    let entity_404 = r#"ownergraph_http_requests_total{method="GET",route="/entities/{id}",status="404"}"#;
    assert_eq!(sample(&text, entity_404), Some(1.0), "{text}");
    assert!(!text.contains("hikvision"), "raw paths make no series: {text}");
    let latency = r#"ownergraph_http_request_duration_seconds_count{route="/entities/{id}"}"#;
    assert_eq!(sample(&text, latency), Some(3.0), "{text}");
    let inf = r#"ownergraph_http_request_duration_seconds_bucket{le="+Inf",route="/entities/{id}"}"#;
    assert_eq!(sample(&text, inf), Some(3.0), "{text}");
    assert_eq!(sample(&text, "ownergraph_data_version"), Some(version as f64));
    // One load at open, one after the import that built the fixture.
    assert_eq!(
        sample(&text, "ownergraph_snapshot_load_seconds_count"),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"ownergraph_imports_total{outcome="ok"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "ownergraph_import_duration_seconds_count"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "ownergraph_snapshot_entities"),
        Some(engine.snapshot().node_count() as f64)
    );
}

/// A primary with the 2019 case and two accounts, and a replica engine reading its file.
fn primary_and_replica() -> (tempfile::TempDir, Arc<Engine>, Arc<Engine>) {
    let (dir, engine) = common::entity_list();
    let primary = with_accounts(engine);
    let replica = Engine::open_replica(primary.path(), Some("https://primary.example/".into()))
        .expect("replica opens the primary's file read-only");
    (dir, primary, Arc::new(replica))
}

#[actix_web::test]
async fn a_replica_serves_every_read_and_refuses_every_write_naming_the_primary() {
    let (_dir, primary, replica) = primary_and_replica();
    let primary_app = test::init_service(ownergraph::web::app(web::Data::from(primary.clone()))).await;
    let replica_app = test::init_service(ownergraph::web::app(web::Data::from(replica.clone()))).await;

    for uri in [
        "/",
        "/entities/hikvision",
        "/entities/xuar-psb/graph?depth=2",
        "/search?q=hikvision",
        "/lists",
        "/sources",
        "/changes",
        "/paths?from=hikvision&to=xuar-psb",
        "/entities/hikvision/exposure?regime=ofac",
    ] {
        let on_primary = send(&primary_app, json(TestRequest::get().uri(uri))).await;
        let on_replica = send(&replica_app, json(TestRequest::get().uri(uri))).await;
        assert_eq!(on_primary.status, 200, "{uri}: {}", on_primary.body);
        assert_eq!(on_replica.body, on_primary.body, "{uri}");
    }

    // A session made on the primary is known on the replica (it lives in the database).
    let ana = sign_in(&primary_app, common::session::ANA).await;
    let page = send(&replica_app, json(ana.get("/entities/hikvision")))
        .await
        .json();
    assert_eq!(page["viewer"]["user"]["name"], "ana");

    // Writes: a 503 naming the primary, as JSON or as a page with a link; never a 500.
    let note = send(
        &replica_app,
        json(ana.post("/entities/hikvision/notes")).set_form([("csrf", ana.csrf.as_str()), ("note", "n")]),
    )
    .await;
    assert_eq!(note.status, 503, "{}", note.body);
    let error = &note.json()["error"];
    assert_eq!(error["primary"], "https://primary.example/");
    assert!(
        error["message"].as_str().unwrap().contains("read-only replica"),
        "{error}"
    );
    let login = send(&replica_app, TestRequest::get().uri("/login")).await;
    assert_eq!(login.status, 503);
    assert!(
        login.body.contains(r#"<a href="https://primary.example/login">"#),
        "{}",
        login.body
    );
    assert!(login.body.contains("sign in on the primary"), "{}", login.body);
    for (uri, what) in [
        ("/login", "sign in"),
        ("/import", "changes"),
        ("/logout", "sign out"),
    ] {
        let post = send(&replica_app, json(TestRequest::post().uri(uri))).await;
        assert_eq!(post.status, 503, "POST {uri}");
        assert!(post.body.contains(what), "POST {uri}: {}", post.body);
    }
    let import_form = send(&replica_app, TestRequest::get().uri("/import")).await;
    assert_eq!(import_form.status, 503);
    // The screening form writes nothing: a replica screens files as the primary does.
    assert_eq!(
        send(&replica_app, TestRequest::get().uri("/screen")).await.status,
        200
    );

    // Underneath the web layer too, a replica engine refuses writes.
    let refused = replica.write(|store| store.remove_user("ana"));
    assert!(matches!(refused, Err(StoreError::Replica)), "{refused:?}");

    let ready = send(&replica_app, TestRequest::get().uri("/readyz")).await.json();
    assert_eq!(
        (ready["role"].as_str(), ready["ready"].as_bool()),
        (Some("replica"), Some(true))
    );
    assert_eq!(ready["primary"], "https://primary.example/");
}

#[actix_web::test]
async fn a_replica_picks_up_an_import_whole_and_reports_its_lag() {
    let (_dir, primary, replica) = primary_and_replica();
    let replica_app = test::init_service(ownergraph::web::app(web::Data::from(replica.clone()))).await;
    assert!(!replica.refresh().unwrap(), "nothing new yet");
    common::import_into(&primary, ownergraph::import::Format::OfacSdn, &common::sdn_csv());
    assert!(replica.refresh().unwrap(), "the import is seen");
    assert_eq!(replica.snapshot().data_version, primary.snapshot().data_version);
    assert_eq!(replica.snapshot().node_count(), primary.snapshot().node_count());

    let ready = send(&replica_app, TestRequest::get().uri("/readyz")).await.json();
    let applied = &ready["last_applied"];
    let lag = applied["lag_seconds"]
        .as_f64()
        .expect("a lag once a change arrived");
    assert!((0.0..5.0).contains(&lag), "{applied}");
    assert!(applied["committed_at"].as_str().unwrap().ends_with('Z'));
    let text = send(&replica_app, TestRequest::get().uri("/metrics")).await.body;
    let metric = sample(&text, "ownergraph_replica_lag_seconds").expect("the lag is a metric");
    assert!((metric - lag).abs() < 1e-9, "{metric} vs {lag}");
    assert_eq!(
        sample(&text, "ownergraph_data_version"),
        Some(primary.snapshot().data_version as f64)
    );
}

/// Writes a synthetic 20,000-entity world into the database at `path` in one transaction, as
/// another process would.
fn write_generated(path: &std::path::Path, seed: u64) {
    let batch = ownergraph::generate::generate(20_000, seed);
    let record = ImportRecord {
        dataset: batch.dataset.clone(),
        format: "generated".into(),
        path: "test".into(),
        checksum: format!("generated-20000-{seed}"),
    };
    Store::open(path).unwrap().apply(&batch, &record).unwrap();
}

/// The replica's engine loads each snapshot in one read transaction: while another process
/// commits import after import, every snapshot (and every pooled read) is the state after one
/// of them, never entities of one commit with relations of the next.
#[test]
fn a_replica_never_serves_half_an_import() {
    let (_dir, primary, replica) = primary_and_replica();
    let initial = (replica.snapshot().node_count(), replica.snapshot().edge_count());
    let path = primary.path().to_path_buf();
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let done = done.clone();
        std::thread::spawn(move || {
            // A world growing by 40 imports, each its own transaction: states after each commit.
            let mut store = Store::open(&path).unwrap();
            let mut states = Vec::new();
            for step in 1..=40 {
                let batch = ownergraph::generate::generate(50 * step, 5);
                let record = ImportRecord {
                    dataset: batch.dataset.clone(),
                    format: "generated".into(),
                    path: "test".into(),
                    checksum: format!("growing-{step}"),
                };
                store.apply(&batch, &record).unwrap();
                states.push(store.counts().unwrap());
            }
            done.store(true, Ordering::Release);
            states
        })
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut loads = 0;
    loop {
        let finished = done.load(Ordering::Acquire);
        loads += replica.refresh().expect("the replica loads what it finds") as usize;
        let snapshot = replica.snapshot();
        seen.insert((snapshot.node_count(), snapshot.edge_count()));
        seen.insert(replica.read(|store| store.counts()).unwrap());
        if finished {
            break;
        }
    }
    let mut allowed: std::collections::BTreeSet<_> = writer.join().unwrap().into_iter().collect();
    allowed.insert(initial);
    assert!(loads > 5, "the replica followed the imports ({loads} loads)");
    assert!(seen.len() > 5, "{seen:?}");
    let torn: Vec<_> = seen.difference(&allowed).collect();
    assert!(
        torn.is_empty(),
        "states no commit left: {torn:?} (allowed {allowed:?})"
    );
}

#[test]
fn a_replica_refuses_an_older_schema_and_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Engine::open_replica(&dir.path().join("none.db"), None);
    assert!(
        matches!(missing, Err(StoreError::Missing { .. })),
        "{:?}",
        missing.err()
    );
    let old = dir.path().join("old.db");
    ownergraph::store::raw_execute(
        &old,
        "PRAGMA application_id = 1330074184; PRAGMA user_version = 1; CREATE TABLE t(x);",
    )
    .unwrap();
    let error = Engine::open_replica(&old, None)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("schema version 1") && error.contains("cannot migrate"),
        "{error}"
    );
}

/// `Store::backup_to` copies one committed state even while another connection writes.
#[test]
fn a_backup_taken_during_an_import_is_one_whole_state() {
    let (dir, engine) = common::entity_list();
    let path = engine.path().to_path_buf();
    let before = engine.read(|s| s.counts()).unwrap();
    drop(engine);
    let writer = {
        let path = path.clone();
        std::thread::spawn(move || write_generated(&path, 9))
    };
    let mut copies = Vec::new();
    for i in 0..20 {
        let out = dir.path().join(format!("copy-{i}.db"));
        Store::open_read_only(&path).unwrap().backup_to(&out).unwrap();
        copies.push(out);
        if writer.is_finished() {
            break;
        }
    }
    writer.join().unwrap();
    let after = Store::open_read_only(&path).unwrap().counts().unwrap();
    for out in &copies {
        let copy = Store::open(out).expect("the copy is an ownergraph database");
        assert_eq!(copy.integrity_check().unwrap(), "ok");
        let counts = copy.counts().unwrap();
        assert!(
            counts == before || counts == after,
            "{counts:?} not {before:?} or {after:?}"
        );
    }
    let again = Store::open_read_only(&path).unwrap().backup_to(&copies[0]);
    assert!(
        matches!(again, Err(StoreError::Conflict(_))),
        "an existing file is not overwritten"
    );
}
