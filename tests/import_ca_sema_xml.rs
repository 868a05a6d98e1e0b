//! `--format ca-sema-xml`: Canada's consolidated autonomous sanctions list (SEMA, 2025), read
//! whole, checked against counts made here from the file's text, record by record on a few
//! entries, refused when damaged or of another format, and applied as releases.

mod common;

use common::lists::{self, day, entry, line_of};
use ownergraph::import::{self, Format, ImportError, Prepared};
use ownergraph::model::{prop, Identifier, Schema};
use proptest::prelude::*;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

fn sema_file() -> PathBuf {
    lists::shared("ca-sema-2025/sema.xml")
}

fn sema_text() -> String {
    std::fs::read_to_string(sema_file()).expect("the SEMA list is readable")
}

fn read(path: &Path) -> Result<Prepared, ImportError> {
    import::read(Format::CaSemaXml, path, None)
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
        assert_eq!(
            lists::listed_under(&prepared, regulations),
            written,
            "{regulations}"
        );
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
    // The second record takes the first one's item number.
    let first = line_of(&text, "<record>");
    // (text replaced, its damaged form, the problem named on the replaced text's line).
    let cases = [
        (
            "<DateOfListing>2020-09-28</DateOfListing>",
            "<DateOfListing>28/09/2020</DateOfListing>",
            "DateOfListing: \"28/09/2020\" is not a date of the form YYYY-MM-DD".to_string(),
        ),
        (
            "<DateOfBirthOrShipBuildDate>1965-04-29</DateOfBirthOrShipBuildDate>",
            "<DateOfBirthOrShipBuildDate>1965-14-29</DateOfBirthOrShipBuildDate>",
            "DateOfBirthOrShipBuildDate: \"1965-14-29\" is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD".to_string(),
        ),
        (
            "<Item>2</Item>",
            "<Item>1</Item>",
            format!("Item: Schedule 1, Part 1, item 1 (id ca-sema-belarus-1-part-1-item-1) already used by the record at line {first}"),
        ),
        (
            "<Country>Belarus / Bélarus</Country>",
            "<Country></Country>",
            "Country: is empty; every record names the regulations it is listed under".to_string(),
        ),
        (
            "<LastName>Atabekov</LastName>",
            "<LastName>Atabekov</LastName><EntityOrShip>X</EntityOrShip>",
            "EntityOrShip: the record has both a person's name (LastName/GivenName) and EntityOrShip; expected one".to_string(),
        ),
    ];
    for (original, damaged, problem) in cases {
        assert_eq!(
            lists::refusal(
                Format::CaSemaXml,
                "sema.xml",
                &text.replacen(original, damaged, 1)
            ),
            format!("{}: {problem}", line_of(&text, original)),
            "{original}"
        );
    }
}

#[test]
fn files_of_other_formats_are_refused_by_their_root() {
    lists::assert_refused_by_root(
        Format::CaSemaXml,
        "Canada's consolidated autonomous sanctions list (ca-sema-xml) has <data-set>",
        &[
            ("un-sc-2025-04-19/consolidated.xml", "CONSOLIDATED_LIST", 2),
            ("ofac-consolidated-2025-03-28/consolidated.xml", "sdnList", 2),
        ],
    );
}

#[test]
fn applying_twice_changes_nothing_and_a_later_release_ends_what_it_lacks() {
    let text = sema_text();
    let full = read(&sema_file()).unwrap();
    let (_dir, engine, first) = lists::applied_twice(&full, Some(day("2025-03-21")));
    assert_eq!((first.entities_added, first.listings_added), (4759, 4759));

    // A later release without Lukashenko's record: that listing ends, nothing else does.
    let start = text.find("<LastName>Lukashenko</LastName>").unwrap();
    let start = text[..start].rfind("<record>").unwrap();
    let end = start + text[start..].find("</record>").unwrap() + "</record>".len();
    let (_tmp, path) = lists::write_copy("sema.xml", format!("{}{}", &text[..start], &text[end..]));
    let later = read(&path).unwrap();
    let report = lists::apply_release(&engine, &later, Some(day("2025-04-01")));
    assert_eq!((report.listings_ended, report.entities_added), (1, 0));
    let gone = lists::detail(&engine, "ca-sema-belarus-1-part-1-item-8");
    assert_eq!(gone.listings[0].end_date, Some(day("2025-04-01")));
    let kept = lists::detail(&engine, "ca-sema-belarus-1-part-1-item-9");
    assert_eq!(kept.listings[0].end_date, None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Whatever the damage, the file reads or is refused naming a line; never a panic.
    #[test]
    fn damaged_files_never_panic_and_always_name_a_line(case in lists::damage_cases(b',')) {
        lists::damaged_copy_reads_or_names_a_line(Format::CaSemaXml, &sema_file(), "sema.xml", &case)?;
    }
}
