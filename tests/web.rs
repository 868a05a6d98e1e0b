//! The pages over HTTP, HTML and JSON, on the bundled real data.

mod common;

use actix_web::{test, web};
use serde_json::Value;

async fn get(path: &str, json: bool) -> (u16, String) {
    let app = test::init_service(ownergraph::web::app(web::Data::from(common::bundled()))).await;
    let mut req = test::TestRequest::get().uri(path);
    if json {
        req = req.insert_header(("Accept", "application/json"));
    }
    let resp = test::call_service(&app, req.to_request()).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    (status, String::from_utf8(body.to_vec()).unwrap())
}

#[actix_web::test]
async fn entity_page_shows_listing_citation_and_owners() {
    let (status, html) = get("/entities/hikvision", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Hikvision</h1>"));
    assert!(html.contains("84 FR 54002"));
    assert!(html.contains("Hikvision owned by"));
    assert!(
        html.contains(r#"<a href="/entities/cethik">China Electronics Technology HIK Group Co., Ltd.</a>"#)
    );
    assert!(html.contains("38.88%"));
    assert!(html.contains("杭州海康威视数字技术股份有限公司"));

    let (status, body) = get("/entities/hikvision", true).await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["entity"]["id"], "hikvision");
    let listing = page["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["list"] == "Entity List")
        .unwrap();
    assert_eq!(listing["citation"], "84 FR 54002 (entry at 54004)");
    assert_eq!(listing["start_date"], "2019-10-09");
    let owned_by = page["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["label"] == "owned by")
        .unwrap();
    let owners: Vec<&str> = owned_by["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["other_id"].as_str().unwrap())
        .collect();
    assert_eq!(owners, vec!["cethik", "gong-hongjia"]);
    assert_eq!(owned_by["relations"][0]["share"]["lo"], 38.88);
}

#[actix_web::test]
async fn ofac_entry_shows_its_programme_and_json_suffix_works() {
    let (status, html) = get("/entities/ofac-306", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("BANCO NACIONAL DE CUBA"));
    assert!(html.contains("<td>CUBA</td>"), "programme column");
    assert!(html.contains("BNC"));

    let (status, body) = get("/entities/ofac-306.json", false).await;
    assert_eq!(status, 200);
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["listings"][0]["program"], "CUBA");
    assert_eq!(page["listings"][0]["list"], "SDN List");
}

#[actix_web::test]
async fn unknown_ids_answer_404_in_both_formats() {
    let (status, html) = get("/entities/no-such-entity", false).await;
    assert_eq!(status, 404);
    assert!(
        html.contains("no entity with id &quot;no-such-entity&quot;")
            || html.contains("no entity with id &#34;no-such-entity&#34;"),
        "{html}"
    );
    let (status, body) = get("/entities/no-such-entity", true).await;
    assert_eq!(status, 404);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["status"], 404);
    let (status, _) = get("/no/such/page", false).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn home_shows_counts_and_lists() {
    let (status, html) = get("/", false).await;
    assert_eq!(status, 200);
    let entities = common::bundled_source_records();
    assert!(
        html.contains(&format!("<strong>{entities}</strong> entities")),
        "{html}"
    );
    assert!(html.contains(r#"<a href="/lists/sdn-list">SDN List</a>"#));
    let (_, body) = get("/", true).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["entities"], entities);
    // OFAC's and the UN's records of one party are judged one party when the data is built.
    let parties = page["parties"].as_u64().unwrap();
    assert!(
        parties < entities && parties > entities - 1000,
        "{parties} of {entities}"
    );
    assert!(html.contains(&format!("<strong>{parties}</strong> parties")));
    let el = page["lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["list"] == "Entity List")
        .unwrap();
    assert_eq!(el["members"], 31 + 3409, "the 2019 case and the whole 2026 list");
}

/// `serve` on a fresh database builds every bundled list: the OFAC SDN list, the UN Security
/// Council list and the whole 2026 Entity List beside the 2019 case, each with its release date
/// on the home page; members counted from the files themselves.
#[actix_web::test]
async fn a_fresh_database_holds_the_un_list_and_the_whole_entity_list() {
    let (_, body) = get("/", true).await;
    let page: Value = serde_json::from_str(&body).unwrap();
    let list = |name: &str| -> Value {
        page["lists"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["list"] == name)
            .unwrap_or_else(|| panic!("{name} is held: {page}"))
            .clone()
    };
    let un_text =
        std::fs::read_to_string(common::data_dir().join("un-sc-2025-04-19/consolidated.xml")).unwrap();
    let un_records = un_text.matches("<INDIVIDUAL>").count() + un_text.matches("<ENTITY>").count();
    assert_eq!(un_records, 684 + 193);
    let un = list("UN Security Council Consolidated List");
    assert_eq!(un["members"], un_records);
    assert_eq!(un["authority"], "United Nations Security Council");
    assert_eq!(un["release"], "2025-04-19");
    assert_eq!(list("Entity List")["release"], "2026-07-09");
    assert_eq!(list("SDN List")["release"], "2024-05-03");
    let (status, html) = get("/entities/un-QDi.001", false).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("UN Security Council Consolidated List"));
    let (status, html) = get(&format!("/entities/{}", common::HIKVISION_2026), false).await;
    assert_eq!(status, 200);
    assert!(html.contains("No. 555 Qianmo Road"), "the 2026 list's addresses");
}
