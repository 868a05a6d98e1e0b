//! Helpers for the tests of the official lists' importers (`tests/import_*.rs`): the lists
//! mirrored in `../shared/data`, damaged copies in temporary directories and the errors reading
//! them gives, an entity and its listings in a prepared batch, and releases applied to a database.

use ownergraph::engine::Engine;
use ownergraph::import::{self, Format, ImportError, Prepared};
use ownergraph::model::{Date, Entity, Listing, Schema};
use ownergraph::store::{ApplyMode, ApplyReport, EntityDetail};
use proptest::prelude::{any, prop_assert, prop_oneof, Just, Strategy, TestCaseError};
use std::path::{Path, PathBuf};

/// The folder beside the project where the official lists are mirrored.
pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

/// `path` in [`shared_data`].
pub fn shared(path: &str) -> PathBuf {
    shared_data().join(path)
}

/// A day written `YYYY-MM-DD`.
pub fn day(text: &str) -> Date {
    text.parse().unwrap()
}

/// The 1-based line of the first occurrence of `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> u64 {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} is in the file"));
    text[..at].matches('\n').count() as u64 + 1
}

/// Writes `bytes` as `name` in a fresh temporary directory (kept alive by the returned guard).
pub fn write_copy(name: &str, bytes: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// Copies the files `names` of the directory `from` into the directory `to`.
pub fn copy_files(from: &Path, to: &Path, names: &[&str]) {
    for name in names {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
}

/// Reads `text`, written as `name` in a temporary directory, as `format`, which must refuse it:
/// the error less the `path:` of the copy, which it must start with.
pub fn refusal(format: Format, name: &str, text: &str) -> String {
    let (_dir, path) = write_copy(name, text);
    let err = import::read(format, &path, None)
        .expect_err("damaged input is refused")
        .to_string();
    let prefix = format!("{}:", path.display());
    assert!(err.starts_with(&prefix), "{err}");
    err[prefix.len()..].to_string()
}

/// The text of the input error `format` refuses `path` with; panics when `path` reads or fails
/// otherwise.
pub fn input_error(format: Format, path: &Path) -> String {
    match import::read(format, path, None) {
        Err(ImportError::Input(e)) => e.to_string(),
        Err(other) => panic!("an input error, not {other}"),
        Ok(_) => panic!("{} should be refused", path.display()),
    }
}

/// Asserts that `format` refuses each `(file in ../shared/data, its root element, that
/// element's line)` by its root, as a file of another format; `expected` names the format and
/// the root it has instead.
pub fn assert_refused_by_root(format: Format, expected: &str, files: &[(&str, &str, u32)]) {
    for (file, root, line) in files {
        let path = shared(file);
        let err = import::read(format, &path, None)
            .expect_err("another format is refused")
            .to_string();
        assert_eq!(
            err,
            format!(
                "{}:{line}: root: the root element is <{root}>; {expected}: is this a file of another format?",
                path.display()
            )
        );
    }
}

/// The entity `id` of `prepared`.
pub fn entity<'a>(prepared: &'a Prepared, id: &str) -> &'a Entity {
    &prepared
        .batch
        .entities
        .iter()
        .find(|(_, e)| e.id == id)
        .unwrap_or_else(|| panic!("{id} is read"))
        .1
}

/// The listings of the entity `id` in `prepared`, in the batch's order.
pub fn listings_of<'a>(prepared: &'a Prepared, id: &str) -> Vec<&'a Listing> {
    prepared
        .batch
        .listings
        .iter()
        .map(|(_, l)| l)
        .filter(|l| l.entity == id)
        .collect()
}

/// The entity `id` of `prepared` with the line its record starts on, and its one listing.
pub fn entry<'a>(prepared: &'a Prepared, id: &str) -> (u64, &'a Entity, &'a Listing) {
    let (origin, entity) = prepared
        .batch
        .entities
        .iter()
        .find(|(_, e)| e.id == id)
        .unwrap_or_else(|| panic!("{id} is read"));
    let listings = listings_of(prepared, id);
    assert_eq!(listings.len(), 1, "{id}: one listing");
    (origin.line, entity, listings[0])
}

/// How many listings of `prepared` are under the programme `program`.
pub fn listed_under(prepared: &Prepared, program: &str) -> usize {
    prepared
        .batch
        .listings
        .iter()
        .filter(|(_, l)| l.program.as_deref() == Some(program))
        .count()
}

/// Asserts an entity's schema, name and aliases (in order).
#[track_caller]
pub fn assert_named(entity: &Entity, schema: Schema, name: &str, aliases: &[&str]) {
    assert_eq!(entity.schema, schema, "{}", entity.id);
    assert_eq!(entity.name, name, "{}", entity.id);
    assert_eq!(entity.aliases, aliases, "{}", entity.id);
}

/// Applies `prepared` to `engine`, as the whole release of that day when `release` is `Some`.
pub fn apply_release(engine: &Engine, prepared: &Prepared, release: Option<Date>) -> ApplyReport {
    let mode = ApplyMode {
        release,
        dry_run: false,
    };
    engine
        .apply_with(&prepared.batch, &prepared.record, mode)
        .unwrap()
}

/// A fresh database with `prepared` applied to it as by [`apply_release`], and the report.
pub fn applied_to_empty(
    prepared: &Prepared,
    release: Option<Date>,
) -> (tempfile::TempDir, Engine, ApplyReport) {
    let (dir, engine) = super::empty_engine();
    let report = apply_release(&engine, prepared, release);
    (dir, engine, report)
}

/// A fresh database with `prepared` applied as by [`apply_release`] and then applied again,
/// which must change nothing; the first application's report.
pub fn applied_twice(prepared: &Prepared, release: Option<Date>) -> (tempfile::TempDir, Engine, ApplyReport) {
    let (dir, engine, first) = applied_to_empty(prepared, release);
    let again = apply_release(&engine, prepared, release);
    assert!(
        again.is_unchanged(),
        "the same release again changes nothing: {again:?}"
    );
    (dir, engine, first)
}

/// What the database stores of the entity `id`, which it must hold.
pub fn detail(engine: &Engine, id: &str) -> EntityDetail {
    engine.read(|s| s.entity_detail(id)).unwrap().unwrap()
}

/// The end dates (`YYYY-MM-DD`) of the stored listings of `id`, in the store's order.
pub fn ends(engine: &Engine, id: &str) -> Vec<Option<String>> {
    engine
        .read(|s| s.listings_of(id))
        .unwrap()
        .iter()
        .map(|l: &Listing| l.end_date.map(|d| d.to_string()))
        .collect()
}

/// Damages `bytes` by `kind` (taken modulo 3) at `at` (modulo the length): truncated there, a
/// run overwritten with `noise`, or a run of seven bytes per byte of `noise` deleted.
pub fn damage(bytes: &mut Vec<u8>, kind: u8, at: usize, noise: &[u8]) {
    let len = bytes.len();
    let at = at % len;
    match kind % 3 {
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
}

/// The `(kind, at, noise)` of a [`damage`]: noise of one to seven bytes, with markup's
/// `<`, `>`, `&` and the format's own `separator` among them more often than by chance.
pub fn damage_cases(separator: u8) -> impl Strategy<Value = (u8, usize, Vec<u8>)> {
    let byte = prop_oneof![any::<u8>(), Just(b'<'), Just(b'>'), Just(b'&'), Just(separator)];
    (0u8..3, any::<usize>(), proptest::collection::vec(byte, 1..8))
}

/// A copy of `file`, named `name` and damaged as by [`damage`] with `case`, read as `format`:
/// it reads, or is refused naming the copy, a line of the file and then a field with its problem.
pub fn damaged_copy_reads_or_names_a_line(
    format: Format,
    file: &Path,
    name: &str,
    (kind, at, noise): &(u8, usize, Vec<u8>),
) -> Result<(), TestCaseError> {
    let mut bytes = std::fs::read(file).unwrap();
    let lines = bytes.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    damage(&mut bytes, *kind, *at, noise);
    let (_dir, path) = write_copy(name, &bytes);
    if let Err(err) = import::read(format, &path, None) {
        let err = err.to_string();
        let rest = err
            .strip_prefix(&format!("{}:", path.display()))
            .unwrap_or_else(|| panic!("{err}"));
        let (line, message) = rest.split_once(": ").unwrap_or_else(|| panic!("{err}"));
        let line: u64 = line.parse().unwrap_or_else(|_| panic!("{err}"));
        prop_assert!((1..=lines).contains(&line), "{}", err);
        prop_assert!(message.contains(": "), "a field and a problem: {}", err);
    }
    Ok(())
}
