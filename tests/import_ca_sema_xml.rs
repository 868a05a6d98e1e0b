//! `--format ca-sema-xml`: Canada's consolidated autonomous sanctions list (SEMA, 2025), read
//! whole, checked against counts made here from the file's text, record by record on a few
//! entries, refused when damaged or of another format, and applied as releases.

mod common;

use ownergraph::import::{self, Format, ImportError, Prepared};
use ownergraph::model::{prop, Date, Entity, Identifier, Listing, Schema};
use ownergraph::store::ApplyMode;
use proptest::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn sema_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/ca-sema-2025/sema.xml")
}

fn sema_text() -> String {
    std::fs::read_to_string(sema_file()).expect("the SEMA list is readable")
}

fn read(path: &Path) -> Result<Prepared, ImportError> {
    import::read(Format::CaSemaXml, path, None)
}

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// The records of the file as text, each with the line its `<record>` is on.
fn records(text: &str) -> Vec<(u64, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("<record>") {
        let start = from + at;
        let end = start + text[start..].find("</record>").expect("records close");
        out.push((text[..start].matches('\n').count() as u64 + 1, &text[start..end]));
        from = end;
    }
    out
}

/// The entity with `id` and its listing.
fn entry<'a>(prepared: &'a Prepared, id: &str) -> (u64, &'a Entity, &'a Listing) {
    let (origin, entity) = prepared
        .batch
        .entities
        .iter()
        .find(|(_, e)| e.id == id)
        .unwrap_or_else(|| panic!("{id} is read"));
    let listings: Vec<&Listing> = prepared
        .batch
        .listings
        .iter()
        .map(|(_, l)| l)
        .filter(|l| l.entity == id)
        .collect();
    assert_eq!(listings.len(), 1, "{id}: one listing");
    (origin.line, entity, listings[0])
}

fn line_of(text: &str, needle: &str) -> u64 {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} is in the file"));
    text[..at].matches('\n').count() as u64 + 1
}

fn write_copy(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sema.xml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn the_whole_list_reads_with_counts_that_match_the_file() {
    let text = sema_text();
    let records = records(&text);
    assert_eq!(records.len(), 4759, "the file as its README describes it");
    let prepared = read(&sema_file()).unwrap();
    let batch = &prepared.batch;
    assert_eq!(batch.dataset, "ca-sema");
    assert_eq!(prepared.published, None, "the file states no date of its own");
    assert!(
        prepared.skipped.is_empty(),
        "every element is known: {:?}",
        prepared.skipped
    );
    assert_eq!(batch.entities.len(), records.len());
    assert_eq!(batch.listings.len(), records.len());
    let ids: HashSet<&str> = batch.entities.iter().map(|(_, e)| e.id.as_str()).collect();
    assert_eq!(ids.len(), records.len(), "ids are unique");
    // Each entity starts on its record's line, in file order.
    let lines: Vec<u64> = batch.entities.iter().map(|(o, _)| o.line).collect();
    assert_eq!(lines, records.iter().map(|(line, _)| *line).collect::<Vec<_>>());

    let count = |schema: Schema| batch.entities.iter().filter(|(_, e)| e.schema == schema).count();
    let ships = records
        .iter()
        .filter(|(_, r)| r.contains("<ShipIMONumber>"))
        .count();
    let persons = records
        .iter()
        .filter(|(_, r)| r.contains("<LastName>") || r.contains("<GivenName>"))
        .count();
    assert_eq!(count(Schema::Vessel), ships);
    assert_eq!(count(Schema::Person), persons);
    assert_eq!(count(Schema::LegalEntity), records.len() - ships - persons);
    assert_eq!((ships, persons), (109, 3334));

    for regulations in [
        "Russia / Russie",
        "Belarus / Bélarus",
        "Iran",
        "Ukraine",
        "Syria / Syrie",
    ] {
        let written = text.matches(&format!("<Country>{regulations}</Country>")).count();
        let listed = batch
            .listings
            .iter()
            .filter(|(_, l)| l.program.as_deref() == Some(regulations))
            .count();
        assert_eq!(listed, written, "{regulations}");
    }
    assert!(batch.listings.iter().all(|(_, l)| l.start_date.is_some()
        && l.list == "Consolidated Canadian Autonomous Sanctions List"
        && l.authority == "Global Affairs Canada"));
    let imo: usize = batch
        .entities
        .iter()
        .map(|(_, e)| e.identifiers.iter().filter(|i| i.scheme == "IMO").count())
        .sum();
    assert_eq!(imo, ships);
    let with_aliases = batch
        .entities
        .iter()
        .filter(|(_, e)| !e.aliases.is_empty())
        .count();
    let written = records
        .iter()
        .filter(|(_, r)| r.contains("<Aliases>") && !r.contains("<Aliases></Aliases>"))
        .count();
    assert!(
        with_aliases <= written && with_aliases + 10 > written,
        "{with_aliases} of {written}"
    );
}

#[test]
fn records_field_by_field() {
    let text = sema_text();
    let prepared = read(&sema_file()).unwrap();

    let (line, lukashenko, listing) = entry(&prepared, "ca-sema-belarus-1-part-1-item-8");
    assert_eq!(line, line_of(&text, "<LastName>Lukashenko</LastName>") - 2);
    assert_eq!(lukashenko.schema, Schema::Person);
    assert_eq!(lukashenko.name, "Aleksandr Grigoryevich Lukashenko");
    assert_eq!(lukashenko.birth_date.as_deref(), Some("1954-08-30"));
    assert!(
        lukashenko.countries.is_empty(),
        "Country names regulations, not a nationality"
    );
    assert_eq!(listing.program.as_deref(), Some("Belarus / Bélarus"));
    assert_eq!(listing.start_date, Some(day("2020-09-28")));
    assert_eq!(listing.citation.as_deref(), Some("Schedule 1, Part 1, item 8"));

    let (_, son, _) = entry(&prepared, "ca-sema-belarus-1-part-1-item-120");
    assert_eq!(son.name, "Nikolai Aleksandrovich LUKASHENKO");
    assert_eq!(
        son.aliases,
        [
            "Mikalay Alyaksandravich Lukashenka",
            "Kolya Lukashenko",
            "Мікалай Аляксандравіч Лукашэнка",
            "Николай Александрович Лукашенко",
            "Коля Лукашенко"
        ]
    );

    let (_, bodhi, listing) = entry(&prepared, "ca-sema-russia-1-1-item-6");
    assert_eq!((bodhi.schema, bodhi.name.as_str()), (Schema::Vessel, "Bodhi"));
    assert_eq!(
        bodhi.identifiers,
        [Identifier {
            scheme: "IMO".into(),
            value: "9144782".into(),
            country: None
        }]
    );
    assert_eq!(bodhi.property(prop::VESSEL_TYPE), ["Oil Tanker"]);
    assert_eq!(bodhi.property(prop::BUILD_DATE), ["1997"]);
    assert_eq!(bodhi.birth_date, None);
    assert_eq!(listing.start_date, Some(day("2025-02-21")));
    assert_eq!(listing.citation.as_deref(), Some("Schedule 1.1, item 6"));

    let (_, irgc, listing) = entry(&prepared, "ca-sema-iran-1-part-1-item-136");
    assert_eq!(irgc.schema, Schema::LegalEntity);
    assert_eq!(
        irgc.name,
        "Islamic Revolutionary Guard Corps/Corps des Gardiens de la Révolution islamique"
    );
    assert_eq!(
        irgc.aliases,
        [
            "IRGC",
            "Army of the Guardians of the Islamic Revolution",
            "Iranian Revolutionary Guards",
            "IRG",
            "Sepah-e Pasdaran-e Enghelab-e Eslami/GRI",
            "CGRI",
            "l'Armée des Gardiens de la Révolution islamique",
            "Gardiens de la Révolution iranienne",
            "Sepah-e Pasdaran-e Enghelab-e Eslami et Pasdaran"
        ]
    );
    assert_eq!(listing.start_date, Some(day("2016-02-05")));

    // No schedule: the id and the citation go by item alone; two dates of birth.
    let (_, abahussain, listing) = entry(
        &prepared,
        "ca-sema-justice-for-victims-of-corrupt-foreign-officials-regulations-jvcfor-item-54",
    );
    assert_eq!(abahussain.name, "Mansour Othman ABAHUSSAIN");
    assert_eq!(abahussain.birth_date.as_deref(), Some("1972-08-10"));
    assert_eq!(abahussain.property(prop::BIRTH_DATE), ["1972-08-11"]);
    assert_eq!(listing.citation.as_deref(), Some("item 54"));
    assert!(listing
        .program
        .as_deref()
        .unwrap()
        .starts_with("Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR) / "));

    let (_, barakat, _) = entry(&prepared, "ca-sema-syria-part-2-item-84");
    assert_eq!(barakat.name, "Ali Barakat", "trailing spaces are layout");
    assert_eq!(barakat.property(prop::TITLE), ["Brigadier"]);

    let (_, dagalo, _) = entry(&prepared, "ca-sema-sudan-part-1-item-1");
    assert_eq!(dagalo.birth_date, None);
    assert_eq!(
        dagalo.notes.as_deref(),
        Some("date of birth: born in the early 1970s")
    );
    assert_eq!(
        dagalo.aliases,
        [
            "Abdel Rahim Hamdan Dagalo",
            "Abdelrahim Dagalo",
            "Abdul Rahim Dagalo and Abdelrahim Hamdan Dagalo Mousa",
            "عبدالرحيم دقلو"
        ]
    );
}

#[test]
fn damage_is_refused_naming_file_line_and_field() {
    let text = sema_text();
    let refused = |damaged: String| -> String {
        let (_dir, path) = write_copy(&damaged);
        let err = read(&path).expect_err("damaged input is refused").to_string();
        let prefix = format!("{}:", path.display());
        assert!(err.starts_with(&prefix), "{err}");
        err[prefix.len()..].to_string()
    };
    let listed = "<DateOfListing>2020-09-28</DateOfListing>";
    let line = line_of(&text, listed);
    assert_eq!(
        refused(text.replacen(listed, "<DateOfListing>28/09/2020</DateOfListing>", 1)),
        format!("{line}: DateOfListing: \"28/09/2020\" is not a date of the form YYYY-MM-DD")
    );
    let born = "<DateOfBirthOrShipBuildDate>1965-04-29</DateOfBirthOrShipBuildDate>";
    let line = line_of(&text, born);
    assert_eq!(
        refused(text.replacen(born, "<DateOfBirthOrShipBuildDate>1965-14-29</DateOfBirthOrShipBuildDate>", 1)),
        format!("{line}: DateOfBirthOrShipBuildDate: \"1965-14-29\" is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    );
    // The second record takes the first one's item number.
    let first = line_of(&text, "<record>");
    let item = "<Item>2</Item>";
    let line = line_of(&text, item);
    assert_eq!(
        refused(text.replacen(item, "<Item>1</Item>", 1)),
        format!("{line}: Item: Schedule 1, Part 1, item 1 (id ca-sema-belarus-1-part-1-item-1) already used by the record at line {first}")
    );
    let country = "<Country>Belarus / Bélarus</Country>";
    assert_eq!(
        refused(text.replacen(country, "<Country></Country>", 1)),
        format!(
            "{}: Country: is empty; every record names the regulations it is listed under",
            line_of(&text, country)
        )
    );
    let person = "<LastName>Atabekov</LastName>";
    assert_eq!(
        refused(text.replacen(person, "<LastName>Atabekov</LastName><EntityOrShip>X</EntityOrShip>", 1)),
        format!("{}: EntityOrShip: the record has both a person's name (LastName/GivenName) and EntityOrShip; expected one", line_of(&text, person))
    );
}

#[test]
fn files_of_other_formats_are_refused_by_their_root() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    for (file, root, line) in [
        ("un-sc-2025-04-19/consolidated.xml", "CONSOLIDATED_LIST", 2),
        ("ofac-consolidated-2025-03-28/consolidated.xml", "sdnList", 2),
    ] {
        let path = data.join(file);
        let err = read(&path).expect_err("another format is refused").to_string();
        assert_eq!(
            err,
            format!(
                "{}:{line}: root: the root element is <{root}>; Canada's consolidated autonomous sanctions list (ca-sema-xml) has <data-set>: is this a file of another format?",
                path.display()
            )
        );
    }
}

#[test]
fn applying_twice_changes_nothing_and_a_later_release_ends_what_it_lacks() {
    let text = sema_text();
    let full = read(&sema_file()).unwrap();
    let release = |d: &str| ApplyMode {
        release: Some(day(d)),
        dry_run: false,
    };
    let (_dir, engine) = common::empty_engine();
    let first = engine
        .apply_with(&full.batch, &full.record, release("2025-03-21"))
        .unwrap();
    assert_eq!((first.entities_added, first.listings_added), (4759, 4759));
    let again = engine
        .apply_with(&full.batch, &full.record, release("2025-03-21"))
        .unwrap();
    assert!(
        again.is_unchanged(),
        "the same release again changes nothing: {again:?}"
    );

    // A later release without Lukashenko's record: that listing ends, nothing else does.
    let start = text.find("<LastName>Lukashenko</LastName>").unwrap();
    let start = text[..start].rfind("<record>").unwrap();
    let end = start + text[start..].find("</record>").unwrap() + "</record>".len();
    let (_tmp, path) = write_copy(&format!("{}{}", &text[..start], &text[end..]));
    let later = read(&path).unwrap();
    let report = engine
        .apply_with(&later.batch, &later.record, release("2025-04-01"))
        .unwrap();
    assert_eq!((report.listings_ended, report.entities_added), (1, 0));
    let gone = engine
        .read(|s| s.entity_detail("ca-sema-belarus-1-part-1-item-8"))
        .unwrap()
        .unwrap();
    assert_eq!(gone.listings[0].end_date, Some(day("2025-04-01")));
    let kept = engine
        .read(|s| s.entity_detail("ca-sema-belarus-1-part-1-item-9"))
        .unwrap()
        .unwrap();
    assert_eq!(kept.listings[0].end_date, None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Whatever the damage, the file reads or is refused naming a line; never a panic.
    #[test]
    fn damaged_files_never_panic_and_always_name_a_line(
        kind in 0u8..3,
        at in any::<usize>(),
        noise in proptest::collection::vec(prop_oneof![any::<u8>(), Just(b'<'), Just(b'>'), Just(b'&'), Just(b',')], 1..8),
    ) {
        let mut bytes = std::fs::read(sema_file()).unwrap();
        let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        let len = bytes.len();
        let at = at % len;
        match kind {
            0 => bytes.truncate(at),
            1 => {
                for (i, b) in noise.iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(at + i) {
                        *slot = *b;
                    }
                }
            }
            _ => {
                let end = (at + noise.len() * 7).min(len);
                bytes.drain(at..end);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sema.xml");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(err) = read(&path) {
            let err = err.to_string();
            let rest = err.strip_prefix(&format!("{}:", path.display())).unwrap_or_else(|| panic!("{err}"));
            let (line, message) = rest.split_once(": ").unwrap_or_else(|| panic!("{err}"));
            let line: u64 = line.parse().unwrap_or_else(|_| panic!("{err}"));
            prop_assert!((1..=lines).contains(&line), "{}", err);
            prop_assert!(message.contains(": "), "a field and a problem: {}", err);
        }
    }
}
