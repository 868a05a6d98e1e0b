//! Screening records on real data: a file of names from OFAC's SDN list screened on a database
//! holding the 2024-03-27 release, kept as a record (by the command line and by `/screen`),
//! verified identical on the same data, then found to differ once the 2024-05-03 release adds
//! an entry the file names. The names come from the recorded changes of the two releases
//! (checked against the files by tests/changes.rs); the releases' SHA-256 from the files.

mod common;

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use common::lists::day;
use common::releases::{apply, first_release, second_release, two_releases};
use common::session::{self, send, ANA};
use ownergraph::engine::Engine;
use ownergraph::releases::{self, ChangeKind, ChangeQuery};
use ownergraph::screenings;
use std::path::Path;
use std::process::{Command, Output};

fn ownergraph(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ownergraph"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A counterparty file: an entry the May release added (unknown in March), one it renamed
/// (by its old name) and a name no list holds.
fn counterparties() -> (String, String) {
    let (_dir, engine) = two_releases();
    let query = ChangeQuery::new(day("2024-05-03"), Some(day("2024-05-03")), None, None).unwrap();
    let report = engine.read(|store| releases::report(store, &query)).unwrap();
    let first = |kind: ChangeKind| {
        report
            .rows()
            .map(|(_, c)| c.clone())
            .find(|c| c.change == kind)
            .unwrap_or_else(|| panic!("a change {kind}"))
    };
    let added = first(ChangeKind::EntityAdded);
    let renamed = first(ChangeKind::EntityRenamed);
    let csv = format!(
        "name,note\n\"{}\",added in May\n\"{}\",renamed in May\nZyxwv Quorble Trading Estonia OU,no list\n",
        added.entity_name,
        renamed.before.unwrap()
    );
    (csv, added.entity_id)
}

/// A release's SHA-256 as the import log keeps it (over the file's name, size and bytes).
fn sha256_of(path: &Path) -> String {
    ownergraph::import::checksum(&[path.to_path_buf()]).unwrap()
}

#[test]
fn a_record_made_in_march_verifies_until_the_may_release_changes_its_results() {
    let (csv, added_id) = counterparties();
    let (dir, engine) = common::empty_engine();
    apply(&engine, &first_release(), "2024-03-27");
    drop(engine);
    let db = dir.path().join("test.db");
    let db = db.to_str().unwrap();
    let input = dir.path().join("counterparties.csv");
    std::fs::write(&input, &csv).unwrap();

    let out = ownergraph(&[
        "screen",
        "--db",
        db,
        input.to_str().unwrap(),
        "--as-of",
        "2024-03-27",
        "--record",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!(
            "kept as screening record 1 (ownergraph screen --verify 1 --db {db})"
        )),
        "{}",
        text(&out.stderr)
    );

    // The record keeps what it ran on.
    let engine = Engine::open(Path::new(db)).unwrap();
    let record = screenings::get(&engine, 1).unwrap().expect("record 1");
    let kept = &record.meta.screening;
    assert_eq!(kept.input_sha256, screenings::sha256_hex(csv.as_bytes()));
    assert_eq!((kept.input_rows, kept.screened), (3, 3));
    assert_eq!(kept.as_of, day("2024-03-27"));
    assert_eq!(kept.created_by, "cli");
    assert_eq!(record.releases.len(), 1);
    assert_eq!(record.releases[0].dataset, "ofac-sdn");
    assert_eq!(record.releases[0].date, "2024-03-27");
    assert_eq!(record.releases[0].sha256, sha256_of(&first_release()));
    assert_eq!(record.results.rows.len(), 3);
    assert!(
        record.results.rows[1].found.is_some(),
        "the old name matches in March: {:?}",
        record.results.rows
    );
    assert!(record.results.rows[2].found.is_none());
    drop(engine);

    let verify = |id: &str| ownergraph(&["screen", "--verify", id, "--db", db]);
    let out = verify("1");
    assert!(out.status.success(), "{}{}", text(&out.stdout), text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.starts_with("screening record 1: results identical\n"),
        "{said}"
    );
    assert!(
        said.contains("releases: the same 1 release(s) it ran on"),
        "{said}"
    );

    // The May release adds the entry the file's first row names: the results move.
    let engine = Engine::open(Path::new(db)).unwrap();
    apply(&engine, &second_release(), "2024-05-03");
    drop(engine);
    let out = verify("1");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let said = text(&out.stdout);
    assert!(
        said.starts_with("screening record 1: results differ on "),
        "{said}"
    );
    let first_difference = said.lines().nth(1).unwrap();
    assert!(
        first_difference.starts_with("  line 2 (") && first_difference.contains(&format!("now {added_id} ")),
        "{said}"
    );
    assert!(said.contains("releases: not the ones it ran on"), "{said}");
    assert!(
        said.contains(&format!(
            "new since: ofac-sdn 2024-05-03 sha256 {}",
            sha256_of(&second_release())
        )),
        "{said}"
    );
    assert!(text(&out.stderr).contains("screening record 1 does not verify"));

    // A record whose kept input was altered says so; an unknown record is an error.
    ownergraph::store::raw_execute(
        Path::new(db),
        "UPDATE screenings SET input = CAST('name' || char(10) || 'someone else' AS BLOB)",
    )
    .unwrap();
    let said = text(&verify("1").stdout);
    assert!(
        said.starts_with("screening record 1: the kept input does not match its recorded SHA-256"),
        "{said}"
    );
    let out = verify("99");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no screening record 99"),
        "{}",
        text(&out.stderr)
    );
}

#[actix_web::test]
async fn the_screen_page_keeps_a_record_for_a_signed_in_user_and_prints_it() {
    let (csv, _) = counterparties();
    let (_dir, engine) = common::empty_engine();
    apply(&engine, &first_release(), "2024-03-27");
    let engine = session::with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(actix_web::web::Data::from(engine.clone()))).await;
    let upload = |req: TestRequest| {
        req.uri("/screen.json?as_of=2024-03-27&record=true")
            .insert_header((header::CONTENT_TYPE, "text/csv"))
            .set_payload(csv.clone())
    };

    // Without a session nothing is screened or kept.
    let reply = send(&app, upload(TestRequest::post())).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    let reply = send(&app, TestRequest::get().uri("/screenings.json")).await;
    assert_eq!(reply.status, 401);

    let ana = session::sign_in(&app, ANA).await;
    // A session without its CSRF token is refused.
    let reply = send(&app, upload(ana.post("/screen"))).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = send(
        &app,
        upload(ana.post("/screen")).insert_header(("X-CSRF-Token", ana.csrf.as_str())),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let id = reply.json()["record"].as_i64().expect("a record id");

    let reply = send(&app, ana.get(&format!("/screenings/{id}.json"))).await;
    assert_eq!(reply.status, 200);
    let record = reply.json();
    assert_eq!(record["created_by"], "ana");
    assert_eq!(record["source"], "web");
    assert_eq!(record["as_of"], "2024-03-27");
    assert_eq!(record["input_sha256"], screenings::sha256_hex(csv.as_bytes()));
    assert_eq!(record["releases"][0]["sha256"], sha256_of(&first_release()));
    assert_eq!(record["results"]["rows"].as_array().unwrap().len(), 3);

    let reply = send(&app, ana.get(&format!("/screenings/{id}"))).await;
    assert_eq!(reply.status, 200);
    assert!(reply.body.contains(&format!("<h1>Screening record #{id}</h1>")));
    assert!(reply.body.contains(&screenings::sha256_hex(csv.as_bytes())));
    assert!(reply
        .body
        .contains(&format!("ownergraph screen --verify {id} --db PATH")));
    assert!(reply.body.contains("Zyxwv Quorble Trading Estonia OU"));
    let reply = send(&app, ana.get("/screenings.json")).await;
    assert_eq!(reply.json()["total"], 1);
    assert_eq!(reply.json()["records"][0]["href"], format!("/screenings/{id}"));
    for (uri, status) in [
        ("/screenings/99", 404),
        ("/screenings/x", 404),
        ("/screenings?page=2", 400),
    ] {
        assert_eq!(send(&app, ana.get(uri)).await.status, status, "{uri}");
    }

    // The record verifies: the data has not moved.
    let verification = screenings::verify(&engine, id).unwrap();
    assert!(
        verification.passed() && verification.same_releases,
        "{}",
        verification.text()
    );
}
