//! The search page: `/search?q=&schema=&country=&list=&page=`, hits with their listings as
//! badges, facets as links that narrow (or widen) the search, pagination.

use super::{AppError, Format, WebError};
use crate::engine::Engine;
use crate::model::{slug, Schema};
use crate::search::{self, FacetCount, Hit, Query, MAX_QUERY_CHARS};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

/// Hits per page.
pub const PER_PAGE: usize = 20;
/// Highest page number accepted.
const MAX_PAGE: usize = 10_000;
/// Longest country filter accepted, in characters.
const MAX_COUNTRY_CHARS: usize = 64;

/// The query string as given; every field is checked by [`SearchRequest::parse`].
#[derive(Debug, Default, Deserialize)]
struct Params {
    q: Option<String>,
    schema: Option<String>,
    country: Option<String>,
    list: Option<String>,
    page: Option<String>,
}

/// A checked search request.
#[derive(Debug, Clone, Serialize)]
pub struct SearchRequest {
    pub q: String,
    pub schema: Option<Schema>,
    pub country: Option<String>,
    /// The list's name (the URL may give its slug).
    pub list: Option<String>,
    pub page: usize,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl SearchRequest {
    /// Checks the query string; `lists` are the list names held, for the `list` filter.
    fn parse(query_string: &str, lists: &[String]) -> Result<SearchRequest, AppError> {
        let params = web::Query::<Params>::from_query(query_string)
            .map_err(|e| AppError::BadRequest(format!("malformed query string: {e}")))?
            .into_inner();
        let q = params.q.unwrap_or_default().trim().to_string();
        if q.chars().count() > MAX_QUERY_CHARS {
            return Err(AppError::BadRequest(format!(
                "q: at most {MAX_QUERY_CHARS} characters, got {}",
                q.chars().count()
            )));
        }
        let schema = non_empty(params.schema)
            .map(|s| s.parse::<Schema>())
            .transpose()
            .map_err(|e| AppError::BadRequest(format!("schema: {e}")))?;
        let country = non_empty(params.country);
        if let Some(c) = &country {
            if c.chars().count() > MAX_COUNTRY_CHARS {
                return Err(AppError::BadRequest(format!(
                    "country: at most {MAX_COUNTRY_CHARS} characters"
                )));
            }
        }
        let list = match non_empty(params.list) {
            None => None,
            Some(wanted) => Some(
                lists
                    .iter()
                    .find(|l| **l == wanted || slug(l) == wanted)
                    .cloned()
                    .ok_or_else(|| {
                        AppError::BadRequest(format!(
                            "list: unknown list {wanted:?}; expected one of {}",
                            lists.iter().map(|l| slug(l)).collect::<Vec<_>>().join(", ")
                        ))
                    })?,
            ),
        };
        let page = match non_empty(params.page) {
            None => 1,
            Some(p) => p
                .parse::<usize>()
                .ok()
                .filter(|p| (1..=MAX_PAGE).contains(p))
                .ok_or_else(|| {
                    AppError::BadRequest(format!("page: a whole number from 1 to {MAX_PAGE}, got {p:?}"))
                })?,
        };
        Ok(SearchRequest {
            q,
            schema,
            country,
            list,
            page,
        })
    }

    /// The URL of this search with one thing changed.
    fn href(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("q", self.q.clone())];
        if let Some(s) = self.schema {
            pairs.push(("schema", s.as_str().to_string()));
        }
        if let Some(c) = &self.country {
            pairs.push(("country", c.clone()));
        }
        if let Some(l) = &self.list {
            pairs.push(("list", slug(l)));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).expect("string pairs always encode");
        format!("/search?{query}")
    }
}

/// A list a hit is on, with the slug of its page.
#[derive(Debug, Serialize)]
pub struct Badge {
    pub list: String,
    pub slug: String,
}

/// A hit as the page shows it.
#[derive(Debug, Serialize)]
pub struct HitView {
    #[serde(flatten)]
    pub hit: Hit,
    pub badges: Vec<Badge>,
}

/// A facet value as a link that adds (or, when `selected`, removes) its filter.
#[derive(Debug, Serialize)]
pub struct FacetLink {
    pub value: String,
    pub count: u64,
    pub selected: bool,
    pub href: String,
}

#[derive(Debug, Serialize)]
pub struct FacetLinks {
    pub schema: Vec<FacetLink>,
    pub country: Vec<FacetLink>,
    pub list: Vec<FacetLink>,
}

#[derive(Template, Serialize)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub title: String,
    pub request: SearchRequest,
    pub total: usize,
    pub per_page: usize,
    pub pages: usize,
    /// Whether the text matched more names than were read (a very common substring).
    pub truncated: bool,
    pub hits: Vec<HitView>,
    pub facets: FacetLinks,
    pub prev: Option<String>,
    pub next: Option<String>,
    pub data_version: i64,
}

fn facet_links(
    counts: Vec<FacetCount>,
    selected: Option<&str>,
    with: impl Fn(Option<String>) -> SearchRequest,
) -> Vec<FacetLink> {
    counts
        .into_iter()
        .map(|f| {
            let is_selected = selected.is_some_and(|s| s.eq_ignore_ascii_case(&f.value));
            let href = with((!is_selected).then(|| f.value.clone())).href();
            FacetLink {
                value: f.value,
                count: f.count,
                selected: is_selected,
                href,
            }
        })
        .collect()
}

pub async fn search(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let snapshot = engine.snapshot();
        let request = SearchRequest::parse(req.query_string(), &snapshot.list_names)?;
        let query = Query {
            text: request.q.clone(),
            schema: request.schema,
            country: request.country.clone(),
            list: request.list.clone(),
        };
        let party_of = |id: &str| snapshot.party_of(id);
        // The empty search form needs no index (at 1M entities, building one takes seconds).
        let results = if search::normalise(&query.text).is_empty() {
            search::Results::default()
        } else {
            search::search_parties(
                &*engine.search_index()?,
                &query,
                request.page,
                PER_PAGE,
                &party_of,
            )
        };
        let pages = results.total.div_ceil(PER_PAGE);
        let first_page = SearchRequest {
            page: 1,
            ..request.clone()
        };
        let facets = FacetLinks {
            schema: facet_links(results.facets.schema, request.schema.map(Schema::as_str), |v| {
                SearchRequest {
                    schema: v.and_then(|s| s.parse().ok()),
                    ..first_page.clone()
                }
            }),
            country: facet_links(results.facets.country, request.country.as_deref(), |v| {
                SearchRequest {
                    country: v,
                    ..first_page.clone()
                }
            }),
            list: facet_links(results.facets.list, request.list.as_deref(), |v| SearchRequest {
                list: v,
                ..first_page.clone()
            }),
        };
        let at = |page: usize| {
            SearchRequest {
                page,
                ..request.clone()
            }
            .href()
        };
        let prev = (request.page > 1 && request.page <= pages.max(1)).then(|| at(request.page - 1));
        let next = (request.page < pages).then(|| at(request.page + 1));
        let hits = results
            .hits
            .into_iter()
            .map(|hit| HitView {
                badges: hit
                    .lists
                    .iter()
                    .map(|l| Badge {
                        list: l.clone(),
                        slug: slug(l),
                    })
                    .collect(),
                hit,
            })
            .collect();
        Ok::<_, AppError>(SearchPage {
            title: if request.q.is_empty() {
                "Search".to_string()
            } else {
                format!("Search: {}", request.q)
            },
            total: results.total,
            per_page: PER_PAGE,
            pages,
            truncated: results.truncated,
            hits,
            facets,
            prev,
            next,
            request,
            data_version: snapshot.data_version,
        })
    })
}
