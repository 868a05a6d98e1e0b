//! The home page: counts, the lists held, entry points.

use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::store::ListSummary;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Serialize;

/// Entities worth starting from when they are present: the October 2019 Entity List case.
const ENTRY_POINTS: &[&str] = &[
    "xuar-psb",
    "hikvision",
    "sensetime",
    "megvii",
    "huawei",
    "ofac-306",
];

/// Searches worth trying: folding of case, legal forms and Chinese names.
const EXAMPLE_SEARCHES: &[&str] = &[
    "hikvision",
    "Hangzhou Hikvision Digital Technology Company Limited",
    "海康威视",
    "public security bureau",
    "Banco Nacional de Cuba",
];

/// A search to try, with its URL.
#[derive(Serialize)]
pub struct ExampleSearch {
    pub q: String,
    pub href: String,
}

#[derive(Serialize)]
pub struct EntryPoint {
    pub id: String,
    pub name: String,
}

#[derive(Template, Serialize)]
#[template(path = "home.html")]
pub struct HomePage {
    pub title: String,
    /// Source records, each as its source gave it.
    pub entities: u64,
    /// Parties: records judged one party count once.
    pub parties: u64,
    pub relations: u64,
    pub listings: u64,
    pub lists: Vec<ListSummary>,
    pub entry_points: Vec<EntryPoint>,
    pub example_searches: Vec<ExampleSearch>,
    pub data_version: i64,
}

pub async fn home(format: Format, engine: web::Data<Engine>) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let snapshot = engine.snapshot();
        // Whole-table counts: computed once per snapshot, not per request.
        let summary = snapshot.memo("home", || {
            engine.read(|store| Ok((store.lists()?, store.listing_count()?)))
        })?;
        let (lists, listings) = (summary.0.clone(), summary.1);
        let entry_points = ENTRY_POINTS
            .iter()
            .filter_map(|id| snapshot.find(id))
            .map(|node| {
                let node = snapshot.node(node);
                EntryPoint {
                    id: node.id.to_string(),
                    name: node.name.to_string(),
                }
            })
            .collect();
        Ok::<_, AppError>(HomePage {
            title: "Home".into(),
            entities: snapshot.record_count() as u64,
            parties: snapshot.node_count() as u64,
            relations: snapshot.edge_count() as u64,
            listings,
            lists,
            entry_points,
            example_searches: EXAMPLE_SEARCHES
                .iter()
                .map(|q| ExampleSearch {
                    q: q.to_string(),
                    href: format!(
                        "/search?{}",
                        serde_urlencoded::to_string([("q", q)]).expect("string pairs always encode")
                    ),
                })
                .collect(),
            data_version: snapshot.data_version,
        })
    })
}
