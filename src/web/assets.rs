//! The static files: the stylesheet, the page scripts and the vendored graph library
//! (`static/vendor/`, see its README), compiled into the binary so a page never fetches
//! anything from elsewhere and the CSP can stay `script-src 'self'`.

use super::{AppError, Format, WebError};
use actix_web::http::header;
use actix_web::{web, HttpResponse};

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// (path under `/static/`, content type, bytes).
const FILES: &[(&str, &str, &str)] = &[
    ("style.css", CSS, include_str!("../../static/style.css")),
    ("suggest.js", JS, include_str!("../../static/suggest.js")),
    ("explore.js", JS, include_str!("../../static/explore.js")),
    (
        "vendor/cytoscape.min.js",
        JS,
        include_str!("../../static/vendor/cytoscape.min.js"),
    ),
    (
        "vendor/cytoscape-dagre.min.js",
        JS,
        include_str!("../../static/vendor/cytoscape-dagre.min.js"),
    ),
];

pub async fn asset(format: Format, path: web::Path<String>) -> Result<HttpResponse, WebError> {
    let Some((_, content_type, body)) = FILES.iter().find(|(name, _, _)| *name == path.as_str()) else {
        return Err(WebError {
            error: AppError::NotFound(format!("no static file {:?}", path.as_str())),
            format,
        });
    };
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}
