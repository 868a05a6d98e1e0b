//! The store's side of the past (`crate::as_of`): what the releases recorded of one party's
//! records (renames, aliases and identifiers added, each listing's and relation's additions
//! and ends, by release day) and the party's timeline, a page at a time.

use super::releases::{added_values, change_from_row, RELEASE_DAY};
use super::{listing_from_row, Result, Store, StoreError, LISTING_COLUMNS};
use crate::as_of::{EntityHistory, FactHistory, TimelineRow};
use crate::model::{Date, Listing};
use crate::releases::ChangeKind;
use rusqlite::{params, Row};
use std::collections::{BTreeMap, HashMap};

/// The records named by the JSON array of ids `?1`, as the table `mine(eid)`.
const MINE: &str = "mine(eid) AS (SELECT eid FROM entities WHERE id IN (SELECT value FROM json_each(?1)))";

fn ids_json(ids: &[&str]) -> String {
    serde_json::to_string(ids).expect("strings always serialise")
}

fn day_of(row: &Row<'_>, i: usize) -> Result<Option<Date>> {
    super::date_from_row(row, i)
}

/// Adds a listing's or relation's event of one row (columns `change`, day) to its history.
fn push_event(history: &mut FactHistory, row: &Row<'_>, at: usize) -> Result<()> {
    let Some(change) = row.get::<_, Option<String>>(at)? else {
        return Ok(());
    };
    let day = day_of(row, at + 1)?.ok_or_else(|| StoreError::Corrupt("a release without a day".into()))?;
    let added = matches!(
        change.parse::<ChangeKind>().map_err(StoreError::Corrupt)?,
        ChangeKind::ListingAdded | ChangeKind::RelationAdded
    );
    history.events.push((day, added));
    Ok(())
}

impl Store {
    /// The first release day of each dataset that has one. A partial import is no release: it
    /// has no day of publication, so it dates nothing, and its facts are judged by their own
    /// dates (the 2019 case's listings from 2019-10-09, whenever the file was imported).
    pub fn first_release_days(&self) -> Result<BTreeMap<String, Date>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT i.dataset, min({RELEASE_DAY}) FROM imports i WHERE i.as_of IS NOT NULL GROUP BY i.dataset"
        ))?;
        let mut rows = stmt.query([])?;
        let mut out = BTreeMap::new();
        while let Some(row) = rows.next()? {
            if let Some(day) = day_of(row, 1)? {
                out.insert(row.get(0)?, day);
            }
        }
        Ok(out)
    }

    /// What the releases recorded of each record `ids` names: the day it was first recorded,
    /// its renames and the aliases and identifiers added, oldest first.
    pub fn entity_histories(
        &self,
        ids: &[&str],
        first_days: &BTreeMap<String, Date>,
    ) -> Result<HashMap<String, EntityHistory>> {
        let mut out = HashMap::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, dataset FROM entities WHERE id IN (SELECT value FROM json_each(?1))",
            )?;
            let mut rows = stmt.query([ids_json(ids)])?;
            while let Some(row) = rows.next()? {
                let dataset: String = row.get(1)?;
                out.insert(
                    row.get::<_, String>(0)?,
                    EntityHistory {
                        first_day: first_days.get(&dataset).copied(),
                        ..EntityHistory::default()
                    },
                );
            }
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH {MINE}
             SELECT e.id, c.change, {RELEASE_DAY}, c.before, c.after
             FROM mine JOIN release_changes c ON c.entity_eid = mine.eid
             JOIN entities e ON e.eid = c.entity_eid JOIN imports i ON i.iid = c.iid
             WHERE c.change IN ('entity_added', 'entity_renamed', 'aliases_added', 'identifiers_added')
               AND i.as_of IS NOT NULL
             ORDER BY {RELEASE_DAY}, c.iid"
        ))?;
        let mut rows = stmt.query([ids_json(ids)])?;
        while let Some(row) = rows.next()? {
            let Some(history) = out.get_mut(&row.get::<_, String>(0)?) else {
                continue;
            };
            let day = day_of(row, 2)?.ok_or_else(|| StoreError::Corrupt("a release without a day".into()))?;
            let change: ChangeKind = row.get::<_, String>(1)?.parse().map_err(StoreError::Corrupt)?;
            match change {
                ChangeKind::EntityAdded => history.first_day = Some(day),
                ChangeKind::EntityRenamed => history
                    .renames
                    .push((day, row.get::<_, Option<String>>(3)?.unwrap_or_default())),
                ChangeKind::AliasesAdded => history
                    .aliases_added
                    .extend(added_values(row.get(4)?)?.into_iter().map(|v| (day, v))),
                _ => history
                    .identifiers_added
                    .extend(added_values(row.get(4)?)?.into_iter().map(|v| (day, v))),
            }
        }
        Ok(out)
    }

    /// The listings of records `ids` with when each was held, in the entity page's order.
    pub fn listing_histories(
        &self,
        ids: &[&str],
        first_days: &BTreeMap<String, Date>,
    ) -> Result<Vec<(Listing, FactHistory)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH {MINE}
             SELECT {LISTING_COLUMNS}, l.lid, c.change, {RELEASE_DAY}
             FROM mine JOIN listings l ON l.entity_eid = mine.eid JOIN entities e ON e.eid = l.entity_eid
             LEFT JOIN release_changes c
               ON c.lid = l.lid AND c.iid IN (SELECT iid FROM imports WHERE as_of IS NOT NULL)
             LEFT JOIN imports i ON i.iid = c.iid
             ORDER BY l.start_date, l.list, l.program, l.lid, {RELEASE_DAY}, c.iid"
        ))?;
        let mut rows = stmt.query([ids_json(ids)])?;
        let mut out: Vec<(i64, Listing, FactHistory)> = Vec::new();
        while let Some(row) = rows.next()? {
            let lid: i64 = row.get(11)?;
            if out.last().is_none_or(|(last, _, _)| *last != lid) {
                let listing = listing_from_row(row, 0)?;
                let history = FactHistory {
                    first_day: first_days.get(&listing.dataset).copied(),
                    events: Vec::new(),
                };
                out.push((lid, listing, history));
            }
            let (_, _, history) = out.last_mut().expect("pushed above");
            push_event(history, row, 12)?;
        }
        Ok(out.into_iter().map(|(_, l, h)| (l, h)).collect())
    }

    /// When the relations in or out of records `ids` were held on `day`, by relation id: every
    /// relation's history, or only those of relations a release changed when that says as
    /// much. A relation no release changed is held on any day from its dataset's first release
    /// on, so when `day` is after the first release of every dataset holding relations it
    /// needs no history. The records have `degree` relations in all; when they outnumber the
    /// relation changes of every release (a hub's page), the changes are read instead.
    pub fn relation_histories(
        &self,
        ids: &[&str],
        first_days: &BTreeMap<String, Date>,
        day: Date,
        degree: usize,
    ) -> Result<HashMap<i64, FactHistory>> {
        const FEW: usize = 1_000;
        let mut holds_relations = self
            .conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM relations WHERE dataset = ?1)")?;
        let mut all_released = true;
        for (dataset, first) in first_days {
            if *first > day && holds_relations.query_row([dataset], |r| r.get::<_, bool>(0))? {
                all_released = false;
            }
        }
        let changed_only = degree > FEW
            && all_released
            && self.conn.query_row(
                "SELECT count(*) FROM release_changes WHERE rid IS NOT NULL",
                [],
                |r| r.get::<_, i64>(0),
            )? < i64::try_from(degree).unwrap_or(i64::MAX);
        let sql = if changed_only {
            format!(
                "WITH {MINE}
                 SELECT c.rid, r.dataset, c.change, {RELEASE_DAY}
                 FROM release_changes c JOIN relations r ON r.rid = c.rid
                 JOIN imports i ON i.iid = c.iid AND i.as_of IS NOT NULL
                 WHERE c.rid IS NOT NULL
                   AND (r.source_eid IN (SELECT eid FROM mine) OR r.target_eid IN (SELECT eid FROM mine))
                 ORDER BY c.rid, {RELEASE_DAY}, c.iid"
            )
        } else {
            format!(
                "WITH {MINE},
                 rel AS (SELECT r.rid, r.dataset FROM mine JOIN relations r ON r.source_eid = mine.eid
                         UNION SELECT r.rid, r.dataset FROM mine JOIN relations r ON r.target_eid = mine.eid)
                 SELECT rel.rid, rel.dataset, c.change, {RELEASE_DAY}
                 FROM rel LEFT JOIN release_changes c
                   ON c.rid = rel.rid AND c.iid IN (SELECT iid FROM imports WHERE as_of IS NOT NULL)
                 LEFT JOIN imports i ON i.iid = c.iid
                 ORDER BY rel.rid, {RELEASE_DAY}, c.iid"
            )
        };
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([ids_json(ids)])?;
        let mut out: HashMap<i64, FactHistory> = HashMap::new();
        while let Some(row) = rows.next()? {
            let history = out.entry(row.get(0)?).or_insert_with(|| FactHistory {
                first_day: row
                    .get_ref(1)
                    .ok()
                    .and_then(|d| d.as_str().ok())
                    .and_then(|d| first_days.get(d).copied()),
                events: Vec::new(),
            });
            push_event(history, row, 2)?;
        }
        Ok(out)
    }

    /// One page of the changes the releases recorded of records `ids` (their names, aliases,
    /// identifiers and listings, and relations in and out), newest release first; and how
    /// many there are in all.
    pub fn timeline(&self, ids: &[&str], limit: usize, offset: usize) -> Result<(Vec<TimelineRow>, u64)> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH {MINE},
             t(cid, incoming) AS (
                 SELECT c.rowid, 0 FROM mine JOIN release_changes c ON c.entity_eid = mine.eid
                 UNION ALL
                 -- CROSS JOIN keeps this order: the entity's relations, then their changes
                 -- (the planner would otherwise scan every relation change held).
                 SELECT c.rowid, 1 FROM mine CROSS JOIN relations r CROSS JOIN release_changes c
                 WHERE r.target_eid = mine.eid AND c.rid = r.rid
                   AND r.source_eid NOT IN (SELECT eid FROM mine))
             SELECT c.iid, c.change, e.id, e.name, l.list, l.program, r.kind, o.id, o.name, c.before, c.after,
                    {RELEASE_DAY}, i.dataset, t.incoming, count(*) OVER ()
             FROM t JOIN release_changes c ON c.rowid = t.cid
             JOIN imports i ON i.iid = c.iid
             JOIN entities e ON e.eid = c.entity_eid
             LEFT JOIN listings l ON l.lid = c.lid
             LEFT JOIN relations r ON r.rid = c.rid
             LEFT JOIN entities o ON o.eid = r.target_eid
             ORDER BY {RELEASE_DAY} DESC, c.iid DESC, c.rowid
             LIMIT ?2 OFFSET ?3"
        ))?;
        let mut rows = stmt.query(params![ids_json(ids), limit as i64, offset as i64])?;
        let mut out = Vec::new();
        let mut total = 0;
        while let Some(row) = rows.next()? {
            total = row.get::<_, i64>(14)? as u64;
            out.push(TimelineRow {
                row: change_from_row(row)?,
                day: row.get(11)?,
                dataset: row.get(12)?,
                incoming: row.get(13)?,
            });
        }
        if out.is_empty() && offset > 0 {
            // Past the last page: the count alone, for the message that says how many pages.
            let (_, total) = self.timeline(ids, 1, 0)?;
            return Ok((out, total));
        }
        Ok((out, total))
    }
}
