//! `ownergraph exposure`, run as a binary: one entity as JSON or text, the whole graph as CSV.

mod common;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn ownergraph(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ownergraph"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn one_entity_as_json_is_the_page_json() {
    let engine = common::bundled();
    let db = engine.path().to_str().unwrap();
    let out = ownergraph(&[
        "exposure",
        "--db",
        db,
        "sensetime-shenzhen",
        "--regime",
        "bis",
        "--as-of",
        "2025-10-15",
        "--format",
        "json",
    ]);
    let cli: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let report = ownergraph::exposure::explain(
        &engine,
        "sensetime-shenzhen",
        ownergraph::exposure::RegimeId::Bis,
        "2025-10-15".parse().unwrap(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(cli, serde_json::to_value(&report).unwrap());
    assert_eq!(cli["status"], "possibly_blocked");
    assert_eq!(cli["as_of"], "2025-10-15");
    assert_eq!(cli["evidence"][0]["seed"]["entity_id"], "sensetime");
}

#[test]
fn one_entity_as_text_reads_as_a_record() {
    let engine = common::bundled();
    let db = engine.path().to_str().unwrap();
    let text = stdout(&ownergraph(&[
        "exposure",
        "--db",
        db,
        "sensetime-shenzhen",
        "--regime",
        "bis",
        "--as-of",
        "2026-01-15",
    ]));
    assert!(
        text.contains("status:   not_blocked (possibly_blocked were the rule in force)"),
        "{text}"
    );
    assert!(text.contains("flag red_flag:"));
    assert!(text.contains("Entity List since 2019-10-09, 84 FR 54002"));
    let text = stdout(&ownergraph(&[
        "exposure",
        "--db",
        db,
        "sensetime-shenzhen",
        "--as-of",
        "2025-10-15",
    ]));
    assert!(text.contains("OFAC 50 Percent Rule"));
    assert!(text.contains("status:   not_blocked"));
}

#[test]
fn bad_input_fails_with_a_message() {
    let engine = common::bundled();
    let db = engine.path().to_str().unwrap();
    let out = ownergraph(&["exposure", "--db", db, "no-such-entity"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no entity with id \"no-such-entity\""));
    let out = ownergraph(&["exposure", "--db", db, "sensetime", "--as-of", "15/10/2025"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("YYYY-MM-DD"));
    let out = ownergraph(&["exposure", "--db", "/nonexistent/x.db", "sensetime"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn whole_graph_writes_one_row_per_blocked_or_possibly_blocked_party() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("case");
    std::fs::create_dir(&data).unwrap();
    write(
        &data,
        "entities.csv",
        "id,name,kind,country,aliases,notes,confidence,source\n\
         x,Party X,Company,RU,,,H,case\na,Party A,Company,RU,,,H,case\nb,Party B,Company,RU,,,H,case\n\
         c,Party C,Company,RU,,,H,case\nd,Party D,Company,RU,,,H,case\n",
    );
    write(
        &data,
        "relations.csv",
        "source,target,kind,share_percent,start_date,end_date,notes,confidence,evidence\n\
         x,a,owns,50,,,,H,filing 1\na,b,owns,50,,,,H,filing 2\nx,c,owns,,,,,M,filing 3\nx,d,owns,20,,,,H,filing 4\n",
    );
    write(
        &data,
        "listings.csv",
        "entity,list,authority,program,start_date,end_date,citation,license_requirement,license_review_policy,confidence\n\
         x,SDN List,OFAC,RUSSIA-EO14024,2022-02-24,,case,,,H\n",
    );
    let db = tmp.path().join("case.db");
    let db = db.to_str().unwrap();
    stdout(&ownergraph(&[
        "import",
        "--db",
        db,
        "--format",
        "csv",
        data.to_str().unwrap(),
    ]));
    let csv_path = tmp.path().join("ofac.csv");
    stdout(&ownergraph(&[
        "exposure",
        "--db",
        db,
        "--all",
        "--regime",
        "ofac",
        "--as-of",
        "2025-01-01",
        "--out",
        csv_path.to_str().unwrap(),
    ]));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(
        csv,
        "entity_id,name,status,blocked_owner_share_lo,blocked_owner_share_hi,witnesses\n\
         a,Party A,blocked,50,50,x\nb,Party B,blocked,50,50,a\nc,Party C,possibly_blocked,0,100,x\n"
    );
    // Before the listing nothing is blocked.
    let early = stdout(&ownergraph(&[
        "exposure",
        "--db",
        db,
        "--all",
        "--regime",
        "ofac",
        "--as-of",
        "2021-01-01",
    ]));
    assert_eq!(early.lines().count(), 1, "header only: {early}");
    // The UK list does not hold X: nothing under the UK regime.
    let uk = stdout(&ownergraph(&[
        "exposure",
        "--db",
        db,
        "--all",
        "--regime",
        "uk",
        "--as-of",
        "2025-01-01",
    ]));
    assert_eq!(uk.lines().count(), 1);
}
