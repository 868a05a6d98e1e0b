//! Name search on the bundled real data: ranking, folding, CJK, filters, facets, and the index
//! kept up to date by imports and migrations.

mod common;

use ownergraph::engine::Engine;
use ownergraph::model::{Batch, Entity, Origin, Schema};
use ownergraph::search::{self, Query, Tier};
use ownergraph::store::{raw_execute, ImportRecord};

fn first_ids(engine: &Engine, text: &str, n: usize) -> Vec<String> {
    search::rank(&engine.search_index().expect("search index builds"), text)
        .hits
        .into_iter()
        .take(n)
        .map(|h| h.id)
        .collect()
}

#[test]
fn hikvision_comes_first_however_it_is_asked_for() {
    let engine = common::bundled();
    for (text, tier) in [
        ("hikvision", Tier::Exact),
        ("HIKVISION DIGITAL", Tier::Contains),
        ("Hangzhou Hikvision Digital Technology", Tier::Exact),
        ("Hangzhou Hikvision", Tier::Prefix),
        ("海康威视", Tier::Contains),
        ("杭州海康威视数字技术股份有限公司", Tier::Exact),
        (
            "Hangzhou Hikvision Digital Technology Company Limited",
            Tier::Exact,
        ),
        ("hikvison", Tier::Fuzzy),
    ] {
        let ranked = search::rank(&engine.search_index().unwrap(), text);
        let first = ranked.hits.first().unwrap_or_else(|| panic!("{text:?}: no hits"));
        // Hikvision is bundled twice: the 2019 case (`hikvision`, with the Chinese names) and
        // the whole 2026 Entity List under its own id. Either may come first, never another.
        assert!(
            [common::HIKVISION_2026, "hikvision"].contains(&first.id.as_str()),
            "{text:?}: {:?}",
            &ranked.hits[..ranked.hits.len().min(3)]
        );
        assert_eq!(first.tier, tier, "{text:?}");
        assert_eq!(first.lists, vec!["Entity List".to_string()]);
    }
}

#[test]
fn short_queries_fall_back_to_a_scan() {
    let engine = common::bundled();
    // Two CJK characters: below the trigram index's three.
    assert_eq!(first_ids(&engine, "海康", 1), vec!["hikvision"]);
    // Two Latin letters: every name containing them, shortest first.
    let ranked = search::rank(&engine.search_index().unwrap(), "hi");
    assert!(ranked.hits.len() > 20);
    assert!(ranked
        .hits
        .iter()
        .all(|h| h.matched.to_lowercase().contains("hi")));
}

#[test]
fn legal_forms_and_accents_fold_on_sdn_names() {
    let engine = common::bundled();
    // OFAC writes "BANCO NACIONAL DE CUBA" (ofac-306); accents and case do not matter.
    assert_eq!(first_ids(&engine, "Banco Nacional de Cuba", 1), vec!["ofac-306"]);
    assert_eq!(first_ids(&engine, "bánco nacionál de cúba", 1), vec!["ofac-306"]);
    // "Co., Ltd." ≈ "Company Limited": the Entity List writes CETHIK's name with "Co., Ltd.".
    // The 2026 list gives the same name as an alias of CETC's 52nd Research Institute, which
    // is listed, so it ranks first; both are exact matches.
    let ranked = search::rank(
        &engine.search_index().unwrap(),
        "China Electronics Technology HIK Group Company Limited",
    );
    let top: Vec<(&str, Tier)> = ranked.hits[..2].iter().map(|h| (h.id.as_str(), h.tier)).collect();
    assert_eq!(
        top,
        [
            (
                "bis-el-china-china-electronics-technology-group-corporation-52nd-research",
                Tier::Exact
            ),
            ("cethik", Tier::Exact)
        ]
    );
}

#[test]
fn filters_and_facets() {
    let engine = common::bundled();
    let query = Query {
        text: "public security bureau".into(),
        ..Query::default()
    };
    let all = search::search(&engine.search_index().unwrap(), &query, 1, 20);
    assert!(all.total >= 10, "{}", all.total);
    let entity_list = all
        .facets
        .list
        .iter()
        .find(|f| f.value == "Entity List")
        .expect("Entity List facet");
    assert!(entity_list.count >= 10, "{entity_list:?}");
    let public_bodies = all
        .facets
        .schema
        .iter()
        .find(|f| f.value == "PublicBody")
        .unwrap();

    let narrowed = Query {
        schema: Some(Schema::PublicBody),
        list: Some("Entity List".into()),
        country: Some("cn".into()),
        ..query.clone()
    };
    let some = search::search(&engine.search_index().unwrap(), &narrowed, 1, 5);
    assert!(some.total <= public_bodies.count as usize);
    assert!(some.total >= 10);
    assert_eq!(some.hits.len(), 5);
    for hit in &some.hits {
        assert_eq!(hit.schema, Schema::PublicBody);
        assert!(hit.lists.iter().any(|l| l == "Entity List"));
        assert!(hit.countries.iter().any(|c| c == "CN"));
    }
    // The schema facet still offers the other schemas (it ignores the schema filter).
    assert_eq!(some.facets.schema, {
        let only_other_filters = Query {
            schema: None,
            ..narrowed.clone()
        };
        search::search(&engine.search_index().unwrap(), &only_other_filters, 1, 5)
            .facets
            .schema
    });
    // Page 2 continues page 1 without overlap.
    let page2 = search::search(&engine.search_index().unwrap(), &narrowed, 2, 5);
    assert_eq!(page2.total, some.total);
    assert!(page2.hits.iter().all(|h| some.hits.iter().all(|g| g.id != h.id)));
}

/// The search index (whose trigram frequencies pick a query's rarest trigrams) holds the names
/// the store holds now: each trigram counted once per name holding it.
fn assert_trigram_counts_match_the_names(engine: &Engine) {
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    engine
        .read(|store| {
            store.scan_names(|_, _, _, norm, _| {
                let chars: Vec<char> = norm.chars().collect();
                let mut grams: Vec<String> = chars.windows(3).map(|w| w.iter().collect()).collect();
                grams.sort();
                grams.dedup();
                for g in grams {
                    *counts.entry(g).or_default() += 1;
                }
            })
        })
        .unwrap();
    assert!(counts.len() > 100, "{} trigrams", counts.len());
    let index = engine.search_index().unwrap();
    let names: usize = engine
        .read(|store| {
            let mut n = 0;
            store.scan_names(|_, _, _, _, _| n += 1)?;
            Ok(n)
        })
        .unwrap();
    assert_eq!(index.len(), names);
    for (gram, count) in &counts {
        assert_eq!(index.frequency(gram), *count, "names holding {gram:?}");
    }
}

/// A batch of the 2019 case's dataset holding `entity` alone, and its import record.
fn one_entity_import(entity: Entity, checksum: &str) -> (Batch, ImportRecord) {
    let origin = Origin {
        file: "test".into(),
        line: 2,
    };
    let batch = Batch {
        dataset: "entity-list-2019".into(),
        entities: vec![(origin, entity)],
        relations: Vec::new(),
        listings: Vec::new(),
    };
    let record = ImportRecord {
        dataset: "entity-list-2019".into(),
        format: "test".into(),
        path: "test".into(),
        checksum: checksum.into(),
    };
    (batch, record)
}

#[test]
fn the_index_follows_imports() {
    let (_dir, engine) = common::entity_list();
    assert_trigram_counts_match_the_names(&engine);
    assert_eq!(first_ids(&engine, "hikvision", 1), vec!["hikvision"]);
    assert!(first_ids(&engine, "Hikvision Renamed Holdings", 5).is_empty());

    // Re-import Hikvision with a new alias: the old alias leaves the index, the new one enters.
    let mut entity = Entity::new("hikvision", Schema::Company, "Hikvision", "entity-list-2019");
    entity.aliases = vec!["Renamed Surveillance Holdings".into()];
    entity.countries = vec!["CN".into()];
    let (batch, record) = one_entity_import(entity, "renamed");
    engine.apply(&batch, &record).unwrap();
    assert_eq!(first_ids(&engine, "renamed surveillance", 1), vec!["hikvision"]);
    assert!(first_ids(&engine, "海康威视", 5).is_empty());
    assert_trigram_counts_match_the_names(&engine);
    let gone = engine.search_index().unwrap().frequency("海康威");
    assert_eq!(gone, 0, "the old alias's trigrams are counted out");

    // One batch that adds an entity and then changes it (its id twice): the names written
    // first are replaced by the second's within the batch, and only those are indexed.
    let twice = |name: &str, line: u64| {
        let origin = Origin {
            file: "test".into(),
            line,
        };
        (
            origin,
            Entity::new("twice-co", Schema::Company, name, "entity-list-2019"),
        )
    };
    let batch = Batch {
        dataset: "entity-list-2019".into(),
        entities: vec![
            twice("Quillfeather Alpha Trading", 2),
            twice("Quillfeather Beta Trading", 3),
        ],
        relations: Vec::new(),
        listings: Vec::new(),
    };
    let record = ImportRecord {
        checksum: "twice".into(),
        ..record
    };
    engine.apply(&batch, &record).unwrap();
    assert_eq!(first_ids(&engine, "quillfeather beta", 1), vec!["twice-co"]);
    assert!(first_ids(&engine, "quillfeather alpha", 5).is_empty());
    assert_trigram_counts_match_the_names(&engine);

    // An entity held already and changed by three records of one batch: its last names.
    let thrice = Batch {
        entities: vec![
            twice("Quillfeather Gamma Trading", 4),
            twice("Quillfeather Delta Trading", 5),
            twice("Quillfeather Epsilon Trading", 6),
        ],
        ..batch
    };
    let record = ImportRecord {
        checksum: "thrice".into(),
        ..record
    };
    engine.apply(&thrice, &record).unwrap();
    assert_eq!(first_ids(&engine, "quillfeather epsilon", 1), vec!["twice-co"]);
    for gone in ["quillfeather beta", "quillfeather gamma", "quillfeather delta"] {
        assert!(first_ids(&engine, gone, 5).is_empty(), "{gone}");
    }
    assert_trigram_counts_match_the_names(&engine);
}

#[test]
fn an_older_database_gets_its_index_on_open() {
    let (dir, engine) = common::entity_list();
    let path = engine.path().to_path_buf();
    drop(engine);
    // Back to schema version 1: no search (or later) tables at all.
    raw_execute(
        &path,
        "DROP TABLE webhook_deliveries; DROP TABLE alerts; DROP TABLE watchlist_status;
         DROP TABLE watchlist_rows; DROP TABLE watchlists;
         DROP TABLE entity_names; DROP TABLE search_state;
         DROP TABLE annotations; DROP TABLE changes; DROP TABLE login_failures;
         DROP TABLE sessions; DROP TABLE users; DROP TABLE judgements; DROP TABLE xref_candidates;
         DROP TABLE investigations; DROP TABLE release_changes; DROP TABLE screenings;
         DROP INDEX imports_day; DROP INDEX imports_dataset_checksum;
         ALTER TABLE imports DROP COLUMN tracked; ALTER TABLE imports DROP COLUMN baseline;
         ALTER TABLE imports DROP COLUMN as_of; ALTER TABLE imports DROP COLUMN added;
         ALTER TABLE imports DROP COLUMN changed; ALTER TABLE imports DROP COLUMN ended;
         DROP INDEX relations_dataset_open; DROP INDEX listings_dataset_open;
         ALTER TABLE entities DROP COLUMN properties; ALTER TABLE relations DROP COLUMN record_id;
         PRAGMA user_version = 1;",
    )
    .unwrap();
    let engine = Engine::open(&path).expect("migrates");
    assert_eq!(first_ids(&engine, "海康威视", 1), vec!["hikvision"]);
    assert_eq!(
        first_ids(&engine, "Xinjiang Public Security Department", 1),
        vec!["xuar-psb"]
    );
    assert_trigram_counts_match_the_names(&engine);
    drop(dir);
}

/// Schema 16 keeps an entity's names as one row (`entity_names`); a version 15 database held a
/// `search_names` row per name. On open the rows are written again from the entities: the same
/// rows an import writes, and search answers as before.
#[test]
fn a_version_15_database_gets_one_names_row_per_entity_on_open() {
    let (dir, engine) = common::entity_list();
    let path = engine.path().to_path_buf();
    let asked = ["Xinjiang Public Security Department", "海康威视", "dahua"];
    let before: Vec<Vec<String>> = asked.iter().map(|q| first_ids(&engine, q, 3)).collect();
    drop(engine);
    let rows = |path: &std::path::Path| -> Vec<(i64, String)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare("SELECT entity_eid, names FROM entity_names ORDER BY entity_eid")
            .unwrap();
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        rows.map(Result::unwrap).collect()
    };
    let imported = rows(&path);
    raw_execute(
        &path,
        "DROP TABLE entity_names;
         CREATE TABLE search_names (nid INTEGER PRIMARY KEY,
             entity_eid INTEGER NOT NULL REFERENCES entities(eid),
             is_alias INTEGER NOT NULL, name TEXT NOT NULL, norm TEXT NOT NULL);
         CREATE INDEX search_names_entity ON search_names(entity_eid);
         INSERT INTO search_names (entity_eid, is_alias, name, norm)
             SELECT eid, 0, name, lower(name) FROM entities;
         PRAGMA user_version = 15;",
    )
    .unwrap();
    let engine = Engine::open(&path).expect("migrates");
    let after: Vec<Vec<String>> = asked.iter().map(|q| first_ids(&engine, q, 3)).collect();
    assert_eq!(after, before);
    assert_eq!(before[1][0], "hikvision");
    drop(engine);

    let rebuilt = rows(&path);
    assert_eq!(
        rebuilt, imported,
        "the rows written on open are the rows an import writes"
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    let (entities, old_tables): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM entities),
                    (SELECT count(*) FROM sqlite_master WHERE name = 'search_names')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((rebuilt.len() as i64, old_tables), (entities, 0));
    // Each row: [is_alias, name as given, normalised], the entity's own name first.
    let hikvision: (String, Vec<String>) = conn
        .query_row(
            "SELECT name, aliases FROM entities WHERE id = 'hikvision'",
            [],
            |r| Ok((r.get(0)?, serde_json::from_str(&r.get::<_, String>(1)?).unwrap())),
        )
        .unwrap();
    let packed: Vec<(u8, String, String)> = conn
        .query_row(
            "SELECT names FROM entity_names JOIN entities ON eid = entity_eid WHERE id = 'hikvision'",
            [],
            |r| Ok(serde_json::from_str(&r.get::<_, String>(0)?).unwrap()),
        )
        .unwrap();
    assert_eq!(packed[0].0, 0);
    assert_eq!(packed[0].1, hikvision.0);
    assert_eq!(packed[0].2, search::normalise(&hikvision.0));
    assert!(
        packed.len() > 1
            && packed[1..]
                .iter()
                .all(|(is_alias, name, _)| *is_alias == 1 && hikvision.1.contains(name))
    );
    drop(dir);
}

/// The search index is built once per generation of the store's names: kept while no write
/// touches names, built again after one, also when another process (a second engine on the
/// same file, as a replica's restore or a CLI import beside `serve`) wrote them.
#[test]
fn the_index_is_built_again_only_when_names_change() {
    let (_dir, engine) = common::entity_list();
    let first = engine.search_index().unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &engine.search_index().unwrap()));
    assert!(first_ids(&engine, "Quillfeather Gamma", 5).is_empty());

    let other = Engine::open(engine.path()).unwrap();
    let gamma = Entity::new(
        "gamma-co",
        Schema::Company,
        "Quillfeather Gamma",
        "entity-list-2019",
    );
    let (batch, record) = one_entity_import(gamma, "gamma");
    other.apply(&batch, &record).unwrap();
    let second = engine.search_index().unwrap();
    assert!(second.generation > first.generation);
    assert_eq!(second.len(), first.len() + 1);
    assert_eq!(first_ids(&engine, "Quillfeather Gamma", 1), vec!["gamma-co"]);

    // The same batch again changes nothing: no names written, the index kept.
    other.apply(&batch, &record).unwrap();
    assert!(std::sync::Arc::ptr_eq(&second, &engine.search_index().unwrap()));
}
