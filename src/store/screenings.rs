//! The store's side of screening records (`crate::screenings`): one row per record, the input
//! file kept whole beside its results (table `screenings`, migration 012).

use super::{Result, Store};
use rusqlite::{params, OptionalExtension, Row};

/// A record to write; the releases and results are JSON made by `screenings`.
#[derive(Debug, Clone)]
pub struct NewScreening {
    pub created_by: String,
    pub source: String,
    pub file_name: String,
    pub input_sha256: String,
    pub input: Vec<u8>,
    pub input_rows: u64,
    pub regime: String,
    pub as_of: String,
    pub threshold: f64,
    pub all_matches: bool,
    pub data_version: i64,
    pub releases: String,
    pub results: String,
    pub matched: u64,
    pub screened: u64,
}

/// A record as stored, without its input.
#[derive(Debug, Clone)]
pub struct ScreeningRow {
    pub sid: i64,
    pub created_at: String,
    pub created_by: String,
    pub source: String,
    pub file_name: String,
    pub input_sha256: String,
    pub input_rows: u64,
    pub regime: String,
    pub as_of: String,
    pub threshold: f64,
    pub all_matches: bool,
    pub data_version: i64,
    pub releases: String,
    pub results: String,
    pub matched: u64,
    pub screened: u64,
}

const COLUMNS: &str = "sid, created_at, created_by, source, file_name, input_sha256, input_rows, regime, \
                       as_of, threshold, all_matches, data_version, releases, results, matched, screened";

fn screening_row(r: &Row<'_>) -> rusqlite::Result<ScreeningRow> {
    Ok(ScreeningRow {
        sid: r.get(0)?,
        created_at: r.get(1)?,
        created_by: r.get(2)?,
        source: r.get(3)?,
        file_name: r.get(4)?,
        input_sha256: r.get(5)?,
        input_rows: r.get::<_, i64>(6)? as u64,
        regime: r.get(7)?,
        as_of: r.get(8)?,
        threshold: r.get(9)?,
        all_matches: r.get(10)?,
        data_version: r.get(11)?,
        releases: r.get(12)?,
        results: r.get(13)?,
        matched: r.get::<_, i64>(14)? as u64,
        screened: r.get::<_, i64>(15)? as u64,
    })
}

impl Store {
    /// Writes a record; its id.
    pub fn insert_screening(&mut self, new: &NewScreening) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO screenings (created_at, created_by, source, file_name, input_sha256, input, input_rows,
                                     regime, as_of, threshold, all_matches, data_version, releases, results,
                                     matched, screened)
             VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                     ?14, ?15)",
            params![
                new.created_by,
                new.source,
                new.file_name,
                new.input_sha256,
                new.input,
                new.input_rows as i64,
                new.regime,
                new.as_of,
                new.threshold,
                new.all_matches,
                new.data_version,
                new.releases,
                new.results,
                new.matched as i64,
                new.screened as i64,
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Record `sid` with its input, or `None`.
    pub fn screening(&self, sid: i64) -> Result<Option<(ScreeningRow, Vec<u8>)>> {
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {COLUMNS}, input FROM screenings WHERE sid = ?1"))?
            .query_row([sid], |r| Ok((screening_row(r)?, r.get(16)?)))
            .optional()?)
    }

    /// At most `limit` records from `offset`, newest first, and how many there are.
    pub fn screenings(&self, limit: usize, offset: usize) -> Result<(Vec<ScreeningRow>, u64)> {
        let total: i64 = self
            .conn
            .query_row("SELECT count(*) FROM screenings", [], |r| r.get(0))?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM screenings ORDER BY sid DESC LIMIT ?1 OFFSET ?2"
        ))?;
        let rows = stmt.query_map(params![limit as i64, offset as i64], screening_row)?;
        Ok((rows.collect::<Result<_, _>>()?, total as u64))
    }
}
