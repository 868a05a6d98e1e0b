//! The sources page: the datasets loaded, what they hold, and every file imported, when.

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
    pub data_version: i64,
}

pub async fn sources(format: Format, engine: web::Data<Engine>) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let (datasets, imports) = engine.read(|store| Ok((store.datasets()?, store.imports()?)))?;
        Ok::<_, AppError>(SourcesPage {
            title: "Sources".into(),
            datasets,
            imports,
            data_version: engine.snapshot().data_version,
        })
    })
}
