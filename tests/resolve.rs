//! One party across sources, on the bundled real data: cross-referencing at build time, the
//! review screen, judgements over HTTP (with the negative constraint and an admin's revert),
//! the merged party on the entity page, in search and in exposure, and judgements moving
//! between databases.

mod common;

use common::session::{json, send, sign_in, with_accounts, Client, ANA, ROOT};

use actix_web::test::{self, TestRequest};
use actix_web::web;
use ownergraph::engine::Engine;
use ownergraph::exposure::{self, RegimeId, Status};
use ownergraph::import::{self, Format};
use ownergraph::model::Date;
use ownergraph::resolve::{self, Judgement, Scope};
use ownergraph::store::CandidateFilter;
use std::path::Path;

/// A UN-listed organisation (Al Qaida sanctions list, 2025-04-19) that no other bundled
/// list names with a strong identifier, so cross-referencing leaves it alone.
const UN_PARTY: &str = "un-QDe.121";

/// Lower-case letters and digits only: the plainest test of "the same name".
fn plain(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A small company register (written by the test; its owner is the UN-listed party under
/// the register's own id and spelling) imported as dataset `register`, then cross-referenced.
fn import_register(engine: &Engine, dir: &Path) {
    let register = dir.join("register");
    std::fs::create_dir_all(&register).unwrap();
    std::fs::write(
        register.join("entities.csv"),
        "id,name,kind,country,aliases,notes,confidence,source,addresses\n\
         reg-akhtar,Al Akhtar Trust International,Organization,Pakistan,,,M,Company register extract,\n\
         reg-crescent,Crescent Relief Holdings Ltd,Company,Pakistan,,,M,Company register extract,\n",
    )
    .unwrap();
    std::fs::write(
        register.join("relations.csv"),
        "source,target,kind,share_percent,start_date,end_date,notes,confidence,evidence\n\
         reg-akhtar,reg-crescent,owns,60,2020-01-01,,,M,Register filing 2020\n",
    )
    .unwrap();
    std::fs::write(
        register.join("listings.csv"),
        "entity,list,authority,program,start_date,end_date,citation,license_requirement,license_review_policy,confidence\n",
    )
    .unwrap();
    let prepared = import::read(Format::Csv, &register, None).unwrap();
    engine.apply(&prepared.batch, &prepared.record).unwrap();
    let scope = Scope {
        dataset: Some("register"),
        against: None,
    };
    engine
        .change(|store| resolve::xref_and_merge(store, scope, resolve::DEFAULT_MIN_SCORE))
        .unwrap();
}

fn eu_status(engine: &Engine, id: &str) -> exposure::report::ExposureReport {
    exposure::report::explain(engine, id, RegimeId::Eu, Date::from_ymd(2026, 1, 1).unwrap())
        .unwrap()
        .unwrap()
}

#[test]
fn the_bundled_build_cross_references_every_list() {
    let engine = common::bundled();
    let (pairs, total) = engine
        .read(|s| {
            s.candidates(CandidateFilter {
                dataset: Some("entity-list-2019"),
                against: Some("entity-list-2026-07-09"),
                min_score: 0.0,
                limit: 10_000,
                ..CandidateFilter::default()
            })
        })
        .unwrap();
    assert_eq!(pairs.len() as u64, total);
    // Every party of the 2019 case whose name the 2026 list spells alike (letters and digits,
    // case aside: computed here from the two files) is found, as its best candidate there.
    let list_2026: Vec<(String, Vec<String>)> = {
        let mut rows =
            csv::Reader::from_path(common::data_dir().join("entity-list-2026-07-09/entities.csv")).unwrap();
        rows.records()
            .map(|r| {
                let r = r.unwrap();
                let names = std::iter::once(r[1].to_string())
                    .chain(
                        r[4].split(';')
                            .map(|a| a.trim().to_string())
                            .filter(|a| !a.is_empty()),
                    )
                    .map(|n| plain(&n))
                    .collect();
                (r[0].to_string(), names)
            })
            .collect()
    };
    let mut case = csv::Reader::from_path(common::entity_list_dir().join("entities.csv")).unwrap();
    let mut twins = 0;
    for row in case.records() {
        let row = row.unwrap();
        let (id, name) = (&row[0], plain(&row[1]));
        let Some((twin, _)) = list_2026.iter().find(|(_, names)| names.contains(&name)) else {
            continue;
        };
        twins += 1;
        let best = pairs
            .iter()
            .filter(|p| p.left_id == id || p.right_id == id)
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .unwrap_or_else(|| panic!("{id} has no candidate in the 2026 list"));
        let other = if best.left_id == id {
            &best.right_id
        } else {
            &best.left_id
        };
        assert_eq!(other, twin, "{id}: {best:?}");
        assert!(best.score >= 0.95, "{best:?}");
    }
    assert!(
        twins >= 20,
        "only {twins} parties of 2019 have a twin in the 2026 list"
    );
    // Decisive pairs were merged at build time, each on a shared identifier or on the same
    // name, birth date and country; the snapshot has one node for each cluster.
    let current = engine.read(|s| s.current_judgements()).unwrap();
    let automatic: Vec<_> = current
        .iter()
        .filter(|j| j.author == resolve::XREF_AUTHOR)
        .collect();
    assert!(automatic.len() >= 100, "{} automatic merges", automatic.len());
    let snapshot = engine.snapshot();
    assert!(snapshot.cluster_count() > 0);
    for j in automatic.iter().take(50) {
        assert_eq!(snapshot.find(&j.left), snapshot.find(&j.right), "{j:?}");
        let pair = engine.read(|s| s.candidate(&j.left, &j.right)).unwrap().unwrap();
        assert_eq!(pair.decision, resolve::Decision::Auto);
        let sure = pair.reasons.iter().any(|r| r.feature == "identifier" && r.agrees)
            || ["name", "birth_date", "country"]
                .iter()
                .all(|f| pair.reasons.iter().any(|r| r.feature == *f && r.agrees));
        assert!(sure, "{pair:?}");
    }
    // The 28 parties of 2019 stay two records each: a same name alone waits for a person.
    assert_ne!(snapshot.find("hikvision"), snapshot.find(common::HIKVISION_2026));
}

#[actix_web::test]
async fn a_judgement_merges_two_records_everywhere_until_an_admin_reverts_it() {
    let (dir, engine) = common::bundled_copy();
    import_register(&engine, dir.path());
    let engine = with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine.clone()))).await;

    // Cross-referencing found the register's owner in the UN list; nobody has judged it.
    let page = send(
        &app,
        json(TestRequest::get().uri("/xref?dataset=register&against=un-sc")),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.body);
    let pairs = page.json()["pairs"].as_array().unwrap().clone();
    let pair = pairs
        .iter()
        .find(|p| p["left_id"] == "reg-akhtar" && p["right_id"] == UN_PARTY)
        .unwrap_or_else(|| panic!("{pairs:#?}"));
    assert_eq!(pair["decision"], "candidate");
    assert!(pair["judgement"].is_null());
    assert_eq!(pair["marks"]["country"], true);
    assert_eq!(eu_status(&engine, "reg-crescent").status, Status::NotBlocked);

    // Judging needs a session and its token.
    let form = [
        ("left", "reg-akhtar"),
        ("right", UN_PARTY),
        ("judgement", "positive"),
    ];
    let anonymous = send(&app, json(TestRequest::post().uri("/xref/judge")).set_form(form)).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let ana: Client = sign_in(&app, ANA).await;
    let wrong = [
        ("csrf", "nope"),
        ("left", "reg-akhtar"),
        ("right", UN_PARTY),
        ("judgement", "positive"),
    ];
    assert_eq!(
        send(&app, json(ana.post("/xref/judge")).set_form(wrong))
            .await
            .status,
        403
    );
    let same = [
        ("csrf", ana.csrf.as_str()),
        ("left", "reg-akhtar"),
        ("right", UN_PARTY),
        ("judgement", "positive"),
        ("note", "same trust: register extract names its UN listing"),
    ];
    let judged = send(&app, json(ana.post("/xref/judge")).set_form(same)).await;
    assert_eq!(judged.status, 201, "{}", judged.body);
    assert_eq!(judged.json()["author"], "ana");

    // One node, named by the smaller id; a member's page is the party's, saying which
    // record was asked for.
    let snapshot = engine.snapshot();
    assert_eq!(snapshot.find("reg-akhtar"), snapshot.find(UN_PARTY));
    let page = send(
        &app,
        json(TestRequest::get().uri(&format!("/entities/{UN_PARTY}"))),
    )
    .await;
    assert_eq!(page.status, 200);
    let party = page.json();
    assert_eq!(party["asked_for"], UN_PARTY);
    assert_eq!(party["entity"]["id"], "reg-akhtar");
    let sources: Vec<&str> = party["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["reg-akhtar", UN_PARTY]);
    assert!(party["listings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["entity"] == UN_PARTY));
    assert!(party["relations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["relations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["other_id"] == "reg-crescent")));
    assert_eq!(party["judgements"][0]["author"], "ana");
    let html = send(&app, TestRequest::get().uri(&format!("/entities/{UN_PARTY}")))
        .await
        .body;
    assert!(
        html.contains("You asked for record <code>un-QDe.121</code>"),
        "{html}"
    );

    // Exposure follows the chain through the party, naming its records and the judgement.
    let report = eu_status(&engine, "reg-crescent");
    assert_eq!(report.status, Status::Blocked, "{report}");
    let merged = report
        .merged
        .iter()
        .find(|m| m.records.contains(&"reg-akhtar".to_string()))
        .unwrap();
    assert_eq!(merged.records, ["reg-akhtar", UN_PARTY]);
    assert_eq!(merged.judgements.len(), 1);
    assert_eq!(merged.judgements[0].author, "ana");
    assert!(
        report
            .to_string()
            .contains("reg-akhtar = un-QDe.121: judged the same party by ana"),
        "{report}"
    );

    // Search lists the party once.
    let found = send(
        &app,
        json(TestRequest::get().uri("/search?q=Al+Akhtar+Trust+International")),
    )
    .await
    .json();
    let ids: Vec<&str> = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    let party_id = snapshot.node(snapshot.find(UN_PARTY).unwrap()).id.to_string();
    assert_eq!(
        ids.iter()
            .filter(|i| **i == party_id || **i == UN_PARTY || **i == "reg-akhtar")
            .count(),
        1,
        "{ids:?}"
    );

    // A negative judgement is a constraint no chain of positives may cross.
    let not_same = [
        ("csrf", ana.csrf.as_str()),
        ("left", "reg-crescent"),
        ("right", UN_PARTY),
        ("judgement", "negative"),
    ];
    assert_eq!(
        send(&app, json(ana.post("/xref/judge")).set_form(not_same))
            .await
            .status,
        201
    );
    let crossing = [
        ("csrf", ana.csrf.as_str()),
        ("left", "reg-crescent"),
        ("right", "reg-akhtar"),
        ("judgement", "positive"),
    ];
    let refused = send(&app, json(ana.post("/xref/judge")).set_form(crossing)).await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert!(
        refused.body.contains("which ana judged not the same"),
        "{}",
        refused.body
    );

    // An admin reverts the positive judgement: two records again, and no longer blocked.
    let history = send(&app, json(TestRequest::get().uri("/changes"))).await.json();
    let cid = history["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["action"] == "judge" && c["summary"].as_str().unwrap().contains("same party —"))
        .map(|c| c["id"].as_i64().unwrap())
        .unwrap();
    let root = sign_in(&app, ROOT).await;
    let reason = [
        ("csrf", root.csrf.as_str()),
        ("reason", "the register's trust is another one"),
    ];
    let reverted = send(
        &app,
        json(root.post(&format!("/changes/{cid}/revert"))).set_form(reason),
    )
    .await;
    assert_eq!(reverted.status, 201, "{}", reverted.body);
    let snapshot = engine.snapshot();
    assert_ne!(snapshot.find("reg-akhtar"), snapshot.find(UN_PARTY));
    assert_eq!(eu_status(&engine, "reg-crescent").status, Status::NotBlocked);
    let page = send(
        &app,
        json(TestRequest::get().uri(&format!("/entities/{UN_PARTY}"))),
    )
    .await
    .json();
    assert!(page["asked_for"].is_null());
    assert_eq!(page["entity"]["id"], UN_PARTY);
    let judgements = page["judgements"].as_array().unwrap();
    let undone = judgements.iter().find(|j| j["judgement"] == "positive").unwrap();
    assert_eq!(
        (undone["current"].as_bool(), undone["reverted_by"].as_str()),
        (Some(false), Some("root"))
    );
}

#[test]
fn judgements_move_between_databases_all_or_nothing() {
    let (dir, engine) = common::bundled_copy();
    import_register(&engine, dir.path());
    let curator = ownergraph::accounts::User {
        name: "ana".into(),
        role: ownergraph::accounts::Role::Curator,
    };
    resolve::judge(
        &engine,
        &curator,
        UN_PARTY,
        "reg-akhtar",
        Judgement::Positive,
        "register extract",
    )
    .unwrap();
    resolve::judge(
        &engine,
        &curator,
        "reg-crescent",
        UN_PARTY,
        Judgement::Negative,
        "",
    )
    .unwrap();
    let file = dir.path().join("judgements.jsonl");
    let written = engine
        .read(|s| Ok(resolve::export(s, &mut std::fs::File::create(&file).unwrap()).unwrap()))
        .unwrap();
    let automatic = engine
        .read(|s| s.all_judgements())
        .unwrap()
        .iter()
        .filter(|j| j.automatic)
        .count();
    assert_eq!(written, automatic + 2);

    // A rebuilt database (same data) takes the team's judgements back.
    let (other_dir, other) = common::bundled_copy();
    import_register(&other, other_dir.path());
    drop(other);
    let path = other_dir.path().join("copy.db");
    let mut store = ownergraph::store::Store::open(&path).unwrap();
    let done = resolve::import(&mut store, &file).unwrap();
    assert_eq!(
        (done.added, done.already),
        (2, automatic),
        "the automatic merges were remade by the build"
    );
    assert_eq!(
        resolve::import(&mut store, &file).unwrap().added,
        0,
        "importing twice changes nothing"
    );
    drop(store);
    let other = Engine::open(&path).unwrap();
    let snapshot = other.snapshot();
    assert_eq!(snapshot.find("reg-akhtar"), snapshot.find(UN_PARTY));

    // A database without the register: the first judgement naming one of its records stops
    // the import, naming file, line and field, and nothing is recorded.
    let (fresh_dir, fresh) = common::bundled_copy();
    drop(fresh);
    let mut store = ownergraph::store::Store::open(&fresh_dir.path().join("copy.db")).unwrap();
    let before = store.all_judgements().unwrap().len();
    let error = resolve::import(&mut store, &file).unwrap_err().to_string();
    let expected = format!(
        "judgements.jsonl:{}: left_id: no entity with id \"reg-akhtar\" in this database",
        automatic + 1
    );
    assert!(error.ends_with(&expected), "{error}");
    assert_eq!(store.all_judgements().unwrap().len(), before, "nothing recorded");
}

#[actix_web::test]
async fn the_review_screen_shows_pairs_side_by_side_and_refuses_bad_input() {
    let engine = common::bundled();
    let app = test::init_service(ownergraph::web::app(web::Data::from(engine))).await;
    let html = send(&app, TestRequest::get().uri("/xref?dataset=entity-list-2019")).await;
    assert_eq!(html.status, 200);
    assert!(html.body.contains("class=\"side-by-side\""), "{}", html.body);
    assert!(
        html.body.contains("<tr class=\"agrees\"><th>Name</th>"),
        "{}",
        html.body
    );
    assert!(html.body.contains("Sign in</a> to judge pairs"));
    assert!(
        !html.body.contains("name=\"judgement\""),
        "no buttons without a session"
    );
    for (uri, message) in [
        ("/xref?min_score=2", "min_score: 2 is not between 0 and 1"),
        ("/xref?dataset=nope", "dataset: no dataset \\\"nope\\\""),
        ("/xref?page=0", "page: 0 is not between 1"),
        ("/xref?min_score=x", "bad parameter"),
    ] {
        let reply = send(&app, json(TestRequest::get().uri(uri))).await;
        assert_eq!(reply.status, 400, "{uri}: {}", reply.body);
        assert!(reply.body.contains(message), "{uri}: {}", reply.body);
    }
}

#[test]
fn the_command_line_cross_references_and_moves_judgements() {
    let (dir, engine) = common::bundled_copy();
    drop(engine);
    let db = dir.path().join("copy.db");
    let bin = env!("CARGO_BIN_EXE_ownergraph");
    let out = dir.path().join("pairs.csv");
    let run = std::process::Command::new(bin)
        .args(["xref", "--db"])
        .arg(&db)
        .args([
            "--dataset",
            "entity-list-2019",
            "--against",
            "entity-list-2026-07-09",
            "--format",
            "csv",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("candidate pairs"), "{stderr}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with(
        "left_id,left_dataset,left_name,right_id,right_dataset,right_name,score,decision,judgement,reasons\n"
    ));
    assert!(text.contains("\nhikvision,entity-list-2019,"), "{text}");
    assert!(text
        .lines()
        .skip(1)
        .all(|l| l.contains(",entity-list-2019,") && l.contains(",entity-list-2026-07-09,")));
    let unknown = std::process::Command::new(bin)
        .args(["xref", "--db"])
        .arg(&db)
        .args(["--dataset", "nope"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no dataset \"nope\""));
    let file = dir.path().join("j.jsonl");
    let export = std::process::Command::new(bin)
        .args(["resolve", "export", "--db"])
        .arg(&db)
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let lines = std::fs::read_to_string(&file).unwrap().lines().count();
    assert!(lines >= 100, "{lines} judgements");
    let import = std::process::Command::new(bin)
        .args(["resolve", "import", "--db"])
        .arg(&db)
        .arg(&file)
        .output()
        .unwrap();
    assert!(import.status.success());
    assert!(
        String::from_utf8_lossy(&import.stderr)
            .contains(&format!("0 judgements recorded, {lines} already held")),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
}
