//! Operations on the database file as a whole: a consistent copy while it is in use (SQLite's
//! online backup API), and the time of its latest write to the data (a replica's lag).

use super::{Result, Store, StoreError};
use rusqlite::backup::{Backup, StepResult};
use std::path::Path;
use std::time::Duration;

/// Pages copied per backup step; between steps the source is free for its writers.
const BACKUP_PAGES_PER_STEP: std::ffi::c_int = 4096;

impl Store {
    /// Copies the whole database to a new file at `out` with SQLite's online backup API: the
    /// copy is one committed state even while other processes read and write. If a writer
    /// commits during the copy, SQLite restarts it, so the copy is never a mix of two states.
    pub fn backup_to(&self, out: &Path) -> Result<()> {
        if out.exists() {
            return Err(StoreError::Conflict(format!(
                "{}: already exists; a backup writes a new file",
                out.display()
            )));
        }
        let mut target = rusqlite::Connection::open(out).map_err(|e| StoreError::Open {
            path: out.to_path_buf(),
            source: e,
        })?;
        {
            let backup = Backup::new(&self.conn, &mut target)?;
            loop {
                match backup.step(BACKUP_PAGES_PER_STEP)? {
                    StepResult::Done => break,
                    // More to copy, or a writer holds the file for a moment: let it go on.
                    _ => std::thread::sleep(Duration::from_millis(1)),
                }
            }
        }
        // The copy is a rollback-journal file; make it WAL like every ownergraph database.
        target.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        Ok(())
    }

    /// When the latest import or curated change was committed (UTC, `YYYY-MM-DDTHH:MM:SSZ`),
    /// if any: on a replica, the primary's commit time of the newest data it holds.
    pub fn last_write_at(&self) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT max(coalesce((SELECT max(imported_at) FROM imports), ''),
                        coalesce((SELECT max(at) FROM changes), ''))",
                [],
                |r| r.get::<_, String>(0),
            )
            .map(|at| (!at.is_empty()).then_some(at))?)
    }

    /// Runs `f` in one read transaction: everything it reads is one committed state, even when
    /// another process (an import, Litestream applying a replica's changes) commits meanwhile.
    /// A second connection to this store's file in a read transaction of its own that sees the
    /// same committed state as this one's (the data version, which every commit moves, is the
    /// same in both), so two threads can read one state at once. Call it inside
    /// [`Store::in_read_transaction`]. None for a store without a file, or when a commit landed
    /// between the two transactions' first reads. The twin's transaction ends when it is dropped.
    pub fn reading_twin(&self) -> Result<Option<Store>> {
        let Some(path) = self.conn.path().filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let twin = Store::open_read_only(Path::new(path))?;
        twin.conn.execute_batch("BEGIN")?;
        Ok((twin.data_version()? == self.data_version()?).then_some(twin))
    }

    pub fn in_read_transaction<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        self.conn.execute_batch("BEGIN")?;
        let result = f(self);
        // Ending a read transaction cannot lose anything.
        let ended = self.conn.execute_batch("COMMIT");
        let value = result?;
        ended?;
        Ok(value)
    }
}

impl Store {
    /// Opens a replica's database (kept up to date by another process, e.g. `litestream
    /// restore -f`) for reading only. It must exist and have this binary's schema: a replica
    /// cannot migrate its file, the primary does and the change reaches the replica.
    pub fn open_replica(path: &Path) -> Result<Store> {
        leave_wal_if_followed(path).map_err(|e| e.at(path))?;
        let store = Store::open_read_only(path).map_err(|e| e.at(path))?;
        let version = store.check_identity(path)?;
        if version < super::SCHEMA_VERSION {
            return Err(StoreError::NotOwnergraph {
                path: path.to_path_buf(),
                reason: format!(
                    "schema version {version} but this ownergraph reads version {}; a replica cannot \
                     migrate its file: run the same ownergraph on the primary, which migrates it",
                    super::SCHEMA_VERSION
                ),
            });
        }
        Ok(store)
    }
}

/// Litestream's follow mode (`restore -f`) writes each change's pages straight into the file
/// under SQLite's exclusive lock, and marks the file as using a rollback journal. A file it has
/// just restored still says WAL until the first change arrives; and a reader of a WAL file holds
/// a shared lock for as long as it is open, so the follower would wait for ever. A followed file
/// (it has Litestream's `-txid` beside it) that still says WAL is therefore switched to the
/// rollback journal once, by SQLite and under its locks, as the follower would at its first
/// change. Readers of a rollback-journal file lock it only while a read transaction lasts.
fn leave_wal_if_followed(path: &Path) -> Result<()> {
    let mut txid = path.as_os_str().to_owned();
    txid.push("-txid");
    if !Path::new(&txid).exists() {
        return Ok(());
    }
    let mut header = [0u8; 20];
    let read = std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header));
    // Bytes 18 and 19 of the header: 2 is WAL, 1 the rollback journal.
    if read.is_err() || header[18] != 2 {
        return Ok(());
    }
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))?;
    Ok(())
}
