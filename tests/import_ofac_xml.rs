//! `--format ofac-xml`: OFAC's XML lists on the real consolidated (non-SDN) file of 2025-03-28,
//! and the SDN path on a small SDN list made of real records (`tests/fixtures/ofac-xml/sdn.xml`,
//! its header says how). Counts are checked against the file's own text, read here with plain
//! string search, never with the reader under test.

mod common;

use common::lists::{self, entity, input_error, shared, write_copy};
use ownergraph::import::{self, Format, ImportError, Prepared};
use ownergraph::model::{prop, Entity, Schema};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn consolidated_path() -> PathBuf {
    shared("ofac-consolidated-2025-03-28/consolidated.xml")
}

fn sdn_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ofac-xml/sdn.xml")
}

fn consolidated_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| std::fs::read_to_string(consolidated_path()).unwrap())
}

/// The real consolidated file read once per test binary.
fn consolidated() -> &'static Prepared {
    static READ: OnceLock<Prepared> = OnceLock::new();
    READ.get_or_init(|| import::read(Format::OfacXml, &consolidated_path(), None).unwrap())
}

/// An entry of the file as text: its uid, the line it starts on, its XML.
struct RawEntry<'a> {
    uid: &'a str,
    line: usize,
    xml: &'a str,
}

fn raw_entries(text: &str) -> Vec<RawEntry<'_>> {
    let mut out = Vec::new();
    let (mut from, mut line) = (0, 1);
    while let Some(start) = text[from..].find("<sdnEntry>").map(|i| from + i) {
        line += line_of(&text[from..start], start - from) - 1;
        let end = start + text[start..].find("</sdnEntry>").unwrap() + "</sdnEntry>".len();
        let xml = &text[start..end];
        out.push(RawEntry {
            uid: texts(xml, "uid")[0],
            line,
            xml,
        });
        line += line_of(xml, xml.len()) - 1;
        from = end;
    }
    out
}

/// The texts of every `<tag>…</tag>` in `xml`, in order.
fn texts<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let j = after.find(&close).unwrap();
        out.push(&after[..j]);
        rest = &after[j..];
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].bytes().filter(|b| *b == b'\n').count() + 1
}

/// `(list, program, start date, citation)` of an entity's listings, in the file's order.
fn listings(prepared: &Prepared, id: &str) -> Vec<(String, String, Option<String>, String)> {
    lists::listings_of(prepared, id)
        .into_iter()
        .map(|l| {
            (
                l.list.clone(),
                l.program.clone().unwrap(),
                l.start_date.map(|d| d.to_string()),
                l.citation.clone().unwrap(),
            )
        })
        .collect()
}

fn listing(
    list: &str,
    program: &str,
    start: Option<&str>,
    citation: &str,
) -> (String, String, Option<String>, String) {
    (
        list.into(),
        program.into(),
        start.map(str::to_string),
        citation.into(),
    )
}

fn strs(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

#[test]
fn consolidated_file_counts_match_the_file_text() {
    let prepared = consolidated();
    let text = consolidated_text();
    let raw = raw_entries(text);
    assert_eq!(raw.len(), 443, "the file's own Record_Count");
    assert_eq!(prepared.batch.entities.len(), raw.len());
    assert_eq!(prepared.batch.dataset, "ofac-consolidated");
    assert_eq!(prepared.record.format, "ofac-xml");
    assert_eq!(prepared.published.unwrap().to_string(), "2025-03-28");
    assert!(
        prepared.skipped.is_empty(),
        "every field is mapped: {:?}",
        prepared.skipped
    );

    // Every (entry, programme) of the file is listed, and nothing else.
    let expected: BTreeSet<(String, String)> = raw
        .iter()
        .flat_map(|e| {
            texts(e.xml, "program")
                .into_iter()
                .map(|p| (format!("ofac-cons-{}", e.uid), unescape(p)))
        })
        .collect();
    let listed: BTreeSet<(String, String)> = prepared
        .batch
        .listings
        .iter()
        .map(|(_, l)| (l.entity.clone(), l.program.clone().unwrap()))
        .collect();
    assert_eq!(listed, expected);
    for (_, l) in &prepared.batch.listings {
        assert_eq!(
            (l.authority.as_str(), l.dataset.as_str()),
            ("OFAC", "ofac-consolidated")
        );
    }

    // Lists the file states by programme tag or by a listing date of their own.
    let count = |list: &str| {
        prepared
            .batch
            .listings
            .iter()
            .filter(|(_, l)| l.list == list)
            .count()
    };
    let tagged = |tag: &str| text.matches(&format!("<program>{tag}</program>")).count();
    let id_type = |t: &str| text.matches(&format!("<idType>{t}</idType>")).count();
    assert_eq!(count("NS-PLC List"), tagged("NS-PLC"));
    assert_eq!(count("SSI List"), tagged("UKRAINE-EO13662"));
    assert_eq!(count("NS-CMIC List"), tagged("CMIC-EO13959"));
    assert_eq!(count("NS-CMIC List"), id_type("Listing Date (CMIC)"));
    assert_eq!(count("FSE List"), tagged("FSE-IR"));
    assert_eq!(
        count("CAPTA List"),
        tagged("561-Related") + id_type("Listing Date (EO 14024 Directive 2):")
    );
    // Every entry is on a non-SDN list: that is what makes the file the consolidated list.
    for e in &raw {
        let id = format!("ofac-cons-{}", e.uid);
        assert!(
            prepared
                .batch
                .listings
                .iter()
                .any(|(_, l)| l.entity == id && l.list != "SDN List"),
            "{id} is on a non-SDN list"
        );
    }

    // Entries also on the SDN list: every one the SDN list of 2024-05-03 holds, and the rest
    // are parties blocked under E.O. 14024 since (the file says so by Section 11).
    let sdn_2024: BTreeSet<String> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(shared("ofac-sdn-2024-05-03/sdn.csv"))
        .unwrap()
        .byte_records()
        .map(|r| format!("ofac-{}", String::from_utf8_lossy(&r.unwrap()[0])))
        .collect();
    let on_sdn: BTreeSet<String> = prepared
        .batch
        .listings
        .iter()
        .filter(|(_, l)| l.list == "SDN List")
        .map(|(_, l)| l.entity.clone())
        .collect();
    for e in &raw {
        let id = format!("ofac-cons-{}", e.uid);
        if sdn_2024.contains(&format!("ofac-{}", e.uid)) {
            assert!(on_sdn.contains(&id), "{id} is on the SDN list of 2024-05-03");
        } else if on_sdn.contains(&id) {
            assert!(e.xml.contains("See Section 11 of Executive Order 14024"), "{id}");
        }
    }
    assert_eq!(
        on_sdn
            .iter()
            .filter(|id| sdn_2024.contains(&id.replacen("ofac-cons-", "ofac-", 1)))
            .count(),
        raw.iter()
            .filter(|e| sdn_2024.contains(&format!("ofac-{}", e.uid)))
            .count()
    );

    // Every name of the file is a name of its entity, "LAST, First" as sdn.csv writes them.
    for e in &raw {
        let entity = entity(prepared, &format!("ofac-cons-{}", e.uid));
        let names: Vec<String> = std::iter::once(entity.name.as_str())
            .chain(entity.other_names())
            .map(str::to_uppercase)
            .collect();
        for aka in texts(e.xml, "aka") {
            let last = unescape(texts(aka, "lastName")[0]);
            let name = match texts(aka, "firstName").first() {
                Some(first) => format!("{last}, {}", unescape(first)),
                None => last,
            };
            assert!(names.contains(&name.to_uppercase()), "{} has {name}", entity.id);
        }
    }

    // Links: every "Linked To:" of the file is counted, all but HAMAS (an SDN-only entry) are
    // entries of the file.
    let links = prepared.links.as_ref().unwrap();
    assert_eq!(links.total, text.matches("Linked To:").count());
    assert_eq!(
        links.unresolved,
        [("ofac-cons-9647".to_string(), "HAMAS".to_string())]
    );
    assert_eq!(prepared.batch.relations.len(), links.resolved);
}

#[test]
fn consolidated_records_field_by_field() {
    let prepared = consolidated();

    // The listings of the entries below, in the file's order.
    for (id, expected) in [
        (
            "ofac-cons-9647",
            vec![
                listing("NS-PLC List", "NS-PLC", None, "OFAC NS-PLC List, entry 9647"),
                listing("SDN List", "SDGT", None, "OFAC SDN List, entry 9647"),
            ],
        ),
        (
            "ofac-cons-30882",
            vec![listing(
                "NS-CMIC List",
                "CMIC-EO13959",
                Some("2021-06-03"),
                "OFAC NS-CMIC List, entry 30882",
            )],
        ),
        (
            "ofac-cons-17018",
            vec![
                listing(
                    "SSI List",
                    "UKRAINE-EO13662",
                    None,
                    "OFAC SSI List, entry 17018 (EO 13662 Directive 1)",
                ),
                listing(
                    "NS-MBS List",
                    "RUSSIA-EO14024",
                    Some("2022-02-24"),
                    "OFAC NS-MBS List, entry 17018 (EO 14024 Directive 3)",
                ),
                listing(
                    "CAPTA List",
                    "RUSSIA-EO14024",
                    Some("2022-02-24"),
                    "OFAC CAPTA List, entry 17018 (EO 14024 Directive 2)",
                ),
                listing("SDN List", "RUSSIA-EO14024", None, "OFAC SDN List, entry 17018"),
            ],
        ),
        (
            "ofac-cons-15268",
            vec![listing(
                "CAPTA List",
                "561-Related",
                None,
                "OFAC CAPTA List, entry 15268",
            )],
        ),
        (
            "ofac-cons-50476",
            vec![listing(
                "NS-MBS List",
                "ILLICIT-DRUGS-EO14059",
                None,
                "OFAC NS-MBS List, entry 50476 (EO 14059)",
            )],
        ),
        (
            "ofac-cons-46072",
            vec![listing(
                "NS-MBS List",
                "BURMA-EO14014",
                Some("2023-10-31"),
                "OFAC NS-MBS List, entry 46072 (EO 14014 Directive 1)",
            )],
        ),
        // Menu-based CAATSA sanctions.
        (
            "ofac-cons-27016",
            vec![listing(
                "NS-MBS List",
                "CAATSA - RUSSIA",
                None,
                "OFAC NS-MBS List, entry 27016 (CAATSA Section 235)",
            )],
        ),
    ] {
        assert_eq!(listings(prepared, id), expected, "{id}");
    }

    // An NS-PLC member who is also an SDN (SDGT).
    let zahhar = entity(prepared, "ofac-cons-9647");
    lists::assert_named(
        zahhar,
        Schema::Person,
        "ZAHHAR, Mahmoud Khaled",
        &["AL ZAHAR, Mahmoud Khaled"],
    );
    assert_eq!(
        strs(zahhar.property(prop::WEAK_ALIAS)),
        ["ZAHAR, Mahmoud", "AL-ZAHAR, Mahmoud"]
    );
    assert_eq!(zahhar.birth_date.as_deref(), Some("1945"));
    assert_eq!(strs(zahhar.property(prop::BIRTH_PLACE)), ["Gaza Strip"]);
    assert_eq!(strs(zahhar.property(prop::NATIONALITY)), ["Palestinian"]);
    assert_eq!(strs(zahhar.property(prop::GENDER)), ["Male"]);
    assert_eq!(zahhar.countries, ["Region: Gaza", "Palestinian"]);
    assert!(zahhar.addresses.is_empty(), "a country alone is no address");
    let notes = zahhar.notes.as_deref().unwrap();
    assert!(notes.contains("(Linked To: HAMAS)"), "{notes}");
    assert!(
        notes.contains("Secondary sanctions risk: section 1(b) of Executive Order 13224"),
        "{notes}"
    );
    assert_eq!(
        zahhar.source.as_deref(),
        Some("OFAC consolidated (non-SDN) list, entry 9647")
    );

    // A CMIC company: its listing date, identifiers of the company and of its securities.
    let telecom = entity(prepared, "ofac-cons-30882");
    // OFAC's own a.k.a. spellings, then the issuer names its securities trade under.
    lists::assert_named(
        telecom,
        Schema::LegalEntity,
        "CHINA TELECOM CORPORATION LIMITED",
        &[
            "CHINA TELECOM",
            "CHINA TELECOM CO., LTD",
            "CHINA TELECOM CORP LTD",
            "China Telecom Corporation Limited.Co.Ltd",
        ],
    );
    let uscc = &telecom.identifiers[0];
    assert_eq!(
        (uscc.scheme.as_str(), uscc.value.as_str(), uscc.country.as_deref()),
        (
            "Unified Social Credit Code (USCC)",
            "9111000071093019X7",
            Some("China")
        )
    );
    let isins: Vec<&str> = telecom
        .identifiers
        .iter()
        .filter(|i| i.scheme == "ISIN")
        .map(|i| i.value.as_str())
        .collect();
    assert_eq!(
        isins,
        [
            "US1694261033",
            "CNE1000002V2",
            "CND100020NC4",
            "CND1000248G3",
            "CND10003ND87"
        ]
    );
    assert_eq!(strs(telecom.property(prop::CLASSIFICATION)), ["Public Company"]);
    assert_eq!(
        telecom.addresses,
        ["31 Jinrong Street, Xicheng District, Beijing, 100033, China"]
    );
    let notes = telecom.notes.as_deref().unwrap();
    assert!(notes.contains("Effective Date (CMIC) 02 Aug 2021"), "{notes}");
    assert!(
        !notes.contains("Listing Date"),
        "the listing date is the listing's start: {notes}"
    );

    // Sberbank: sectoral sanctions, the CAPTA directive, new debt and equity, and blocked.
    let sberbank = entity(prepared, "ofac-cons-17018");
    assert_eq!(sberbank.name, "PUBLIC JOINT STOCK COMPANY SBERBANK OF RUSSIA");
    assert!(sberbank
        .property(prop::PREVIOUS_NAME)
        .contains(&"SBERBANK OF RSFSR".to_string()));
    assert_eq!(
        strs(sberbank.property(prop::WEAK_ALIAS)),
        ["SBERBANK INDIA", "SBERBANK MUMBAI"]
    );
    assert_eq!(
        strs(sberbank.property(prop::WEBSITE)),
        ["www.sberbank.ru", "www.sberbank.com"]
    );
    assert!(sberbank
        .identifiers
        .iter()
        .any(|i| i.scheme == "SWIFT/BIC" && i.value == "SABRRUMM" && i.country.is_none()));

    // The one bank of the former Part 561 List, now on the CAPTA List.
    let kunlun = entity(prepared, "ofac-cons-15268");
    assert_eq!(
        strs(kunlun.property(prop::PREVIOUS_NAME)),
        [
            "KARAMAY URBAN CREDIT COOPERATIVES",
            "KARAMAY CITY COMMERCIAL BANK CO LTD."
        ]
    );
    assert_eq!(
        kunlun.addresses[1],
        "9 Dongzhimen North Street, Dongcheng District, (Head Office), Beijing, 100007, China"
    );
    assert!(kunlun
        .notes
        .as_deref()
        .unwrap()
        .starts_with("United States financial institutions are prohibited"));

    // Menu-based sanctions under E.O. 14059 on a person.
    let martelly = entity(prepared, "ofac-cons-50476");
    assert_eq!(martelly.name, "MARTELLY, Michel Joseph");
    assert_eq!(martelly.birth_date.as_deref(), Some("1961-02-12"));
    assert_eq!(martelly.aliases, ["MARTELLY, Michael"]);
    assert_eq!(strs(martelly.property(prop::WEAK_ALIAS)), ["Sweet Micky"]);
    let ids: Vec<(&str, &str, Option<&str>)> = martelly
        .identifiers
        .iter()
        .map(|i| (i.scheme.as_str(), i.value.as_str(), i.country.as_deref()))
        .collect();
    assert_eq!(
        ids,
        [
            ("National ID No.", "0032768386", Some("Haiti")),
            ("Driver's License No.", "M634550610520", Some("United States")),
            // The consolidated record's own id is `ofac-cons-<uid>`; OFAC's uid stays with it.
            ("OFAC UID", "50476", None)
        ]
    );
    assert_eq!(martelly.addresses[0], "Miami, FL, United States");
    assert_eq!(
        martelly.countries,
        ["United States", "Haiti", "Dominican Republic"]
    );

    // A directive of E.O. 14014 on a state enterprise; company facts as properties.
    let moge = entity(prepared, "ofac-cons-46072");
    assert_eq!(strs(moge.property(prop::INCORPORATION_DATE)), ["1963"]);
    assert_eq!(
        strs(moge.property(prop::SECTOR)),
        ["Extraction of crude petroleum"]
    );
    assert_eq!(
        strs(moge.property(prop::CLASSIFICATION)),
        ["State-Owned Enterprise"]
    );

    // A foreign sanctions evader: citizenship and a passport with its country.
    let evader = entity(prepared, "ofac-cons-26182");
    assert_eq!(evader.name, "KAYAKIRAN, Evren");
    assert_eq!(evader.birth_date.as_deref(), Some("1980-02-08"));
    assert_eq!(strs(evader.property(prop::CITIZENSHIP)), ["Turkey"]);
    assert_eq!(evader.identifiers[0].scheme, "Passport");
    assert_eq!(evader.identifiers[0].country.as_deref(), Some("Turkey"));
    assert_eq!(listings(prepared, "ofac-cons-26182")[0].0, "FSE List");

    // Registration facts: the country of registration, the date of establishment as ISO.
    let with_registration: Vec<&Entity> = prepared
        .batch
        .entities
        .iter()
        .map(|(_, e)| e)
        .filter(|e| !e.property(prop::JURISDICTION).is_empty())
        .collect();
    assert_eq!(
        with_registration.len(),
        consolidated_text()
            .matches("<idType>Nationality of Registration</idType>")
            .count()
    );
    assert!(
        with_registration
            .iter()
            .all(|e| e.property(prop::JURISDICTION) == ["Russia"]
                && e.countries.contains(&"Russia".to_string()))
    );
    assert!(prepared
        .batch
        .entities
        .iter()
        .any(|(_, e)| e.property(prop::INCORPORATION_DATE) == ["1990-07-31"]));
}

#[test]
fn sdn_list_reads_as_the_sdn_list() {
    let prepared = import::read(Format::OfacXml, &sdn_fixture(), None).unwrap();
    let text = std::fs::read_to_string(sdn_fixture()).unwrap();
    let raw = raw_entries(&text);
    assert_eq!(prepared.batch.dataset, "ofac-sdn");
    assert_eq!(prepared.published.unwrap().to_string(), "2024-05-03");
    assert_eq!(prepared.batch.entities.len(), raw.len());
    assert!(prepared
        .batch
        .listings
        .iter()
        .all(|(_, l)| l.list == "SDN List" && l.start_date.is_none() && l.dataset == "ofac-sdn"));

    // The same programmes and names as OFAC's sdn.csv gives the same entries, read by the CSV
    // reader: one party reads alike in both formats.
    let csv = import::read(Format::OfacSdn, &shared("ofac-sdn-2024-05-03/sdn.csv"), None).unwrap();
    let csv_programs: HashMap<&str, BTreeSet<&str>> =
        csv.batch.listings.iter().fold(HashMap::new(), |mut m, (_, l)| {
            m.entry(l.entity.as_str())
                .or_default()
                .insert(l.program.as_deref().unwrap());
            m
        });
    for e in &raw {
        let id = format!("ofac-{}", e.uid);
        let programs: BTreeSet<&str> = lists::listings_of(&prepared, &id)
            .into_iter()
            .map(|l| l.program.as_deref().unwrap())
            .collect();
        assert_eq!(programs, csv_programs[id.as_str()], "{id}");
        assert_eq!(entity(&prepared, &id).name, entity(&csv, &id).name, "{id}");
        assert_eq!(entity(&prepared, &id).schema, entity(&csv, &id).schema, "{id}");
    }

    // Dates of birth: the main one first, ranges reduced to what both ends share or the first
    // year, with the text in the notes.
    let naqdi = entity(&prepared, "ofac-12057");
    assert_eq!(naqdi.birth_date.as_deref(), Some("1951"));
    assert_eq!(
        strs(naqdi.property(prop::BIRTH_DATE)),
        ["1960", "1961-04", "1953"]
    );
    assert_eq!(
        strs(naqdi.property(prop::BIRTH_PLACE)),
        ["Najaf, Iraq", "Tehran, Iran"]
    );
    assert!(naqdi.property(prop::POSITION)[0].starts_with("Brigadier General and Commander"));
    let notes = naqdi.notes.as_deref().unwrap();
    for fact in [
        "DOB 1951 to 1953",
        "DOB 1960 to 1962",
        "Additional Sanctions Information - Subject to Secondary Sanctions",
    ] {
        assert!(notes.contains(fact), "{fact} in {notes}");
    }

    // A vessel: its details as properties, the call sign also an identifier as sdn.csv's.
    let tug = entity(&prepared, "ofac-4238");
    assert_eq!(tug.schema, Schema::Vessel);
    assert_eq!(strs(tug.property(prop::CALL_SIGN)), ["CL2192"]);
    assert_eq!(strs(tug.property(prop::VESSEL_TYPE)), ["Tug"]);
    assert_eq!(strs(tug.property(prop::FLAG)), ["Cuba"]);
    assert_eq!(strs(tug.property(prop::GROSS_TONNAGE)), ["212"]);
    assert_eq!(tug.countries, ["Cuba"]);
    assert_eq!(tug.identifiers[0].scheme, "Call Sign");
    assert_eq!(
        tug.notes.as_deref(),
        Some("Vessel owner: Samir de Navegacion S.A.")
    );
    let ebano = entity(&prepared, "ofac-4243");
    assert_eq!(strs(ebano.property(prop::PREVIOUS_NAME)), ["ANA I", "SAND SWAN"]);
    assert_eq!(strs(ebano.property(prop::TONNAGE)), ["2595"]);
    assert_eq!(
        (
            ebano.identifiers[0].scheme.as_str(),
            ebano.identifiers[0].value.as_str()
        ),
        ("Vessel Registration Identification", "IMO 7406784")
    );

    // An aircraft.
    let plane = entity(&prepared, "ofac-15431");
    assert_eq!(plane.schema, Schema::Airplane);
    assert_eq!(strs(plane.property(prop::BUILD_DATE)), ["1992"]);
    assert_eq!(strs(plane.property(prop::MODEL)), ["IL76-TD"]);
    assert!(plane
        .notes
        .as_deref()
        .unwrap()
        .contains("Aircraft Operator YAS AIR"));
    assert_eq!(plane.identifiers.len(), 2);

    let pouya = entity(&prepared, "ofac-13109");
    assert_eq!(strs(pouya.property(prop::EMAIL)), ["info@pouyaair.com"]);
    assert_eq!(strs(pouya.property(prop::SECTOR)), ["Passenger air transport"]);

    // Links between entries of the file.
    let mut links: Vec<(&str, &str)> = prepared
        .batch
        .relations
        .iter()
        .map(|(_, r)| (r.source.as_str(), r.target.as_str()))
        .collect();
    links.sort();
    assert_eq!(
        links,
        [
            ("ofac-15431", "ofac-13109"),
            ("ofac-18782", "ofac-17260"),
            ("ofac-9647", "ofac-4695")
        ]
    );
    let resolution = prepared.links.as_ref().unwrap();
    assert_eq!((resolution.total, resolution.resolved), (4, 3));
    // Worded as the CSV reader words the same link.
    let evidence = |batch: &ownergraph::model::Batch| {
        batch
            .relations
            .iter()
            .find(|(_, r)| r.source == "ofac-9647")
            .and_then(|(_, r)| r.evidence.clone())
    };
    assert_eq!(
        evidence(&prepared.batch).as_deref(),
        Some("OFAC SDN entry 9647: Linked To: HAMAS")
    );
    assert_eq!(evidence(&prepared.batch), evidence(&csv.batch));
    assert_eq!(
        entity(&prepared, "ofac-9647").source,
        entity(&csv, "ofac-9647").source
    );
}

/// The input error reading `path` gives.
fn read_error(path: &Path) -> String {
    input_error(Format::OfacXml, path)
}

#[test]
fn damaged_copies_fail_naming_file_line_and_field() {
    let text = consolidated_text();
    let raw = raw_entries(text);
    let kunlun = raw.iter().find(|e| e.uid == "15268").unwrap();

    let sdn_type = text.replacen(
        "<sdnType>Entity</sdnType>\n    <remarks>United States",
        "<sdnType>Bank</sdnType>\n    <remarks>United States",
        1,
    );
    assert_ne!(sdn_type, text);
    let (first, second) = (&raw[0], &raw[1]);
    let listed = "<idNumber>03 Jun 2021</idNumber>";
    // (the damaged text, the line named, the field and its problem).
    let cases = [
        // An unknown sdnType, on the line of the element.
        (
            sdn_type,
            line_of(
                text,
                text.find(kunlun.xml).unwrap() + kunlun.xml.find("<sdnType>").unwrap(),
            ),
            "sdnType: unknown type \"Bank\"; expected Individual, Entity, Vessel or Aircraft".to_string(),
        ),
        // A uid used twice.
        (
            text.replacen(
                &format!("<uid>{}</uid>", second.uid),
                &format!("<uid>{}</uid>", first.uid),
                1,
            ),
            second.line,
            format!("uid: {} already used at line {}", first.uid, first.line),
        ),
        // An entry cut out: the file's Record_Count no longer holds.
        (
            text.replacen(kunlun.xml, "", 1),
            line_of(text, text.find("<Record_Count>").unwrap()),
            "Record_Count: the file says 443 entries but holds 442; is it cut short or edited?".to_string(),
        ),
        // A listing date that is no date.
        (
            text.replacen(listed, "<idNumber>03 Jun 20021</idNumber>", 1),
            line_of(text, text.find(listed).unwrap()),
            "Listing Date (CMIC): \"03 Jun 20021\" is not a date such as 03 Jun 2021".to_string(),
        ),
        // A Publish_Date in another layout.
        (
            text.replacen("03/28/2025", "2025-03-28", 1),
            4,
            "Publish_Date: \"2025-03-28\" is not a date of the form MM/DD/YYYY".to_string(),
        ),
    ];
    for (damaged, line, problem) in cases {
        let (_dir, path) = write_copy("consolidated.xml", &damaged);
        assert_eq!(read_error(&path), format!("{}:{line}: {problem}", path.display()));
    }

    // Broken XML: an element closed by the wrong tag.
    let at = text.find("<lastName>HANIYA</lastName>").unwrap();
    let damaged = text.replacen("<lastName>HANIYA</lastName>", "<lastName>HANIYA</lastNam>", 1);
    let (_dir, path) = write_copy("consolidated.xml", &damaged);
    let message = read_error(&path);
    assert!(
        message.starts_with(&format!(
            "{}:{}: xml: not well-formed XML",
            path.display(),
            line_of(text, at)
        )),
        "{message}"
    );
}

#[test]
fn files_of_other_formats_are_refused_naming_sdn_list() {
    let un = shared("un-sc-2025-04-19/consolidated.xml");
    assert_eq!(
        read_error(&un),
        format!(
            "{}:2: root: the root element is <CONSOLIDATED_LIST>; OFAC XML (SDN.XML, CONSOLIDATED.XML) has <sdnList>: is this a file of another format?",
            un.display()
        )
    );
    let csv = shared("ofac-sdn-2024-05-03/sdn.csv");
    assert_eq!(
        read_error(&csv),
        format!(
            "{}:1: root: the file does not start with an XML element; OFAC XML (SDN.XML, CONSOLIDATED.XML) has <sdnList>: is this a file of another format?",
            csv.display()
        )
    );
}

#[test]
fn unknown_fields_are_kept_in_notes_and_counted() {
    let text = consolidated_text();
    let damaged = text
        .replacen(
            "<sdnType>Individual</sdnType>",
            "<sdnType>Individual</sdnType>\n    <futureField>new fact</futureField>",
            1,
        )
        .replacen("<idType>Gender</idType>", "<idType>Favourite Colour</idType>", 1)
        .replacen(
            "<city>Hebron</city>",
            "<city>Hebron</city><district>H1</district>",
            1,
        );
    let (_dir, path) = write_copy("consolidated.xml", &damaged);
    let prepared = import::read(Format::OfacXml, &path, None).unwrap();
    let expected: BTreeMap<String, u64> = [
        ("<address/district>".to_string(), 1),
        ("<sdnEntry/futureField>".to_string(), 1),
        ("idType Favourite Colour".to_string(), 1),
    ]
    .into();
    assert_eq!(prepared.skipped, expected);
    let hebron = entity(&prepared, "ofac-cons-9642");
    assert!(
        hebron.notes.as_deref().unwrap().contains("district: H1"),
        "{:?}",
        hebron.notes
    );
    assert_eq!(hebron.addresses, ["Hebron, West Bank, Palestinian"]);
    let haniya = entity(&prepared, "ofac-cons-9639");
    assert!(
        haniya.notes.as_deref().unwrap().contains("futureField: new fact"),
        "{:?}",
        haniya.notes
    );
    let coloured = prepared
        .batch
        .entities
        .iter()
        .find(|(_, e)| {
            e.notes
                .as_deref()
                .is_some_and(|n| n.contains("Favourite Colour Male"))
        })
        .map(|(_, e)| e.id.clone());
    assert_eq!(coloured.as_deref(), Some("ofac-cons-9647"));
    assert_eq!(prepared.batch.entities.len(), 443);
}

#[test]
fn reapplying_the_same_file_changes_nothing() {
    let prepared = import::read(Format::OfacXml, &consolidated_path(), None).unwrap();
    let (_dir, engine, first) = lists::applied_to_empty(&prepared, prepared.published);
    assert_eq!(first.entities_added, 443);
    assert_eq!(first.listings_added as usize, prepared.batch.listings.len());
    assert_eq!(first.relations_added as usize, prepared.batch.relations.len());
    let again = import::read(Format::OfacXml, &consolidated_path(), None).unwrap();
    let second = lists::apply_release(&engine, &again, prepared.published);
    assert!(second.is_unchanged(), "{second:?}");
    let stored = engine.read(|s| s.listings_of("ofac-cons-17018")).unwrap();
    assert_eq!(stored.len(), 4);
}

#[test]
fn a_later_release_without_an_entry_ends_its_listings() {
    let text = consolidated_text();
    let gone = raw_entries(text)
        .into_iter()
        .find(|e| e.uid == "50476")
        .unwrap()
        .xml;
    let (_dir1, first) = write_copy("consolidated.xml", text);
    let later = text
        .replacen(gone, "", 1)
        .replacen(
            "<Record_Count>443</Record_Count>",
            "<Record_Count>442</Record_Count>",
            1,
        )
        .replacen("03/28/2025", "04/04/2025", 1);
    let (_dir2, second) = write_copy("consolidated.xml", &later);

    let (_db, engine) = common::empty_engine();
    for path in [&first, &second] {
        let prepared = import::read(Format::OfacXml, path, None).unwrap();
        lists::apply_release(&engine, &prepared, prepared.published);
    }
    assert_eq!(
        lists::ends(&engine, "ofac-cons-50476"),
        [Some("2025-04-04".to_string())]
    );
    assert_eq!(lists::ends(&engine, "ofac-cons-9647"), [None, None]);
}

/// One way of damaging the file.
#[derive(Debug, Clone)]
enum Damage {
    Truncate(usize),
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    let noise = proptest::collection::vec(
        prop_oneof![
            any::<u8>(),
            Just(b'<'),
            Just(b'>'),
            Just(b'/'),
            Just(b'&'),
            Just(b'\n')
        ],
        1..8,
    );
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Damage::Flip(at, b)),
        (any::<usize>(), 1usize..60).prop_map(|(at, n)| Damage::Delete(at, n)),
        (any::<usize>(), noise).prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
    ]
}

/// The file's header and a window of 12 real entries, with a Record_Count to match.
fn window(start: usize) -> Vec<u8> {
    let text = consolidated_text();
    let raw = raw_entries(text);
    let start = start % (raw.len() - 12);
    let body: String = raw[start..start + 12]
        .iter()
        .map(|e| format!("  {}\n", e.xml))
        .collect();
    let head_end = text.find("  <sdnEntry>").unwrap();
    let head = text[..head_end].replacen(
        "<Record_Count>443</Record_Count>",
        "<Record_Count>12</Record_Count>",
        1,
    );
    format!("{head}{body}</sdnList>\n").into_bytes()
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

proptest! {
    // 64 cases in CI; PROPTEST_CASES=5000 for a longer hunt.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases()) })]

    #[test]
    fn damage_never_panics_and_always_names_a_line(
        start in 0usize..1000,
        damages in proptest::collection::vec(damage(), 1..4),
    ) {
        let mut bytes = window(start);
        for d in &damages {
            let len = bytes.len().max(1);
            match d {
                Damage::Truncate(at) => bytes.truncate(at % len),
                Damage::Flip(at, b) => {
                    if let Some(slot) = bytes.get_mut(at % len) {
                        *slot ^= b | 1;
                    }
                }
                Damage::Delete(at, n) => {
                    let at = (at % len).min(bytes.len());
                    let end = (at + n).min(bytes.len());
                    bytes.drain(at..end);
                }
                Damage::Insert(at, noise) => {
                    let at = (at % len).min(bytes.len());
                    bytes.splice(at..at, noise.iter().copied());
                }
            }
        }
        let (_dir, path) = write_copy("consolidated.xml", &bytes);
        match import::read(Format::OfacXml, &path, None) {
            Ok(prepared) => {
                let (_db, engine) = common::empty_engine();
                let report = engine.apply(&prepared.batch, &prepared.record);
                prop_assert!(report.is_ok(), "a batch that reads applies: {:?}", report.err());
            }
            Err(ImportError::Input(error)) => {
                let message = error.to_string();
                prop_assert!(message.starts_with(&format!("{}:", path.display())), "{}", message);
                prop_assert!(error.origin.line >= 1);
                prop_assert!(!error.field.is_empty());
            }
            Err(other) => prop_assert!(false, "unexpected error kind: {}", other),
        }
    }
}

/// The consolidated file beside the bundled data: its records stay apart from the SDN list's
/// (own ids, the uid kept as an identifier), its lists appear with its release date, and the
/// few SDN listings it names do not re-date the SDN List (dated by the dataset holding most
/// of it).
#[test]
fn the_consolidated_list_beside_the_bundled_sdn_list() {
    let (_dir, engine) = common::bundled_copy();
    let prepared = import::read(Format::OfacXml, &consolidated_path(), None).unwrap();
    let release = prepared.published;
    assert_eq!(release, Some("2025-03-28".parse().unwrap()));
    engine
        .apply_with(
            &prepared.batch,
            &prepared.record,
            ownergraph::store::ApplyMode {
                release,
                dry_run: false,
            },
        )
        .unwrap();
    let lists = engine.read(|s| s.lists()).unwrap();
    let release_of = |name: &str| lists.iter().find(|l| l.list == name).unwrap().release.clone();
    assert_eq!(release_of("SDN List").as_deref(), Some("2024-05-03"));
    assert_eq!(release_of("SSI List").as_deref(), Some("2025-03-28"));
    // Sberbank: the SDN list's record untouched, the consolidated record its own.
    let sdn = engine.read(|s| s.entity_detail("ofac-17018")).unwrap().unwrap();
    assert_eq!(sdn.entity.dataset, "ofac-sdn");
    let cons = engine
        .read(|s| s.entity_detail("ofac-cons-17018"))
        .unwrap()
        .unwrap();
    assert_eq!(cons.entity.dataset, "ofac-consolidated");
    assert!(cons
        .entity
        .identifiers
        .iter()
        .any(|i| i.scheme == "OFAC UID" && i.value == "17018"));
}
