//! `--format ofac-csv` on OFAC's legacy CSV set of January 2022 (sdn.csv, add.csv, alt.csv):
//! counts against the files themselves, entries field by field, errors naming the file of the
//! set and its line, re-imports and releases, and random damage.

mod common;

use common::lists::{self, day, entity};
use ownergraph::import::{self, Format, ImportError, Prepared};
use ownergraph::model::{prop, Entity, Schema};
use proptest::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

fn mirrored_set() -> PathBuf {
    lists::shared("ofac-csv-2022-01")
}

/// The records of one file of the set, each with the line it starts on; OFAC's end-of-file
/// mark (a lone 0x1A) is not a record.
fn records(path: &Path) -> Vec<(u64, csv::StringRecord)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| !(r.len() == 1 && r[0].trim_matches('\u{1a}').trim().is_empty()))
        .map(|r| (r.position().unwrap().line(), r))
        .collect()
}

fn empty(field: &str) -> bool {
    matches!(field.trim(), "" | "-0-")
}

/// The set as OFAC published it, in a temporary directory. The mirrored sdn.csv ends with a row
/// that reuses ent_num 2677 (entry 57's) for HAMER AND NAIL CONSTRUCTION LIMITED, which OFAC
/// numbers 34489 (add.csv gives 34489's address; the 2024 list has it as 34489): a damaged row,
/// which the import refuses (see `the_mirrored_set_is_refused_for_its_reused_ent_num`). This
/// copy leaves that row out and is otherwise the mirror byte for byte.
fn published_set() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    lists::copy_files(&mirrored_set(), dir.path(), &["add.csv", "alt.csv"]);
    let text = std::fs::read_to_string(mirrored_set().join("sdn.csv")).unwrap();
    let rows = records(&mirrored_set().join("sdn.csv"));
    assert_eq!(
        rows.len(),
        text.lines().count(),
        "one record per line, so lines can be dropped"
    );
    let mut seen = HashSet::new();
    let mut dropped = Vec::new();
    let kept: Vec<&str> = text
        .lines()
        .zip(&rows)
        .filter(|(_, (line, record))| {
            let fresh = seen.insert(record[0].trim().to_string());
            if !fresh {
                dropped.push((*line, record[0].trim().to_string(), record[1].to_string()));
            }
            fresh
        })
        .map(|(line, _)| line)
        .collect();
    assert_eq!(
        dropped,
        vec![(
            9044,
            "2677".to_string(),
            "HAMER AND NAIL CONSTRUCTION LIMITED".to_string()
        )],
        "the mirror's one damaged row; if the mirror is mended, drop this helper"
    );
    std::fs::write(dir.path().join("sdn.csv"), kept.join("\n") + "\n").unwrap();
    dir
}

fn read(path: &Path) -> Result<Prepared, ImportError> {
    import::read(Format::OfacCsv, path, None)
}

/// What the set holds that the import counted and left out, by what it is.
fn skipped(prepared: &Prepared) -> Vec<(&str, u64)> {
    prepared.skipped.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

#[test]
fn the_mirrored_set_is_refused_for_its_reused_ent_num() {
    let error = read(&mirrored_set()).unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "{}:9044: ent_num: 2677 already used at line 57",
            mirrored_set().join("sdn.csv").display()
        )
    );
}

#[test]
fn the_whole_set_is_read_and_counts_match_the_files() {
    let set = published_set();
    let prepared = read(set.path()).unwrap();
    let batch = &prepared.batch;
    let sdn = records(&set.path().join("sdn.csv"));
    let add = records(&set.path().join("add.csv"));
    let alt = records(&set.path().join("alt.csv"));
    assert_eq!((sdn.len(), add.len(), alt.len()), (9_043, 13_625, 12_409));

    // Entries and listings: one entity per row, one listing per programme.
    let ent_nums: HashSet<&str> = sdn.iter().map(|(_, r)| r[0].trim()).collect();
    assert_eq!(batch.entities.len(), ent_nums.len());
    let programmes: usize = sdn.iter().map(|(_, r)| r[3].split("] [").count()).sum();
    assert_eq!(batch.listings.len(), programmes);
    assert!(batch
        .listings
        .iter()
        .all(|(_, l)| l.list == "SDN List" && l.authority == "OFAC"));
    assert_eq!(batch.dataset, "ofac-sdn");

    // Linked To: every one counted, nearly all resolved.
    let links = prepared.links.as_ref().unwrap();
    let written: usize = sdn.iter().map(|(_, r)| r[11].matches("Linked To:").count()).sum();
    assert_eq!(links.total, written);
    assert_eq!(links.resolved + links.unresolved.len(), links.total);
    assert!(links.resolved * 100 > links.total * 99, "{links:?}");

    // alt.csv: every aka and nka an alias, every fka a former name, each once.
    let by_id: HashMap<&str, &Entity> = batch.entities.iter().map(|(_, e)| (e.id.as_str(), e)).collect();
    let (mut aliases, mut former) = (0, 0);
    for (line, r) in &alt {
        let e = by_id[format!("ofac-{}", r[0].trim()).as_str()];
        let name = r[3].trim().to_string();
        match r[2].trim() {
            "aka" | "nka" => {
                assert!(
                    e.aliases.contains(&name),
                    "alt.csv:{line}: {name} among {:?}",
                    e.aliases
                );
                aliases += 1;
            }
            "fka" => {
                assert!(e.property(prop::PREVIOUS_NAME).contains(&name), "alt.csv:{line}");
                former += 1;
            }
            other => panic!("alt.csv:{line}: alt_type {other}"),
        }
    }
    // OFAC keeps its weak a.k.a.s in sdn.csv's Remarks ("a.k.a. 'BNC'"), none of them in
    // alt.csv: aliases are both, and no name twice.
    let in_remarks: usize = sdn
        .iter()
        .map(|(_, r)| {
            ["a.k.a. ", "f.k.a. ", "n.k.a. "]
                .iter()
                .map(|p| r[11].matches(p).count())
                .sum::<usize>()
        })
        .sum();
    let all_aliases: usize = batch.entities.iter().map(|(_, e)| e.aliases.len()).sum();
    assert_eq!(all_aliases, aliases + in_remarks);
    let all_former: usize = batch
        .entities
        .iter()
        .map(|(_, e)| e.property(prop::PREVIOUS_NAME).len())
        .sum();
    assert_eq!(all_former, former);
    for (_, e) in &batch.entities {
        let names: HashSet<&str> = e.aliases.iter().map(String::as_str).collect();
        assert_eq!(names.len(), e.aliases.len(), "{} has an alias twice", e.id);
    }

    // add.csv: each address with some text once on its entry, its country among the entry's;
    // the one row of an ent_num sdn.csv lacks (34489) is counted, not refused.
    let mut expected: HashMap<String, Vec<String>> = HashMap::new();
    let mut orphans = 0;
    for (_, r) in &add {
        if !ent_nums.contains(r[0].trim()) {
            orphans += 1;
            continue;
        }
        let text: Vec<&str> = (2..5).map(|i| r[i].trim()).filter(|f| !empty(f)).collect();
        let id = format!("ofac-{}", r[0].trim());
        if !empty(&r[4]) {
            assert!(
                by_id[id.as_str()].countries.contains(&r[4].trim().to_string()),
                "{id}"
            );
        }
        let list = expected.entry(id).or_default();
        if !text.is_empty() && !list.contains(&text.join(", ")) {
            list.push(text.join(", "));
        }
    }
    for (_, e) in &batch.entities {
        assert_eq!(
            e.addresses,
            expected.get(&e.id).cloned().unwrap_or_default(),
            "{}",
            e.id
        );
    }
    assert_eq!(orphans, 1);
    assert_eq!(
        skipped(&prepared),
        vec![("add.csv rows naming no sdn.csv entry", 1)]
    );

    // The checksum covers the three files, so the set is another import than its sdn.csv alone.
    assert_eq!(prepared.record.format, "ofac-csv");
    let lone = import::read(Format::OfacSdn, &set.path().join("sdn.csv"), None).unwrap();
    assert_ne!(prepared.record.checksum, lone.record.checksum);
    assert_eq!(lone.batch.entities.len(), batch.entities.len());
}

#[test]
fn entries_field_by_field() {
    let set = published_set();
    let prepared = read(set.path()).unwrap();

    // A bank: a strong alias from alt.csv, a weak one from Remarks, four addresses.
    let bnc = entity(&prepared, "ofac-306");
    assert_eq!(
        (bnc.name.as_str(), bnc.schema),
        ("BANCO NACIONAL DE CUBA", Schema::LegalEntity)
    );
    assert_eq!(bnc.aliases, vec!["NATIONAL BANK OF CUBA", "BNC"]);
    assert_eq!(
        bnc.addresses,
        vec![
            "Zweierstrasse 35, Zurich CH-8022, Switzerland",
            "Avenida de Concha Espina 8, Madrid E-28036, Spain",
            "Dai-Ichi Bldg. 6th Floor, 10-2 Nihombashi, 2-chome, Chuo-ku, Tokyo 103, Japan",
            "Federico Boyd Avenue & 51 Street, Panama City, Panama",
        ]
    );
    assert_eq!(bnc.countries, vec!["Switzerland", "Spain", "Japan", "Panama"]);
    let listings = lists::listings_of(&prepared, "ofac-306");
    assert_eq!(listings.len(), 1);
    assert_eq!(
        (
            listings[0].program.as_deref(),
            listings[0].start_date,
            listings[0].citation.as_deref()
        ),
        (Some("CUBA"), None, Some("OFAC SDN List, entry 306")),
        "the legacy CSV gives no listing date"
    );

    // A company with an alternate name of each type: aka, fka, nka.
    let martin = entity(&prepared, "ofac-10244");
    assert_eq!(martin.name, "MARTIN HODWALKER M. & CIA. S. EN C.");
    assert_eq!(
        martin.aliases,
        vec!["VERANILLO S.A.", "MARTIN HODWALKER M. AND CIA. S. EN C."]
    );
    assert_eq!(
        martin.property(prop::PREVIOUS_NAME),
        ["VERANILLO Y CIA. S. EN C."]
    );
    assert_eq!(martin.property(prop::WEAK_ALIAS), [] as [String; 0]);
    assert_eq!(martin.notes.as_deref(), Some("n.k.a. VERANILLO S.A."));
    assert_eq!(
        martin.addresses,
        vec!["Via 40 No. 67-20/42, Barranquilla, Colombia"]
    );
    assert_eq!(martin.countries, vec!["Colombia"]);
    let nit = &martin.identifiers[0];
    assert_eq!(
        (nit.scheme.as_str(), nit.value.as_str(), nit.country.as_deref()),
        ("NIT #", "802007314-9", Some("Colombia"))
    );

    // A person: date of birth, nationality and an address that is only a country (once among
    // the countries), five aliases, the rest of Remarks in notes.
    let zomor = entity(&prepared, "ofac-2677");
    assert_eq!(zomor.schema, Schema::Person);
    assert_eq!(zomor.name, "AL-ZOMOR, Abboud Abdul Latif Hassan");
    assert_eq!(zomor.birth_date.as_deref(), Some("1947-04-19"));
    assert_eq!(zomor.countries, vec!["Egypt"]);
    assert_eq!(zomor.addresses, vec!["Egypt"]);
    assert_eq!(
        zomor.aliases,
        vec![
            "ZUMAR, Abbud",
            "AL-ZUMAR, Abbud",
            "EL-ZOMOR, Aboud Abdul Latif Hasan",
            "AL-ZUMUR, Abood Abdul Latif Hassan",
            "AL-ZAMUR, Abboud Abdul Latif Hassan",
        ]
    );
    assert_eq!(
        zomor.notes.as_deref(),
        Some("DOB 19 Apr 1947; POB Nahia, Giza, Egypt; Gender Male")
    );
    let sdgt: Vec<_> = lists::listings_of(&prepared, "ofac-2677")
        .into_iter()
        .map(|l| l.program.as_deref())
        .collect();
    assert_eq!(sdgt, vec![Some("SDGT")]);

    // A link by name, with the entry it came from as evidence.
    let top = entity(&prepared, "ofac-34487");
    assert_eq!(
        top.addresses,
        vec!["Markische Allee, 15, Grossbeeren, Brandenburg 14979, Germany"]
    );
    let links: Vec<_> = prepared
        .batch
        .relations
        .iter()
        .filter(|(_, r)| r.source == "ofac-34487")
        .map(|(_, r)| (r.target.as_str(), r.evidence.as_deref()))
        .collect();
    assert_eq!(
        links,
        vec![("ofac-34476", Some("OFAC SDN entry 34487: Linked To: AYAD, Adnan"))]
    );
    assert_eq!(entity(&prepared, "ofac-34476").name, "AYAD, Adnan");
}

#[test]
fn remarks_continue_from_sdn_comments_csv() {
    // The set of 2022 has no sdn_comments.csv, so seven Remarks stop at OFAC's 1,000
    // characters; 31212's last link reads "FEDERAL SE". Its continuation, as OFAC writes it
    // (cut mid-word), mends the link.
    let set = published_set();
    let before = read(set.path()).unwrap();
    let unresolved = |p: &Prepared| {
        p.links
            .as_ref()
            .unwrap()
            .unresolved
            .iter()
            .filter(|(id, _)| id == "ofac-31212")
            .map(|(_, name)| name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(unresolved(&before), vec!["FEDERAL SE"]);
    std::fs::write(
        set.path().join("sdn_comments.csv"),
        "31212,\"CURITY SERVICE.\"\n\x1a",
    )
    .unwrap();
    let after = read(set.path()).unwrap();
    assert!(unresolved(&after).is_empty());
    let target = after
        .batch
        .relations
        .iter()
        .find(|(_, r)| {
            r.source == "ofac-31212"
                && r.evidence
                    .as_deref()
                    .is_some_and(|e| e.ends_with("FEDERAL SECURITY SERVICE"))
        })
        .map(|(_, r)| r.target.clone())
        .expect("the mended link");
    assert_eq!(entity(&after, &target).name, "FEDERAL SECURITY SERVICE");
    assert_eq!(after.record.checksum.len(), 64);
    assert_ne!(
        after.record.checksum, before.record.checksum,
        "the checksum covers sdn_comments.csv"
    );
}

/// Rewrites line `line` (1-based) of `file` in the set with `edit`.
fn edit_line(dir: &Path, file: &str, line: usize, edit: impl Fn(&str) -> String) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    lines[line - 1] = edit(&lines[line - 1]);
    std::fs::write(&path, lines.join("\n")).unwrap();
}

/// The input error reading the set in `dir` gives.
fn refused(dir: &Path) -> String {
    lists::input_error(Format::OfacCsv, dir)
}

#[test]
fn damaged_rows_name_their_file_line_and_field() {
    // (file, line, field replaced or `None` to drop the last field, its new text, problem).
    let cases = [
        ("alt.csv", 17, Some(0), "x17", r#"ent_num: "x17" is not a number"#),
        (
            "alt.csv",
            1,
            Some(2),
            "xka",
            r#"alt_type: unknown type "xka"; expected aka, fka or nka"#,
        ),
        ("alt.csv", 3, Some(3), "-0- ", "alt_name: is empty"),
        (
            "alt.csv",
            9,
            Some(1),
            "220",
            "alt_num: 220 already used at line 3",
        ),
        (
            "add.csv",
            5,
            Some(1),
            "200",
            "add_num: 200 already used at line 4",
        ),
        ("add.csv", 8, Some(0), "", r#"ent_num: "" is not a number"#),
        (
            "add.csv",
            12,
            None,
            "",
            "row: expected the 6 fields of OFAC's legacy add.csv (ent_num, add_num, address, \
             city/state/postal, country, remarks), found 5",
        ),
        (
            "sdn.csv",
            20,
            Some(2),
            "ship",
            r#"SDN_Type: unknown type "ship"; expected individual, vessel, aircraft or -0-"#,
        ),
    ];
    for (file, line, field, value, problem) in cases {
        let set = published_set();
        edit_line(set.path(), file, line, |text| match field {
            Some(i) => {
                let mut fields: Vec<&str> = text.splitn(i + 2, ',').collect();
                fields[i] = value;
                fields.join(",")
            }
            None => text.rsplit_once(',').unwrap().0.to_string(),
        });
        assert_eq!(
            refused(set.path()),
            format!("{}:{line}: {problem}", set.path().join(file).display())
        );
    }

    let set = published_set();
    std::fs::write(
        set.path().join("sdn_comments.csv"),
        "306,\"more\"\n3O6,\"more\"\n",
    )
    .unwrap();
    assert_eq!(
        refused(set.path()),
        format!(
            "{}:2: ent_num: \"3O6\" is not a number",
            set.path().join("sdn_comments.csv").display()
        )
    );
}

#[test]
fn rows_of_entries_sdn_csv_lacks_are_counted_not_refused() {
    let set = published_set();
    std::fs::write(set.path().join("sdn_comments.csv"), "99999,\"more\"\n").unwrap();
    let mut alt = std::fs::read_to_string(set.path().join("alt.csv")).unwrap();
    alt.push_str("99999,1,aka,\"NOBODY\",-0- \n");
    std::fs::write(set.path().join("alt.csv"), alt).unwrap();
    let prepared = read(set.path()).unwrap();
    assert_eq!(
        skipped(&prepared),
        vec![
            ("add.csv rows naming no sdn.csv entry", 1),
            ("alt.csv rows naming no sdn.csv entry", 1),
            ("sdn_comments.csv rows naming no sdn.csv entry", 1),
        ]
    );
}

#[test]
fn other_layouts_are_refused_naming_the_set() {
    // A lone sdn.csv: the files the set needs, and the format that reads it alone.
    let lone = common::sdn_csv();
    let error = read(&lone).unwrap_err().to_string();
    assert_eq!(
        error,
        format!(
            "{}: not found: --format ofac-csv reads OFAC's legacy CSV set, sdn.csv with add.csv and \
             alt.csv beside it (and sdn_comments.csv when there is one); for a lone sdn.csv use \
             --format ofac-sdn",
            lone.parent().unwrap().join("add.csv").display()
        )
    );
    // A CSV directory of ownergraph's own layout has no sdn.csv.
    let error = read(&common::entity_list_dir()).unwrap_err().to_string();
    assert!(
        error.starts_with(&format!(
            "{}: not found: --format ofac-csv",
            common::entity_list_dir().join("sdn.csv").display()
        )),
        "{error}"
    );
    // alt.csv where add.csv should be: refused at its first row, naming the layout expected.
    let set = published_set();
    std::fs::copy(set.path().join("alt.csv"), set.path().join("add.csv")).unwrap();
    assert_eq!(
        refused(set.path()),
        format!(
            "{}:1: row: expected the 6 fields of OFAC's legacy add.csv (ent_num, add_num, address, \
             city/state/postal, country, remarks), found 5",
            set.path().join("add.csv").display()
        )
    );
    // An FtM file given as sdn.csv.
    let set = published_set();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ftm/hikvision.ftm.json"),
        set.path().join("sdn.csv"),
    )
    .unwrap();
    let error = refused(set.path());
    assert!(
        error.starts_with(&format!(
            "{}:1: row: expected the 12 fields of OFAC's legacy sdn.csv (ent_num, SDN_Name,",
            set.path().join("sdn.csv").display()
        )),
        "{error}"
    );
}

#[test]
fn applying_twice_changes_nothing_and_the_set_follows_its_lone_sdn_csv() {
    let set = published_set();
    // The set is the same dataset as the lone sdn.csv, richer: a later release of it.
    let lone = import::read(Format::OfacSdn, &set.path().join("sdn.csv"), None).unwrap();
    let (_dir, engine, first) = lists::applied_to_empty(&lone, Some(day("2022-01-30")));
    assert_eq!(first.entities_added, 9_043);
    let prepared = read(set.path()).unwrap();
    let richer = lists::apply_release(&engine, &prepared, Some(day("2022-01-31")));
    assert_eq!((richer.added(), richer.ended()), (0, 0), "{richer:?}");
    // Changed: the entries add.csv gives some address text or remark for, or alt.csv a name.
    let listed: HashSet<String> = lone.batch.entities.iter().map(|(_, e)| e.id.clone()).collect();
    let mut enriched: HashSet<String> = records(&set.path().join("alt.csv"))
        .into_iter()
        .map(|(_, r)| r[0].trim().to_string())
        .collect();
    enriched.extend(
        records(&set.path().join("add.csv"))
            .into_iter()
            .filter(|(_, r)| (2..6).any(|i| !empty(&r[i])))
            .map(|(_, r)| r[0].trim().to_string()),
    );
    enriched.retain(|ent_num| listed.contains(&format!("ofac-{ent_num}")));
    assert_eq!(richer.entities_changed as usize, enriched.len(), "{richer:?}");
    let bnc = lists::detail(&engine, "ofac-306");
    assert_eq!(bnc.entity.addresses.len(), 4);

    let again = lists::apply_release(&engine, &prepared, Some(day("2022-01-31")));
    assert!(again.is_unchanged(), "{again:?}");
    let reread = read(set.path()).unwrap();
    let again = lists::apply_release(&engine, &reread, Some(day("2022-01-31")));
    assert!(again.is_unchanged(), "a second read is the same batch: {again:?}");
}

#[test]
fn a_later_release_without_an_entry_ends_its_listings() {
    let set = published_set();
    let full = read(set.path()).unwrap();
    let (_dir, engine, _) = lists::applied_to_empty(&full, Some(day("2022-01-31")));
    // Banco Nacional de Cuba leaves sdn.csv; its add.csv and alt.csv rows stay behind.
    let later = tempfile::tempdir().unwrap();
    lists::copy_files(set.path(), later.path(), &["add.csv", "alt.csv"]);
    let sdn = std::fs::read_to_string(set.path().join("sdn.csv")).unwrap();
    let without: String = sdn
        .lines()
        .filter(|l| !l.starts_with("306,"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(without.lines().count() + 1, sdn.lines().count());
    std::fs::write(later.path().join("sdn.csv"), without).unwrap();
    let trimmed = read(later.path()).unwrap();
    assert_eq!(trimmed.skipped["add.csv rows naming no sdn.csv entry"], 1 + 4);
    assert_eq!(trimmed.skipped["alt.csv rows naming no sdn.csv entry"], 1);
    let report = lists::apply_release(&engine, &trimmed, Some(day("2022-02-15")));
    assert_eq!(report.listings_ended, 1, "{report:?}");
    let bnc = lists::detail(&engine, "ofac-306");
    assert_eq!(bnc.listings.len(), 1);
    assert_eq!(bnc.listings[0].end_date, Some(day("2022-02-15")));
    assert_eq!(bnc.entity.name, "BANCO NACIONAL DE CUBA", "ended, not deleted");
}

/// Windows of each file of the real set, so each case stays quick.
fn window(text: &[u8], start: usize, len: usize) -> Vec<u8> {
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    let start = start % lines.len();
    lines[start..(start + len).min(lines.len())].join(&b'\n')
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(48) })]

    /// Whatever the damage to whichever file, the set reads whole or fails naming that file and
    /// a line; never a panic, and an error leaves the database as it was.
    #[test]
    fn damage_to_any_file_is_located_or_harmless(
        which in 0usize..4,
        starts in (0usize..9_100, 0usize..13_700, 0usize..12_500),
        damages in proptest::collection::vec(
            prop_oneof![
                any::<usize>().prop_map(|at| (at, None)),
                (any::<usize>(), proptest::collection::vec(prop_oneof![any::<u8>(), Just(b','), Just(b'"'), Just(b'\n'), Just(0x1A)], 1..8))
                    .prop_map(|(at, bytes)| (at, Some(bytes))),
            ],
            1..4,
        ),
    ) {
        let source = mirrored_set();
        let dir = tempfile::tempdir().unwrap();
        let mut files = vec![
            ("sdn.csv", window(&std::fs::read(source.join("sdn.csv")).unwrap(), starts.0, 150)),
            ("add.csv", window(&std::fs::read(source.join("add.csv")).unwrap(), starts.1, 200)),
            ("alt.csv", window(&std::fs::read(source.join("alt.csv")).unwrap(), starts.2, 200)),
            ("sdn_comments.csv", b"306,\"; Linked To: BNC\"\n2677,\" more.\"\n".to_vec()),
        ];
        let (name, bytes) = &mut files[which];
        for (at, noise) in &damages {
            let at = at % bytes.len().max(1);
            match noise {
                None => bytes.truncate(at),
                Some(noise) => {
                    for (i, b) in noise.iter().enumerate() {
                        if let Some(slot) = bytes.get_mut(at + i) {
                            *slot = *b;
                        }
                    }
                }
            }
        }
        let damaged = dir.path().join(*name);
        for (name, bytes) in &files {
            std::fs::write(dir.path().join(name), bytes).unwrap();
        }
        let (_db, engine) = common::empty_engine();
        match read(dir.path()) {
            Ok(prepared) => {
                engine.apply(&prepared.batch, &prepared.record).unwrap();
                let stats = engine.read(|s| s.stats()).unwrap();
                prop_assert_eq!(stats.entities as usize, prepared.batch.entities.len());
            }
            Err(ImportError::Input(error)) => {
                let expected = damaged.display().to_string();
                prop_assert_eq!(error.origin.file.as_ref(), expected.as_str(), "{}", error);
                prop_assert!(error.origin.line >= 1, "{}", error);
                prop_assert_eq!(engine.read(|s| s.stats()).unwrap().entities, 0);
            }
            Err(other) => prop_assert!(false, "unexpected error kind: {}", other),
        }
    }
}
