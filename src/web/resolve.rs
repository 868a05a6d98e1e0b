//! One party across sources over HTTP: the review screen `/xref` (candidate pairs best first,
//! both records side by side with the agreeing and conflicting fields marked) and the
//! judgement form's target `/xref/judge`.
//!
//! Judging needs a signed-in session and its CSRF token, as every write does; a browser is
//! sent back to where the form was (303), the JSON twin answers 201 with the judgement.

use super::account::{require, viewer};
use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::engine::Engine;
use crate::model::Entity;
use crate::resolve::{self, Judgement};
use crate::store::{CandidateFilter, CandidateRow};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

/// Pairs per page of `/xref`.
const PAIRS_PER_PAGE: u32 = 20;
/// Pages of `/xref` one can go to.
const MAX_PAGE: u32 = 5000;

#[derive(Deserialize)]
pub struct XrefQuery {
    #[serde(default)]
    dataset: String,
    #[serde(default)]
    against: String,
    #[serde(default)]
    min_score: Option<f64>,
    /// `1` (a ticked box) for pairs nobody has judged yet.
    #[serde(default)]
    unjudged: String,
    #[serde(default)]
    page: Option<u32>,
}

/// Which fields of a pair agreed (true) or conflicted (false), by feature; absent: not
/// compared.
#[derive(Serialize, Default)]
pub struct Marks {
    pub name: Option<bool>,
    pub schema: Option<bool>,
    pub country: Option<bool>,
    pub birth_date: Option<bool>,
    pub identifier: Option<bool>,
    pub address: Option<bool>,
}

impl Marks {
    fn of(candidate: &CandidateRow) -> Marks {
        let mut marks = Marks {
            schema: Some(true),
            ..Marks::default()
        };
        for r in &candidate.reasons {
            let slot = match r.feature.as_str() {
                "name" => &mut marks.name,
                "schema" => &mut marks.schema,
                "country" => &mut marks.country,
                "birth_date" => &mut marks.birth_date,
                "identifier" => &mut marks.identifier,
                "address" => &mut marks.address,
                _ => continue,
            };
            *slot = Some(r.agrees);
        }
        marks
    }

    /// The CSS class of a field's row.
    pub fn class(mark: &Option<bool>) -> &'static str {
        match mark {
            Some(true) => "agrees",
            Some(false) => "conflicts",
            None => "",
        }
    }
}

/// A candidate pair with both records in full.
#[derive(Serialize)]
pub struct PairView {
    #[serde(flatten)]
    pub candidate: CandidateRow,
    pub left: Entity,
    pub right: Entity,
    pub left_lists: Vec<String>,
    pub right_lists: Vec<String>,
    pub marks: Marks,
    /// The reasons in one line.
    pub explanation: String,
}

#[derive(Template, Serialize)]
#[template(path = "xref.html")]
pub struct XrefPage {
    pub title: String,
    pub dataset: String,
    pub against: String,
    pub min_score: f64,
    pub unjudged: bool,
    pub page: u32,
    pub pages: u32,
    pub total: u64,
    pub datasets: Vec<String>,
    pub pairs: Vec<PairView>,
    /// This page's address, for the judgement forms to come back to.
    pub here: String,
    #[serde(skip)]
    pub viewer: Option<Session>,
    pub data_version: i64,
}

fn lists_of(engine: &Engine, id: &str) -> Vec<String> {
    let mut lists: Vec<String> = engine
        .read(|s| s.listings_of(id))
        .unwrap_or_default()
        .into_iter()
        .map(|l| match l.program {
            Some(p) => format!("{} · {p}", l.list),
            None => l.list,
        })
        .collect();
    lists.dedup();
    lists
}

pub async fn xref(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    query: web::Query<XrefQuery>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let min_score = query.min_score.unwrap_or(resolve::DEFAULT_MIN_SCORE);
        if !(0.0..=1.0).contains(&min_score) {
            return Err(AppError::BadRequest(format!(
                "min_score: {min_score} is not between 0 and 1"
            )));
        }
        let page = query.page.unwrap_or(1);
        if !(1..=MAX_PAGE).contains(&page) {
            return Err(AppError::BadRequest(format!(
                "page: {page} is not between 1 and {MAX_PAGE}"
            )));
        }
        let datasets: Vec<String> = engine
            .read(|s| s.datasets())?
            .into_iter()
            .map(|d| d.dataset)
            .collect();
        let pick = |field: &str, name: &str| -> Result<Option<String>, AppError> {
            match name.trim() {
                "" => Ok(None),
                name if datasets.iter().any(|d| d == name) => Ok(Some(name.to_string())),
                name => Err(AppError::BadRequest(format!("{field}: no dataset {name:?}"))),
            }
        };
        let dataset = pick("dataset", &query.dataset)?;
        let against = pick("against", &query.against)?;
        let unjudged = query.unjudged == "1" || query.unjudged == "true";
        let (rows, total) = engine.read(|s| {
            s.candidates(CandidateFilter {
                dataset: dataset.as_deref(),
                against: against.as_deref(),
                min_score,
                unjudged,
                limit: PAIRS_PER_PAGE,
                offset: (page - 1) * PAIRS_PER_PAGE,
            })
        })?;
        let mut pairs = Vec::with_capacity(rows.len());
        for candidate in rows {
            let (left, right) =
                engine.read(|s| Ok((s.entity(&candidate.left_id)?, s.entity(&candidate.right_id)?)))?;
            let (Some(left), Some(right)) = (left, right) else {
                continue; // cannot happen: records are never deleted
            };
            pairs.push(PairView {
                left_lists: lists_of(&engine, &left.id),
                right_lists: lists_of(&engine, &right.id),
                marks: Marks::of(&candidate),
                explanation: resolve::reasons_text(&candidate.reasons),
                candidate,
                left,
                right,
            });
        }
        let here = match req.query_string() {
            "" => "/xref".to_string(),
            q => format!("/xref?{q}"),
        };
        Ok(XrefPage {
            title: "Cross-referencing".into(),
            dataset: dataset.unwrap_or_default(),
            against: against.unwrap_or_default(),
            min_score,
            unjudged,
            page,
            pages: (total.div_ceil(PAIRS_PER_PAGE as u64) as u32).max(1),
            total,
            datasets,
            pairs,
            here,
            viewer: viewer(&req, &engine)?,
            data_version: engine.snapshot().data_version,
        })
    })
}

#[derive(Deserialize)]
pub struct JudgeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    left: String,
    #[serde(default)]
    right: String,
    #[serde(default)]
    judgement: String,
    #[serde(default)]
    note: String,
    /// Where the form was: a path of this site to go back to.
    #[serde(default)]
    back: String,
}

pub async fn judge(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    form: web::Form<JudgeForm>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    let session = require(&req, &engine, &form.csrf).map_err(fail)?;
    let judgement: Judgement = form
        .judgement
        .parse()
        .map_err(|e: String| fail(AppError::BadRequest(format!("judgement: {e}"))))?;
    let row = resolve::judge(
        &engine,
        &session.user,
        &form.left,
        &form.right,
        judgement,
        &form.note,
    )
    .map_err(|e| fail(e.into()))?;
    Ok(match format {
        Format::Json => HttpResponse::Created().json(row),
        Format::Html => {
            // Only a path of this site: never an open redirect.
            let back = if form.back.starts_with('/') && !form.back.starts_with("//") {
                form.back.clone()
            } else {
                super::entity_path(&row.left_id)
            };
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, back))
                .finish()
        }
    })
}
