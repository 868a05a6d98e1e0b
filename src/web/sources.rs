//! The sources page: the datasets loaded, what they hold, and each dataset's releases (every
//! file imported: its day, SHA-256 and counts), newest first, each linking to what it changed.

use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::store::{DatasetView, ImportLogEntry};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Serialize;

#[derive(Template, Serialize)]
#[template(path = "sources.html")]
pub struct SourcesPage {
    pub title: String,
    pub datasets: Vec<DatasetView>,
    /// Newest first.
    pub imports: Vec<ImportLogEntry>,
    /// Each dataset's releases, newest first (by release day, then import), datasets by name.
    pub releases: Vec<DatasetReleases>,
    pub data_version: i64,
}

/// One dataset's releases.
#[derive(Serialize)]
pub struct DatasetReleases {
    pub dataset: String,
    pub releases: Vec<ReleaseLink>,
}

#[derive(Serialize)]
pub struct ReleaseLink {
    #[serde(flatten)]
    pub release: ImportLogEntry,
    /// The page of what it changed.
    pub changes_href: String,
}

fn by_dataset(imports: &[ImportLogEntry]) -> Vec<DatasetReleases> {
    let mut map: std::collections::BTreeMap<&str, Vec<&ImportLogEntry>> = Default::default();
    for i in imports {
        map.entry(i.dataset.as_str()).or_default().push(i);
    }
    map.into_iter()
        .map(|(dataset, mut list)| {
            let day = |i: &ImportLogEntry| {
                i.as_of
                    .clone()
                    .unwrap_or_else(|| i.imported_at.chars().take(10).collect())
            };
            list.sort_by(|a, b| day(b).cmp(&day(a)).then(b.iid.cmp(&a.iid)));
            DatasetReleases {
                dataset: dataset.to_string(),
                releases: list
                    .into_iter()
                    .map(|i| ReleaseLink {
                        changes_href: format!(
                            "/changes?{}",
                            serde_urlencoded::to_string([
                                ("since", day(i)),
                                ("until", day(i)),
                                ("dataset", i.dataset.clone())
                            ])
                            .expect("strings always encode")
                        ),
                        release: i.clone(),
                    })
                    .collect(),
            }
        })
        .collect()
}

pub async fn sources(format: Format, engine: web::Data<Engine>) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let (datasets, imports) = engine.read(|store| Ok((store.datasets()?, store.imports()?)))?;
        Ok::<_, AppError>(SourcesPage {
            title: "Sources".into(),
            datasets,
            releases: by_dataset(&imports),
            imports,
            data_version: engine.snapshot().data_version,
        })
    })
}
