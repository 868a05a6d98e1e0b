//! Screening records: `/screenings` (the latest, newest first, paged) and `/screenings/{id}`
//! (one record as a printable certificate: what was screened, how, on which releases, and
//! every result). Records are kept by `POST /screen` with "keep a record", by `ownergraph
//! screen --record`, or by a watchlist run (`crate::screenings::keep`).
//!
//! Unlike the data pages, reading a record needs a signed-in user: a record keeps the file
//! screened, which is the user's counterparties, not public list data.

use super::account;
use super::params::Params;
use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::screenings::{self, Record, ResultRow};
use crate::store::ScreeningMeta;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Serialize;

/// Records listed a page.
const PER_PAGE: usize = 50;
/// Result rows the certificate page prints; the JSON twin has them all.
const ROWS_SHOWN: usize = 10_000;

fn signed_in(req: &HttpRequest, engine: &Engine) -> Result<(), AppError> {
    account::viewer(req, engine)?.map(|_| ()).ok_or_else(|| {
        AppError::Unauthorized(
            "sign in (at /login) to read screening records: they keep the files screened".into(),
        )
    })
}

/// One record in the list.
#[derive(Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub meta: ScreeningMeta,
    pub href: String,
}

#[derive(Template, Serialize)]
#[template(path = "screenings.html")]
pub struct ScreeningsPage {
    #[serde(skip)]
    pub title: String,
    pub records: Vec<Listed>,
    pub total: u64,
    pub page: usize,
    pub pages: usize,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub data_version: i64,
}

pub async fn list(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        signed_in(&req, &engine)?;
        let page = Params::of(&req)?.page(1_000_000)?;
        let (records, total) = screenings::list(&engine, PER_PAGE, (page - 1) * PER_PAGE)?;
        let pages = (total as usize).div_ceil(PER_PAGE).max(1);
        if page > pages {
            return Err(AppError::BadRequest(format!(
                "page {page}: there are {pages} page(s) of {PER_PAGE} records"
            )));
        }
        Ok(ScreeningsPage {
            title: "Screening records".into(),
            records: records
                .into_iter()
                .map(|meta| Listed {
                    href: format!("/screenings/{}", meta.id),
                    meta,
                })
                .collect(),
            total,
            page,
            pages,
            prev: (page > 1).then(|| format!("/screenings?page={}", page - 1)),
            next: (page < pages).then(|| format!("/screenings?page={}", page + 1)),
            data_version: engine.snapshot().data_version,
        })
    })
}

#[derive(Template, Serialize)]
#[template(path = "screening.html")]
pub struct CertificatePage {
    #[serde(skip)]
    pub title: String,
    #[serde(flatten)]
    pub record: Record,
    /// The rows the page prints (all of them in JSON, as `results.rows`).
    #[serde(skip)]
    pub rows: Vec<ResultRow>,
    #[serde(skip)]
    pub rows_omitted: usize,
    pub data_version: i64,
}

pub async fn show(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        signed_in(&req, &engine)?;
        let sid: i64 = id
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| AppError::NotFound(format!("no screening record {:?}", id.as_str())))?;
        let record = screenings::get(&engine, sid)?
            .ok_or_else(|| AppError::NotFound(format!("no screening record {sid}")))?;
        let rows: Vec<ResultRow> = record.results.rows.iter().take(ROWS_SHOWN).cloned().collect();
        Ok(CertificatePage {
            title: format!("Screening record {sid}"),
            rows_omitted: record.results.rows.len() - rows.len(),
            rows,
            record,
            data_version: engine.snapshot().data_version,
        })
    })
}
