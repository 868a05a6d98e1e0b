//! Watchlists on real data. The October 2019 Entity List case holds a real ownership chain,
//! SASAC → CETC (100%) → CETHIK (share not stated) → Hikvision; a later release of that
//! dataset that adds one listing (SASAC put on the SDN list: a hypothetical listing, written
//! by the test) must turn CETC blocked and CETHIK, two steps down, possibly blocked under
//! OFAC, each alert naming the chain and the release, through `Incremental::add_listing`.
//! Across the two real SDN releases (2024-03-27 → 2024-05-03) a new entry is a new match, a
//! renamed vessel's old name a match gone, a removed entry a status change. Webhooks reach a
//! receiver the test runs on loopback, signed; a failing receiver is tried again. The pages,
//! their JSON twins and the feed; writes refused without a session.

mod common;

use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use common::lists::day;
use common::session::{json, multipart, send, sign_in, with_accounts, Client, ANA, BOUNDARY, ROOT};
use hmac::{Hmac, Mac};
use ownergraph::engine::Engine;
use ownergraph::exposure::{RegimeId, Regimes, Verdicts};
use ownergraph::import::{self, Format};
use ownergraph::model::Date;
use ownergraph::screen::batch;
use ownergraph::screenings;
use ownergraph::store::AlertRow;
use ownergraph::watchlist::{self, Monitor, NewWatchlist, Pass, Step};
use serde_json::Value;
use sha2::Sha256;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Counterparties of the Entity List case by their own names, and one nobody has.
const SUPPLIERS: &str = "name,country,reference\n\
China Electronics Technology Group Corporation,CN,S-1\n\
\"China Electronics Technology HIK Group Co., Ltd.\",CN,S-2\n\
Taobao China Holding Limited,HK,S-3\n\
Zzyzx Quarry Supplies of Nowhere,US,S-4\n";

/// The listing the later release adds: SASAC on the SDN list (hypothetical, for the test).
const SASAC_LISTING: &str =
    "sasac,SDN List,US Department of the Treasury (OFAC),TEST,2020-01-01,,test fixture: not a real listing,,,H\n";

/// The Entity List case with SASAC listed: the same dataset's next release.
fn release_listing_sasac() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = common::entity_list_dir();
    for name in ["entities.csv", "relations.csv", "listings.csv"] {
        std::fs::copy(from.join(name), dir.path().join(name)).unwrap();
    }
    let mut listings = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.path().join("listings.csv"))
        .unwrap();
    listings.write_all(SASAC_LISTING.as_bytes()).unwrap();
    dir
}

/// Applies the directory as a partial import of the Entity List case's dataset.
fn import_dir(engine: &Engine, dir: &Path) -> i64 {
    let prepared = import::read(Format::Csv, dir, Some("entity-list-2019")).unwrap();
    engine.apply(&prepared.batch, &prepared.record).unwrap();
    engine.read(|s| s.latest_release()).unwrap()
}

fn input(text: &str) -> batch::Input {
    batch::read_csv("suppliers.csv", text.as_bytes(), None).unwrap()
}

fn add(
    engine: &Engine,
    monitor: &mut Monitor,
    name: &str,
    text: &str,
    webhook: Option<&str>,
) -> watchlist::Created {
    watchlist::add(
        engine,
        monitor,
        &NewWatchlist {
            name,
            owner: "cli",
            regime: RegimeId::Ofac,
            threshold: 0.88,
            webhook_url: webhook,
            keep_records: false,
            input: &input(text),
        },
    )
    .unwrap()
}

fn alerts(engine: &Engine, name: &str) -> Vec<AlertRow> {
    engine
        .read(|s| {
            let w = s.watchlist(name)?.unwrap();
            Ok(s.alerts(w.wid, 0, 1000)?.0)
        })
        .unwrap()
}

fn status_of(engine: &Engine, name: &str, row: i64) -> String {
    engine
        .read(|s| {
            let w = s.watchlist(name)?.unwrap();
            s.watchlist_states(w.wid)
        })
        .unwrap()
        .into_iter()
        .find(|(r, _)| *r == row)
        .map(|(_, s)| s.status)
        .unwrap()
}

/// A counterparty file with a row that cannot be read (no name): it is not watched, and a
/// record of a run holds only the rows watched.
const SUPPLIERS_WITH_A_BAD_ROW: &str = "name,country,reference\n\
China Electronics Technology Group Corporation,CN,S-1\n\
,CN,S-0\n\
\"China Electronics Technology HIK Group Co., Ltd.\",CN,S-2\n\
Taobao China Holding Limited,HK,S-3\n\
Zzyzx Quarry Supplies of Nowhere,US,S-4\n";

#[test]
fn a_watchlist_keeps_each_run_as_a_record_that_verifies_until_the_data_moves() {
    let (_dir, engine) = common::entity_list();
    let mut monitor = Monitor::default();
    let created = watchlist::add(
        &engine,
        &mut monitor,
        &NewWatchlist {
            name: "kept",
            owner: "ana",
            regime: RegimeId::Ofac,
            threshold: 0.88,
            webhook_url: None,
            keep_records: true,
            input: &input(SUPPLIERS_WITH_A_BAD_ROW),
        },
    )
    .unwrap();
    assert_eq!((created.rows, created.problems.len()), (4, 1));
    let first = created.screening.expect("the first run is kept");
    let record = screenings::get(&engine, first).unwrap().unwrap();
    let meta = &record.meta.screening;
    assert_eq!(
        (meta.source.as_str(), meta.created_by.as_str(), meta.regime),
        ("watchlist", "ana", RegimeId::Ofac)
    );
    assert_eq!((meta.as_of, meta.threshold), (Date::today(), 0.88));
    assert_eq!((meta.screened, meta.matched), (4, 3));
    let statuses: Vec<(&str, Option<&str>)> = record
        .results
        .rows
        .iter()
        .map(|r| (r.name.as_str(), r.found.as_ref().map(|m| m.status.as_str())))
        .collect();
    assert_eq!(
        statuses,
        [
            (
                "China Electronics Technology Group Corporation",
                Some("not_blocked")
            ),
            (
                "China Electronics Technology HIK Group Co., Ltd.",
                Some("not_blocked")
            ),
            ("Taobao China Holding Limited", Some("not_blocked")),
            ("Zzyzx Quarry Supplies of Nowhere", None),
        ]
    );
    let verified = screenings::verify(&engine, first).unwrap();
    assert!(verified.passed() && verified.same_releases, "{}", verified.text());

    let release = release_listing_sasac();
    let iid = import_dir(&engine, release.path());
    let done = watchlist::rescreen(&engine, &mut monitor).unwrap();
    let second = done[0].screening.expect("the run after the release is kept");
    let record = screenings::get(&engine, second).unwrap().unwrap();
    assert_eq!(record.releases.len(), verified.release_count + 1);
    let cetc = record.results.rows[0].found.as_ref().unwrap();
    assert_eq!((cetc.id.as_str(), cetc.status.as_str()), ("cetc", "blocked"));
    // The run kept its matches (no name changed) and judged them again: a screen of the same
    // rows with the same options on the same data finds exactly that.
    let verified = screenings::verify(&engine, second).unwrap();
    assert!(verified.passed() && verified.same_releases, "{}", verified.text());
    // The first run's record no longer holds: CETC and CETHIK moved, and a release came.
    let stale = screenings::verify(&engine, first).unwrap();
    assert!(!stale.identical);
    assert_eq!(
        stale.differences.iter().map(|d| d.line).collect::<Vec<_>>(),
        [2, 3]
    );
    assert_eq!(stale.releases_added.len(), 1);
    assert_eq!(stale.releases_added[0].dataset, "entity-list-2019");
    assert_eq!(engine.read(|s| s.latest_release()).unwrap(), iid);
    // Both records name the watchlist, newest first.
    let (records, total) = engine
        .read(|s| {
            let w = s.watchlist("kept")?.unwrap();
            s.watchlist_screenings(w.wid, 10)
        })
        .unwrap();
    assert_eq!(total, 2);
    assert_eq!(records.iter().map(|r| r.id).collect::<Vec<_>>(), [second, first]);
    // A watchlist without the option keeps none.
    let plain = add(&engine, &mut monitor, "plain", SUPPLIERS, None);
    assert_eq!(plain.screening, None);
    assert_eq!(screenings::list(&engine, 10, 0).unwrap().1, 2);
}

fn ids(steps: &[Step]) -> Vec<&str> {
    steps.iter().map(|s| s.id.as_str()).collect()
}

#[test]
fn an_owner_listed_two_steps_up_changes_the_status_with_the_chain_and_the_release() {
    let (_dir, engine) = common::entity_list();
    let mut monitor = Monitor::default();
    let created = add(&engine, &mut monitor, "suppliers", SUPPLIERS, None);
    assert_eq!(created.rows, 4);
    // The baseline: matched by name, nobody listed on the SDN list yet, no alerts.
    assert_eq!(status_of(&engine, "suppliers", 0), "not_blocked");
    assert_eq!(status_of(&engine, "suppliers", 1), "not_blocked");
    assert_eq!(status_of(&engine, "suppliers", 2), "not_blocked");
    assert_eq!(status_of(&engine, "suppliers", 3), "none");
    assert!(alerts(&engine, "suppliers").is_empty());

    let release = release_listing_sasac();
    let iid = import_dir(&engine, release.path());
    let kinds = engine
        .read(|s| s.change_kinds_between(iid - 1, iid))
        .unwrap()
        .unwrap();
    assert_eq!(kinds.into_iter().collect::<Vec<_>>(), ["listing_added"]);

    let done = watchlist::rescreen(&engine, &mut monitor).unwrap();
    assert_eq!(done.len(), 1);
    assert!(done[0].recorded);
    assert_eq!(
        done[0].pass,
        Pass::Incremental,
        "a release that only lists reuses the pass"
    );
    assert!(!done[0].rematched, "no name changed: the matches are kept");

    let found = alerts(&engine, "suppliers");
    assert_eq!(found.len(), 2, "{found:?}");
    let by_row = |row: i64| found.iter().find(|a| a.row == row).unwrap();
    let cetc = by_row(0);
    assert_eq!(cetc.kind, "status_changed");
    assert_eq!(cetc.iid, Some(iid));
    assert_eq!(cetc.release_dataset.as_deref(), Some("entity-list-2019"));
    let before = watchlist::state(cetc.before.as_deref()).unwrap();
    let after = watchlist::state(cetc.after.as_deref()).unwrap();
    assert_eq!(
        (before.status.as_str(), after.status.as_str()),
        ("not_blocked", "blocked")
    );
    assert_eq!(after.match_id.as_deref(), Some("cetc"));
    assert_eq!(
        ids(&watchlist::steps(cetc.evidence.as_deref())),
        ["cetc", "sasac"]
    );

    let cethik = by_row(1);
    assert_eq!(cethik.kind, "status_changed");
    assert_eq!(cethik.iid, Some(iid));
    let after = watchlist::state(cethik.after.as_deref()).unwrap();
    // CETC's stake in CETHIK is not stated: blocked for some values of it, not for others.
    assert_eq!(after.status, "possibly_blocked");
    let chain = watchlist::steps(cethik.evidence.as_deref());
    assert_eq!(ids(&chain), ["cethik", "cetc", "sasac"]);
    assert!(chain[2].lists.iter().any(|l| l == "SDN List"), "{chain:?}");
    // Taobao's owner (Alibaba) is not listed: no alert for it.
    assert!(found.iter().all(|a| a.row != 2));

    // The incremental pass says what a whole pass over the new snapshot says, node by node.
    let snapshot = engine.snapshot();
    let (pass, how) = monitor
        .exposure(&engine, &snapshot, RegimeId::Ofac, iid, Date::today())
        .unwrap();
    assert_eq!(how, Pass::Held);
    let whole = Verdicts::new(&snapshot, Regimes::bundled().get(RegimeId::Ofac), Date::today());
    for node in 0..snapshot.node_count() as u32 {
        assert_eq!(
            pass.status(node),
            whole.status(&snapshot, node),
            "{}",
            snapshot.node(node).id
        );
    }

    // Exactly once: nothing more to do at this version, from any monitor.
    assert!(watchlist::rescreen(&engine, &mut monitor).unwrap().is_empty());
    assert!(watchlist::rescreen(&engine, &mut Monitor::default())
        .unwrap()
        .is_empty());
    assert_eq!(alerts(&engine, "suppliers").len(), 2);
}

#[test]
fn two_real_sdn_releases_make_a_new_match_a_match_gone_and_a_status_change() {
    let first = common::lists::shared("ofac-sdn-2024-03-27/sdn.csv");
    let second = common::sdn_csv();
    let text = |p: &PathBuf| std::fs::read_to_string(p).unwrap();
    // The three entries, as the files state them.
    assert!(!text(&first).contains("WUHAN GLOBAL SENSOR TECHNOLOGY"));
    assert!(text(&second).contains("\"WUHAN GLOBAL SENSOR TECHNOLOGY CO., LTD.\""));
    assert!(text(&first).contains("39693,\"YOUNG YONG\""));
    assert!(text(&second).contains("39693,\"SAINT LIGHT\"") && !text(&second).contains("YOUNG YONG"));
    assert!(text(&first).contains("\"VTB BANK EUROPE SE\"") && !text(&second).contains("VTB BANK EUROPE SE"));

    let (_dir, engine) = common::empty_engine();
    let release = |path: &Path, on: &str| {
        let prepared = import::read(Format::OfacSdn, path, None).unwrap();
        common::lists::apply_release(&engine, &prepared, Some(day(on)));
        engine.read(|s| s.latest_release()).unwrap()
    };
    release(&first, "2024-03-27");
    let mut monitor = Monitor::default();
    let rows = "name,schema\n\
WUHAN GLOBAL SENSOR TECHNOLOGY CO. LTD.,Company\n\
YOUNG YONG,Vessel\n\
VTB BANK EUROPE SE,Company\n";
    add(&engine, &mut monitor, "sdn-watch", rows, None);
    assert_eq!(status_of(&engine, "sdn-watch", 0), "none");
    assert_eq!(status_of(&engine, "sdn-watch", 1), "listed");
    assert_eq!(status_of(&engine, "sdn-watch", 2), "listed");

    let iid = release(&second, "2024-05-03");
    let done = watchlist::rescreen(&engine, &mut monitor).unwrap();
    assert_eq!(done[0].pass, Pass::Whole, "entities were added: a whole pass");
    assert!(done[0].rematched);
    let found = alerts(&engine, "sdn-watch");
    let kind_of = |row: i64| {
        found
            .iter()
            .find(|a| a.row == row)
            .map(|a| (a.kind.as_str(), a.iid))
    };
    assert_eq!(kind_of(0), Some(("new_match", Some(iid))), "{found:?}");
    assert_eq!(kind_of(1), Some(("match_gone", Some(iid))), "{found:?}");
    assert_eq!(kind_of(2), Some(("status_changed", Some(iid))), "{found:?}");
    let vtb = found.iter().find(|a| a.row == 2).unwrap();
    assert_eq!(
        watchlist::state(vtb.after.as_deref()).unwrap().status,
        "not_blocked"
    );
    let gone = found.iter().find(|a| a.row == 1).unwrap();
    assert_eq!(
        watchlist::state(gone.before.as_deref())
            .unwrap()
            .match_id
            .as_deref(),
        Some("ofac-39693")
    );
    assert!(gone.after.is_none());
    // Newest first.
    assert!(found.windows(2).all(|w| w[0].aid > w[1].aid));
}

/// What a loopback receiver was sent: (signature header, body).
type Received = Arc<Mutex<Vec<(String, String)>>>;

/// A plain HTTP/1.1 receiver on 127.0.0.1 that answers 500 to its first `fail_first` requests
/// and 204 after; returns its URL.
fn receiver(fail_first: usize) -> (String, Received) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let got: Received = Arc::default();
    let kept = got.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut length, mut signature) = (0usize, String::new());
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
                if name.eq_ignore_ascii_case("x-ownergraph-signature") {
                    signature = value.trim().to_string();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            kept.lock()
                .unwrap()
                .push((signature, String::from_utf8(body).unwrap()));
            let status = if n < fail_first {
                "500 Internal Server Error"
            } else {
                "204 No Content"
            };
            write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
        }
    });
    (url, got)
}

fn hmac_hex(secret: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn alerts_are_posted_signed_and_a_failing_receiver_is_tried_again() {
    let (url, received) = receiver(1);
    let (_dir, engine) = common::entity_list();
    let mut monitor = Monitor::default();
    let created = add(&engine, &mut monitor, "hooked", SUPPLIERS, Some(&url));
    let secret = created
        .webhook_secret
        .expect("a secret is generated for a webhook");
    assert_eq!(secret.len(), 64);
    let release = release_listing_sasac();
    import_dir(&engine, release.path());
    watchlist::rescreen(&engine, &mut monitor).unwrap();

    let first = watchlist::webhook::deliver_due(&engine).unwrap();
    assert_eq!((first.delivered, first.failed), (1, 1));
    // Not due again before its backoff.
    assert_eq!(watchlist::webhook::deliver_due(&engine).unwrap().delivered, 0);
    std::thread::sleep(std::time::Duration::from_millis(
        watchlist::webhook::backoff(1) as u64 * 1000 + 1100,
    ));
    let second = watchlist::webhook::deliver_due(&engine).unwrap();
    assert_eq!((second.delivered, second.failed), (1, 0));
    let wid = engine.read(|s| s.watchlist("hooked")).unwrap().unwrap().wid;
    assert_eq!(engine.read(|s| s.delivery_counts(wid)).unwrap(), (2, 0, 0));

    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 3);
    let mut kinds = Vec::new();
    for (signature, body) in &got {
        assert_eq!(signature, &format!("sha256={}", hmac_hex(&secret, body)));
        let alert: Value = serde_json::from_str(body).unwrap();
        assert_eq!(alert["watchlist"], "hooked");
        kinds.push((
            alert["alert"]["row"]["name"].as_str().unwrap().to_string(),
            alert["alert"]["after"]["status"].as_str().unwrap().to_string(),
            alert["alert"]["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>(),
        ));
        assert_eq!(alert["alert"]["release"]["dataset"], "entity-list-2019");
    }
    // The failed one was sent again, byte for byte.
    assert_eq!(got[0].1, got[2].1);
    kinds.sort();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            (
                "China Electronics Technology Group Corporation".to_string(),
                "blocked".to_string(),
                vec!["cetc".to_string(), "sasac".to_string()]
            ),
            (
                "China Electronics Technology HIK Group Co., Ltd.".to_string(),
                "possibly_blocked".to_string(),
                vec!["cethik".to_string(), "cetc".to_string(), "sasac".to_string()]
            ),
        ]
    );
}

#[test]
fn webhook_urls_must_be_https_unless_loopback() {
    let (_dir, engine) = common::entity_list();
    let refused = watchlist::add(
        &engine,
        &mut Monitor::default(),
        &NewWatchlist {
            name: "plain",
            owner: "cli",
            regime: RegimeId::Ofac,
            threshold: 0.88,
            webhook_url: Some("http://hooks.example.com/x"),
            keep_records: false,
            input: &input(SUPPLIERS),
        },
    );
    assert!(matches!(refused, Err(watchlist::WatchError::Invalid(m)) if m.contains("https")));
    assert!(engine.read(|s| s.watchlists()).unwrap().is_empty());
}

fn upload(
    client: Option<&Client>,
    uri: &str,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> TestRequest {
    let req = match client {
        Some(c) => c.post(uri),
        None => TestRequest::post().uri(uri),
    };
    json(
        req.insert_header((
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        ))
        .set_payload(multipart(fields, files)),
    )
}

#[actix_web::test]
async fn pages_save_a_watchlist_and_show_the_alert_an_import_causes() {
    let (_dir, engine) = common::entity_list();
    let engine = with_accounts(engine);
    let app = test::init_service(ownergraph::web::app(actix_web::web::Data::from(engine.clone()))).await;
    let file: &[(&str, &str, &[u8])] = &[("file", "suppliers.csv", SUPPLIERS.as_bytes())];

    // Writes need a session and its token.
    let fields = [("name", "suppliers"), ("regime", "ofac")];
    let reply = send(&app, upload(None, "/watchlists", &fields, file)).await;
    assert_eq!(reply.status, 401, "{}", reply.body);
    let ana = sign_in(&app, ANA).await;
    let reply = send(&app, upload(Some(&ana), "/watchlists", &fields, file)).await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    let bad = [("csrf", ana.csrf.as_str()), ("name", "a/b")];
    let reply = send(&app, upload(Some(&ana), "/watchlists", &bad, file)).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(engine.read(|s| s.watchlists()).unwrap().is_empty());

    let fields = [
        ("csrf", ana.csrf.as_str()),
        ("name", "suppliers"),
        ("regime", "ofac"),
        ("record", "true"),
    ];
    let reply = send(&app, upload(Some(&ana), "/watchlists", &fields, file)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let page = reply.json();
    assert_eq!(page["watchlist"]["owner"], "ana");
    assert_eq!(page["watchlist"]["keep_records"], true);
    assert_eq!(page["records_total"], 1);
    assert_eq!(page["rows"].as_array().unwrap().len(), 4);
    assert_eq!(page["rows"][0]["match_id"], "cetc");
    assert_eq!(page["rows"][0]["status"], "not_blocked");
    assert_eq!(page["rows"][3]["status"], "none");
    // The same name again is a conflict.
    let reply = send(&app, upload(Some(&ana), "/watchlists", &fields, file)).await;
    assert_eq!(reply.status, 409, "{}", reply.body);

    // The next release, imported over HTTP by an admin; the watchlist follows on its own.
    let root = sign_in(&app, ROOT).await;
    let release = release_listing_sasac();
    let read = |name: &str| std::fs::read(release.path().join(name)).unwrap();
    let (entities, relations, listings) = (read("entities.csv"), read("relations.csv"), read("listings.csv"));
    let reply = send(
        &app,
        upload(
            Some(&root),
            "/import",
            &[
                ("csrf", &root.csrf),
                ("format", "csv"),
                ("dataset", "entity-list-2019"),
                ("partial", "true"),
            ],
            &[
                ("entities", "entities.csv", &entities),
                ("relations", "relations.csv", &relations),
                ("listings", "listings.csv", &listings),
            ],
        ),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut page = Value::Null;
    for _ in 0..300 {
        page = send(&app, TestRequest::get().uri("/watchlists/suppliers.json"))
            .await
            .json();
        if page["alerts_total"].as_u64() == Some(2) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(page["alerts_total"], 2, "{page}");
    assert_eq!(page["rows"][0]["status"], "blocked");
    // The run the release caused is kept as a record, which opens to a signed-in user.
    assert_eq!(page["records_total"], 2, "{page}");
    let newest_record = page["records"][0]["id"].as_i64().unwrap();
    let record = send(&app, ana.get(&format!("/screenings/{newest_record}.json")))
        .await
        .json();
    assert_eq!(record["source"], "watchlist");
    assert_eq!(record["results"]["rows"][0]["match"]["status"], "blocked");
    let newest = &page["alerts"][0];
    assert_eq!(newest["kind"], "status_changed");
    assert_eq!(newest["release_dataset"], "entity-list-2019");
    assert!(newest["evidence"].as_array().unwrap().len() >= 2);

    let html = send(&app, TestRequest::get().uri("/watchlists/suppliers")).await;
    assert_eq!(html.status, 200);
    assert!(html.body.contains("status changed"), "{}", html.body);
    assert!(html.body.contains("not_blocked → blocked"), "{}", html.body);
    assert!(html.body.contains("/entities/sasac"), "{}", html.body);
    assert!(
        html.body
            .contains(&format!("href=\"/screenings/{newest_record}\"")),
        "{}",
        html.body
    );
    let list = send(&app, TestRequest::get().uri("/watchlists.json"))
        .await
        .json();
    assert_eq!(list["watchlists"][0]["alerts"], 2);

    // The feed: well-formed Atom with one entry per alert.
    let feed = send(&app, TestRequest::get().uri("/watchlists/suppliers.atom")).await;
    assert_eq!(feed.status, 200);
    assert!(feed
        .header(header::CONTENT_TYPE)
        .starts_with("application/atom+xml"));
    let mut reader = quick_xml::Reader::from_str(&feed.body);
    let mut entries = 0;
    loop {
        match reader
            .read_event()
            .unwrap_or_else(|e| panic!("{e}: {}", feed.body))
        {
            quick_xml::events::Event::Start(e) if e.name().0 == "entry" => entries += 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(entries, 2);
    assert!(feed.body.contains("possibly_blocked"), "{}", feed.body);
    let missing = send(&app, json(TestRequest::get().uri("/watchlists/nope"))).await;
    assert_eq!(missing.status, 404);
    let bad_page = send(&app, json(TestRequest::get().uri("/watchlists/suppliers?page=9"))).await;
    assert_eq!(bad_page.status, 400);

    // Removing: not without a session, not by another curator's hand, yes by its owner.
    let reply = send(
        &app,
        TestRequest::post()
            .uri("/watchlists/suppliers/remove")
            .set_form([("csrf", "x")]),
    )
    .await;
    assert_eq!(reply.status, 401);
    let reply = send(
        &app,
        ana.post("/watchlists/suppliers/remove")
            .set_form([("csrf", ana.csrf.as_str())]),
    )
    .await;
    assert_eq!(reply.status, 303, "{}", reply.body);
    assert!(engine.read(|s| s.watchlists()).unwrap().is_empty());
}

#[test]
fn the_command_line_adds_lists_and_removes_and_its_import_screens_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ownergraph"))
            .args(args)
            .arg("--db")
            .arg(&db)
            .output()
            .unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).to_string();
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        (text(&out.stdout), text(&out.stderr))
    };
    let list_dir = common::entity_list_dir();
    run(&[
        "import",
        "--format",
        "csv",
        "--partial",
        list_dir.to_str().unwrap(),
    ]);
    let csv = dir.path().join("suppliers.csv");
    std::fs::write(&csv, SUPPLIERS).unwrap();
    let (_, err) = run(&[
        "watchlist",
        "add",
        "suppliers",
        csv.to_str().unwrap(),
        "--regime",
        "ofac",
    ]);
    assert!(err.contains("4 rows screened"), "{err}");
    let release = release_listing_sasac();
    let (_, err) = run(&[
        "import",
        "--format",
        "csv",
        "--partial",
        "--dataset",
        "entity-list-2019",
        release.path().to_str().unwrap(),
    ]);
    assert!(
        err.contains("watchlist suppliers: 4 rows screened again, 2 alerts"),
        "{err}"
    );
    let (out, _) = run(&["watchlist", "list", "--format", "json"]);
    let lists: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(lists[0]["name"], "suppliers");
    assert_eq!(lists[0]["alerts"], 2);

    // A watchlist that keeps its runs: each is a record `screen --verify` runs again.
    let (_, err) = run(&["watchlist", "add", "kept", csv.to_str().unwrap(), "--record"]);
    assert!(err.contains("screening record 1 "), "{err}");
    let (out, _) = run(&["screen", "--verify", "1"]);
    assert!(out.contains("screening record 1: results identical"), "{out}");
    assert!(out.contains("releases: the same 2 release(s)"), "{out}");
    let (out, _) = run(&["watchlist", "list", "--format", "json"]);
    let lists: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(lists[0]["name"], "kept");
    assert_eq!(lists[0]["keep_records"], true);
    assert_eq!(lists[1]["keep_records"], false);
    run(&["watchlist", "remove", "kept"]);
    // The record outlives its watchlist: it is proof of what was screened.
    let (out, _) = run(&["screen", "--verify", "1"]);
    assert!(out.contains("results identical"), "{out}");
    run(&["watchlist", "remove", "suppliers"]);
    let (out, _) = run(&["watchlist", "list", "--format", "json"]);
    assert_eq!(out.trim(), "[]");
}

/// The server's own look at the data version: a release written by another process (here
/// this test, as a sync or Litestream would) is screened by the running server.
#[test]
fn a_running_server_screens_a_release_another_process_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("served.db");
    {
        let engine = Engine::open(&db).unwrap();
        common::import_into(&engine, Format::Csv, &common::entity_list_dir());
        add(&engine, &mut Monitor::default(), "suppliers", SUPPLIERS, None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_ownergraph"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}"), "--db"])
        .arg(&db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let get = |path: &str| -> Option<Value> {
        let mut reply = ureq::get(&format!("{base}{path}")).call().ok()?;
        serde_json::from_str(&reply.body_mut().read_to_string().ok()?).ok()
    };
    let outcome = (|| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while get("/healthz").is_none() {
            if std::time::Instant::now() > deadline {
                return Err("the server did not start".to_string());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let mut store = ownergraph::store::Store::open(&db).unwrap();
        let release = release_listing_sasac();
        let prepared = import::read(Format::Csv, release.path(), Some("entity-list-2019")).unwrap();
        store.apply(&prepared.batch, &prepared.record).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let page = get("/watchlists/suppliers.json").unwrap_or_default();
            if page["alerts_total"] == 2 {
                return Ok(page);
            }
            if std::time::Instant::now() > deadline {
                return Err(format!("no alerts after the release: {page}"));
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    })();
    server.kill().unwrap();
    server.wait().unwrap();
    let page = outcome.unwrap();
    assert_eq!(page["rows"][0]["status"], "blocked");
    assert_eq!(page["alerts"][0]["release_dataset"], "entity-list-2019");
}
