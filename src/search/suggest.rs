//! Suggestions as a name is typed: the entities whose name or alias has a word starting with
//! the text typed so far, from an in-memory sorted index of word starts built once per graph
//! snapshot.
//!
//! [`super::rank`] answers a whole query well but reads up to 1,000 names from SQLite (tens of
//! milliseconds at 1M names); a suggestion is asked at every key press and needs only the best
//! few, so it binary-searches the sorted word starts of the same normalised names (the store's
//! `entity_names`, normalised by [`super::normalise`]) and reads at most [`SCAN`] of them.
//! No SQL, no HTTP.

use super::normalise::{is_cjk, normalise};
use crate::engine::Engine;
use crate::graph::Snapshot;
use crate::model::Schema;
use crate::store::{Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;

/// Most suggestions asked for at once.
pub const MAX_SUGGESTIONS: usize = 20;
/// Most index entries read for one text: enough to rank the best few, bounded for a
/// one-letter text that starts a million words.
const SCAN: usize = 500;

/// One indexed name or alias.
struct Named {
    node: u32,
    norm: Box<str>,
    /// The alias as written, `None` for the entity's own name.
    alias: Option<Box<str>>,
}

/// Every word start of every indexed name, sorted by the text from there on.
pub struct SuggestIndex {
    names: Vec<Named>,
    /// (index into `names`, byte offset of a word start in its `norm`).
    starts: Vec<(u32, u32)>,
}

/// A suggested entity.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suggestion {
    pub id: String,
    pub name: String,
    pub schema: Schema,
    /// The alias that matched, when it was not the entity's own name.
    pub alias: Option<String>,
    /// The lists the entity is on, current or past, each once.
    pub lists: Vec<String>,
}

/// Byte offsets where a word of a normalised name starts: after each space, and at every
/// CJK character (CJK runs have no spaces between words).
fn word_starts(norm: &str) -> impl Iterator<Item = usize> + '_ {
    let mut previous = ' ';
    norm.char_indices().filter_map(move |(i, c)| {
        let start = c != ' ' && (previous == ' ' || is_cjk(c));
        previous = c;
        start.then_some(i)
    })
}

impl SuggestIndex {
    /// Indexes the names the store holds for the entities of `snapshot`.
    pub fn build(store: &Store, snapshot: &Snapshot) -> Result<SuggestIndex, StoreError> {
        let mut names = Vec::new();
        store.scan_names(|id, _countries, name, norm, is_alias| {
            let Some(node) = snapshot.find(id) else {
                return; // written after this snapshot was loaded: the next one has it
            };
            names.push(Named {
                node,
                norm: norm.into(),
                alias: is_alias.then(|| name.into()),
            });
        })?;
        Ok(SuggestIndex::from_names(names))
    }

    fn from_names(names: Vec<Named>) -> SuggestIndex {
        let mut starts: Vec<(u32, u32)> = Vec::new();
        for (i, named) in names.iter().enumerate() {
            starts.extend(word_starts(&named.norm).map(|at| (i as u32, at as u32)));
        }
        let suffix = |&(i, at): &(u32, u32)| &names[i as usize].norm[at as usize..];
        starts.sort_unstable_by(|a, b| suffix(a).cmp(suffix(b)));
        SuggestIndex { names, starts }
    }

    fn suffix(&self, (i, at): (u32, u32)) -> &str {
        &self.names[i as usize].norm[at as usize..]
    }

    /// Names indexed and word starts held: the index's size.
    pub fn len(&self) -> (usize, usize) {
        (self.names.len(), self.starts.len())
    }

    /// Bytes the index holds on the heap (its vectors and texts).
    pub fn heap_bytes(&self) -> usize {
        let texts: usize = self
            .names
            .iter()
            .map(|n| n.norm.len() + n.alias.as_ref().map_or(0, |a| a.len()))
            .sum();
        self.names.capacity() * std::mem::size_of::<Named>()
            + self.starts.capacity() * std::mem::size_of::<(u32, u32)>()
            + texts
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// At most `limit` entities for `text`, best first: an entity whose id is `text`; then
    /// names that start with it before names with a later word that does; the exact name
    /// first; own names before aliases; listed parties first; shorter names first.
    pub fn suggest(&self, snapshot: &Snapshot, text: &str, limit: usize) -> Vec<Suggestion> {
        let limit = limit.min(MAX_SUGGESTIONS);
        let query = normalise(text);
        let mut best: HashMap<u32, (SuggestKey, Option<&str>)> = HashMap::new();
        if let Some(node) = snapshot.find(text.trim()) {
            best.insert(node, ((0, 0, 0, 0, 0), None));
        }
        if !query.is_empty() {
            let first = self.starts.partition_point(|&s| self.suffix(s) < query.as_str());
            for &(i, at) in self.starts[first..]
                .iter()
                .take(SCAN)
                .take_while(|&&s| self.suffix(s).starts_with(query.as_str()))
            {
                let named = &self.names[i as usize];
                let key = (
                    1 + u8::from(at != 0),
                    u8::from(*named.norm != *query),
                    u8::from(named.alias.is_some()),
                    u8::from(snapshot.listings(named.node).is_empty()),
                    named.norm.len(),
                );
                match best.get(&named.node) {
                    Some((kept, _)) if *kept <= key => {}
                    _ => {
                        best.insert(named.node, (key, named.alias.as_deref()));
                    }
                }
            }
        }
        let mut ranked: Vec<(SuggestKey, u32, Option<&str>)> = best
            .into_iter()
            .map(|(node, (key, alias))| (key, node, alias))
            .collect();
        ranked.sort_unstable_by(|a, b| {
            (a.0, snapshot.node(a.1).name.as_ref(), a.1).cmp(&(b.0, snapshot.node(b.1).name.as_ref(), b.1))
        });
        ranked
            .into_iter()
            .take(limit)
            .map(|(_, node, alias)| {
                let n = snapshot.node(node);
                Suggestion {
                    id: n.id.to_string(),
                    name: n.name.to_string(),
                    schema: n.schema,
                    alias: alias.map(str::to_string),
                    lists: snapshot.list_names_of(node),
                }
            })
            .collect()
    }
}

/// (0 id, 1 name starts with the text, 2 a later word does; not exact; an alias; not
/// listed; length).
type SuggestKey = (u8, u8, u8, u8, usize);

/// At most `limit` suggestions for `text` from the engine's current snapshot; its index is
/// built on first use (about a second per million names) and kept with the snapshot.
pub fn suggest(engine: &Engine, text: &str, limit: usize) -> Result<Vec<Suggestion>, StoreError> {
    let snapshot = engine.snapshot();
    let index = snapshot.memo("suggest-index", || {
        engine.read(|store| SuggestIndex::build(store, &snapshot))
    })?;
    Ok(index.suggest(&snapshot, text, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_starts_are_after_spaces_and_at_each_cjk_character() {
        let cases: &[(&str, &[usize])] = &[
            ("hangzhou hikvision", &[0, 9]),
            ("a  b", &[0, 3]),
            ("海康 威视", &[0, 3, 7, 10]),
            ("", &[]),
        ];
        for (norm, want) in cases {
            assert_eq!(word_starts(norm).collect::<Vec<_>>(), *want, "{norm:?}");
        }
    }

    #[test]
    fn starts_are_sorted_by_the_text_from_there() {
        let names = ["hangzhou hikvision digital", "hikvision", "zhejiang dahua"]
            .iter()
            .enumerate()
            .map(|(i, n)| Named {
                node: i as u32,
                norm: (*n).into(),
                alias: None,
            })
            .collect();
        let index = SuggestIndex::from_names(names);
        let suffixes: Vec<&str> = index.starts.iter().map(|&s| index.suffix(s)).collect();
        assert_eq!(
            suffixes,
            [
                "dahua",
                "digital",
                "hangzhou hikvision digital",
                "hikvision",
                "hikvision digital",
                "zhejiang dahua"
            ]
        );
    }
}
