//! `ownergraph serve` as a real process: SIGTERM lets the requests in flight finish and the
//! process exit 0; `ownergraph backup` copies the database while it is served.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn ownergraph() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ownergraph"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request on a new connection; the whole response as text.
fn get(port: u16, path: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply)
}

fn start(db: &Path, port: u16) -> Child {
    let child = ownergraph()
        .args(["serve", "--db"])
        .arg(db)
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !get(port, "/healthz").is_ok_and(|r| r.starts_with("HTTP/1.1 200")) {
        assert!(
            Instant::now() < deadline,
            "serve did not answer /healthz within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    child
}

fn entity_list_db(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("served.db");
    let status = ownergraph()
        .args(["import", "--format", "csv", "--partial", "--db"])
        .arg(&db)
        .arg(common::entity_list_dir())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    db
}

#[test]
fn sigterm_answers_the_request_in_flight_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let db = entity_list_db(dir.path());
    let port = free_port();
    let mut server = start(&db, port);

    // A screening upload whose body is only half sent when the signal comes.
    let body = "name,country\nHangzhou Hikvision Digital Technology,CN\nNobody In Particular Ltd,GB\n";
    let (first, rest) = body.split_at(body.len() / 2);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST /screen HTTP/1.1\r\nHost: localhost\r\nAccept: application/json\r\nContent-Type: text/csv\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        server.try_wait().unwrap().is_none(),
        "serve waits for the request in flight"
    );
    stream.write_all(rest.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(
        reply.contains("hikvision"),
        "the screening ran to its end: {reply}"
    );

    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "serve did not exit after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0), "a graceful stop exits 0");
    assert!(get(port, "/healthz").is_err(), "nothing listens any more");
}

#[test]
fn backup_copies_a_served_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = entity_list_db(dir.path());
    let port = free_port();
    let mut server = start(&db, port);
    let out = dir.path().join("copy.db");
    let backup = ownergraph()
        .args(["backup", "--db"])
        .arg(&db)
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        backup.status.success(),
        "{}",
        String::from_utf8_lossy(&backup.stderr)
    );
    let again = ownergraph()
        .args(["backup", "--db"])
        .arg(&db)
        .arg(&out)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    server.kill().unwrap();
    server.wait().unwrap();

    let stats = |db: &Path| {
        let out = ownergraph()
            .args(["stats", "--format", "json", "--db"])
            .arg(db)
            .output()
            .unwrap();
        assert!(out.status.success());
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let copied = stats(&out);
    assert_eq!(copied, stats(&db));
    assert!(copied["entities"].as_u64().unwrap() > 0);
}
