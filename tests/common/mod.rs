//! Shared set-up for integration tests: databases built from the bundled real data.
#![allow(dead_code)]

pub mod lists;
pub mod releases;
pub mod session;

use ownergraph::engine::Engine;
use ownergraph::import::{self, Format};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Hikvision's id in the whole 2026 Entity List (bundled beside the 2019 case, where it is
/// `hikvision`): the same party under two sources' ids, kept apart until entity resolution.
pub const HIKVISION_2026: &str = "bis-el-china-hangzhou-hikvision-digital-technology-co-ltd";

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

pub fn entity_list_dir() -> PathBuf {
    data_dir().join("entity-list-2019")
}

pub fn sdn_csv() -> PathBuf {
    data_dir().join("ofac-sdn-2024-05-03").join("sdn.csv")
}

/// How many entities the bundled data holds, counted from the files themselves (not by the
/// importers): rows of each `entities.csv`, rows of `sdn.csv`, `<INDIVIDUAL>` and `<ENTITY>`
/// records of a UN list. Each source record is one entity: nothing is merged across sources.
pub fn bundled_source_records() -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(data_dir()).expect("data directory") {
        let dir = entry.expect("data entry").path();
        // Rows with a first field (OFAC's sdn.csv ends with a lone end-of-file byte, 0x1A).
        let csv_rows = |path: &Path, headers: bool| {
            csv::ReaderBuilder::new()
                .has_headers(headers)
                .flexible(true)
                .from_path(path)
                .expect("bundled csv")
                .records()
                .filter(|r| {
                    r.as_ref()
                        .expect("bundled csv row")
                        .get(0)
                        .is_some_and(|f| f.trim_matches('\u{1a}').trim() != "")
                })
                .count() as u64
        };
        if dir.join("entities.csv").is_file() {
            total += csv_rows(&dir.join("entities.csv"), true);
        } else if dir.join("sdn.csv").is_file() {
            total += csv_rows(&dir.join("sdn.csv"), false);
        } else if dir.join("consolidated.xml").is_file() {
            let text = std::fs::read_to_string(dir.join("consolidated.xml")).expect("UN list");
            total += (text.matches("<INDIVIDUAL>").count() + text.matches("<ENTITY>").count()) as u64;
        }
    }
    total
}

/// A fresh empty database in its own temporary directory (kept alive by the returned guard).
pub fn empty_engine() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let engine = Engine::open(&dir.path().join("test.db")).expect("new database opens");
    (dir, engine)
}

/// Imports `path` into `engine`, panicking on failure.
pub fn import_into(engine: &Engine, format: Format, path: &Path) -> ownergraph::store::ApplyReport {
    let prepared = import::read(format, path, None).expect("bundled data reads");
    engine
        .apply(&prepared.batch, &prepared.record)
        .expect("bundled data applies")
}

/// The whole bundled data set, built once per test binary and shared read-only.
pub fn bundled() -> Arc<Engine> {
    static ENGINE: OnceLock<(tempfile::TempDir, Arc<Engine>)> = OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temporary directory");
            let engine = ownergraph::cli::build_from(&dir.path().join("bundled.db"), &data_dir())
                .expect("bundled data builds");
            (dir, Arc::new(engine))
        })
        .1
        .clone()
}

/// The October 2019 case alone: small and quick.
pub fn entity_list() -> (tempfile::TempDir, Engine) {
    let (dir, engine) = empty_engine();
    import_into(&engine, Format::Csv, &entity_list_dir());
    (dir, engine)
}

/// Copies the bundled Entity List case into a temporary directory for a test to damage.
pub fn entity_list_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for name in ["entities.csv", "relations.csv", "listings.csv"] {
        std::fs::copy(entity_list_dir().join(name), dir.path().join(name)).expect("copy fixture");
    }
    dir
}

/// A private, writable copy of the whole bundled data set, for tests that change it. The
/// bundled database is built once per test binary and copied, so each test starts alike.
pub fn bundled_copy() -> (tempfile::TempDir, Engine) {
    static TEMPLATE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, template) = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("bundled.db");
        // Dropping the engine closes its connections, which folds the WAL into the file.
        drop(ownergraph::cli::build_from(&path, &data_dir()).expect("bundled data builds"));
        (dir, path)
    });
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("copy.db");
    std::fs::copy(template, &path).expect("copy the bundled database");
    let engine = Engine::open(&path).expect("the copy opens");
    (dir, engine)
}

/// GETs `path` from the app on the bundled data: (status, body). `json` asks for the JSON twin
/// by the `Accept` header.
pub async fn http_get(path: &str, json: bool) -> (u16, String) {
    use actix_web::test;
    let app = test::init_service(ownergraph::web::app(actix_web::web::Data::from(bundled()))).await;
    let mut req = test::TestRequest::get().uri(path);
    if json {
        req = req.insert_header(("Accept", "application/json"));
    }
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (status, String::from_utf8(body.to_vec()).expect("pages are UTF-8"))
}

/// GETs the JSON twin of `path` and parses it, asserting the status.
pub async fn http_json(path: &str, status: u16) -> serde_json::Value {
    let (got, body) = http_get(path, true).await;
    assert_eq!(got, status, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {body}"))
}

/// The inline SVG pictures of a page.
pub fn svgs(html: &str) -> Vec<&str> {
    html.match_indices("<svg")
        .map(|(start, _)| {
            let end = html[start..].find("</svg>").expect("every <svg> is closed") + start + 6;
            &html[start..end]
        })
        .collect()
}

/// Panics unless every `&` in `text` starts a character or entity reference.
pub fn assert_escaped(text: &str) {
    for (at, _) in text.match_indices('&') {
        let rest = &text[at + 1..];
        let end = rest
            .find(';')
            .unwrap_or_else(|| panic!("bare & at {at}: {}", &text[at..]));
        let name = &rest[..end];
        let ok = name.starts_with('#') && name[1..].chars().all(|c| c.is_ascii_alphanumeric())
            || ["amp", "lt", "gt", "quot", "apos"].contains(&name);
        assert!(ok, "bare & at {at}: {}", &text[at..(at + 20).min(text.len())]);
    }
}
