//! The screening pages on the bundled real data: `/match` (HTML and JSON) and `/screen` (an
//! upload built by hand as multipart/form-data, the results table, the JSON twin, the CSV
//! download, the limits).

mod common;

use actix_web::{test, web};
use serde_json::Value;

const HIKVISION: &str = "Hangzhou Hikvision Digital Technology Co., Ltd.";

fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap()
}

#[actix_web::test]
async fn match_page_shows_candidates_with_lists_and_reasons() {
    let path = format!("/match?{}", query(&[("name", HIKVISION), ("country", "CN")]));
    let (status, html) = common::http_get(&path, false).await;
    assert_eq!(status, 200, "{html}");
    common::assert_escaped(&html);
    assert!(
        html.contains(r#"<a href="/entities/hikvision">Hikvision</a>"#),
        "{html}"
    );
    assert!(html.contains(r#"<a class="badge listed" href="/lists/entity-list">Entity List</a>"#));
    assert!(html.contains("1.000 <strong>match</strong>"));
    assert!(html.contains("country agrees (CN vs CN) +0.05"));
    assert!(html.contains(&format!(
        r#"href="/entities/{}/exposure?regime=ofac""#,
        common::HIKVISION_2026
    )));
    assert!(
        html.contains(r#"<option value="Company">"#),
        "the form is there to refine"
    );

    let json = common::http_json(&path, 200).await;
    assert_eq!(json["request"]["name"], HIKVISION);
    assert_eq!(json["request"]["limit"], 10);
    assert_eq!(json["threshold"], 0.88);
    // The legal name is the whole 2026 Entity List's own name of the entry, and an alias of
    // the 2019 case's `hikvision`: both match fully, the own name first.
    let first = &json["candidates"][0];
    assert_eq!(first["id"], common::HIKVISION_2026);
    assert_eq!(first["score"], 1.0);
    assert_eq!(first["is_match"], true);
    assert_eq!(first["matched"], HIKVISION);
    assert_eq!(first["matched_alias"], false);
    assert_eq!(first["lists"], serde_json::json!(["Entity List"]));
    assert_eq!(first["features"][0]["feature"], "country");
    assert_eq!(
        first["exposure_href"],
        format!("/entities/{}/exposure?regime=ofac", common::HIKVISION_2026)
    );
    assert!(first["explanation"].as_str().unwrap().starts_with("name "));
    let second = &json["candidates"][1];
    assert_eq!(
        (&second["id"], &second["matched_alias"], &second["score"]),
        (&Value::from("hikvision"), &Value::from(true), &Value::from(1.0))
    );
    let candidates = json["candidates"].as_array().unwrap();
    assert!(candidates.len() <= 10);
    assert!(candidates
        .windows(2)
        .all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64()));

    // An SDN person in OFAC's "LAST, First" order, typed the other way round.
    let json = common::http_json("/match.json?name=jong+un+kim&schema=Person&limit=3", 200).await;
    assert!(json["candidates"].as_array().unwrap().len() <= 3);
    assert!(json["candidates"][0]["lists"]
        .as_array()
        .unwrap()
        .contains(&Value::from("SDN List")));
    assert_eq!(json["candidates"][0]["is_match"], true, "{json}");
}

#[actix_web::test]
async fn match_page_without_a_name_is_the_form_and_bad_input_is_a_400() {
    let (status, html) = common::http_get("/match", false).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<form class="paths-form" action="/match" method="get">"#));
    assert!(!html.contains("<table"));
    let json = common::http_json("/match", 200).await;
    assert_eq!(json["candidates"], serde_json::json!([]));

    for (path, says) in [
        (
            "/match?name=x&schema=Robot",
            "schema: unknown schema \"Robot\"; expected one of Company",
        ),
        (
            "/match?name=x&limit=0",
            "limit: a whole number from 1 to 25, got \"0\"",
        ),
        ("/match?name=x&limit=26", "limit: a whole number from 1 to 25"),
        ("/match?name=x&limit=ten", "limit: a whole number from 1 to 25"),
    ] {
        let json = common::http_json(path, 400).await;
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{path}: {message}");
    }
    let long = format!("/match?name={}", "x".repeat(501));
    let json = common::http_json(&long, 400).await;
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("name: at most 500 characters"));
    let (status, html) = common::http_get("/match?name=x&limit=0", false).await;
    assert_eq!(status, 400);
    assert!(html.contains("limit: a whole number from 1 to 25"));
}

use common::session::BOUNDARY;

/// A multipart/form-data body with the form fields and a `file` field.
fn multipart(fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> Vec<u8> {
    common::session::multipart(fields, &[("file", file_name, file)])
}

fn upload(path: &str, body: Vec<u8>, json: bool) -> test::TestRequest {
    let mut req = test::TestRequest::post()
        .uri(path)
        .insert_header((
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .set_payload(body);
    if json {
        req = req.insert_header(("Accept", "application/json"));
    }
    req
}

const COUNTERPARTIES: &str = "\
name,country,ref
\"Hangzhou Hikvision Digital Technology Co., Ltd.\",CN,r1
BANCO NACIONAL DE CUBA,,r2
Blue Meadow Bakery Ltd,GB,r3
,,r4
ragged
";

#[actix_web::test]
async fn screen_upload_shows_results_errors_and_a_csv_download() {
    let app = test::init_service(ownergraph::web::app(web::Data::from(common::bundled()))).await;

    // The form says what it takes.
    let resp = test::call_service(&app, test::TestRequest::get().uri("/screen").to_request()).await;
    assert_eq!(resp.status(), 200);
    let html = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    assert!(html.contains(r#"enctype="multipart/form-data""#));
    assert!(html.contains("At most 2 MiB and 10000 rows"), "{html}");
    assert!(html.contains("<code>name</code> (required)"));

    let fields = [("regime", "bis"), ("as_of", "2025-10-15"), ("threshold", "0.88")];
    let body = multipart(&fields, "counterparties.csv", COUNTERPARTIES.as_bytes());
    let resp = test::call_service(&app, upload("/screen", body.clone(), false).to_request()).await;
    assert_eq!(resp.status(), 200);
    let html = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    common::assert_escaped(&html);
    assert!(
        html.contains("<h1>Screening of counterparties.csv</h1>"),
        "{html}"
    );
    assert!(
        html.contains(
            &format!(r#"<a class="status status-listed" href="/entities/{}/exposure?regime=bis&#38;as_of=2025-10-15">listed</a>"#, common::HIKVISION_2026)
        ),
        "{html}"
    );
    assert!(html
        .contains(r#"href="/entities/ofac-306/exposure?regime=bis&#38;as_of=2025-10-15">not blocked</a>"#));
    let bakery = html
        .split("<td>Blue Meadow Bakery Ltd</td>")
        .nth(1)
        .expect("the row");
    assert!(
        bakery
            .trim_start()
            .starts_with(r#"<td colspan="5"><small>no match</small></td>"#),
        "{bakery}"
    );
    assert!(html.contains("<code>counterparties.csv:5</code>: name: is empty"));
    assert!(html.contains("<code>counterparties.csv:6</code>: row: 1 fields where the header has 3"));
    let download = html
        .split("<a href=\"/screen/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|token| format!("/screen/{token}"))
        .expect("a download link");
    assert!(download.ends_with(".csv"));

    // The same results as CSV.
    let resp = test::call_service(&app, test::TestRequest::get().uri(&download).to_request()).await;
    assert_eq!(resp.status(), 200);
    assert!(resp
        .headers()
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let csv = String::from_utf8(test::read_body(resp).await.to_vec()).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("name,country,ref,match_id,match_name,score,status,lists,explanation")
    );
    assert!(lines
        .next()
        .unwrap()
        .starts_with(&format!("\"Hangzhou Hikvision Digital Technology Co., Ltd.\",CN,r1,{},\"Hangzhou Hikvision Digital Technology Co., Ltd.\",1.000,listed,Entity List,", common::HIKVISION_2026)));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("BANCO NACIONAL DE CUBA,,r2,ofac-306,"));
    assert_eq!(lines.next(), Some("Blue Meadow Bakery Ltd,GB,r3,,,,,,"));
    assert_eq!(lines.next(), None, "unreadable rows are not in the results");

    // The JSON twin, asked for by the .json suffix.
    let resp = test::call_service(&app, upload("/screen.json", body, false).to_request()).await;
    assert_eq!(resp.status(), 200);
    let json: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
    assert_eq!(json["file"], "counterparties.csv");
    assert_eq!(json["regime"], "bis");
    assert_eq!(json["as_of"], "2025-10-15");
    assert_eq!(json["header"], serde_json::json!(["name", "country", "ref"]));
    assert_eq!(json["summary"]["rows"], 5);
    assert_eq!(json["summary"]["screened"], 3);
    assert_eq!(json["summary"]["unreadable"], 2);
    assert_eq!(json["summary"]["matched"], 2);
    assert_eq!(json["summary"]["by_status"]["listed"], 1);
    let first = &json["rows"][0];
    assert_eq!(first["line"], 2);
    assert_eq!(first["cells"][2], "r1");
    assert_eq!(first["match"]["id"], common::HIKVISION_2026);
    assert_eq!(first["match"]["status"], "listed");
    assert_eq!(first["match"]["lists"], serde_json::json!(["Entity List"]));
    assert_eq!(
        first["exposure_href"],
        format!(
            "/entities/{}/exposure?regime=bis&as_of=2025-10-15",
            common::HIKVISION_2026
        )
    );
    assert_eq!(json["rows"][2]["match"], Value::Null);
    assert_eq!(json["problems"][0]["line"], 5);
    assert_eq!(json["problems"][0]["field"], "name");
    assert!(json["download"].as_str().unwrap().starts_with("/screen/"));

    let resp = test::call_service(
        &app,
        test::TestRequest::get().uri("/screen/0123abc.csv").to_request(),
    )
    .await;
    assert_eq!(resp.status(), 404);
}

#[actix_web::test]
async fn screen_takes_a_csv_body_and_refuses_what_it_cannot_take() {
    let app = test::init_service(ownergraph::web::app(web::Data::from(common::bundled()))).await;
    let call = |req: test::TestRequest| {
        let app = &app;
        async move {
            let resp = test::call_service(
                app,
                req.insert_header(("Accept", "application/json")).to_request(),
            )
            .await;
            let status = resp.status().as_u16();
            let json: Value = serde_json::from_slice(&test::read_body(resp).await).unwrap();
            (status, json)
        }
    };

    // A text/csv body, the options in the query string.
    let (status, json) = call(
        test::TestRequest::post()
            .uri("/screen?regime=ofac&as_of=2024-06-01")
            .insert_header(("Content-Type", "text/csv"))
            .set_payload("name\nBANCO NACIONAL DE CUBA\n"),
    )
    .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["rows"][0]["match"]["status"], "listed");

    // Over 2 MiB: 413, saying the limit.
    let big = format!("name\n{}", "Blue Meadow Bakery Ltd\n".repeat(100_000));
    assert!(big.len() > 2 * 1024 * 1024);
    let (status, json) = call(upload("/screen", multipart(&[], "big.csv", big.as_bytes()), true)).await;
    assert_eq!(status, 413);
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("larger than 2 MiB"),
        "{json}"
    );
    let (status, _) = call(
        test::TestRequest::post()
            .uri("/screen")
            .insert_header(("Content-Type", "text/csv"))
            .set_payload(big),
    )
    .await;
    assert_eq!(status, 413);

    // Under 2 MiB but over 10,000 rows.
    let many = format!("name\n{}", "x\n".repeat(10_001));
    let (status, json) = call(upload(
        "/screen",
        multipart(&[], "many.csv", many.as_bytes()),
        true,
    ))
    .await;
    assert_eq!(status, 413);
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("many.csv: more than 10000 rows"));

    for (fields, file, says) in [
        (
            &[][..],
            "who\nx\n",
            "big.csv: no `name` column; the header has: who",
        ),
        (
            &[("regime", "mars")][..],
            "name\nx\n",
            "regime: unknown regime \"mars\"",
        ),
        (
            &[("as_of", "2025-02-30")][..],
            "name\nx\n",
            "as_of: \"2025-02-30\" is not a date",
        ),
        (
            &[("threshold", "1.5")][..],
            "name\nx\n",
            "threshold: a number from 0 to 1",
        ),
    ] {
        let (status, json) = call(upload(
            "/screen",
            multipart(fields, "big.csv", file.as_bytes()),
            true,
        ))
        .await;
        assert_eq!(status, 400, "{json}");
        let message = json["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message}");
    }
    let no_file = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"regime\"\r\n\r\nbis\r\n--{BOUNDARY}--\r\n"
    );
    let (status, json) = call(upload("/screen", no_file.into_bytes(), true)).await;
    assert_eq!(status, 400);
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("file: required"));
    let (status, json) = call(
        test::TestRequest::post()
            .uri("/screen")
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .set_payload("name=x"),
    )
    .await;
    assert_eq!(status, 400);
    assert!(json["error"]["message"]
        .as_str()
        .unwrap()
        .contains("multipart/form-data"));
}
