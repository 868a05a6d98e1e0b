//! Investigations (saved canvases): the SQL behind [`crate::investigation`]. The canvas and
//! the facts saved with it are JSON text the domain writes and reads.

use super::{Result, Store, StoreError};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

/// An investigation as stored, with its owner's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvestigationRow {
    pub iid: i64,
    pub name: String,
    #[serde(skip)]
    pub owner_uid: i64,
    pub owner: String,
    #[serde(skip)]
    pub canvas: String,
    #[serde(skip)]
    pub facts: String,
    /// The data version when it was last saved.
    pub data_version: i64,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str =
    "i.iid, i.name, i.owner_uid, u.name, i.canvas, i.facts, i.data_version, i.created_at, i.updated_at";

fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<InvestigationRow> {
    Ok(InvestigationRow {
        iid: row.get(0)?,
        name: row.get(1)?,
        owner_uid: row.get(2)?,
        owner: row.get(3)?,
        canvas: row.get(4)?,
        facts: row.get(5)?,
        data_version: row.get(6)?,
        created_at: row.get(7)?,
        updated_at: row.get(8)?,
    })
}

impl Store {
    /// Saves a new investigation; returns its id.
    pub fn add_investigation(
        &mut self,
        owner: &str,
        name: &str,
        canvas: &str,
        facts: &str,
        data_version: i64,
    ) -> Result<i64> {
        let added = self.conn.execute(
            "INSERT INTO investigations (name, owner_uid, canvas, facts, data_version, created_at, updated_at)
             SELECT ?1, uid, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             FROM users WHERE name = ?2",
            params![name, owner, canvas, facts, data_version],
        )?;
        if added == 0 {
            return Err(StoreError::NotFound(format!("no account {owner:?}")));
        }
        Ok(self.conn.last_insert_rowid())
    }

    /// Replaces an investigation's name and canvas; only its owner may.
    pub fn update_investigation(
        &mut self,
        iid: i64,
        owner: &str,
        name: &str,
        canvas: &str,
        facts: &str,
        data_version: i64,
    ) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE investigations SET name = ?3, canvas = ?4, facts = ?5, data_version = ?6,
                    updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
             WHERE iid = ?1 AND owner_uid = (SELECT uid FROM users WHERE name = ?2)",
            params![iid, owner, name, canvas, facts, data_version],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!(
                "no investigation {iid} of yours to change"
            )));
        }
        Ok(())
    }

    pub fn investigation(&self, iid: i64) -> Result<Option<InvestigationRow>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM investigations i JOIN users u ON u.uid = i.owner_uid WHERE i.iid = ?1"
            ))?
            .query_row(params![iid], from_row)
            .optional()?)
    }

    /// The latest investigations, newest first, at most `limit`.
    pub fn investigations(&self, limit: usize) -> Result<Vec<InvestigationRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM investigations i JOIN users u ON u.uid = i.owner_uid
             ORDER BY i.updated_at DESC, i.iid DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map(params![limit as i64], from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
