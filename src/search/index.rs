//! The trigram index that name search looks candidates up in, held in memory and built from
//! the store's `search_names` rows (each name normalised once, when it is written).
//!
//! Why in memory and not in SQLite: an FTS5 trigram index and its trigram counts were most of
//! every import's cost (54–74% of an apply), where building these postings from the rows takes
//! a pass over them. The store numbers its names with a generation that moves whenever a batch
//! writes names; [`crate::engine::Engine::search_index`] keeps the index of the generation it
//! was built from and builds a new one when the generation moves.

use crate::model::Schema;
use crate::store::{NameMatch, Result, SearchRows, Store};
// foldhash, not SipHash: every trigram of every name is hashed at every build.
use hashbrown::HashMap;

/// An entity with names in the index: what a hit shows of it.
struct IndexedEntity {
    eid: i64,
    id: Box<str>,
    name: Box<str>,
    schema: Schema,
    countries: Vec<String>,
    /// The lists it is on, sorted, each once.
    lists: Vec<String>,
}

/// A name or alias of an entity, in the store's order of names (`nid`).
struct IndexedName {
    entity: u32,
    /// Characters of `norm`: shorter names come first among equal matches.
    len: u32,
    is_alias: bool,
    name: Box<str>,
    norm: Box<str>,
}

/// Every indexed name, and for each character trigram of a normalised name the names holding
/// it (ascending, each once).
pub struct SearchIndex {
    /// The store's name generation this index was built from.
    pub generation: i64,
    entities: Vec<IndexedEntity>,
    names: Vec<IndexedName>,
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

impl SearchIndex {
    /// Reads the store's names (one read transaction) and indexes them.
    pub fn build(store: &Store) -> Result<SearchIndex> {
        let rows = store.search_rows()?;
        Ok(SearchIndex::from_rows(rows))
    }

    fn from_rows(rows: SearchRows) -> SearchIndex {
        let mut at: HashMap<i64, u32> = HashMap::with_capacity(rows.entities.len());
        let mut entities = Vec::with_capacity(rows.entities.len());
        for e in rows.entities {
            at.insert(e.eid, entities.len() as u32);
            entities.push(IndexedEntity {
                eid: e.eid,
                id: e.id.into(),
                name: e.name.into(),
                schema: e.schema,
                countries: e.countries,
                lists: Vec::new(),
            });
        }
        for (eid, list) in rows.listings {
            if let Some(&i) = at.get(&eid) {
                entities[i as usize].lists.push(list);
            }
        }
        for e in &mut entities {
            e.lists.sort_unstable();
            e.lists.dedup();
        }
        let mut names = Vec::with_capacity(rows.names.len());
        let mut postings: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut chars: Vec<char> = Vec::new();
        let mut grams: Vec<u64> = Vec::new();
        let mut total_trigrams = 0u64;
        for n in rows.names {
            let Some(&entity) = at.get(&n.eid) else {
                continue; // a name whose entity the read did not see: not possible in one transaction
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
            names.push(IndexedName {
                entity,
                len: chars.len() as u32,
                is_alias: n.is_alias,
                name: n.name.into(),
                norm: n.norm.into(),
            });
        }
        let mean_trigrams = if names.is_empty() {
            1.0
        } else {
            (total_trigrams as f64 / names.len() as f64).max(1.0)
        };
        SearchIndex {
            generation: rows.generation,
            entities,
            names,
            postings,
            mean_trigrams,
        }
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
            .filter(|&i| self.names[i as usize].norm.contains(text))
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
        NameMatch {
            eid: entity.eid,
            id: entity.id.to_string(),
            entity_name: entity.name.to_string(),
            schema: entity.schema,
            countries: entity.countries.clone(),
            lists: entity.lists.clone(),
            name: name.name.to_string(),
            norm: name.norm.to_string(),
            is_alias: name.is_alias,
        }
    }
}
