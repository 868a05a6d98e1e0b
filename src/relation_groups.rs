//! One entity's relations grouped by kind and direction, with exact counts and one page of
//! each group: what keeps the page of a hub (a formation agent with 80,000 companies) small.
//!
//! Pure functions over a snapshot: the snapshot says which relations a group holds and names
//! the other parties, so counting, filtering by name and picking a page never read the store;
//! the page's few rows are then read by relation id.

use crate::graph::{Direction, Edge, Snapshot};
use crate::model::RelationKind;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Relations shown per group and page.
pub const PER_PAGE: usize = 50;

/// Longest name filter accepted, in characters.
pub const MAX_FILTER_CHARS: usize = 200;

/// A group: one relation kind seen from one end (`owns-out`: what the entity owns,
/// `owns-in`: who owns it). Its text form is what the `group` query parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupKey {
    pub kind: RelationKind,
    /// `Out` when the entity is the source, `In` when it is the target; never `Both`.
    pub direction: Direction,
}

impl fmt::Display for GroupKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.kind.as_str(), self.direction.as_str())
    }
}

impl FromStr for GroupKey {
    type Err = String;
    fn from_str(s: &str) -> Result<GroupKey, String> {
        let bad =
            || format!("unknown group {s:?}; expected KIND-out or KIND-in, e.g. owns-out or director_of-in");
        let (kind, direction) = s.rsplit_once('-').ok_or_else(bad)?;
        let direction = match direction {
            "out" => Direction::Out,
            "in" => Direction::In,
            _ => return Err(bad()),
        };
        let kind = kind.parse().map_err(|_| bad())?;
        Ok(GroupKey { kind, direction })
    }
}

/// Which page of which group a request asks for, and the name filter applied to it.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub group: Option<GroupKey>,
    /// 1-based.
    pub page: usize,
    /// Lower-cased text the other party's name must contain (empty: no filter).
    pub filter: String,
}

impl Selection {
    /// The selection for `group`, `page` and the raw filter text (lower-cased here).
    pub fn new(group: Option<GroupKey>, page: usize, filter: &str) -> Selection {
        Selection {
            group,
            page: page.max(1),
            filter: filter.trim().to_lowercase(),
        }
    }
}

/// One group's counts and the relations of the page shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPage {
    pub key: GroupKey,
    /// Every relation of the group.
    pub total: usize,
    /// Those whose other party's name passes the filter (`total` when there is none).
    pub matching: usize,
    /// 1-based page shown.
    pub page: usize,
    /// Pages of `matching` relations, at least 1.
    pub pages: usize,
    /// The filter applied to this group (empty for groups other than the selected one).
    pub filter: String,
    /// The page's relations in order: (relation row id, the other party's node).
    pub rows: Vec<(i64, u32)>,
}

/// The groups of `node`'s relations, incoming groups first, kinds in the order of their names
/// (the order the page has always used), each with its first page, except the selected group,
/// which gets the selected page and filter. Within a group relations are ordered by the other
/// party's name, then by relation id, so pages neither overlap nor skip.
///
/// Only relations `keep` accepts are counted and shown (all of them, for the page of today;
/// those held on a day, for the page as it stood then).
///
/// A page past the last is an error naming how many pages there are.
pub fn groups(
    snapshot: &Snapshot,
    node: u32,
    selection: &Selection,
    keep: impl Fn(&Edge) -> bool,
) -> Result<Vec<GroupPage>, String> {
    let mut kinds = RelationKind::ALL;
    kinds.sort_by_key(|k| k.as_str());
    let mut out = Vec::new();
    for direction in [Direction::In, Direction::Out] {
        let adjacent = match direction {
            Direction::In => snapshot.incoming(node),
            _ => snapshot.outgoing(node),
        };
        for kind in kinds {
            let key = GroupKey { kind, direction };
            let selected = selection.group == Some(key);
            let filter = if selected { selection.filter.as_str() } else { "" };
            let mut members: Vec<(&str, i64, u32)> = Vec::new();
            let mut total = 0;
            for adj in adjacent
                .iter()
                .filter(|a| a.kind == kind && keep(snapshot.edge(a.edge)))
            {
                total += 1;
                let name = &*snapshot.node(adj.node).name;
                if filter.is_empty() || name.to_lowercase().contains(filter) {
                    members.push((name, snapshot.edge(adj.edge).rid, adj.node));
                }
            }
            if total == 0 {
                continue;
            }
            let page = if selected { selection.page } else { 1 };
            let matching = members.len();
            let pages = matching.div_ceil(PER_PAGE).max(1);
            if page > pages {
                return Err(format!(
                    "page {page} of group {key}: it has {pages} page{} of {PER_PAGE}",
                    if pages == 1 { "" } else { "s" }
                ));
            }
            let rows = page_of(&mut members, page)
                .iter()
                .map(|&(_, rid, other)| (rid, other))
                .collect();
            out.push(GroupPage {
                key,
                total,
                matching,
                page,
                pages,
                filter: filter.to_string(),
                rows,
            });
        }
    }
    Ok(out)
}

/// The `page`th run of `PER_PAGE` members in (name, rid) order, found by selection rather
/// than a full sort: linear in the group however large it is.
fn page_of<'a, 'n>(members: &'a mut [(&'n str, i64, u32)], page: usize) -> &'a [(&'n str, i64, u32)] {
    let order = |a: &(&str, i64, u32), b: &(&str, i64, u32)| -> Ordering { (a.0, a.1).cmp(&(b.0, b.1)) };
    let start = (page - 1) * PER_PAGE;
    let end = (start + PER_PAGE).min(members.len());
    if start >= end {
        return &[];
    }
    let tail = if start > 0 {
        members.select_nth_unstable_by(start, order);
        &mut members[start..]
    } else {
        &mut members[..]
    };
    let len = end - start;
    if len < tail.len() {
        tail.select_nth_unstable_by(len - 1, order);
    }
    let window = &mut tail[..len];
    window.sort_unstable_by(order);
    &members[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_keys_read_and_write_alike() {
        for text in ["owns-out", "owns-in", "director_of-in", "joint_arrangement-out"] {
            assert_eq!(text.parse::<GroupKey>().unwrap().to_string(), text);
        }
        for bad in ["", "owns", "owns-both", "own-out", "-out", "owns_out"] {
            assert!(bad.parse::<GroupKey>().is_err(), "{bad:?} refused");
        }
    }

    #[test]
    fn pages_cover_the_sorted_members_once() {
        let names: Vec<String> = (0..237).map(|i| format!("n{:03}", (i * 37) % 101)).collect();
        let members: Vec<(&str, i64, u32)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), (1000 - i) as i64, i as u32))
            .collect();
        let mut sorted = members.clone();
        sorted.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut seen = Vec::new();
        for page in 1..=members.len().div_ceil(PER_PAGE) {
            let mut work = members.clone();
            seen.extend_from_slice(page_of(&mut work, page));
        }
        assert_eq!(seen, sorted);
        let mut work = members.clone();
        assert!(page_of(&mut work, 6).is_empty());
    }
}
