//! A browser's side of accounts in tests: responses with their cookies, signing in, and
//! requests that carry the session.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use ownergraph::accounts::{self, Role};
use ownergraph::engine::Engine;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;

/// A curator and an admin, as (name, password).
pub const ANA: (&str, &str) = ("ana", "ana's long passphrase");
pub const ROOT: (&str, &str) = ("root", "root's long passphrase");

/// `engine` with the accounts [`ANA`] (curator) and [`ROOT`] (admin) added.
pub fn with_accounts(engine: Engine) -> Arc<Engine> {
    engine
        .write(|store| {
            accounts::add_user(store, ANA.0, Role::Curator, ANA.1)?;
            accounts::add_user(store, ROOT.0, Role::Admin, ROOT.1)
        })
        .expect("accounts are added");
    Arc::new(engine)
}

pub struct Reply {
    pub status: u16,
    pub headers: header::HeaderMap,
    pub cookies: Vec<(String, String)>,
    pub set_cookie: Vec<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub async fn send<S, B>(app: &S, req: TestRequest) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let resp = test::call_service(app, req.to_request()).await;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let cookies = resp
        .response()
        .cookies()
        .map(|c| (c.name().to_string(), c.value().to_string()))
        .collect();
    let set_cookie = headers
        .get_all(header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    Reply {
        status,
        headers,
        cookies,
        set_cookie,
        body,
    }
}

pub fn peer(ip: &str) -> SocketAddr {
    format!("{ip}:40000").parse().unwrap()
}

/// A signed-in browser: its session cookie and the session's CSRF token.
pub struct Client {
    pub cookie: String,
    pub csrf: String,
}

impl Client {
    pub fn post(&self, uri: &str) -> TestRequest {
        TestRequest::post()
            .uri(uri)
            .insert_header((header::COOKIE, format!("ownergraph_session={}", self.cookie)))
    }
    pub fn get(&self, uri: &str) -> TestRequest {
        TestRequest::get()
            .uri(uri)
            .insert_header((header::COOKIE, format!("ownergraph_session={}", self.cookie)))
    }
}

/// Fetches the sign-in form and posts `name` and `password` from `ip`, as a browser does.
pub async fn try_sign_in<S, B>(app: &S, name: &str, password: &str, ip: &str) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let form = send(app, TestRequest::get().uri("/login.json")).await;
    assert_eq!(form.status, 200);
    let token = form.json()["csrf"].as_str().unwrap().to_string();
    assert_eq!(form.cookie("ownergraph_sign_in"), Some(token.as_str()));
    let req = TestRequest::post()
        .uri("/login")
        .peer_addr(peer(ip))
        .insert_header((header::COOKIE, format!("ownergraph_sign_in={token}")))
        .set_form([
            ("name", name),
            ("password", password),
            ("csrf", &token),
            ("next", "/entities/hikvision"),
        ]);
    send(app, req).await
}

pub async fn sign_in<S, B>(app: &S, (name, password): (&str, &str)) -> Client
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let reply = try_sign_in(app, name, password, "192.0.2.1").await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert_eq!(reply.header(header::LOCATION), "/entities/hikvision");
    let cookie = reply
        .cookie("ownergraph_session")
        .expect("session cookie")
        .to_string();
    let client = Client {
        cookie,
        csrf: String::new(),
    };
    let page = send(app, client.get("/login.json")).await.json();
    assert_eq!(page["viewer"]["user"]["name"], name);
    Client {
        csrf: page["viewer"]["csrf"].as_str().unwrap().to_string(),
        ..client
    }
}

pub fn json(req: TestRequest) -> TestRequest {
    req.insert_header((header::ACCEPT, "application/json"))
}

/// The boundary of the bodies [`multipart`] builds.
pub const BOUNDARY: &str = "----ownergraph-test-boundary";

/// A multipart/form-data body: the text fields, then each `(field, file name, bytes)` file.
pub fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}
