//! The running database: the store, its current graph snapshot, and the write path.
//!
//! Architecture invariant: a write commits to SQLite in one transaction first; only then is a
//! new snapshot built from the store and swapped in whole. Readers take the current snapshot
//! (an `Arc`) without locking and keep it as long as they need: they never see half an import
//! and never wait on a writer.

use crate::graph::Snapshot;
use crate::metrics::Metrics;
use crate::model::Batch;
use crate::resolve::{Scope, XrefOutcome, DEFAULT_MIN_SCORE};
use crate::search::SearchIndex;
use crate::store::{ApplyMode, ApplyReport, ImportRecord, ReadPool, Store, StoreError};
use arc_swap::ArcSwap;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

pub struct Engine {
    path: PathBuf,
    snapshot: ArcSwap<Snapshot>,
    /// The one writing connection; the mutex orders writers, readers never take it. On a
    /// replica it is a read-only connection that only loads snapshots.
    writer: Mutex<Store>,
    readers: ReadPool,
    /// SQLite's change counter as last seen on the writer: moves when another process commits.
    seen_changes: AtomicI64,
    /// `Some` when this is a read-only replica of a primary.
    replica: Option<Replica>,
    /// Why the last [`Engine::refresh`] could not load the changed database, until one can.
    refresh_error: Mutex<Option<String>>,
    metrics: Metrics,
    /// The name search index of the store's current name generation, once built. The mutex
    /// also makes concurrent first searches wait for one build instead of each building.
    search_index: Mutex<Option<Arc<SearchIndex>>>,
}

/// What a replica knows of its place behind the primary.
struct Replica {
    primary_url: Option<String>,
    applied: Mutex<Option<Applied>>,
}

/// A change from the primary that a replica swapped in while running.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    /// When this replica began serving it (Unix seconds).
    pub at: f64,
    /// When the primary committed the newest import or curated change it holds (UTC).
    pub committed_at: Option<String>,
    /// `at` minus `committed_at`, in seconds (the commit time has whole seconds).
    pub lag_seconds: Option<f64>,
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// A stored `YYYY-MM-DDTHH:MM:SSZ` as Unix seconds.
fn unix_of(stored: &str) -> Option<f64> {
    let parsed = time::OffsetDateTime::parse(stored, &time::format_description::well_known::Rfc3339).ok()?;
    Some(parsed.unix_timestamp() as f64)
}

impl Engine {
    /// Opens (creating if needed) the database at `path` and loads its graph.
    pub fn open(path: &Path) -> Result<Engine, StoreError> {
        let store = Store::open(path)?;
        Engine::with_store(path, store, None)
    }

    /// Opens a replica's database read-only (another process, `litestream restore -f`, keeps
    /// it up to date) and loads its graph. Every write through this engine is refused with
    /// [`StoreError::Replica`]; [`Engine::refresh`] picks up what arrives.
    pub fn open_replica(path: &Path, primary_url: Option<String>) -> Result<Engine, StoreError> {
        let store = Store::open_replica(path)?;
        let replica = Replica {
            primary_url,
            applied: Mutex::new(None),
        };
        Engine::with_store(path, store, Some(replica))
    }

    fn with_store(path: &Path, store: Store, replica: Option<Replica>) -> Result<Engine, StoreError> {
        let metrics = Metrics::new();
        let seen_changes = AtomicI64::new(store.change_counter()?);
        let snapshot = load(&store, &metrics).map_err(|e| e.at(path))?;
        Ok(Engine {
            path: path.to_path_buf(),
            snapshot: ArcSwap::from_pointee(snapshot),
            writer: Mutex::new(store),
            readers: ReadPool::new(path),
            seen_changes,
            replica,
            refresh_error: Mutex::new(None),
            metrics,
            search_index: Mutex::new(None),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What this process counts for `/metrics`.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Whether this is a read-only replica (`serve --replica`).
    pub fn is_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// The primary's address a replica was given, for the links of its refusals.
    pub fn primary_url(&self) -> Option<&str> {
        self.replica.as_ref().and_then(|r| r.primary_url.as_deref())
    }

    /// On a replica, the last change from the primary it swapped in while running.
    pub fn last_applied(&self) -> Option<Applied> {
        let replica = self.replica.as_ref()?;
        replica.applied.lock().expect("applied lock poisoned").clone()
    }

    /// Why the database, changed on disk, could not be loaded (the snapshot served is older).
    pub fn refresh_error(&self) -> Option<String> {
        self.refresh_error
            .lock()
            .expect("refresh error lock poisoned")
            .clone()
    }

    fn refuse_on_replica(&self) -> Result<(), StoreError> {
        match self.replica {
            Some(_) => Err(StoreError::Replica),
            None => Ok(()),
        }
    }

    /// The current graph. Cheap; hold it for the whole of a request.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.snapshot.load_full()
    }

    /// Runs a read against the store on a pooled read-only connection.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> Result<T, StoreError>) -> Result<T, StoreError> {
        self.readers.with(f)
    }

    /// The name search index of the names the store holds now: the one kept while the store's
    /// name generation is the one it was built from, else a new one (a pass over every name;
    /// tens of milliseconds for the bundled data). A replica sees the primary's writes the
    /// same way, by the generation in the database.
    pub fn search_index(&self) -> Result<Arc<SearchIndex>, StoreError> {
        // A build that failed part-way left nothing behind: the lock stays usable.
        let mut kept = self.search_index.lock().unwrap_or_else(|e| e.into_inner());
        let generation = self.read(|store| store.names_generation())?;
        if let Some(index) = kept.as_ref().filter(|i| i.generation == generation) {
            return Ok(index.clone());
        }
        let index = Arc::new(self.read(SearchIndex::build)?);
        *kept = Some(index.clone());
        Ok(index)
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
        self.apply_then(batch, record, mode, |_, _| Ok(()))
    }

    /// [`Engine::apply_with`], then the dataset's records cross-referenced against every other
    /// dataset's (automatic merges recorded, candidates kept for review) before the new snapshot
    /// is loaded, when the import changed anything. A dry run cross-references nothing.
    pub fn apply_and_xref(
        &self,
        batch: &Batch,
        record: &ImportRecord,
        mode: ApplyMode,
    ) -> Result<(ApplyReport, Option<XrefOutcome>), StoreError> {
        let mut outcome = None;
        let report = self.apply_then(batch, record, mode, |store, report| {
            if !report.is_unchanged() {
                let scope = Scope {
                    dataset: Some(&batch.dataset),
                    against: None,
                };
                outcome = Some(crate::resolve::xref_and_merge(store, scope, DEFAULT_MIN_SCORE)?);
            }
            Ok(())
        })?;
        Ok((report, outcome))
    }

    fn apply_then(
        &self,
        batch: &Batch,
        record: &ImportRecord,
        mode: ApplyMode,
        after: impl FnOnce(&mut Store, &ApplyReport) -> Result<(), StoreError>,
    ) -> Result<ApplyReport, StoreError> {
        self.refuse_on_replica()?;
        let started = Instant::now();
        let mut store = self
            .writer
            .lock()
            .expect("writer lock poisoned by a panicking import");
        let applied = (|| {
            let report = store.apply_with(batch, record, mode)?;
            if mode.dry_run {
                return Ok(report);
            }
            after(&mut store, &report)?;
            if !report.is_unchanged() || self.snapshot.load().data_version != store.data_version()? {
                self.swap(&store)?;
            }
            Ok(report)
        })();
        if !mode.dry_run {
            self.metrics.import(applied.is_ok(), started.elapsed());
        }
        applied
    }

    /// Loads a snapshot from `store` and swaps it in.
    fn swap(&self, store: &Store) -> Result<(), StoreError> {
        let fresh = load(store, &self.metrics)?;
        let old = self.snapshot.swap(Arc::new(fresh));
        // Freeing the old snapshot (its graph, and the name indexes built on it for screening
        // and watchlists: millions of small allocations) is no part of a write: the writer
        // hands it to a thread of its own. A reader still holding it frees it last instead.
        std::thread::spawn(move || drop(old));
        Ok(())
    }

    /// Picks up what another process (e.g. `ownergraph import` while serving, or Litestream
    /// applying the primary's changes to a replica) committed: if the database's data version
    /// moved since the snapshot was loaded, a new snapshot is loaded and swapped in whole.
    /// Returns whether it did. Skips quietly while a write of this process is in progress.
    pub fn refresh(&self) -> Result<bool, StoreError> {
        let Ok(store) = self.writer.try_lock() else {
            return Ok(false);
        };
        let changes = store.change_counter()?;
        // On a replica SQLite's change counter is no guide: Litestream writes pages straight
        // into the file, and a change that leaves page 1 alone does not move it. The data
        // version (two index lookups) is read every time instead.
        if changes == self.seen_changes.load(Ordering::Acquire) && self.replica.is_none() {
            return Ok(false);
        }
        // A commit that wrote no data (Litestream's own bookkeeping in `_litestream_seq`
        // about once a minute, a sign-in, an account) leaves the graph as it is: a snapshot
        // load at 1M entities takes seconds.
        if store.data_version()? == self.snapshot.load().data_version {
            self.seen_changes.store(changes, Ordering::Release);
            return Ok(false);
        }
        let loaded = (|| {
            self.swap(&store)?;
            if let Some(replica) = &self.replica {
                let committed_at = store.last_write_at()?;
                let at = unix_now();
                let lag_seconds = committed_at
                    .as_deref()
                    .and_then(unix_of)
                    .map(|c| (at - c).max(0.0));
                if let Some(lag) = lag_seconds {
                    self.metrics.replica_applied(at, lag);
                }
                *replica.applied.lock().expect("applied lock poisoned") = Some(Applied {
                    at,
                    committed_at,
                    lag_seconds,
                });
            }
            Ok(())
        })();
        *self.refresh_error.lock().expect("refresh error lock poisoned") =
            loaded.as_ref().err().map(|e: &StoreError| e.to_string());
        loaded?;
        self.seen_changes.store(changes, Ordering::Release);
        Ok(true)
    }

    /// Runs a write that does not touch the graph (accounts, sessions) on the writing
    /// connection, in order with every other write.
    pub fn write<T, E: From<StoreError>>(&self, f: impl FnOnce(&mut Store) -> Result<T, E>) -> Result<T, E> {
        self.refuse_on_replica()?;
        let mut store = self
            .writer
            .lock()
            .expect("writer lock poisoned by a panicking write");
        f(&mut store)
    }

    /// Runs a write to the data (a curated change, in its own transaction), then swaps in a
    /// snapshot that includes it, as [`Engine::apply`] does for an import.
    pub fn change<T, E: From<StoreError>>(&self, f: impl FnOnce(&mut Store) -> Result<T, E>) -> Result<T, E> {
        self.refuse_on_replica()?;
        let mut store = self
            .writer
            .lock()
            .expect("writer lock poisoned by a panicking write");
        let value = f(&mut store)?;
        self.swap(&store)?;
        Ok(value)
    }
}

/// Loads a snapshot in one read transaction (so another process's commit cannot land between
/// its scans), and records the time it took.
fn load(store: &Store, metrics: &Metrics) -> Result<Snapshot, StoreError> {
    let started = Instant::now();
    let snapshot = store.in_read_transaction(Snapshot::load)?;
    metrics.snapshot_loaded(
        started.elapsed(),
        snapshot.data_version,
        snapshot.node_count(),
        snapshot.edge_count(),
    );
    Ok(snapshot)
}
