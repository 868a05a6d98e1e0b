//! Cross-referencing: for every record, the records of *other* datasets that may be the same
//! party. Blocking by the screening's trigram name index over the normalised names, and by the
//! strong identifiers records share (whose names may not be alike: "FOREIGN TRADE BANK (FTB)"
//! and "FOREIGN TRADE BANK OF THE DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA" by their SWIFT/BIC),
//! then each candidate pair scored in full ([`super::score`]).

use super::record::{IdClass, Record};
use super::score::{best_names, score_with, similarity, NamePair, Scored};
use crate::screen::{IndexedName, NameIndex};
use std::collections::HashMap;

/// Which records to compare: those of `dataset` (all when `None`) against those of `against`
/// (every other dataset when `None`). Records are never compared within their own dataset.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'a> {
    pub dataset: Option<&'a str>,
    pub against: Option<&'a str>,
}

/// A candidate pair: indices into the records given to [`xref`], and its score.
#[derive(Debug, Clone)]
pub struct Pair {
    pub left: u32,
    pub right: u32,
    pub scored: Scored,
}

/// Names read from the index per name of a record.
const NAMES_PER_NAME: usize = 20;
/// See `common` in [`xref`].
const COMMON_SHARE: usize = 100;
/// Records scored in full per record: the best by name.
const RECORDS_PER_RECORD: usize = 8;
/// Below this name similarity a record is not worth scoring in full (unless it shares a
/// strong identifier).
const MIN_NAME: f64 = 0.60;
/// An identifier value held by more records than this is no block: a shared placeholder or a
/// group's common number, not one party's.
const MAX_SHARING_ONE_IDENTIFIER: usize = 20;

/// The records on the right holding each identifier (class and compact value).
type ByIdentifier<'a> = HashMap<(IdClass, &'a str), Vec<u32>>;

/// The candidate pairs of `records` within `scope` scoring at least `min_score`, best first.
/// With a `dataset`, `left` is always its record; otherwise the record with the smaller id.
/// Runs on every core.
pub fn xref(records: &[Record], scope: Scope<'_>, min_score: f64) -> Vec<Pair> {
    let on_right = |r: &Record| scope.against.is_none_or(|d| r.dataset == d);
    let on_left = |r: &Record| scope.dataset.is_none_or(|d| r.dataset == d);
    let mut names = Vec::new();
    for (i, record) in records.iter().enumerate() {
        if !on_right(record) {
            continue;
        }
        for name in &record.names {
            names.push(IndexedName {
                node: i as u32,
                name: name.text.as_str().into(),
                norm: name.norm.as_str().into(),
                len: name.norm.chars().count().min(u16::MAX as usize) as u16,
                is_alias: name.is_alias,
            });
        }
    }
    // Trigrams in more than one name in COMMON_SHARE are not read while others are.
    let common = (names.len() / COMMON_SHARE).max(200);
    let index = NameIndex::from_names(names, HashMap::new());
    let mut by_identifier: ByIdentifier<'_> = HashMap::new();
    for (i, record) in records.iter().enumerate().filter(|(_, r)| on_right(r)) {
        for key in &record.keys {
            let holders = by_identifier.entry((key.class, key.value.as_str())).or_default();
            if holders.last() != Some(&(i as u32)) {
                holders.push(i as u32);
            }
        }
    }
    by_identifier.retain(|_, holders| holders.len() <= MAX_SHARING_ONE_IDENTIFIER);
    let left: Vec<u32> = (0..records.len() as u32)
        .filter(|i| on_left(&records[*i as usize]))
        .collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = left.len().div_ceil(workers).max(1);
    let found: Vec<Vec<Pair>> = std::thread::scope(|scope| {
        let handles: Vec<_> = left
            .chunks(chunk)
            .map(|part| {
                let (index, by_identifier) = (&index, &by_identifier);
                scope.spawn(move || {
                    part.iter()
                        .flat_map(|l| candidates_of(records, index, by_identifier, common, *l, min_score))
                        .collect::<Vec<Pair>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("an xref worker panicked"))
            .collect()
    });
    // Found from both ends when both are on the left: keep each pair once.
    let mut pairs: HashMap<(u32, u32), Pair> = HashMap::new();
    for mut pair in found.into_iter().flatten() {
        let key_of = |p: &Pair| (p.left.min(p.right), p.left.max(p.right));
        if scope.dataset.is_none() && records[pair.left as usize].id > records[pair.right as usize].id {
            std::mem::swap(&mut pair.left, &mut pair.right);
        }
        let key = key_of(&pair);
        match pairs.get(&key) {
            Some(kept) if kept.scored.score >= pair.scored.score => {}
            _ => {
                pairs.insert(key, pair);
            }
        }
    }
    let mut pairs: Vec<Pair> = pairs.into_values().collect();
    // At one score (strong pairs all reach 1), a decisive pair first.
    let decisive = |p: &Pair| p.scored.decision == super::score::Decision::Auto;
    pairs.sort_by(|a, b| {
        b.scored
            .score
            .total_cmp(&a.scored.score)
            .then_with(|| decisive(b).cmp(&decisive(a)))
            .then_with(|| records[a.left as usize].id.cmp(&records[b.left as usize].id))
            .then_with(|| records[a.right as usize].id.cmp(&records[b.right as usize].id))
    });
    pairs
}

/// The candidates of one record.
fn candidates_of(
    records: &[Record],
    index: &NameIndex,
    by_identifier: &ByIdentifier<'_>,
    common: usize,
    left: u32,
    min_score: f64,
) -> Vec<Pair> {
    let record = &records[left as usize];
    // The best pair of names found for each other record while blocking.
    let mut best: HashMap<u32, NamePair> = HashMap::new();
    for (i, name) in record.names.iter().enumerate() {
        for found in index.candidates_skipping(&name.norm, NAMES_PER_NAME, common) {
            let indexed = &index.names[found as usize];
            let other = indexed.node;
            let theirs = &records[other as usize];
            if other == left || theirs.dataset == record.dataset {
                continue;
            }
            let Some(j) = theirs.names.iter().position(|n| *n.norm == *indexed.norm) else {
                continue;
            };
            let s = similarity(name, &theirs.names[j]);
            let slot = best.entry(other).or_insert(NamePair {
                score: -1.0,
                left: i,
                right: j,
            });
            if s > slot.score {
                *slot = NamePair {
                    score: s,
                    left: i,
                    right: j,
                };
            }
        }
    }
    let mut ranked: Vec<(u32, NamePair)> = best.into_iter().filter(|(_, p)| p.score >= MIN_NAME).collect();
    ranked.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
    ranked.truncate(RECORDS_PER_RECORD);
    // Records sharing a strong identifier are scored whatever their names.
    for key in &record.keys {
        let holders = by_identifier.get(&(key.class, key.value.as_str()));
        for &other in holders.into_iter().flatten() {
            let theirs = &records[other as usize];
            if other != left && theirs.dataset != record.dataset && !ranked.iter().any(|(o, _)| *o == other) {
                ranked.push((other, best_names(record, theirs)));
            }
        }
    }
    ranked
        .into_iter()
        .filter_map(|(other, names)| {
            let scored = score_with(record, &records[other as usize], names);
            (scored.score >= min_score).then_some(Pair {
                left,
                right: other,
                scored,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Entity, Schema};

    fn record(id: &str, dataset: &str, name: &str) -> Record {
        Record::from_entity(&Entity::new(id, Schema::Company, name, dataset))
    }

    /// Records that share a strong identifier are paired even when their names are not alike;
    /// they merge automatically only if their names are (a name is what a person reads).
    #[test]
    fn a_shared_identifier_pairs_records_whose_names_differ() {
        let with_bic = |id: &str, dataset: &str, name: &str| {
            let mut e = Entity::new(id, Schema::Company, name, dataset);
            e.identifiers.push(crate::model::Identifier {
                scheme: "SWIFT/BIC".into(),
                value: "FTBDKPPY".into(),
                country: None,
            });
            Record::from_entity(&e)
        };
        let records = vec![
            with_bic("un-KPe.047", "un", "FOREIGN TRADE BANK (FTB)"),
            with_bic(
                "ofac-15603",
                "ofac",
                "FOREIGN TRADE BANK OF THE DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA",
            ),
            with_bic("un-other", "un", "MOOYOKBANK"),
            record(
                "ofac-plain",
                "ofac",
                "FOREIGN TRADE BANK OF THE DEMOCRATIC PEOPLE'S REPUBLIC OF KOREA",
            ),
        ];
        let pairs = xref(&records, Scope::default(), 0.7);
        let ids: Vec<(&str, &str, super::super::score::Decision)> = pairs
            .iter()
            .map(|p| {
                (
                    records[p.left as usize].id.as_str(),
                    records[p.right as usize].id.as_str(),
                    p.scored.decision,
                )
            })
            .collect();
        // By the identifier (the names alone stay under 0.70), for review, not merged.
        assert!(
            ids.iter()
                .any(|(l, r, d)| (*l, *r) == ("ofac-15603", "un-KPe.047")
                    && *d != super::super::score::Decision::Auto),
            "{ids:?}"
        );
        // The score still decides what is shown: an identifier alone (+0.40) with names that
        // share nothing stays under 0.70, and is found from a lower minimum.
        assert_eq!(ids.len(), 1, "{ids:?}");
        let low: Vec<(&str, &str)> = xref(&records, Scope::default(), 0.3)
            .iter()
            .map(|p| {
                (
                    records[p.left as usize].id.as_str(),
                    records[p.right as usize].id.as_str(),
                )
            })
            .collect();
        assert!(low.contains(&("ofac-15603", "un-other")), "{low:?}");
        // Without the identifier, names that share nothing are not even compared.
        assert!(!low.contains(&("ofac-plain", "un-other")), "{low:?}");
    }

    #[test]
    fn pairs_cross_datasets_only_once_each_best_first() {
        let records = vec![
            record("a1", "a", "Hangzhou Hikvision Digital Technology Co., Ltd."),
            record("a2", "a", "Hikvision Digital Technology"),
            record("b1", "b", "HANGZHOU HIKVISION DIGITAL TECHNOLOGY CO LTD"),
            record("c1", "c", "Dahua Technology"),
        ];
        let pairs = xref(&records, Scope::default(), 0.5);
        let ids: Vec<(&str, &str)> = pairs
            .iter()
            .map(|p| {
                (
                    records[p.left as usize].id.as_str(),
                    records[p.right as usize].id.as_str(),
                )
            })
            .collect();
        assert_eq!(ids[0], ("a1", "b1"));
        assert!(ids.contains(&("a2", "b1")));
        assert!(!ids.iter().any(|(l, r)| l.starts_with('a') && r.starts_with('a')));
        assert_eq!(ids.len(), 2, "{ids:?}");
        let scoped = xref(
            &records,
            Scope {
                dataset: Some("b"),
                against: Some("a"),
            },
            0.5,
        );
        assert!(scoped.iter().all(|p| records[p.left as usize].dataset == "b"));
        assert_eq!(scoped.len(), 2);
    }
}
