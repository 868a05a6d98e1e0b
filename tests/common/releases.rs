//! Two real releases of OFAC's SDN list, 2024-03-27 (in `../shared/data`) and the bundled
//! 2024-05-03, imported in order as of their days: what the tests of releases, the past and
//! screening records build on.

use super::lists::{self, day};
use actix_web::test::{self, TestRequest};
use ownergraph::engine::Engine;
use ownergraph::import::{self, Format};
use ownergraph::store::ApplyReport;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub fn first_release() -> PathBuf {
    lists::shared("ofac-sdn-2024-03-27/sdn.csv")
}

pub fn second_release() -> PathBuf {
    super::sdn_csv()
}

/// Imports the SDN file `path` as the whole release of `as_of`.
pub fn apply(engine: &Engine, path: &Path, as_of: &str) -> ApplyReport {
    let prepared = import::read(Format::OfacSdn, path, None).unwrap();
    lists::apply_release(engine, &prepared, Some(day(as_of)))
}

/// A new database with both releases imported, as of their days.
pub fn two_releases() -> (tempfile::TempDir, Engine) {
    let (dir, engine) = super::empty_engine();
    apply(&engine, &first_release(), "2024-03-27");
    apply(&engine, &second_release(), "2024-05-03");
    (dir, engine)
}

/// GET `uri` from the app on `engine`: status, content type, body.
pub async fn get(engine: Arc<Engine>, uri: &str) -> (u16, String, String) {
    let app = test::init_service(ownergraph::web::app(actix_web::web::Data::from(engine))).await;
    let resp = test::call_service(&app, TestRequest::get().uri(uri).to_request()).await;
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    (status, kind, body)
}

/// One SDN entry as the file states it: its name and programmes.
#[derive(Debug, PartialEq)]
pub struct Entry {
    pub name: String,
    pub programs: BTreeSet<String>,
}

/// The file's entries by id (`ofac-<ent_num>`), read with the csv crate: no header, OFAC's
/// end-of-file byte (a lone 0x1A) is no record, programmes are joined by `] [`.
pub fn entries(path: &Path) -> BTreeMap<String, Entry> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap();
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        if record.len() == 1 && record[0].trim_matches('\u{1a}').trim().is_empty() {
            continue;
        }
        let programs = record[3]
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split("] [")
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect();
        let entry = Entry {
            name: record[1].trim().to_string(),
            programs,
        };
        let previous = out.insert(format!("ofac-{}", record[0].trim()), entry);
        assert!(
            previous.is_none(),
            "{}: ent_num {} twice",
            path.display(),
            &record[0]
        );
    }
    out
}
