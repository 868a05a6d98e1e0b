//! `/changes`: what changed in the data. The releases of a date range and what each changed
//! (`?since=DATE[&until=DATE][&list=…][&dataset=…]`, grouped by release and list, each entity
//! linked), and the curated changes as before; its JSON twin holds both. `/changes.csv` is the
//! itemised release changes as a download, `/changes.atom` a feed of releases.

use super::account;
use super::feed::{self, Entry, Feed, Item};
use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::engine::Engine;
use crate::model::Date;
use crate::releases::{self, ChangeQuery, ChangeReport};
use crate::store::{Change, ImportLogEntry};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

/// How many curated changes `/changes` lists, newest first.
const CHANGES_SHOWN: u32 = 500;
/// How many releases the page lists when no `since` is given, and the feed and CSV cover.
const RECENT_RELEASES: usize = 20;
/// How many changes of a release the feed itemises in its entry.
const FEED_ITEMS: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub struct ChangesQuery {
    since: Option<String>,
    until: Option<String>,
    list: Option<String>,
    dataset: Option<String>,
}

fn day(name: &str, value: Option<&str>) -> Result<Option<Date>, AppError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|e: String| AppError::BadRequest(format!("{name}: {e}"))),
    }
}

impl ChangesQuery {
    /// The query asked for, `None` without `since`; a bad date or range is a 400.
    fn parse(&self) -> Result<Option<ChangeQuery>, AppError> {
        let until = day("until", self.until.as_deref())?;
        let Some(since) = day("since", self.since.as_deref())? else {
            if until.is_some() {
                return Err(AppError::BadRequest("until: needs since as well".into()));
            }
            return Ok(None);
        };
        ChangeQuery::new(since, until, self.list.clone(), self.dataset.clone())
            .map(Some)
            .map_err(AppError::BadRequest)
    }

    /// The query asked for, or (without `since`) one covering the newest releases: what the
    /// feed and the CSV give by default.
    fn or_recent(&self, engine: &Engine) -> Result<ChangeQuery, AppError> {
        if let Some(query) = self.parse()? {
            return Ok(query);
        }
        let recent = engine.read(|store| store.imports())?;
        let since = recent
            .iter()
            .take(RECENT_RELEASES)
            .filter_map(|i| i.as_of.as_deref().or(i.imported_at.get(..10)))
            .filter_map(|d| d.parse::<Date>().ok())
            .min()
            .unwrap_or_else(Date::today);
        let until = recent
            .iter()
            .filter_map(|i| i.as_of.as_deref().or(i.imported_at.get(..10)))
            .filter_map(|d| d.parse::<Date>().ok())
            .max()
            .unwrap_or(since)
            .max(Date::today());
        ChangeQuery::new(since, Some(until), self.list.clone(), self.dataset.clone())
            .map_err(AppError::BadRequest)
    }
}

#[derive(Template, Serialize)]
#[template(path = "changes.html")]
pub struct ChangesPage {
    pub title: String,
    /// What the releases of `since`…`until` changed; `None` when no `since` was given.
    pub report: Option<ChangeReport>,
    /// Without `since`: the newest releases, each linking to what it changed.
    pub recent_releases: Vec<ImportLogEntry>,
    /// The curated changes, newest first.
    pub changes: Vec<Change>,
    pub viewer: Option<Session>,
    /// The query string of the CSV and feed links (the report's own parameters).
    #[serde(skip)]
    pub links: String,
    pub data_version: i64,
}

impl ChangesPage {
    /// The link to one release's changes (for the template).
    pub fn href(&self, i: &ImportLogEntry) -> String {
        ChangesPage::release_href(i)
    }

    /// The link to one release's changes.
    fn release_href(i: &ImportLogEntry) -> String {
        let day = i
            .as_of
            .clone()
            .unwrap_or_else(|| i.imported_at.chars().take(10).collect());
        format!(
            "/changes?{}",
            query_string(&[("since", &day), ("until", &day), ("dataset", &i.dataset)])
        )
    }
}

fn query_string(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).expect("pairs of strings always encode")
}

fn links_of(q: &ChangeQuery) -> String {
    let (since, until) = (q.since.to_string(), q.until.to_string());
    let mut pairs = vec![("since", since.as_str()), ("until", until.as_str())];
    if let Some(l) = &q.list {
        pairs.push(("list", l));
    }
    if let Some(d) = &q.dataset {
        pairs.push(("dataset", d));
    }
    query_string(&pairs)
}

pub async fn changes(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    query: web::Query<ChangesQuery>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let asked = query.parse()?;
        let (report, recent_releases, changes) = engine.read(|store| {
            let report = asked.as_ref().map(|q| releases::report(store, q)).transpose()?;
            let recent = match report {
                Some(_) => Vec::new(),
                None => {
                    let mut all = store.imports()?;
                    all.truncate(RECENT_RELEASES);
                    all
                }
            };
            Ok((report, recent, store.changes(None, CHANGES_SHOWN)?))
        })?;
        let title = match &asked {
            Some(q) => format!("Changes from {} to {}", q.since, q.until),
            None => "Changes".into(),
        };
        Ok(ChangesPage {
            title,
            links: asked.as_ref().map(links_of).unwrap_or_default(),
            report,
            recent_releases,
            changes,
            viewer: account::viewer(&req, &engine)?,
            data_version: engine.snapshot().data_version,
        })
    })
}

/// The query the CSV and the feed answer (the newest releases without `since`) and its report.
/// Errors are a page, or JSON to a client that asks for it.
fn asked_report(
    format: Format,
    engine: &Engine,
    query: &ChangesQuery,
) -> Result<(ChangeQuery, ChangeReport), WebError> {
    let fail = |error| WebError { error, format };
    let q = query.or_recent(engine).map_err(fail)?;
    let report = engine
        .read(|store| releases::report(store, &q))
        .map_err(|e| fail(e.into()))?;
    Ok((q, report))
}

/// `/changes.csv`: the itemised release changes (of the newest releases without `since`).
pub async fn csv(
    format: Format,
    engine: web::Data<Engine>,
    query: web::Query<ChangesQuery>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    let (q, report) = asked_report(format, &engine, &query)?;
    let mut body = Vec::new();
    releases::write_csv(&report, &mut body).map_err(|e| fail(AppError::Internal(e.to_string())))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"changes-{}-{}.csv\"", q.since, q.until),
        ))
        .body(body))
}

/// An Atom timestamp for a release: when it was imported (`imported_at` is already RFC 3339).
fn feed_time(i: &ImportLogEntry) -> String {
    i.imported_at.clone()
}

/// `/changes.atom`: one entry per release, newest first, with its counts and changes.
pub async fn atom(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    query: web::Query<ChangesQuery>,
) -> Result<HttpResponse, WebError> {
    let (q, report) = asked_report(format, &engine, &query)?;
    let base = feed::base(&req);
    let entries: Vec<Entry> = report
        .releases
        .iter()
        .map(|r| {
            let counts: Vec<String> = r
                .counts
                .iter()
                .map(|(k, n)| format!("{} {n}", k.label()))
                .collect();
            let items: Vec<Item> = r
                .lists
                .iter()
                .flat_map(|l| l.changes.iter())
                .take(FEED_ITEMS)
                .map(|c| Item {
                    prefix: format!(
                        "{}{} ",
                        c.list.as_deref().map(|l| format!("{l}: ")).unwrap_or_default(),
                        c.change.label()
                    ),
                    href: Some(format!("{base}{}", super::entity_path(&c.entity_id))),
                    text: c.entity_name.clone(),
                    suffix: format!(" {}", releases::detail(c)),
                })
                .collect();
            let held: u64 = r.counts.values().sum();
            Entry {
                id: format!("{base}/changes#release-{}-{}", r.release.iid, r.release.checksum),
                title: format!("{} release of {}", r.release.dataset, r.day),
                updated: feed_time(&r.release),
                summary: if counts.is_empty() {
                    releases::release_line(r)
                } else {
                    counts.join(", ")
                },
                lead: releases::release_line(r),
                href: format!("{base}{}", ChangesPage::release_href(&r.release)),
                more: held.saturating_sub(items.len() as u64),
                items,
            }
        })
        .collect();
    Feed::new(
        "ownergraph: what changed in each release".into(),
        format!("{base}/changes.atom?{}", links_of(&q)),
        entries,
    )
    .respond(format)
}
