//! Judgements and cross-referencing candidates: the SQL behind [`crate::resolve`].
//!
//! A judgement is kept with who and when, and recorded in `changes` in the same transaction,
//! so it shows in both entities' history and an admin can revert it like any curated change.

use super::curation::NewChange;
use super::{entity_from_row, Result, Store, StoreError, ENTITY_COLUMNS};
use crate::model::Entity;
use crate::resolve::{Decision, Judged, Judgement, Reason};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One judgement as stored: the current one of its pair unless reverted or superseded.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JudgementRow {
    pub left_id: String,
    pub right_id: String,
    pub judgement: Judgement,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub author: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub at: String,
    /// Made by cross-referencing on decisive evidence.
    #[serde(default)]
    pub automatic: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverted_by: Option<String>,
}

/// A candidate pair of the last cross-referencing, with its pair's current judgement.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRow {
    pub left_id: String,
    pub right_id: String,
    pub left_dataset: String,
    pub right_dataset: String,
    pub left_name: String,
    pub right_name: String,
    pub score: f64,
    pub decision: Decision,
    pub reasons: Vec<Reason>,
    pub judgement: Option<Judgement>,
}

/// Which candidates to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct CandidateFilter<'a> {
    /// Pairs with a record of this dataset on either side…
    pub dataset: Option<&'a str>,
    /// …and one of this one on the other.
    pub against: Option<&'a str>,
    pub min_score: f64,
    /// Only pairs nobody has judged yet.
    pub unjudged: bool,
    pub limit: u32,
    pub offset: u32,
}

const JUDGEMENT_COLUMNS: &str =
    "left_id, right_id, judgement, note, author, at, automatic, reverted_at, reverted_by";

fn judgement_from_row(row: &rusqlite::Row<'_>) -> Result<JudgementRow> {
    let judgement: String = row.get(2)?;
    Ok(JudgementRow {
        left_id: row.get(0)?,
        right_id: row.get(1)?,
        judgement: judgement.parse().map_err(StoreError::Corrupt)?,
        note: row.get(3)?,
        author: row.get(4)?,
        at: row.get(5)?,
        automatic: row.get(6)?,
        reverted_at: row.get(7)?,
        reverted_by: row.get(8)?,
    })
}

/// Candidates with both records' names and their pair's current judgement (`cur`).
const CANDIDATES_FROM: &str = "xref_candidates c
     JOIN entities le ON le.id = c.left_id JOIN entities re ON re.id = c.right_id
     LEFT JOIN judgements cur ON cur.left_id = min(c.left_id, c.right_id)
        AND cur.right_id = max(c.left_id, c.right_id)
        AND cur.jid = (SELECT max(k.jid) FROM judgements k
                       WHERE k.left_id = cur.left_id AND k.right_id = cur.right_id
                         AND k.reverted_at IS NULL)";

/// The current judgement of each pair: its newest that was not reverted.
const CURRENT: &str = "SELECT j.jid FROM judgements j WHERE j.reverted_at IS NULL AND j.jid = (
        SELECT max(k.jid) FROM judgements k
        WHERE k.left_id = j.left_id AND k.right_id = j.right_id AND k.reverted_at IS NULL)";

impl Store {
    /// Calls `f` with every entity in full (of one dataset, or all), in eid order.
    pub fn scan_records(&self, dataset: Option<&str>, mut f: impl FnMut(Entity)) -> Result<()> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ENTITY_COLUMNS} FROM entities WHERE ?1 IS NULL OR dataset = ?1 ORDER BY eid"
        ))?;
        let mut rows = stmt.query([dataset])?;
        while let Some(row) = rows.next()? {
            f(entity_from_row(row, 0)?);
        }
        Ok(())
    }

    /// The current judgement of every judged pair, oldest first.
    ///
    /// One pass over the table, the newest judgement of each pair not reverted kept in memory:
    /// the snapshot load reads this, and a correlated subquery per row cost it milliseconds.
    pub fn current_judgements(&self) -> Result<Vec<Judged>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT left_id, right_id, judgement, author, at FROM judgements
             WHERE reverted_at IS NULL ORDER BY jid",
        )?;
        let mut rows = stmt.query([])?;
        let mut out: Vec<Option<Judged>> = Vec::new();
        let mut at_pair: HashMap<(String, String), usize> = HashMap::new();
        while let Some(row) = rows.next()? {
            let judgement: String = row.get(2)?;
            let judged = Judged {
                left: row.get(0)?,
                right: row.get(1)?,
                judgement: judgement.parse().map_err(StoreError::Corrupt)?,
                author: row.get(3)?,
                at: row.get(4)?,
            };
            match at_pair.entry((judged.left.clone(), judged.right.clone())) {
                // A later judgement of the pair replaces the earlier one, and takes its place
                // in the order: the current ones stay ordered by when they were made.
                std::collections::hash_map::Entry::Occupied(slot) => {
                    out[*slot.get()] = None;
                    *slot.into_mut() = out.len();
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(out.len());
                }
            }
            out.push(Some(judged));
        }
        Ok(out.into_iter().flatten().collect())
    }

    /// Every judgement touching one of `ids`, current or not, newest first.
    pub fn judgements_of(&self, ids: &[&str]) -> Result<Vec<(i64, JudgementRow, bool)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {JUDGEMENT_COLUMNS}, jid, jid IN ({CURRENT}) FROM judgements
             WHERE left_id = ?1 OR right_id = ?1 ORDER BY jid DESC"
        ))?;
        let mut out: Vec<(i64, JudgementRow, bool)> = Vec::new();
        for id in ids {
            let mut rows = stmt.query([id])?;
            while let Some(row) = rows.next()? {
                let jid: i64 = row.get(9)?;
                if !out.iter().any(|(j, _, _)| *j == jid) {
                    out.push((jid, judgement_from_row(row)?, row.get(10)?));
                }
            }
        }
        out.sort_by_key(|b| std::cmp::Reverse(b.0));
        Ok(out)
    }

    /// Every judgement ever made, oldest first, reverted ones included: what
    /// `resolve export` writes.
    pub fn all_judgements(&self) -> Result<Vec<JudgementRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {JUDGEMENT_COLUMNS} FROM judgements ORDER BY jid"
        ))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(judgement_from_row(row)?);
        }
        Ok(out)
    }

    /// Records a judgement (ids ordered, both existing) and its `changes` row in one
    /// transaction. `at` is now unless given (an imported judgement keeps its time).
    pub fn add_judgement(&mut self, j: &JudgementRow, meta: NewChange<'_>) -> Result<i64> {
        let tx = self.conn.transaction()?;
        let jid = insert_judgement(&tx, j, meta)?;
        tx.commit()?;
        Ok(jid)
    }

    /// Records many judgements in one transaction (automatic merges, an import of judgements).
    pub fn add_judgements(&mut self, rows: &[JudgementRow], reason: &str) -> Result<usize> {
        let tx = self.conn.transaction()?;
        for j in rows {
            insert_judgement(
                &tx,
                j,
                NewChange {
                    author: &j.author,
                    reason,
                },
            )?;
        }
        tx.commit()?;
        Ok(rows.len())
    }

    /// Replaces the candidates touching `datasets` (all when empty) with `rows`.
    pub fn save_candidates(&mut self, datasets: &[&str], rows: &[CandidateRow]) -> Result<()> {
        let tx = self.conn.transaction()?;
        if datasets.is_empty() {
            tx.execute("DELETE FROM xref_candidates", [])?;
        } else {
            let mut delete =
                tx.prepare("DELETE FROM xref_candidates WHERE left_dataset = ?1 OR right_dataset = ?1")?;
            for d in datasets {
                delete.execute([d])?;
            }
        }
        {
            let mut insert = tx.prepare(
                "INSERT OR REPLACE INTO xref_candidates
                 (left_id, right_id, left_dataset, right_dataset, score, decision, reasons)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for c in rows {
                let reasons = serde_json::to_string(&c.reasons).expect("reasons serialise");
                insert.execute(params![
                    c.left_id,
                    c.right_id,
                    c.left_dataset,
                    c.right_dataset,
                    c.score,
                    c.decision.as_str(),
                    reasons
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Candidates best first, with their pair's current judgement, and how many match.
    pub fn candidates(&self, filter: CandidateFilter<'_>) -> Result<(Vec<CandidateRow>, u64)> {
        let conditions = "c.score >= ?1
             AND (?2 IS NULL OR c.left_dataset = ?2 OR c.right_dataset = ?2)
             AND (?3 IS NULL OR c.left_dataset = ?3 OR c.right_dataset = ?3)
             AND (?4 = 0 OR cur.judgement IS NULL)";
        let args = params![filter.min_score, filter.dataset, filter.against, filter.unjudged];
        let total: i64 = self
            .conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM {CANDIDATES_FROM} WHERE {conditions}"
            ))?
            .query_row(args, |r| r.get(0))?;
        let rows = self.candidate_rows(conditions, args, filter.limit, filter.offset)?;
        Ok((rows, total as u64))
    }

    fn candidate_rows(
        &self,
        conditions: &str,
        args: &[&dyn rusqlite::ToSql],
        limit: u32,
        offset: u32,
    ) -> Result<Vec<CandidateRow>> {
        // A literal LIMIT: a bound one makes SQLite re-prepare the statement at every run.
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT c.left_id, c.right_id, c.left_dataset, c.right_dataset, c.score, c.decision,
                    c.reasons, cur.judgement, le.name, re.name
             FROM {CANDIDATES_FROM} WHERE {conditions}
             ORDER BY c.score DESC, c.left_id, c.right_id LIMIT {limit} OFFSET {offset}"
        ))?;
        let mut rows = stmt.query(args)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let decision: String = row.get(5)?;
            let reasons: String = row.get(6)?;
            let judgement: Option<String> = row.get(7)?;
            out.push(CandidateRow {
                left_id: row.get(0)?,
                right_id: row.get(1)?,
                left_dataset: row.get(2)?,
                right_dataset: row.get(3)?,
                left_name: row.get(8)?,
                right_name: row.get(9)?,
                score: row.get(4)?,
                decision: decision.parse().map_err(StoreError::Corrupt)?,
                reasons: serde_json::from_str(&reasons)
                    .map_err(|e| StoreError::Corrupt(format!("xref reasons: {e}")))?,
                judgement: judgement
                    .map(|j| j.parse())
                    .transpose()
                    .map_err(StoreError::Corrupt)?,
            });
        }
        Ok(out)
    }

    /// The candidate pairs touching any of `ids` that nobody has judged, best first.
    pub fn candidates_of(&self, ids: &[&str], limit: usize) -> Result<Vec<CandidateRow>> {
        let mut out: Vec<CandidateRow> = Vec::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT left_id, right_id FROM xref_candidates WHERE left_id = ?1 OR right_id = ?1",
        )?;
        let mut pairs: Vec<(String, String)> = Vec::new();
        for id in ids {
            let rows = stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for pair in rows {
                let pair = pair?;
                // A pair inside the cluster is no longer a question.
                let inside = ids.contains(&pair.0.as_str()) && ids.contains(&pair.1.as_str());
                if !inside && !pairs.contains(&pair) {
                    pairs.push(pair);
                }
            }
        }
        for (left, right) in pairs {
            if let Some(c) = self.candidate(&left, &right)? {
                if c.judgement.is_none() {
                    out.push(c);
                }
            }
        }
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.left_id.cmp(&b.left_id))
        });
        out.truncate(limit);
        Ok(out)
    }

    /// The candidate row of one pair, if the last cross-referencing found it.
    pub fn candidate(&self, a: &str, b: &str) -> Result<Option<CandidateRow>> {
        let mut found = self.candidate_rows(
            "(c.left_id = ?1 AND c.right_id = ?2) OR (c.left_id = ?2 AND c.right_id = ?1)",
            params![a, b],
            1,
            0,
        )?;
        Ok(found.pop())
    }

    /// Marks judgement change `row_id` reverted (the SQL half of reverting a `judge` change).
    pub(super) fn revert_judgement_row(
        tx: &rusqlite::Transaction<'_>,
        jid: i64,
        author: &str,
    ) -> Result<bool> {
        Ok(tx.execute(
            "UPDATE judgements SET reverted_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), reverted_by = ?2
             WHERE jid = ?1 AND reverted_at IS NULL",
            params![jid, author],
        )? == 1)
    }

    /// The current judgements as they would be with judgement change `cid` reverted: what a
    /// revert must keep consistent. `None` when `cid` is not a judgement.
    pub fn judgements_without_change(&self, cid: i64) -> Result<Option<Vec<Judged>>> {
        let jid: Option<i64> = self
            .conn
            .query_row(
                "SELECT row_id FROM changes WHERE cid = ?1 AND action = 'judge'",
                [cid],
                |r| r.get(0),
            )
            .optional()?
            .flatten();
        let Some(jid) = jid else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(
            "SELECT j.left_id, j.right_id, j.judgement, j.author, j.at FROM judgements j
             WHERE j.jid != ?1 AND j.reverted_at IS NULL AND j.jid = (
                SELECT max(k.jid) FROM judgements k
                WHERE k.left_id = j.left_id AND k.right_id = j.right_id
                  AND k.reverted_at IS NULL AND k.jid != ?1)
             ORDER BY j.jid",
        )?;
        let mut rows = stmt.query([jid])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let judgement: String = row.get(2)?;
            out.push(Judged {
                left: row.get(0)?,
                right: row.get(1)?,
                judgement: judgement.parse().map_err(StoreError::Corrupt)?,
                author: row.get(3)?,
                at: row.get(4)?,
            });
        }
        Ok(Some(out))
    }
}

fn insert_judgement(tx: &rusqlite::Transaction<'_>, j: &JudgementRow, meta: NewChange<'_>) -> Result<i64> {
    let eid = |id: &str| -> Result<i64> {
        tx.query_row("SELECT eid FROM entities WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no entity with id {id:?}")))
    };
    let (left_eid, right_eid) = (eid(&j.left_id)?, eid(&j.right_id)?);
    tx.execute(
        "INSERT INTO judgements (left_id, right_id, judgement, note, author, at, automatic,
                                 reverted_at, reverted_by)
         VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')), ?7, ?8, ?9)",
        params![
            j.left_id,
            j.right_id,
            j.judgement.as_str(),
            j.note,
            j.author,
            (!j.at.is_empty()).then_some(&j.at),
            j.automatic,
            j.reverted_at,
            j.reverted_by
        ],
    )?;
    let jid = tx.last_insert_rowid();
    let mut summary = format!("judged {} and {}: {}", j.left_id, j.right_id, j.judgement.label());
    if j.automatic {
        summary.push_str(" (automatic)");
    }
    if let Some(note) = &j.note {
        summary.push_str(&format!(" — {note}"));
    }
    super::curation::record_change(
        tx,
        meta,
        "judge",
        &summary,
        left_eid,
        Some(right_eid),
        jid,
        serde_json::to_value(j).ok(),
    )?;
    Ok(jid)
}
