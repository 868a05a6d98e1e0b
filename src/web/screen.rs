//! Screening pages: `/match` (one name, its best candidates and why) and `/screen` (a
//! counterparty CSV file uploaded, screened under a regime on a day, the results as a table,
//! as JSON and as a CSV download).
//!
//! `POST /screen` takes no session and no CSRF token, unlike the curation forms, unless it
//! asks to keep a record: screening reads the data and writes nothing to the database, so a
//! forged cross-site post could only make the server compute a table the forger cannot read.
//! What it keeps is the results for download, in memory, under a random token, bounded in
//! number, size and age ([`Downloads`]). With `record=true` (a signed-in user's "keep a
//! record", with the form's `csrf`) the screen is also kept as a screening record
//! (`crate::screenings`), shown at `/screenings/{id}`.

use super::search::Badge;
use super::upload::{display_file_name, text_field};
use super::{AppError, Format, WebError};
use crate::accounts::Session;
use crate::engine::Engine;
use crate::exposure::RegimeId;
use crate::model::{slug, Date, Schema};
use crate::screen::batch::{self, FileError, Input, Match, Options, Summary, INPUT_COLUMNS};
use crate::screen::{Candidate, Matcher, Subject, DEFAULT_THRESHOLD};
use crate::screenings;
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Candidates `/match` shows unless told otherwise, and the most it shows (all the matcher
/// scores in full).
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = crate::screen::CANDIDATES;
/// Longest country accepted by `/match`, in characters.
const MAX_COUNTRY_CHARS: usize = 64;
/// Largest file `/screen` accepts, and most data rows.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
pub const MAX_UPLOAD_ROWS: usize = 10_000;
/// Form fields other than the file: at most this many.
const MAX_FIELDS: usize = 16;

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn exposure_href(id: &str, regime: RegimeId, as_of: Option<Date>) -> String {
    let mut pairs = vec![("regime", regime.as_str().to_string())];
    if let Some(day) = as_of {
        pairs.push(("as_of", day.to_string()));
    }
    let query = serde_urlencoded::to_string(&pairs).expect("string pairs always encode");
    format!("{}/exposure?{query}", super::entity_path(id))
}

fn badges(lists: &[String]) -> Vec<Badge> {
    lists
        .iter()
        .map(|l| Badge {
            list: l.clone(),
            slug: slug(l),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// /match

/// The query string as given; every field is checked by [`MatchRequest::parse`].
#[derive(Debug, Default, Deserialize)]
struct MatchParams {
    name: Option<String>,
    country: Option<String>,
    schema: Option<String>,
    limit: Option<String>,
}

/// A checked `/match` request.
#[derive(Debug, Clone, Serialize)]
pub struct MatchRequest {
    pub name: String,
    pub country: Option<String>,
    pub schema: Option<Schema>,
    pub limit: usize,
}

impl MatchRequest {
    fn parse(query_string: &str) -> Result<MatchRequest, AppError> {
        let params = web::Query::<MatchParams>::from_query(query_string)
            .map_err(|e| AppError::BadRequest(format!("malformed query string: {e}")))?
            .into_inner();
        let name = params.name.unwrap_or_default().trim().to_string();
        if name.chars().count() > batch::MAX_NAME_CHARS {
            return Err(AppError::BadRequest(format!(
                "name: at most {} characters, got {}",
                batch::MAX_NAME_CHARS,
                name.chars().count()
            )));
        }
        let country = non_empty(params.country);
        if country
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COUNTRY_CHARS)
        {
            return Err(AppError::BadRequest(format!(
                "country: at most {MAX_COUNTRY_CHARS} characters"
            )));
        }
        let schema = non_empty(params.schema)
            .map(|s| batch::parse_schema(&s))
            .transpose()
            .map_err(|e| AppError::BadRequest(format!("schema: {e}")))?;
        let limit = match non_empty(params.limit) {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    AppError::BadRequest(format!(
                        "limit: a whole number from 1 to {MAX_LIMIT}, got {text:?}"
                    ))
                })?,
        };
        Ok(MatchRequest {
            name,
            country,
            schema,
            limit,
        })
    }
}

/// A candidate as `/match` shows it.
#[derive(Debug, Serialize)]
pub struct CandidateView {
    #[serde(flatten)]
    pub candidate: Candidate,
    /// Whether the score reaches the threshold.
    pub is_match: bool,
    pub badges: Vec<Badge>,
    pub href: String,
    pub exposure_href: String,
}

#[derive(Template, Serialize)]
#[template(path = "match.html")]
pub struct MatchPage {
    #[serde(skip)]
    pub title: String,
    pub request: MatchRequest,
    pub threshold: f64,
    /// Best first; empty until a name is given.
    pub candidates: Vec<CandidateView>,
    #[serde(skip)]
    pub schemas: [Schema; Schema::ALL.len()],
    pub data_version: i64,
}

impl MatchPage {
    /// Whether the form's schema menu shows `schema` chosen.
    fn selected(&self, schema: &Schema) -> bool {
        self.request.schema == Some(*schema)
    }
}

pub async fn match_page(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let request = MatchRequest::parse(req.query_string())?;
        let matcher = Matcher::new(&engine)?;
        let candidates = if request.name.is_empty() {
            Vec::new()
        } else {
            let subject = Subject {
                name: request.name.clone(),
                country: request.country.clone(),
                schema: request.schema,
                ..Subject::default()
            };
            matcher
                .candidates(&subject, request.limit)?
                .into_iter()
                .map(|c| CandidateView {
                    is_match: c.score >= DEFAULT_THRESHOLD,
                    badges: badges(&c.lists),
                    href: super::entity_path(&c.id),
                    exposure_href: exposure_href(&c.id, RegimeId::Ofac, None),
                    candidate: c,
                })
                .collect()
        };
        Ok::<_, AppError>(MatchPage {
            title: if request.name.is_empty() {
                "Match a name".to_string()
            } else {
                format!("Match: {}", request.name)
            },
            request,
            threshold: DEFAULT_THRESHOLD,
            candidates,
            schemas: Schema::ALL,
            data_version: matcher.snapshot.data_version,
        })
    })
}

// ---------------------------------------------------------------------------------------
// /screen

/// The upload form, and what it accepts.
#[derive(Template, Serialize)]
#[template(path = "screen.html")]
pub struct ScreenForm {
    #[serde(skip)]
    pub title: String,
    pub max_bytes: usize,
    pub max_rows: usize,
    pub columns: [&'static str; 5],
    pub regimes: Vec<&'static str>,
    pub default_threshold: f64,
    #[serde(skip)]
    pub today: Date,
    pub data_version: i64,
    /// Who is signed in: only then can a screen be kept as a record.
    pub viewer: Option<Session>,
}

pub async fn form(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        Ok::<_, AppError>(ScreenForm {
            viewer: super::account::viewer(&req, &engine)?,
            title: "Screen a file".to_string(),
            max_bytes: MAX_UPLOAD_BYTES,
            max_rows: MAX_UPLOAD_ROWS,
            columns: INPUT_COLUMNS,
            regimes: RegimeId::ALL.iter().map(|r| r.as_str()).collect(),
            default_threshold: DEFAULT_THRESHOLD,
            today: Date::today(),
            data_version: engine.snapshot().data_version,
        })
    })
}

/// One row of the results table: an input row and one of its matches.
#[derive(Debug, Serialize)]
pub struct ResultRow {
    pub line: u64,
    pub name: String,
    /// The input row's cells, in the order of `header`.
    pub cells: Vec<String>,
    #[serde(rename = "match")]
    pub found: Option<Match>,
    pub exposure_href: Option<String>,
    #[serde(skip)]
    pub badges: Vec<Badge>,
}

/// A row that could not be read.
#[derive(Debug, Serialize)]
pub struct Problem {
    pub line: u64,
    pub field: String,
    pub message: String,
}

#[derive(Template, Serialize)]
#[template(path = "screen_results.html")]
pub struct ScreenResults {
    #[serde(skip)]
    pub title: String,
    pub file: String,
    pub regime: RegimeId,
    pub as_of: Date,
    pub threshold: f64,
    pub all_matches: bool,
    /// The rule's state on the day, in words.
    pub regime_note: String,
    pub summary: Summary,
    pub header: Vec<String>,
    pub rows: Vec<ResultRow>,
    pub problems: Vec<Problem>,
    /// Where the same results are as CSV, for an hour.
    pub download: String,
    /// The id of the screening record kept of it (`/screenings/{id}`), when one was asked for.
    pub record: Option<i64>,
    pub data_version: i64,
}

/// What a `POST /screen` (or `POST /watchlists`) carried.
pub(super) struct Upload {
    pub file_name: String,
    pub bytes: web::Bytes,
    /// The other form fields (or, for a `text/csv` body, the query string).
    pub fields: Vec<(String, String)>,
}

fn too_large() -> AppError {
    AppError::PayloadTooLarge(format!(
        "file: larger than {} MiB; split it (at most {MAX_UPLOAD_ROWS} rows a file)",
        MAX_UPLOAD_BYTES / (1024 * 1024)
    ))
}

/// Reads the upload: a multipart form with a `file` field, or a `text/csv` body.
pub(super) async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<Upload, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if content_type.starts_with("text/csv") || content_type.starts_with("text/plain") {
        let bytes = payload
            .to_bytes_limited(MAX_UPLOAD_BYTES)
            .await
            .map_err(|_| too_large())?
            .map_err(|e| AppError::BadRequest(format!("reading the body: {e}")))?;
        let fields = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map_err(|e| AppError::BadRequest(format!("malformed query string: {e}")))?
            .into_inner();
        return Ok(Upload {
            file_name: "upload.csv".to_string(),
            bytes,
            fields,
        });
    }
    if !content_type.starts_with("multipart/form-data") {
        return Err(AppError::BadRequest(
            "send the file as multipart/form-data (a form with a `file` field) or as a text/csv body"
                .to_string(),
        ));
    }
    let malformed =
        |e: actix_multipart::MultipartError| AppError::BadRequest(format!("malformed upload: {e}"));
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut file = None;
    let mut fields = Vec::new();
    let mut seen = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        seen += 1;
        if seen > MAX_FIELDS {
            return Err(AppError::BadRequest(format!(
                "more than {MAX_FIELDS} form fields"
            )));
        }
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(display_file_name)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "upload.csv".to_string());
            let bytes = field
                .bytes(MAX_UPLOAD_BYTES)
                .await
                .map_err(|_| too_large())?
                .map_err(malformed)?;
            file = Some((file_name, bytes));
        } else {
            let value = text_field(&mut field, &name).await?;
            fields.push((name, value));
        }
    }
    let (file_name, bytes) = file.ok_or_else(|| {
        AppError::BadRequest("file: required (a CSV file with a `name` column)".to_string())
    })?;
    Ok(Upload {
        file_name,
        bytes,
        fields,
    })
}

/// The last non-empty value of the form field `name`, trimmed.
pub(super) fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .rev()
        .find(|(n, v)| n == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

/// The form's threshold, [`DEFAULT_THRESHOLD`] when none is given.
pub(super) fn threshold(text: Option<&str>) -> Result<f64, AppError> {
    text.map_or(Ok(DEFAULT_THRESHOLD), |t| {
        crate::screen::parse_threshold(t)
            .map_err(|_| AppError::BadRequest(format!("threshold: a number from 0 to 1, got {t:?}")))
    })
}

/// The screening options from the form fields.
fn options(fields: &[(String, String)]) -> Result<Options, AppError> {
    let get = |name: &str| field(fields, name);
    let regime: RegimeId = get("regime")
        .unwrap_or("ofac")
        .parse()
        .map_err(|e| AppError::BadRequest(format!("regime: {e}")))?;
    let as_of = match get("as_of") {
        None => Date::today(),
        Some(text) => text
            .parse()
            .map_err(|e: String| AppError::BadRequest(format!("as_of: {e}")))?,
    };
    let threshold = threshold(get("threshold"))?;
    let all_matches = flag(fields, "all_matches")?;
    Ok(Options {
        regime,
        as_of,
        threshold,
        all_matches,
    })
}

pub async fn submit(
    format: Format,
    req: HttpRequest,
    payload: web::Payload,
    engine: web::Data<Engine>,
    downloads: web::Data<Downloads>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    let upload = read_upload(&req, payload).await.map_err(fail)?;
    let options = options(&upload.fields).map_err(fail)?;
    // Keeping a record writes: a session and its CSRF token, checked before any work.
    let keeper = match flag(&upload.fields, "record").map_err(fail)? {
        false => None,
        true => Some(
            super::account::require(&req, &engine, field(&upload.fields, "csrf").unwrap_or(""))
                .map_err(fail)?,
        ),
    };
    let input =
        batch::read_csv(&upload.file_name, &upload.bytes[..], Some(MAX_UPLOAD_ROWS)).map_err(|e| {
            fail(match e {
                FileError::TooManyRows { .. } => AppError::PayloadTooLarge(e.to_string()),
                _ => AppError::BadRequest(e.to_string()),
            })
        })?;
    // Matching takes both cores for up to seconds: off the async workers.
    let bytes = upload.bytes.clone();
    let (input, screened, record) = web::block(move || {
        let screened = batch::screen(&engine, &input, &options)?;
        let record = keeper
            .map(|s| {
                screenings::keep(
                    &engine,
                    &s.user.name,
                    screenings::Source::Web,
                    &bytes,
                    &input,
                    &screened,
                )
            })
            .transpose()?;
        Ok::<_, crate::store::StoreError>((input, screened, record))
    })
    .await
    .map_err(|e| fail(AppError::Internal(e.to_string())))?
    .map_err(|e| fail(e.into()))?;
    let mut csv = Vec::new();
    batch::write_csv(&input, &screened, &mut csv).map_err(|e| fail(AppError::Internal(e.to_string())))?;
    let token = downloads.keep(csv);
    let mut page = results_page(&upload.file_name, input, screened, token);
    page.record = record;
    format.render(&page)
}

/// A yes/no form field: a checkbox's `on`, or true/false, 1/0; absent is no.
fn flag(fields: &[(String, String)], name: &str) -> Result<bool, AppError> {
    match field(fields, name) {
        None | Some("false") | Some("0") => Ok(false),
        Some("on") | Some("true") | Some("1") => Ok(true),
        Some(other) => Err(AppError::BadRequest(format!(
            "{name}: true or false, got {other:?}"
        ))),
    }
}

fn results_page(file: &str, input: Input, screened: batch::Screened, token: String) -> ScreenResults {
    let options = screened.options;
    let rows = screened
        .rows
        .into_iter()
        .map(|r| {
            let row = &input.rows[r.row];
            ResultRow {
                line: row.line,
                name: row.subject.name.clone(),
                cells: row.cells.clone(),
                exposure_href: r
                    .found
                    .as_ref()
                    .map(|m| exposure_href(&m.id, options.regime, Some(options.as_of))),
                badges: r.found.as_ref().map(|m| badges(&m.lists)).unwrap_or_default(),
                found: r.found,
            }
        })
        .collect();
    ScreenResults {
        title: format!("Screening of {file}"),
        file: file.to_string(),
        regime: options.regime,
        as_of: options.as_of,
        threshold: options.threshold,
        all_matches: options.all_matches,
        regime_note: screened.regime_note,
        summary: screened.summary,
        header: input.header,
        rows,
        problems: input
            .problems
            .into_iter()
            .map(|p| Problem {
                line: p.origin.line,
                field: p.field,
                message: p.message,
            })
            .collect(),
        download: format!("/screen/{token}.csv"),
        record: None,
        data_version: screened.data_version,
    }
}

/// `GET /screen/{token}.csv`: the results of one upload as CSV.
pub async fn download(
    format: Format,
    token: web::Path<String>,
    downloads: web::Data<Downloads>,
) -> Result<HttpResponse, WebError> {
    let csv = downloads.get(&token).ok_or_else(|| WebError {
        error: AppError::NotFound(format!(
            "no screening results under this link; results are kept for {} minutes, the last {} uploads",
            KEEP_FOR.as_secs() / 60,
            KEEP_COUNT
        )),
        format,
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"screened.csv\"",
        ))
        .body(csv.as_ref().clone()))
}

/// How long, how many and how much screening results are kept for download.
const KEEP_FOR: Duration = Duration::from_secs(3600);
const KEEP_COUNT: usize = 32;
const KEEP_BYTES: usize = 64 * 1024 * 1024;

/// Recent screening results as CSV, by random token; the oldest go first when a bound is hit.
/// One per server (shared by its workers), registered by [`super::serve`].
#[derive(Default)]
pub struct Downloads {
    kept: Mutex<VecDeque<Kept>>,
}

/// One upload's results: token, when kept, the CSV.
type Kept = (String, Instant, Arc<Vec<u8>>);

impl Downloads {
    fn keep(&self, csv: Vec<u8>) -> String {
        let token = crate::accounts::new_token();
        let mut kept = self.kept.lock().expect("downloads lock");
        kept.retain(|(_, at, _)| at.elapsed() < KEEP_FOR);
        kept.push_back((token.clone(), Instant::now(), Arc::new(csv)));
        while kept.len() > KEEP_COUNT || kept.iter().map(|(_, _, c)| c.len()).sum::<usize>() > KEEP_BYTES {
            kept.pop_front();
        }
        token
    }

    fn get(&self, token: &str) -> Option<Arc<Vec<u8>>> {
        let kept = self.kept.lock().expect("downloads lock");
        kept.iter()
            .find(|(t, at, _)| t == token && at.elapsed() < KEEP_FOR)
            .map(|(_, _, csv)| csv.clone())
    }
}
