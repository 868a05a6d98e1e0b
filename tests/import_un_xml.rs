//! `--format un-xml`: the UN Security Council consolidated list of 2025-04-19, read whole,
//! checked against counts made here from the file's text, record by record on a few entries,
//! refused when damaged or of another format, and applied as releases.

mod common;

use common::lists::{self, day, entry, line_of};
use ownergraph::import::{self, Format, ImportError, Prepared};
use ownergraph::model::{prop, Identifier, Schema};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn un_file() -> PathBuf {
    lists::shared("un-sc-2025-04-19/consolidated.xml")
}

fn un_text() -> String {
    std::fs::read_to_string(un_file()).expect("the UN list is readable")
}

fn read(path: &Path) -> Result<Prepared, ImportError> {
    import::read(Format::UnXml, path, None)
}

/// The file's text with the record holding `reference` removed.
fn without(text: &str, reference: &str) -> String {
    let at = text.find(&format!("<REFERENCE_NUMBER>{reference}<")).unwrap();
    let start = text[..at].rfind("<INDIVIDUAL>").unwrap();
    let end = at + text[at..].find("</INDIVIDUAL>").unwrap() + "</INDIVIDUAL>".len();
    format!("{}{}", &text[..start], &text[end..])
}

#[test]
fn the_whole_list_reads_with_counts_that_match_the_file() {
    let text = un_text();
    let prepared = read(&un_file()).unwrap();
    let individuals = text.matches("<INDIVIDUAL>").count();
    let entities = text.matches("<ENTITY>").count();
    assert_eq!(
        (individuals, entities),
        (684, 193),
        "the file as its README describes it"
    );
    let batch = &prepared.batch;
    assert_eq!(batch.dataset, "un-sc");
    assert_eq!(batch.entities.len(), individuals + entities);
    assert_eq!(
        batch.listings.len(),
        individuals + entities,
        "one regime per UN entry"
    );
    assert!(batch.relations.is_empty());
    let persons = batch
        .entities
        .iter()
        .filter(|(_, e)| e.schema == Schema::Person)
        .count();
    let legal = batch
        .entities
        .iter()
        .filter(|(_, e)| e.schema == Schema::LegalEntity)
        .count();
    assert_eq!((persons, legal), (individuals, entities));
    assert_eq!(prepared.published, Some(day("2025-04-19")), "dateGenerated");
    assert!(
        prepared.skipped.is_empty(),
        "every element is known: {:?}",
        prepared.skipped
    );

    // Every programme as often as the file names it.
    for regime in [
        "Al-Qaida",
        "Taliban",
        "DPRK",
        "Iraq",
        "DRC",
        "Libya",
        "SouthSudan",
    ] {
        let written = text
            .matches(&format!("<UN_LIST_TYPE>{regime}</UN_LIST_TYPE>"))
            .count();
        assert_eq!(lists::listed_under(&prepared, regime), written, "{regime}");
        assert!(written > 0);
    }
    // Every listing carries its date, its list and its citation.
    assert!(batch.listings.iter().all(|(_, l)| {
        l.start_date.is_some()
            && l.list == "UN Security Council Consolidated List"
            && l.authority == "United Nations Security Council"
            && l.citation.as_deref().is_some_and(|c| c.ends_with(&l.entity[3..]))
    }));

    // Weak and former names, one per Low and f.k.a. alias.
    let count_property =
        |name: &str| -> usize { batch.entities.iter().map(|(_, e)| e.property(name).len()).sum() };
    assert_eq!(
        count_property(prop::WEAK_ALIAS),
        text.matches("<QUALITY>Low</QUALITY>").count()
    );
    assert_eq!(
        count_property(prop::PREVIOUS_NAME),
        text.matches("<QUALITY>f.k.a.</QUALITY>").count()
    );
    assert_eq!(count_property(prop::GENDER), text.matches("<GENDER>").count());
    // Identifiers: each entry's reference number, and each document with a number.
    let numbered = text.split("<INDIVIDUAL_DOCUMENT>").skip(1).filter(|d| {
        let document = &d[..d.find("</INDIVIDUAL_DOCUMENT>").unwrap()];
        document.contains("<NUMBER>")
    });
    // And the SWIFT/BIC codes and IMO numbers the comments give, as the file writes them.
    let in_comments = [
        "SWIFT: ",
        "SWIFT/BIC: ",
        "IMO number: ",
        "IMO Number: ",
        "(IMO) Number: ",
        "Company Number IMO ",
    ]
    .iter()
    .map(|written| text.matches(written).count())
    .sum::<usize>();
    assert_eq!(in_comments, 5 + 16);
    let identifiers: usize = batch.entities.iter().map(|(_, e)| e.identifiers.len()).sum();
    assert_eq!(
        identifiers,
        individuals + entities + numbered.count() + in_comments
    );
    let identifier = |id: &str, scheme: &str| -> Vec<String> {
        let (_, e) = batch.entities.iter().find(|(_, e)| e.id == id).unwrap();
        e.identifiers
            .iter()
            .filter(|i| i.scheme == scheme)
            .map(|i| i.value.clone())
            .collect()
    };
    assert_eq!(identifier("un-KPe.023", "SWIFT/BIC"), ["DCBKKPPY"]);
    assert_eq!(identifier("un-KPe.056", "IMO"), ["5571322"]);
    assert_eq!(identifier("un-KPe.020", "IMO"), ["1790183"]);
    let references = batch
        .entities
        .iter()
        .filter(|(_, e)| {
            e.identifiers
                .iter()
                .any(|i| i.scheme == "UN Reference Number" && format!("un-{}", i.value) == e.id)
        })
        .count();
    assert_eq!(references, individuals + entities);
}

#[test]
fn entries_field_by_field() {
    let text = un_text();
    let prepared = read(&un_file()).unwrap();

    let (line, mullah, listing) = entry(&prepared, "un-TAi.005");
    assert_eq!(line, line_of(&text, "<INDIVIDUAL>"), "the record's own line");
    lists::assert_named(
        mullah,
        Schema::Person,
        "MUHAMMAD TAHER ANWARI",
        &[
            "محمد طاهر أنوري",
            "Mohammad Taher Anwari",
            "Muhammad Tahir Anwari",
            "Mohammad Tahre Anwari",
        ],
    );
    assert_eq!(mullah.property(prop::WEAK_ALIAS), ["Haji Mudir"]);
    assert_eq!(mullah.property(prop::TITLE), ["Mullah"]);
    assert_eq!(
        mullah.property(prop::POSITION),
        [
            "a) Director of Administrative Affairs under the Taliban regime",
            "Minister of Finance under the Taliban regime"
        ]
    );
    assert_eq!(mullah.birth_date.as_deref(), Some("1961"));
    assert_eq!(
        mullah.property(prop::BIRTH_PLACE),
        ["Zurmat District, Paktia Province, Afghanistan"]
    );
    assert_eq!(mullah.property(prop::NATIONALITY), ["Afghanistan"]);
    assert_eq!(mullah.countries, ["Afghanistan"]);
    assert!(mullah.addresses.is_empty(), "<COUNTRY/> is no address");
    let notes = mullah.notes.as_deref().unwrap();
    assert!(notes
        .starts_with("Belongs to Andar tribe. Review pursuant to Security Council resolution 1822 (2008)"));
    for part in [
        "UN DATAID 110447, version 1",
        "date of birth approximately 1961",
        "updated on the list 2003-09-03, 2007-07-09",
    ] {
        assert!(notes.contains(part), "{part}: {notes}");
    }
    assert_eq!(listing.program.as_deref(), Some("Taliban"));
    assert_eq!(listing.start_date, Some(day("2001-02-23")));
    assert_eq!(
        listing.citation.as_deref(),
        Some("UN Security Council Consolidated List, TAi.005")
    );

    // A passport with its issue details, a second date of birth.
    let (_, mansour, _) = entry(&prepared, "un-TAi.011");
    assert_eq!(
        mansour.identifiers[1],
        Identifier {
            scheme: "Passport".into(),
            value: "SE-011697".into(),
            country: Some("Afghanistan".into())
        }
    );
    assert!(mansour.notes.as_deref().unwrap().contains(
        "Passport SE-011697: issued 1988-01-25; issued in Kabul, Afghanistan; expired on 23 Feb. 2000"
    ));
    assert_eq!(mansour.birth_date.as_deref(), Some("1960"));
    assert_eq!(mansour.property(prop::BIRTH_DATE), ["1966"]);

    // Ranges of birth years: each year, and no single year as the date of birth.
    let (_, akhund, _) = entry(&prepared, "un-TAi.002");
    assert_eq!(akhund.birth_date, None);
    assert_eq!(
        akhund.property(prop::BIRTH_DATE),
        ["1955", "1956", "1957", "1958", "1945", "1946", "1947", "1948", "1949", "1950"]
    );
    assert!(akhund
        .notes
        .as_deref()
        .unwrap()
        .contains("date of birth between 1955 and 1958 (Approximately)"));

    // An organisation: a.k.a. and f.k.a. names, addresses that are countries only.
    let (_, aqim, listing) = entry(&prepared, "un-QDe.014");
    assert_eq!(aqim.schema, Schema::LegalEntity);
    assert_eq!(aqim.name, "THE ORGANIZATION OF AL-QAIDA IN THE ISLAMIC MAGHREB");
    assert!(aqim.aliases.iter().any(|a| a == "AQIM"));
    assert!(aqim
        .aliases
        .iter()
        .any(|a| a == "تنظيم القا عدة ببلاد المغرب الاسلامي"));
    assert_eq!(
        aqim.property(prop::PREVIOUS_NAME),
        [
            "Le Groupe Salafiste pour La Prédication et le Combat (GSPC)",
            "Salafist Group For Call and Combat"
        ]
    );
    assert!(aqim
        .addresses
        .starts_with(&["Algeria".to_string(), "Mali".to_string()]));
    assert!(aqim.countries.starts_with(&[
        "Algeria".to_string(),
        "Mali".to_string(),
        "Mauritania".to_string()
    ]));
    assert_eq!(
        (listing.program.as_deref(), listing.start_date),
        (Some("Al-Qaida"), Some(day("2001-10-06")))
    );

    // A street address with its note; a listing date written with a time zone.
    let (_, noorzai, listing) = entry(&prepared, "un-TAi.173");
    assert_eq!(listing.start_date, Some(day("2015-03-27")), "2015-03-27-04:00");
    assert_eq!(noorzai.addresses[0], "Chaman, Baluchistan Province, Pakistan");
    let (_, milan, _) = entry(&prepared, "un-QDi.142");
    assert!(milan
        .addresses
        .contains(&"Via Cilea 40, Milan, Italy (Domicile)".to_string()));
}

#[test]
fn damage_is_refused_naming_file_line_and_field() {
    let text = un_text();
    let refused = |damaged: String| lists::refusal(Format::UnXml, "consolidated.xml", &damaged);
    let first_line = line_of(&text, "<INDIVIDUAL>");
    let stamp = "dateGenerated='2025-04-19T23:00:04.625Z'";
    let reused = format!("REFERENCE_NUMBER: TAi.005 already used at line {first_line}");
    // (text replaced, its damaged form, the line named, the problem).
    let cases = [
        (
            "<LISTED_ON>2001-02-23</LISTED_ON>",
            "<LISTED_ON>2001-02-30</LISTED_ON>",
            line_of(&text, "<LISTED_ON>2001-02-23</LISTED_ON>"),
            "LISTED_ON: \"2001-02-30\" is not a date of the form YYYY-MM-DD",
        ),
        (
            "<YEAR>1961</YEAR>",
            "<YEAR>61</YEAR>",
            line_of(&text, "<YEAR>1961</YEAR>"),
            "YEAR: \"61\" is not a year (YYYY)",
        ),
        // The second entry takes the first one's reference number.
        (
            "<REFERENCE_NUMBER>TAi.007</REFERENCE_NUMBER>",
            "<REFERENCE_NUMBER>TAi.005</REFERENCE_NUMBER>",
            line_of(&text, "<DATAID>110554</DATAID>") - 1,
            reused.as_str(),
        ),
        (
            "<REFERENCE_NUMBER>TAi.005</REFERENCE_NUMBER>",
            "<REFERENCE_NUMBER/>",
            first_line,
            "REFERENCE_NUMBER: is empty; every UN entry has a reference number such as QDi.001",
        ),
        (
            "<UN_LIST_TYPE>Taliban</UN_LIST_TYPE>",
            "",
            first_line,
            "UN_LIST_TYPE: is empty; entry TAi.005 names no sanctions regime",
        ),
        (
            stamp,
            "dateGenerated='19/04/2025'",
            line_of(&text, stamp),
            "dateGenerated: \"19/04/2025\" is not a date (YYYY-MM-DD, optionally with a time)",
        ),
    ];
    for (original, damaged, line, problem) in cases {
        assert_eq!(
            refused(text.replacen(original, damaged, 1)),
            format!("{line}: {problem}"),
            "{original}"
        );
    }

    // Cut short, as by a download that stopped: between two entries (the 17th closed), and
    // inside one. Refused, not read as a release of 17 entries that ended the other 860.
    let seventeenth = text.match_indices("</INDIVIDUAL>").nth(16).unwrap().0 + "</INDIVIDUAL>\n".len();
    let between = &text[..seventeenth];
    assert_eq!(
        refused(between.to_string()),
        format!(
            "{}: CONSOLIDATED_LIST: the file ends inside <CONSOLIDATED_LIST> of line 2: is it cut short?",
            between.matches('\n').count() + 1
        )
    );
    let first_name = seventeenth + text[seventeenth..].find("</FIRST_NAME>").unwrap() + "</FIRST_NAME>".len();
    let inside = &text[..first_name];
    assert_eq!(
        refused(inside.to_string()),
        format!(
            "{}: INDIVIDUAL: the file ends inside <INDIVIDUAL> of line {}: is it cut short?",
            inside.matches('\n').count() + 1,
            inside[..inside.rfind("<INDIVIDUAL>").unwrap()]
                .matches('\n')
                .count()
                + 1
        )
    );

    // Not well-formed: an element closed by another name.
    let closing = "</SECOND_NAME>";
    let line = line_of(&text, closing);
    let broken = refused(text.replacen(closing, "</SECOND>", 1));
    assert!(
        broken.starts_with(&format!("{line}: xml: not well-formed XML")),
        "{broken}"
    );
}

#[test]
fn files_of_other_formats_are_refused_by_their_root() {
    lists::assert_refused_by_root(
        Format::UnXml,
        "the UN Security Council consolidated list (un-xml) has <CONSOLIDATED_LIST>",
        &[
            ("ca-sema-2025/sema.xml", "data-set", 2),
            ("ofac-consolidated-2025-03-28/consolidated.xml", "sdnList", 2),
        ],
    );
    let csv = lists::shared("ofac-sdn-2024-05-03/sdn.csv");
    let err = read(&csv).expect_err("CSV is refused").to_string();
    assert!(err.contains(": root: ") || err.contains(": xml: "), "{err}");
    assert!(
        err.contains("CONSOLIDATED_LIST") || err.contains("not well-formed"),
        "{err}"
    );
}

#[test]
fn applying_twice_changes_nothing_and_a_later_release_ends_what_it_lacks() {
    let text = un_text();
    let full = read(&un_file()).unwrap();
    let (_dir, engine, first) = lists::applied_twice(&full, full.published);
    assert_eq!(first.entities_added, 877);
    assert_eq!(first.listings_added, 877);
    let detail = lists::detail(&engine, "un-TAi.005");
    assert_eq!(
        detail.entity.property(prop::WEAK_ALIAS),
        ["Haji Mudir"],
        "stored whole"
    );

    // A later release without Anwari: his listing ends that day, nothing else does.
    let (_tmp, later) = lists::write_copy("consolidated.xml", without(&text, "TAi.005"));
    let later = read(&later).unwrap();
    assert_eq!(later.batch.entities.len(), 876);
    let report = lists::apply_release(&engine, &later, Some(day("2025-05-01")));
    assert_eq!(report.listings_ended, 1);
    let gone = lists::detail(&engine, "un-TAi.005");
    assert_eq!(gone.listings[0].end_date, Some(day("2025-05-01")));
    assert_eq!(gone.listings[0].start_date, Some(day("2001-02-23")));
    let kept = lists::detail(&engine, "un-TAi.007");
    assert_eq!(kept.listings[0].end_date, None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever the damage, the file reads or is refused naming a line; never a panic.
    #[test]
    fn damaged_files_never_panic_and_always_name_a_line(case in lists::damage_cases(b'/')) {
        lists::damaged_copy_reads_or_names_a_line(Format::UnXml, &un_file(), "consolidated.xml", &case)?;
    }
}

#[test]
fn a_directory_holding_the_un_list_is_recognised_for_bundling() {
    let data = lists::shared_data();
    assert_eq!(
        Format::detect(&data.join("un-sc-2025-04-19")),
        Some(Format::UnXml)
    );
    assert_eq!(
        Format::detect(&data.join("ofac-consolidated-2025-03-28")),
        None,
        "OFAC's consolidated.xml is not the UN's"
    );
    let found = import::bundled_datasets(&data).unwrap();
    assert!(found.contains(&(Format::UnXml, un_file())), "{found:?}");
}

/// A `{:.2?}` duration as the CLI prints it ("27.44ms", "1.20s", "950.00µs"), in seconds.
fn seconds(text: &str) -> f64 {
    let split = text.find(|c: char| c.is_alphabetic() || c == 'µ').unwrap();
    let value: f64 = text[..split].parse().unwrap();
    value
        * match &text[split..] {
            "s" => 1.0,
            "ms" => 1e-3,
            "µs" => 1e-6,
            "ns" => 1e-9,
            unit => panic!("unknown unit {unit:?}"),
        }
}

#[test]
fn the_command_line_says_what_it_read_and_how_long_each_half_took() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("un.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ownergraph"))
        .args(["import", "--db"])
        .arg(&db)
        .args(["--format", "un-xml"])
        .arg(un_file())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("877 entities, 0 relations, 877 listings of dataset un-sc, read in "),
        "{stderr}"
    );
    assert!(
        stderr.contains("added 1754 (877 entities, 0 relations, 877 listings)")
            && stderr.contains("as of 2025-04-19"),
        "{stderr}"
    );
    // "read in R, applied in A (N entities/s read and applied)": the rate is over both halves.
    let line = stderr.lines().find(|l| l.contains(", read in ")).unwrap();
    let after = |label: &str| {
        let from = line.find(label).unwrap() + label.len();
        line[from..].split([',', ' ']).next().unwrap().to_string()
    };
    let (read, applied) = (seconds(&after("read in ")), seconds(&after("applied in ")));
    let rate: f64 = after("(").parse().unwrap();
    assert!(line.ends_with("entities/s read and applied)"), "{line}");
    let implied = 877.0 / rate;
    assert!(
        (implied - (read + applied)).abs() <= 0.02 * (read + applied) + 1e-4,
        "{line}: 877 / rate = {implied}s, read + applied = {}s",
        read + applied
    );
}

/// A database that `import` creates and then imports nothing into (its first file refused, or
/// a dry run) is removed again: left empty, `serve` would open it instead of building the
/// bundled data. One that holds an import, from before or from an earlier file of the same
/// command, is kept.
#[test]
fn a_database_made_for_an_import_that_applied_nothing_is_not_left_behind() {
    let dir = tempfile::tempdir().unwrap();
    let sema = lists::shared("ca-sema-2025/sema.xml");
    let import = |db: &Path, extra: &[&str], files: &[&Path]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ownergraph"))
            .args(["import", "--db"])
            .arg(db)
            .args(["--format", "un-xml"])
            .args(extra)
            .args(files)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let files_of = |db: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(db.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(db.file_name().unwrap().to_str().unwrap()))
            .collect();
        names.sort();
        names
    };
    let entities = |db: &Path| {
        ownergraph::store::Store::open(db)
            .unwrap()
            .stats()
            .unwrap()
            .entities
    };

    let refused = dir.path().join("refused.db");
    let (ok, stderr) = import(&refused, &[], &[&sema]);
    assert!(!ok && stderr.contains("has <CONSOLIDATED_LIST>"), "{stderr}");
    assert_eq!(files_of(&refused), Vec::<String>::new());

    let dry = dir.path().join("dry.db");
    let (ok, stderr) = import(&dry, &["--dry-run"], &[&un_file()]);
    assert!(ok && stderr.contains("877 entities"), "{stderr}");
    assert_eq!(files_of(&dry), Vec::<String>::new());

    // The first file is applied, the second refused: the first stays.
    let half = dir.path().join("half.db");
    let (ok, stderr) = import(&half, &[], &[&un_file(), &sema]);
    assert!(!ok && stderr.contains("has <CONSOLIDATED_LIST>"), "{stderr}");
    assert_eq!(entities(&half), 877);

    // A database that held something before keeps it when a later import is refused.
    let (ok, stderr) = import(&half, &[], &[&sema]);
    assert!(!ok, "{stderr}");
    assert_eq!(entities(&half), 877);
}
