//! `ownergraph user add|list|remove` through the real binary, the password on standard input.

mod common;

use ownergraph::store::Store;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn ownergraph(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ownergraph"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // The binary may exit before reading (a refused command): a broken pipe is fine then.
    let _ = child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("the binary finishes")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn user_add_list_remove_with_password_on_stdin() {
    let (dir, engine) = common::entity_list();
    drop(engine);
    let db = dir.path().join("test.db");
    let db = db.to_str().unwrap();

    let out = ownergraph(
        &["user", "add", "ana", "--role", "curator", "--db", db],
        "a long passphrase\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("added curator ana"));
    let out = ownergraph(
        &["user", "add", "root", "--role", "admin", "--db", db],
        "another passphrase\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));

    // Stored as an argon2 PHC string that verifies the password given, not the password.
    let store = Store::open(Path::new(db)).unwrap();
    let (user, hash) = store.user_credentials("ana").unwrap().expect("ana exists");
    assert_eq!(user.role, "curator");
    assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
    assert!(!hash.contains("a long passphrase"));
    assert!(ownergraph::accounts::verify_password("a long passphrase", &hash));
    assert!(!ownergraph::accounts::verify_password(
        "a long passphrase\n",
        &hash
    ));
    drop(store);

    let out = ownergraph(&["user", "list", "--db", db, "--format", "json"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let users: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<(&str, &str)> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["name"].as_str().unwrap(), u["role"].as_str().unwrap()))
        .collect();
    assert_eq!(names, vec![("ana", "curator"), ("root", "admin")]);
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("argon2"),
        "no hashes listed"
    );

    // Refusals: a taken name, a short password, an unknown role, no password.
    let out = ownergraph(
        &["user", "add", "ana", "--role", "admin", "--db", db],
        "yet another one\n",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("user \"ana\" already exists"),
        "{}",
        stderr(&out)
    );
    let out = ownergraph(&["user", "add", "bo", "--role", "curator", "--db", db], "short\n");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("at least 10 characters"),
        "{}",
        stderr(&out)
    );
    let out = ownergraph(
        &["user", "add", "bo", "--role", "owner", "--db", db],
        "long enough password\n",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("unknown role \"owner\""),
        "{}",
        stderr(&out)
    );
    let out = ownergraph(&["user", "add", "bo", "--role", "curator", "--db", db], "");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no password on standard input"),
        "{}",
        stderr(&out)
    );

    let out = ownergraph(&["user", "remove", "ana", "--db", db], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ownergraph(&["user", "remove", "ana", "--db", db], "");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("no user named \"ana\""));
    let out = ownergraph(&["user", "list", "--db", db], "");
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(listed.starts_with("root") && !listed.contains("ana"), "{listed}");
}

#[test]
fn user_add_refuses_a_missing_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("absent.db");
    let out = ownergraph(
        &[
            "user",
            "add",
            "ana",
            "--role",
            "curator",
            "--db",
            db.to_str().unwrap(),
        ],
        "a long passphrase\n",
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("database does not exist"),
        "{}",
        stderr(&out)
    );
    assert!(!db.exists(), "no empty database left behind");
}
