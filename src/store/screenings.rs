//! The store's side of screening records (`crate::screenings`): one row per record, the input
//! file kept whole beside its results (table `screenings`, migration 012).

use super::{parse_column, Result, Store};
use crate::exposure::RegimeId;
use crate::model::Date;
use rusqlite::{params, Row};
use serde::Serialize;

/// What a record says of its screen, as written.
#[derive(Debug, Clone, Serialize)]
pub struct Screening {
    /// A user's name, or `cli`.
    pub created_by: String,
    /// Where it ran: cli, web, watchlist.
    pub source: String,
    pub file_name: String,
    pub input_sha256: String,
    /// Data rows in the input, read or not.
    pub input_rows: u64,
    pub regime: RegimeId,
    pub as_of: Date,
    pub threshold: f64,
    pub all_matches: bool,
    pub data_version: i64,
    pub screened: u64,
    pub matched: u64,
}

/// A record as read back, without its input, releases and results.
#[derive(Debug, Clone, Serialize)]
pub struct ScreeningMeta {
    pub id: i64,
    pub created_at: String,
    #[serde(flatten)]
    pub screening: Screening,
}

/// A record's releases and results, as JSON made by `screenings`.
#[derive(Debug, Clone)]
pub struct ScreeningData {
    pub releases: String,
    pub results: String,
}

const COLUMNS: &str = "sid, created_at, created_by, source, file_name, input_sha256, input_rows, regime, \
                       as_of, threshold, all_matches, data_version, screened, matched";

fn meta_from_row(r: &Row<'_>) -> Result<ScreeningMeta> {
    Ok(ScreeningMeta {
        id: r.get(0)?,
        created_at: r.get(1)?,
        screening: Screening {
            created_by: r.get(2)?,
            source: r.get(3)?,
            file_name: r.get(4)?,
            input_sha256: r.get(5)?,
            input_rows: r.get::<_, i64>(6)? as u64,
            regime: parse_column(r, 7, "regime")?,
            as_of: parse_column(r, 8, "as_of")?,
            threshold: r.get(9)?,
            all_matches: r.get(10)?,
            data_version: r.get(11)?,
            screened: r.get::<_, i64>(12)? as u64,
            matched: r.get::<_, i64>(13)? as u64,
        },
    })
}

/// Writes a record of `input` on `conn` (the store's connection, or a transaction that
/// writes more with it); its id. `wid`: the watchlist whose run it is.
pub(super) fn insert(
    conn: &rusqlite::Connection,
    new: &Screening,
    input: &[u8],
    data: &ScreeningData,
    wid: Option<i64>,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO screenings (created_at, created_by, source, file_name, input_sha256, input, input_rows,
                                 regime, as_of, threshold, all_matches, data_version, releases, results,
                                 matched, screened, wid)
         VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                 ?14, ?15, ?16)",
        params![
            new.created_by,
            new.source,
            new.file_name,
            new.input_sha256,
            input,
            new.input_rows as i64,
            new.regime.as_str(),
            new.as_of.to_string(),
            new.threshold,
            new.all_matches,
            new.data_version,
            data.releases,
            data.results,
            new.matched as i64,
            new.screened as i64,
            wid,
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every row of a query of [`COLUMNS`], read as what a record says of its screen.
fn metas(mut rows: rusqlite::Rows<'_>) -> Result<Vec<ScreeningMeta>> {
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(meta_from_row(r)?);
    }
    Ok(out)
}

impl Store {
    /// Writes a record of `input`; its id.
    pub fn insert_screening(&mut self, new: &Screening, input: &[u8], data: &ScreeningData) -> Result<i64> {
        insert(&self.conn, new, input, data, None)
    }

    /// Record `sid` with its releases and results and its input, or `None`.
    pub fn screening(&self, sid: i64) -> Result<Option<(ScreeningMeta, ScreeningData, Vec<u8>)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS}, releases, results, input FROM screenings WHERE sid = ?1"
        ))?;
        let mut rows = stmt.query([sid])?;
        let Some(r) = rows.next()? else {
            return Ok(None);
        };
        let data = ScreeningData {
            releases: r.get(14)?,
            results: r.get(15)?,
        };
        Ok(Some((meta_from_row(r)?, data, r.get(16)?)))
    }

    /// At most `limit` records from `offset`, newest first, and how many there are.
    pub fn screenings(&self, limit: usize, offset: usize) -> Result<(Vec<ScreeningMeta>, u64)> {
        let total: i64 = self
            .conn
            .query_row("SELECT count(*) FROM screenings", [], |r| r.get(0))?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM screenings ORDER BY sid DESC LIMIT ?1 OFFSET ?2"
        ))?;
        let out = metas(stmt.query(params![limit as i64, offset as i64])?)?;
        Ok((out, total as u64))
    }

    /// The records of watchlist `wid`'s runs, newest first: at most `limit`, and how many.
    pub fn watchlist_screenings(&self, wid: i64, limit: usize) -> Result<(Vec<ScreeningMeta>, u64)> {
        let total: i64 =
            self.conn
                .query_row("SELECT count(*) FROM screenings WHERE wid = ?1", [wid], |r| {
                    r.get(0)
                })?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM screenings WHERE wid = ?1 ORDER BY sid DESC LIMIT ?2"
        ))?;
        let out = metas(stmt.query(params![wid, limit as i64])?)?;
        Ok((out, total as u64))
    }
}
