//! Property tests that drive each importer with damaged real files: whatever the damage, an
//! import either reads and applies whole, or fails with `file:line: field: problem` and leaves
//! the database as it was. Never a panic.

mod common;

use ownergraph::import::{self, Format, ImportError};
use proptest::prelude::*;
use std::path::Path;

/// One way of damaging a file's bytes.
#[derive(Debug, Clone)]
enum Damage {
    Truncate(usize),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Overwrite(usize, Vec<u8>),
    DuplicateLine(usize),
    SwapLines(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    let noise = prop::collection::vec(
        prop_oneof![
            any::<u8>(),
            Just(b','),
            Just(b'"'),
            Just(b'\n'),
            Just(b'\r'),
            Just(b'|'),
            Just(b'%'),
            Just(0x1A)
        ],
        1..12,
    );
    prop_oneof![
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Damage::Delete(at, len)),
        (any::<usize>(), noise.clone()).prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
        (any::<usize>(), noise).prop_map(|(at, bytes)| Damage::Overwrite(at, bytes)),
        any::<usize>().prop_map(Damage::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Damage::SwapLines(a, b)),
    ]
}

fn apply_damage(bytes: &mut Vec<u8>, damage: &Damage) {
    let len = bytes.len().max(1);
    match damage {
        Damage::Truncate(at) => bytes.truncate(at % len),
        Damage::Delete(at, n) => {
            let at = at % len;
            let end = (at + n).min(bytes.len());
            bytes.drain(at.min(end)..end);
        }
        Damage::Insert(at, noise) => {
            let at = at % len;
            bytes.splice(at..at, noise.iter().copied());
        }
        Damage::Overwrite(at, noise) => {
            for (i, b) in noise.iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at % len + i) {
                    *slot = *b;
                }
            }
        }
        Damage::DuplicateLine(n) | Damage::SwapLines(n, _) => {
            let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
            let count = lines.len();
            match damage {
                Damage::DuplicateLine(_) => {
                    let line = lines[n % count].clone();
                    lines.insert(n % count, line);
                }
                Damage::SwapLines(a, b) => lines.swap(a % count, b % count),
                _ => unreachable!(),
            }
            *bytes = lines.join(&b'\n');
        }
    }
}

/// Reads and applies `path`; checks the outcome is whole or a located error with no change.
fn import_is_whole_or_clean(format: Format, path: &Path) -> Result<(), TestCaseError> {
    // Errors name the file they are in: `sdn.csv:12: …`, `relations.csv:3: …`, `x.ftm.json:7: …`.
    let located = match format {
        Format::Csv => ".csv:".to_string(),
        _ => format!("{}:", path.file_name().unwrap().to_string_lossy()),
    };
    let (_dir, engine) = common::empty_engine();
    let before = engine.read(|s| s.stats()).unwrap();
    match import::read(format, path, None) {
        Ok(prepared) => match engine.apply(&prepared.batch, &prepared.record) {
            Ok(_) => {
                let after = engine.read(|s| s.stats()).unwrap();
                prop_assert_eq!(after.entities as usize, engine.snapshot().node_count());
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(
                    message.contains(&located),
                    "apply error without a location: {}",
                    message
                );
                prop_assert_eq!(engine.read(|s| s.stats()).unwrap(), before);
            }
        },
        Err(ImportError::Input(error)) => {
            let message = error.to_string();
            prop_assert!(
                message.contains(&located),
                "error without a file and line: {}",
                message
            );
            prop_assert!(error.origin.line >= 1);
            prop_assert_eq!(engine.read(|s| s.stats()).unwrap(), before);
        }
        Err(other) => prop_assert!(false, "unexpected error kind: {}", other),
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

proptest! {
    // 48 cases each in CI; PROPTEST_CASES=5000 for a longer hunt.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases()) })]

    #[test]
    fn csv_importer_survives_damage(
        file in prop_oneof![Just("entities.csv"), Just("relations.csv"), Just("listings.csv")],
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let dir = common::entity_list_copy();
        let path = dir.path().join(file);
        let mut bytes = std::fs::read(&path).unwrap();
        for d in &damages {
            apply_damage(&mut bytes, d);
        }
        std::fs::write(&path, &bytes).unwrap();
        import_is_whole_or_clean(Format::Csv, dir.path())?;
    }

    #[test]
    fn ofac_importer_survives_damage(
        start in 0usize..17_000,
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        // A window of 150 real records, so each case stays quick.
        let text = std::fs::read(common::sdn_csv()).unwrap();
        let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
        let start = start % lines.len();
        let mut bytes = lines[start..(start + 150).min(lines.len())].join(&b'\n');
        for d in &damages {
            apply_damage(&mut bytes, d);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sdn.csv");
        std::fs::write(&path, &bytes).unwrap();
        import_is_whole_or_clean(Format::OfacSdn, &path)?;
    }

    #[test]
    fn ftm_and_bods_importers_survive_damage(
        which in 0usize..3,
        damages in prop::collection::vec(damage(), 1..4),
    ) {
        let (format, name) = [
            (Format::Ftm, "ftm/hikvision.ftm.json"),
            (Format::Bods, "bods/01-direct-ownership.json"),
            (Format::Bods, "bods/11-anonymous-person.json"),
        ][which];
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
        let mut bytes = std::fs::read(&source).unwrap();
        for d in &damages {
            apply_damage(&mut bytes, d);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(source.file_name().unwrap());
        std::fs::write(&path, &bytes).unwrap();
        import_is_whole_or_clean(format, &path)?;
    }

    #[test]
    fn importers_survive_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sdn.csv");
        std::fs::write(&path, &bytes).unwrap();
        import_is_whole_or_clean(Format::OfacSdn, &path)?;
        for name in ["entities.csv", "relations.csv", "listings.csv"] {
            std::fs::write(dir.path().join(name), &bytes).unwrap();
        }
        import_is_whole_or_clean(Format::Csv, dir.path())?;
        for (format, name) in [(Format::Ftm, "x.ftm.json"), (Format::Bods, "x.bods.json")] {
            std::fs::write(dir.path().join(name), &bytes).unwrap();
            import_is_whole_or_clean(format, &dir.path().join(name))?;
        }
    }
}

/// Found by `ftm_and_bods_importers_survive_damage`: a byte that is not UTF-8 was reported as
/// an IO error naming neither line nor field.
#[test]
fn ftm_and_bods_files_that_are_not_utf8_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (format, name) in [
        (Format::Ftm, "ftm/hikvision.ftm.json"),
        (Format::Bods, "bods/01-direct-ownership.json"),
    ] {
        let mut bytes = std::fs::read(fixtures.join(name)).unwrap();
        // A Latin-1 "é" in the middle of the third line.
        let third = bytes
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(1)
            .unwrap()
            .0
            + 1;
        bytes.insert(third + 5, 0xE9);
        let path = dir.path().join(Path::new(name).file_name().unwrap());
        std::fs::write(&path, &bytes).unwrap();
        match import::read(format, &path, None) {
            Err(ImportError::Input(error)) => {
                assert_eq!(error.origin.line, 3, "{error}");
                assert_eq!(error.field, "line");
                assert!(
                    error.to_string().contains("not UTF-8 text (byte 6 of the line)"),
                    "{error}"
                );
            }
            other => panic!("{name}: expected an input error, got {other:?}"),
        }
    }
}
