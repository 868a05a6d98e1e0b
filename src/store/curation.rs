//! Curated changes and their history: the SQL behind [`crate::curation`].
//!
//! Each method is one transaction that makes the change and records it in `changes` (who,
//! when, why, before and after), so the data and its history never disagree.

use super::{opt_str, relation_from_row, Result, Store, StoreError, RELATION_COLUMNS};
use crate::model::{Date, Relation};
use rusqlite::{params, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::{json, Value};

/// One recorded change, as the history shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub id: i64,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub at: String,
    pub author: String,
    /// `add_relation`, `end_relation`, `add_alias`, `add_note`, `judge` or `revert`.
    pub action: String,
    /// What was done, in words.
    pub summary: String,
    /// Why, as the author gave it.
    pub reason: String,
    pub entity: String,
    pub entity_name: String,
    /// The relation's other end, for relation changes.
    pub other: Option<String>,
    pub other_name: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// The change this one reverted.
    pub reverts: Option<i64>,
    /// The change that reverted this one.
    pub reverted_by: Option<i64>,
}

/// Who makes a change and why.
#[derive(Debug, Clone, Copy)]
pub struct NewChange<'a> {
    pub author: &'a str,
    pub reason: &'a str,
}

/// A curated alias or note on an entity.
#[derive(Debug, Clone, Serialize)]
pub struct Annotation {
    pub id: i64,
    /// `alias` or `note`.
    pub kind: String,
    pub text: String,
    pub author: String,
    pub at: String,
}

const CHANGE_COLUMNS: &str = "c.cid, c.at, c.author, c.action, c.summary, c.reason, e.id, e.name, \
                              o.id, o.name, c.before, c.after, c.reverts, c.reverted_by";
const CHANGE_FROM: &str = "changes c JOIN entities e ON e.eid = c.entity_eid \
                           LEFT JOIN entities o ON o.eid = c.other_eid";

fn change_from_row(row: &rusqlite::Row<'_>) -> Result<Change> {
    let json = |i: usize| -> Result<Option<Value>> {
        match row.get::<_, Option<String>>(i)? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| StoreError::Corrupt(format!("change {i}: {e}"))),
        }
    };
    Ok(Change {
        id: row.get(0)?,
        at: row.get(1)?,
        author: row.get(2)?,
        action: row.get(3)?,
        summary: row.get(4)?,
        reason: row.get(5)?,
        entity: row.get(6)?,
        entity_name: row.get(7)?,
        other: row.get(8)?,
        other_name: row.get(9)?,
        before: json(10)?,
        after: json(11)?,
        reverts: row.get(12)?,
        reverted_by: row.get(13)?,
    })
}

fn eid_of(tx: &Transaction<'_>, id: &str) -> Result<i64> {
    tx.query_row("SELECT eid FROM entities WHERE id = ?1", [id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("no entity with id {id:?}")))
}

/// The fields of a change row to insert.
struct ChangeRow<'a> {
    action: &'a str,
    summary: &'a str,
    entity_eid: i64,
    other_eid: Option<i64>,
    row_id: Option<i64>,
    before: Option<Value>,
    after: Option<Value>,
    reverts: Option<i64>,
}

fn record(tx: &Transaction<'_>, meta: NewChange<'_>, row: ChangeRow<'_>) -> Result<Change> {
    tx.execute(
        "INSERT INTO changes (at, author, action, summary, reason, entity_eid, other_eid, row_id,
                              before, after, reverts)
         VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            meta.author,
            row.action,
            row.summary,
            meta.reason,
            row.entity_eid,
            row.other_eid,
            row.row_id,
            row.before.map(|v| v.to_string()),
            row.after.map(|v| v.to_string()),
            row.reverts
        ],
    )?;
    let cid = tx.last_insert_rowid();
    let mut stmt = tx.prepare(&format!(
        "SELECT {CHANGE_COLUMNS} FROM {CHANGE_FROM} WHERE c.cid = ?1"
    ))?;
    let mut rows = stmt.query([cid])?;
    let row = rows.next()?.expect("the change row was just inserted");
    change_from_row(row)
}

/// Records a change made by another part of the store (a judgement) in the history.
#[allow(clippy::too_many_arguments)]
pub(super) fn record_change(
    tx: &Transaction<'_>,
    meta: NewChange<'_>,
    action: &str,
    summary: &str,
    entity_eid: i64,
    other_eid: Option<i64>,
    row_id: i64,
    after: Option<Value>,
) -> Result<Change> {
    record(
        tx,
        meta,
        ChangeRow {
            action,
            summary,
            entity_eid,
            other_eid,
            row_id: Some(row_id),
            before: None,
            after,
            reverts: None,
        },
    )
}

/// A relation row as change history keeps it.
fn relation_json(rid: i64, relation: &Relation) -> Value {
    let mut value = serde_json::to_value(relation).expect("a relation always serialises");
    value["rid"] = json!(rid);
    if let Some(share) = relation.share {
        value["share"] = json!(share.to_string());
    }
    value
}

impl Store {
    /// Adds a curated relation between two existing entities and records the change.
    pub fn add_curated_relation(
        &mut self,
        relation: &Relation,
        summary: &str,
        meta: NewChange<'_>,
    ) -> Result<Change> {
        let tx = self.conn.transaction()?;
        let source = eid_of(&tx, &relation.source)?;
        let target = eid_of(&tx, &relation.target)?;
        let key = relation.natural_key();
        let existing: Option<i64> = tx
            .query_row(
                "SELECT rid FROM relations WHERE dataset = ?1 AND natural_key = ?2",
                params![relation.dataset, key],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(rid) = existing {
            return Err(StoreError::Conflict(format!(
                "this relation is already recorded (relation {rid}); end it or revert it instead"
            )));
        }
        tx.execute(
            "INSERT INTO relations (dataset, natural_key, source_eid, target_eid, kind, share_lo,
                                    share_hi, start_date, end_date, notes, confidence, evidence)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                relation.dataset,
                key,
                source,
                target,
                relation.kind.as_str(),
                relation.share.map(|s| s.lo.0 as i64),
                relation.share.map(|s| s.hi.0 as i64),
                opt_str(relation.start_date),
                opt_str(relation.end_date),
                relation.notes,
                opt_str(relation.confidence),
                relation.evidence
            ],
        )?;
        let rid = tx.last_insert_rowid();
        let change = record(
            &tx,
            meta,
            ChangeRow {
                action: "add_relation",
                summary,
                entity_eid: source,
                other_eid: Some(target),
                row_id: Some(rid),
                before: None,
                after: Some(relation_json(rid, relation)),
                reverts: None,
            },
        )?;
        tx.commit()?;
        Ok(change)
    }

    /// One relation by row id.
    pub fn relation(&self, rid: i64) -> Result<Option<Relation>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RELATION_COLUMNS} FROM relations r
             JOIN entities s ON s.eid = r.source_eid JOIN entities t ON t.eid = r.target_eid
             WHERE r.rid = ?1"
        ))?;
        let mut rows = stmt.query([rid])?;
        match rows.next()? {
            Some(row) => Ok(Some(relation_from_row(row, 0)?)),
            None => Ok(None),
        }
    }

    /// Sets the end date of a relation that has none, and records the change.
    pub fn end_relation(
        &mut self,
        rid: i64,
        end: Date,
        summary: &str,
        meta: NewChange<'_>,
    ) -> Result<Change> {
        let tx = self.conn.transaction()?;
        let found: Option<(i64, i64, Option<String>)> = tx
            .query_row(
                "SELECT source_eid, target_eid, end_date FROM relations WHERE rid = ?1",
                [rid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((source, target, current)) = found else {
            return Err(StoreError::NotFound(format!("no relation {rid}")));
        };
        if let Some(current) = current {
            return Err(StoreError::Conflict(format!(
                "relation {rid} already ended on {current}"
            )));
        }
        tx.execute(
            "UPDATE relations SET end_date = ?2 WHERE rid = ?1",
            params![rid, end.to_string()],
        )?;
        let change = record(
            &tx,
            meta,
            ChangeRow {
                action: "end_relation",
                summary,
                entity_eid: source,
                other_eid: Some(target),
                row_id: Some(rid),
                before: Some(json!({ "rid": rid, "end_date": null })),
                after: Some(json!({ "rid": rid, "end_date": end.to_string() })),
                reverts: None,
            },
        )?;
        tx.commit()?;
        Ok(change)
    }

    /// Adds a curated alias or note (`kind`) to an entity and records the change.
    pub fn add_annotation(
        &mut self,
        entity: &str,
        kind: &str,
        text: &str,
        summary: &str,
        meta: NewChange<'_>,
    ) -> Result<Change> {
        let tx = self.conn.transaction()?;
        let eid = eid_of(&tx, entity)?;
        if kind == "alias" {
            let known: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM annotations WHERE entity_eid = ?1 AND kind = 'alias' AND text = ?2)
                     OR EXISTS (SELECT 1 FROM entities e, json_each(e.aliases) a
                                WHERE e.eid = ?1 AND (a.value = ?2 OR e.name = ?2))",
                params![eid, text],
                |r| r.get(0),
            )?;
            if known {
                return Err(StoreError::Conflict(format!(
                    "{text:?} is already a name of {entity}"
                )));
            }
        }
        tx.execute(
            "INSERT INTO annotations (entity_eid, kind, text, author, at)
             VALUES (?1, ?2, ?3, ?4, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![eid, kind, text, meta.author],
        )?;
        let aid = tx.last_insert_rowid();
        let change = record(
            &tx,
            meta,
            ChangeRow {
                action: if kind == "alias" { "add_alias" } else { "add_note" },
                summary,
                entity_eid: eid,
                other_eid: None,
                row_id: Some(aid),
                before: None,
                after: Some(json!({ "id": aid, "kind": kind, "text": text })),
                reverts: None,
            },
        )?;
        tx.commit()?;
        Ok(change)
    }

    /// Undoes change `cid` and records the undoing as a change of its own. A change can be
    /// reverted once; a revert cannot be reverted (make the change again instead).
    pub fn revert_change(&mut self, cid: i64, meta: NewChange<'_>) -> Result<Change> {
        let tx = self.conn.transaction()?;
        let found = tx
            .query_row(
                "SELECT action, summary, entity_eid, other_eid, row_id, before, after, reverted_by
                 FROM changes WHERE cid = ?1",
                [cid],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, Option<i64>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, Option<String>>(6)?,
                        r.get::<_, Option<i64>>(7)?,
                    ))
                },
            )
            .optional()?;
        let Some((action, summary, entity_eid, other_eid, row_id, before, after, reverted_by)) = found else {
            return Err(StoreError::NotFound(format!("no change {cid}")));
        };
        if let Some(by) = reverted_by {
            return Err(StoreError::Conflict(format!(
                "change {cid} was already reverted by change {by}"
            )));
        }
        let row_id = row_id.unwrap_or_default();
        let gone = |what: &str| {
            StoreError::Conflict(format!(
                "change {cid} cannot be reverted: its {what} no longer exists"
            ))
        };
        match action.as_str() {
            "add_relation" => {
                if tx.execute("DELETE FROM relations WHERE rid = ?1", [row_id])? == 0 {
                    return Err(gone("relation"));
                }
            }
            "end_relation" => {
                let wanted_end: Option<String> = after
                    .as_deref()
                    .and_then(|a| serde_json::from_str::<Value>(a).ok())
                    .and_then(|a| a["end_date"].as_str().map(str::to_string));
                let current: Option<Option<String>> = tx
                    .query_row("SELECT end_date FROM relations WHERE rid = ?1", [row_id], |r| {
                        r.get(0)
                    })
                    .optional()?;
                match current {
                    None => return Err(gone("relation")),
                    Some(current) if current != wanted_end => {
                        return Err(StoreError::Conflict(format!(
                        "change {cid} cannot be reverted: the relation's end date has changed since (now {})",
                        current.as_deref().unwrap_or("none")
                    )))
                    }
                    Some(_) => {}
                }
                tx.execute("UPDATE relations SET end_date = NULL WHERE rid = ?1", [row_id])?;
            }
            "add_alias" | "add_note" => {
                if tx.execute("DELETE FROM annotations WHERE aid = ?1", [row_id])? == 0 {
                    return Err(gone("annotation"));
                }
            }
            "judge" => {
                if !Store::revert_judgement_row(&tx, row_id, meta.author)? {
                    return Err(gone("judgement"));
                }
            }
            "revert" => {
                return Err(StoreError::Conflict(format!(
                    "change {cid} is itself a revert; make the change again instead"
                )))
            }
            other => {
                return Err(StoreError::Corrupt(format!(
                    "change {cid} has unknown action {other:?}"
                )))
            }
        }
        let parse = |text: Option<String>| text.and_then(|t| serde_json::from_str::<Value>(&t).ok());
        let summary = format!("reverted change {cid} ({summary})");
        let change = record(
            &tx,
            meta,
            ChangeRow {
                action: "revert",
                summary: &summary,
                entity_eid,
                other_eid,
                row_id: Some(row_id),
                before: parse(after),
                after: parse(before),
                reverts: Some(cid),
            },
        )?;
        tx.execute(
            "UPDATE changes SET reverted_by = ?2 WHERE cid = ?1",
            params![cid, change.id],
        )?;
        tx.commit()?;
        Ok(change)
    }

    /// Recorded changes, newest first: all of them, or those touching entity `entity`.
    pub fn changes(&self, entity: Option<&str>, limit: u32) -> Result<Vec<Change>> {
        let mut stmt = match entity {
            None => self.conn.prepare_cached(&format!(
                "SELECT {CHANGE_COLUMNS} FROM {CHANGE_FROM} WHERE ?1 IS NULL ORDER BY c.cid DESC LIMIT {limit}"
            ))?,
            Some(_) => self.conn.prepare_cached(&format!(
                "SELECT {CHANGE_COLUMNS} FROM {CHANGE_FROM}
                 WHERE c.entity_eid = (SELECT eid FROM entities WHERE id = ?1)
                    OR c.other_eid = (SELECT eid FROM entities WHERE id = ?1)
                 ORDER BY c.cid DESC LIMIT {limit}"
            ))?,
        };
        // A literal LIMIT: a bound one makes SQLite re-prepare the statement at every run.
        let mut rows = stmt.query(params![entity])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(change_from_row(row)?);
        }
        Ok(out)
    }

    /// One change by id.
    pub fn change(&self, cid: i64) -> Result<Option<Change>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {CHANGE_COLUMNS} FROM {CHANGE_FROM} WHERE c.cid = ?1"
        ))?;
        let mut rows = stmt.query([cid])?;
        match rows.next()? {
            Some(row) => Ok(Some(change_from_row(row)?)),
            None => Ok(None),
        }
    }

    /// Curated aliases and notes of an entity, oldest first.
    pub fn annotations(&self, entity: &str) -> Result<Vec<Annotation>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT a.aid, a.kind, a.text, a.author, a.at FROM annotations a
             JOIN entities e ON e.eid = a.entity_eid WHERE e.id = ?1 ORDER BY a.aid",
        )?;
        let rows = stmt.query_map([entity], |r| {
            Ok(Annotation {
                id: r.get(0)?,
                kind: r.get(1)?,
                text: r.get(2)?,
                author: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
