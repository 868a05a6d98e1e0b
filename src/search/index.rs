//! The trigram index that name search looks candidates up in, held in memory and built from
//! the store's `entity_names` rows (each name normalised once, when it is written).
//!
//! Why in memory and not in SQLite: an FTS5 trigram index and its trigram counts were most of
//! every import's cost (54–74% of an apply), where building these postings from the rows takes
//! a pass over them. The store numbers its names with a generation that moves whenever a batch
//! writes names; [`crate::engine::Engine::search_index`] keeps the index of the generation it
//! was built from and builds a new one when the generation moves.

use crate::model::Schema;
use crate::store::{NameMatch, Result, Store};
// foldhash, not SipHash: every trigram of every name is hashed at every build.
use hashbrown::HashMap;
use std::ops::Range;

/// An entity with names in the index: what a hit shows of it. Its texts are ranges of
/// [`SearchIndex::text`], its countries and lists numbers of [`SearchIndex::labels`]: at 1M
/// entities, a few allocations instead of millions.
struct IndexedEntity {
    eid: i64,
    id: Range<u32>,
    name: Range<u32>,
    schema: Schema,
    countries: Vec<u32>,
    /// The lists it is on, sorted by name, each once.
    lists: Vec<u32>,
}

/// A name or alias of an entity, in the store's order: by entity, then the entity's own order.
struct IndexedName {
    entity: u32,
    /// Characters of the normalised form: shorter names come first among equal matches.
    len: u32,
    is_alias: bool,
    /// The name as the source gives it, then its normalised form, in [`SearchIndex::text`].
    name: Range<u32>,
    norm: Range<u32>,
}

/// Every indexed name, and for each character trigram of a normalised name the names holding
/// it (ascending, each once).
pub struct SearchIndex {
    /// The store's name generation this index was built from.
    pub generation: i64,
    entities: Vec<IndexedEntity>,
    names: Vec<IndexedName>,
    /// Every entity id, entity name, name and normalised name, one after another.
    text: String,
    /// Country and list names, each once.
    labels: Vec<String>,
    postings: HashMap<u64, Vec<u32>>,
    /// Mean trigrams per name, for BM25.
    mean_trigrams: f64,
}

/// Three characters in a `u64` (21 bits each): a trigram without an allocation.
fn pack(w: &[char]) -> u64 {
    ((w[0] as u64) << 42) | ((w[1] as u64) << 21) | (w[2] as u64)
}

/// The packed trigram of a three-character string (`None` for any other length).
fn pack_str(gram: &str) -> Option<u64> {
    let chars: Vec<char> = gram.chars().collect();
    (chars.len() == 3).then(|| pack(&chars))
}

/// What a build keeps while it reads the rows.
#[derive(Default)]
struct Builder {
    index: Vec<IndexedEntity>,
    at: HashMap<i64, u32>,
    text: String,
    labels: Vec<String>,
    label_at: HashMap<String, u32>,
}

impl Builder {
    fn push_text(&mut self, text: &str) -> Range<u32> {
        let start = self.text.len();
        self.text.push_str(text);
        // Offsets are u32: 4 GB of names is far past what one process serves.
        let end = u32::try_from(self.text.len()).expect("index text under 4 GB");
        start as u32..end
    }

    fn label(&mut self, label: &str) -> u32 {
        if let Some(&i) = self.label_at.get(label) {
            return i;
        }
        let i = self.labels.len() as u32;
        self.labels.push(label.to_string());
        self.label_at.insert(label.to_string(), i);
        i
    }
}

impl SearchIndex {
    /// Reads the store's names (on one read transaction) and indexes them.
    pub fn build(store: &Store) -> Result<SearchIndex> {
        let mut b = Builder::default();
        let mut names: Vec<IndexedName> = Vec::new();
        let mut postings: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut chars: Vec<char> = Vec::new();
        let mut grams: Vec<u64> = Vec::new();
        let mut total_trigrams = 0u64;
        let mut listings: Vec<(u32, u32)> = Vec::new();
        let generation = {
            let b = std::cell::RefCell::new(&mut b);
            store.search_rows(
                |e| {
                    let mut b = b.borrow_mut();
                    let at = b.index.len() as u32;
                    b.at.insert(e.eid, at);
                    let id = b.push_text(e.id);
                    let name = b.push_text(e.name);
                    let countries = e.countries.iter().map(|c| b.label(c)).collect();
                    b.index.push(IndexedEntity {
                        eid: e.eid,
                        id,
                        name,
                        schema: e.schema,
                        countries,
                        lists: Vec::new(),
                    });
                },
                |eid, list| {
                    let mut b = b.borrow_mut();
                    if let Some(&at) = b.at.get(&eid) {
                        let label = b.label(list);
                        listings.push((at, label));
                    }
                },
                |n| {
                    let mut b = b.borrow_mut();
                    let Some(&entity) = b.at.get(&n.eid) else {
                        return; // not possible in one read transaction
                    };
                    let i = names.len() as u32;
                    chars.clear();
                    chars.extend(n.norm.chars());
                    grams.clear();
                    grams.extend(chars.windows(3).map(pack));
                    total_trigrams += grams.len() as u64;
                    grams.sort_unstable();
                    grams.dedup();
                    for gram in &grams {
                        postings.entry(*gram).or_default().push(i);
                    }
                    let name = b.push_text(n.name);
                    let norm = b.push_text(n.norm);
                    names.push(IndexedName {
                        entity,
                        len: chars.len() as u32,
                        is_alias: n.is_alias,
                        name,
                        norm,
                    });
                },
            )?
        };
        for (at, label) in listings {
            b.index[at as usize].lists.push(label);
        }
        let labels = b.labels;
        for e in &mut b.index {
            e.lists
                .sort_unstable_by(|x, y| labels[*x as usize].cmp(&labels[*y as usize]));
            e.lists.dedup();
        }
        for list in postings.values_mut() {
            list.shrink_to_fit();
        }
        b.text.shrink_to_fit();
        let mean_trigrams = if names.is_empty() {
            1.0
        } else {
            (total_trigrams as f64 / names.len() as f64).max(1.0)
        };
        Ok(SearchIndex {
            generation,
            entities: b.index,
            names,
            text: b.text,
            labels,
            postings,
            mean_trigrams,
        })
    }

    fn text(&self, range: &Range<u32>) -> &str {
        &self.text[range.start as usize..range.end as usize]
    }

    /// How many names are indexed.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// How many names hold `gram` (a three-character string), 0 for any other text.
    pub fn frequency(&self, gram: &str) -> usize {
        pack_str(gram)
            .and_then(|g| self.postings.get(&g))
            .map_or(0, Vec::len)
    }

    fn postings_of(&self, gram: &str) -> &[u32] {
        pack_str(gram)
            .and_then(|g| self.postings.get(&g))
            .map_or(&[], Vec::as_slice)
    }

    /// Names whose normalised form contains `text`, shortest first, at most `limit`: a scan
    /// of every name, for texts too short to have a trigram.
    pub fn containing(&self, text: &str, limit: usize) -> Vec<NameMatch> {
        let found: Vec<u32> = (0..self.names.len() as u32)
            .filter(|&i| self.text(&self.names[i as usize].norm).contains(text))
            .collect();
        self.shortest(found, limit)
    }

    /// Names holding every one of `grams`, shortest first, at most `limit`: a superset of the
    /// names containing a text made of them, cheap when they are its rarest trigrams.
    pub fn holding_all(&self, grams: &[String], limit: usize) -> Vec<NameMatch> {
        let mut lists: Vec<&[u32]> = grams.iter().map(|g| self.postings_of(g)).collect();
        if lists.is_empty() {
            return Vec::new();
        }
        lists.sort_by_key(|l| l.len());
        let mut found: Vec<u32> = lists[0].to_vec();
        for list in &lists[1..] {
            // Both ascending: keep the names of `found` that `list` holds.
            let mut rest = *list;
            found.retain(|n| {
                let skip = rest.partition_point(|m| m < n);
                rest = &rest[skip..];
                rest.first() == Some(n)
            });
            if found.is_empty() {
                break;
            }
        }
        self.shortest(found, limit)
    }

    /// Names holding any of `grams`, best BM25 score first (as SQLite's FTS5 ranks them: rare
    /// trigrams weigh more, short names more than long ones), at most `limit`: fuzzy candidates.
    pub fn holding_any(&self, grams: &[String], limit: usize) -> Vec<NameMatch> {
        const K1: f64 = 1.2;
        const B: f64 = 0.75;
        let total = self.names.len() as f64;
        let mut scores: HashMap<u32, f64> = HashMap::new();
        for gram in grams {
            let list = self.postings_of(gram);
            if list.is_empty() {
                continue;
            }
            let held = list.len() as f64;
            let idf = ((total - held + 0.5) / (held + 0.5)).ln().max(1e-6);
            for &n in list {
                // Each name counts a trigram once (its postings are distinct).
                let trigrams = self.names[n as usize].len.saturating_sub(2).max(1) as f64;
                let weight = idf * (K1 + 1.0) / (1.0 + K1 * (1.0 - B + B * trigrams / self.mean_trigrams));
                *scores.entry(n).or_default() += weight;
            }
        }
        let mut ranked: Vec<(u32, f64)> = scores.into_iter().collect();
        let by_score = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        if ranked.len() > limit && limit > 0 {
            ranked.select_nth_unstable_by(limit - 1, by_score);
        }
        ranked.truncate(limit);
        ranked.sort_unstable_by(by_score);
        ranked.into_iter().map(|(n, _)| self.name_match(n)).collect()
    }

    /// At most `limit` of `found`, shortest names first (in store order among equals).
    fn shortest(&self, mut found: Vec<u32>, limit: usize) -> Vec<NameMatch> {
        let key = |n: &u32| (self.names[*n as usize].len, *n);
        if found.len() > limit && limit > 0 {
            found.select_nth_unstable_by_key(limit - 1, key);
        }
        found.truncate(limit);
        found.sort_unstable_by_key(key);
        found.into_iter().map(|n| self.name_match(n)).collect()
    }

    fn name_match(&self, n: u32) -> NameMatch {
        let name = &self.names[n as usize];
        let entity = &self.entities[name.entity as usize];
        let labels = |of: &[u32]| of.iter().map(|l| self.labels[*l as usize].clone()).collect();
        NameMatch {
            eid: entity.eid,
            id: self.text(&entity.id).to_string(),
            entity_name: self.text(&entity.name).to_string(),
            schema: entity.schema,
            countries: labels(&entity.countries),
            lists: labels(&entity.lists),
            name: self.text(&name.name).to_string(),
            norm: self.text(&name.norm).to_string(),
            is_alias: name.is_alias,
        }
    }
}
