//! `ownergraph screen`, run as a binary on the bundled data: a small counterparty file with real
//! names (an Entity List party, an SDN entry, a party on neither) and unreadable rows.

mod common;

use std::process::{Command, Output};

fn ownergraph(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ownergraph"))
        .args(args)
        .output()
        .expect("the binary runs")
}

const COUNTERPARTIES: &str = "\
name,country,schema,birth_date,ref
\"Hangzhou Hikvision Digital Technology Co., Ltd.\",CN,,,r1
BANCO NACIONAL DE CUBA,Cuba,Company,,r2
Blue Meadow Bakery Ltd,GB,,,r3
,,,,r4
\"KIM, Jong Un\",KP,Human,,r5
Someone,,Person,1961-02-30,r6
a ragged,row
";

/// Parses CSV text into its header and rows.
fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn screens_a_file_reports_bad_rows_and_keeps_going() {
    let engine = common::bundled();
    let db = engine.path().to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("counterparties.csv");
    std::fs::write(&input, COUNTERPARTIES).unwrap();
    let input = input.to_str().unwrap();
    let out = ownergraph(&[
        "screen",
        "--db",
        db,
        input,
        "--regime",
        "bis",
        "--as-of",
        "2025-10-15",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "unreadable rows make the exit status 1: {stderr}"
    );

    let (header, rows) = parse(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(
        header,
        [
            "name",
            "country",
            "schema",
            "birth_date",
            "ref",
            "match_id",
            "match_name",
            "score",
            "status",
            "lists",
            "explanation"
        ]
    );
    assert_eq!(rows.len(), 3, "one row per readable input row: {rows:?}");
    let col = |row: &[String], name: &str| row[header.iter().position(|h| h == name).unwrap()].clone();

    // The Entity List party, by its full legal name and country: listed under BIS. The whole
    // 2026 Entity List gives that name as the entry's own (the 2019 case has it as an alias).
    assert_eq!(col(&rows[0], "ref"), "r1");
    assert_eq!(col(&rows[0], "match_id"), common::HIKVISION_2026);
    assert_eq!(
        col(&rows[0], "match_name"),
        "Hangzhou Hikvision Digital Technology Co., Ltd."
    );
    assert_eq!(col(&rows[0], "score"), "1.000");
    assert_eq!(col(&rows[0], "status"), "listed");
    assert_eq!(col(&rows[0], "lists"), "Entity List");
    assert!(
        col(&rows[0], "explanation").contains("country agrees (CN vs CN) +0.05"),
        "{rows:?}"
    );
    // An SDN entry: matched, but its programme (CUBA) is not one of 15 CFR 744.8(a)(1)'s, so
    // it does not seed the BIS rule.
    assert_eq!(col(&rows[1], "match_id"), "ofac-306");
    assert_eq!(col(&rows[1], "status"), "not_blocked");
    assert!(col(&rows[1], "lists").contains("SDN List"));
    // Not listed anywhere: the input row with empty match columns.
    assert_eq!(col(&rows[2], "name"), "Blue Meadow Bakery Ltd");
    assert_eq!(col(&rows[2], "match_id"), "");
    assert_eq!(col(&rows[2], "status"), "");

    for line in [
        "counterparties.csv:5: name: is empty",
        "counterparties.csv:6: schema: unknown schema \"Human\"",
        "counterparties.csv:7: birth_date: \"1961-02-30\" is not a date",
        "counterparties.csv:8: row: 2 fields where the header has 5",
    ] {
        assert!(stderr.contains(line), "stderr lacks {line:?}: {stderr}");
    }
    assert!(
        stderr.contains("7 rows: 3 screened, 4 not readable; 2 matched at 0.88 under bis on 2025-10-15"),
        "{stderr}"
    );
    assert!(stderr.contains("listed 1, none 1, not_blocked 1"), "{stderr}");
}

#[test]
fn under_ofac_the_sdn_entry_is_listed_and_all_matches_gives_one_row_each() {
    let engine = common::bundled();
    let db = engine.path().to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(
        &input,
        "name,id\nBANCO NACIONAL DE CUBA,\nBlue Meadow Bakery Ltd,\nPetropars,\n",
    )
    .unwrap();
    let out_csv = dir.path().join("out.csv");
    let out = ownergraph(&[
        "screen",
        "--db",
        db,
        input.to_str().unwrap(),
        "--as-of",
        "2024-06-01",
        "--all-matches",
        "--threshold",
        "0.9",
        "--out",
        out_csv.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(out.stdout.is_empty(), "--out takes the CSV");
    let (header, rows) = parse(&std::fs::read_to_string(&out_csv).unwrap());
    let status = header.iter().position(|h| h == "status").unwrap();
    let score = header.iter().position(|h| h == "score").unwrap();
    let cuba: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "BANCO NACIONAL DE CUBA").collect();
    assert_eq!(cuba[0][2], "ofac-306");
    assert_eq!(cuba[0][status], "listed");
    assert_eq!(
        rows.iter().filter(|r| r[0] == "Blue Meadow Bakery Ltd").count(),
        1,
        "one empty row when nothing matches"
    );
    let petropars: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "Petropars").collect();
    assert!(
        petropars.len() > 1,
        "Petropars has two entries above 0.9: {petropars:?}"
    );
    assert!(petropars
        .iter()
        .all(|r| r[score].parse::<f64>().unwrap() >= 0.9 && r[status] == "listed"));
    assert!(stderr.contains("3 rows: 3 screened, 0 not readable"), "{stderr}");
}

#[test]
fn a_file_without_a_name_column_is_refused_naming_the_file() {
    let engine = common::bundled();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("people.csv");
    std::fs::write(&input, "who,country\nx,y\n").unwrap();
    let out = ownergraph(&[
        "screen",
        "--db",
        engine.path().to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("people.csv: no `name` column; the header has: who, country"),
        "{stderr}"
    );
    let out = ownergraph(&[
        "screen",
        "--db",
        engine.path().to_str().unwrap(),
        input.to_str().unwrap(),
        "--threshold",
        "2",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a number from 0 to 1"));
}

#[test]
fn batch_statuses_agree_with_the_exposure_page() {
    use ownergraph::exposure::{explain, RegimeId, Regimes, Verdicts};
    let engine = common::bundled();
    let snapshot = engine.snapshot();
    for (regime, day) in [(RegimeId::Bis, "2025-10-15"), (RegimeId::Ofac, "2024-06-01")] {
        let day = day.parse().unwrap();
        let verdicts = Verdicts::new(&snapshot, Regimes::bundled().get(regime), day);
        // Every entity of the Entity List case and a stride of the SDN list.
        for node in (0..snapshot.node_count() as u32)
            .filter(|n| n % 97 == 0 || !snapshot.node(*n).id.starts_with("ofac-"))
        {
            let id = &snapshot.node(node).id;
            let report = explain(&engine, id, regime, day).unwrap().unwrap();
            assert_eq!(
                verdicts.status(&snapshot, node),
                report.status,
                "{id} under {regime} on {day}"
            );
        }
    }
}
