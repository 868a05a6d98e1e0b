//! Curation over HTTP: the forms' targets (each a thin handler over [`crate::curation`]); the
//! history of curated changes is part of `/changes` (`web::changes`).
//!
//! Every write needs a signed-in session and its CSRF token ([`account::require`]). A write
//! from a browser answers with a redirect back to the entity page (303); its JSON twin
//! answers 201 with the recorded change.

use super::account::require;
use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::curation::{self, CurationError, RelationInput};
use crate::engine::Engine;
use crate::store::Change;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

impl From<CurationError> for AppError {
    fn from(e: CurationError) -> AppError {
        match e {
            CurationError::Invalid(m) => AppError::BadRequest(m),
            CurationError::Forbidden(m) => AppError::Forbidden(m),
            CurationError::NotFound(m) => AppError::NotFound(m),
            CurationError::Conflict(m) => AppError::Conflict(m),
            CurationError::Store(e) => e.into(),
        }
    }
}

/// Answers a recorded change: back to `entity`'s history for a browser, the change as JSON.
fn done(format: Format, change: Change, entity: &str) -> HttpResponse {
    match format {
        Format::Json => HttpResponse::Created().json(change),
        Format::Html => HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                format!("{}#history", super::entity_path(entity)),
            ))
            .finish(),
    }
}

/// Runs a write for a signed-in session and answers it.
fn write(
    format: Format,
    req: &HttpRequest,
    engine: &Engine,
    csrf: &str,
    act: impl FnOnce(&Session) -> Result<(Change, String), CurationError>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    let session = require(req, engine, csrf).map_err(fail)?;
    let (change, back) = act(&session).map_err(|e| fail(e.into()))?;
    Ok(done(format, change, &back))
}

/// The page to return to: `from` when it is one of the change's entities, else its first.
fn back_to(change: &Change, from: &str) -> String {
    if change.other.as_deref() == Some(from) {
        from.to_string()
    } else {
        change.entity.clone()
    }
}

fn row_id(text: &str, what: &str) -> Result<i64, CurationError> {
    text.parse::<i64>()
        .map_err(|_| CurationError::NotFound(format!("no {what} {text:?}")))
}

#[derive(Deserialize)]
pub struct AddRelationForm {
    #[serde(default)]
    csrf: String,
    /// `out` when the page's entity is the source, `in` when it is the target.
    #[serde(default)]
    direction: String,
    /// The id of the entity at the other end.
    #[serde(default)]
    other: String,
    #[serde(flatten)]
    relation: RelationInput,
    #[serde(default)]
    reason: String,
}

pub async fn add_relation(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    form: web::Form<AddRelationForm>,
) -> Result<HttpResponse, WebError> {
    write(format, &req, &engine, &form.csrf, |session| {
        let mut input = form.relation.clone();
        match form.direction.as_str() {
            "out" | "" => {
                input.source = id.to_string();
                input.target = form.other.clone();
            }
            "in" => {
                input.source = form.other.clone();
                input.target = id.to_string();
            }
            other => {
                return Err(CurationError::Invalid(format!(
                    "direction: {other:?} is neither \"out\" nor \"in\""
                )))
            }
        }
        let change = curation::add_relation(&engine, &session.user, &input, &form.reason)?;
        Ok((change, id.to_string()))
    })
}

#[derive(Deserialize)]
pub struct EndRelationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    reason: String,
    /// The entity page the form was on.
    #[serde(default)]
    from: String,
}

pub async fn end_relation(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    rid: web::Path<String>,
    form: web::Form<EndRelationForm>,
) -> Result<HttpResponse, WebError> {
    write(format, &req, &engine, &form.csrf, |session| {
        let rid = row_id(&rid, "relation")?;
        let change = curation::end_relation(&engine, &session.user, rid, &form.end_date, &form.reason)?;
        let back = back_to(&change, &form.from);
        Ok((change, back))
    })
}

#[derive(Deserialize)]
pub struct AnnotationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    reason: String,
}

pub async fn add_alias(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    form: web::Form<AnnotationForm>,
) -> Result<HttpResponse, WebError> {
    write(format, &req, &engine, &form.csrf, |session| {
        let change = curation::add_alias(&engine, &session.user, &id, &form.text, &form.reason)?;
        Ok((change, id.to_string()))
    })
}

pub async fn add_note(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    id: web::Path<String>,
    form: web::Form<AnnotationForm>,
) -> Result<HttpResponse, WebError> {
    write(format, &req, &engine, &form.csrf, |session| {
        let change = curation::add_note(&engine, &session.user, &id, &form.text, &form.reason)?;
        Ok((change, id.to_string()))
    })
}

pub async fn revert(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    cid: web::Path<String>,
    form: web::Form<EndRelationForm>,
) -> Result<HttpResponse, WebError> {
    write(format, &req, &engine, &form.csrf, |session| {
        let cid = row_id(&cid, "change")?;
        let change = curation::revert(&engine, &session.user, cid, &form.reason)?;
        let back = back_to(&change, &form.from);
        Ok((change, back))
    })
}
