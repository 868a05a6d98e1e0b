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

/// The regime a URL names (OFAC when none).
fn regime(text: Option<&str>) -> Result<RegimeId, AppError> {
    text.unwrap_or("ofac").parse().map_err(AppError::BadRequest)
}

/// The day a URL names, if any.
fn as_of(text: Option<&str>) -> Result<Option<Date>, AppError> {
    super::params::parse_date("as_of", text)
}

pub async fn exposure(
    format: Format,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    query: web::Query<ExposureQuery>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let regime = regime(query.regime.as_deref())?;
        let as_of = as_of(query.as_of.as_deref())?.unwrap_or_else(Date::today);
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

#[derive(Deserialize)]
pub struct PickQuery {
    entity: Option<String>,
    regime: Option<String>,
    as_of: Option<String>,
}

/// `/exposure?entity=`: the exposure form that asks for any entity, by id or by name. An id, or
/// a name only one entity holds exactly, goes to that entity's exposure page; any other name
/// to the search page, to choose from.
pub async fn pick(
    format: Format,
    engine: web::Data<Engine>,
    query: web::Query<PickQuery>,
) -> Result<HttpResponse, WebError> {
    let to = (|| {
        let typed = query.entity.as_deref().map(str::trim).unwrap_or_default();
        if typed.is_empty() {
            return Err(AppError::BadRequest("entity: give an id or a name".into()));
        }
        let mut pairs = vec![("regime", regime(query.regime.as_deref())?.as_str().to_string())];
        if let Some(as_of) = as_of(query.as_of.as_deref())? {
            pairs.push(("as_of", as_of.to_string()));
        }
        let state = serde_urlencoded::to_string(&pairs).expect("string pairs always encode");
        let id = match engine.snapshot().find(typed) {
            Some(_) => Some(typed.to_string()),
            None => {
                let hits = crate::search::rank(&*engine.search_index()?, typed).hits;
                let mut exact = hits.iter().filter(|h| h.tier == crate::search::Tier::Exact);
                match (exact.next(), exact.next()) {
                    (Some(only), None) => Some(only.id.clone()),
                    _ => None,
                }
            }
        };
        Ok(match id {
            Some(id) => format!("{}/exposure?{state}", super::entity_path(&id)),
            None => format!(
                "/search?{}",
                serde_urlencoded::to_string([("q", typed)]).expect("encodes")
            ),
        })
    })()
    .map_err(|error| WebError { error, format })?;
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, to))
        .finish())
}
