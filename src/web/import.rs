//! Importing over HTTP (`/import`), for admins only: the same readers and the same one
//! transaction as `ownergraph import`, fed from an uploaded file.
//!
//! The session and its role are checked before the body is read, so nobody else can make the
//! server store an upload; the CSRF token (a form field or `X-CSRF-Token`) is checked before
//! anything is applied. The upload is streamed to a private temporary directory, bounded in
//! size, and removed when the request ends, whatever happens.

use super::account::{require, viewer};
use super::upload::{display_file_name, text_field};
use super::{AppError, Format, WebError};
use crate::accounts::{Role, Session};
use crate::engine::Engine;
use crate::import::{self, ImportError, LinkResolution};
use crate::model::Date;
use crate::store::{ApplyMode, ApplyReport};
use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Largest upload `/import` accepts, all files together, unless an [`ImportLimit`] says
/// otherwise; larger releases go through `ownergraph import` on the server.
pub const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

/// Overrides [`MAX_IMPORT_BYTES`] when registered as app data (`web::Data<ImportLimit>`).
#[derive(Debug, Clone, Copy)]
pub struct ImportLimit {
    pub max_bytes: u64,
}

fn max_bytes(req: &HttpRequest) -> u64 {
    req.app_data::<web::Data<ImportLimit>>()
        .map_or(MAX_IMPORT_BYTES, |l| l.max_bytes)
}
/// Form fields other than the files: at most this many, each at most this long.
const MAX_FIELDS: usize = 16;
/// The file fields of each format: one file, the three files of a CSV directory, or OFAC's
/// CSV set (its comments file optional).
const CSV_FILES: [&str; 3] = ["entities", "relations", "listings"];
const OFAC_CSV_FILES: [&str; 4] = ["sdn", "add", "alt", "sdn_comments"];
const OFAC_CSV_REQUIRED: [&str; 3] = ["sdn", "add", "alt"];

/// Every format `ownergraph import` reads.
fn formats() -> Vec<&'static str> {
    use clap::ValueEnum;
    import::Format::value_variants()
        .iter()
        .map(|f| f.as_str())
        .collect()
}

fn parse_format(text: &str) -> Result<import::Format, AppError> {
    use clap::ValueEnum;
    import::Format::value_variants()
        .iter()
        .copied()
        .find(|f| f.as_str() == text)
        .ok_or_else(|| {
            AppError::BadRequest(format!("format: {text:?} is not one of {}", formats().join(", ")))
        })
}

/// 403 unless `session` is an admin's.
fn admin(session: &Session) -> Result<(), AppError> {
    if session.user.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "importing over HTTP is for admins; {} is a {}",
            session.user.name, session.user.role
        )))
    }
}

#[derive(Template, Serialize)]
#[template(path = "import.html")]
pub struct ImportForm {
    pub title: String,
    pub viewer: Option<Session>,
    /// Whether the viewer may import (an admin is signed in).
    pub allowed: bool,
    pub formats: Vec<&'static str>,
    pub max_bytes: u64,
    pub today: Date,
    pub data_version: i64,
}

/// `GET /import`: the upload form for admins; for anyone else, who may use it.
pub async fn form(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, WebError> {
    format.respond(|| {
        let viewer = viewer(&req, &engine)?;
        Ok(ImportForm {
            title: "Import".into(),
            allowed: viewer.as_ref().is_some_and(|s| s.user.role == Role::Admin),
            viewer,
            formats: formats(),
            max_bytes: max_bytes(&req),
            today: Date::today(),
            data_version: engine.snapshot().data_version,
        })
    })
}

/// The upload as stored in its temporary directory, with the form's other fields.
struct Upload {
    dir: tempfile::TempDir,
    /// Field name → the file's name as the client gave it (for messages and the import log).
    files: BTreeMap<String, String>,
    fields: Vec<(String, String)>,
}

impl Upload {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    fn flag(&self, name: &str) -> Result<bool, AppError> {
        match self.field(name) {
            None | Some("false") | Some("0") => Ok(false),
            Some("on") | Some("true") | Some("1") => Ok(true),
            Some(other) => Err(AppError::BadRequest(format!(
                "{name}: true or false, got {other:?}"
            ))),
        }
    }
}

/// Streams a multipart upload into a new temporary directory: `file` under the (sanitised)
/// name the client gave it, `entities`/`relations`/`listings` as `NAME.csv`.
async fn receive(req: &HttpRequest, payload: web::Payload) -> Result<Upload, AppError> {
    let malformed =
        |e: actix_multipart::MultipartError| AppError::BadRequest(format!("malformed upload: {e}"));
    let failed = |e: std::io::Error| AppError::Internal(format!("storing the upload: {e}"));
    let dir = tempfile::Builder::new()
        .prefix("ownergraph-upload-")
        .tempdir()
        .map_err(failed)?;
    let mut multipart = Multipart::new(req.headers(), payload);
    let mut upload = Upload {
        dir,
        files: BTreeMap::new(),
        fields: Vec::new(),
    };
    let limit = max_bytes(req);
    let mut written: u64 = 0;
    let mut seen = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(malformed)?;
        let name = field.name().unwrap_or_default().to_string();
        let given = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(display_file_name)
            .filter(|n| !n.is_empty());
        let stored_as = match name.as_str() {
            "file" => stored_name(given.as_deref().unwrap_or("upload")),
            n if CSV_FILES.contains(&n) || OFAC_CSV_FILES.contains(&n) => format!("{n}.csv"),
            _ => {
                seen += 1;
                if seen > MAX_FIELDS {
                    return Err(AppError::BadRequest(format!(
                        "more than {MAX_FIELDS} form fields"
                    )));
                }
                let value = text_field(&mut field, &name).await?;
                upload.fields.push((name, value));
                continue;
            }
        };
        if upload.files.contains_key(&name) {
            return Err(AppError::BadRequest(format!("{name}: sent twice")));
        }
        let stored = upload.dir.path().join(&stored_as);
        let mut out = std::fs::File::create(&stored).map_err(failed)?;
        let mut length = 0;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(malformed)?;
            written += chunk.len() as u64;
            if written > limit {
                return Err(AppError::PayloadTooLarge(format!(
                    "the upload is larger than {}; import larger files with `ownergraph import` on the server",
                    size(limit)
                )));
            }
            length += chunk.len();
            out.write_all(&chunk).map_err(failed)?;
        }
        out.flush().map_err(failed)?;
        if length == 0 && given.is_none() {
            // A browser sends every file input of the form, the ones left empty as a part
            // with no file name and no bytes: those were not chosen.
            std::fs::remove_file(&stored).map_err(failed)?;
            continue;
        }
        upload.files.insert(name, given.unwrap_or(stored_as));
    }
    Ok(upload)
}

fn size(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MiB", bytes / (1024 * 1024))
    } else {
        format!("{bytes} bytes")
    }
}

/// A file name safe to create in the upload directory: its letters, digits, `.`, `-` and
/// `_`, never empty or a dot-name. The importers take the default dataset from it.
fn stored_name(given: &str) -> String {
    let name: String = given
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    let name = name.trim_start_matches('.');
    if name.is_empty() {
        "upload".to_string()
    } else {
        name.to_string()
    }
}

/// What an import did, as the result page and its JSON twin show it.
#[derive(Template, Serialize)]
#[template(path = "import_result.html")]
pub struct ImportResult {
    pub title: String,
    pub dataset: String,
    pub format: &'static str,
    /// The uploaded file names.
    pub files: Vec<String>,
    pub entities: usize,
    pub relations: usize,
    pub listings: usize,
    pub dry_run: bool,
    /// The release date when the upload was a whole release; none for a partial import.
    pub release: Option<Date>,
    pub report: ApplyReport,
    /// What the file holds that ownergraph does not model, by schema or type name.
    pub skipped: BTreeMap<String, u64>,
    /// How OFAC's "Linked To:" names resolved (OFAC files only).
    pub links: Option<LinkResolution>,
    /// What cross-referencing the dataset against the others found (none when nothing changed
    /// or on a dry run).
    pub xref: Option<XrefSummary>,
    pub seconds: f64,
    pub by: String,
    pub data_version: i64,
}

/// Cross-referencing after an import, in counts.
#[derive(Serialize)]
pub struct XrefSummary {
    /// Records read: the imported dataset's and every other dataset's.
    pub records: usize,
    /// Pairs kept for review (and merged), scoring at least the default minimum.
    pub pairs: usize,
    /// Pairs merged automatically on decisive evidence.
    pub merged: usize,
    /// Decisive pairs left apart because a person judged them not the same (or a chain would
    /// cross such a judgement).
    pub refused: usize,
}

/// `POST /import`: a multipart form with `csrf`, `format` (ftm, bods, ofac-sdn, csv), the file
/// (`file`, or `entities`, `relations` and `listings` for csv), optional `dataset`, `as_of`
/// (the release date; default today), `partial` (add and change only) and `dry_run`.
pub async fn submit(
    format: Format,
    req: HttpRequest,
    payload: web::Payload,
    engine: web::Data<Engine>,
    watch: web::Data<crate::watchlist::Watch>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    // Who may upload is settled before a byte of the body is stored.
    let session = viewer(&req, &engine).map_err(fail)?.ok_or_else(|| {
        fail(AppError::Unauthorized(
            "sign in as an admin to import (at /login)".into(),
        ))
    })?;
    admin(&session).map_err(fail)?;
    let upload = receive(&req, payload).await.map_err(fail)?;
    let session = require(&req, &engine, upload.field("csrf").unwrap_or("")).map_err(fail)?;
    admin(&session).map_err(fail)?;
    let importing = engine.clone();
    let result = web::block(move || run(&importing, &upload, &session.user.name))
        .await
        .map_err(|e| fail(AppError::Internal(e.to_string())))?
        .map_err(fail)?;
    super::watchlists::after_import(engine, watch);
    format.render(&result)
}

/// Reads, validates and applies the upload in one transaction, as `ownergraph import` does.
fn run(engine: &Engine, upload: &Upload, by: &str) -> Result<ImportResult, AppError> {
    let started = Instant::now();
    let format = parse_format(upload.field("format").unwrap_or(""))?;
    let dataset = upload.field("dataset");
    if dataset.is_some_and(|d| d.chars().count() > 100) {
        return Err(AppError::BadRequest("dataset: at most 100 characters".into()));
    }
    let partial = upload.flag("partial")?;
    let dry_run = upload.flag("dry_run")?;
    let as_of = upload
        .field("as_of")
        .map(|text| {
            text.parse::<Date>()
                .map_err(|e| AppError::BadRequest(format!("as_of: {e}")))
        })
        .transpose()?;
    if partial && as_of.is_some() {
        return Err(AppError::BadRequest(
            "as_of: a partial import ends nothing, so it takes no release date".into(),
        ));
    }
    let (path, wanted): (PathBuf, &[&str]) = match format {
        import::Format::Csv => {
            if dataset.is_none() {
                return Err(AppError::BadRequest(
                    "dataset: required for a csv upload (a directory's name is its dataset on the command line)".into(),
                ));
            }
            (upload.dir.path().to_path_buf(), &CSV_FILES)
        }
        import::Format::OfacCsv => (upload.dir.path().to_path_buf(), &OFAC_CSV_REQUIRED),
        _ => {
            let stored = std::fs::read_dir(upload.dir.path())
                .ok()
                .and_then(|mut entries| entries.next())
                .and_then(|e| e.ok())
                .map(|e| e.path());
            (stored.unwrap_or_default(), &["file"])
        }
    };
    for name in wanted {
        if !upload.files.contains_key(*name) {
            return Err(AppError::BadRequest(format!(
                "{name}: required for format {}",
                format.as_str()
            )));
        }
    }
    let optional: &[&str] = match format {
        import::Format::OfacCsv => &["sdn_comments"],
        _ => &[],
    };
    if let Some(extra) = upload
        .files
        .keys()
        .find(|k| !wanted.contains(&k.as_str()) && !optional.contains(&k.as_str()))
    {
        return Err(AppError::BadRequest(format!(
            "{extra}: not a file of format {} (send {})",
            format.as_str(),
            wanted.join(", ")
        )));
    }
    let in_upload = |e: ImportError| uploaded_error(e, upload.dir.path());
    let mut prepared = import::read(format, &path, dataset).map_err(in_upload)?;
    let files: Vec<String> = upload.files.values().cloned().collect();
    prepared.record.path = format!("{} (uploaded by {by})", files.join(", "));
    // A release as of the given day, else the day the file states (OFAC XML's Publish_Date,
    // the UN list's dateGenerated), else today.
    let mode = ApplyMode {
        release: (!partial).then(|| as_of.or(prepared.published).unwrap_or_else(Date::today)),
        dry_run,
    };
    let (report, xref) = engine
        .apply_and_xref(&prepared.batch, &prepared.record, mode)
        .map_err(|e| in_upload(e.into()))?;
    let xref = xref.map(|o| XrefSummary {
        records: o.records,
        pairs: o.candidates.len(),
        merged: o.merged,
        refused: o.refused.len(),
    });
    tracing::info!(
        user = by,
        dataset = %prepared.batch.dataset,
        added = report.added(),
        changed = report.changed(),
        ended = report.ended(),
        dry_run,
        "import over HTTP"
    );
    Ok(ImportResult {
        title: format!("Import of {}", files.join(", ")),
        dataset: prepared.batch.dataset.clone(),
        format: format.as_str(),
        files,
        entities: prepared.batch.entities.len(),
        relations: prepared.batch.relations.len(),
        listings: prepared.batch.listings.len(),
        dry_run,
        release: mode.release,
        report,
        skipped: prepared.skipped,
        links: prepared.links,
        xref,
        seconds: started.elapsed().as_secs_f64(),
        by: by.to_string(),
        data_version: engine.snapshot().data_version,
    })
}

/// An import error as the uploader should read it: bad input is a 400 naming the uploaded
/// file, line and field (never the server's temporary path); anything else is the server's.
fn uploaded_error(e: ImportError, dir: &Path) -> AppError {
    let bad_input = matches!(
        e,
        ImportError::Input(_) | ImportError::Store(crate::store::StoreError::Input(_))
    );
    let message = e.to_string().replace(&format!("{}/", dir.display()), "");
    if bad_input {
        AppError::BadRequest(message)
    } else {
        AppError::Internal(message)
    }
}
