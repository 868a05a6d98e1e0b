//! Releases and what changed, on two real releases of OFAC's SDN list: 2024-03-27 (in
//! `../shared/data`) and the bundled 2024-05-03. What the store recorded while applying the
//! second must be the two files' own diff by `ent_num`, computed here from the files with the
//! `csv` crate alone (never the importer): entries added, removed, renamed, programmes changed.

mod common;

use common::lists::day;
use common::releases::{apply, entries, first_release, get, second_release, two_releases, Entry};
use ownergraph::engine::Engine;
use ownergraph::releases::{self, ChangeKind, ChangeQuery, ChangeReport};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// The diff of two releases by ent_num.
#[derive(Debug, Default, PartialEq)]
struct Diff {
    added: BTreeSet<String>,
    removed: BTreeSet<String>,
    /// id → (old name, new name)
    renamed: BTreeMap<String, (String, String)>,
    /// id → programmes listed under in the new release only
    programs_added: BTreeMap<String, BTreeSet<String>>,
    /// id → programmes listed under in the old release only
    programs_ended: BTreeMap<String, BTreeSet<String>>,
}

fn file_diff(old: &BTreeMap<String, Entry>, new: &BTreeMap<String, Entry>) -> Diff {
    let mut diff = Diff::default();
    let none = BTreeSet::new();
    let ids: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for id in ids {
        let (before, after) = (old.get(id), new.get(id));
        match (before, after) {
            (None, Some(_)) => {
                diff.added.insert(id.clone());
            }
            (Some(_), None) => {
                diff.removed.insert(id.clone());
            }
            (Some(b), Some(a)) if b.name != a.name => {
                diff.renamed.insert(id.clone(), (b.name.clone(), a.name.clone()));
            }
            _ => {}
        }
        let was = before.map_or(&none, |e| &e.programs);
        let is = after.map_or(&none, |e| &e.programs);
        let added: BTreeSet<String> = is.difference(was).cloned().collect();
        let ended: BTreeSet<String> = was.difference(is).cloned().collect();
        if !added.is_empty() {
            diff.programs_added.insert(id.clone(), added);
        }
        if !ended.is_empty() {
            diff.programs_ended.insert(id.clone(), ended);
        }
    }
    diff
}

/// The same diff as the store recorded it, from the report's itemised changes.
fn recorded_diff(report: &ChangeReport) -> Diff {
    let mut diff = Diff::default();
    for (_, c) in report.rows() {
        let program = || c.program.clone().expect("a listing change names its programme");
        match c.change {
            ChangeKind::EntityAdded => {
                diff.added.insert(c.entity_id.clone());
            }
            ChangeKind::EntityRemoved => {
                diff.removed.insert(c.entity_id.clone());
            }
            ChangeKind::EntityRenamed => {
                let was = diff.renamed.insert(
                    c.entity_id.clone(),
                    (c.before.clone().unwrap(), c.after.clone().unwrap()),
                );
                assert!(was.is_none(), "one rename per entity: {}", c.entity_id);
            }
            ChangeKind::ListingAdded => {
                diff.programs_added
                    .entry(c.entity_id.clone())
                    .or_default()
                    .insert(program());
            }
            ChangeKind::ListingEnded => {
                diff.programs_ended
                    .entry(c.entity_id.clone())
                    .or_default()
                    .insert(program());
            }
            _ => {}
        }
    }
    diff
}

/// [`two_releases`], built once per test binary and only read.
fn shared() -> (PathBuf, Arc<Engine>) {
    static BUILT: OnceLock<(tempfile::TempDir, Arc<Engine>)> = OnceLock::new();
    let (dir, engine) = BUILT.get_or_init(|| {
        let (dir, engine) = two_releases();
        (dir, Arc::new(engine))
    });
    (dir.path().join("test.db"), engine.clone())
}

fn report(engine: &Engine, since: &str, until: &str, list: Option<&str>) -> ChangeReport {
    let query = ChangeQuery::new(day(since), Some(day(until)), list.map(String::from), None).unwrap();
    engine.read(|store| releases::report(store, &query)).unwrap()
}

#[test]
fn the_second_release_changed_exactly_what_the_files_differ_by() {
    let (_, engine) = shared();
    let expected = file_diff(&entries(&first_release()), &entries(&second_release()));
    // The real releases differ in every way the report tells apart.
    assert!(!expected.added.is_empty() && !expected.removed.is_empty() && !expected.renamed.is_empty());
    let report = report(&engine, "2024-03-28", "2024-05-03", None);
    assert_eq!(report.releases.len(), 1, "one release in the range");
    let release = &report.releases[0];
    assert_eq!(release.day, "2024-05-03");
    assert!(release.release.tracked && !release.release.baseline);
    assert_eq!(report.shown, report.total, "nothing left unitemised");

    let recorded = recorded_diff(&report);
    assert_eq!(recorded.added, expected.added);
    assert_eq!(recorded.removed, expected.removed);
    assert_eq!(recorded.renamed, expected.renamed);
    assert_eq!(recorded.programs_added, expected.programs_added);
    assert_eq!(recorded.programs_ended, expected.programs_ended);
    let changed_programmes = expected
        .programs_added
        .keys()
        .chain(expected.programs_ended.keys())
        .filter(|id| !expected.added.contains(*id) && !expected.removed.contains(*id))
        .collect::<BTreeSet<_>>()
        .len();
    eprintln!(
        "SDN 2024-03-27 → 2024-05-03: {} entries added, {} removed, {} renamed, {} with programmes changed; {} changes recorded ({:?})",
        expected.added.len(),
        expected.removed.len(),
        expected.renamed.len(),
        changed_programmes,
        report.total,
        release.counts
    );

    // Counts agree with the rows, and every change is grouped under the SDN List (an entity
    // change under the list its entity is on).
    let by_kind: u64 = release.counts.values().sum();
    assert_eq!(by_kind, report.total);
    assert_eq!(
        release.counts[&ChangeKind::EntityAdded],
        expected.added.len() as u64
    );
    assert!(release
        .lists
        .iter()
        .all(|l| l.list.as_deref() == Some("SDN List")));
    // A filter on the list keeps them all; another list has none of them.
    assert_eq!(report_total(&engine, Some("SDN List")), report.total);
    assert_eq!(report_total(&engine, Some("Entity List")), 0);

    // The first release is the dataset's baseline: counted, not itemised.
    let first = self::report(&engine, "2024-03-27", "2024-03-27", None);
    assert_eq!(first.releases.len(), 1);
    assert!(first.releases[0].release.baseline);
    assert_eq!(first.total, 0);
    assert_eq!(
        first.releases[0].release.entities,
        entries(&first_release()).len() as u64
    );
}

fn report_total(engine: &Engine, list: Option<&str>) -> u64 {
    report(engine, "2024-03-28", "2024-05-03", list).total
}

#[test]
fn importing_a_release_again_records_no_changes() {
    let (_dir, engine) = two_releases();
    let imports = || engine.read(|s| s.imports()).unwrap();
    let before = (imports(), report(&engine, "2024-01-01", "2024-12-31", None));
    for as_of in ["2024-05-03", "2024-05-10"] {
        assert!(apply(&engine, &second_release(), as_of).is_unchanged());
    }
    assert_eq!(
        (imports(), report(&engine, "2024-01-01", "2024-12-31", None)),
        before
    );

    // The older release applied again after the newer one does change things: it is logged
    // as a release of its own day with those changes, the reverse of the second's.
    apply(&engine, &first_release(), "2024-06-01");
    let again = report(&engine, "2024-06-01", "2024-06-01", None);
    assert_eq!(again.releases.len(), 1);
    let undone = recorded_diff(&again);
    let forward = recorded_diff(&report(&engine, "2024-05-03", "2024-05-03", None));
    assert_eq!(undone.removed, forward.added);
    assert_eq!(
        undone.renamed.keys().collect::<Vec<_>>(),
        forward.renamed.keys().collect::<Vec<_>>()
    );
    // Entries the second release removed are listed again: their listings re-opened.
    assert!(forward
        .removed
        .iter()
        .all(|id| undone.programs_added.contains_key(id)));
}

#[actix_web::test]
async fn the_changes_page_its_json_csv_and_feed() {
    let (_, engine) = shared();
    let expected = report(&engine, "2024-03-28", "2024-05-03", None);
    let renamed = expected
        .rows()
        .find(|(_, c)| c.change == ChangeKind::EntityRenamed)
        .map(|(_, c)| c.clone())
        .unwrap();

    // The JSON twin holds the report and the curated changes (none here).
    let (status, _, body) = get(engine.clone(), "/changes.json?since=2024-03-28&until=2024-05-03").await;
    assert_eq!(status, 200, "{body}");
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["report"], serde_json::to_value(&expected).unwrap());
    assert_eq!(json["report"]["since"], "2024-03-28");
    assert_eq!(json["changes"], Value::Array(vec![]));

    // The page: the release, its file and its changes, each entity linked.
    let (status, _, html) = get(engine.clone(), "/changes?since=2024-03-28&until=2024-05-03").await;
    assert_eq!(status, 200);
    assert!(html.contains("ofac-sdn — 2024-05-03"));
    assert!(html.contains(&expected.releases[0].release.checksum));
    assert!(html.contains(&format!(r#"<a href="/entities/{}">"#, renamed.entity_id)));
    assert!(html.contains("Curated changes"));
    common::assert_escaped(&html);

    // Without since: the newest releases, each linking to its changes.
    let (status, _, html) = get(engine.clone(), "/changes").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"href="/changes?since=2024-05-03&#38;until=2024-05-03&#38;dataset=ofac-sdn""#),
        "{}",
        &html[html.find("<h2>Releases").unwrap_or(0)..]
    );

    // The CSV: a header and one row per change.
    let (status, kind, csv) = get(engine.clone(), "/changes.csv?since=2024-03-28&until=2024-05-03").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(reader.headers().unwrap(), releases::CSV_HEADER.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as u64, expected.total);
    assert!(rows.iter().any(|r| &r[4] == "entity_renamed"
        && r[5] == renamed.entity_id
        && Some(&r[11]) == renamed.before.as_deref()));

    // The feed: one entry per release of the range, escaped.
    let (status, kind, atom) = get(engine.clone(), "/changes.atom?since=2024-03-27&until=2024-05-03").await;
    assert_eq!(status, 200);
    assert!(kind.starts_with("application/atom+xml"));
    assert_eq!(atom.matches("<entry>").count(), 2);
    assert!(atom.contains("<title>ofac-sdn release of 2024-05-03</title>"));
    let first = expected.rows().next().map(|(_, c)| c.clone()).unwrap();
    assert_eq!(first.change, ChangeKind::ListingAdded, "new listings come first");
    assert!(atom.contains(&format!("/entities/{}\">", first.entity_id)));
    assert!(atom.contains(&format!("and {} more", expected.total - 200)));
    common::assert_escaped(&atom);

    // /sources: the dataset's releases, newest first, each with its day, SHA-256 and counts.
    let (status, _, body) = get(engine.clone(), "/sources.json").await;
    assert_eq!(status, 200);
    let sources: Value = serde_json::from_str(&body).unwrap();
    let sdn = &sources["releases"][0];
    assert_eq!(sdn["dataset"], "ofac-sdn");
    let days: Vec<&str> = sdn["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["as_of"].as_str().unwrap())
        .collect();
    assert_eq!(days, ["2024-05-03", "2024-03-27"]);
    let newest = &sdn["releases"][0];
    assert_eq!(newest["entities"], entries(&second_release()).len());
    assert_eq!(newest["checksum"], expected.releases[0].release.checksum.as_str());
    assert_eq!(
        newest["changes_href"],
        "/changes?since=2024-05-03&until=2024-05-03&dataset=ofac-sdn"
    );
    assert_eq!(sdn["releases"][1]["baseline"], true);
    let (_, _, html) = get(engine.clone(), "/sources").await;
    assert!(html.contains(
        r#"<a href="/changes?since=2024-05-03&#38;until=2024-05-03&#38;dataset=ofac-sdn">what changed</a>"#
    ));
    assert!(html.contains(&format!(">{}</code>", expected.releases[0].release.checksum)));

    // Bad dates are a 400 that says what is wrong.
    for (uri, says) in [
        ("/changes?since=2024-02-30", "since:"),
        ("/changes.json?since=yesterday", "since:"),
        ("/changes?since=2024-05-03&until=2024-03-28", "is before since"),
        ("/changes.csv?since=2024-13-01", "since:"),
        ("/changes.atom?since=2024-05-03&until=nope", "until:"),
        ("/changes?until=2024-05-03", "needs since"),
    ] {
        let (status, _, body) = get(engine.clone(), uri).await;
        assert_eq!(status, 400, "{uri}: {body}");
        assert!(body.contains(says), "{uri}: {body}");
    }
}

#[test]
fn the_cli_prints_what_the_json_holds() {
    let (db, engine) = shared();
    let expected = serde_json::to_value(report(&engine, "2024-03-28", "2024-05-03", None)).unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ownergraph"))
            .arg("changes")
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let json: Value = serde_json::from_str(&run(&[
        "--since",
        "2024-03-28",
        "--until",
        "2024-05-03",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json, expected);

    let text = run(&["--since", "2024-03-28", "--until", "2024-05-03"]);
    let total = expected["total"].as_u64().unwrap();
    assert!(text.starts_with(&format!(
        "Changes from 2024-03-28 to 2024-05-03: 1 release(s), {total} change(s)"
    )));
    assert_eq!(
        text.lines().filter(|l| l.starts_with("    ")).count() as u64,
        total,
        "one line per change"
    );
    let csv = run(&[
        "--since",
        "2024-03-28",
        "--until",
        "2024-05-03",
        "--format",
        "csv",
    ]);
    assert_eq!(
        csv::Reader::from_reader(csv.as_bytes()).records().count() as u64,
        total
    );

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_ownergraph"))
        .args(["changes", "--db"])
        .arg(&db)
        .args(["--since", "2024-05-03", "--until", "2024-03-28"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("until (2024-03-28) is before since (2024-05-03)")
    );
}
