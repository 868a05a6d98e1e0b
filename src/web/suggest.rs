//! `/suggest?q=&limit=`: the entities a typed name may mean, as JSON, for the forms that ask
//! for an entity (paths, exposure, curation). A form works without it: each field still takes
//! an id, and the paths form a name.

use super::params::Params;
use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::search::suggest::{self, Suggestion, MAX_SUGGESTIONS};
use crate::search::MAX_QUERY_CHARS;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

const DEFAULT_LIMIT: u8 = 10;

#[derive(Serialize)]
pub struct Suggestions {
    pub q: String,
    pub suggestions: Vec<Suggestion>,
}

pub async fn suggest(engine: web::Data<Engine>, req: HttpRequest) -> Result<HttpResponse, WebError> {
    let answer = (|| {
        let params = Params::of(&req)?;
        let q = params.get("q").unwrap_or_default().to_string();
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::BadRequest(format!(
                "q: at most {MAX_QUERY_CHARS} characters, got {}",
                q.chars().count()
            )));
        }
        let limit = params.number("limit", 1..=MAX_SUGGESTIONS as u8, DEFAULT_LIMIT)?;
        let suggestions = suggest::suggest(&engine, &q, limit as usize)?;
        Ok(Suggestions { q, suggestions })
    })();
    match answer {
        Ok(page) => Ok(HttpResponse::Ok()
            // Typing the same letters again within a minute need not ask again.
            .insert_header((actix_web::http::header::CACHE_CONTROL, "private, max-age=60"))
            .json(page)),
        Err(error) => Err(WebError {
            error,
            format: Format::Json,
        }),
    }
}
