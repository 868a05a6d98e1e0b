//! An in-memory trigram index over every normalised name and alias, built once per graph
//! snapshot from the store's search names. Screening asks it for candidates: thousands of
//! names a second, where a round trip through SQLite's FTS per name would take milliseconds.

use crate::graph::Snapshot;
use crate::model::Schema;
use crate::store::{Store, StoreError};
use std::collections::HashMap;

/// One indexed name.
pub struct IndexedName {
    /// The entity's node in the snapshot the index was built from.
    pub node: u32,
    pub name: Box<str>,
    pub norm: Box<str>,
    /// Characters in `norm`.
    pub len: u16,
    pub is_alias: bool,
}

pub struct NameIndex {
    pub names: Vec<IndexedName>,
    /// Countries of each node that has names, as the store holds them.
    pub countries: HashMap<u32, Vec<String>>,
    /// foldhash, not SipHash: every trigram of every query name is looked up here.
    postings: hashbrown::HashMap<u64, Vec<u32>>,
}

/// The trigrams of a normalised text, padded with a space at each end so short words count.
fn trigrams(norm: &str) -> Vec<u64> {
    let chars: Vec<char> = std::iter::once(' ')
        .chain(norm.chars())
        .chain(std::iter::once(' '))
        .collect();
    let mut grams: Vec<u64> = chars
        .windows(3)
        .map(|w| (w[0] as u64) << 42 | (w[1] as u64) << 21 | w[2] as u64)
        .collect();
    grams.sort_unstable();
    grams.dedup();
    grams
}

impl NameIndex {
    pub fn build(store: &Store, snapshot: &Snapshot) -> Result<NameIndex, StoreError> {
        let mut names = Vec::new();
        let mut countries = HashMap::new();
        store.scan_names(|id, entity_countries, name, norm, is_alias| {
            let Some(node) = snapshot.find(id) else {
                return; // written after this snapshot was loaded: the next one has it
            };
            // An address is a place, not a party one screens against.
            if snapshot.node(node).schema == Schema::Address {
                return;
            }
            // A party of several records has every record's countries.
            let kept: &mut Vec<String> = countries.entry(node).or_default();
            for country in entity_countries {
                if !kept.contains(&country) {
                    kept.push(country);
                }
            }
            names.push(IndexedName {
                node,
                name: name.into(),
                norm: norm.into(),
                len: norm.chars().count().min(u16::MAX as usize) as u16,
                is_alias,
            });
        })?;
        Ok(NameIndex::from_names(names, countries))
    }

    /// An index over `names`, whose `node` may number anything the caller keeps (the
    /// snapshot's nodes for screening, source records for cross-referencing).
    pub fn from_names(names: Vec<IndexedName>, countries: HashMap<u32, Vec<String>>) -> NameIndex {
        let mut postings: hashbrown::HashMap<u64, Vec<u32>> = hashbrown::HashMap::new();
        for (i, name) in names.iter().enumerate() {
            for gram in trigrams(&name.norm) {
                postings.entry(gram).or_default().push(i as u32);
            }
        }
        NameIndex {
            names,
            countries,
            postings,
        }
    }

    /// Names sharing the most trigrams with the normalised `query`, at most `limit`, as
    /// indices into [`NameIndex::names`]. A name must share at least a third of the query's
    /// trigrams.
    pub fn candidates(&self, query: &str, limit: usize) -> Vec<u32> {
        self.candidates_skipping(query, limit, usize::MAX)
    }

    /// [`NameIndex::candidates`] reading no trigram held by more than `common` names (as
    /// "ltd" or " co" are), unless the query has no rarer ones: what a whole-store
    /// cross-referencing affords per name.
    pub fn candidates_skipping(&self, query: &str, limit: usize, common: usize) -> Vec<u32> {
        thread_local! {
            static COUNTS: std::cell::RefCell<Vec<u16>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let mut grams = trigrams(query);
        if common < usize::MAX {
            let rare: Vec<u64> = grams
                .iter()
                .copied()
                .filter(|g| self.postings.get(g).is_none_or(|p| p.len() <= common))
                .collect();
            if !rare.is_empty() {
                grams = rare;
            }
        }
        let least = (grams.len() as u16).div_ceil(3).max(1);
        let query_len = query.chars().count() as i64;
        COUNTS.with_borrow_mut(|counts| {
            counts.resize(self.names.len(), 0);
            let mut touched: Vec<u32> = Vec::new();
            for gram in &grams {
                if let Some(list) = self.postings.get(gram) {
                    for &name in list {
                        let count = &mut counts[name as usize];
                        if *count == 0 {
                            touched.push(name);
                        }
                        *count += 1;
                    }
                }
            }
            // Most shared trigrams first; among equals, names closest in length to the query.
            let key = |n: u32| {
                let len = self.names[n as usize].len as i64;
                (std::cmp::Reverse(counts[n as usize]), (len - query_len).abs(), n)
            };
            let mut found: Vec<u32> = touched
                .iter()
                .copied()
                .filter(|&n| counts[n as usize] >= least)
                .collect();
            if found.len() > limit {
                found.select_nth_unstable_by_key(limit, |&n| key(n));
                found.truncate(limit);
            }
            found.sort_unstable_by_key(|&n| key(n));
            for n in touched {
                counts[n as usize] = 0;
            }
            found
        })
    }
}
