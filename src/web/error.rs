//! The web layer's one error type: 4xx or 500, as an HTML page or JSON.

use super::Format;
use crate::store::StoreError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Internal(String),
    /// Not signed in, or a wrong password.
    #[error("{0}")]
    Unauthorized(String),
    /// Signed in, but not allowed (role), or a missing or wrong CSRF token.
    #[error("{0}")]
    Forbidden(String),
    /// The write clashes with the data as it is.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyRequests(String),
    /// An upload over the size or row limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// A write, or a form that leads to one, asked of a read-only replica: 503 with a link to
    /// the primary when the replica was given its address.
    #[error("this server is a read-only replica: {what} on the primary{}", .primary.as_deref().map(|p| format!(" ({p})")).unwrap_or_default())]
    Replica { what: String, primary: Option<String> },
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            // Bad input found inside a write's transaction (an import naming an unknown entity).
            StoreError::Input(_) => AppError::BadRequest(e.to_string()),
            StoreError::NotFound(m) => AppError::NotFound(m),
            StoreError::Conflict(m) => AppError::Conflict(m),
            StoreError::Replica => AppError::Replica {
                what: "changes are made".into(),
                primary: None,
            },
            e => AppError::Internal(e.to_string()),
        }
    }
}

/// An [`AppError`] with the format it must be rendered in.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct WebError {
    pub error: AppError,
    pub format: Format,
}

#[derive(Template, Serialize)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    status: u16,
    message: String,
    /// Where to go instead: the primary's page for a write refused by a replica.
    primary: Option<String>,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self.error {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Replica { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let message = match &self.error {
            AppError::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                "internal error; the server log has the details".to_string()
            }
            other => other.to_string(),
        };
        let page = ErrorPage {
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            message,
            primary: match &self.error {
                AppError::Replica { primary, .. } => primary.clone(),
                _ => None,
            },
        };
        match self.format {
            Format::Json => {
                let mut error = serde_json::json!({ "status": page.status, "message": page.message });
                if let Some(primary) = &page.primary {
                    error["primary"] = primary.as_str().into();
                }
                HttpResponse::build(status).json(serde_json::json!({ "error": error }))
            }
            Format::Html => {
                let body = page
                    .render()
                    .unwrap_or_else(|_| format!("{} {}", page.status, page.message));
                HttpResponse::build(status)
                    .content_type("text/html; charset=utf-8")
                    .body(body)
            }
        }
    }
}
