//! The store's side of releases: the rows [`super::Store::apply_with`] records of what a
//! release changed (gathered while it applies, written with its import row in the same
//! transaction), and the queries that read them back by date.

use super::{ImportLogEntry, Result, Store, StoreError};
use crate::releases::{ChangeKind, ChangeQuery};
use rusqlite::{params, Row, Transaction};
use serde::Serialize;
use std::collections::BTreeMap;

/// A change gathered while a batch applies, written once its import row has an id.
#[derive(Debug)]
pub(super) struct Pending {
    pub change: ChangeKind,
    pub entity_eid: i64,
    pub lid: Option<i64>,
    pub rid: Option<i64>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Pending {
    pub fn entity(change: ChangeKind, entity_eid: i64) -> Pending {
        Pending {
            change,
            entity_eid,
            lid: None,
            rid: None,
            before: None,
            after: None,
        }
    }
}

/// What one apply records of its changes. A dataset's first import (its baseline) adds
/// everything it holds: it is counted in its import row, not itemised.
#[derive(Debug, Default)]
pub(super) struct Recorder {
    pub on: bool,
    pub rows: Vec<Pending>,
}

impl Recorder {
    pub fn push(&mut self, row: Pending) {
        if self.on {
            self.rows.push(row);
        }
    }
}

/// Starts keeping, for this transaction, the old name, aliases and identifiers of every entity
/// an update changes (the first update of a row in the transaction wins), and the listings and
/// relations an update opens again (a release had ended them; this one holds them). Temporary
/// triggers: they cost nothing for the rows a release leaves as they were. [`entity_updates`]
/// and [`reopened`] read what they kept and remove them.
pub(super) fn watch_updates(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS entity_before (
             eid INTEGER PRIMARY KEY, name TEXT NOT NULL, aliases TEXT NOT NULL, identifiers TEXT NOT NULL);
         CREATE TEMP TABLE IF NOT EXISTS reopened (lid INTEGER, rid INTEGER, entity_eid INTEGER NOT NULL);
         DROP TRIGGER IF EXISTS temp.entity_before_update;
         DROP TRIGGER IF EXISTS temp.listing_reopened;
         DROP TRIGGER IF EXISTS temp.relation_reopened;
         CREATE TEMP TRIGGER entity_before_update AFTER UPDATE ON main.entities
         WHEN old.name IS NOT new.name OR old.aliases IS NOT new.aliases
              OR old.identifiers IS NOT new.identifiers
         BEGIN
             INSERT OR IGNORE INTO entity_before VALUES (old.eid, old.name, old.aliases, old.identifiers);
         END;
         CREATE TEMP TRIGGER listing_reopened AFTER UPDATE OF end_date ON main.listings
         WHEN old.end_date IS NOT NULL AND new.end_date IS NULL
         BEGIN
             INSERT INTO reopened (lid, entity_eid) VALUES (new.lid, new.entity_eid);
         END;
         CREATE TEMP TRIGGER relation_reopened AFTER UPDATE OF end_date ON main.relations
         WHEN old.end_date IS NOT NULL AND new.end_date IS NULL
         BEGIN
             INSERT INTO reopened (rid, entity_eid) VALUES (new.rid, new.source_eid);
         END;",
    )?;
    Ok(())
}

/// Records the listings and relations [`watch_updates`] saw opened again as added (held again
/// after a release had ended them), and stops watching them.
pub(super) fn reopened(tx: &Transaction<'_>, recorder: &mut Recorder) -> Result<()> {
    {
        let mut stmt = tx.prepare("SELECT lid, rid, entity_eid FROM temp.reopened ORDER BY rowid")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (lid, rid): (Option<i64>, Option<i64>) = (r.get(0)?, r.get(1)?);
            let change = if lid.is_some() {
                ChangeKind::ListingAdded
            } else {
                ChangeKind::RelationAdded
            };
            recorder.push(Pending {
                lid,
                rid,
                ..Pending::entity(change, r.get(2)?)
            });
        }
    }
    tx.execute_batch(
        "DROP TRIGGER temp.listing_reopened; DROP TRIGGER temp.relation_reopened;
         DELETE FROM temp.reopened;",
    )?;
    Ok(())
}

/// What [`watch_updates`] kept of entities, as (eid, old name, old aliases, old identifiers as
/// stored); the trigger is dropped and its table emptied.
pub(super) fn entity_updates(tx: &Transaction<'_>) -> Result<Vec<(i64, String, String, String)>> {
    let kept = {
        let mut stmt =
            tx.prepare("SELECT eid, name, aliases, identifiers FROM temp.entity_before ORDER BY eid")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        rows.collect::<Result<Vec<_>, _>>()?
    };
    tx.execute_batch("DROP TRIGGER temp.entity_before_update; DELETE FROM temp.entity_before;")?;
    Ok(kept)
}

/// Writes the gathered changes under import `iid`.
pub(super) fn write(tx: &Transaction<'_>, iid: i64, rows: &[Pending]) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO release_changes (iid, change, entity_eid, lid, rid, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for row in rows {
        insert.execute(params![
            iid,
            row.change.as_str(),
            row.entity_eid,
            row.lid,
            row.rid,
            row.before,
            row.after
        ])?;
    }
    Ok(())
}

/// One change as read back: the entity it concerns, and for a listing its list and programme,
/// for a relation its kind and other party.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChangeRow {
    /// The release (import) it belongs to.
    pub iid: i64,
    pub change: ChangeKind,
    pub entity_id: String,
    pub entity_name: String,
    /// The listing's list, or for other changes the list the entity is on in the release's
    /// dataset (none when it is on none).
    pub list: Option<String>,
    pub program: Option<String>,
    pub relation_kind: Option<String>,
    /// A relation's other party (its target: the entity is the source).
    pub other_id: Option<String>,
    pub other_name: Option<String>,
    /// A rename's old name.
    pub before: Option<String>,
    /// A rename's new name.
    pub after: Option<String>,
    /// The aliases or identifiers (`scheme value`) a release added to the entity.
    pub added: Vec<String>,
}

/// The import-log columns, in the order [`log_entry`] reads them (alias `i`).
pub(super) const LOG_COLUMNS: &str =
    "i.iid, i.dataset, i.format, i.path, i.checksum, i.imported_at, i.as_of, \
     i.entities, i.relations, i.listings, i.added, i.changed, i.ended, i.tracked, i.baseline";

pub(super) fn log_entry(r: &Row<'_>) -> rusqlite::Result<ImportLogEntry> {
    Ok(ImportLogEntry {
        iid: r.get(0)?,
        dataset: r.get(1)?,
        format: r.get(2)?,
        path: r.get(3)?,
        checksum: r.get(4)?,
        imported_at: r.get(5)?,
        as_of: r.get(6)?,
        entities: r.get::<_, i64>(7)? as u64,
        relations: r.get::<_, i64>(8)? as u64,
        listings: r.get::<_, i64>(9)? as u64,
        added: r.get::<_, i64>(10)? as u64,
        changed: r.get::<_, i64>(11)? as u64,
        ended: r.get::<_, i64>(12)? as u64,
        tracked: r.get(13)?,
        baseline: r.get(14)?,
    })
}

/// A change as read back, from columns 0 to 10: iid, change, entity id and name, list,
/// programme, relation kind, other id and name, before, after.
pub(super) fn change_from_row(row: &Row<'_>) -> Result<ChangeRow> {
    let change: ChangeKind = row.get::<_, String>(1)?.parse().map_err(StoreError::Corrupt)?;
    let after: Option<String> = row.get(10)?;
    let (after, added) = match change {
        ChangeKind::AliasesAdded | ChangeKind::IdentifiersAdded => (None, added_values(after)?),
        _ => (after, Vec::new()),
    };
    Ok(ChangeRow {
        iid: row.get(0)?,
        change,
        entity_id: row.get(2)?,
        entity_name: row.get(3)?,
        list: row.get(4)?,
        program: row.get(5)?,
        relation_kind: row.get(6)?,
        other_id: row.get(7)?,
        other_name: row.get(8)?,
        before: row.get(9)?,
        after,
        added,
    })
}

/// The aliases or identifiers a change added, kept as a JSON array.
pub(super) fn added_values(after: Option<String>) -> Result<Vec<String>> {
    serde_json::from_str(&after.unwrap_or_default())
        .map_err(|e| StoreError::Corrupt(format!("release change values: {e}")))
}

/// The changes of release ?1 with what they concern, as the table `c`.
const CHANGES_OF_RELEASE: &str = "WITH c AS (
    SELECT c.iid, c.change, e.id AS entity_id, e.name AS entity_name,
           coalesce(l.list, (SELECT min(m.list) FROM listings m
                             WHERE m.entity_eid = c.entity_eid AND m.dataset = i.dataset)) AS list,
           l.program, r.kind, o.id AS other_id, o.name AS other_name, c.before, c.after
    FROM release_changes c
    JOIN imports i ON i.iid = c.iid
    JOIN entities e ON e.eid = c.entity_eid
    LEFT JOIN listings l ON l.lid = c.lid
    LEFT JOIN relations r ON r.rid = c.rid
    LEFT JOIN entities o ON o.eid = r.target_eid
    WHERE c.iid = ?1)";

/// The day a release stands for: its `as_of`, else (a partial import) the day it was imported.
pub(super) const RELEASE_DAY: &str = "coalesce(i.as_of, substr(i.imported_at, 1, 10))";

impl Store {
    /// The releases (imports) whose day falls in the query's range, of its dataset if it
    /// names one, newest first.
    pub fn releases_between(&self, query: &ChangeQuery) -> Result<Vec<ImportLogEntry>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {LOG_COLUMNS} FROM imports i
             WHERE {RELEASE_DAY} BETWEEN ?1 AND ?2 AND (?3 IS NULL OR i.dataset = ?3)
             ORDER BY {RELEASE_DAY} DESC, i.iid DESC"
        ))?;
        let rows = stmt.query_map(
            params![
                query.since.to_string(),
                query.until.to_string(),
                query.dataset.as_deref()
            ],
            log_entry,
        )?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The recorded changes of releases `iids` (of the list `list`, if given), at most
    /// `limit` of them, in release, list, kind and entity-name order; and how many there are
    /// in all.
    pub fn release_changes(
        &self,
        iids: &[i64],
        list: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<ChangeRow>, u64)> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{CHANGES_OF_RELEASE}
             SELECT *, count(*) OVER () FROM c WHERE ?2 IS NULL OR list = ?2
             ORDER BY list IS NULL, list, {}, entity_name, entity_id, program, other_name
             LIMIT {limit}",
            ChangeKind::sql_rank()
        ))?;
        let mut out = Vec::new();
        let mut total = 0u64;
        for &iid in iids {
            let mut rows = stmt.query(params![iid, list])?;
            let mut counted = false;
            while let Some(row) = rows.next()? {
                if !counted {
                    total += row.get::<_, i64>(11)? as u64;
                    counted = true;
                }
                if out.len() >= limit {
                    break;
                }
                out.push(change_from_row(row)?);
            }
        }
        Ok((out, total))
    }

    /// How many changes of each kind releases `iids` recorded (of the list `list`, if given).
    pub fn release_change_counts(
        &self,
        iids: &[i64],
        list: Option<&str>,
    ) -> Result<BTreeMap<i64, BTreeMap<ChangeKind, u64>>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "{CHANGES_OF_RELEASE} SELECT change, count(*) FROM c WHERE ?2 IS NULL OR list = ?2 GROUP BY change"
        ))?;
        let mut out = BTreeMap::new();
        for &iid in iids {
            let mut counts = BTreeMap::new();
            let mut rows = stmt.query(params![iid, list])?;
            while let Some(row) = rows.next()? {
                let change: ChangeKind = row.get::<_, String>(0)?.parse().map_err(StoreError::Corrupt)?;
                counts.insert(change, row.get::<_, i64>(1)? as u64);
            }
            out.insert(iid, counts);
        }
        Ok(out)
    }
}
