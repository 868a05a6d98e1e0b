//! Atom feeds: the one template every feed renders (`/changes.atom`, `/watchlists/{name}.atom`),
//! each entry a title, a summary and a list of items that may link to an entity.

use super::{AppError, Format, WebError};
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

/// One line of an entry's content: `prefix`, then `text` (a link when `href` is given), then
/// `suffix`.
pub struct Item {
    pub prefix: String,
    pub href: Option<String>,
    pub text: String,
    pub suffix: String,
}

pub struct Entry {
    /// A URI that stays the entry's for good.
    pub id: String,
    pub title: String,
    pub href: String,
    /// RFC 3339.
    pub updated: String,
    pub summary: String,
    /// The content's first paragraph.
    pub lead: String,
    pub items: Vec<Item>,
    /// Items left out, counted (linking to `href` for all of them).
    pub more: u64,
}

#[derive(Template)]
#[template(path = "feed.xml")]
pub struct Feed {
    pub title: String,
    pub self_href: String,
    pub entries: Vec<Entry>,
    pub updated: String,
}

impl Feed {
    /// A feed whose `updated` is its newest entry's.
    pub fn new(title: String, self_href: String, entries: Vec<Entry>) -> Feed {
        let updated = entries
            .iter()
            .map(|e| e.updated.clone())
            .max()
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".into());
        Feed {
            title,
            self_href,
            entries,
            updated,
        }
    }

    pub fn respond(&self, format: Format) -> Result<HttpResponse, WebError> {
        let body = self.render().map_err(|e| WebError {
            error: AppError::Internal(e.to_string()),
            format,
        })?;
        Ok(HttpResponse::Ok()
            .content_type("application/atom+xml; charset=utf-8")
            .body(body))
    }
}

/// `scheme://host` of the request, for the absolute links a feed needs.
pub fn base(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}
