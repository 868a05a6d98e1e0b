//! Watchlists: `/watchlists` (every watchlist, and the form that saves one from a counterparty
//! file), `POST /watchlists` (save and screen it once; signed in, CSRF, the `/screen` upload's
//! limits), `/watchlists/{name}` (its rows with their current status, and its alerts newest
//! first, both paged), `/watchlists/{name}.atom` (its alerts as a feed), `POST
//! /watchlists/{name}/remove` (its owner or an admin). Each page has its JSON twin.

use super::account;
use super::feed::{self, Entry, Feed, Item};
use super::screen::{self, read_upload, Upload, MAX_UPLOAD_ROWS};
use super::{AppError, Format, WebError};
use crate::accounts::{Role, Session};
use crate::engine::Engine;
use crate::exposure::RegimeId;
use crate::screen::batch::{self, FileError};
use crate::screen::DEFAULT_THRESHOLD;
use crate::store::{AlertRow, RowState, ScreeningMeta, WatchlistRow};
use crate::watchlist::{self, NewWatchlist, Step, Watch, WatchError};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Rows and alerts a page of `/watchlists/{name}` shows.
const ROWS_PER_PAGE: u64 = 200;
const ALERTS_PER_PAGE: u64 = 50;
/// Screening records of its runs a page links.
const RECORDS_SHOWN: usize = 10;
/// Alerts the feed holds.
const FEED_ALERTS: u64 = 100;

#[derive(Template, Serialize)]
#[template(path = "watchlists.html")]
pub struct WatchlistsPage {
    #[serde(skip)]
    pub title: String,
    pub watchlists: Vec<WatchlistRow>,
    pub regimes: Vec<&'static str>,
    pub default_threshold: f64,
    pub max_bytes: usize,
    pub max_rows: usize,
    #[serde(skip)]
    pub viewer: Option<Session>,
    pub data_version: i64,
}

pub async fn list(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        Ok(WatchlistsPage {
            title: "Watchlists".into(),
            watchlists: engine.read(|s| s.watchlists())?,
            regimes: RegimeId::ALL.iter().map(|r| r.as_str()).collect(),
            default_threshold: DEFAULT_THRESHOLD,
            max_bytes: super::screen::MAX_UPLOAD_BYTES,
            max_rows: MAX_UPLOAD_ROWS,
            viewer: account::viewer(&req, &engine)?,
            data_version: engine.snapshot().data_version,
        })
    })
}

fn field<'a>(upload: &'a Upload, name: &str) -> Option<&'a str> {
    screen::field(&upload.fields, name)
}

impl From<WatchError> for AppError {
    fn from(e: WatchError) -> AppError {
        match e {
            WatchError::Invalid(m) => AppError::BadRequest(m),
            WatchError::File(e @ FileError::TooManyRows { .. }) => AppError::PayloadTooLarge(e.to_string()),
            WatchError::File(e) => AppError::BadRequest(e.to_string()),
            WatchError::Store(e) => e.into(),
        }
    }
}

/// Saves the upload as a watchlist of `session`'s user and screens it once.
fn create_from(
    engine: &Engine,
    watch: &Watch,
    session: &Session,
    upload: &Upload,
) -> Result<WatchlistPage, AppError> {
    let name = watchlist::check_name(field(upload, "name").unwrap_or("")).map_err(AppError::BadRequest)?;
    let regime: RegimeId = field(upload, "regime")
        .unwrap_or("ofac")
        .parse()
        .map_err(|e| AppError::BadRequest(format!("regime: {e}")))?;
    let threshold = screen::threshold(field(upload, "threshold"))?;
    let input = batch::read_csv(&upload.file_name, &upload.bytes[..], Some(MAX_UPLOAD_ROWS))
        .map_err(WatchError::from)?;
    let created = watch.add(
        engine,
        &NewWatchlist {
            name: &name,
            owner: &session.user.name,
            regime,
            threshold,
            webhook_url: field(upload, "webhook"),
            keep_records: field(upload, "record") == Some("true"),
            input: &input,
        },
    )?;
    let mut page = page(engine, &name, &PageQuery::default(), Some(session.clone()))?;
    page.webhook_secret = created.webhook_secret;
    page.problems = created.problems;
    Ok(page)
}

pub async fn create(
    format: Format,
    req: HttpRequest,
    payload: web::Payload,
    engine: web::Data<Engine>,
    watch: web::Data<Watch>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    // Who may save is settled before the body is read.
    account::viewer(&req, &engine).map_err(fail)?.ok_or_else(|| {
        fail(AppError::Unauthorized(
            "sign in to save a watchlist (at /login)".into(),
        ))
    })?;
    let upload = read_upload(&req, payload).await.map_err(fail)?;
    let session = account::require(&req, &engine, field(&upload, "csrf").unwrap_or("")).map_err(fail)?;
    // Screening takes the cores for up to seconds: off the async workers.
    let page = web::block(move || create_from(&engine, &watch, &session, &upload))
        .await
        .map_err(|e| fail(AppError::Internal(e.to_string())))?
        .map_err(fail)?;
    format.render(&page)
}

/// A row with its current match and status.
#[derive(Serialize)]
pub struct RowView {
    pub row: i64,
    pub line: i64,
    pub name: String,
    pub cells: Vec<String>,
    pub match_id: Option<String>,
    pub match_name: Option<String>,
    pub score: Option<f64>,
    /// listed, blocked, possibly_blocked, not_blocked, or none (no match); unknown before
    /// the first screening.
    pub status: String,
    pub evidence: Vec<Step>,
}

#[derive(Serialize)]
pub struct AlertView {
    #[serde(flatten)]
    pub alert: AlertRow,
    pub before: Option<RowState>,
    pub after: Option<RowState>,
    /// The ownership chain behind the status (the match first, the listed party last).
    pub evidence: Vec<Step>,
}

impl AlertView {
    fn new(alert: AlertRow) -> AlertView {
        AlertView {
            before: watchlist::state(alert.before.as_deref()),
            after: watchlist::state(alert.after.as_deref()),
            evidence: watchlist::steps(alert.evidence.as_deref()),
            alert,
        }
    }

    /// "not_blocked → blocked", "none → listed".
    pub fn change(&self) -> String {
        let status = |s: &Option<RowState>| {
            s.as_ref()
                .map_or(watchlist::NO_MATCH, |s| s.status.as_str())
                .to_string()
        };
        format!("{} → {}", status(&self.before), status(&self.after))
    }

    /// The kind in words.
    pub fn kind_label(&self) -> &'static str {
        match self.alert.kind.as_str() {
            "new_match" => "new match",
            "match_gone" => "match gone",
            _ => "status changed",
        }
    }

    /// The release that caused it, in words.
    pub fn release(&self) -> String {
        match (&self.alert.release_dataset, &self.alert.release_day) {
            (Some(d), Some(day)) => format!("{d} release of {day}"),
            _ => "a curated change".into(),
        }
    }
}

#[derive(Template, Serialize)]
#[template(path = "watchlist.html")]
pub struct WatchlistPage {
    #[serde(skip)]
    pub title: String,
    pub watchlist: WatchlistRow,
    pub rows: Vec<RowView>,
    pub rows_page: u64,
    pub rows_pages: u64,
    pub alerts: Vec<AlertView>,
    pub alerts_total: u64,
    pub page: u64,
    pub pages: u64,
    /// Webhook deliveries: delivered, waiting, given up.
    pub deliveries: (u64, u64, u64),
    /// The newest screening records of its runs (when it keeps them), and how many there are.
    pub records: Vec<ScreeningMeta>,
    pub records_total: u64,
    /// The webhook's secret, only in the answer that saved the watchlist.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    /// Rows of the saved file that could not be read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    #[serde(skip)]
    pub viewer: Option<Session>,
    /// The viewer may remove it (its owner, or an admin).
    pub removable: bool,
    pub data_version: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    page: Option<u64>,
    rows_page: Option<u64>,
}

fn pages(total: u64, per: u64) -> u64 {
    total.div_ceil(per).max(1)
}

fn in_range(name: &str, asked: Option<u64>, pages: u64) -> Result<u64, AppError> {
    match asked.unwrap_or(1) {
        p if (1..=pages).contains(&p) => Ok(p),
        p => Err(AppError::BadRequest(format!(
            "{name}: from 1 to {pages}, got {p}"
        ))),
    }
}

fn may_remove(viewer: Option<&Session>, w: &WatchlistRow) -> bool {
    viewer.is_some_and(|s| s.user.name == w.owner || s.user.role == Role::Admin)
}

fn page(
    engine: &Engine,
    name: &str,
    q: &PageQuery,
    viewer: Option<Session>,
) -> Result<WatchlistPage, AppError> {
    // One read (one read transaction): an evaluation committing meanwhile must not show its
    // alerts beside the rows' statuses from before it.
    let asked = q.page.unwrap_or(1);
    let (w, rows, states, deliveries, (records, records_total), (alerts, alerts_total)) =
        engine.read(|s| {
            let w = s
                .watchlist(name)?
                .ok_or_else(|| crate::store::StoreError::NotFound(format!("no watchlist named {name:?}")))?;
            // A page past the last reads nothing; it is refused below.
            let offset = asked.saturating_sub(1).saturating_mul(ALERTS_PER_PAGE);
            let wid = w.wid;
            Ok((
                w,
                s.watchlist_rows(wid)?,
                s.watchlist_states(wid)?,
                s.delivery_counts(wid)?,
                s.watchlist_screenings(wid, RECORDS_SHOWN)?,
                s.alerts(wid, offset.min(i64::MAX as u64), ALERTS_PER_PAGE)?,
            ))
        })?;
    let rows_pages = pages(rows.len() as u64, ROWS_PER_PAGE);
    let rows_page = in_range("rows_page", q.rows_page, rows_pages)?;
    let alert_pages = pages(alerts_total, ALERTS_PER_PAGE);
    let page = in_range("page", q.page, alert_pages)?;
    let mut states: HashMap<i64, RowState> = states.into_iter().collect();
    let rows = rows
        .into_iter()
        .skip(((rows_page - 1) * ROWS_PER_PAGE) as usize)
        .take(ROWS_PER_PAGE as usize)
        .map(|r| {
            let state = states.remove(&r.row);
            RowView {
                row: r.row,
                line: r.line,
                name: r.name,
                cells: r.cells,
                evidence: watchlist::steps(state.as_ref().and_then(|s| s.evidence.as_deref())),
                match_id: state.as_ref().and_then(|s| s.match_id.clone()),
                match_name: state.as_ref().and_then(|s| s.match_name.clone()),
                score: state.as_ref().and_then(|s| s.score),
                status: state.map_or_else(|| "unknown".into(), |s| s.status),
            }
        })
        .collect();
    Ok(WatchlistPage {
        title: format!("Watchlist {}", w.name),
        removable: may_remove(viewer.as_ref(), &w),
        rows,
        rows_page,
        rows_pages,
        alerts: alerts.into_iter().map(AlertView::new).collect(),
        alerts_total,
        page,
        pages: alert_pages,
        deliveries,
        records,
        records_total,
        webhook_secret: None,
        problems: Vec::new(),
        viewer,
        watchlist: w,
        data_version: engine.snapshot().data_version,
    })
}

/// `/watchlists/{name}`, or its feed when the name ends in `.atom` (a watchlist's name has
/// no dot, so the two cannot be confused).
pub async fn show(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    name: web::Path<String>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    if let Some(name) = name.strip_suffix(".atom") {
        return atom(format, &req, &engine, name);
    }
    format.respond(|| page(&engine, &name, &query, account::viewer(&req, &engine)?))
}

fn atom(format: Format, req: &HttpRequest, engine: &Engine, name: &str) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    let (w, alerts) = engine
        .read(|s| {
            let w = s
                .watchlist(name)?
                .ok_or_else(|| crate::store::StoreError::NotFound(format!("no watchlist named {name:?}")))?;
            let (alerts, _) = s.alerts(w.wid, 0, FEED_ALERTS)?;
            Ok((w, alerts))
        })
        .map_err(|e| fail(e.into()))?;
    let base = feed::base(req);
    let here = format!("{base}/watchlists/{}", w.name);
    let entries = alerts
        .into_iter()
        .map(AlertView::new)
        .map(|a| Entry {
            id: format!("{here}#alert-{}", a.alert.aid),
            title: format!("{}: {} ({})", a.alert.name, a.kind_label(), a.change()),
            href: format!("{here}#alert-{}", a.alert.aid),
            updated: a.alert.created_at.clone(),
            summary: format!("Line {} of {}, after the {}", a.alert.line, w.file, a.release()),
            lead: format!(
                "{} under {}: {}{}",
                a.alert.name,
                w.regime.to_uppercase(),
                a.change(),
                a.after
                    .as_ref()
                    .or(a.before.as_ref())
                    .and_then(|s| s.match_name.as_deref())
                    .map(|m| format!(", matching {m}"))
                    .unwrap_or_default()
            ),
            items: a
                .evidence
                .iter()
                .enumerate()
                .map(|(i, step)| Item {
                    prefix: if i == 0 { String::new() } else { "owned by ".into() },
                    href: Some(format!("{base}{}", super::entity_path(&step.id))),
                    text: step.name.clone(),
                    suffix: if step.lists.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", step.lists.join(", "))
                    },
                })
                .collect(),
            more: 0,
        })
        .collect();
    Feed::new(
        format!("ownergraph: alerts of watchlist {}", w.name),
        format!("{here}.atom"),
        entries,
    )
    .respond(format)
}

#[derive(Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    csrf: String,
}

pub async fn remove(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    name: web::Path<String>,
    form: web::Form<RemoveForm>,
) -> Result<HttpResponse, WebError> {
    let answer = (|| {
        let session = account::require(&req, &engine, &form.csrf)?;
        let w = engine
            .read(|s| s.watchlist(&name))?
            .ok_or_else(|| AppError::NotFound(format!("no watchlist named {:?}", name.as_str())))?;
        if !may_remove(Some(&session), &w) {
            return Err(AppError::Forbidden(format!(
                "watchlist {} is {}'s: only its owner or an admin may remove it",
                w.name, w.owner
            )));
        }
        engine.write(|s| s.remove_watchlist(&w.name))?;
        Ok(w.name)
    })();
    let removed = answer.map_err(|error| WebError { error, format })?;
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(serde_json::json!({ "removed": removed })),
        Format::Html => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/watchlists"))
            .finish(),
    })
}

/// Screens the watchlists again after an import, on a thread of its own: the import's answer
/// does not wait for it.
pub fn after_import(engine: web::Data<Engine>, watch: web::Data<Watch>) {
    std::thread::spawn(move || {
        if let Err(e) = watch.rescreen(&engine) {
            tracing::warn!("could not screen the watchlists again: {e}");
        }
    });
}
