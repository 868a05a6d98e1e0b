//! Importing over HTTP (`/import`) on real data: an admin uploads the bundled October 2019
//! Entity List case (three CSV files) and a BODS fixture, and they apply as
//! `ownergraph import` would; a bad line changes nothing and names file, line and field;
//! nobody but a signed-in admin with the session's token may import; the size limit holds.

mod common;

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::web;
use common::session::{json, multipart, send, sign_in, with_accounts, Client, ANA, BOUNDARY, ROOT};

use ownergraph::engine::Engine;
use ownergraph::web::ImportLimit;
use std::path::Path;
use std::sync::Arc;

/// An empty database with a curator `ana` and an admin `root`.
fn world() -> (tempfile::TempDir, Arc<Engine>) {
    let (dir, engine) = common::empty_engine();
    (dir, with_accounts(engine))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn entity_list_file(name: &str) -> Vec<u8> {
    read(&common::entity_list_dir().join(name))
}

fn upload(client: Option<&Client>, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> TestRequest {
    let mut req = match client {
        Some(c) => c.post("/import"),
        None => TestRequest::post().uri("/import"),
    };
    req = req
        .insert_header((
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .set_payload(multipart(fields, files));
    json(req)
}

/// The Entity List case as a csv upload, with `relations` in place of its relations.csv.
fn entity_list_upload<'a>(client: &Client, fields: &[(&'a str, &'a str)], relations: &[u8]) -> TestRequest {
    let (entities, listings) = (entity_list_file("entities.csv"), entity_list_file("listings.csv"));
    upload(
        Some(client),
        fields,
        &[
            ("entities", "entities.csv", &entities),
            ("relations", "relations.csv", relations),
            ("listings", "listings.csv", &listings),
            // The form's single-file input, left empty, as a browser sends it.
            ("file", "", b""),
        ],
    )
}

fn rows(csv: &[u8]) -> u64 {
    csv.iter().filter(|&&b| b == b'\n').count() as u64 - 1
}

#[actix_web::test]
async fn an_admin_imports_the_entity_list_case_and_a_bad_line_changes_nothing() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let root = sign_in(&app, ROOT).await;

    let form = send(&app, json(root.get("/import"))).await;
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(form.json()["allowed"], true);

    // A relations.csv whose 5th line has a share of 120%: refused whole, naming where.
    let relations = entity_list_file("relations.csv");
    let text = String::from_utf8(relations.clone()).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let fields: Vec<&str> = lines[4].split(',').collect();
    let mut damaged: Vec<String> = fields.iter().map(|s| s.to_string()).collect();
    damaged[3] = "120".into();
    lines[4] = damaged.join(",");
    let bad = lines.join("\n") + "\n";
    let before = engine.snapshot().data_version;
    let csrf = root.csrf.clone();
    let form_fields = [
        ("csrf", csrf.as_str()),
        ("format", "csv"),
        ("dataset", "entity-list-2019"),
    ];
    let reply = send(&app, entity_list_upload(&root, &form_fields, bad.as_bytes())).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let message = reply.json()["error"].as_str().unwrap_or(&reply.body).to_string();
    assert!(message.contains("relations.csv:5:"), "{message}");
    assert!(message.contains("share"), "{message}");
    assert!(
        !message.contains("ownergraph-upload-"),
        "temporary path leaked: {message}"
    );
    assert_eq!(engine.snapshot().node_count(), 0);
    assert_eq!(engine.snapshot().data_version, before);

    // A dry run counts and changes nothing.
    let dry = [
        ("csrf", csrf.as_str()),
        ("format", "csv"),
        ("dataset", "entity-list-2019"),
        ("dry_run", "true"),
    ];
    let reply = send(&app, entity_list_upload(&root, &dry, &relations)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let result = reply.json();
    assert_eq!(result["dry_run"], true);
    assert_eq!(
        result["report"]["entities_added"],
        rows(&entity_list_file("entities.csv"))
    );
    assert_eq!(engine.snapshot().node_count(), 0);

    // The real files apply whole, as a release of today.
    let reply = send(&app, entity_list_upload(&root, &form_fields, &relations)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let result = reply.json();
    assert_eq!(result["dataset"], "entity-list-2019");
    assert_eq!(result["by"], "root");
    assert_eq!(
        result["report"]["entities_added"],
        rows(&entity_list_file("entities.csv"))
    );
    assert_eq!(result["report"]["relations_added"], rows(&relations));
    assert_eq!(
        result["report"]["listings_added"],
        rows(&entity_list_file("listings.csv"))
    );
    assert!(result["release"].is_string(), "{result}");
    let snapshot = engine.snapshot();
    assert_eq!(
        snapshot.node_count() as u64,
        rows(&entity_list_file("entities.csv"))
    );
    assert!(snapshot.find("hikvision").is_some());

    // The entity page answers at once, and the sources page records the upload.
    let page = send(&app, json(TestRequest::get().uri("/entities/hikvision"))).await;
    assert_eq!(page.status, 200);
    let sources = send(&app, json(TestRequest::get().uri("/sources"))).await.json();
    let import = &sources["imports"][0];
    assert_eq!(import["dataset"], "entity-list-2019");
    assert_eq!(import["format"], "csv");
    assert!(
        import["path"].as_str().unwrap().contains("(uploaded by root)"),
        "{import}"
    );

    // The same release again changes nothing.
    let reply = send(&app, entity_list_upload(&root, &form_fields, &relations)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let report = &reply.json()["report"];
    for key in [
        "entities_added",
        "entities_changed",
        "relations_added",
        "relations_ended",
    ] {
        assert_eq!(report[key], 0, "{key}: {report}");
    }
}

#[actix_web::test]
async fn a_bods_file_imports_with_its_unknown_owner() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let root = sign_in(&app, ROOT).await;
    let fixture =
        read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bods/11-anonymous-person.json"));
    let reply = send(
        &app,
        upload(
            Some(&root),
            &[("csrf", &root.csrf), ("format", "bods"), ("partial", "true")],
            &[("file", "11-anonymous-person.json", &fixture)],
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let result = reply.json();
    assert_eq!(result["format"], "bods");
    assert_eq!(
        result["dataset"], "11-anonymous-person",
        "the dataset is the file name up to its first dot"
    );
    assert!(
        result["release"].is_null(),
        "a partial import has no release date"
    );
    assert!(
        result["report"]["entities_added"].as_u64().unwrap() >= 1,
        "{result}"
    );
    assert!(engine.snapshot().node_count() >= 1);
    let html = send(&app, root.get("/import")).await;
    assert!(
        html.body.contains("enctype=\"multipart/form-data\""),
        "the form is shown to admins"
    );
}

#[actix_web::test]
async fn only_a_signed_in_admin_with_the_token_may_import() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let fixture =
        read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bods/01-direct-ownership.json"));
    let file = [("file", "01-direct-ownership.json", fixture.as_slice())];

    let reply = send(&app, upload(None, &[("format", "bods")], &file)).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    let page = send(&app, TestRequest::get().uri("/import")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("for admins"), "{}", page.body);
    assert!(
        !page.body.contains("multipart/form-data\""),
        "no form for anonymous readers"
    );

    let ana = sign_in(&app, ANA).await;
    let reply = send(
        &app,
        upload(Some(&ana), &[("csrf", &ana.csrf), ("format", "bods")], &file),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.body.contains("for admins"), "{}", reply.body);
    assert_eq!(
        send(&app, json(ana.get("/import"))).await.json()["allowed"],
        false
    );

    let root = sign_in(&app, ROOT).await;
    let reply = send(&app, upload(Some(&root), &[("format", "bods")], &file)).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(reply.body.contains("CSRF"), "{}", reply.body);
    let reply = send(
        &app,
        upload(Some(&root), &[("csrf", "forged"), ("format", "bods")], &file),
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(engine.snapshot().node_count(), 0, "nothing was imported");

    // Bad forms are 400s that say what is allowed.
    let reply = send(
        &app,
        upload(Some(&root), &[("csrf", &root.csrf), ("format", "xlsx")], &file),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(
        reply
            .body
            .contains("is not one of csv, ofac-sdn, ofac-csv, ofac-xml, ftm, bods, un-xml, ca-sema-xml"),
        "every format the command line reads: {}",
        reply.body
    );
    let reply = send(
        &app,
        upload(Some(&root), &[("csrf", &root.csrf), ("format", "ofac-sdn")], &[]),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("file: required"), "{}", reply.body);
    let reply = send(
        &app,
        upload(Some(&root), &[("csrf", &root.csrf), ("format", "csv")], &file),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body.contains("dataset: required"), "{}", reply.body);
    let reply = send(
        &app,
        upload(
            Some(&root),
            &[
                ("csrf", &root.csrf),
                ("format", "bods"),
                ("partial", "true"),
                ("as_of", "2024-01-01"),
            ],
            &file,
        ),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(engine.snapshot().node_count(), 0, "nothing was imported");

    // With the token, the same upload applies.
    let reply = send(
        &app,
        upload(Some(&root), &[("csrf", &root.csrf), ("format", "bods")], &file),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(engine.snapshot().node_count() > 0);
}

#[actix_web::test]
async fn an_upload_over_the_limit_is_refused_and_nothing_changes() {
    let (_dir, engine) = world();
    let app = test::init_service(
        ownergraph::web::app(web::Data::from(engine.clone()))
            .app_data(web::Data::new(ImportLimit { max_bytes: 4096 })),
    )
    .await;
    let root = sign_in(&app, ROOT).await;
    let sdn = read(&common::sdn_csv());
    assert!(sdn.len() > 4096);
    let reply = send(
        &app,
        upload(
            Some(&root),
            &[("csrf", &root.csrf), ("format", "ofac-sdn")],
            &[("file", "sdn.csv", &sdn)],
        ),
    )
    .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(reply.body.contains("4096 bytes"), "{}", reply.body);
    assert_eq!(engine.snapshot().node_count(), 0);
    let form = send(&app, json(root.get("/import"))).await.json();
    assert_eq!(form["max_bytes"], 4096, "the page states the limit in force");
}

/// OFAC's legacy CSV set uploaded as its files: the shared mirror is refused whole at its one
/// damaged row (an ent_num used twice), named by the uploaded file and line; without that row
/// the set applies, addresses and alternate names included.
#[actix_web::test]
async fn an_admin_imports_the_ofac_csv_set_as_its_files() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let root = sign_in(&app, ROOT).await;
    let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ofac-csv-2022-01");
    let (sdn, add, alt) = (
        read(&set.join("sdn.csv")),
        read(&set.join("add.csv")),
        read(&set.join("alt.csv")),
    );
    let csrf = root.csrf.clone();
    let fields = [
        ("csrf", csrf.as_str()),
        ("format", "ofac-csv"),
        ("as_of", "2022-01-31"),
    ];
    let files = |sdn: &[u8]| -> Vec<(&'static str, &'static str, Vec<u8>)> {
        vec![
            ("sdn", "sdn.csv", sdn.to_vec()),
            ("add", "add.csv", add.clone()),
            ("alt", "alt.csv", alt.clone()),
        ]
    };
    let send_set = |sdn: &[u8]| {
        let files = files(sdn);
        let parts: Vec<(&str, &str, &[u8])> = files.iter().map(|(a, b, c)| (*a, *b, c.as_slice())).collect();
        upload(Some(&root), &fields, &parts)
    };

    let reply = send(&app, send_set(&sdn)).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    let message = reply.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(message.starts_with("sdn.csv:9044: ent_num:"), "{message}");
    assert_eq!(engine.snapshot().node_count(), 0, "nothing applied");

    let text = String::from_utf8(sdn.clone()).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mended: String = text
        .lines()
        .filter(|l| seen.insert(l.split(',').next().unwrap().to_string()))
        .map(|l| format!("{l}\n"))
        .collect();
    let reply = send(&app, send_set(mended.as_bytes())).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let result = reply.json();
    assert_eq!(result["dataset"], "ofac-sdn");
    assert_eq!(result["entities"], 9043);
    assert_eq!(result["release"], "2022-01-31");
    let detail = engine.read(|s| s.entity_detail("ofac-306")).unwrap().unwrap();
    assert_eq!(detail.entity.name, "BANCO NACIONAL DE CUBA");
    assert!(!detail.entity.addresses.is_empty(), "add.csv gives its addresses");
}

/// An import is cross-referenced against what the database holds: the UN list uploaded after
/// OFAC's SDN list joins the records of the parties both list (decisive: the same passport or
/// UN reference), and the result says so.
#[actix_web::test]
async fn an_import_is_cross_referenced_with_the_other_lists() {
    let (_dir, engine) = world();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;
    let root = sign_in(&app, ROOT).await;
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    let sdn = read(&data.join("ofac-sdn-2024-05-03/sdn.csv"));
    let un = read(&data.join("un-sc-2025-04-19/consolidated.xml"));
    let fields = |format| [("csrf", root.csrf.clone()), ("format", String::from(format))];

    let f = fields("ofac-sdn");
    let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let reply = send(&app, upload(Some(&root), &f, &[("file", "sdn.csv", &sdn)])).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.json()["xref"]["pairs"],
        0,
        "one dataset: nothing to compare with"
    );

    let f = fields("un-xml");
    let f: Vec<(&str, &str)> = f.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let reply = send(
        &app,
        upload(Some(&root), &f, &[("file", "consolidated.xml", &un)]),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let xref = &reply.json()["xref"];
    let merged = xref["merged"].as_u64().unwrap();
    assert!(merged > 100, "{xref}");
    assert!(xref["pairs"].as_u64().unwrap() >= merged, "{xref}");
    let snapshot = engine.snapshot();
    let joined = (snapshot.record_count() - snapshot.node_count()) as u64;
    assert!(
        joined > 0 && joined <= merged,
        "{joined} records joined by {merged} merges"
    );

    // The same file again changes nothing, so nothing is cross-referenced.
    let reply = send(
        &app,
        upload(Some(&root), &f, &[("file", "consolidated.xml", &un)]),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.json()["xref"].is_null(), "{}", reply.body);
}
