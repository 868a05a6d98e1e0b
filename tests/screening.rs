//! Screening on the bundled real data: matching quality on a fixed sample of the SDN list's
//! own aliases and variants, and real names that are not listed.

mod common;

use ownergraph::screen::evaluation::{evaluate, negative_cases, sdn_cases};
use ownergraph::screen::{match_subject, Subject, DEFAULT_THRESHOLD};

const NOT_LISTED: &str = include_str!("fixtures/not_listed.txt");

#[test]
fn quality_on_a_fixed_sample_of_sdn_aliases() {
    let engine = common::bundled();
    let mut cases = sdn_cases(&engine, Some(150), 2024).unwrap();
    assert!(
        cases.len() > 600,
        "the sample has aliases and their variants: {}",
        cases.len()
    );
    cases.extend(negative_cases(NOT_LISTED));
    let report = evaluate(&engine, &cases, DEFAULT_THRESHOLD).unwrap();
    eprintln!("{}", serde_json::to_string_pretty(&report).unwrap());
    assert!(report.recall_at_1 >= 0.95, "recall@1 {:.3}", report.recall_at_1);
    assert!(
        report.recall_at_1_above_threshold >= 0.90,
        "recall@1 above threshold {:.3}",
        report.recall_at_1_above_threshold
    );
    assert!(
        report.false_match_rate <= 0.02,
        "false matches {:.3}",
        report.false_match_rate
    );
    assert!(report.negatives > 150);
}

#[test]
fn a_match_explains_its_score_and_features_move_it() {
    let engine = common::bundled();
    let subject = |country: Option<&str>, schema: Option<ownergraph::model::Schema>| Subject {
        name: "banco nacional de cuba".into(),
        country: country.map(str::to_string),
        schema,
        ..Subject::default()
    };
    let plain = match_subject(&engine, &subject(None, None), 5).unwrap();
    assert_eq!(plain[0].id, "ofac-306");
    assert_eq!(plain[0].score, 1.0);
    assert!(plain[0].lists.contains(&"SDN List".to_string()));
    assert!(
        plain[0]
            .explanation
            .starts_with("name \"BANCO NACIONAL DE CUBA\" 1.00"),
        "{}",
        plain[0].explanation
    );

    // Country and schema: the Entity List holds ISO codes, a counterparty file may hold names.
    let hikvision = |country: &str, schema| Subject {
        name: "Hangzhou Hikvision Digital Technology Company Limited".into(),
        country: Some(country.to_string()),
        schema,
        ..Subject::default()
    };
    // The whole 2026 Entity List gives this legal name as the entry's own name.
    let china = match_subject(&engine, &hikvision("China", None), 1).unwrap();
    assert_eq!(china[0].id, common::HIKVISION_2026);
    assert_eq!(china[0].score, 1.0);
    assert!(
        china[0].explanation.contains(
            "name \"Hangzhou Hikvision Digital Technology Co., Ltd.\" 1.00; country agrees (CN vs CN) +0.05"
        ),
        "{}",
        china[0].explanation
    );
    let france = match_subject(&engine, &hikvision("France", None), 1).unwrap();
    assert!((france[0].score - 0.9).abs() < 1e-9, "{}", france[0].explanation);
    assert!(
        france[0].explanation.contains("country differs (FR vs CN) -0.10"),
        "{}",
        france[0].explanation
    );
    let person = match_subject(
        &engine,
        &hikvision("CN", Some(ownergraph::model::Schema::Person)),
        1,
    )
    .unwrap();
    assert!(
        person[0]
            .explanation
            .contains("schema differs (Person vs LegalEntity) -0.20"),
        "{}",
        person[0].explanation
    );
    assert!(
        person[0].score < DEFAULT_THRESHOLD,
        "a person is not a company: {}",
        person[0].score
    );

    // Chinese name, OFAC "LAST, First" order and nothing at all.
    assert_eq!(
        match_subject(
            &engine,
            &Subject {
                name: "海康威视".into(),
                ..Subject::default()
            },
            1
        )
        .unwrap()[0]
            .id,
        "hikvision"
    );
    assert!(match_subject(
        &engine,
        &Subject {
            name: " ,. ".into(),
            ..Subject::default()
        },
        5
    )
    .unwrap()
    .is_empty());
}

/// 200 entries drawn from the whole 2026 Entity List (every 17th row), screened under BIS
/// against the bundled data: each is found, listed; and an SDN of a 15 CFR 744.8(a)(1)
/// programme (Bank Markazi: SDGT) is listed under BIS, where an SDN of another programme
/// (Banco Nacional de Cuba: CUBA) is not.
#[test]
fn entity_list_entries_and_744_8_sdns_are_listed_under_bis() {
    use ownergraph::exposure::{RegimeId, Status};
    use ownergraph::screen::batch::{read_csv, screen, Options};
    let engine = common::bundled();
    let mut reader =
        csv::Reader::from_path(common::data_dir().join("entity-list-2026-07-09/entities.csv")).unwrap();
    let mut file = csv::Writer::from_writer(Vec::new());
    file.write_record(["name", "country", "ref"]).unwrap();
    let mut wanted = Vec::new();
    for row in reader.records().step_by(17).take(200) {
        let row = row.unwrap();
        file.write_record([&row[1], &row[3], &row[0]]).unwrap();
        wanted.push(row[0].to_string());
    }
    file.write_record(["BANK MARKAZI JOMHOURI ISLAMI IRAN", "", "ofac-4632"])
        .unwrap();
    file.write_record(["BANCO NACIONAL DE CUBA", "", "ofac-306"])
        .unwrap();
    let bytes = file.into_inner().unwrap();
    assert_eq!(wanted.len(), 200);

    let input = read_csv("sample.csv", bytes.as_slice(), None).unwrap();
    let options = Options {
        regime: RegimeId::Bis,
        as_of: "2025-10-15".parse().unwrap(),
        threshold: ownergraph::screen::DEFAULT_THRESHOLD,
        all_matches: false,
    };
    let screened = screen(&engine, &input, &options).unwrap();
    let mut missed = Vec::new();
    for (i, id) in wanted.iter().enumerate() {
        let found = screened
            .rows
            .iter()
            .find(|r| r.row == i)
            .and_then(|r| r.found.as_ref());
        match found {
            Some(m) if m.status == Status::Listed => {}
            other => missed.push((id.clone(), other.map(|m| (m.id.clone(), m.status)))),
        }
    }
    assert!(
        missed.is_empty(),
        "{} of 200 not found listed: {missed:?}",
        missed.len()
    );
    let status_of = |i: usize| {
        let m = screened
            .rows
            .iter()
            .find(|r| r.row == i)
            .unwrap()
            .found
            .as_ref()
            .unwrap();
        (m.id.clone(), m.status)
    };
    assert_eq!(
        status_of(200),
        ("ofac-4632".to_string(), Status::Listed),
        "SDGT seeds BIS"
    );
    assert_eq!(
        status_of(201),
        ("ofac-306".to_string(), Status::NotBlocked),
        "CUBA does not"
    );
}

/// The matcher's Jaro–Winkler and edit distance (rapidfuzz's bit-parallel ones) give exactly
/// the numbers of the textbook algorithm (strsim's, which the matcher used before) on real
/// names: every word of the SDN list's names against its neighbours in sorted order (the
/// pairs that share a prefix, where the two could part), and whole names, short and over 64
/// characters (rapidfuzz's multi-word path).
#[test]
fn string_similarity_is_the_textbook_one_on_real_names() {
    let sdn = std::fs::read_to_string(common::data_dir().join("ofac-sdn-2024-05-03/sdn.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(sdn.as_bytes());
    let names: Vec<String> = reader
        .records()
        .filter_map(|r| r.ok()?.get(1).map(ownergraph::search::normalise))
        .filter(|n| !n.is_empty())
        .collect();
    let mut words: Vec<&str> = names.iter().flat_map(|n| n.split(' ')).collect();
    words.sort_unstable();
    words.dedup();
    let mut pairs = 0;
    for (i, a) in words.iter().enumerate() {
        for b in words.iter().skip(i + 1).take(8) {
            assert_eq!(
                ownergraph::screen::jaro_winkler(a, b).to_bits(),
                strsim::jaro_winkler(a, b).to_bits(),
                "{a:?} {b:?}"
            );
            assert_eq!(
                ownergraph::screen::edit_similarity(a, b).to_bits(),
                (1.0 - strsim::osa_distance(a, b) as f64 / a.chars().count().max(b.chars().count()) as f64)
                    .to_bits(),
                "{a:?} {b:?}"
            );
            pairs += 1;
        }
    }
    let long = names.iter().filter(|n| n.chars().count() > 64).count();
    for pair in names.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        assert_eq!(
            ownergraph::screen::jaro_winkler(a, b).to_bits(),
            strsim::jaro_winkler(a, b).to_bits(),
            "{a:?} {b:?}"
        );
    }
    assert!(
        words.len() > 10_000 && pairs > 80_000,
        "{} words, {pairs} pairs",
        words.len()
    );
    assert!(long > 100, "{long} names over 64 characters");
}
