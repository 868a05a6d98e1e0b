//! The past as the releases recorded it: an entity as it stood on a day (its name before later
//! renames, the aliases and identifiers it had, the listings and relations held that day) and
//! its timeline of changes across releases. Built from what `store::apply_with` recorded in
//! `release_changes` (read by `store/as_of.rs`); pure functions here. No SQL, no HTTP.
//!
//! What cannot be told is said rather than guessed: a dataset's first release (its baseline)
//! is counted, not itemised, so everything of it dates from that release's day; aliases and
//! identifiers a release dropped were not recorded, so they do not come back.

use crate::model::{Date, Entity, Listing};
use crate::store::ChangeRow;
use serde::Serialize;

/// When one listing or relation was held, as the releases recorded it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FactHistory {
    /// The first release day of the fact's dataset: a fact with no recorded event has been
    /// held since then. `None`: its dataset has no release (a curated fact).
    pub first_day: Option<Date>,
    /// The releases that added (`true`) or ended (`false`) it, oldest first.
    pub events: Vec<(Date, bool)>,
}

impl FactHistory {
    /// Whether the fact was held on `day` by the releases imported by then.
    pub fn held_on(&self, day: Date) -> bool {
        if let Some(&(_, added)) = self.events.iter().rev().find(|(d, _)| *d <= day) {
            return added;
        }
        // No event yet on `day`: held since the baseline, unless its first event added it.
        match self.events.first() {
            Some(&(_, true)) => false,
            _ => self.first_day.is_none_or(|first| first <= day),
        }
    }
}

/// What the releases recorded of one entity row.
#[derive(Debug, Clone, Default)]
pub struct EntityHistory {
    /// The day it was first recorded: the release that added it, else its dataset's first.
    pub first_day: Option<Date>,
    /// Renames, oldest first: (day, old name).
    pub renames: Vec<(Date, String)>,
    /// Aliases and identifiers (`scheme value`) added, with the day of their release.
    pub aliases_added: Vec<(Date, String)>,
    pub identifiers_added: Vec<(Date, String)>,
}

/// Why an entity has no past on a day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotYet {
    #[error("nothing is recorded yet on {day}: the first release held is of {first}")]
    NoRelease { day: Date, first: Date },
    #[error("nothing is recorded of {id} on {day}: it was first recorded on {first}")]
    Entity { id: String, day: Date, first: Date },
}

/// `entity` as it stood on `day`: renames after `day` undone (its name was the first later
/// rename's old name), aliases and identifiers added after `day` taken away.
pub fn entity_on(entity: &Entity, history: &EntityHistory, day: Date) -> Result<Entity, NotYet> {
    if let Some(first) = history.first_day.filter(|f| *f > day) {
        return Err(NotYet::Entity {
            id: entity.id.clone(),
            day,
            first,
        });
    }
    let mut past = entity.clone();
    if let Some((_, old)) = history.renames.iter().find(|(d, _)| *d > day) {
        past.name = old.clone();
    }
    let later = |added: &[(Date, String)], value: &str| added.iter().any(|(d, v)| *d > day && v == value);
    past.aliases
        .retain(|a| !later(&history.aliases_added, a) && *a != past.name);
    past.identifiers
        .retain(|i| !later(&history.identifiers_added, &format!("{} {}", i.scheme, i.value)));
    Ok(past)
}

/// The listings held on `day`, each with an end date only if it had ended by then (the page
/// shows what was known that day).
pub fn listings_on(listings: Vec<(Listing, FactHistory)>, day: Date) -> Vec<Listing> {
    listings
        .into_iter()
        .filter(|(l, h)| h.held_on(day) && crate::model::in_window(l.start_date, l.end_date, day))
        .map(|(mut l, _)| {
            l.end_date = l.end_date.filter(|e| *e <= day);
            l
        })
        .collect()
}

/// Checks a date before any release: `first` is the first release day held (none: nothing
/// imported at all).
pub fn check_recorded(first: Option<Date>, day: Date) -> Result<(), NotYet> {
    match first {
        Some(first) if first > day => Err(NotYet::NoRelease { day, first }),
        _ => Ok(()),
    }
}

/// Timeline entries shown a page.
pub const TIMELINE_PER_PAGE: usize = 50;

/// One change of an entity in the timeline, newest first.
#[derive(Debug, Clone, Serialize)]
pub struct TimelineEntry {
    /// The release's day and dataset.
    pub day: String,
    pub dataset: String,
    /// The change in words: "SDN List [IRAN]", "OLD → NEW", "owned by X (id)".
    pub detail: String,
    #[serde(flatten)]
    pub row: ChangeRow,
}

/// One page of an entity's timeline with the exact count of its entries.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub total: u64,
    pub page: usize,
    pub pages: usize,
    pub entries: Vec<TimelineEntry>,
    /// The day the entity was first recorded and its release's dataset (a baseline is not
    /// itemised: this is its only entry), when known.
    pub first_recorded: Option<(String, String)>,
}

/// A timeline row as the store reads it: the change, its release's day and dataset, and
/// whether the entity is the relation's target (the row names the source as the entity).
pub struct TimelineRow {
    pub day: String,
    pub dataset: String,
    pub incoming: bool,
    pub row: ChangeRow,
}

impl TimelineEntry {
    pub fn new(r: TimelineRow) -> TimelineEntry {
        let detail = if r.incoming {
            let kind: Option<crate::model::RelationKind> =
                r.row.relation_kind.as_deref().and_then(|k| k.parse().ok());
            format!(
                "{} {} ({})",
                kind.map_or("", |k| k.inverse_label()),
                r.row.entity_name,
                r.row.entity_id
            )
        } else {
            crate::releases::detail(&r.row)
        };
        TimelineEntry {
            day: r.day,
            dataset: r.dataset,
            detail,
            row: r.row,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn a_fact_is_held_as_its_releases_say() {
        let baseline = Some(d("2024-03-27"));
        // (history, day, held)
        let cases = [
            (
                FactHistory {
                    first_day: baseline,
                    events: vec![],
                },
                "2024-03-26",
                false,
            ),
            (
                FactHistory {
                    first_day: baseline,
                    events: vec![],
                },
                "2024-03-27",
                true,
            ),
            (
                FactHistory {
                    first_day: baseline,
                    events: vec![(d("2024-05-03"), true)],
                },
                "2024-04-01",
                false,
            ),
            (
                FactHistory {
                    first_day: baseline,
                    events: vec![(d("2024-05-03"), true)],
                },
                "2024-05-03",
                true,
            ),
            (
                FactHistory {
                    first_day: baseline,
                    events: vec![(d("2024-05-03"), false)],
                },
                "2024-04-01",
                true,
            ),
            (
                FactHistory {
                    first_day: baseline,
                    events: vec![(d("2024-05-03"), false)],
                },
                "2024-05-03",
                false,
            ),
            (
                FactHistory {
                    first_day: baseline,
                    events: vec![(d("2024-04-01"), false), (d("2024-05-03"), true)],
                },
                "2024-04-15",
                false,
            ),
            (
                FactHistory {
                    first_day: baseline,
                    events: vec![(d("2024-04-01"), false), (d("2024-05-03"), true)],
                },
                "2024-06-01",
                true,
            ),
            (
                FactHistory {
                    first_day: None,
                    events: vec![],
                },
                "1990-01-01",
                true,
            ),
        ];
        for (i, (history, day, held)) in cases.iter().enumerate() {
            assert_eq!(history.held_on(d(day)), *held, "case {i}: {history:?} on {day}");
        }
    }

    #[test]
    fn renames_and_later_aliases_are_undone() {
        let mut entity = Entity::new("x", crate::model::Schema::Company, "NEWEST", "test");
        entity.aliases = vec!["A1".into(), "A2".into(), "OLD".into()];
        let history = EntityHistory {
            first_day: Some(d("2024-01-01")),
            renames: vec![
                (d("2024-03-01"), "OLD".into()),
                (d("2024-05-01"), "MIDDLE".into()),
            ],
            aliases_added: vec![(d("2024-05-01"), "A2".into())],
            identifiers_added: vec![],
        };
        let on = |day| entity_on(&entity, &history, d(day)).unwrap();
        assert_eq!(on("2024-02-01").name, "OLD");
        assert_eq!(on("2024-02-01").aliases, vec!["A1".to_string()]);
        assert_eq!(on("2024-04-01").name, "MIDDLE");
        assert_eq!(on("2024-06-01").name, "NEWEST");
        assert_eq!(on("2024-06-01").aliases.len(), 3);
        assert_eq!(
            entity_on(&entity, &history, d("2023-12-31"))
                .unwrap_err()
                .to_string(),
            "nothing is recorded of x on 2023-12-31: it was first recorded on 2024-01-01"
        );
    }
}
