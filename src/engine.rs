//! The running database: the store, its current graph snapshot, and the write path.
//!
//! Architecture invariant: a write commits to SQLite in one transaction first; only then is a
//! new snapshot built from the store and swapped in whole. Readers take the current snapshot
//! (an `Arc`) without locking and keep it as long as they need: they never see half an import
//! and never wait on a writer.

use crate::graph::Snapshot;
use crate::model::Batch;
use crate::store::{ApplyMode, ApplyReport, ImportRecord, ReadPool, Store, StoreError};
use arc_swap::ArcSwap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

pub struct Engine {
    path: PathBuf,
    snapshot: ArcSwap<Snapshot>,
    /// The one writing connection; the mutex orders writers, readers never take it.
    writer: Mutex<Store>,
    readers: ReadPool,
    /// SQLite's change counter as last seen on the writer: moves when another process commits.
    seen_changes: AtomicI64,
}

impl Engine {
    /// Opens (creating if needed) the database at `path` and loads its graph.
    pub fn open(path: &Path) -> Result<Engine, StoreError> {
        let store = Store::open(path)?;
        let seen_changes = AtomicI64::new(store.change_counter()?);
        let snapshot = Snapshot::load(&store).map_err(|e| e.at(path))?;
        Ok(Engine {
            path: path.to_path_buf(),
            snapshot: ArcSwap::from_pointee(snapshot),
            writer: Mutex::new(store),
            readers: ReadPool::new(path),
            seen_changes,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current graph. Cheap; hold it for the whole of a request.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Runs a read against the store on a pooled read-only connection.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.readers.with(f)
    }

    /// Applies a batch in one transaction, then swaps in a snapshot that includes it.
    pub fn apply(&self, batch: &Batch, record: &ImportRecord) -> Result<ApplyReport, StoreError> {
        self.apply_with(batch, record, ApplyMode::default())
    }

    /// [`Engine::apply`] with a mode (a whole release, a dry run): see [`Store::apply_with`].
    /// A dry run leaves the snapshot as it is.
    pub fn apply_with(
        &self,
        batch: &Batch,
        record: &ImportRecord,
        mode: ApplyMode,
    ) -> Result<ApplyReport, StoreError> {
        let mut store = self
            .writer
            .lock()
            .expect("writer lock poisoned by a panicking import");
        let report = store.apply_with(batch, record, mode)?;
        if mode.dry_run {
            return Ok(report);
        }
        if !report.is_unchanged() || self.snapshot.load().data_version != store.data_version()? {
            let fresh = Snapshot::load(&store)?;
            self.snapshot.store(Arc::new(fresh));
        }
        Ok(report)
    }

    /// Picks up what another process (e.g. `ownergraph import` while serving) committed: if the
    /// database changed since last seen, a new snapshot is loaded and swapped in whole. Returns
    /// whether it did. Skips quietly while a write of this process is in progress.
    pub fn refresh(&self) -> Result<bool, StoreError> {
        let Ok(store) = self.writer.try_lock() else {
            return Ok(false);
        };
        let changes = store.change_counter()?;
        if changes == self.seen_changes.load(Ordering::Acquire) {
            return Ok(false);
        }
        let fresh = Snapshot::load(&store)?;
        self.snapshot.store(Arc::new(fresh));
        self.seen_changes.store(changes, Ordering::Release);
        Ok(true)
    }

    /// Runs a write that does not touch the graph (accounts, sessions) on the writing
    /// connection, in order with every other write.
    pub fn write<T, E: From<StoreError>>(&self, f: impl FnOnce(&mut Store) -> Result<T, E>) -> Result<T, E> {
        let mut store = self
            .writer
            .lock()
            .expect("writer lock poisoned by a panicking write");
        f(&mut store)
    }

    /// Runs a write to the data (a curated change, in its own transaction), then swaps in a
    /// snapshot that includes it, as [`Engine::apply`] does for an import.
    pub fn change<T, E: From<StoreError>>(&self, f: impl FnOnce(&mut Store) -> Result<T, E>) -> Result<T, E> {
        let mut store = self
            .writer
            .lock()
            .expect("writer lock poisoned by a panicking write");
        let value = f(&mut store)?;
        let fresh = Snapshot::load(&store)?;
        self.snapshot.store(Arc::new(fresh));
        Ok(value)
    }
}
