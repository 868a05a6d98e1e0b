//! The SQLite store: schema, migrations and every query. The only module that speaks SQL.
//!
//! The store is the truth; the in-memory graph is built from it. Every write goes through
//! [`Store::apply`], one transaction per batch: it applies whole or not at all.

use crate::model::{
    Batch, Confidence, Date, Entity, Identifier, InputError, Listing, Pct, Relation, RelationKind, Schema,
    Share,
};
use crate::releases::ChangeKind;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, Transaction};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

mod accounts;
mod as_of;
mod curation;
mod investigations;

pub use accounts::{SessionRow, UserRow};
pub use curation::{Annotation, Change, NewChange};
pub use investigations::InvestigationRow;
mod browse;
mod ops;
mod relation_pages;
mod releases;
mod resolve;
mod screenings;
mod search;
mod watchlists;
pub use browse::{DatasetView, ListMember, MemberOrder};
pub use releases::ChangeRow;
pub use resolve::{CandidateFilter, CandidateRow, JudgementRow};
pub use screenings::{Screening, ScreeningData, ScreeningMeta};
pub use search::{EntityRow, NameMatch, NameRow};
pub use watchlists::{
    AlertRow, DueDelivery, Evaluation, NewAlert, NewWatchlistRow, Recorded, RowState, StoredRow, WatchlistRow,
};

/// `PRAGMA application_id` of an ownergraph database ("OGRH").
pub const APPLICATION_ID: i32 = 0x4F47_5248;

/// Migrations by number, in order; `PRAGMA user_version` is the number of the last applied.
/// Numbers may skip (a migration of another branch not merged yet): a database is migrated by
/// every migration numbered above its version.
const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("migrations/001_initial.sql")),
    (2, include_str!("migrations/002_search.sql")),
    (3, include_str!("migrations/003_interop.sql")),
    (4, include_str!("migrations/004_curation.sql")),
    (5, include_str!("migrations/005_search_set_wise.sql")),
    (6, include_str!("migrations/006_trigram_counts.sql")),
    (7, include_str!("migrations/007_source_records.sql")),
    (8, include_str!("migrations/008_resolution.sql")),
    (9, include_str!("migrations/009_investigations.sql")),
    (10, include_str!("migrations/010_releases.sql")),
    (11, include_str!("migrations/011_watchlists.sql")),
    (12, include_str!("migrations/012_screenings.sql")),
    (13, include_str!("migrations/013_watchlist_records.sql")),
    (14, include_str!("migrations/014_names_without_norm_index.sql")),
    (15, include_str!("migrations/015_search_index_in_memory.sql")),
    (16, include_str!("migrations/016_entity_names.sql")),
];

/// How much of the file each read connection maps (address space, not memory).
const READER_MMAP_BYTES: u64 = 16 << 30;
/// The writer's page cache, in KiB.
const CACHE_KIB: u32 = 64 * 1024;
/// Batches of more entities and relations than this get a page cache of
/// `LARGE_BATCH_CACHE_KIB` while they are applied.
const LARGE_BATCH: usize = 100_000;
const LARGE_BATCH_CACHE_KIB: u32 = 1024 * 1024;

/// The schema version this binary writes and understands.
pub const SCHEMA_VERSION: i32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: not an ownergraph database ({reason})")]
    NotOwnergraph { path: PathBuf, reason: String },
    #[error("{path}: database schema version {found} is newer than this ownergraph understands ({supported}); upgrade ownergraph")]
    TooNew {
        path: PathBuf,
        found: i32,
        supported: i32,
    },
    #[error("{path}: database does not exist")]
    Missing { path: PathBuf },
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{path}: {source}")]
    Open { path: PathBuf, source: rusqlite::Error },
    #[error("{path}: the database is read-only (file permissions or a read-only file system); ownergraph needs to write to it")]
    ReadOnly { path: PathBuf },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("corrupt row in the database: {0}")]
    Corrupt(String),
    #[error("unexpected value in the database: {0}")]
    Value(#[from] rusqlite::types::FromSqlError),
    /// A write names a row that does not exist (an unknown user, relation or change).
    #[error("{0}")]
    NotFound(String),
    /// A write conflicts with what the database holds (a duplicate, an already reverted change).
    #[error("{0}")]
    Conflict(String),
    /// A write asked of a read-only replica (`serve --replica`): writes go to the primary.
    #[error("this server is a read-only replica: writes go to the primary")]
    Replica,
}

impl StoreError {
    /// Names the database file in a bare SQLite error, for errors met while opening it.
    pub fn at(self, path: &Path) -> StoreError {
        match self {
            StoreError::Sqlite(source) => StoreError::Open {
                path: path.to_path_buf(),
                source,
            },
            other => other,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One connection to an ownergraph database.
pub struct Store {
    conn: Connection,
    /// Whether applies record what they change (`release_changes`); on unless turned off.
    record_changes: bool,
}

/// What an import was: recorded once per distinct file and dataset.
#[derive(Debug, Clone)]
pub struct ImportRecord {
    pub dataset: String,
    pub format: String,
    pub path: String,
    pub checksum: String,
}

/// Counts of what [`Store::apply`] changed.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub entities_added: u64,
    pub entities_changed: u64,
    pub relations_added: u64,
    pub relations_changed: u64,
    pub listings_added: u64,
    pub listings_changed: u64,
    /// Relations of the dataset that a release no longer holds, given an end date.
    pub relations_ended: u64,
    /// Listings of the dataset that a release no longer holds, given an end date.
    pub listings_ended: u64,
}

impl ApplyReport {
    pub fn is_unchanged(&self) -> bool {
        *self == ApplyReport::default()
    }

    pub fn added(&self) -> u64 {
        self.entities_added + self.relations_added + self.listings_added
    }

    pub fn changed(&self) -> u64 {
        self.entities_changed + self.relations_changed + self.listings_changed
    }

    pub fn ended(&self) -> u64 {
        self.relations_ended + self.listings_ended
    }
}

/// How [`Store::apply_with`] treats a batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyMode {
    /// `Some(day)`: the batch is a whole release of its dataset as of `day`. Relations and
    /// listings of that dataset which the release no longer holds are given `day` as their end
    /// date, never deleted, so questions about the past keep their old answers. `None`: a
    /// partial update that adds and changes only.
    pub release: Option<Date>,
    /// Validate and count what would change, then roll back.
    pub dry_run: bool,
}

/// One row of the import log: a release of its dataset (or a partial import), for the sources
/// and changes pages.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImportLogEntry {
    /// The import's id: what its recorded changes belong to.
    pub iid: i64,
    pub dataset: String,
    pub format: String,
    pub path: String,
    pub checksum: String,
    pub imported_at: String,
    pub as_of: Option<String>,
    pub entities: u64,
    pub relations: u64,
    pub listings: u64,
    pub added: u64,
    pub changed: u64,
    pub ended: u64,
    /// What the import changed is recorded fact by fact (false: imported before that was).
    pub tracked: bool,
    /// The dataset's first import: everything it held was added (counted, not itemised).
    pub baseline: bool,
}

/// Counts over the whole database, as `ownergraph stats` prints them.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub entities: u64,
    pub relations: u64,
    pub listings: u64,
    pub by_schema: BTreeMap<String, u64>,
    pub by_kind: BTreeMap<String, u64>,
    pub by_list: BTreeMap<String, u64>,
}

/// A list held, with its member count and latest listing date.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListSummary {
    pub list: String,
    pub slug: String,
    pub authority: String,
    pub members: u64,
    pub latest_start_date: Option<String>,
    /// The release date of the newest whole-release import of the dataset that holds most of the
    /// list (another source's few listings on it, e.g. OFAC's consolidated file naming SDNs, do
    /// not date the list).
    pub release: Option<String>,
}

/// A relation seen from one of its ends, with the other party named.
#[derive(Debug, Clone, Serialize)]
pub struct RelationView {
    /// The relation's row id: what curation forms name it by.
    pub rid: i64,
    #[serde(flatten)]
    pub relation: Relation,
    pub other_id: String,
    pub other_name: String,
    pub other_schema: Schema,
    /// Whether the other party is on any list.
    pub other_listed: bool,
}

/// Everything the entity page shows.
#[derive(Debug, Clone, Serialize)]
pub struct EntityDetail {
    pub entity: Entity,
    pub listings: Vec<Listing>,
    pub outgoing: Vec<RelationView>,
    pub incoming: Vec<RelationView>,
}

/// What the store knows of a relation beyond what the graph keeps: why we believe it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RelationFacts {
    pub confidence: Option<Confidence>,
    pub evidence: Option<String>,
    pub notes: Option<String>,
    pub dataset: String,
}

/// Entities, relations and listings in full: what an export writes.
#[derive(Debug, Default, Clone)]
pub struct Extract {
    pub entities: Vec<Entity>,
    pub relations: Vec<Relation>,
    pub listings: Vec<Listing>,
}

/// A row for the graph loader: an entity's key facts.
pub struct NodeRow<'a> {
    pub eid: i64,
    pub id: &'a str,
    pub schema: Schema,
    pub name: &'a str,
}

/// A row for the graph loader: a relation's key facts.
pub struct EdgeRow {
    pub rid: i64,
    pub source_eid: i64,
    pub target_eid: i64,
    pub kind: RelationKind,
    pub share: Option<Share>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

/// A row for the graph loader: a listing's key facts.
pub struct ListingRow<'a> {
    pub entity_eid: i64,
    pub list: &'a str,
    pub program: Option<&'a str>,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

impl Store {
    /// Opens a database, creating it (empty, at the current schema) when it does not exist,
    /// and migrating an older schema forward.
    pub fn open(path: &Path) -> Result<Store> {
        let open = || -> Result<Store> {
            let conn = Connection::open(path)?;
            // SQLite falls back to reading when it cannot write; say so before WAL set-up fails.
            if conn.is_readonly(rusqlite::MAIN_DB)? {
                return Err(StoreError::ReadOnly {
                    path: path.to_path_buf(),
                });
            }
            let mut store = Store {
                conn,
                record_changes: true,
            };
            store.configure(path)?;
            store.migrate(path)?;
            store.ensure_search_index()?;
            Ok(store)
        };
        open().map_err(|e| e.at(path))
    }

    /// Opens an existing database for reading only (used by the web readers).
    pub fn open_read_only(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Readers map the file instead of copying each page out of the OS cache.
        conn.execute_batch(&format!("PRAGMA mmap_size = {READER_MMAP_BYTES}"))?;
        let store = Store {
            conn,
            record_changes: true,
        };
        store.check_identity(path)?;
        Ok(store)
    }

    fn configure(&self, path: &Path) -> Result<()> {
        let not_ours = |e: rusqlite::Error| StoreError::NotOwnergraph {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        self.conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(not_ours)?;
        // journal_mode is the first statement that reads the file: a non-SQLite file fails here.
        self.conn
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .map_err(not_ours)?;
        // A 64 MiB page cache for the writer: large imports insert into text-keyed indexes in
        // random order, and SQLite's default 2 MiB cache makes that disk-bound.
        self.conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;
             PRAGMA cache_size = -{CACHE_KIB};"
        ))?;
        Ok(())
    }

    /// Refuses databases that are not ownergraph's or are newer than this binary.
    fn check_identity(&self, path: &Path) -> Result<i32> {
        let not_ours = |reason: String| StoreError::NotOwnergraph {
            path: path.to_path_buf(),
            reason,
        };
        let app_id: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| not_ours(e.to_string()))?;
        let version: i32 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |r| r.get(0),
        )?;
        if app_id == 0 && version == 0 && tables == 0 {
            return Ok(0); // a new, empty file: ours to initialise
        }
        if app_id != APPLICATION_ID {
            return Err(not_ours(format!(
                "it is a SQLite database with application_id {app_id:#x} and {tables} tables"
            )));
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                path: path.to_path_buf(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        Ok(version)
    }

    fn migrate(&mut self, path: &Path) -> Result<()> {
        let version = self.check_identity(path)?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        // Immediate: take the write lock up front, so a busy writer is waited for (busy_timeout)
        // instead of failing at the first write.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for (number, sql) in MIGRATIONS.iter().filter(|(n, _)| *n > version) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", number)?;
        }
        tx.pragma_update(None, "application_id", APPLICATION_ID)?;
        tx.commit()?;
        Ok(())
    }

    /// Turns the recording of what each apply changes off or back on (it is on). Off, releases
    /// are still logged with their counts, but not itemised (`tracked` is false): this exists
    /// to measure what recording costs (`cargo bench --bench import`).
    pub fn record_changes(&mut self, on: bool) {
        self.record_changes = on;
    }

    /// Applies a batch in one transaction: on the first problem nothing is changed and the
    /// error names the file, line and field. Re-applying the same batch changes nothing.
    /// Nothing is ended: see [`Store::apply_with`] for whole releases.
    pub fn apply(&mut self, batch: &Batch, record: &ImportRecord) -> Result<ApplyReport> {
        self.apply_with(batch, record, ApplyMode::default())
    }

    /// [`Store::apply`] with a mode: a whole release ends what disappeared from its dataset;
    /// a dry run checks everything (references to entities in the database included) and
    /// reports what would change, then rolls back.
    pub fn apply_with(
        &mut self,
        batch: &Batch,
        record: &ImportRecord,
        mode: ApplyMode,
    ) -> Result<ApplyReport> {
        // A large batch inserts into text-keyed indexes in random order: with the usual 64 MiB
        // page cache a 1M-entity import spends most of its time reading and spilling pages.
        // The cache grows for the import and is given back after it.
        let large = batch.entities.len() + batch.relations.len() > LARGE_BATCH;
        if large {
            self.conn
                .execute_batch(&format!("PRAGMA cache_size = -{LARGE_BATCH_CACHE_KIB}"))?;
        }
        let applied = self.apply_transaction(batch, record, mode);
        if large {
            self.conn
                .execute_batch(&format!("PRAGMA cache_size = -{CACHE_KIB}; PRAGMA shrink_memory"))?;
        }
        applied
    }

    fn apply_transaction(
        &mut self,
        batch: &Batch,
        record: &ImportRecord,
        mode: ApplyMode,
    ) -> Result<ApplyReport> {
        // Immediate: take the write lock up front, so a busy writer is waited for (busy_timeout)
        // instead of failing at the first write.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        // A dataset that holds nothing yet is imported as its baseline: everything is added,
        // counted in the import row, not itemised.
        let baseline: bool = !tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM entities WHERE dataset = ?1)
                 OR EXISTS (SELECT 1 FROM relations WHERE dataset = ?1)
                 OR EXISTS (SELECT 1 FROM listings WHERE dataset = ?1)",
            [&batch.dataset],
            |row| row.get(0),
        )?;
        let mut recorder = releases::Recorder {
            on: self.record_changes && !baseline && !mode.dry_run,
            rows: Vec::new(),
        };
        let (mut report, keys) = apply_in(&tx, batch, &mut recorder)?;
        // A dataset that held nothing before holds only what this batch brought: nothing of it
        // can be missing.
        if let Some(day) = mode.release.filter(|_| !baseline) {
            end_missing(&tx, batch, &keys, day, &mut report, &mut recorder)?;
        }
        if mode.dry_run {
            tx.rollback()?;
            return Ok(report);
        }
        // A file imported again is logged again only when it changed something (an older
        // release applied after a newer one): its changes need a release to belong to.
        let seen: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM imports WHERE dataset = ?1 AND checksum = ?2)",
            params![record.dataset, record.checksum],
            |row| row.get(0),
        )?;
        if seen && report.is_unchanged() {
            tx.commit()?;
            return Ok(report);
        }
        tx.execute(
            "INSERT INTO imports (dataset, format, path, checksum, imported_at, entities, relations, listings,
                                  as_of, added, changed, ended, tracked, baseline)
             VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                record.dataset,
                record.format,
                record.path,
                record.checksum,
                batch.entities.len() as i64,
                batch.relations.len() as i64,
                batch.listings.len() as i64,
                opt_str(mode.release),
                report.added() as i64,
                report.changed() as i64,
                report.ended() as i64,
                self.record_changes,
                baseline,
            ],
        )?;
        releases::write(&tx, tx.last_insert_rowid(), &recorder.rows)?;
        tx.commit()?;
        Ok(report)
    }

    /// The import log, newest first.
    pub fn imports(&self) -> Result<Vec<ImportLogEntry>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {} FROM imports i ORDER BY i.iid DESC",
            releases::LOG_COLUMNS
        ))?;
        let rows = stmt.query_map([], releases::log_entry)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Counts of entities, relations and listings, overall and by schema, kind and list.
    pub fn stats(&self) -> Result<Stats> {
        let count =
            |sql: &str| -> Result<u64> { Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
        let grouped = |sql: &str| -> Result<BTreeMap<String, u64>> {
            let mut stmt = self.conn.prepare(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
            let mut out = BTreeMap::new();
            for row in rows {
                let (key, n) = row?;
                out.insert(key, n as u64);
            }
            Ok(out)
        };
        Ok(Stats {
            entities: count("SELECT count(*) FROM entities")?,
            relations: count("SELECT count(*) FROM relations")?,
            listings: count("SELECT count(*) FROM listings")?,
            by_schema: grouped("SELECT schema, count(*) FROM entities GROUP BY schema")?,
            by_kind: grouped("SELECT kind, count(*) FROM relations GROUP BY kind")?,
            by_list: grouped("SELECT list, count(DISTINCT entity_eid) FROM listings GROUP BY list")?,
        })
    }

    /// How many listings are held (a count, without `stats`' scans of every entity and relation).
    pub fn listing_count(&self) -> Result<u64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM listings", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// The lists held, with member counts and latest listing date.
    pub fn lists(&self) -> Result<Vec<ListSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT list, min(authority), count(DISTINCT entity_eid), max(start_date),
                    (SELECT max(i.as_of) FROM imports i
                     WHERE i.dataset = (SELECT m.dataset FROM listings m WHERE m.list = l.list
                                        GROUP BY m.dataset ORDER BY count(*) DESC, m.dataset LIMIT 1))
             FROM listings l GROUP BY list ORDER BY count(DISTINCT entity_eid) DESC, list",
        )?;
        let rows = stmt.query_map([], |r| {
            let list: String = r.get(0)?;
            Ok(ListSummary {
                slug: crate::model::slug(&list),
                list,
                authority: r.get(1)?,
                members: r.get::<_, i64>(2)? as u64,
                latest_start_date: r.get(3)?,
                release: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// One entity with its listings and relations in and out, or `None` for an unknown id.
    /// One entity's own facts, without its listings and relations.
    pub fn entity(&self, id: &str) -> Result<Option<Entity>> {
        self.conn
            .prepare_cached(&format!("SELECT {ENTITY_COLUMNS} FROM entities WHERE id = ?1"))?
            .query_row([id], |r| Ok(entity_from_row(r, 0)))
            .optional()?
            .transpose()
    }

    pub fn entity_detail(&self, id: &str) -> Result<Option<EntityDetail>> {
        let Some((eid, entity, listings)) = self.entity_with_listings(id)? else {
            return Ok(None);
        };
        let outgoing = self.relation_views(eid, "source_eid", "target_eid")?;
        let incoming = self.relation_views(eid, "target_eid", "source_eid")?;
        Ok(Some(EntityDetail {
            entity,
            listings,
            outgoing,
            incoming,
        }))
    }

    /// An entity (with its row id) and its listings, without its relations: a hub has tens
    /// of thousands, which the entity page reads a page at a time (`relation_views_by_rid`).
    pub fn entity_with_listings(&self, id: &str) -> Result<Option<(i64, Entity, Vec<Listing>)>> {
        let found = self
            .conn
            .prepare_cached(&format!(
                "SELECT eid, {ENTITY_COLUMNS} FROM entities WHERE id = ?1"
            ))?
            .query_row([id], |r| Ok((r.get::<_, i64>(0)?, entity_from_row(r, 1))))
            .optional()?;
        let Some((eid, entity)) = found else {
            return Ok(None);
        };
        let entity = entity?;
        let mut listings = Vec::new();
        {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT {LISTING_COLUMNS} FROM listings l JOIN entities e ON e.eid = l.entity_eid
                 WHERE l.entity_eid = ?1 ORDER BY l.start_date, l.list, l.program"
            ))?;
            let mut rows = stmt.query([eid])?;
            while let Some(row) = rows.next()? {
                listings.push(listing_from_row(row, 0)?);
            }
        }
        Ok(Some((eid, entity, listings)))
    }

    fn relation_views(&self, eid: i64, this_end: &str, other_end: &str) -> Result<Vec<RelationView>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{} JOIN entities o ON o.eid = r.{other_end}
             WHERE r.{this_end} = ?1
             ORDER BY r.kind, o.name",
            relation_view_select()
        ))?;
        let mut rows = stmt.query([eid])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(relation_view_from_row(row)?);
        }
        Ok(out)
    }

    /// Evidence, confidence and notes of relations by row id (`Edge::rid` in the graph);
    /// ids not in the store are left out of the answer.
    pub fn relation_facts(&self, rids: &[i64]) -> Result<HashMap<i64, RelationFacts>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT confidence, evidence, notes, dataset FROM relations WHERE rid = ?1")?;
        let mut out = HashMap::with_capacity(rids.len());
        for &rid in rids {
            let mut rows = stmt.query([rid])?;
            if let Some(row) = rows.next()? {
                out.insert(
                    rid,
                    RelationFacts {
                        confidence: optional_column(row, 0, "confidence")?,
                        evidence: row.get(1)?,
                        notes: row.get(2)?,
                        dataset: row.get(3)?,
                    },
                );
            }
        }
        Ok(out)
    }

    /// Calls `f` for every entity, in eid order.
    pub fn scan_entities(&self, mut f: impl FnMut(NodeRow<'_>)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT eid, id, schema, name FROM entities ORDER BY eid")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let schema_text = row.get_ref(2)?.as_str()?;
            let schema = schema_text.parse().map_err(StoreError::Corrupt)?;
            f(NodeRow {
                eid: row.get(0)?,
                id: row.get_ref(1)?.as_str()?,
                schema,
                name: row.get_ref(3)?.as_str()?,
            });
        }
        Ok(())
    }

    /// Numbers of entities and relations, to size the graph before loading it.
    pub fn counts(&self) -> Result<(usize, usize)> {
        let count = |sql: &str| -> Result<usize> {
            Ok(self.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as usize)
        };
        Ok((
            count("SELECT count(*) FROM entities")?,
            count("SELECT count(*) FROM relations")?,
        ))
    }

    /// Calls `f` for every relation, in rid order.
    pub fn scan_relations(&self, mut f: impl FnMut(EdgeRow)) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT rid, source_eid, target_eid, kind, share_lo, share_hi, start_date, end_date
             FROM relations ORDER BY rid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let kind_text = row.get_ref(3)?.as_str()?;
            f(EdgeRow {
                rid: row.get(0)?,
                source_eid: row.get(1)?,
                target_eid: row.get(2)?,
                kind: kind_text.parse().map_err(StoreError::Corrupt)?,
                share: share_from_row(row, 4)?,
                start_date: date_from_row(row, 6)?,
                end_date: date_from_row(row, 7)?,
            });
        }
        Ok(())
    }

    /// Calls `f` for every listing.
    pub fn scan_listings(&self, mut f: impl FnMut(ListingRow<'_>)) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare("SELECT entity_eid, list, program, start_date, end_date FROM listings ORDER BY lid")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            f(ListingRow {
                entity_eid: row.get(0)?,
                list: row.get_ref(1)?.as_str()?,
                program: row.get_ref(2)?.as_str_or_null()?,
                start_date: date_from_row(row, 3)?,
                end_date: date_from_row(row, 4)?,
            });
        }
        Ok(())
    }

    /// The listings of one entity, oldest first.
    pub fn listings_of(&self, id: &str) -> Result<Vec<Listing>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LISTING_COLUMNS} FROM listings l JOIN entities e ON e.eid = l.entity_eid
             WHERE e.id = ?1 ORDER BY l.start_date, l.list, l.program"
        ))?;
        let mut rows = stmt.query([id])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(listing_from_row(row, 0)?);
        }
        Ok(out)
    }

    /// Every entity, relation and listing in full, for an export of the whole database.
    pub fn extract_all(&self) -> Result<Extract> {
        let mut out = Extract::default();
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {ENTITY_COLUMNS} FROM entities ORDER BY eid"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            out.entities.push(entity_from_row(row, 0)?);
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {RELATION_COLUMNS} FROM relations r
             JOIN entities s ON s.eid = r.source_eid JOIN entities t ON t.eid = r.target_eid
             ORDER BY r.rid"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            out.relations.push(relation_from_row(row, 0)?);
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {LISTING_COLUMNS} FROM listings l JOIN entities e ON e.eid = l.entity_eid ORDER BY l.lid"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            out.listings.push(listing_from_row(row, 0)?);
        }
        Ok(out)
    }

    /// The entities `ids` with their listings, and the relations `rids`, in full: for an
    /// export of a neighbourhood. Unknown ids and row ids are left out.
    pub fn extract(&self, ids: &[&str], rids: &[i64]) -> Result<Extract> {
        let mut out = Extract::default();
        let mut entity = self.conn.prepare_cached(&format!(
            "SELECT eid, {ENTITY_COLUMNS} FROM entities WHERE id = ?1"
        ))?;
        let mut listings = self.conn.prepare_cached(&format!(
            "SELECT {LISTING_COLUMNS} FROM listings l JOIN entities e ON e.eid = l.entity_eid
             WHERE l.entity_eid = ?1 ORDER BY l.lid"
        ))?;
        for id in ids {
            let found = entity
                .query_row([id], |r| Ok((r.get::<_, i64>(0)?, entity_from_row(r, 1))))
                .optional()?;
            let Some((eid, found)) = found else { continue };
            out.entities.push(found?);
            let mut rows = listings.query([eid])?;
            while let Some(row) = rows.next()? {
                out.listings.push(listing_from_row(row, 0)?);
            }
        }
        let mut relation = self.conn.prepare_cached(&format!(
            "SELECT {RELATION_COLUMNS} FROM relations r
             JOIN entities s ON s.eid = r.source_eid JOIN entities t ON t.eid = r.target_eid
             WHERE r.rid = ?1"
        ))?;
        for rid in rids {
            let mut rows = relation.query([rid])?;
            if let Some(row) = rows.next()? {
                out.relations.push(relation_from_row(row, 0)?);
            }
        }
        Ok(out)
    }

    /// Number of import records plus curated changes: a cheap data version for pages and
    /// caches that grows with every write to the data.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT coalesce((SELECT max(iid) FROM imports), 0)
                  + coalesce((SELECT max(cid) FROM changes), 0)",
            [],
            |r| r.get(0),
        )?)
    }

    /// SQLite's `PRAGMA data_version`: changes when another connection commits to the file.
    pub fn change_counter(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Moves everything in the write-ahead log into the main file and empties the log.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// Runs SQLite's own consistency check; `Ok(())` when it reports "ok".
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self.conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }
}

/// Columns of an entity row, in the order [`entity_from_row`] reads them.
const ENTITY_COLUMNS: &str = "id, schema, name, aliases, countries, identifiers, addresses, \
                              birth_date, notes, confidence, source, dataset, properties";

/// Columns of a relation row (aliases r, s = source, t = target) for [`relation_from_row`].
const RELATION_COLUMNS: &str = "s.id, t.id, r.kind, r.share_lo, r.share_hi, r.start_date, \
                                r.end_date, r.notes, r.confidence, r.evidence, r.dataset, r.record_id";
const RELATION_COLUMN_COUNT: usize = 12;

/// A relation seen from one end, for [`relation_view_from_row`]; the caller adds
/// `JOIN entities o ON o.eid = r.<other end>` and its `WHERE`.
fn relation_view_select() -> String {
    format!(
        "SELECT {RELATION_COLUMNS}, o.id, o.name, o.schema,
                EXISTS (SELECT 1 FROM listings l WHERE l.entity_eid = o.eid), r.rid
         FROM relations r
         JOIN entities s ON s.eid = r.source_eid
         JOIN entities t ON t.eid = r.target_eid"
    )
}

fn relation_view_from_row(row: &rusqlite::Row<'_>) -> Result<RelationView> {
    let relation = relation_from_row(row, 0)?;
    let n = RELATION_COLUMN_COUNT;
    Ok(RelationView {
        relation,
        other_id: row.get(n)?,
        other_name: row.get(n + 1)?,
        other_schema: parse_column(row, n + 2, "schema")?,
        other_listed: row.get(n + 3)?,
        rid: row.get(n + 4)?,
    })
}

/// Columns of a listing row (aliases l, e = entity) for [`listing_from_row`].
const LISTING_COLUMNS: &str = "e.id, l.list, l.authority, l.program, l.start_date, l.end_date, \
                               l.citation, l.license_requirement, l.license_review_policy, \
                               l.confidence, l.dataset";

fn parse_column<T: std::str::FromStr<Err = String>>(row: &Row<'_>, i: usize, what: &str) -> Result<T> {
    let text: String = row.get(i)?;
    text.parse()
        .map_err(|e: String| StoreError::Corrupt(format!("{what}: {e}")))
}

fn optional_column<T: std::str::FromStr<Err = String>>(
    row: &Row<'_>,
    i: usize,
    what: &str,
) -> Result<Option<T>> {
    match row.get_ref(i)?.as_str_or_null()? {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|e: String| StoreError::Corrupt(format!("{what}: {e}"))),
    }
}

fn date_from_row(row: &Row<'_>, i: usize) -> Result<Option<Date>> {
    optional_column(row, i, "date")
}

fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, i: usize) -> Result<T> {
    let text = row.get_ref(i)?.as_str()?;
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("column {i}: {e}")))
}

fn share_from_row(row: &Row<'_>, i: usize) -> Result<Option<Share>> {
    let lo: Option<i64> = row.get(i)?;
    let hi: Option<i64> = row.get(i + 1)?;
    Ok(match (lo, hi) {
        (Some(lo), Some(hi)) => Some(Share {
            lo: Pct(lo as u32),
            hi: Pct(hi as u32),
        }),
        _ => None,
    })
}

fn entity_from_row(row: &Row<'_>, i: usize) -> Result<Entity> {
    Ok(Entity {
        id: row.get(i)?,
        schema: parse_column(row, i + 1, "schema")?,
        name: row.get(i + 2)?,
        aliases: json_column(row, i + 3)?,
        countries: json_column(row, i + 4)?,
        identifiers: json_column::<Vec<Identifier>>(row, i + 5)?,
        addresses: json_column(row, i + 6)?,
        birth_date: row.get(i + 7)?,
        notes: row.get(i + 8)?,
        confidence: optional_column::<Confidence>(row, i + 9, "confidence")?,
        source: row.get(i + 10)?,
        dataset: row.get(i + 11)?,
        properties: json_column(row, i + 12)?,
    })
}

fn relation_from_row(row: &Row<'_>, i: usize) -> Result<Relation> {
    Ok(Relation {
        source: row.get(i)?,
        target: row.get(i + 1)?,
        kind: parse_column(row, i + 2, "kind")?,
        share: share_from_row(row, i + 3)?,
        start_date: date_from_row(row, i + 5)?,
        end_date: date_from_row(row, i + 6)?,
        notes: row.get(i + 7)?,
        confidence: optional_column(row, i + 8, "confidence")?,
        evidence: row.get(i + 9)?,
        dataset: row.get(i + 10)?,
        record_id: row.get(i + 11)?,
    })
}

fn listing_from_row(row: &Row<'_>, i: usize) -> Result<Listing> {
    Ok(Listing {
        entity: row.get(i)?,
        list: row.get(i + 1)?,
        authority: row.get(i + 2)?,
        program: row.get(i + 3)?,
        start_date: date_from_row(row, i + 4)?,
        end_date: date_from_row(row, i + 5)?,
        citation: row.get(i + 6)?,
        license_requirement: row.get(i + 7)?,
        license_review_policy: row.get(i + 8)?,
        confidence: optional_column(row, i + 9, "confidence")?,
        dataset: row.get(i + 10)?,
    })
}

/// Entities per chunk of [`EntityColumns`] handed from the core that makes them to the writer.
const COLUMNS_CHUNK: usize = 256;

/// An entity's columns that take work to make: its JSON texts and its search names.
struct EntityColumns {
    aliases: String,
    countries: String,
    identifiers: String,
    addresses: String,
    properties: String,
    confidence: Option<String>,
    /// The entity's `entity_names` row, when it has any name to search by.
    names: Option<String>,
}

impl EntityColumns {
    fn of(e: &Entity) -> EntityColumns {
        EntityColumns {
            aliases: json(&e.aliases),
            countries: json(&e.countries),
            identifiers: json(&e.identifiers),
            addresses: json(&e.addresses),
            properties: json(&e.properties),
            confidence: opt_str(e.confidence),
            names: search::packed_names(e),
        }
    }
}

/// The natural keys of a batch's relations and listings, in the batch's order: made once, on
/// the core that makes the entities' columns, for both the writes and the end of a release.
struct BatchKeys {
    relations: Vec<String>,
    listings: Vec<String>,
}

impl BatchKeys {
    fn of(batch: &Batch) -> BatchKeys {
        BatchKeys {
            relations: batch.relations.iter().map(|(_, r)| r.natural_key()).collect(),
            listings: batch.listings.iter().map(|(_, l)| l.natural_key()).collect(),
        }
    }
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("plain vectors of strings always serialise")
}

fn opt_str<T: ToString>(value: Option<T>) -> Option<String> {
    value.map(|v| v.to_string())
}

/// The body of [`Store::apply`], inside its transaction.
fn apply_in(
    tx: &Transaction<'_>,
    batch: &Batch,
    recorder: &mut releases::Recorder,
) -> Result<(ApplyReport, BatchKeys)> {
    let mut report = ApplyReport::default();
    // When changes are recorded, what the updates of this transaction change (an entity's
    // name, aliases or identifiers; a listing or relation held again after a release ended
    // it) is kept by triggers that fire for those few rows only: every fact's lookup stays
    // its index's alone.
    if recorder.on {
        releases::watch_updates(tx)?;
    }
    let mut find_eid = tx.prepare_cached("SELECT eid FROM entities WHERE id = ?1")?;
    let mut insert_entity = tx.prepare_cached(
        "INSERT INTO entities (id, schema, name, aliases, countries, identifiers, addresses,
                               birth_date, notes, confidence, source, dataset, properties)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let mut update_entity = tx.prepare_cached(
        "UPDATE entities SET schema = ?2, name = ?3, aliases = ?4, countries = ?5,
                identifiers = ?6, addresses = ?7, birth_date = ?8, notes = ?9,
                confidence = ?10, source = ?11, dataset = ?12, properties = ?13
         WHERE id = ?1 AND (schema, name, aliases, countries, identifiers, addresses,
                birth_date, notes, confidence, source, dataset, properties)
             IS NOT (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    let first_entities: bool = !tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM entities WHERE dataset = ?1)",
        [&batch.dataset],
        |row| row.get(0),
    )?;
    // Ids are the batch's own: hashbrown's fast hasher, not SipHash (a lookup per relation and listing).
    let mut eids: hashbrown::HashMap<&str, i64> = hashbrown::HashMap::with_capacity(batch.entities.len());
    let mut wrote_names = false;
    // Entities this batch changed, with their `entity_names` rows as made beside the writes.
    let mut changed_entities: Vec<(i64, &Entity, Option<String>)> = Vec::new();
    // The rows' JSON columns and normalised names are made on a second core, a chunk ahead of
    // the writes: on two cores the import's SQLite work no longer waits for them.
    // Then, while the writer ends the entities, the same core makes the natural keys of the
    // batch's relations and listings.
    let keys = std::thread::scope(|scope| -> Result<BatchKeys> {
        let (send, made) = std::sync::mpsc::sync_channel::<Vec<EntityColumns>>(4);
        let keys = scope.spawn(move || {
            for chunk in batch.entities.chunks(COLUMNS_CHUNK) {
                let columns = chunk.iter().map(|(_, e)| EntityColumns::of(e)).collect();
                if send.send(columns).is_err() {
                    return None; // the writer stopped at a problem
                }
            }
            drop(send);
            Some(BatchKeys::of(batch))
        });
        let mut made = made.iter().flatten();
        for (_, e) in &batch.entities {
            let columns = made.next().expect("columns are made for every entity");
            let values = params![
                e.id,
                e.schema.as_str(),
                e.name,
                columns.aliases,
                columns.countries,
                columns.identifiers,
                columns.addresses,
                e.birth_date,
                e.notes,
                columns.confidence,
                e.source,
                batch.dataset,
                columns.properties,
            ];
            // As for relations below: a dataset's first import inserts first and looks up only
            // an id that is already held (by another dataset, or twice in the batch).
            if first_entities && insert_entity.execute(values).is_ok() {
                report.entities_added += 1;
                let eid = tx.last_insert_rowid();
                wrote_names |= search::insert_names(tx, eid, columns.names.as_deref())?;
                recorder.push(releases::Pending::entity(ChangeKind::EntityAdded, eid));
                eids.insert(e.id.as_str(), eid);
                continue;
            }
            let existing: Option<i64> = find_eid.query_row([&e.id], |r| r.get(0)).optional()?;
            let eid = match existing {
                Some(eid) => {
                    let changed = update_entity.execute(values)? as u64;
                    if changed > 0 {
                        changed_entities.push((eid, e, columns.names));
                    }
                    report.entities_changed += changed;
                    eid
                }
                None => {
                    insert_entity.execute(values)?;
                    report.entities_added += 1;
                    let eid = tx.last_insert_rowid();
                    wrote_names |= search::insert_names(tx, eid, columns.names.as_deref())?;
                    recorder.push(releases::Pending::entity(ChangeKind::EntityAdded, eid));
                    eid
                }
            };
            eids.insert(e.id.as_str(), eid);
        }
        let keys = keys.join().expect("making columns and keys does not panic");
        Ok(keys.unwrap_or_else(|| BatchKeys::of(batch)))
    })?;
    search::index_batch(tx, wrote_names, &changed_entities)?;
    if recorder.on {
        // The batch's last word on an entity is what it now holds.
        let now: HashMap<i64, &Entity> = changed_entities.iter().map(|(eid, e, _)| (*eid, *e)).collect();
        for (eid, name, aliases, identifiers) in releases::entity_updates(tx)? {
            if let Some(e) = now.get(&eid) {
                record_entity_change(recorder, eid, e, name, &aliases, &identifiers)?;
            }
        }
    }

    let mut resolve = |origin: &crate::model::Origin, field: &str, id: &'_ str| -> Result<i64> {
        if let Some(eid) = eids.get(id) {
            return Ok(*eid);
        }
        find_eid
            .query_row([id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| InputError::new(origin, field, format!("unknown entity id {id:?}")).into())
    };

    let mut find_relation =
        tx.prepare_cached("SELECT rid FROM relations WHERE dataset = ?1 AND natural_key = ?2")?;
    let mut insert_relation = tx.prepare_cached(
        "INSERT INTO relations (dataset, natural_key, source_eid, target_eid, kind, share_lo, share_hi,
                                start_date, end_date, notes, confidence, evidence, record_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    // A record keyed by its own id may change its parties, kind or start in a later release.
    let mut update_relation = tx.prepare_cached(
        "UPDATE relations SET share_lo = ?2, share_hi = ?3, end_date = ?4, notes = ?5,
                confidence = ?6, evidence = ?7, source_eid = ?8, target_eid = ?9, kind = ?10,
                start_date = ?11
         WHERE rid = ?1
           AND (share_lo, share_hi, end_date, notes, confidence, evidence, source_eid, target_eid,
                kind, start_date)
               IS NOT (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?;
    // A dataset's first import holds only new relations: each is inserted straight away, and
    // looked up only when the insert meets one of the batch's own (the unique key says so),
    // which saves a probe of the text-keyed index per relation.
    let first_import: bool = !tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM relations WHERE dataset = ?1)",
        [&batch.dataset],
        |row| row.get(0),
    )?;
    for ((origin, r), key) in batch.relations.iter().zip(&keys.relations) {
        let source = resolve(origin, "source", &r.source)?;
        let target = resolve(origin, "target", &r.target)?;
        let share_lo = r.share.map(|s| s.lo.0 as i64);
        let share_hi = r.share.map(|s| s.hi.0 as i64);
        let mut insert = || {
            insert_relation.execute(params![
                batch.dataset,
                key,
                source,
                target,
                r.kind.as_str(),
                share_lo,
                share_hi,
                opt_str(r.start_date),
                opt_str(r.end_date),
                r.notes,
                opt_str(r.confidence),
                r.evidence,
                r.record_id
            ])
        };
        if first_import && inserted(insert())? {
            report.relations_added += 1;
            recorder.push(releases::Pending {
                rid: Some(tx.last_insert_rowid()),
                ..releases::Pending::entity(ChangeKind::RelationAdded, source)
            });
            continue;
        }
        let existing: Option<i64> = find_relation
            .query_row(params![batch.dataset, key], |row| row.get(0))
            .optional()?;
        match existing {
            Some(rid) => {
                report.relations_changed += update_relation.execute(params![
                    rid,
                    share_lo,
                    share_hi,
                    opt_str(r.end_date),
                    r.notes,
                    opt_str(r.confidence),
                    r.evidence,
                    source,
                    target,
                    r.kind.as_str(),
                    opt_str(r.start_date)
                ])? as u64;
            }
            None => {
                insert()?;
                report.relations_added += 1;
                recorder.push(releases::Pending {
                    rid: Some(tx.last_insert_rowid()),
                    ..releases::Pending::entity(ChangeKind::RelationAdded, source)
                });
            }
        }
    }

    let mut find_listing =
        tx.prepare_cached("SELECT lid FROM listings WHERE dataset = ?1 AND natural_key = ?2")?;
    let mut insert_listing = tx.prepare_cached(
        "INSERT INTO listings (dataset, natural_key, entity_eid, list, authority, program, start_date,
                               end_date, citation, license_requirement, license_review_policy, confidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut update_listing = tx.prepare_cached(
        "UPDATE listings SET authority = ?2, end_date = ?3, citation = ?4, license_requirement = ?5,
                license_review_policy = ?6, confidence = ?7
         WHERE lid = ?1
           AND (authority, end_date, citation, license_requirement, license_review_policy, confidence)
               IS NOT (?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    // As for relations: a dataset's first import inserts first and looks up only on a clash.
    let first_listings: bool = !tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM listings WHERE dataset = ?1)",
        [&batch.dataset],
        |row| row.get(0),
    )?;
    for ((origin, l), key) in batch.listings.iter().zip(&keys.listings) {
        let entity = resolve(origin, "entity", &l.entity)?;
        let mut insert = || {
            insert_listing.execute(params![
                batch.dataset,
                key,
                entity,
                l.list,
                l.authority,
                l.program,
                opt_str(l.start_date),
                opt_str(l.end_date),
                l.citation,
                l.license_requirement,
                l.license_review_policy,
                opt_str(l.confidence)
            ])
        };
        if first_listings && inserted(insert())? {
            report.listings_added += 1;
            recorder.push(releases::Pending {
                lid: Some(tx.last_insert_rowid()),
                ..releases::Pending::entity(ChangeKind::ListingAdded, entity)
            });
            continue;
        }
        let existing: Option<i64> = find_listing
            .query_row(params![batch.dataset, key], |row| row.get(0))
            .optional()?;
        match existing {
            Some(lid) => {
                report.listings_changed += update_listing.execute(params![
                    lid,
                    l.authority,
                    opt_str(l.end_date),
                    l.citation,
                    l.license_requirement,
                    l.license_review_policy,
                    opt_str(l.confidence)
                ])? as u64;
            }
            None => {
                insert()?;
                report.listings_added += 1;
                recorder.push(releases::Pending {
                    lid: Some(tx.last_insert_rowid()),
                    ..releases::Pending::entity(ChangeKind::ListingAdded, entity)
                });
            }
        }
    }
    if recorder.on {
        releases::reopened(tx, recorder)?;
    }
    Ok((report, keys))
}

/// Records what an update of an existing entity changed that a reader of the list follows:
/// its name, and aliases or identifiers it did not have (given its old name, aliases and
/// identifiers as stored). Other fields (notes, addresses…) change with every re-wording and
/// are left to the entity page.
fn record_entity_change(
    recorder: &mut releases::Recorder,
    eid: i64,
    e: &Entity,
    name: String,
    aliases: &str,
    identifiers: &str,
) -> Result<()> {
    if name != e.name {
        recorder.push(releases::Pending {
            before: Some(name),
            after: Some(e.name.clone()),
            ..releases::Pending::entity(ChangeKind::EntityRenamed, eid)
        });
    }
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("entity {eid}: {e}"));
    let old_aliases: Vec<String> = serde_json::from_str(aliases).map_err(corrupt)?;
    let new_aliases: Vec<&String> = e.aliases.iter().filter(|a| !old_aliases.contains(a)).collect();
    if !new_aliases.is_empty() {
        recorder.push(releases::Pending {
            after: Some(json(&new_aliases)),
            ..releases::Pending::entity(ChangeKind::AliasesAdded, eid)
        });
    }
    let old_identifiers: Vec<Identifier> = serde_json::from_str(identifiers).map_err(corrupt)?;
    let new_identifiers: Vec<String> = e
        .identifiers
        .iter()
        .filter(|i| {
            !old_identifiers
                .iter()
                .any(|o| o.scheme == i.scheme && o.value == i.value)
        })
        .map(|i| format!("{} {}", i.scheme, i.value))
        .collect();
    if !new_identifiers.is_empty() {
        recorder.push(releases::Pending {
            after: Some(json(&new_identifiers)),
            ..releases::Pending::entity(ChangeKind::IdentifiersAdded, eid)
        });
    }
    Ok(())
}

/// Whether an insert tried before any lookup (a dataset's first import) went in: a unique-key
/// clash means the fact is already held (given twice, or by the database), to be looked up.
fn inserted(attempt: rusqlite::Result<usize>) -> Result<bool> {
    match attempt {
        Ok(_) => Ok(true),
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Gives every open relation and listing of the batch's dataset that the batch no longer holds
/// an end date: `day`, or its start date when it started later (a window is never reversed).
fn end_missing(
    tx: &Transaction<'_>,
    batch: &Batch,
    keys: &BatchKeys,
    day: Date,
    report: &mut ApplyReport,
    recorder: &mut releases::Recorder,
) -> Result<()> {
    let day = day.to_string();
    let relation_keys: HashSet<&str> = keys.relations.iter().map(String::as_str).collect();
    let listing_keys: HashSet<&str> = keys.listings.iter().map(String::as_str).collect();
    // Entities whose facts ended, for the record: those the release no longer holds at all
    // were removed from it.
    let mut touched: Vec<i64> = Vec::new();
    for (table, id, entity, keys, counter, change) in [
        (
            "relations",
            "rid",
            "source_eid",
            &relation_keys,
            &mut report.relations_ended,
            ChangeKind::RelationEnded,
        ),
        (
            "listings",
            "lid",
            "entity_eid",
            &listing_keys,
            &mut report.listings_ended,
            ChangeKind::ListingEnded,
        ),
    ] {
        let gone: Vec<(i64, i64)> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT {id}, natural_key, {entity} FROM {table} WHERE dataset = ?1 AND end_date IS NULL"
            ))?;
            let mut rows = stmt.query([&batch.dataset])?;
            let mut gone = Vec::new();
            while let Some(row) = rows.next()? {
                if !keys.contains(row.get_ref(1)?.as_str()?) {
                    gone.push((row.get(0)?, row.get(2)?));
                }
            }
            gone
        };
        let mut end = tx.prepare(&format!(
            "UPDATE {table} SET end_date = max(coalesce(start_date, ?2), ?2) WHERE {id} = ?1"
        ))?;
        for (key, eid) in gone {
            let ended = end.execute(params![key, day])? as u64;
            *counter += ended;
            if ended > 0 && recorder.on {
                let (lid, rid) = if table == "listings" {
                    (Some(key), None)
                } else {
                    (None, Some(key))
                };
                recorder.push(releases::Pending {
                    lid,
                    rid,
                    ..releases::Pending::entity(change, eid)
                });
                touched.push(eid);
            }
        }
    }
    if !touched.is_empty() {
        touched.sort_unstable();
        touched.dedup();
        let held: HashSet<&str> = batch.entities.iter().map(|(_, e)| e.id.as_str()).collect();
        let mut id_of = tx.prepare_cached("SELECT id, dataset FROM entities WHERE eid = ?1")?;
        for eid in touched {
            let (id, dataset): (String, String) = id_of.query_row([eid], |r| Ok((r.get(0)?, r.get(1)?)))?;
            if dataset == batch.dataset && !held.contains(id.as_str()) {
                recorder.push(releases::Pending::entity(ChangeKind::EntityRemoved, eid));
            }
        }
    }
    Ok(())
}

/// A small pool of read-only connections for concurrent readers (web workers).
///
/// The lock is held only to take or return a connection, never during a query.
pub struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Store>>,
}

impl ReadPool {
    pub fn new(path: &Path) -> ReadPool {
        ReadPool {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` with a read-only connection, opening one when none is idle, in one read
    /// transaction: every query `f` makes sees the same committed state, and the file's locks
    /// are taken once for all of them rather than once per statement.
    pub fn with<T>(&self, f: impl FnOnce(&Store) -> Result<T>) -> Result<T> {
        let taken = self.idle.lock().expect("read pool lock poisoned").pop();
        let store = match taken {
            Some(store) => store,
            None => Store::open_read_only(&self.path)?,
        };
        store.conn.execute_batch("BEGIN")?;
        let result = f(&store);
        // Ending a read transaction cannot lose anything; a connection that cannot end it is
        // dropped rather than pooled.
        if store.conn.execute_batch("COMMIT").is_ok() {
            self.idle.lock().expect("read pool lock poisoned").push(store);
        }
        result
    }
}

/// Runs raw SQL on any SQLite file: for tests that need to fabricate foreign or damaged files.
#[doc(hidden)]
pub fn raw_execute(path: &Path, sql: &str) -> Result<()> {
    Connection::open(path)?.execute_batch(sql)?;
    Ok(())
}
