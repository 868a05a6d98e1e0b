//! The explorer's search, lists, sources and home pages over HTTP, HTML and JSON, on the
//! bundled real data.

mod common;

use common::{http_get, http_json};
use serde_json::Value;

fn ids(page: &Value) -> Vec<&str> {
    page["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().expect("id"))
        .collect()
}

#[actix_web::test]
async fn search_page_finds_hikvision_with_its_listing_badge() {
    let (status, html) = http_get("/search?q=hikvision", false).await;
    assert_eq!(status, 200);
    let first = html.find(r#"<a class="name" href="/entities/"#).expect("a hit");
    assert!(
        html[first..].starts_with(r#"<a class="name" href="/entities/hikvision">Hikvision</a>"#),
        "{}",
        &html[first..first + 200]
    );
    assert!(html.contains(r#"<a class="badge listed" href="/lists/entity-list">Entity List</a>"#));
    assert!(html.contains(r#"value="hikvision""#), "the form keeps the query");

    // Hikvision is in two bundled sources (the 2019 case and the whole 2026 Entity List) under
    // two ids: both come first, the one whose own name matches before the one whose alias does.
    for (q, first) in [
        ("hikvision", "hikvision"),
        ("HIKVISION%20DIGITAL", common::HIKVISION_2026),
        ("Hangzhou+Hikvision+Digital+Technology", common::HIKVISION_2026),
    ] {
        let page = http_json(&format!("/search?q={q}"), 200).await;
        let mut top: Vec<&str> = ids(&page)[..2].to_vec();
        assert_eq!(top[0], first, "{q}");
        top.sort();
        assert_eq!(top, [common::HIKVISION_2026, "hikvision"], "{q}");
        assert_eq!(page["hits"][0]["lists"][0], "Entity List");
        assert_eq!(page["hits"][0]["badges"][0]["slug"], "entity-list");
    }
    for q in ["%E6%B5%B7%E5%BA%B7%E5%A8%81%E8%A7%86"] {
        let page = http_json(&format!("/search?q={q}"), 200).await;
        assert_eq!(ids(&page)[0], "hikvision", "{q}");
        assert_eq!(page["hits"][0]["lists"][0], "Entity List");
        assert_eq!(page["hits"][0]["badges"][0]["slug"], "entity-list");
    }
    let page = http_json("/search.json?q=%E6%B5%B7%E5%BA%B7%E5%A8%81%E8%A7%86", 200).await;
    assert_eq!(page["request"]["q"], "海康威视");
    assert_eq!(page["hits"][0]["matched"], "杭州海康威视数字技术股份有限公司");
    assert_eq!(page["hits"][0]["matched_alias"], true);
    assert_eq!(page["hits"][0]["tier"], "contains");
}

#[actix_web::test]
async fn facets_narrow_and_paginate() {
    let page = http_json("/search?q=security", 200).await;
    let total = page["total"].as_u64().unwrap();
    assert!(total > 20, "{total}");
    assert_eq!(page["hits"].as_array().unwrap().len(), 20);
    assert_eq!(page["pages"], total.div_ceil(20));
    assert_eq!(page["next"], "/search?q=security&page=2");
    assert_eq!(page["prev"], Value::Null);
    let list = page["facets"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == "Entity List")
        .expect("Entity List facet");
    assert_eq!(list["href"], "/search?q=security&list=entity-list");
    let schema = page["facets"]["schema"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == "PublicBody")
        .unwrap();
    assert_eq!(schema["selected"], false);

    // Following the facet link narrows to the listed bureaux, and the link now removes it.
    let narrowed = http_json(list["href"].as_str().unwrap(), 200).await;
    assert_eq!(narrowed["total"], list["count"]);
    assert!(narrowed["hits"].as_array().unwrap().iter().all(|h| h["lists"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l == "Entity List")));
    assert!(ids(&narrowed).contains(&"xuar-psb"));
    let selected = narrowed["facets"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["value"] == "Entity List")
        .unwrap();
    assert_eq!(selected["selected"], true);
    // The list facet ignores the list filter: the SDN List is still offered.
    assert!(narrowed["facets"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["value"] == "SDN List" && f["selected"] == false));
    assert_eq!(selected["href"], "/search?q=security");

    let (status, html) = http_get(
        "/search?q=security&list=entity-list&schema=PublicBody&country=CN",
        false,
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<li class="selected"><a href="/search?q=security&amp;country=CN&amp;list=entity-list">PublicBody</a>"#)
        || html.contains(r#"<li class="selected"><a href="/search?q=security&#38;country=CN&#38;list=entity-list">PublicBody</a>"#), "{html}");
    assert!(html.contains("Aksu District Public Security Bureau"));

    let page2 = http_json("/search?q=security&page=2", 200).await;
    assert_eq!(page2["request"]["page"], 2);
    assert_eq!(page2["prev"], "/search?q=security");
    let first: Vec<&str> = ids(&page);
    assert!(ids(&page2).iter().all(|id| !first.contains(id)));
}

#[actix_web::test]
async fn empty_search_shows_the_form_and_no_hits() {
    let (status, html) = http_get("/search", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("Type a name or alias"));
    let page = http_json("/search?q=", 200).await;
    assert_eq!(page["total"], 0);
    assert_eq!(page["hits"].as_array().unwrap().len(), 0);
    let page = http_json("/search?q=zzqqxxj", 200).await;
    assert_eq!(page["total"], 0);
}

#[actix_web::test]
async fn bad_search_parameters_answer_400_saying_what_is_allowed() {
    for (path, message) in [
        (
            "/search?q=x&schema=Robot",
            "schema: unknown schema \"Robot\"; expected one of Company",
        ),
        (
            "/search?q=x&list=no-such-list",
            "list: unknown list \"no-such-list\"; expected one of",
        ),
        (
            "/search?q=x&page=0",
            "page: a whole number from 1 to 10000, got \"0\"",
        ),
        ("/search?q=x&page=abc", "page: a whole number from 1 to 10000"),
        ("/search?q=x&page=10001", "page: a whole number from 1 to 10000"),
    ] {
        let error = http_json(path, 400).await;
        let got = error["error"]["message"].as_str().unwrap();
        assert!(got.contains(message), "{path}: {got}");
        let (status, html) = http_get(path, false).await;
        assert_eq!(status, 400, "{path}");
        assert!(
            html.contains("page:") || html.contains("list:") || html.contains("schema:"),
            "{html}"
        );
    }
    let long = "a".repeat(201);
    let error = http_json(&format!("/search?q={long}"), 400).await;
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("q: at most 200 characters"));
}

/// The Entity List as the bundled CSV files state it (the 2019 case and the whole 2026 list),
/// read independently of the importer: (member ids, listing start dates).
fn entity_list_rows() -> (std::collections::BTreeSet<String>, Vec<(String, String)>) {
    let mut members = std::collections::BTreeSet::new();
    let mut dated = Vec::new();
    for dir in ["entity-list-2019", "entity-list-2026-07-09"] {
        let mut reader = csv::Reader::from_path(common::data_dir().join(dir).join("listings.csv")).unwrap();
        for row in reader.deserialize::<std::collections::HashMap<String, String>>() {
            let row = row.unwrap();
            if row["list"] == "Entity List" {
                members.insert(row["entity"].clone());
                if !row["start_date"].is_empty() {
                    dated.push((row["start_date"].clone(), row["entity"].clone()));
                }
            }
        }
    }
    dated.sort();
    (members, dated)
}

#[actix_web::test]
async fn lists_page_shows_every_list_with_members_and_latest_date() {
    let (status, html) = http_get("/lists", false).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<a href="/lists/entity-list">Entity List</a>"#));
    assert!(html.contains(r#"<a href="/lists/ns-cmic-list">NS-CMIC List</a>"#));
    let page = http_json("/lists.json", 200).await;
    let lists = page["lists"].as_array().unwrap();
    let el = lists.iter().find(|l| l["slug"] == "entity-list").unwrap();
    let (members, dated) = entity_list_rows();
    assert_eq!(
        members.len(),
        3440,
        "31 parties of the 2019 case + 3,409 entries of 2026"
    );
    assert_eq!(el["members"], members.len());
    assert_eq!(el["latest_start_date"], dated.last().unwrap().0.as_str());
    assert_eq!(el["authority"], "US Department of Commerce (BIS)");
    let cmic = lists.iter().find(|l| l["slug"] == "ns-cmic-list").unwrap();
    assert_eq!(cmic["members"], 4);
    assert!(lists.iter().any(|l| l["slug"] == "sdn-list"));
}

#[actix_web::test]
async fn a_list_sorts_by_name_and_date() {
    let (status, html) = http_get("/lists/entity-list", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Entity List</h1>"));
    assert!(
        html.contains(r#"<a href="/lists/entity-list?sort=-name">Name</a> ↑"#),
        "name is the default order"
    );
    assert!(html.contains(r#"<a href="/lists/entity-list?sort=date">Listed</a></th>"#));

    let (members, dated) = entity_list_rows();
    let by_name = http_json("/lists/entity-list", 200).await;
    assert_eq!(by_name["total"], members.len());
    assert_eq!(by_name["sort"], "name");
    let names: Vec<&str> = by_name["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 100, "a page");
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| n.to_lowercase());
    assert_eq!(names, sorted);

    let newest = http_json("/lists/entity-list.json?sort=-date", 200).await;
    assert_eq!(newest["sort"], "-date");
    assert_eq!(
        newest["members"][0]["start_date"],
        dated.last().unwrap().0.as_str()
    );
    assert_eq!(newest["sort_by_date"]["current"], "desc");
    assert_eq!(newest["sort_by_date"]["href"], "/lists/entity-list?sort=date");

    let oldest = http_json("/lists/entity-list?sort=date", 200).await;
    let first = oldest["members"][0]["id"].as_str().unwrap();
    let earliest = &dated[0].0;
    assert_eq!(oldest["members"][0]["start_date"], earliest.as_str());
    assert!(
        dated.iter().any(|(d, id)| d == earliest && id == first),
        "{first}"
    );

    // The 2019 case's Hikvision, with its citation as the list gives it.
    let hik = http_json("/entities/hikvision.json", 200).await;
    let listing = hik["listings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["list"] == "Entity List")
        .unwrap();
    assert_eq!(listing["citation"], "84 FR 54002 (entry at 54004)");
    assert_eq!(listing["license_requirement"], "For all items subject to the EAR");

    let cmic = http_json("/lists/ns-cmic-list", 200).await;
    assert_eq!(cmic["members"][0]["program"], "CMIC-EO13959");
}

#[actix_web::test]
async fn a_long_list_pages() {
    let first = http_json("/lists/sdn-list", 200).await;
    let total = first["total"].as_u64().unwrap();
    assert!(total > 14_000, "{total}");
    assert_eq!(first["members"].as_array().unwrap().len(), 100);
    assert_eq!(first["pages"], total.div_ceil(100));
    assert_eq!(first["next"], "/lists/sdn-list?sort=name&page=2");
    let second = http_json("/lists/sdn-list?sort=name&page=2", 200).await;
    assert_eq!(second["prev"], "/lists/sdn-list?sort=name");
    let last_of_first = first["members"][99]["name"].as_str().unwrap().to_lowercase();
    let first_of_second = second["members"][0]["name"].as_str().unwrap().to_lowercase();
    assert!(
        last_of_first <= first_of_second,
        "{last_of_first} / {first_of_second}"
    );
    let (status, html) = http_get("/lists/sdn-list?page=2", false).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("page 2 of {}", total.div_ceil(100))));
}

#[actix_web::test]
async fn bad_list_requests_answer_404_and_400() {
    let error = http_json("/lists/no-such-list", 404).await;
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no list with slug \"no-such-list\""));
    let (status, _) = http_get("/lists/no-such-list", false).await;
    assert_eq!(status, 404);
    let error = http_json("/lists/entity-list?sort=size", 400).await;
    assert_eq!(
        error["error"]["message"],
        "sort: unknown order \"size\"; expected one of name, -name, date, -date"
    );
    let error = http_json("/lists/entity-list?page=-1", 400).await;
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("page: a whole number"));
    let (status, html) = http_get("/lists/entity-list?sort=size", false).await;
    assert_eq!(status, 400);
    assert!(html.contains("expected one of name, -name, date, -date"));
}

#[actix_web::test]
async fn sources_page_shows_datasets_files_and_counts() {
    let (status, html) = http_get("/sources", false).await;
    assert_eq!(status, 200);
    assert!(html.contains("<td>entity-list-2019</td>"));
    assert!(html.contains("sdn.csv"));
    let page = http_json("/sources.json", 200).await;
    let datasets = page["datasets"].as_array().unwrap();
    let el = datasets
        .iter()
        .find(|d| d["dataset"] == "entity-list-2019")
        .unwrap();
    assert_eq!(el["entities"], 40);
    assert_eq!(el["relations"], 33);
    assert_eq!(el["listings"], 35);
    assert_eq!(el["imports"], 1);
    let imports = page["imports"].as_array().unwrap();
    let bundled = ownergraph::import::bundled_datasets(&common::data_dir()).unwrap();
    assert_eq!(imports.len(), bundled.len(), "one import per bundled dataset");
    let sdn = imports.iter().find(|i| i["format"] == "ofac-sdn").unwrap();
    assert!(sdn["path"].as_str().unwrap().ends_with("sdn.csv"));
    assert_eq!(sdn["entities"], 14965);
    assert_eq!(sdn["checksum"].as_str().unwrap().len(), 64);
    assert!(sdn["imported_at"].as_str().unwrap().ends_with('Z'));
}

#[actix_web::test]
async fn home_offers_search_lists_and_the_2019_case() {
    let (status, html) = http_get("/", false).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<form class="search big" action="/search""#));
    assert!(html.contains(r#"<a href="/entities/xuar-psb">"#));
    assert!(html.contains(r#"<a href="/entities/hikvision">Hikvision</a>"#));
    assert!(html.contains(r#"<a href="/lists/entity-list?sort=date">84 FR 54002</a>"#));
    assert!(
        html.contains(r#"<a href="/search?q=%E6%B5%B7%E5%BA%B7%E5%A8%81%E8%A7%86">海康威视</a>"#),
        "example searches"
    );
    let page = http_json("/", 200).await;
    assert_eq!(page["entities"], common::bundled_source_records());
    let el = page["lists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["slug"] == "entity-list")
        .unwrap();
    assert_eq!(
        el["latest_start_date"],
        entity_list_rows().1.last().unwrap().0.as_str()
    );
    let entry: Vec<&str> = page["entry_points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(&entry[..2], &["xuar-psb", "hikvision"]);
    assert_eq!(page["example_searches"][0]["href"], "/search?q=hikvision");
    // Every example search finds something.
    for example in page["example_searches"].as_array().unwrap() {
        let results = http_json(example["href"].as_str().unwrap(), 200).await;
        assert!(results["total"].as_u64().unwrap() > 0, "{example}");
    }
}
