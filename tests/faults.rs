//! Faults: a killed import, a full or read-only disk, a locked or corrupt database, and readers
//! during an import. Each must end in a clear error and a database that is whole.

mod common;

use ownergraph::engine::Engine;
use ownergraph::import::{self, Format};
use ownergraph::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_ownergraph")
}

fn entity_count(db: &Path) -> i64 {
    Store::open(db).unwrap().stats().unwrap().entities as i64
}

fn wal_size(db: &Path) -> u64 {
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(PathBuf::from(wal))
        .map(|m| m.len())
        .unwrap_or(0)
}

/// An Entity List database, as the starting state of every fault.
fn entity_list_db(dir: &Path) -> PathBuf {
    let db = dir.join("faults.db");
    let engine = Engine::open(&db).unwrap();
    common::import_into(&engine, Format::Csv, &common::entity_list_dir());
    drop(engine);
    db
}

/// `ownergraph import` of the SDN list into `db`, quiet.
fn sdn_import(db: &Path) -> Command {
    let mut command = Command::new(binary());
    command
        .args(["import", "--db"])
        .arg(db)
        .args(["--format", "ofac-sdn"])
        .arg(common::sdn_csv())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[test]
fn import_killed_half_way_leaves_no_trace() {
    let dir = tempfile::tempdir().unwrap();
    let db = entity_list_db(dir.path());
    let before = entity_count(&db);
    let wal_before = wal_size(&db);

    // The write-ahead log grows while the one import transaction spills pages; a whole import
    // of the SDN list writes well over 4 MB, so a kill between 256 KB and 3 MB lands inside it.
    // On a busy machine the watcher may first see the log past 3 MB (the log grows fast at
    // commit): that kill proves nothing, so the database is put back and the import tried again.
    let pristine = dir.path().join("pristine.db");
    std::fs::copy(&db, &pristine).unwrap();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let mut child = sdn_import(&db).spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        let killed_at = loop {
            let grown = wal_size(&db).saturating_sub(wal_before);
            if grown > 256 << 10 {
                child.kill().unwrap(); // SIGKILL
                break grown;
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "the import finished ({status}) before it could be killed; the log never grew past 256 KB"
                );
            }
            assert!(Instant::now() < deadline, "the import did not start writing");
            std::thread::sleep(Duration::from_micros(200));
        };
        child.wait().unwrap();
        if killed_at < 3 << 20 {
            break;
        }
        assert!(
            attempts < 5,
            "killed too late to be half way {attempts} times: the log had grown {killed_at} bytes"
        );
        for suffix in ["-wal", "-shm"] {
            let mut name = db.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
        std::fs::copy(&pristine, &db).unwrap();
    }

    let store = Store::open(&db).expect("the database opens after the kill");
    assert_eq!(store.integrity_check().unwrap(), "ok");
    let stats = store.stats().unwrap();
    assert_eq!(
        stats.entities as i64, before,
        "no entity of the killed import is present"
    );
    assert!(
        !stats.by_list.contains_key("SDN List"),
        "no listing of the killed import is present"
    );
    drop(store);

    // The same import then runs whole.
    let status = sdn_import(&db).status().unwrap();
    assert!(status.success());
    assert_eq!(entity_count(&db), before + 14_965);
}

/// A small tmpfs mounted for the test, unmounted on drop. Mounting needs root, which CI has.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(bytes: u64) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs failed: this test needs root (as in CI)"
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn remount(&self, option: &str) {
        let status = Command::new("mount")
            .args(["-o", &format!("remount,{option}")])
            .arg(self.path())
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn full_disk_fails_the_import_cleanly() {
    let disk = SmallDisk::mount(3 << 20);
    let db = entity_list_db(disk.path());
    let before = entity_count(&db);
    let engine = Engine::open(&db).unwrap();
    let prepared = import::read(Format::OfacSdn, &common::sdn_csv(), None).unwrap();
    let error = engine
        .apply(&prepared.batch, &prepared.record)
        .expect_err("a 3 MB disk cannot hold the SDN list");
    assert!(error.to_string().contains("full"), "clear message: {error}");
    // The engine still serves the old graph, and the file holds the old data, whole.
    assert_eq!(engine.snapshot().node_count() as i64, before);
    drop(engine);
    let store = Store::open(&db).unwrap();
    assert_eq!(store.integrity_check().unwrap(), "ok");
    assert_eq!(store.stats().unwrap().entities as i64, before);
}

#[test]
fn read_only_disk_gives_a_clear_error() {
    let disk = SmallDisk::mount(8 << 20);
    let db = entity_list_db(disk.path());
    let before = entity_count(&db);
    disk.remount("ro");
    let output = Command::new(binary())
        .args(["import", "--db"])
        .arg(&db)
        .args(["--format", "ofac-sdn"])
        .arg(common::sdn_csv())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("read-only") || stderr.contains("readonly"),
        "clear message: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    disk.remount("rw");
    assert_eq!(entity_count(&db), before);
}

#[test]
fn locked_database_fails_after_the_busy_timeout_and_then_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let db = entity_list_db(dir.path());
    let before = entity_count(&db);
    let engine = Engine::open(&db).unwrap();
    let prepared = import::read(Format::OfacSdn, &common::sdn_csv(), None).unwrap();

    let locker = rusqlite::Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let error = engine
        .apply(&prepared.batch, &prepared.record)
        .expect_err("another writer holds the lock");
    assert!(error.to_string().contains("locked"), "clear message: {error}");
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "waited for the busy timeout"
    );
    locker.execute_batch("ROLLBACK").unwrap();

    assert_eq!(engine.snapshot().node_count() as i64, before);
    engine.apply(&prepared.batch, &prepared.record).unwrap();
    assert_eq!(engine.snapshot().node_count() as i64, before + 14_965);
}

#[test]
fn corrupt_database_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = entity_list_db(dir.path());
    // Checkpoint so the whole database is in the main file, then damage its pages.
    Store::open(&db).unwrap().checkpoint().unwrap();
    let mut bytes = std::fs::read(&db).unwrap();
    for byte in bytes.iter_mut().skip(4096).step_by(7) {
        *byte = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();

    let error = match Engine::open(&db) {
        Ok(_) => panic!("a corrupt database must not open"),
        Err(error) => error.to_string(),
    };
    assert!(
        error.contains("malformed") || error.contains("corrupt") || error.contains("not a database"),
        "{error}"
    );
    assert!(error.contains("faults.db"), "the message names the file: {error}");
    assert_eq!(std::fs::read(&db).unwrap(), bytes, "the file is left as it was");

    let output = Command::new(binary())
        .args(["serve", "--db"])
        .arg(&db)
        .args(["--addr", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("faults.db") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn readers_see_the_old_or_the_new_graph_never_a_mixture() {
    let dir = tempfile::tempdir().unwrap();
    let db = entity_list_db(dir.path());
    let engine = Engine::open(&db).unwrap();
    let old = (engine.snapshot().node_count(), engine.snapshot().edge_count());
    let prepared = import::read(Format::OfacSdn, &common::sdn_csv(), None).unwrap();
    let done = AtomicBool::new(false);
    let reading = AtomicBool::new(false);
    let seen = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut seen = std::collections::BTreeSet::new();
            loop {
                let last = done.load(Ordering::Acquire);
                let snapshot = engine.snapshot();
                seen.insert((snapshot.node_count(), snapshot.edge_count()));
                // The store, read through the pool, agrees with some whole import too.
                let stored = engine.read(|store| store.stats()).unwrap();
                seen.insert((stored.entities as usize, stored.relations as usize));
                reading.store(true, Ordering::Release);
                if last {
                    break;
                }
            }
            seen
        });
        // A loaded machine may start the reader late: the import waits for its first read.
        while !reading.load(Ordering::Acquire) {
            std::thread::yield_now();
        }
        engine.apply(&prepared.batch, &prepared.record).unwrap();
        done.store(true, Ordering::Release);
        reader.join().unwrap()
    });
    let new = (engine.snapshot().node_count(), engine.snapshot().edge_count());
    assert_ne!(old, new);
    assert!(
        seen.iter().all(|s| *s == old || *s == new),
        "a reader saw a mixture: {seen:?}"
    );
    assert!(seen.contains(&old), "the reader ran during the import");
}

#[test]
fn an_import_by_another_process_is_picked_up_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = entity_list_db(dir.path());
    let engine = Engine::open(&db).unwrap();
    let before = engine.snapshot().node_count();
    assert!(!engine.refresh().unwrap(), "nothing changed yet");

    let status = sdn_import(&db).status().unwrap();
    assert!(status.success());
    assert_eq!(
        engine.snapshot().node_count(),
        before,
        "the old graph until refreshed"
    );
    assert!(engine.refresh().unwrap(), "the other process's commit is seen");
    assert_eq!(engine.snapshot().node_count(), before + 14_965);
    assert!(!engine.refresh().unwrap(), "and only once");
}
