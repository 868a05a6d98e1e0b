//! Importers on the real bundled files, the all-or-nothing rule, database identity, graph load.

mod common;

use common::*;
use ownergraph::engine::Engine;
use ownergraph::graph::Direction;
use ownergraph::import::{self, Format, ImportError};
use ownergraph::model::{KindSet, RelationKind, Schema};
use ownergraph::store::{Store, StoreError};

#[test]
fn ofac_sdn_imports_whole_list_with_links_and_remarks() {
    let prepared = import::read(Format::OfacSdn, &sdn_csv(), None).unwrap();
    let batch = &prepared.batch;
    assert_eq!(batch.entities.len(), 14_965, "every row of the 2024-05-03 list");
    let links = prepared.links.as_ref().unwrap();
    assert_eq!(links.total, 6_375);
    assert!(
        links.resolved * 100 > links.total * 95,
        "{} of {} resolved",
        links.resolved,
        links.total
    );
    assert_eq!(links.resolved + links.unresolved.len(), links.total);

    let find = |id: &str| &batch.entities.iter().find(|(_, e)| e.id == id).unwrap().1;
    let bnc = find("ofac-306");
    assert_eq!(bnc.name, "BANCO NACIONAL DE CUBA");
    assert_eq!(bnc.schema, Schema::LegalEntity);
    assert_eq!(bnc.aliases, vec!["BNC"]);

    let nasrallah = find("ofac-2686");
    assert_eq!(nasrallah.schema, Schema::Person);
    assert_eq!(nasrallah.birth_date.as_deref(), Some("1960-08-31"));
    let passport = nasrallah
        .identifiers
        .iter()
        .find(|i| i.scheme == "Passport")
        .unwrap();
    assert_eq!(
        (passport.value.as_str(), passport.country.as_deref()),
        ("042833", Some("Lebanon"))
    );

    let programs: Vec<_> = batch
        .listings
        .iter()
        .filter(|(_, l)| l.entity == "ofac-4632")
        .map(|(_, l)| l.program.clone().unwrap())
        .collect();
    assert_eq!(programs, vec!["IRAN", "SDGT", "IRGC", "IFSR"]);
    // Bank Markazi is "Linked To: ... QODS FORCE" and "Linked To: HIZBALLAH".
    let targets: Vec<_> = batch
        .relations
        .iter()
        .filter(|(_, r)| r.source == "ofac-4632")
        .map(|(_, r)| (r.kind, find(&r.target).name.clone()))
        .collect();
    assert!(
        targets.contains(&(RelationKind::LinkedTo, "HIZBALLAH".to_string())),
        "{targets:?}"
    );
    assert_eq!(targets.len(), 2);
}

#[test]
fn csv_import_keeps_listings_shares_and_evidence() {
    let (_dir, engine) = entity_list();
    let detail = engine.read(|s| s.entity_detail("hikvision")).unwrap().unwrap();
    let el = detail.listings.iter().find(|l| l.list == "Entity List").unwrap();
    assert_eq!(el.citation.as_deref(), Some("84 FR 54002 (entry at 54004)"));
    assert_eq!(el.start_date.unwrap().to_string(), "2019-10-09");
    let owners: Vec<_> = detail
        .incoming
        .iter()
        .map(|v| (v.other_id.as_str(), v.relation.share.map(|s| s.to_string())))
        .collect();
    assert!(owners.contains(&("cethik", Some("38.88".into()))), "{owners:?}");
    assert!(
        owners.contains(&("gong-hongjia", Some("10.3".into()))),
        "{owners:?}"
    );
    let stats = engine.read(|s| s.stats()).unwrap();
    assert_eq!((stats.entities, stats.relations, stats.listings), (40, 33, 35));
    assert_eq!(stats.by_kind["subordinate_of"], 20);
}

#[test]
fn importing_the_same_files_twice_changes_nothing() {
    let (_dir, engine) = entity_list();
    let before = engine.read(|s| s.stats()).unwrap();
    let version = engine.snapshot().data_version;
    let again = import_into(&engine, Format::Csv, &entity_list_dir());
    assert!(again.is_unchanged(), "{again:?}");
    assert_eq!(engine.read(|s| s.stats()).unwrap(), before);
    assert_eq!(
        engine.snapshot().data_version,
        version,
        "no new import record for the same file"
    );
}

/// Applies a damaged copy of the Entity List case to a database that already holds it plus
/// OFAC's list, and checks the error text and that nothing changed.
fn assert_rejected(damage: impl Fn(&std::path::Path), expected: &str) {
    let (_dir, engine) = entity_list();
    let before = engine.read(|s| s.stats()).unwrap();
    let copy = entity_list_copy();
    // Make every row new, so a partial apply would be visible in the counts.
    for name in ["entities.csv", "relations.csv", "listings.csv"] {
        let path = copy.path().join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let renamed: String = text
            .lines()
            .enumerate()
            .map(|(i, line)| {
                if i == 0 {
                    format!("{line}\n")
                } else {
                    format!("x-{line}\n")
                }
            })
            .collect();
        let renamed = renamed
            .replace(",xuar-psb,", ",x-xuar-psb,")
            .replace(",xpcc,", ",x-xpcc,");
        std::fs::write(&path, renamed).unwrap();
    }
    damage(copy.path());
    let error = import::read(Format::Csv, copy.path(), None)
        .and_then(|p| engine.apply(&p.batch, &p.record).map_err(ImportError::from))
        .expect_err("damaged input must be refused");
    let text = error.to_string();
    assert!(
        text.contains(expected),
        "error {text:?} should contain {expected:?}"
    );
    assert_eq!(
        engine.read(|s| s.stats()).unwrap(),
        before,
        "the database is exactly as before"
    );
}

fn edit(path: std::path::PathBuf, from: &str, to: &str) {
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "fixture holds {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn malformed_rows_stop_the_import_and_name_file_line_field() {
    assert_rejected(
        |d| {
            edit(
                d.join("relations.csv"),
                "x-huawei,hisilicon,owns,100",
                "x-huawei,hisilicon,owns,100,extra",
            )
        },
        "relations.csv:34: row: expected 9 fields, found 10",
    );
    assert_rejected(
        |d| edit(d.join("listings.csv"), "2019-10-09", "2019-10-32"),
        "listings.csv:2: start_date: \"2019-10-32\" is not a date",
    );
    assert_rejected(
        |d| edit(d.join("relations.csv"), "owns,38.88", "owns,138.88"),
        "relations.csv:24: share_percent: \"138.88\" is not a percentage between 0 and 100",
    );
    // The last relation names an entity that exists nowhere: the store refuses it after the
    // entities and earlier relations were written inside the transaction.
    assert_rejected(
        |d| {
            edit(
                d.join("relations.csv"),
                "x-huawei,hisilicon,owns",
                "x-huawei,no-such-entity,owns",
            )
        },
        "relations.csv:34: target: unknown entity id \"no-such-entity\"",
    );
    assert_rejected(
        |d| edit(d.join("entities.csv"), ",PublicBody,", ",Ministry,"),
        "entities.csv:2: kind: unknown schema \"Ministry\"",
    );
}

#[test]
fn foreign_and_newer_databases_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text_file = dir.path().join("notes.db");
    std::fs::write(
        &text_file,
        "this is not a database at all, just some text that is long enough",
    )
    .unwrap();
    let err = Engine::open(&text_file).err().unwrap().to_string();
    assert!(err.contains("not an ownergraph database"), "{err}");

    let other = dir.path().join("other.db");
    rusqlite_free_table(&other, "CREATE TABLE people (name TEXT)");
    let err = Engine::open(&other).err().unwrap().to_string();
    assert!(err.contains("not an ownergraph database"), "{err}");

    let newer = dir.path().join("newer.db");
    drop(Store::open(&newer).unwrap());
    rusqlite_free_table(&newer, "PRAGMA user_version = 999");
    match Engine::open(&newer) {
        Err(StoreError::TooNew { found: 999, .. }) => {}
        other => panic!("expected TooNew, got {:?}", other.err()),
    }
}

/// Runs one statement on a database file through a plain connection (not ownergraph's).
fn rusqlite_free_table(path: &std::path::Path, sql: &str) {
    ownergraph::store::raw_execute(path, sql).unwrap();
}

#[test]
fn restart_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("restart.db");
    let before = {
        let engine = Engine::open(&path).unwrap();
        import_into(&engine, Format::Csv, &entity_list_dir());
        engine.read(|s| s.stats()).unwrap()
    };
    let engine = Engine::open(&path).unwrap();
    assert_eq!(engine.read(|s| s.stats()).unwrap(), before);
    assert_eq!(engine.snapshot().record_count() as u64, before.entities);
    assert_eq!(engine.read(|s| s.integrity_check()).unwrap(), "ok");
}

#[test]
fn graph_snapshot_matches_store_and_walks() {
    let engine = bundled();
    let snapshot = engine.snapshot();
    let stats = engine.read(|s| s.stats()).unwrap();
    // Every record is in the graph; records judged one party share a node.
    assert_eq!(snapshot.record_count() as u64, stats.entities);
    assert!(
        snapshot.cluster_count() > 0,
        "the bundled OFAC and UN records of one party"
    );
    assert!(snapshot.node_count() < snapshot.record_count());
    assert_eq!(snapshot.edge_count() as u64, stats.relations);

    // The compact adjacency agrees with petgraph's own lists for every node.
    for node in snapshot.graph.node_indices() {
        let mut from_petgraph: Vec<u32> = snapshot.graph.neighbors(node).map(|n| n.index() as u32).collect();
        let mut from_csr: Vec<u32> = snapshot
            .outgoing(node.index() as u32)
            .iter()
            .map(|a| a.node)
            .collect();
        from_petgraph.sort_unstable();
        from_csr.sort_unstable();
        assert_eq!(from_petgraph, from_csr);
    }

    // The reachability count walks as the neighbourhood does, for every node.
    let owns: KindSet = [RelationKind::Owns].into_iter().collect();
    for node in 0..snapshot.node_count() as u32 {
        for (depth, kinds, direction) in [
            (1, KindSet::ALL, Direction::Both),
            (3, KindSet::ALL, Direction::Both),
            (2, owns, Direction::In),
            (3, KindSet::ALL, Direction::Out),
        ] {
            let walk = snapshot.neighbourhood(node, depth, kinds, direction, 1);
            assert_eq!(
                snapshot.reach_count(node, depth, kinds, direction),
                walk.nodes.len() + walk.omitted,
                "node {node}, depth {depth}, {direction:?}"
            );
        }
    }

    let aksu = snapshot.find("aksu-psb").unwrap();
    let urumqi = snapshot.find("urumqi-psb").unwrap();
    let xuar_psb = snapshot.find("xuar-psb").unwrap();
    let path = snapshot
        .shortest_path(aksu, urumqi, KindSet::ALL, false, 8)
        .unwrap();
    assert_eq!(path.len(), 2);
    assert_eq!(snapshot.endpoints(path[0]), (aksu, xuar_psb));
    assert_eq!(snapshot.endpoints(path[1]), (urumqi, xuar_psb));
    assert!(
        snapshot
            .shortest_path(aksu, urumqi, KindSet::ALL, true, 8)
            .is_none(),
        "no directed path between sibling bureaus"
    );

    let xuar = snapshot.find("xuar-psb").unwrap();
    let subordinates = snapshot.neighbourhood(
        xuar,
        1,
        [RelationKind::SubordinateOf].into_iter().collect(),
        Direction::In,
        100,
    );
    // 17 prefecture and city bureaus and the police college; XPCC's bureau sits under XPCC.
    assert_eq!(
        subordinates.nodes.len(),
        19,
        "the bureau and its 18 direct subordinates"
    );
    assert_eq!(subordinates.edges.len(), 18);
    let capped = snapshot.neighbourhood(xuar, 1, KindSet::ALL, Direction::In, 5);
    assert_eq!((capped.nodes.len(), capped.omitted), (5, 14));
    assert_eq!(
        capped.reached_by_kind[RelationKind::SubordinateOf as usize],
        18,
        "omitted nodes still count by the kind that reached them"
    );
    assert_eq!(capped.reached_by_kind.iter().sum::<u32>(), 18);

    // The bureaus hang off a tree: asking for three ways between siblings finds the one.
    let three = ownergraph::paths::k_shortest_paths(&snapshot, aksu, urumqi, KindSet::ALL, false, 8, 3);
    assert_eq!(three.len(), 1);
    assert_eq!(three[0].nodes, vec![aksu, xuar_psb, urumqi]);

    let hikvision = snapshot.find("hikvision").unwrap();
    assert!(snapshot.is_listed(hikvision));
    assert!(!snapshot.is_listed(snapshot.find("cethik").unwrap()));
    assert!(snapshot.list_names.iter().any(|l| l == "SDN List"));
}

/// A dataset's first import inserts before it looks up (a faster path); what it meets that is
/// already held must still be found and updated, as on any later import: an entity id held by
/// another dataset, and a relation given twice in one batch.
#[test]
fn a_first_import_still_meets_what_is_already_held() {
    use ownergraph::model::{Batch, Entity, Origin, Relation};
    use ownergraph::store::ImportRecord;
    let (_dir, engine) = entity_list();
    let before = engine.snapshot().node_count();
    let origin = Origin {
        file: "test".into(),
        line: 1,
    };
    let mut renamed = Entity::new(
        "hikvision",
        Schema::Company,
        "Hikvision (as the other dataset names it)",
        "other",
    );
    renamed.countries = vec!["CN".into()];
    let fresh = Entity::new("other-holding", Schema::Company, "Other Holding Ltd", "other");
    let mut first = Relation::new("other-holding", "hikvision", RelationKind::Owns, "other");
    first.notes = Some("first statement".into());
    let mut again = first.clone();
    again.notes = Some("second statement".into());
    let batch = Batch {
        dataset: "other".into(),
        entities: vec![(origin.clone(), renamed), (origin.clone(), fresh)],
        relations: vec![(origin.clone(), first), (origin, again)],
        listings: Vec::new(),
    };
    let record = ImportRecord {
        dataset: "other".into(),
        format: "test".into(),
        path: "test".into(),
        checksum: "other".into(),
    };
    let report = engine.apply(&batch, &record).expect("applies");
    assert_eq!(report.entities_added, 1, "{report:?}");
    assert_eq!(
        report.entities_changed, 1,
        "hikvision is updated, not added twice: {report:?}"
    );
    assert_eq!(report.relations_added, 1, "{report:?}");
    assert_eq!(
        report.relations_changed, 1,
        "the second statement updates the first: {report:?}"
    );
    let snapshot = engine.snapshot();
    assert_eq!(snapshot.node_count(), before + 1);
    let hikvision = snapshot.find("hikvision").unwrap();
    assert_eq!(
        &*snapshot.node(hikvision).name,
        "Hikvision (as the other dataset names it)"
    );
    let detail = engine
        .read(|s| s.entity_detail("other-holding"))
        .unwrap()
        .unwrap();
    assert_eq!(detail.outgoing.len(), 1);
    assert_eq!(
        detail.outgoing[0].relation.notes.as_deref(),
        Some("second statement")
    );
}
