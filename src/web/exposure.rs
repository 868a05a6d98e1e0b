//! The exposure page: one entity's verdict under one regime on one day, with its evidence,
//! laid out to print as a compliance record.

use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::exposure::{explain, ExposureReport, RegimeId};
use crate::model::{Date, Pct};
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct ExposureQuery {
    regime: Option<String>,
    as_of: Option<String>,
}

/// A regime to switch to, for the page's links.
pub struct RegimeLink {
    pub id: &'static str,
    pub current: bool,
}

#[derive(Template, Serialize)]
#[template(path = "exposure.html")]
pub struct ExposurePage {
    #[serde(skip)]
    pub title: String,
    #[serde(flatten)]
    pub report: ExposureReport,
    #[serde(skip)]
    pub data_version: i64,
    #[serde(skip)]
    pub blocked_owner_share: String,
    #[serde(skip)]
    pub look_through_share: String,
    #[serde(skip)]
    pub regimes: Vec<RegimeLink>,
}

/// `[lo, hi]` as "25%" or "0–60%".
fn range(p: [Pct; 2]) -> String {
    if p[0] == p[1] {
        format!("{}%", p[0])
    } else {
        format!("{}–{}%", p[0], p[1])
    }
}

pub async fn exposure(
    format: Format,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    query: web::Query<ExposureQuery>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let regime: RegimeId = query
            .regime
            .as_deref()
            .unwrap_or("ofac")
            .parse()
            .map_err(AppError::BadRequest)?;
        let as_of: Date = match query.as_of.as_deref() {
            None | Some("") => Date::today(),
            Some(text) => text
                .parse()
                .map_err(|e: String| AppError::BadRequest(format!("as_of: {e}")))?,
        };
        let report = explain(&engine, &id, regime, as_of)?
            .ok_or_else(|| AppError::NotFound(format!("no entity with id {:?}", id.as_str())))?;
        Ok(ExposurePage {
            title: format!(
                "Exposure of {} ({}, {})",
                report.entity_name,
                regime.as_str().to_uppercase(),
                as_of
            ),
            data_version: report.data_version,
            blocked_owner_share: range(report.blocked_owner_share),
            look_through_share: range(report.look_through_listed_share),
            regimes: RegimeId::ALL
                .into_iter()
                .map(|r| RegimeLink {
                    id: r.as_str(),
                    current: r == regime,
                })
                .collect(),
            report,
        })
    })
}
