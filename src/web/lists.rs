//! The lists pages: `/lists` (every list held) and `/lists/{slug}` (a list's members with
//! listing dates and citations, sortable by name and date, paginated).

use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::store::{ListMember, ListSummary, MemberOrder};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

/// Members per page of a list.
pub const PER_PAGE: usize = 100;
const MAX_PAGE: usize = 100_000;

#[derive(Template, Serialize)]
#[template(path = "lists.html")]
pub struct ListsPage {
    pub title: String,
    pub lists: Vec<ListSummary>,
    pub data_version: i64,
}

pub async fn lists(format: Format, engine: web::Data<Engine>) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let lists = engine.read(|store| store.lists())?;
        Ok::<_, AppError>(ListsPage {
            title: "Lists".into(),
            lists,
            data_version: engine.snapshot().data_version,
        })
    })
}

#[derive(Debug, Default, Deserialize)]
struct Params {
    sort: Option<String>,
    page: Option<String>,
}

/// A column heading's link: sorts by it, or reverses the order when already sorted by it.
#[derive(Serialize)]
pub struct SortLink {
    pub by: &'static str,
    pub href: String,
    /// `asc` or `desc` when the page is sorted by this column.
    pub current: Option<&'static str>,
}

#[derive(Template, Serialize)]
#[template(path = "list.html")]
pub struct ListPage {
    pub title: String,
    pub list: ListSummary,
    pub sort: MemberOrder,
    pub page: usize,
    pub per_page: usize,
    pub pages: usize,
    /// Listings on the list (an entity listed under two programmes counts twice).
    pub total: u64,
    pub members: Vec<ListMember>,
    pub sort_by_name: SortLink,
    pub sort_by_date: SortLink,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub data_version: i64,
}

fn href(slug: &str, sort: MemberOrder, page: usize) -> String {
    let mut out = format!("/lists/{slug}?sort={}", sort.as_str());
    if page > 1 {
        out.push_str(&format!("&page={page}"));
    }
    out
}

fn sort_link(
    slug: &str,
    current: MemberOrder,
    asc: MemberOrder,
    desc: MemberOrder,
    by: &'static str,
) -> SortLink {
    let (next, state) = if current == asc {
        (desc, Some("asc"))
    } else if current == desc {
        (asc, Some("desc"))
    } else {
        (asc, None)
    };
    SortLink {
        by,
        href: href(slug, next, 1),
        current: state,
    }
}

pub async fn list(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    slug: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let params = web::Query::<Params>::from_query(req.query_string())
            .map_err(|e| AppError::BadRequest(format!("malformed query string: {e}")))?
            .into_inner();
        let sort = match params.sort.as_deref().filter(|s| !s.is_empty()) {
            None => MemberOrder::Name,
            Some(s) => s
                .parse()
                .map_err(|e| AppError::BadRequest(format!("sort: {e}")))?,
        };
        let page = match params.page.as_deref().filter(|p| !p.is_empty()) {
            None => 1,
            Some(p) => p
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE).contains(n))
                .ok_or_else(|| {
                    AppError::BadRequest(format!("page: a whole number from 1 to {MAX_PAGE}, got {p:?}"))
                })?,
        };
        let (summary, total, members) = engine
            .read(|store| {
                let Some(summary) = store.lists()?.into_iter().find(|l| l.slug == *slug) else {
                    return Ok(None);
                };
                let total = store.list_listing_count(&summary.list)?;
                let members = store.list_members(&summary.list, sort, (page - 1) * PER_PAGE, PER_PAGE)?;
                Ok(Some((summary, total, members)))
            })?
            .ok_or_else(|| {
                AppError::NotFound(format!("no list with slug {:?}; see /lists", slug.as_str()))
            })?;
        let pages = (total as usize).div_ceil(PER_PAGE);
        Ok::<_, AppError>(ListPage {
            title: summary.list.clone(),
            sort_by_name: sort_link(&slug, sort, MemberOrder::Name, MemberOrder::NameDesc, "name"),
            sort_by_date: sort_link(&slug, sort, MemberOrder::Date, MemberOrder::DateDesc, "date"),
            prev: (page > 1 && page <= pages.max(1)).then(|| href(&slug, sort, page - 1)),
            next: (page < pages).then(|| href(&slug, sort, page + 1)),
            list: summary,
            sort,
            page,
            per_page: PER_PAGE,
            pages,
            total,
            members,
            data_version: engine.snapshot().data_version,
        })
    })
}
