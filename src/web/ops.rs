//! Operations endpoints: `/healthz` (the process answers), `/readyz` (a snapshot is served
//! and, on a replica, how far behind the primary it is), `/metrics` (Prometheus text); the
//! middleware that counts every request; and a replica's refusal of writes.

use super::{AppError, Format, WebError};
use crate::engine::{Applied, Engine};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpResponse, ResponseError};
use serde::Serialize;
use std::time::Instant;

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(serde_json::json!({ "status": "ok" }))
}

/// `/readyz`: what a load balancer or an operator needs to decide whether to send reads here.
#[derive(Serialize)]
pub struct Readiness {
    /// False while the database changed on disk cannot be loaded (the snapshot is stale).
    pub ready: bool,
    /// `primary` or `replica`.
    pub role: &'static str,
    pub data_version: i64,
    pub entities: usize,
    pub relations: usize,
    /// Replica only: the primary's address it was given.
    pub primary: Option<String>,
    /// Replica only: the last change from the primary swapped in while running (when, the
    /// primary's commit time, the lag between them); null until one arrives.
    pub last_applied: Option<Applied>,
    /// Why the changed database could not be loaded, if it could not.
    pub error: Option<String>,
}

pub async fn readyz(engine: web::Data<Engine>) -> HttpResponse {
    let snapshot = engine.snapshot();
    let error = engine.refresh_error();
    let readiness = Readiness {
        ready: error.is_none(),
        role: if engine.is_replica() { "replica" } else { "primary" },
        data_version: snapshot.data_version,
        entities: snapshot.node_count(),
        relations: snapshot.edge_count(),
        primary: engine.primary_url().map(str::to_string),
        last_applied: engine.last_applied(),
        error,
    };
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(readiness)
}

pub async fn metrics(engine: web::Data<Engine>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(engine.metrics().encode())
}

/// Counts a request by its route pattern (never the raw path, so ids make no new series) and
/// status, with its latency.
pub fn record<B: MessageBody>(engine: &Engine, method: &Method, started: Instant, res: &ServiceResponse<B>) {
    let route = res.request().match_pattern();
    engine.metrics().request(
        method.as_str(),
        route.as_deref().unwrap_or("unmatched"),
        res.status().as_u16(),
        started.elapsed(),
    );
}

/// On a replica, what must be done on the primary instead: every request that is not a read
/// (`GET`, `HEAD`), and the two forms that lead only to writes (signing in, importing).
pub fn refused_on_replica(engine: &Engine, req: &ServiceRequest) -> Option<HttpResponse> {
    if !engine.is_replica() {
        return None;
    }
    let path = req.path();
    let what = match *req.method() {
        Method::GET | Method::HEAD if path == "/login" => "sign in",
        Method::GET | Method::HEAD if path == "/import" => "imports are made",
        Method::GET | Method::HEAD | Method::OPTIONS => return None,
        _ if path == "/login" => "sign in",
        _ if path == "/logout" => "sign out",
        _ => "changes are made",
    };
    let primary = engine.primary_url().map(|base| {
        // The same page on the primary for a form or sign-in; its front page for a write, whose
        // URL answers only a POST.
        let base = base.trim_end_matches('/');
        let is_read = matches!(*req.method(), Method::GET | Method::HEAD);
        match req.query_string() {
            _ if !is_read && path != "/login" => format!("{base}/"),
            "" => format!("{base}{path}"),
            q => format!("{base}{path}?{q}"),
        }
    });
    let error = WebError {
        error: AppError::Replica {
            what: what.to_string(),
            primary,
        },
        format: Format::of(req.request()),
    };
    Some(error.error_response())
}
