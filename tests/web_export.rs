//! Downloads from the entity page, on the bundled real data.

mod common;

use actix_web::{test, web};

async fn get(path: &str, accept_json: bool) -> (u16, Option<String>, Option<String>, String) {
    let app = test::init_service(ownergraph::web::app(web::Data::from(common::bundled()))).await;
    let mut req = test::TestRequest::get().uri(path);
    if accept_json {
        req = req.insert_header(("Accept", "application/json"));
    }
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    let header = |name: &str| resp.headers().get(name).map(|v| v.to_str().unwrap().to_string());
    let (kind, disposition) = (header("content-type"), header("content-disposition"));
    let body = test::read_body(resp).await;
    (
        status,
        kind,
        disposition,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[actix_web::test]
async fn entity_page_links_to_downloads_of_its_neighbourhood() {
    let (status, _, _, html) = get("/entities/hikvision", false).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"href="/entities/hikvision/export?format=graphml&amp;depth=2""#),
        "{html}"
    );

    let (status, kind, disposition, body) = get("/entities/hikvision/export?format=ftm&depth=1", false).await;
    assert_eq!(status, 200);
    assert_eq!(kind.as_deref(), Some("application/x-ndjson; charset=utf-8"));
    assert_eq!(
        disposition.as_deref(),
        Some(r#"attachment; filename="hikvision-depth1.ftm.json""#)
    );
    let lines: Vec<serde_json::Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let hik = lines.iter().find(|l| l["id"] == "hikvision").unwrap();
    assert_eq!(hik["schema"], "Company");
    assert_eq!(hik["properties"]["name"][0], "Hikvision");
    let stake = lines
        .iter()
        .find(|l| l["schema"] == "Ownership" && l["properties"]["owner"][0] == "cethik")
        .unwrap();
    assert_eq!(stake["properties"]["asset"][0], "hikvision");
    assert_eq!(stake["properties"]["percentage"][0], "38.88");
    assert!(lines
        .iter()
        .any(|l| l["schema"] == "Sanction" && l["properties"]["programId"][0] == "Entity List"));

    let (status, kind, disposition, body) =
        get("/entities/hikvision/export?format=graphml&depth=2", false).await;
    assert_eq!(status, 200);
    assert_eq!(kind.as_deref(), Some("application/graphml+xml; charset=utf-8"));
    assert_eq!(
        disposition.as_deref(),
        Some(r#"attachment; filename="hikvision-depth2.graphml""#)
    );
    assert!(
        body.contains(r#"<node id="cetc">"#),
        "CETC is two steps from Hikvision"
    );

    let (status, kind, _, body) = get("/entities/hikvision/export?format=csv&table=relations", false).await;
    assert_eq!(status, 200);
    assert_eq!(kind.as_deref(), Some("text/csv; charset=utf-8"));
    assert!(body.starts_with(
        "source,target,kind,share_percent,start_date,end_date,notes,confidence,evidence,record_id\n"
    ));
    assert!(body.contains("cethik,hikvision,owns,38.88,2021-01-01"), "{body}");
}

#[actix_web::test]
async fn bad_download_parameters_are_400_and_unknown_entities_404() {
    for (path, status, message) in [
        (
            "/entities/hikvision/export?format=pdf",
            400,
            "unknown export format \\\"pdf\\\"",
        ),
        (
            "/entities/hikvision/export?format=ftm&depth=9",
            400,
            "depth \\\"9\\\" is not a whole number from 1 to 3",
        ),
        (
            "/entities/hikvision/export?format=ftm&depth=x",
            400,
            "depth \\\"x\\\"",
        ),
        (
            "/entities/hikvision/export?format=csv&table=people",
            400,
            "unknown table \\\"people\\\"",
        ),
        (
            "/entities/hikvision/export?format=ftm&table=entities",
            400,
            "table applies to format=csv only",
        ),
        (
            "/entities/nobody/export?format=ftm",
            404,
            "no entity with id \\\"nobody\\\"",
        ),
    ] {
        let (got, _, _, body) = get(path, true).await;
        assert_eq!(got, status, "{path}: {body}");
        assert!(body.contains(message), "{path}: {body}");
        let (got, kind, _, html) = get(path, false).await;
        assert_eq!(got, status);
        assert_eq!(kind.as_deref(), Some("text/html; charset=utf-8"));
        assert!(
            html.contains(&message.replace("\\\"", "&quot;"))
                || html.contains(&message.replace("\\\"", "&#34;")),
            "{html}"
        );
    }
}
