//! Signing in and out, the session cookie and CSRF checks for every form.
//!
//! The session cookie holds a random token (the database keeps only its SHA-256); it is
//! HttpOnly, SameSite=Strict, and Secure when the request came over TLS or the server runs
//! with `--secure-cookies`. Every form carries the session's CSRF token; the sign-in form,
//! which comes before any session, carries a token that must match a cookie of its own.

use super::{AppError, Format, WebError};
use crate::accounts::{self, AccountError, Session};
use crate::engine::Engine;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::{Deserialize, Serialize};

pub const SESSION_COOKIE: &str = "ownergraph_session";
const SIGN_IN_COOKIE: &str = "ownergraph_sign_in";

/// Whether cookies must be marked Secure even when the request does not look like TLS
/// (e.g. behind a proxy that does not say so). Set by `serve --secure-cookies`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CookiePolicy {
    pub secure: bool,
}

fn secure(req: &HttpRequest) -> bool {
    let forced = req
        .app_data::<web::Data<CookiePolicy>>()
        .is_some_and(|p| p.secure);
    forced || req.connection_info().scheme() == "https"
}

fn cookie(req: &HttpRequest, name: &'static str, value: String, max_age: Duration) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req))
        .max_age(max_age)
        .finish()
}

fn from_account(e: AccountError) -> AppError {
    match e {
        AccountError::Invalid(m) => AppError::BadRequest(m),
        e @ AccountError::WrongCredentials => AppError::Unauthorized(e.to_string()),
        e @ AccountError::RateLimited { .. } => AppError::TooManyRequests(e.to_string()),
        AccountError::Store(e) => e.into(),
    }
}

/// The session of the request's cookie, if it names a live one.
pub fn viewer(req: &HttpRequest, engine: &Engine) -> Result<Option<Session>, AppError> {
    match req.cookie(SESSION_COOKIE) {
        Some(c) => accounts::session(engine, c.value()).map_err(from_account),
        None => Ok(None),
    }
}

/// The signed-in session of a write, with its CSRF token checked: 401 without a session,
/// 403 without the right token. The token comes from the form or an `X-CSRF-Token` header.
pub fn require(req: &HttpRequest, engine: &Engine, form_csrf: &str) -> Result<Session, AppError> {
    let session = viewer(req, engine)?.ok_or_else(|| {
        AppError::Unauthorized("sign in to make changes (at /login); reading needs no account".into())
    })?;
    let submitted = match form_csrf {
        "" => req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
        token => token,
    };
    if submitted.is_empty() {
        return Err(AppError::Forbidden(
            "missing CSRF token: reload the page and submit the form again".into(),
        ));
    }
    if !accounts::same_secret(submitted, &session.csrf) {
        return Err(AppError::Forbidden(
            "CSRF token does not match this session: reload the page and submit the form again".into(),
        ));
    }
    Ok(session)
}

/// The client address for the sign-in rate limit: the connection's peer, never a header a
/// client could forge.
fn client(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// A path on this site to return to after signing in; anything else becomes `/`.
fn local_path(next: &str) -> String {
    let ok = next.starts_with('/') && !next.starts_with("//") && !next.contains(['\\', '\r', '\n']);
    if ok {
        next.to_string()
    } else {
        "/".to_string()
    }
}

#[derive(Template, Serialize)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub title: String,
    /// Who is signed in, if anyone (with the CSRF token for the sign-out form).
    pub viewer: Option<Session>,
    /// The token the sign-in form must carry.
    pub csrf: String,
    pub next: String,
    pub error: Option<String>,
    pub data_version: i64,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

fn sign_in_token(req: &HttpRequest) -> Option<String> {
    req.cookie(SIGN_IN_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Renders the sign-in page with `status`, (re)setting the sign-in form's cookie.
fn login_page(
    req: &HttpRequest,
    engine: &Engine,
    format: Format,
    next: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    let csrf = sign_in_token(req).unwrap_or_else(accounts::new_token);
    let page = LoginPage {
        title: "Sign in".into(),
        viewer: viewer(req, engine).map_err(fail)?,
        csrf: csrf.clone(),
        next: local_path(next),
        error,
        data_version: engine.snapshot().data_version,
    };
    let mut resp = format.render(&page)?;
    *resp.status_mut() = status;
    resp.add_cookie(&cookie(req, SIGN_IN_COOKIE, csrf, Duration::hours(1)))
        .map_err(|e| fail(AppError::Internal(e.to_string())))?;
    Ok(resp)
}

pub async fn login_form(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    query: web::Query<NextQuery>,
) -> Result<HttpResponse, WebError> {
    login_page(&req, &engine, format, &query.next, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    let expected = sign_in_token(&req).unwrap_or_default();
    if form.csrf.is_empty() || !accounts::same_secret(&form.csrf, &expected) {
        return Err(fail(AppError::Forbidden(
            "missing or stale sign-in token: reload the sign-in page and try again".into(),
        )));
    }
    let form = form.into_inner();
    let client = client(&req);
    let engine_for_hash = engine.clone();
    let name = form.name.clone();
    // Hashing is deliberately slow: keep it off the request threads.
    let result = web::block(move || accounts::sign_in(&engine_for_hash, &name, &form.password, &client))
        .await
        .map_err(|e| fail(AppError::Internal(e.to_string())))?;
    let (token, session) = match result {
        Ok(ok) => ok,
        Err(e) => {
            let (status, error) = match from_account(e) {
                AppError::Unauthorized(m) => (StatusCode::UNAUTHORIZED, m),
                AppError::TooManyRequests(m) => (StatusCode::TOO_MANY_REQUESTS, m),
                other => return Err(fail(other)),
            };
            let mut resp = login_page(&req, &engine, format, &form.next, Some(error), status)?;
            if status == StatusCode::TOO_MANY_REQUESTS {
                resp.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(accounts::FAILURE_WINDOW_SECONDS),
                );
            }
            return Ok(resp);
        }
    };
    let session_cookie = cookie(
        &req,
        SESSION_COOKIE,
        token,
        Duration::seconds(accounts::SESSION_SECONDS),
    );
    let mut gone = cookie(&req, SIGN_IN_COOKIE, String::new(), Duration::ZERO);
    gone.make_removal();
    let mut resp = match format {
        Format::Json => HttpResponse::Ok().json(&session),
        Format::Html => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, local_path(&form.next)))
            .finish(),
    };
    for c in [&session_cookie, &gone] {
        resp.add_cookie(c)
            .map_err(|e| fail(AppError::Internal(e.to_string())))?;
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    format: Format,
    req: HttpRequest,
    engine: web::Data<Engine>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, WebError> {
    let fail = |error| WebError { error, format };
    require(&req, &engine, &form.csrf).map_err(fail)?;
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        accounts::sign_out(&engine, c.value()).map_err(|e| fail(from_account(e)))?;
    }
    let mut gone = cookie(&req, SESSION_COOKIE, String::new(), Duration::ZERO);
    gone.make_removal();
    let mut resp = match format {
        Format::Json => HttpResponse::Ok().json(serde_json::json!({ "signed_out": true })),
        Format::Html => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/"))
            .finish(),
    };
    resp.add_cookie(&gone)
        .map_err(|e| fail(AppError::Internal(e.to_string())))?;
    Ok(resp)
}
