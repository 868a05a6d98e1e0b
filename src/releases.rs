//! Releases and what each changed: the kinds of change a release records (while it applies,
//! see `store::apply_with`), a date range to ask about, and the report over it grouped by
//! release and list, as text and CSV (`ownergraph changes`, `/changes`). No SQL, no HTTP.

use crate::model::Date;
use crate::store::{ChangeRow, ImportLogEntry, Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// At most this many changes are itemised in one report; the total is always exact.
pub const MAX_CHANGES: usize = 50_000;

/// What a release did to one fact; in the order reports list them (what a reader of a list
/// acts on first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    ListingAdded,
    ListingEnded,
    /// Its name changed (the old and new name are kept).
    EntityRenamed,
    AliasesAdded,
    IdentifiersAdded,
    /// A new entity (a new entry of the list).
    EntityAdded,
    /// An entity the release no longer holds: its listings and relations were ended.
    EntityRemoved,
    RelationAdded,
    RelationEnded,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 9] = [
        ChangeKind::ListingAdded,
        ChangeKind::ListingEnded,
        ChangeKind::EntityRenamed,
        ChangeKind::AliasesAdded,
        ChangeKind::IdentifiersAdded,
        ChangeKind::EntityAdded,
        ChangeKind::EntityRemoved,
        ChangeKind::RelationAdded,
        ChangeKind::RelationEnded,
    ];

    /// An SQL expression of the column `change` that sorts in report order.
    pub fn sql_rank() -> String {
        let arms: String = ChangeKind::ALL
            .iter()
            .enumerate()
            .map(|(i, k)| format!(" WHEN '{}' THEN {i}", k.as_str()))
            .collect();
        format!("CASE change{arms} END")
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::EntityAdded => "entity_added",
            ChangeKind::EntityRemoved => "entity_removed",
            ChangeKind::EntityRenamed => "entity_renamed",
            ChangeKind::AliasesAdded => "aliases_added",
            ChangeKind::IdentifiersAdded => "identifiers_added",
            ChangeKind::ListingAdded => "listing_added",
            ChangeKind::ListingEnded => "listing_ended",
            ChangeKind::RelationAdded => "relation_added",
            ChangeKind::RelationEnded => "relation_ended",
        }
    }

    /// In words, for pages and the text report.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::EntityAdded => "added",
            ChangeKind::EntityRemoved => "removed",
            ChangeKind::EntityRenamed => "renamed",
            ChangeKind::AliasesAdded => "new aliases",
            ChangeKind::IdentifiersAdded => "new identifiers",
            ChangeKind::ListingAdded => "listed",
            ChangeKind::ListingEnded => "listing ended",
            ChangeKind::RelationAdded => "relation added",
            ChangeKind::RelationEnded => "relation ended",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ChangeKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ChangeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| format!("unknown change {s:?}"))
    }
}

/// Which changes to report: releases whose day (`as_of`, or a partial import's import day)
/// is from `since` to `until`, both included; of one list and one dataset if given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeQuery {
    pub since: Date,
    pub until: Date,
    pub list: Option<String>,
    pub dataset: Option<String>,
}

impl ChangeQuery {
    /// Checks the range: `until` defaults to today and may not come before `since`.
    pub fn new(
        since: Date,
        until: Option<Date>,
        list: Option<String>,
        dataset: Option<String>,
    ) -> Result<ChangeQuery, String> {
        let until = until.unwrap_or_else(Date::today);
        if until < since {
            return Err(format!("until ({until}) is before since ({since})"));
        }
        let blank = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        Ok(ChangeQuery {
            since,
            until,
            list: blank(list),
            dataset: blank(dataset),
        })
    }
}

/// The changes of one list in one release.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListChanges {
    /// `None`: entities on no list of the release's dataset.
    pub list: Option<String>,
    pub changes: Vec<ChangeRow>,
}

/// One release with its changes, by list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReleaseChanges {
    pub release: ImportLogEntry,
    /// The day the release stands for (`as_of`, else the day it was imported).
    pub day: String,
    /// How many changes of each kind (of the list asked for), itemised or not.
    pub counts: BTreeMap<ChangeKind, u64>,
    pub lists: Vec<ListChanges>,
}

/// What changed in the releases of a date range.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChangeReport {
    #[serde(flatten)]
    pub query: ChangeQuery,
    /// Newest first.
    pub releases: Vec<ReleaseChanges>,
    /// Changes held for the query, and how many of them are itemised (at most [`MAX_CHANGES`]).
    pub total: u64,
    pub shown: u64,
}

impl ChangeReport {
    /// Every itemised change with its release, in report order.
    pub fn rows(&self) -> impl Iterator<Item = (&ReleaseChanges, &ChangeRow)> {
        self.releases.iter().flat_map(|r| {
            r.lists
                .iter()
                .flat_map(move |l| l.changes.iter().map(move |c| (r, c)))
        })
    }
}

/// The report for `query`; the caller reads it in one read transaction (`Engine::read`,
/// `Store::in_read_transaction`) so it sees one committed state.
pub fn report(store: &Store, query: &ChangeQuery) -> Result<ChangeReport, StoreError> {
    {
        let releases = store.releases_between(query)?;
        let iids: Vec<i64> = releases.iter().map(|r| r.iid).collect();
        let (rows, total) = store.release_changes(&iids, query.list.as_deref(), MAX_CHANGES)?;
        let counts = store.release_change_counts(&iids, query.list.as_deref())?;
        let mut by_release: BTreeMap<i64, Vec<ChangeRow>> = BTreeMap::new();
        for row in rows {
            by_release.entry(row.iid).or_default().push(row);
        }
        let shown = by_release.values().map(|v| v.len() as u64).sum();
        let releases = releases
            .into_iter()
            .map(|release| {
                let mut lists: Vec<ListChanges> = Vec::new();
                for row in by_release.remove(&release.iid).unwrap_or_default() {
                    match lists.last_mut() {
                        Some(last) if last.list == row.list => last.changes.push(row),
                        _ => lists.push(ListChanges {
                            list: row.list.clone(),
                            changes: vec![row],
                        }),
                    }
                }
                ReleaseChanges {
                    day: release
                        .as_of
                        .clone()
                        .unwrap_or_else(|| release.imported_at.chars().take(10).collect()),
                    counts: counts.get(&release.iid).cloned().unwrap_or_default(),
                    release,
                    lists,
                }
            })
            .collect();
        Ok(ChangeReport {
            query: query.clone(),
            releases,
            total,
            shown,
        })
    }
}

/// One change in words, without its entity: "SDN List [IRAN]", "OLD → NEW", "owns X".
pub fn detail(c: &ChangeRow) -> String {
    match c.change {
        ChangeKind::ListingAdded | ChangeKind::ListingEnded => match &c.program {
            Some(p) => format!("{} [{p}]", c.list.as_deref().unwrap_or("")),
            None => c.list.clone().unwrap_or_default(),
        },
        ChangeKind::EntityRenamed => format!(
            "{} → {}",
            c.before.as_deref().unwrap_or(""),
            c.after.as_deref().unwrap_or("")
        ),
        ChangeKind::AliasesAdded | ChangeKind::IdentifiersAdded => c.added.join("; "),
        ChangeKind::RelationAdded | ChangeKind::RelationEnded => format!(
            "{} {} ({})",
            c.relation_kind.as_deref().unwrap_or(""),
            c.other_name.as_deref().unwrap_or(""),
            c.other_id.as_deref().unwrap_or("")
        ),
        ChangeKind::EntityAdded | ChangeKind::EntityRemoved => String::new(),
    }
}

/// A release in one line: dataset, day, file and counts.
pub fn release_line(r: &ReleaseChanges) -> String {
    let i = &r.release;
    let what = if i.baseline {
        "first release: everything added"
    } else if !i.tracked {
        "imported before changes were recorded: counts only"
    } else if i.as_of.is_none() {
        "partial import"
    } else {
        "release"
    };
    format!(
        "{} {} ({what}) — {} {} sha256 {} imported {}: {} entities, {} relations, {} listings; added {}, changed {}, ended {}",
        i.dataset,
        r.day,
        i.format,
        i.path,
        i.checksum,
        i.imported_at,
        i.entities,
        i.relations,
        i.listings,
        i.added,
        i.changed,
        i.ended
    )
}

/// The report as text, one line per change under its release and list.
pub fn write_text(report: &ChangeReport, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let q = &report.query;
    writeln!(
        out,
        "Changes from {} to {}{}{}: {} release(s), {} change(s){}",
        q.since,
        q.until,
        q.list.as_ref().map(|l| format!(", list {l}")).unwrap_or_default(),
        q.dataset
            .as_ref()
            .map(|d| format!(", dataset {d}"))
            .unwrap_or_default(),
        report.releases.len(),
        report.total,
        if report.shown < report.total {
            format!(" ({} itemised)", report.shown)
        } else {
            String::new()
        }
    )?;
    for r in &report.releases {
        writeln!(out, "\n{}", release_line(r))?;
        if !r.counts.is_empty() {
            let counts: Vec<String> = r
                .counts
                .iter()
                .map(|(k, n)| format!("{} {n}", k.label()))
                .collect();
            writeln!(out, "  {}", counts.join(", "))?;
        }
        for l in &r.lists {
            writeln!(out, "  {}", l.list.as_deref().unwrap_or("(on no list)"))?;
            for c in &l.changes {
                writeln!(
                    out,
                    "    {:<16} {:<14} {}  {}",
                    c.change.label(),
                    c.entity_id,
                    c.entity_name,
                    detail(c)
                )?;
            }
        }
    }
    Ok(())
}

/// The columns of [`write_csv`].
pub const CSV_HEADER: [&str; 14] = [
    "release_day",
    "dataset",
    "release_id",
    "list",
    "change",
    "entity_id",
    "entity_name",
    "program",
    "relation_kind",
    "other_id",
    "other_name",
    "before",
    "after",
    "added",
];

/// The itemised changes as CSV, one row each.
pub fn write_csv(report: &ChangeReport, out: impl std::io::Write) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for (r, c) in report.rows() {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        w.write_record([
            r.day.clone(),
            r.release.dataset.clone(),
            r.release.iid.to_string(),
            opt(&c.list),
            c.change.as_str().to_string(),
            c.entity_id.clone(),
            c.entity_name.clone(),
            opt(&c.program),
            opt(&c.relation_kind),
            opt(&c.other_id),
            opt(&c.other_name),
            opt(&c.before),
            opt(&c.after),
            c.added.join("; "),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_kinds_round_trip_through_their_names() {
        for kind in ChangeKind::ALL {
            assert_eq!(kind.as_str().parse::<ChangeKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert!("entity_deleted".parse::<ChangeKind>().is_err());
    }

    #[test]
    fn a_range_may_not_end_before_it_starts() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let q = ChangeQuery::new(d("2024-03-28"), Some(d("2024-05-03")), Some(" ".into()), None).unwrap();
        assert_eq!(q.list, None);
        let err = ChangeQuery::new(d("2024-05-03"), Some(d("2024-03-28")), None, None).unwrap_err();
        assert_eq!(err, "until (2024-03-28) is before since (2024-05-03)");
    }
}
