//! Downloads of an entity's neighbourhood: `/entities/{id}/export?format=ftm|graphml|csv
//! [&table=entities|relations|listings][&depth=1..3]`, answered with the file itself.

use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::export::{self, ExportError, FileFormat};
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{web, HttpResponse};
use serde::Deserialize;

/// The deepest neighbourhood a download walks.
pub const MAX_DEPTH: u8 = 3;

#[derive(Deserialize)]
pub struct ExportQuery {
    format: Option<String>,
    table: Option<String>,
    depth: Option<String>,
}

fn parse(query: &ExportQuery) -> Result<(FileFormat, u8), AppError> {
    let format = FileFormat::parse(query.format.as_deref().unwrap_or("ftm"), query.table.as_deref())
        .map_err(AppError::BadRequest)?;
    let depth = match query.depth.as_deref() {
        None => 1,
        Some(text) => text
            .parse::<u8>()
            .ok()
            .filter(|d| (1..=MAX_DEPTH).contains(d))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "depth {text:?} is not a whole number from 1 to {MAX_DEPTH}"
                ))
            })?,
    };
    Ok((format, depth))
}

pub async fn download(
    page_format: Format,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    query: web::Query<ExportQuery>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError {
        error,
        format: page_format,
    };
    let (format, depth) = parse(&query).map_err(fail)?;
    let file = export::download(&engine, &id, depth, format).map_err(|e| {
        fail(match e {
            ExportError::UnknownEntity(_) => AppError::NotFound(e.to_string()),
            other => AppError::Internal(other.to_string()),
        })
    })?;
    Ok(attachment(file))
}

/// A file handed over as a download.
pub fn attachment(file: export::Download) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file.file_name)],
        })
        .body(file.body)
}
