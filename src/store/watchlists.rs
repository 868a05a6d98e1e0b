//! Watchlists, their rows' last status, alerts and webhook deliveries: the SQL behind
//! [`crate::watchlist`]. Statuses and alert states are plain text and JSON the domain writes.

use super::{Result, Screening, ScreeningData, Store, StoreError};
use rusqlite::{params, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use std::collections::BTreeSet;

/// A watchlist as stored. The webhook secret is never serialised: it is shown once.
#[derive(Debug, Clone, Serialize)]
pub struct WatchlistRow {
    pub wid: i64,
    pub name: String,
    pub owner: String,
    pub regime: String,
    pub threshold: f64,
    pub file: String,
    pub header: Vec<String>,
    pub created_at: String,
    pub webhook_url: Option<String>,
    #[serde(skip)]
    pub webhook_secret: Option<String>,
    pub evaluated_version: Option<i64>,
    pub evaluated_iid: Option<i64>,
    /// Every run is kept as a screening record.
    pub keep_records: bool,
    pub rows: u64,
    pub alerts: u64,
}

/// A row of a counterparty file as kept.
#[derive(Debug, Clone)]
pub struct StoredRow {
    pub row: i64,
    pub line: i64,
    pub cells: Vec<String>,
    pub name: String,
    pub country: Option<String>,
    pub identifier: Option<String>,
    pub schema: Option<String>,
    pub birth_date: Option<String>,
}

/// A row's best match and status at an evaluation (`status` `none`: no match).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct RowState {
    pub match_id: Option<String>,
    pub match_name: Option<String>,
    pub score: Option<f64>,
    pub status: String,
    /// JSON: the ownership chain from the match to the listed party, when it has one.
    #[serde(skip)]
    pub evidence: Option<String>,
}

/// A new alert for [`Store::record_evaluation`].
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub row: i64,
    pub kind: &'static str,
    pub before: Option<String>,
    pub after: Option<String>,
    pub evidence: Option<String>,
}

/// An alert as stored, with its row's name and line and its release.
#[derive(Debug, Clone, Serialize)]
pub struct AlertRow {
    pub aid: i64,
    pub row: i64,
    pub line: i64,
    pub name: String,
    pub kind: String,
    #[serde(skip)]
    pub before: Option<String>,
    #[serde(skip)]
    pub after: Option<String>,
    #[serde(skip)]
    pub evidence: Option<String>,
    pub iid: Option<i64>,
    pub release_dataset: Option<String>,
    pub release_day: Option<String>,
    pub data_version: i64,
    pub created_at: String,
}

/// A webhook delivery that is due.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub did: i64,
    pub url: String,
    pub secret: String,
    pub body: String,
    pub attempts: i64,
}

/// One evaluation of a watchlist, as [`Store::record_evaluation`] writes it.
#[derive(Clone, Copy)]
pub struct Evaluation<'a> {
    pub wid: i64,
    /// The data version it was last evaluated at (`None`: never), and the one evaluated now
    /// with its newest release.
    pub from: Option<i64>,
    pub version: i64,
    pub iid: i64,
    /// Rows whose state changed, with their new state.
    pub changed: &'a [(i64, RowState)],
    pub alerts: &'a [NewAlert],
    /// Unix seconds: when webhook deliveries fall due.
    pub now: i64,
    /// The run as a screening record (what it says, its input, its releases and results).
    pub record: Option<(&'a Screening, &'a [u8], &'a ScreeningData)>,
}

/// What [`Store::record_evaluation`] wrote.
#[derive(Debug, Clone, Copy)]
pub struct Recorded {
    /// The run's screening record.
    pub screening: Option<i64>,
}

const WATCHLIST_COLUMNS: &str =
    "w.wid, w.name, w.owner, w.regime, w.threshold, w.file, w.header, w.created_at,
     w.webhook_url, w.webhook_secret, w.evaluated_version, w.evaluated_iid, w.keep_records,
     (SELECT count(*) FROM watchlist_rows r WHERE r.wid = w.wid),
     (SELECT count(*) FROM alerts a WHERE a.wid = w.wid)";

fn watchlist_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<WatchlistRow> {
    let header: String = row.get(6)?;
    Ok(WatchlistRow {
        wid: row.get(0)?,
        name: row.get(1)?,
        owner: row.get(2)?,
        regime: row.get(3)?,
        threshold: row.get(4)?,
        file: row.get(5)?,
        header: serde_json::from_str(&header).unwrap_or_default(),
        created_at: row.get(7)?,
        webhook_url: row.get(8)?,
        webhook_secret: row.get(9)?,
        evaluated_version: row.get(10)?,
        evaluated_iid: row.get(11)?,
        keep_records: row.get(12)?,
        rows: row.get(13)?,
        alerts: row.get(14)?,
    })
}

const ALERT_COLUMNS: &str = "a.aid, a.row, r.line, r.name, a.kind, a.before, a.after, a.evidence, a.iid,
     i.dataset, coalesce(i.as_of, substr(i.imported_at, 1, 10)), a.data_version, a.created_at";

fn alert_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        aid: row.get(0)?,
        row: row.get(1)?,
        line: row.get(2)?,
        name: row.get(3)?,
        kind: row.get(4)?,
        before: row.get(5)?,
        after: row.get(6)?,
        evidence: row.get(7)?,
        iid: row.get(8)?,
        release_dataset: row.get(9)?,
        release_day: row.get(10)?,
        data_version: row.get(11)?,
        created_at: row.get(12)?,
    })
}

/// A new watchlist for [`Store::add_watchlist`].
pub struct NewWatchlistRow<'a> {
    pub name: &'a str,
    pub owner: &'a str,
    pub regime: &'a str,
    pub threshold: f64,
    pub file: &'a str,
    pub header: &'a [String],
    pub webhook_url: Option<&'a str>,
    pub webhook_secret: Option<&'a str>,
    pub keep_records: bool,
    pub rows: &'a [StoredRow],
}

impl Store {
    /// Saves a watchlist and its rows in one transaction; a name already taken is a conflict.
    pub fn add_watchlist(&mut self, new: &NewWatchlistRow<'_>) -> Result<i64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM watchlists WHERE name = ?1)",
            [new.name],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::Conflict(format!(
                "a watchlist named {:?} exists already",
                new.name
            )));
        }
        tx.execute(
            "INSERT INTO watchlists (name, owner, regime, threshold, file, header, created_at, webhook_url, webhook_secret,
                                     keep_records)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?7, ?8, ?9)",
            params![
                new.name,
                new.owner,
                new.regime,
                new.threshold,
                new.file,
                serde_json::to_string(new.header).expect("strings serialise"),
                new.webhook_url,
                new.webhook_secret,
                new.keep_records
            ],
        )?;
        let wid = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare(
                "INSERT INTO watchlist_rows (wid, row, line, cells, name, country, identifier, schema, birth_date)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for r in new.rows {
                insert.execute(params![
                    wid,
                    r.row,
                    r.line,
                    serde_json::to_string(&r.cells).expect("strings serialise"),
                    r.name,
                    r.country,
                    r.identifier,
                    r.schema,
                    r.birth_date
                ])?;
            }
        }
        tx.commit()?;
        Ok(wid)
    }

    /// Every watchlist, by name.
    pub fn watchlists(&self) -> Result<Vec<WatchlistRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {WATCHLIST_COLUMNS} FROM watchlists w ORDER BY w.name"
        ))?;
        let rows = stmt.query_map([], watchlist_from)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn watchlist(&self, name: &str) -> Result<Option<WatchlistRow>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {WATCHLIST_COLUMNS} FROM watchlists w WHERE w.name = ?1"),
                [name],
                watchlist_from,
            )
            .optional()?)
    }

    /// Removes a watchlist with its rows, statuses, alerts and queued deliveries.
    pub fn remove_watchlist(&mut self, name: &str) -> Result<()> {
        let removed = self
            .conn
            .execute("DELETE FROM watchlists WHERE name = ?1", [name])?;
        if removed == 0 {
            return Err(StoreError::NotFound(format!("no watchlist named {name:?}")));
        }
        Ok(())
    }

    pub fn watchlist_rows(&self, wid: i64) -> Result<Vec<StoredRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT row, line, cells, name, country, identifier, schema, birth_date
             FROM watchlist_rows WHERE wid = ?1 ORDER BY row",
        )?;
        let rows = stmt.query_map([wid], |r| {
            let cells: String = r.get(2)?;
            Ok(StoredRow {
                row: r.get(0)?,
                line: r.get(1)?,
                cells: serde_json::from_str(&cells).unwrap_or_default(),
                name: r.get(3)?,
                country: r.get(4)?,
                identifier: r.get(5)?,
                schema: r.get(6)?,
                birth_date: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Each row's state at the last evaluation, by row (empty before the first).
    pub fn watchlist_states(&self, wid: i64) -> Result<Vec<(i64, RowState)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT row, match_id, match_name, score, status, evidence FROM watchlist_status
             WHERE wid = ?1 ORDER BY row",
        )?;
        let rows = stmt.query_map([wid], |r| {
            Ok((
                r.get(0)?,
                RowState {
                    match_id: r.get(1)?,
                    match_name: r.get(2)?,
                    score: r.get(3)?,
                    status: r.get(4)?,
                    evidence: r.get(5)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Alerts of a watchlist, newest first, `limit` from `offset`; and how many there are.
    pub fn alerts(&self, wid: i64, offset: u64, limit: u64) -> Result<(Vec<AlertRow>, u64)> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts a
             JOIN watchlist_rows r ON r.wid = a.wid AND r.row = a.row
             LEFT JOIN imports i ON i.iid = a.iid
             WHERE a.wid = ?1 ORDER BY a.aid DESC LIMIT ?2 OFFSET ?3"
        ))?;
        let rows = stmt
            .query_map(params![wid, limit as i64, offset as i64], alert_from)?
            .collect::<Result<_, _>>()?;
        let total: u64 = self
            .conn
            .query_row("SELECT count(*) FROM alerts WHERE wid = ?1", [wid], |r| r.get(0))?;
        Ok((rows, total))
    }

    /// The newest release's id (0 before any import).
    pub fn latest_release(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(iid), 0) FROM imports", [], |r| r.get(0))?)
    }

    /// The kinds of change the releases after `after` up to `upto` recorded; `None` when one
    /// of them is not itemised (a dataset's baseline, or recording turned off), so that what
    /// it changed is not known.
    pub fn change_kinds_between(&self, after: i64, upto: i64) -> Result<Option<BTreeSet<String>>> {
        let unknown: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM imports WHERE iid > ?1 AND iid <= ?2 AND (tracked = 0 OR baseline = 1))",
            params![after, upto],
            |r| r.get(0),
        )?;
        if unknown {
            return Ok(None);
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT DISTINCT change FROM release_changes WHERE iid > ?1 AND iid <= ?2")?;
        let kinds = stmt
            .query_map(params![after, upto], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(Some(kinds))
    }

    /// The ids of the entities whose listings the releases after `after` up to `upto` added.
    pub fn listed_between(&self, after: i64, upto: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT e.id FROM release_changes c JOIN entities e ON e.eid = c.entity_eid
             WHERE c.iid > ?1 AND c.iid <= ?2 AND c.change = 'listing_added' ORDER BY e.id",
        )?;
        let ids = stmt
            .query_map(params![after, upto], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Records one evaluation of a watchlist in one transaction: the rows' new states
    /// (`changed` only), the alerts, a webhook delivery per alert (its body from `body` given
    /// the alert's id) when the watchlist has a webhook, the run's screening record when it
    /// keeps them, and the version evaluated. Only if the watchlist was last evaluated at
    /// `from` (another process may have got there first): `None` when it was not recorded.
    pub fn record_evaluation(
        &mut self,
        e: &Evaluation<'_>,
        body: impl Fn(i64, &NewAlert) -> String,
    ) -> Result<Option<Recorded>> {
        let Evaluation {
            wid,
            from,
            version,
            iid,
            changed,
            alerts,
            now,
            record,
        } = *e;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let claimed = tx.execute(
            "UPDATE watchlists SET evaluated_version = ?2, evaluated_iid = ?3
             WHERE wid = ?1 AND evaluated_version IS ?4",
            params![wid, version, iid, from],
        )?;
        if claimed == 0 {
            return Ok(None);
        }
        let hooked: bool = tx.query_row(
            "SELECT webhook_url IS NOT NULL FROM watchlists WHERE wid = ?1",
            [wid],
            |r| r.get(0),
        )?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO watchlist_status (wid, row, match_id, match_name, score, status, evidence)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (wid, row) DO UPDATE SET match_id = excluded.match_id,
                    match_name = excluded.match_name, score = excluded.score,
                    status = excluded.status, evidence = excluded.evidence",
            )?;
            for (row, s) in changed {
                upsert.execute(params![
                    wid,
                    row,
                    s.match_id,
                    s.match_name,
                    s.score,
                    s.status,
                    s.evidence
                ])?;
            }
            let mut alert = tx.prepare_cached(
                "INSERT INTO alerts (wid, row, kind, before, after, evidence, iid, data_version, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, nullif(?7, 0), ?8, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            )?;
            let mut deliver = tx.prepare_cached(
                "INSERT INTO webhook_deliveries (wid, aid, body, next_attempt_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for a in alerts {
                alert.execute(params![
                    wid, a.row, a.kind, a.before, a.after, a.evidence, iid, version
                ])?;
                let aid = tx.last_insert_rowid();
                if hooked {
                    deliver.execute(params![wid, aid, body(aid, a), now])?;
                }
            }
        }
        let screening = record
            .map(|(new, input, data)| super::screenings::insert(&tx, new, input, data, Some(wid)))
            .transpose()?;
        tx.commit()?;
        Ok(Some(Recorded { screening }))
    }

    /// Webhook deliveries due at `now` (Unix seconds), oldest first, at most `limit`.
    pub fn due_deliveries(&self, now: i64, limit: usize) -> Result<Vec<DueDelivery>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.did, w.webhook_url, w.webhook_secret, d.body, d.attempts
             FROM webhook_deliveries d JOIN watchlists w ON w.wid = d.wid
             WHERE d.delivered_at IS NULL AND d.given_up = 0 AND d.next_attempt_at <= ?1
               AND w.webhook_url IS NOT NULL AND w.webhook_secret IS NOT NULL
             ORDER BY d.next_attempt_at, d.did LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now, limit as i64], |r| {
            Ok(DueDelivery {
                did: r.get(0)?,
                url: r.get(1)?,
                secret: r.get(2)?,
                body: r.get(3)?,
                attempts: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records how a delivery attempt went: delivered (`error` `None`), or tried again at
    /// `retry_at`, or given up (`retry_at` `None`).
    pub fn delivery_attempted(&mut self, did: i64, error: Option<&str>, retry_at: Option<i64>) -> Result<()> {
        self.conn.execute(
            "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?2,
                 delivered_at = CASE WHEN ?2 IS NULL THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') END,
                 next_attempt_at = coalesce(?3, next_attempt_at),
                 given_up = (?2 IS NOT NULL AND ?3 IS NULL)
             WHERE did = ?1",
            params![did, error, retry_at],
        )?;
        Ok(())
    }

    /// Deliveries of a watchlist: (delivered, waiting, given up).
    pub fn delivery_counts(&self, wid: i64) -> Result<(u64, u64, u64)> {
        Ok(self.conn.query_row(
            "SELECT count(delivered_at), count(*) FILTER (WHERE delivered_at IS NULL AND given_up = 0),
                    count(*) FILTER (WHERE given_up = 1)
             FROM webhook_deliveries WHERE wid = ?1",
            [wid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }
}
