//! Entity pages as they stood on a day (`?as_of=`) and their timeline, on two real releases of
//! OFAC's SDN list (2024-03-27, then the bundled 2024-05-03). Which entries were added,
//! removed and renamed comes from the recorded changes (checked against the files' own diff
//! by tests/changes.rs); the names they had are read from the files themselves.

mod common;

use common::lists::day;
use common::releases::{entries, first_release, get, second_release, two_releases};
use ownergraph::engine::Engine;
use ownergraph::releases::{self, ChangeKind, ChangeQuery};
use ownergraph::store::ChangeRow;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, OnceLock};

fn shared() -> Arc<Engine> {
    static BUILT: OnceLock<(tempfile::TempDir, Arc<Engine>)> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let (dir, engine) = two_releases();
            (dir, Arc::new(engine))
        })
        .1
        .clone()
}

/// The first change of `kind` the May release recorded (for removals: of an entity whose
/// listing it ended).
fn changed(engine: &Engine, kind: ChangeKind) -> ChangeRow {
    let query = ChangeQuery::new(day("2024-05-03"), Some(day("2024-05-03")), None, None).unwrap();
    let report = engine.read(|store| releases::report(store, &query)).unwrap();
    let rows: Vec<ChangeRow> = report.rows().map(|(_, c)| c.clone()).collect();
    rows.iter()
        .find(|c| {
            c.change == kind
                && (kind != ChangeKind::EntityRemoved
                    || rows
                        .iter()
                        .any(|l| l.change == ChangeKind::ListingEnded && l.entity_id == c.entity_id))
        })
        .unwrap_or_else(|| panic!("the May release recorded a change {kind}"))
        .clone()
}

/// The name an SDN file gives entry `id` (`ofac-<ent_num>`).
fn name_in(path: &Path, id: &str) -> String {
    entries(path)
        .remove(id)
        .unwrap_or_else(|| panic!("{id} in {}", path.display()))
        .name
}

async fn json(engine: &Arc<Engine>, uri: &str) -> (u16, Value) {
    let (status, _, body) = get(engine.clone(), uri).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::String(body)))
}

#[actix_web::test]
async fn an_entity_added_in_may_was_not_recorded_in_april() {
    let engine = shared();
    let added = changed(&engine, ChangeKind::EntityAdded);
    let (status, body) = json(
        &engine,
        &format!("/entities/{}.json?as_of=2024-04-01", added.entity_id),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains(&format!(
            "nothing is recorded of {} on 2024-04-01: it was first recorded on 2024-05-03",
            added.entity_id
        )),
        "{body}"
    );
    let (status, body) = json(
        &engine,
        &format!("/entities/{}.json?as_of=2024-05-03", added.entity_id),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["as_of"], "2024-05-03");
    assert!(body["listings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|l| l["end_date"].is_null()));
    let timeline = &body["timeline"];
    assert!(timeline["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["change"] == "entity_added" && e["day"] == "2024-05-03"));
}

#[actix_web::test]
async fn an_entity_removed_in_may_was_listed_in_april_and_is_not_today() {
    let engine = shared();
    let removed = changed(&engine, ChangeKind::EntityRemoved);
    let id = &removed.entity_id;
    let (status, april) = json(&engine, &format!("/entities/{id}.json?as_of=2024-04-01")).await;
    assert_eq!(status, 200, "{april}");
    let listings = april["listings"].as_array().unwrap();
    assert!(!listings.is_empty(), "listed in April: {april}");
    assert!(
        listings.iter().all(|l| l["end_date"].is_null()),
        "no end known in April"
    );
    let (_, today) = json(&engine, &format!("/entities/{id}.json")).await;
    let listings = today["listings"].as_array().unwrap();
    assert!(!listings.is_empty());
    assert!(
        listings.iter().all(|l| l["end_date"] == "2024-05-03"),
        "ended today: {today}"
    );
    // The day the release ended it, the listing is no longer held.
    let (_, may) = json(&engine, &format!("/entities/{id}.json?as_of=2024-05-03")).await;
    assert_eq!(may["listings"].as_array().unwrap().len(), 0, "{may}");
    let entries = today["timeline"]["entries"].as_array().unwrap();
    for change in ["entity_removed", "listing_ended"] {
        assert!(
            entries
                .iter()
                .any(|e| e["change"] == change && e["day"] == "2024-05-03" && e["dataset"] == "ofac-sdn"),
            "{change} in {entries:?}"
        );
    }
    assert_eq!(today["timeline"]["first_recorded"][0], "2024-03-27");
}

#[actix_web::test]
async fn a_renamed_entity_has_its_old_name_in_april() {
    let engine = shared();
    let renamed = changed(&engine, ChangeKind::EntityRenamed);
    let id = &renamed.entity_id;
    let (old, new) = (name_in(&first_release(), id), name_in(&second_release(), id));
    assert_ne!(old, new);
    let (_, april) = json(&engine, &format!("/entities/{id}.json?as_of=2024-04-01")).await;
    assert_eq!(april["entity"]["name"], old.as_str());
    let (_, today) = json(&engine, &format!("/entities/{id}.json")).await;
    assert_eq!(today["entity"]["name"], new.as_str());
    assert!(today["as_of"].is_null());
    let entry = today["timeline"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["change"] == "entity_renamed")
        .cloned()
        .expect("the rename is in the timeline");
    assert_eq!(entry["day"], "2024-05-03");
    assert_eq!(entry["detail"], format!("{old} → {new}").as_str());

    // The page says which day it shows, links back to today and to the days of its timeline.
    let (status, _, html) = get(engine.clone(), &format!("/entities/{id}?as_of=2024-04-01")).await;
    assert_eq!(status, 200);
    assert!(html.contains("As it stood on <strong>2024-04-01</strong>"));
    assert!(html.contains(&format!(r#"<a href="/entities/{id}">Today’s page</a>"#)));
    assert!(html.contains(&format!(
        r#"<a href="/entities/{id}?as_of=2024-05-03">2024-05-03</a>"#
    )));
    assert!(html.contains(&format!(r#"/entities/{id}/exposure?as_of=2024-04-01"#)));
    let (_, _, html) = get(engine.clone(), &format!("/entities/{id}")).await;
    assert!(!html.contains("As it stood on"));
    assert!(html.contains(r#"<section class="timeline" id="timeline">"#));
}

#[actix_web::test]
async fn bad_days_and_days_before_any_release_are_refused() {
    let engine = shared();
    let renamed = changed(&engine, ChangeKind::EntityRenamed);
    let id = &renamed.entity_id;
    for bad in ["2024-13-01", "yesterday", "2024-02-30"] {
        let (status, body) = json(&engine, &format!("/entities/{id}.json?as_of={bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(
            body["error"]["message"].as_str().unwrap().starts_with("as_of: "),
            "{body}"
        );
    }
    let (status, body) = json(&engine, &format!("/entities/{id}.json?as_of=2020-01-01")).await;
    assert_eq!(status, 404);
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("nothing is recorded yet on 2020-01-01: the first release held is of 2024-03-27"));
    let (status, body) = json(&engine, &format!("/entities/{id}.json?timeline=9")).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("there is 1 page of 50"),
        "{body}"
    );
}

/// The bundled 2019 case is a partial import (its directory names no day): it dates nothing,
/// so its parties are shown on past days by their facts' own dates, not by the day the file
/// happened to be imported.
#[actix_web::test]
async fn a_partial_imports_facts_keep_their_own_dates() {
    let engine = common::bundled();
    let (status, page) = json(&engine, "/entities/hikvision.json?as_of=2020-01-01").await;
    assert_eq!(status, 200, "{page}");
    let lists: Vec<&str> = page["listings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["list"].as_str().unwrap())
        .collect();
    assert!(lists.contains(&"Entity List"), "{lists:?}");
    // Before its listing of 2019-10-09 the party is there, unlisted.
    let (status, page) = json(&engine, "/entities/hikvision.json?as_of=2019-10-08").await;
    assert_eq!(status, 200, "{page}");
    assert!(page["listings"].as_array().unwrap().is_empty(), "{page}");
    // A dated release still bounds its own records: nothing of the SDN list before it.
    let (status, _) = json(&engine, "/entities/ofac-39693.json?as_of=2024-04-01").await;
    assert_eq!(status, 404);
}

/// A hub's page reads only the relations a release changed (`degree` above what the changes
/// number): on every relation the two releases changed, and every day, it says what reading
/// each relation's history says.
#[test]
fn reading_only_changed_relations_says_what_reading_every_relation_says() {
    let engine = shared();
    let query = ChangeQuery::new(day("2024-05-03"), Some(day("2024-05-03")), None, None).unwrap();
    let report = engine.read(|store| releases::report(store, &query)).unwrap();
    let mut ids: Vec<String> = report
        .rows()
        .filter(|(_, c)| matches!(c.change, ChangeKind::RelationAdded | ChangeKind::RelationEnded))
        .map(|(_, c)| c.entity_id.clone())
        .collect();
    ids.sort();
    ids.dedup();
    assert!(ids.len() >= 5, "{ids:?}");
    let first_days = engine.read(|store| store.first_release_days()).unwrap();
    let mut compared = 0;
    // Relations read each way.
    let mut read = (0, 0);
    for id in &ids {
        for d in ["2024-03-27", "2024-04-15", "2024-05-03", "2026-01-01"] {
            let (every, changed) = engine
                .read(|store| {
                    Ok((
                        store.relation_histories(&[id.as_str()], &first_days, day(d), 0)?,
                        store.relation_histories(&[id.as_str()], &first_days, day(d), usize::MAX)?,
                    ))
                })
                .unwrap();
            assert!(changed.keys().all(|rid| every.contains_key(rid)));
            read.0 += every.len();
            read.1 += changed.len();
            for (rid, history) in &every {
                let held = changed.get(rid).is_none_or(|h| h.held_on(day(d)));
                assert_eq!(held, history.held_on(day(d)), "{id} relation {rid} on {d}");
                compared += 1;
            }
        }
    }
    assert!(compared > 20, "{compared}");
    assert!(read.1 < read.0, "only changed relations are read: {read:?}");
}
