//! Interoperability: FollowTheMoney and BODS in, releases over time, FtM / GraphML / CSV out.

mod common;

use common::*;
use ownergraph::engine::Engine;
use ownergraph::import::{self, Format, ImportError};
use ownergraph::model::{RelationKind, Schema};
use ownergraph::store::{ApplyMode, ApplyReport};
use std::path::{Path, PathBuf};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

fn import(engine: &Engine, format: Format, path: &Path, mode: ApplyMode) -> Result<ApplyReport, ImportError> {
    let prepared = import::read(format, path, None)?;
    Ok(engine.apply_with(&prepared.batch, &prepared.record, mode)?)
}

fn counts(engine: &Engine) -> (u64, u64, u64) {
    let stats = engine.read(|s| s.stats()).unwrap();
    (stats.entities, stats.relations, stats.listings)
}

/// Writes `text` to a file in a fresh temporary directory.
fn write_temp(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn rejected(format: Format, path: &Path) -> String {
    let (_dir, engine) = empty_engine();
    let before = counts(&engine);
    let err = import(&engine, format, path, ApplyMode::default()).expect_err("bad input must be refused");
    assert_eq!(counts(&engine), before, "nothing applied");
    err.to_string()
}

#[test]
fn ftm_reads_things_links_sanctions_and_counts_the_rest() {
    let path = fixture("ftm/hikvision.ftm.json");
    let prepared = import::read(Format::Ftm, &path, None).unwrap();
    assert_eq!(prepared.batch.dataset, "hikvision");
    let skipped: Vec<_> = prepared.skipped.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(skipped, vec![("Ownership → Security", 1), ("Security", 1)]);
    assert_eq!(
        prepared.batch.entities.len(),
        6,
        "the Person split over two lines is one"
    );

    let (_dir, engine) = empty_engine();
    let report = engine.apply(&prepared.batch, &prepared.record).unwrap();
    assert_eq!(
        (
            report.entities_added,
            report.relations_added,
            report.listings_added
        ),
        (6, 6, 2)
    );

    let hik = engine.read(|s| s.entity_detail("cn-hikvision")).unwrap().unwrap();
    assert_eq!(hik.entity.schema, Schema::Company);
    assert_eq!(hik.entity.name, "Hangzhou Hikvision Digital Technology Co., Ltd.");
    assert_eq!(hik.entity.aliases, vec!["Hikvision", "海康威视"]);
    assert_eq!(hik.entity.countries, vec!["cn"]);
    assert_eq!(hik.entity.identifiers[0].scheme, "registrationNumber");
    assert_eq!(hik.entity.identifiers[0].value, "91330000733796106P");
    let owners: Vec<_> = hik
        .incoming
        .iter()
        .map(|v| {
            (
                v.other_id.as_str(),
                v.relation.kind,
                v.relation.share.map(|s| s.to_string()),
            )
        })
        .collect();
    assert!(
        owners.contains(&("cn-cethik", RelationKind::Owns, Some("38.88".into()))),
        "{owners:?}"
    );
    assert!(owners.contains(&("cn-gong-hongjia", RelationKind::Owns, Some("10.3".into()))));
    let ceo = hik
        .incoming
        .iter()
        .find(|v| v.other_id == "cn-hu-yangzhong")
        .unwrap();
    assert_eq!(ceo.relation.kind, RelationKind::DirectorOf);
    // The Address it names is a node it is linked to, named by its text.
    let at = hik
        .outgoing
        .iter()
        .find(|v| v.relation.kind == RelationKind::HasAddress)
        .expect("the addressEntity is a relation");
    assert_eq!(at.other_id, "addr-hikvision");
    let office = engine
        .read(|s| s.entity_detail("addr-hikvision"))
        .unwrap()
        .unwrap();
    assert_eq!(office.entity.schema, Schema::Address);
    assert_eq!(
        office.entity.name,
        "No. 555 Qianmo Road, Binjiang District, Hangzhou"
    );
    assert_eq!(office.entity.countries, vec!["cn"]);
    assert_eq!(ceo.relation.start_date, None, "a year alone is no day");
    assert_eq!(
        ceo.relation.notes.as_deref(),
        Some("Chief Executive Officer; startDate 2008")
    );
    let lists: Vec<_> = hik
        .listings
        .iter()
        .map(|l| {
            (
                l.list.as_str(),
                l.program.as_deref(),
                l.start_date.map(|d| d.to_string()),
            )
        })
        .collect();
    assert_eq!(
        lists,
        vec![
            ("Entity List", None, Some("2019-10-09".into())),
            ("NS-CMIC List", Some("EO 13959"), Some("2021-06-03".into()))
        ]
    );

    let gong = engine
        .read(|s| s.entity_detail("cn-gong-hongjia"))
        .unwrap()
        .unwrap();
    assert_eq!(gong.entity.name, "Hongjia Gong");
    assert_eq!(gong.entity.aliases, vec!["龚虹嘉"]);
    assert_eq!(gong.entity.birth_date.as_deref(), Some("1965"));
    assert_eq!(gong.entity.notes.as_deref(), Some("Co-founder of Hikvision"));
    let link = &gong.incoming[0];
    assert_eq!(
        (link.relation.kind, link.relation.notes.as_deref()),
        (RelationKind::LinkedTo, Some("co-founder"))
    );

    let again = engine.apply(&prepared.batch, &prepared.record).unwrap();
    assert!(again.is_unchanged(), "{again:?}");
}

#[test]
fn ftm_addresses_are_nodes_named_by_their_text_or_parts() {
    let text = [
        r#"{"id": "a1", "schema": "Address", "properties": {"street": ["1 Qianmo Road"], "city": ["Hangzhou"], "country": ["cn"]}}"#,
        r#"{"id": "c1", "schema": "Company", "properties": {"name": ["Alpha"], "addressEntity": ["a1"]}}"#,
        r#"{"id": "c2", "schema": "Company", "properties": {"name": ["Beta"], "addressEntity": ["a1", "a1"]}}"#,
    ]
    .join("\n");
    let (_dir, path) = write_temp("addresses.ftm.json", &text);
    let prepared = import::read(Format::Ftm, &path, None).unwrap();
    let address = &prepared.batch.entities[0].1;
    assert_eq!(
        (address.schema, address.name.as_str()),
        (Schema::Address, "1 Qianmo Road, Hangzhou")
    );
    let at: Vec<_> = prepared
        .batch
        .relations
        .iter()
        .map(|(_, r)| (r.source.as_str(), r.kind, r.target.as_str()))
        .collect();
    assert_eq!(
        at,
        vec![
            ("c1", RelationKind::HasAddress, "a1"),
            ("c2", RelationKind::HasAddress, "a1")
        ],
        "one relation per party and address"
    );
    // Written back, the address is the parties' addressEntity again, not a link.
    let (_dir, engine) = empty_engine();
    engine.apply(&prepared.batch, &prepared.record).unwrap();
    let mut out = Vec::new();
    let extract = engine.read(|s| s.extract_all()).unwrap();
    ownergraph::export::ftm::write(&extract, &mut out).unwrap();
    let written = String::from_utf8(out).unwrap();
    assert!(written.contains(r#""addressEntity":["a1"]"#), "{written}");
    assert!(
        written.contains(r#""full":["1 Qianmo Road, Hangzhou"]"#),
        "{written}"
    );
    assert!(!written.contains("UnknownLink"), "{written}");
}

#[test]
fn ftm_errors_name_file_line_field_and_change_nothing() {
    let good = std::fs::read_to_string(fixture("ftm/hikvision.ftm.json")).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    for (line, replacement, expected) in [
        (3, "{\"id\": \"x\", \"schema\": ", ":3: line: not a FollowTheMoney entity"),
        (3, "{\"id\": \"x\", \"schema\": \"Company\", \"properties\": {\"name\": \"X\"}}", ":3: properties: not a FollowTheMoney entity"),
        (1, "{\"id\": \"o\", \"schema\": \"Ownership\", \"properties\": {\"asset\": [\"cn-cethik\"]}}", ":1: properties.owner: missing"),
        (1, "{\"id\": \"o\", \"schema\": \"Ownership\", \"properties\": {\"owner\": [\"cn-cetc\"], \"asset\": [\"cn-cethik\"], \"percentage\": [\"150\"]}}", ":1: properties.percentage: \"150\" is not a percentage"),
        (1, "{\"id\": \"o\", \"schema\": \"Ownership\", \"properties\": {\"owner\": [\"nobody\"], \"asset\": [\"cn-cethik\"]}}", ":1: source: unknown entity id \"nobody\""),
        (4, "{\"id\": \"cn-cetc\", \"schema\": \"Company\", \"properties\": {\"country\": [\"cn\"]}}", ":4: properties.name: missing"),
        (4, "{\"id\": \"cn cetc\", \"schema\": \"Company\", \"properties\": {\"name\": [\"CETC\"]}}", ":4: id: \"cn cetc\" contains ' '"),
        (13, "{\"id\": \"addr-hikvision\", \"schema\": \"Address\", \"properties\": {\"country\": [\"cn\"]}}", ":13: properties.full: missing"),
        (4, "{\"id\": \"cn-cetc\", \"schema\": \"Company\", \"properties\": {\"name\": [\"CETC\"], \"addressEntity\": [\"nowhere\"]}}", "unknown entity id \"nowhere\""),
    ] {
        let mut edited = lines.clone();
        edited[line - 1] = replacement;
        let (_dir, path) = write_temp("bad.ftm.json", &edited.join("\n"));
        let message = rejected(Format::Ftm, &path);
        assert!(message.contains(expected), "expected {expected:?} in {message:?}");
        assert!(message.starts_with(&path.display().to_string()), "{message}");
    }
}

#[test]
fn bods_direct_ownership_keeps_shares_and_votes_apart() {
    let (_dir, engine) = empty_engine();
    let report = import(
        &engine,
        Format::Bods,
        &fixture("bods/01-direct-ownership.json"),
        ApplyMode::default(),
    )
    .unwrap();
    assert_eq!((report.entities_added, report.relations_added), (2, 2));
    let acme = engine
        .read(|s| s.entity_detail("rec-acme-holdings-ltd"))
        .unwrap()
        .unwrap();
    assert_eq!(acme.entity.name, "Acme Holdings Ltd");
    assert_eq!(acme.entity.schema, Schema::Company);
    assert_eq!(acme.entity.countries, vec!["GB"]);
    assert_eq!(
        (
            acme.entity.identifiers[0].scheme.as_str(),
            acme.entity.identifiers[0].value.as_str()
        ),
        ("GB-COH", "10000001")
    );
    assert_eq!(acme.entity.dataset, "01-direct-ownership");
    let held: Vec<_> = acme
        .incoming
        .iter()
        .map(|v| {
            (
                v.other_name.as_str(),
                v.relation.kind,
                v.relation.share.map(|s| s.to_string()),
                v.relation.start_date.map(|d| d.to_string()),
            )
        })
        .collect();
    assert_eq!(
        held,
        vec![
            (
                "Jane Smith",
                RelationKind::Controls,
                Some("75".into()),
                Some("2010-01-01".into())
            ),
            (
                "Jane Smith",
                RelationKind::Owns,
                Some("75".into()),
                Some("2010-01-01".into())
            ),
        ]
    );
    let owns = acme
        .incoming
        .iter()
        .find(|v| v.relation.kind == RelationKind::Owns)
        .unwrap();
    assert_eq!(
        owns.relation.notes.as_deref(),
        Some("BODS interests: shareholding 75%, direct, beneficial")
    );
    let jane = engine
        .read(|s| s.entity_detail("rec-jane-smith-1975"))
        .unwrap()
        .unwrap();
    assert_eq!(jane.entity.schema, Schema::Person);
    assert_eq!(jane.entity.birth_date.as_deref(), Some("1975-06-20"));
    let again = import(
        &engine,
        Format::Bods,
        &fixture("bods/01-direct-ownership.json"),
        ApplyMode::default(),
    )
    .unwrap();
    assert!(again.is_unchanged());
}

#[test]
fn bods_unknown_owner_is_kept_with_its_reason() {
    let (_dir, engine) = empty_engine();
    import(
        &engine,
        Format::Bods,
        &fixture("bods/11-anonymous-person.json"),
        ApplyMode::default(),
    )
    .unwrap();
    let opaque = engine
        .read(|s| s.entity_detail("rec-opaque-holdings-sa"))
        .unwrap()
        .unwrap();
    assert_eq!(opaque.incoming.len(), 1);
    let owner = &opaque.incoming[0];
    assert_eq!(owner.relation.kind, RelationKind::Owns);
    assert_eq!(owner.relation.share, None);
    assert_eq!(
        owner.other_name,
        "owner unknown: subject unable to confirm or identify beneficial owner"
    );
    let placeholder = engine
        .read(|s| s.entity_detail(&owner.other_id))
        .unwrap()
        .unwrap();
    assert!(placeholder.entity.notes.unwrap().starts_with(
        "BODS reason subjectUnableToConfirmOrIdentifyBeneficialOwner: The subject entity has reported"
    ));
    // The same page shows it.
    let snapshot = engine.snapshot();
    let node = snapshot.find("rec-opaque-holdings-sa").unwrap();
    assert_eq!(snapshot.incoming(node).len(), 1);
}

#[test]
fn bods_accepts_circular_ownership_as_json_lines() {
    let statement = |id: &str, kind: &str, details: &str| {
        format!(
            r#"{{"statementId": "s-{id}", "recordId": "{id}", "recordType": "{kind}", "recordDetails": {details}}}"#
        )
    };
    let text = [
        statement("a", "entity", r#"{"entityType": {"type": "registeredEntity"}, "name": "Alpha Ltd"}"#),
        statement("b", "entity", r#"{"entityType": {"type": "registeredEntity"}, "name": "Beta Ltd"}"#),
        statement(
            "a-owns-b",
            "relationship",
            r#"{"subject": "b", "interestedParty": "a", "interests": [{"type": "shareholding", "share": {"minimum": 50, "exclusiveMaximum": 75}}]}"#,
        ),
        statement(
            "b-owns-a",
            "relationship",
            r#"{"subject": "a", "interestedParty": "b", "interests": [{"type": "shareholding", "share": {"exact": 10}}]}"#,
        ),
    ]
    .join("\n");
    let (_tmp, path) = write_temp("circle.jsonl", &text);
    let (_dir, engine) = empty_engine();
    import(&engine, Format::Bods, &path, ApplyMode::default()).unwrap();
    let a = engine.read(|s| s.entity_detail("a")).unwrap().unwrap();
    assert_eq!(a.outgoing[0].other_id, "b");
    assert_eq!(a.outgoing[0].relation.share.unwrap().to_string(), "50-74.999999");
    assert_eq!(a.incoming[0].other_id, "b");
    assert_eq!(a.incoming[0].relation.share.unwrap().to_string(), "10");
}

#[test]
fn bods_errors_name_file_line_field() {
    let good = std::fs::read_to_string(fixture("bods/01-direct-ownership.json")).unwrap();
    for (from, to, expected) in [
        (
            r#"{"exact": 75},
          "startDate": "2010-01-01"
        },
        {
          "type": "votingRights""#,
            r#"{"exact": 175},
          "startDate": "2010-01-01"
        },
        {
          "type": "votingRights""#,
            ":63: recordDetails.interests[0].share.exact: \"175\" is not a percentage",
        ),
        (
            r#""interestedParty": "rec-jane-smith-1975""#,
            r#""interestedParty": "rec-nobody""#,
            ":63: source: unknown entity id \"rec-nobody\"",
        ),
        (
            r#""recordType": "person""#,
            r#""recordType": "trust""#,
            ":33: recordType: \"trust\" is not one of",
        ),
        (
            r#""name": "Acme Holdings Ltd","#,
            "",
            ":2: recordDetails.name: missing",
        ),
        (
            r#""recordId": "rec-acme-holdings-ltd","#,
            "",
            ":2: statement: not a BODS statement: missing field `recordId`",
        ),
    ] {
        assert!(good.contains(from), "{from}");
        let (_tmp, path) = write_temp("bad.json", &good.replacen(from, to, 1));
        let message = rejected(Format::Bods, &path);
        assert!(message.contains(expected), "expected {expected:?} in {message:?}");
    }
}

/// Writes a copy of the bundled sdn.csv without the entries `drop` and with `rename` applied.
fn sdn_variant(drop: &[&str], rename: (&str, &str)) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sdn.csv");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(sdn_csv())
        .unwrap();
    let mut writer = csv::WriterBuilder::new().flexible(true).from_path(&path).unwrap();
    for record in reader.records() {
        let record = record.unwrap();
        if drop.contains(&&record[0]) {
            continue;
        }
        if record.len() > 1 && &record[0] == rename.0 {
            let mut fields: Vec<&str> = record.iter().collect();
            fields[1] = rename.1;
            writer.write_record(&fields).unwrap();
        } else {
            writer.write_record(&record).unwrap();
        }
    }
    writer.flush().unwrap();
    (dir, path)
}

fn keys(
    prepared: &import::Prepared,
) -> (
    std::collections::HashSet<String>,
    std::collections::HashSet<String>,
) {
    (
        prepared
            .batch
            .relations
            .iter()
            .map(|(_, r)| r.natural_key())
            .collect(),
        prepared
            .batch
            .listings
            .iter()
            .map(|(_, l)| l.natural_key())
            .collect(),
    )
}

#[test]
fn a_newer_release_adds_changes_and_ends_without_deleting() {
    let day = |s: &str| Some(s.parse::<ownergraph::model::Date>().unwrap());
    let release = |d: &str| ApplyMode {
        release: day(d),
        dry_run: false,
    };
    // The "older" release lacks Banco Nacional de Cuba (306) and Bank Markazi (4632) and spells
    // one name differently.
    let (_tmp, older) = sdn_variant(&["306", "4632"], ("2686", "NASRALLAH, Hasan (old spelling)"));
    let full = import::read(Format::OfacSdn, &sdn_csv(), None).unwrap();
    let trimmed = import::read(Format::OfacSdn, &older, None).unwrap();
    let (full_relations, full_listings) = keys(&full);
    let (old_relations, old_listings) = keys(&trimmed);
    let relations_gone = full_relations.difference(&old_relations).count() as u64;
    let listings_gone = full_listings.difference(&old_listings).count() as u64;
    assert_eq!(
        listings_gone,
        1 + 4,
        "BNC's CUBA and Bank Markazi's four programmes"
    );
    assert!(
        relations_gone >= 2,
        "Bank Markazi's own links, and links to the two entries"
    );
    assert_eq!(old_relations.difference(&full_relations).count(), 0);

    let (_dir, engine) = empty_engine();
    let first = engine
        .apply_with(&trimmed.batch, &trimmed.record, release("2024-04-01"))
        .unwrap();
    assert_eq!(first.entities_added, 14_963);
    assert_eq!(first.ended(), 0);

    // The newer release: two entries and their facts come, one name changes, nothing ends.
    let newer = engine
        .apply_with(&full.batch, &full.record, release("2024-05-03"))
        .unwrap();
    assert_eq!(
        (
            newer.entities_added,
            newer.entities_changed,
            newer.relations_added,
            newer.listings_added
        ),
        (2, 1, relations_gone, listings_gone)
    );
    assert_eq!(newer.ended(), 0);
    let same = engine
        .apply_with(&full.batch, &full.record, release("2024-05-03"))
        .unwrap();
    assert!(
        same.is_unchanged(),
        "re-importing the same file changes nothing: {same:?}"
    );

    // A later release without them again: their listings and links end, nothing is deleted.
    let counts_before = counts(&engine);
    let later = engine
        .apply_with(&trimmed.batch, &trimmed.record, release("2024-06-01"))
        .unwrap();
    assert_eq!(
        (later.relations_ended, later.listings_ended),
        (relations_gone, listings_gone)
    );
    assert_eq!(later.entities_added, 0);
    assert_eq!(counts(&engine), counts_before, "ended, not deleted");
    let bnc = engine.read(|s| s.entity_detail("ofac-306")).unwrap().unwrap();
    assert_eq!(bnc.listings[0].end_date, day("2024-06-01"));
    let markazi = engine.read(|s| s.entity_detail("ofac-4632")).unwrap().unwrap();
    assert!(markazi.listings.iter().all(|l| l.end_date == day("2024-06-01")));
    assert!(markazi
        .outgoing
        .iter()
        .all(|r| r.relation.end_date == day("2024-06-01")));
    // The graph answers "as of" questions: listed on 2024-05-15, not on 2024-06-15.
    let snapshot = engine.snapshot();
    let node = snapshot.find("ofac-306").unwrap();
    let listed_on = |d: &str| {
        snapshot
            .listings(node)
            .iter()
            .any(|l| ownergraph::model::in_window(l.start_date, l.end_date, day(d).unwrap()))
    };
    assert!(listed_on("2024-05-15") && !listed_on("2024-06-15"));
    let again = engine
        .apply_with(&trimmed.batch, &trimmed.record, release("2024-06-02"))
        .unwrap();
    assert!(again.is_unchanged(), "{again:?}");

    // Back on a later list: the same facts reopen (changed), none duplicated.
    let back = engine
        .apply_with(&full.batch, &full.record, release("2024-07-01"))
        .unwrap();
    assert_eq!(
        back.relations_changed + back.listings_changed,
        relations_gone + listings_gone
    );
    assert_eq!(back.added(), 0);
    let bnc = engine.read(|s| s.entity_detail("ofac-306")).unwrap().unwrap();
    assert_eq!(bnc.listings[0].end_date, None);

    // A file is logged again only when it changes something: the trimmed list of 2024-06-01
    // and the full one of 2024-07-01 are releases of their own, their repeats are not.
    let log = engine.read(|s| s.imports()).unwrap();
    let days: Vec<Option<&str>> = log.iter().map(|i| i.as_of.as_deref()).collect();
    assert_eq!(
        days,
        [
            Some("2024-07-01"),
            Some("2024-06-01"),
            Some("2024-05-03"),
            Some("2024-04-01")
        ]
    );
    assert_eq!(log[2].added, 2 + relations_gone + listings_gone);
    assert_eq!(log[0].checksum, log[2].checksum);
    // What the release of 2024-07-01 changed: BNC's listing and the links held again.
    let query =
        ownergraph::releases::ChangeQuery::new(day("2024-07-01").unwrap(), day("2024-07-01"), None, None)
            .unwrap();
    let report = engine.read(|s| ownergraph::releases::report(s, &query)).unwrap();
    let relisted: Vec<(&str, Option<&str>)> = report
        .rows()
        .filter(|(_, c)| c.change == ownergraph::releases::ChangeKind::ListingAdded)
        .map(|(_, c)| (c.entity_id.as_str(), c.program.as_deref()))
        .collect();
    assert_eq!(relisted.len() as u64, listings_gone);
    assert!(relisted.contains(&("ofac-306", Some("CUBA"))), "{relisted:?}");
    let relinked = report
        .rows()
        .filter(|(_, c)| c.change == ownergraph::releases::ChangeKind::RelationAdded)
        .count();
    assert_eq!(relinked as u64, relations_gone);
}

#[test]
fn dry_run_checks_and_counts_but_changes_nothing() {
    let (_dir, engine) = entity_list();
    let before = counts(&engine);
    let version = engine.snapshot().data_version;
    let dry = ApplyMode {
        release: None,
        dry_run: true,
    };
    let report = import(&engine, Format::Ftm, &fixture("ftm/hikvision.ftm.json"), dry).unwrap();
    assert_eq!(report.entities_added, 6, "five parties and an address");
    assert_eq!(counts(&engine), before);
    assert_eq!(engine.snapshot().data_version, version);
    assert!(engine
        .read(|s| s.imports())
        .unwrap()
        .iter()
        .all(|i| i.format != "ftm"));
}

/// Everything in a database, with the dataset names left out (a CSV directory is one dataset).
fn contents(engine: &Engine) -> ownergraph::store::Extract {
    let mut all = engine.read(|s| s.extract_all()).unwrap();
    all.entities.iter_mut().for_each(|e| e.dataset.clear());
    all.relations.iter_mut().for_each(|r| r.dataset.clear());
    all.listings.iter_mut().for_each(|l| l.dataset.clear());
    all
}

#[test]
fn csv_export_round_trips_the_whole_bundled_data() {
    use ownergraph::export;
    let engine = bundled();
    let all = export::extract(&engine, None).unwrap();
    assert_eq!(all.entities.len() as u64, common::bundled_source_records());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("bundled");
    export::write_to_path(&all, export::Format::Csv, &dir).unwrap();

    let (_db, copy) = empty_engine();
    import(&copy, Format::Csv, &dir, ApplyMode::default()).unwrap();
    assert_eq!(counts(&copy), counts(&engine));
    let (before, after) = (contents(&engine), contents(&copy));
    for (a, b) in before.entities.iter().zip(&after.entities) {
        assert_eq!(a, b, "same entity details");
    }
    for (a, b) in before.relations.iter().zip(&after.relations) {
        assert_eq!(a, b);
    }
    for (a, b) in before.listings.iter().zip(&after.listings) {
        assert_eq!(a, b);
    }
    // Identifiers keep their issuing country through the CSV cell `scheme[country]:value`.
    let nasrallah = after.entities.iter().find(|e| e.id == "ofac-2686").unwrap();
    assert!(nasrallah
        .identifiers
        .iter()
        .any(|i| i.country.as_deref() == Some("Lebanon")));
    assert_eq!(
        engine
            .read(|s| s.entity_detail("hikvision"))
            .unwrap()
            .unwrap()
            .incoming
            .len(),
        copy.read(|s| s.entity_detail("hikvision"))
            .unwrap()
            .unwrap()
            .incoming
            .len()
    );
}

#[test]
fn ftm_export_reads_back_to_the_same_graph() {
    use ownergraph::export;
    let (_dir, engine) = entity_list();
    for file in ["bods/01-direct-ownership.json", "bods/11-anonymous-person.json"] {
        import(&engine, Format::Bods, &fixture(file), ApplyMode::default()).unwrap();
    }
    let all = export::extract(&engine, None).unwrap();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("all.ftm.json");
    export::write_to_path(&all, export::Format::Ftm, &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        text.lines().count(),
        all.entities.len() + all.relations.len() + all.listings.len()
    );
    assert!(text.contains(r#""schema":"Ownership""#) && text.contains(r#""schema":"Sanction""#));

    let (_db, copy) = empty_engine();
    let prepared = import::read(Format::Ftm, &path, None).unwrap();
    assert!(prepared.skipped.is_empty(), "{:?}", prepared.skipped);
    copy.apply(&prepared.batch, &prepared.record).unwrap();
    assert_eq!(counts(&copy), counts(&engine));
    let (before, after) = (contents(&engine), contents(&copy));
    let names = |x: &ownergraph::store::Extract| -> Vec<(String, Schema, String, Vec<String>)> {
        x.entities
            .iter()
            .map(|e| (e.id.clone(), e.schema, e.name.clone(), e.aliases.clone()))
            .collect()
    };
    assert_eq!(names(&before), names(&after));
    let facts = |x: &ownergraph::store::Extract| {
        let mut v: Vec<_> = x
            .relations
            .iter()
            .map(|r| {
                (
                    r.source.clone(),
                    r.target.clone(),
                    r.kind,
                    r.share,
                    r.start_date,
                    r.end_date,
                    r.notes.clone(),
                )
            })
            .collect();
        v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        v
    };
    assert_eq!(facts(&before), facts(&after));
    let listings = |x: &ownergraph::store::Extract| -> Vec<_> {
        x.listings
            .iter()
            .map(|l| {
                (
                    l.entity.clone(),
                    l.list.clone(),
                    l.authority.clone(),
                    l.program.clone(),
                    l.start_date,
                    l.citation.clone(),
                )
            })
            .collect()
    };
    assert_eq!(listings(&before), listings(&after));
}

#[test]
fn neighbourhood_export_holds_the_entity_its_neighbours_and_their_relations() {
    use ownergraph::export;
    let (_dir, engine) = entity_list();
    let near = export::extract(&engine, Some(("hikvision", 1))).unwrap();
    let detail = engine.read(|s| s.entity_detail("hikvision")).unwrap().unwrap();
    let mut expected: Vec<&str> = detail
        .incoming
        .iter()
        .chain(&detail.outgoing)
        .map(|v| v.other_id.as_str())
        .chain(["hikvision"])
        .collect();
    expected.sort();
    expected.dedup();
    let mut ids: Vec<&str> = near.entities.iter().map(|e| e.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, expected);
    assert!(near.relations.len() >= detail.incoming.len() + detail.outgoing.len());
    assert!(near
        .relations
        .iter()
        .all(|r| ids.contains(&r.source.as_str()) && ids.contains(&r.target.as_str())));
    assert!(near
        .listings
        .iter()
        .any(|l| l.entity == "hikvision" && l.list == "Entity List"));

    let mut graphml = Vec::new();
    export::graphml::write(&near, &mut graphml).unwrap();
    let graphml = String::from_utf8(graphml).unwrap();
    assert_eq!(graphml.matches("<node ").count(), ids.len());
    assert_eq!(graphml.matches("<edge ").count(), near.relations.len());
    assert!(
        graphml.contains(r#"<data key="node_label">Hikvision</data>"#),
        "{graphml}"
    );
    assert!(matches!(
        export::extract(&engine, Some(("nobody", 1))),
        Err(export::ExportError::UnknownEntity(_))
    ));
}

/// Two FtM Ownership records between the same owner and asset from the same day, with ids of
/// their own: two relations, each with its own share and evidence (they were one, and the
/// second silently dropped, when relations were keyed by `kind|source|target|start_date`).
/// The 50% rule then sums both holdings: 30% + 25% of a listed owner blocks the asset.
#[test]
fn ftm_records_with_their_own_ids_are_never_merged() {
    let lines = [
        r#"{"id":"co-owner","schema":"Company","properties":{"name":["Owner Holdings Ltd"]}}"#,
        r#"{"id":"co-asset","schema":"Company","properties":{"name":["Asset Trading LLC"]}}"#,
        r#"{"id":"own-a","schema":"Ownership","properties":{"owner":["co-owner"],"asset":["co-asset"],"percentage":["30"],"startDate":["2020-01-01"],"sourceUrl":["https://example.org/filing-a"]}}"#,
        r#"{"id":"own-b","schema":"Ownership","properties":{"owner":["co-owner"],"asset":["co-asset"],"percentage":["25"],"startDate":["2020-01-01"],"sourceUrl":["https://example.org/filing-b"]}}"#,
        r#"{"id":"san-owner","schema":"Sanction","properties":{"entity":["co-owner"],"authority":["OFAC"],"programId":["SDN List"],"program":["SDGT"]}}"#,
    ];
    let (_tmp, path) = write_temp("pair.ftm.json", &(lines.join("\n") + "\n"));
    let prepared = import::read(Format::Ftm, &path, None).unwrap();
    assert_eq!(prepared.batch.relations.len(), 2);
    let (_dir, engine) = empty_engine();
    let report = engine.apply(&prepared.batch, &prepared.record).unwrap();
    assert_eq!(report.relations_added, 2, "both records arrive");
    assert!(engine
        .apply(&prepared.batch, &prepared.record)
        .unwrap()
        .is_unchanged());

    let asset = engine.read(|s| s.entity_detail("co-asset")).unwrap().unwrap();
    let mut held: Vec<_> = asset
        .incoming
        .iter()
        .map(|r| {
            (
                r.relation.record_id.clone().unwrap(),
                r.relation.share.unwrap().lo.to_string(),
                r.relation.evidence.clone().unwrap(),
            )
        })
        .collect();
    held.sort();
    assert_eq!(
        held,
        [
            ("own-a".into(), "30".into(), "https://example.org/filing-a".into()),
            ("own-b".into(), "25".into(), "https://example.org/filing-b".into()),
        ]
    );
    let verdict = ownergraph::exposure::explain(
        &engine,
        "co-asset",
        ownergraph::exposure::RegimeId::Ofac,
        "2025-01-01".parse().unwrap(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        verdict.status,
        ownergraph::exposure::Status::Blocked,
        "30% + 25% = 55%"
    );
    assert_eq!(verdict.blocked_owner_share[0].to_string(), "55");

    // A later release of the same records keeps them apart and updates each by its id.
    let changed = lines
        .join("\n")
        .replace(r#""percentage":["25"]"#, r#""percentage":["20"]"#);
    let (_tmp2, path2) = write_temp("pair.ftm.json", &(changed + "\n"));
    let prepared = import::read(Format::Ftm, &path2, None).unwrap();
    let report = engine
        .apply_with(
            &prepared.batch,
            &prepared.record,
            ApplyMode {
                release: Some("2025-02-01".parse().unwrap()),
                dry_run: false,
            },
        )
        .unwrap();
    assert_eq!(
        (
            report.relations_added,
            report.relations_changed,
            report.relations_ended
        ),
        (0, 1, 0)
    );
}
