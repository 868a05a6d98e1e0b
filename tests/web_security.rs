//! What every answer must carry and must never do: security headers, escaped names, 4xx for
//! bad input.

mod common;

use actix_web::{test, web};
use ownergraph::import::Format;

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

/// A dataset whose names are attacks, in the CSV import layout.
fn hostile_engine() -> (tempfile::TempDir, ownergraph::engine::Engine) {
    let (dir, engine) = common::empty_engine();
    let data = dir.path().join("hostile");
    std::fs::create_dir(&data).unwrap();
    let mut entities = csv::Writer::from_path(data.join("entities.csv")).unwrap();
    entities
        .write_record([
            "id",
            "name",
            "kind",
            "country",
            "aliases",
            "notes",
            "confidence",
            "source",
        ])
        .unwrap();
    entities
        .write_record([
            "evil",
            SCRIPT,
            "Company",
            "CN",
            IMG,
            "<b>bold</b> note",
            "H",
            "https://example.org/\"onmouseover=x",
        ])
        .unwrap();
    entities
        .write_record(["owner", IMG, "Person", "", "", "", "M", ""])
        .unwrap();
    entities.flush().unwrap();
    let mut relations = csv::Writer::from_path(data.join("relations.csv")).unwrap();
    relations
        .write_record([
            "source",
            "target",
            "kind",
            "share_percent",
            "start_date",
            "end_date",
            "notes",
            "confidence",
            "evidence",
        ])
        .unwrap();
    relations
        .write_record([
            "owner",
            "evil",
            "owns",
            "60",
            "",
            "",
            SCRIPT,
            "H",
            "javascript:alert(1)",
        ])
        .unwrap();
    relations.flush().unwrap();
    let mut listings = csv::Writer::from_path(data.join("listings.csv")).unwrap();
    listings
        .write_record([
            "entity",
            "list",
            "authority",
            "program",
            "start_date",
            "end_date",
            "citation",
            "license_requirement",
            "license_review_policy",
            "confidence",
        ])
        .unwrap();
    listings
        .write_record([
            "evil",
            SCRIPT,
            "Authority",
            IMG,
            "2020-01-01",
            "",
            SCRIPT,
            "",
            "",
            "H",
        ])
        .unwrap();
    listings.flush().unwrap();
    common::import_into(&engine, Format::Csv, &data);
    (dir, engine)
}

async fn get(
    engine: ownergraph::engine::Engine,
    path: &str,
) -> (u16, actix_web::http::header::HeaderMap, String) {
    let app = test::init_service(ownergraph::web::app(web::Data::new(engine))).await;
    let resp = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    (status, headers, body)
}

#[actix_web::test]
async fn hostile_names_show_as_text() {
    for path in ["/entities/evil", "/entities/owner", "/"] {
        let (_dir, engine) = hostile_engine();
        let (status, _, html) = get(engine, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("<script>alert"), "{path}: script injected");
        assert!(!html.contains("<img src=x"), "{path}: tag injected");
        assert!(!html.contains("<b>bold"), "{path}: markup injected");
        assert!(!html.contains("href=\"javascript:"), "{path}: javascript link");
        if path == "/entities/evil" {
            assert!(
                html.contains("<h1>&#60;script&#62;alert(1)&#60;/script&#62;</h1>"),
                "the name shows as text"
            );
            assert!(
                html.contains("<li>&#34;&#62;&#60;img src=x onerror=alert(1)&#62;</li>"),
                "the alias shows as text"
            );
        }
    }
    // The JSON twin carries the names as they are: JSON escaping is the client's concern.
    let (_dir, engine) = hostile_engine();
    let (_, _, json) = get(engine, "/entities/evil.json").await;
    let page: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(page["entity"]["name"], SCRIPT);
}

#[actix_web::test]
async fn every_answer_carries_security_headers() {
    for path in [
        "/",
        "/entities/hikvision",
        "/entities/hikvision.json",
        "/entities/nobody",
        "/static/style.css",
    ] {
        let app = test::init_service(ownergraph::web::app(web::Data::from(common::bundled()))).await;
        let resp = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        let headers = resp.headers();
        let csp = headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"))
            .to_str()
            .unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(
            headers.get("x-content-type-options").unwrap(),
            "nosniff",
            "{path}"
        );
        assert_eq!(headers.get("referrer-policy").unwrap(), "same-origin", "{path}");
        assert_eq!(headers.get("x-frame-options").unwrap(), "DENY", "{path}");
    }
}

#[actix_web::test]
async fn malformed_paths_and_queries_are_4xx_not_5xx() {
    let app = test::init_service(ownergraph::web::app(web::Data::from(common::bundled()))).await;
    for path in [
        "/entities/%FF%FE",
        "/entities/..%2F..%2Fetc%2Fpasswd",
        "/entities/%00",
        "/entities/hikvision%20",
        "/entities/",
        "/nothing/here",
        "/entities/hikvision.json.json",
    ] {
        let resp = test::call_service(&app, test::TestRequest::get().uri(path).to_request()).await;
        let status = resp.status().as_u16();
        assert!((400..500).contains(&status), "{path}: {status}");
    }
}

/// A dataset whose ids hold characters a URL gives a meaning (`&`, `+`) or must encode (é):
/// `a&b` owns 60% of `c+d`, which owns `é-1`.
fn awkward_ids_engine() -> (tempfile::TempDir, ownergraph::engine::Engine) {
    let (dir, engine) = common::empty_engine();
    let data = dir.path().join("awkward");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(
        data.join("entities.csv"),
        "id,name,kind,country,aliases,notes,confidence,source\n\
         a&b,Alpha And Beta Holdings,Company,CN,,,H,\n\
         c+d,Charlie Plus Delta Ltd,Company,CN,,,H,\n\
         é-1,Écho Trading,Company,FR,,,H,\n",
    )
    .unwrap();
    std::fs::write(
        data.join("relations.csv"),
        "source,target,kind,share_percent,start_date,end_date,notes,confidence,evidence\n\
         a&b,c+d,owns,60,,,,H,\n\
         c+d,é-1,owns,100,,,,H,\n",
    )
    .unwrap();
    std::fs::write(
        data.join("listings.csv"),
        "entity,list,authority,program,start_date,end_date,citation,license_requirement,license_review_policy,confidence\n",
    )
    .unwrap();
    common::import_into(&engine, Format::Csv, &data);
    (dir, engine)
}

#[actix_web::test]
async fn links_carry_ids_percent_encoded_and_lead_to_their_entities() {
    let (_dir, engine) = awkward_ids_engine();
    let app = test::init_service(ownergraph::web::app(web::Data::new(engine))).await;
    let get = |path: &str| test::TestRequest::get().uri(path).to_request();
    let body = |resp| async { String::from_utf8(test::read_body(resp).await.to_vec()).unwrap() };

    let resp = test::call_service(&app, get("/entities/a%26b")).await;
    assert_eq!(resp.status(), 200);
    let html = body(resp).await;
    assert!(html.contains("Alpha And Beta Holdings"), "{html}");
    for link in [
        r#"href="/entities/c%2Bd""#,
        r#"href="/paths?from=a%26b""#,
        r#"href="/entities/a%26b/graph""#,
        r#"href="/entities/a%26b/exposure""#,
    ] {
        assert!(html.contains(link), "{link} missing");
    }
    assert!(!html.contains("/paths?from=a&"), "an id cut at its & in a query");

    // Every link followed: the owned company, the paths between the two, the graph.
    let resp = test::call_service(&app, get("/entities/c%2Bd")).await;
    assert_eq!(resp.status(), 200);
    let html = body(resp).await;
    assert!(html.contains("Charlie Plus Delta Ltd"));
    assert!(
        html.contains(r#"href="/entities/%C3%A9-1""#),
        "the non-ASCII id is encoded"
    );
    let resp = test::call_service(&app, get("/entities/%C3%A9-1")).await;
    assert_eq!(resp.status(), 200);
    assert!(body(resp).await.contains("Écho Trading"));
    let resp = test::call_service(&app, get("/paths?from=a%26b&to=%C3%A9-1")).await;
    assert_eq!(resp.status(), 200);
    let html = body(resp).await;
    assert!(
        html.contains(r#"href="/entities/c%2Bd""#) && html.contains(r#"href="/entities/%C3%A9-1""#),
        "the path a&b → c+d → é-1 is found and linked: {html}"
    );
    let resp = test::call_service(&app, get("/entities/a%26b/graph")).await;
    assert_eq!(resp.status(), 200);
    assert!(body(resp).await.contains(r#"href="/entities/c%2Bd""#));
}
