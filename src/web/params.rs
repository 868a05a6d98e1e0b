//! Query parameters parsed into typed values, with 400 messages that say what is allowed.
//!
//! Parameters are read as the list of `name=value` pairs the URL carries, so a value may be
//! repeated (checkboxes in a plain HTML form send `kinds=owns&kinds=controls`) or given once
//! with commas (`kinds=owns,controls`); both mean the same.

use super::AppError;
use crate::graph::{Direction, SchemaSet};
use crate::model::{Date, KindSet, RelationKind, Schema};
use actix_web::{web, HttpRequest};
use std::ops::RangeInclusive;
use std::str::FromStr;

/// The query string of one request as `(name, value)` pairs, in order.
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn of(req: &HttpRequest) -> Result<Params, AppError> {
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map(|q| Params(q.into_inner()))
            .map_err(|e| AppError::BadRequest(format!("malformed query string: {e}")))
    }

    /// The last non-empty value of `name` (an empty form field counts as absent).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// A day (`YYYY-MM-DD`) under `name`, if given.
    pub fn date(&self, name: &str) -> Result<Option<Date>, AppError> {
        parse_date(name, self.get(name))
    }

    /// An integer in `range`, or `default` when absent.
    pub fn number(&self, name: &str, range: RangeInclusive<u8>, default: u8) -> Result<u8, AppError> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        text.parse::<u8>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "{name} must be a whole number from {} to {}; got {text:?}",
                    range.start(),
                    range.end()
                ))
            })
    }

    /// `page`: a whole number from 1 to `max`, 1 when absent.
    pub fn page(&self, max: usize) -> Result<usize, AppError> {
        let Some(text) = self.get("page") else {
            return Ok(1);
        };
        text.parse::<usize>()
            .ok()
            .filter(|p| (1..=max).contains(p))
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "page must be a whole number from 1 to {max}; got {text:?}"
                ))
            })
    }

    /// `true` or `false`, or `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, AppError> {
        match self.get(name) {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(other) => Err(AppError::BadRequest(format!(
                "{name} must be true or false; got {other:?}"
            ))),
        }
    }

    /// The relation kinds named by every `kinds` value; all kinds when none is named.
    pub fn kinds(&self) -> Result<KindSet, AppError> {
        let mut named = Vec::new();
        for (_, value) in self.0.iter().filter(|(n, _)| n == "kinds") {
            for word in value.split(',').map(str::trim).filter(|w| !w.is_empty()) {
                named.push(
                    RelationKind::from_str(word).map_err(|e| AppError::BadRequest(format!("kinds: {e}")))?,
                );
            }
        }
        Ok(if named.is_empty() {
            KindSet::ALL
        } else {
            named.into_iter().collect()
        })
    }

    /// The schemas named by every `schemas` value (repeated or comma-separated, as `kinds`);
    /// all schemas when none is named.
    pub fn schemas(&self) -> Result<SchemaSet, AppError> {
        let mut named = Vec::new();
        for (_, value) in self.0.iter().filter(|(n, _)| n == "schemas") {
            for word in value.split(',').map(str::trim).filter(|w| !w.is_empty()) {
                named
                    .push(Schema::from_str(word).map_err(|e| AppError::BadRequest(format!("schemas: {e}")))?);
            }
        }
        Ok(if named.is_empty() {
            SchemaSet::ALL
        } else {
            named.into_iter().collect()
        })
    }

    /// Which way to walk: `in`, `out` or `both`, or `default` when absent.
    pub fn direction(&self, default: Direction) -> Result<Direction, AppError> {
        match self.get("direction") {
            None => Ok(default),
            Some(text) => text
                .parse()
                .map_err(|e| AppError::BadRequest(format!("direction: {e}"))),
        }
    }
}

/// The kinds of a set in their canonical order, for pages and their JSON.
/// A day (`YYYY-MM-DD`) given as `name`; absent or empty is none.
pub fn parse_date(name: &str, text: Option<&str>) -> Result<Option<Date>, AppError> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|e: String| AppError::BadRequest(format!("{name}: {e}"))),
    }
}

pub fn kind_list(kinds: KindSet) -> Vec<RelationKind> {
    kinds.kinds().collect()
}

/// The `kinds=…` query value of a set: empty for all kinds (no filter).
pub fn kinds_query(kinds: KindSet) -> String {
    if kinds == KindSet::ALL {
        return String::new();
    }
    kinds
        .kinds()
        .map(RelationKind::as_str)
        .collect::<Vec<_>>()
        .join(",")
}

/// The `schemas=…` query value of a set: empty for all schemas (no filter).
pub fn schemas_query(schemas: SchemaSet) -> String {
    if schemas == SchemaSet::ALL {
        return String::new();
    }
    Schema::ALL
        .into_iter()
        .filter(|s| schemas.contains(*s))
        .map(Schema::as_str)
        .collect::<Vec<_>>()
        .join(",")
}
