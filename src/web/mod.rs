//! The web layer: actix-web routes, content negotiation and the one error type.
//!
//! Every page is a view-model struct that derives both `askama::Template` and
//! `serde::Serialize`; [`Format::respond`] renders it as HTML or as its JSON twin, chosen by
//! the `Accept` header or a `.json` suffix on the path. Handlers stay thin: parse, call the
//! domain, render.

mod account;
mod assets;
mod changes;
mod curation;
mod drawing;
mod entity;
mod error;
mod export;
mod exposure;
mod feed;
mod graph;
mod home;
mod import;
mod investigations;
mod lists;
mod ops;
pub mod resolve;
mod screen;
mod screenings;
mod search;
mod sources;
mod suggest;
mod upload;
mod watchlists;

pub use account::CookiePolicy;
pub use import::{ImportLimit, MAX_IMPORT_BYTES};
mod params;
mod paths;

pub use error::{AppError, WebError};

use crate::engine::Engine;
use actix_web::dev::{Service, ServiceRequest};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Uri;
use actix_web::{web, App, FromRequest, HttpRequest, HttpResponse};
use askama::Template;
use serde::Serialize;
use std::future::{ready, Ready};

/// The path of an entity's page, `/entities/<id>`, its id percent-encoded as one segment: ids
/// are the sources' own and may hold `&`, `+` or letters outside ASCII. The templates' links do
/// the same with askama's `urlencode`.
pub(crate) fn entity_path(id: &str) -> String {
    let encoded = serde_urlencoded::to_string([("", id)]).expect("a string always encodes");
    // `=value`, with spaces as `+`, which a path does not decode.
    format!("/entities/{}", encoded[1..].replace('+', "%20"))
}

/// How a response is wanted: a web page or its JSON twin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Json,
}

impl Format {
    pub fn of(req: &HttpRequest) -> Format {
        let accepts_json = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json"));
        if accepts_json {
            Format::Json
        } else {
            Format::Html
        }
    }

    /// Builds the page with `make` and renders it in this format; errors render likewise.
    pub fn respond<P: Template + Serialize>(
        self,
        make: impl FnOnce() -> Result<P, AppError>,
    ) -> Result<HttpResponse, WebError> {
        let page = make().map_err(|error| WebError { error, format: self })?;
        self.render(&page)
    }

    pub fn render<P: Template + Serialize>(self, page: &P) -> Result<HttpResponse, WebError> {
        let fail = |e: String| WebError {
            error: AppError::Internal(e),
            format: self,
        };
        match self {
            Format::Json => Ok(HttpResponse::Ok().json(page)),
            Format::Html => {
                let body = page.render().map_err(|e| fail(e.to_string()))?;
                Ok(HttpResponse::Ok()
                    .content_type("text/html; charset=utf-8")
                    .body(body))
            }
        }
    }
}

impl FromRequest for Format {
    type Error = actix_web::Error;
    type Future = Ready<Result<Format, actix_web::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(Ok(Format::of(req)))
    }
}

/// Rewrites `/x.json` to `/x` with `Accept: application/json`, so every page's JSON twin also
/// has a URL of its own.
fn json_suffix(req: &mut ServiceRequest) {
    let path = req.path();
    let Some(stripped) = path.strip_suffix(".json").filter(|p| !p.is_empty()) else {
        return;
    };
    let path_and_query = match req.query_string() {
        "" => stripped.to_string(),
        q => format!("{stripped}?{q}"),
    };
    let Ok(uri) = path_and_query.parse::<Uri>() else {
        return;
    };
    req.match_info_mut().get_mut().update(&uri);
    req.head_mut().uri = uri;
    req.headers_mut()
        .insert(header::ACCEPT, HeaderValue::from_static("application/json"));
}

async fn not_found(format: Format, req: HttpRequest) -> Result<HttpResponse, WebError> {
    Err(WebError {
        error: AppError::NotFound(format!("no page at {}", req.path())),
        format,
    })
}

/// A query string, path segment or form body that does not parse is a 400 in the page's own format.
fn bad_query(error: impl std::fmt::Display, req: &HttpRequest) -> actix_web::Error {
    WebError {
        error: AppError::BadRequest(format!("bad parameter: {error}")),
        format: Format::of(req),
    }
    .into()
}

/// The response headers every answer carries: no inline script, no framing, no sniffing.
fn security_headers() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; \
             connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
}

/// Registers every route; used by `serve` and by the integration tests.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::QueryConfig::default().error_handler(bad_query))
        .app_data(web::PathConfig::default().error_handler(bad_query))
        .app_data(web::FormConfig::default().error_handler(bad_query))
        .route("/login", web::get().to(account::login_form))
        .route("/login", web::post().to(account::login))
        .route("/logout", web::post().to(account::logout))
        .route("/changes", web::get().to(changes::changes))
        .route("/changes.csv", web::get().to(changes::csv))
        .route("/changes.atom", web::get().to(changes::atom))
        .route("/changes/{id}/revert", web::post().to(curation::revert))
        .route("/xref", web::get().to(resolve::xref))
        .route("/xref/judge", web::post().to(resolve::judge))
        .route("/relations/{rid}/end", web::post().to(curation::end_relation))
        .route("/entities/{id}/relations", web::post().to(curation::add_relation))
        .route("/entities/{id}/aliases", web::post().to(curation::add_alias))
        .route("/entities/{id}/notes", web::post().to(curation::add_note))
        .service(
            web::resource("/investigations")
                .app_data(
                    web::FormConfig::default()
                        .limit(investigations::MAX_FORM_BYTES)
                        .error_handler(bad_query),
                )
                .route(web::get().to(investigations::list))
                .route(web::post().to(investigations::save_new)),
        )
        .route("/investigations/import", web::post().to(investigations::import))
        .service(
            web::resource("/investigations/{id}")
                .app_data(
                    web::FormConfig::default()
                        .limit(investigations::MAX_FORM_BYTES)
                        .error_handler(bad_query),
                )
                .route(web::get().to(investigations::show))
                .route(web::post().to(investigations::save)),
        )
        .route(
            "/investigations/{id}/export",
            web::get().to(investigations::export),
        )
        .route("/", web::get().to(home::home))
        .route("/entities/{id}", web::get().to(entity::entity))
        .route("/search", web::get().to(search::search))
        .route("/suggest", web::get().to(suggest::suggest))
        .route("/lists", web::get().to(lists::lists))
        .route("/lists/{slug}", web::get().to(lists::list))
        .route("/sources", web::get().to(sources::sources))
        .route("/import", web::get().to(import::form))
        .route("/import", web::post().to(import::submit))
        .route("/entities/{id}/graph", web::get().to(graph::graph))
        .route("/paths", web::get().to(paths::paths))
        .route("/entities/{id}/exposure", web::get().to(exposure::exposure))
        .route("/exposure", web::get().to(exposure::pick))
        .route("/entities/{id}/export", web::get().to(export::download))
        .route("/match", web::get().to(screen::match_page))
        .route("/screen", web::get().to(screen::form))
        .route("/screen", web::post().to(screen::submit))
        .route("/screen/{token}.csv", web::get().to(screen::download))
        .route("/screenings", web::get().to(screenings::list))
        .route("/screenings/{id}", web::get().to(screenings::show))
        .route("/watchlists", web::get().to(watchlists::list))
        .route("/watchlists", web::post().to(watchlists::create))
        .route("/watchlists/{name}", web::get().to(watchlists::show))
        .route("/watchlists/{name}/remove", web::post().to(watchlists::remove))
        .route("/static/{file:.+}", web::get().to(assets::asset))
        .route("/healthz", web::get().to(ops::healthz))
        .route("/readyz", web::get().to(ops::readyz))
        .route("/metrics", web::get().to(ops::metrics))
        .default_service(web::to(not_found));
}

/// The application with its state and middleware.
pub fn app(
    engine: web::Data<Engine>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let counted = engine.clone();
    let guarded = engine.clone();
    App::new()
        .app_data(engine)
        // Replaced by one shared by every worker in `serve`; a lone app (a test) has its own.
        .app_data(web::Data::new(screen::Downloads::default()))
        .app_data(web::Data::new(crate::watchlist::Watch::default()))
        .wrap(actix_web::middleware::Compress::default())
        .wrap(security_headers())
        .wrap_fn(move |mut req, srv| {
            json_suffix(&mut req);
            let refused = ops::refused_on_replica(&guarded, &req);
            let call = match refused {
                Some(response) => futures_util::future::Either::Left(std::future::ready(Ok(req
                    .into_response(response)
                    .map_into_right_body()))),
                None => futures_util::future::Either::Right(srv.call(req)),
            };
            async move { call.await.map(|res| res.map_into_boxed_body()) }
        })
        // Outermost, so a request's time includes everything the app does for it.
        .wrap_fn(move |req, srv| {
            let started = std::time::Instant::now();
            let method = req.method().clone();
            let engine = counted.clone();
            let call = srv.call(req);
            async move {
                let res = call.await?;
                ops::record(&engine, &method, started, &res);
                Ok(res)
            }
        })
        .configure(configure)
}

/// Serves the engine at `addr` until interrupted. On SIGTERM or SIGINT it stops accepting
/// connections, answers the requests in flight (for up to 30 s), then returns `Ok`.
pub async fn serve(engine: Engine, addr: &str, cookies: CookiePolicy) -> std::io::Result<()> {
    let engine = web::Data::new(engine);
    // Imports run by other processes (or applied to a replica by Litestream) become visible
    // within a quarter of a second plus a snapshot load, as a whole. Looking is one PRAGMA.
    let watched = engine.clone().into_inner();
    // One monitor for the server: the exposure passes it keeps per regime carry across
    // releases (see `watchlist::Monitor`).
    let watch = web::Data::new(crate::watchlist::Watch::default());
    let monitoring = watch.clone().into_inner();
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_millis(250));
        match watched.refresh() {
            Ok(true) => tracing::info!(
                "database changed on disk: now {} entities, {} relations",
                watched.snapshot().node_count(),
                watched.snapshot().edge_count()
            ),
            Ok(false) => {}
            Err(e) => tracing::warn!("could not reload the changed database: {e}"),
        }
        // The suggestion index of a new snapshot is built here, not by the first key press
        // (about 10 s at 1M entities); once built this is a lookup.
        if let Err(e) = crate::search::suggest::suggest(&watched, "", 1) {
            tracing::warn!("could not build the suggestion index: {e}");
        }
        // Likewise the search index of names a write changed (a search during the build
        // waits for it rather than building its own); once built this is one read.
        if let Err(e) = watched.search_index() {
            tracing::warn!("could not build the search index: {e}");
        }
        // Every release, whoever imported it (this server, `ownergraph import`, a sync),
        // is a new data version: each watchlist is screened again once.
        match monitoring.rescreen_if_moved(&watched) {
            Ok(done) => {
                for e in done.iter().filter(|e| e.recorded) {
                    tracing::info!(
                        "watchlist {}: {} rows screened again ({:?} pass) in {:.2} s, {} alerts",
                        e.watchlist,
                        e.rows,
                        e.pass,
                        e.seconds,
                        e.alerts
                    );
                }
            }
            Err(e) => tracing::warn!("could not screen the watchlists again: {e}"),
        }
    });
    // Webhook deliveries, on a thread of their own so a slow receiver delays nothing else.
    let delivering = engine.clone().into_inner();
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_secs(1));
        if delivering.is_replica() {
            continue;
        }
        if let Err(e) = crate::watchlist::webhook::deliver_due(&delivering) {
            tracing::warn!("could not deliver webhooks: {e}");
        }
    });
    let cookies = web::Data::new(cookies);
    let downloads = web::Data::new(screen::Downloads::default());
    actix_web::HttpServer::new(move || {
        app(engine.clone())
            .app_data(cookies.clone())
            .app_data(downloads.clone())
            .app_data(watch.clone())
    })
    .shutdown_timeout(30)
    .bind(addr)?
    .run()
    .await
}
