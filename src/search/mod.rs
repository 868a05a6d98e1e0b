//! Name search: normalisation, candidate lookup, ranking, filters and facets.
//!
//! Ranking is by tier, then by similarity within the tier:
//! 1. **exact**: the normalised name equals the normalised query (or they are equal once
//!    trailing legal forms are dropped: "Hikvision Co., Ltd." is an exact hit for "Hikvision");
//! 2. **prefix**: the name starts with the query;
//! 3. **contains**: the query is a substring of the name ("海康威视" in
//!    "杭州海康威视数字技术股份有限公司", "hikvision digital" in "hangzhou hikvision digital …");
//! 4. **fuzzy**: names sharing trigrams with the query (BM25 candidates) whose words are
//!    close to the query's (Jaro–Winkler over words, `rapidfuzz`), e.g. misspellings or another
//!    word order.
//!
//! Candidates come from the in-memory trigram index of every name ([`SearchIndex`], built from
//! the store's name rows); this module does no SQL. [`rank`] gives every hit of a text, best first, and is what other
//! features (screening) build on; [`search`] adds filters, facets and pagination for the page.

pub mod index;
pub mod normalise;
pub mod suggest;

pub use index::SearchIndex;
pub use normalise::{core, normalise};

use crate::model::Schema;
use crate::store::NameMatch;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most substring candidates read for one query; more sets [`Ranked::truncated`].
const SUBSTRING_LIMIT: usize = 1000;
/// Fuzzy candidates read from the trigram index, by BM25.
const FUZZY_CANDIDATES: usize = 100;
/// How many of a query's rarest trigrams select substring candidates (all must be present).
const SUBSTRING_TRIGRAMS: usize = 4;
/// How many of a query's rarest trigrams select fuzzy candidates (any may be present).
const FUZZY_TRIGRAMS: usize = 8;
/// Trigrams held by more names than this are too common to find fuzzy candidates by.
const FUZZY_MAX_FREQUENCY: usize = 2000;
/// How many of a query's trigrams are weighed for rarity (spread over the query).
const SAMPLED_TRIGRAMS: usize = 16;
/// Fuzzy candidates are looked for only when fewer entities than this matched better.
const FUZZY_BELOW: usize = 20;
/// Least word similarity (0..1) for a fuzzy hit.
pub const FUZZY_THRESHOLD: f64 = 0.88;

/// How a hit matched, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Exact,
    Prefix,
    Contains,
    Fuzzy,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Exact => "exact",
            Tier::Prefix => "prefix",
            Tier::Contains => "contains",
            Tier::Fuzzy => "fuzzy",
        }
    }
}

/// One entity found, with the name or alias that matched it best.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    pub name: String,
    pub schema: Schema,
    pub countries: Vec<String>,
    /// Lists the entity is on (sorted).
    pub lists: Vec<String>,
    /// The name or alias that matched, as the source gives it.
    pub matched: String,
    pub matched_alias: bool,
    pub tier: Tier,
    /// Similarity of the matched name to the query, 0..1; orders hits within a tier.
    pub score: f64,
}

/// Every hit of a text, best first.
#[derive(Debug, Clone, Default)]
pub struct Ranked {
    pub hits: Vec<Hit>,
    /// Whether the query matched more names than were read (a very common substring).
    pub truncated: bool,
}

/// Similarity of a normalised name to a normalised query, 0..1.
///
/// The mean over the query's words of the best Jaro–Winkler similarity to any word of the
/// name, slightly discounted when the name has many more words; or the similarity of the
/// whole strings, whichever is higher.
pub fn similarity(query: &str, name: &str) -> f64 {
    let whole = crate::screen::jaro_winkler(query, name);
    let words = word_similarity(query, name);
    let query_words = query.split(' ').count() as f64;
    let name_words = name.split(' ').count().max(1) as f64;
    let coverage = (query_words / name_words).min(1.0);
    whole.max(words * (0.9 + 0.1 * coverage))
}

/// Mean over the query's words of the best Jaro–Winkler similarity to a word of the name.
fn word_similarity(query: &str, name: &str) -> f64 {
    let mut total = 0.0;
    let mut count = 0usize;
    for q in query.split(' ') {
        let best = name
            .split(' ')
            .map(|n| {
                if n == q {
                    1.0
                } else {
                    crate::screen::jaro_winkler(q, n)
                }
            })
            .fold(0.0, f64::max);
        total += best;
        count += 1;
    }
    if count == 0 {
        0.0
    } else {
        total / count as f64
    }
}

/// How a normalised name matches a normalised query, if it does.
pub fn classify(query: &str, name: &str) -> Option<(Tier, f64)> {
    if query.is_empty() {
        return None;
    }
    let query_core = core(query);
    let name_core = core(name);
    let score = similarity(query, name);
    let tier = if name == query || name_core == query_core {
        Tier::Exact
    } else if name.starts_with(query) || name_core.starts_with(query_core) {
        Tier::Prefix
    } else if name.contains(query) || name_core.contains(query_core) {
        Tier::Contains
    } else if word_similarity(query, name) >= FUZZY_THRESHOLD {
        Tier::Fuzzy
    } else {
        return None;
    };
    Some((tier, if tier == Tier::Exact { 1.0 } else { score }))
}

/// At most `n` of `grams`, spread evenly over them (first and last included).
fn spread(grams: Vec<String>, n: usize) -> Vec<String> {
    if grams.len() <= n {
        return grams;
    }
    let last = grams.len() - 1;
    (0..n).map(|i| grams[i * last / (n - 1)].clone()).collect()
}

/// The distinct character trigrams of a normalised query (spaces included).
fn trigrams(query: &str) -> Vec<String> {
    let chars: Vec<char> = query.chars().collect();
    let mut out: Vec<String> = Vec::new();
    for window in chars.windows(3) {
        let t: String = window.iter().collect();
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

/// Every entity whose names or aliases match `text`, best first (see the module docs).
pub fn rank(index: &SearchIndex, text: &str) -> Ranked {
    let query = normalise(text);
    if query.is_empty() {
        return Ranked::default();
    }
    let mut truncated = false;
    let mut candidates = Vec::new();
    let query_core = core(&query);
    let mut fuzzy_grams = Vec::new();
    for (i, text) in [query.as_str(), query_core].into_iter().enumerate() {
        if i == 1 && text == query {
            break;
        }
        let grams = spread(trigrams(text), SAMPLED_TRIGRAMS);
        let found = if grams.is_empty() {
            // Under three characters: the trigrams cannot help; every name is read.
            index.containing(text, SUBSTRING_LIMIT)
        } else {
            let mut by_rarity: Vec<(usize, String)> =
                grams.into_iter().map(|g| (index.frequency(&g), g)).collect();
            by_rarity.sort();
            if i == 0 {
                fuzzy_grams = by_rarity
                    .iter()
                    .filter(|(n, _)| (1..=FUZZY_MAX_FREQUENCY).contains(n))
                    .take(FUZZY_TRIGRAMS)
                    .map(|(_, g)| g.clone())
                    .collect();
            }
            if by_rarity.first().is_some_and(|(n, _)| *n == 0) {
                Vec::new() // a trigram no name holds: no name contains the text
            } else {
                let rarest: Vec<String> = by_rarity
                    .into_iter()
                    .take(SUBSTRING_TRIGRAMS)
                    .map(|(_, g)| g)
                    .collect();
                index.holding_all(&rarest, SUBSTRING_LIMIT)
            }
        };
        truncated |= found.len() >= SUBSTRING_LIMIT;
        candidates.extend(found);
    }
    let mut matched: Vec<i64> = candidates.iter().map(|c| c.eid).collect();
    matched.sort_unstable();
    matched.dedup();
    // Fuzzy candidates are a fallback: with enough better hits they would only rank below.
    // (A candidate that merely shares the rarest trigrams is dropped by `classify`.)
    if !fuzzy_grams.is_empty() && matched.len() < FUZZY_BELOW {
        candidates.extend(index.holding_any(&fuzzy_grams, FUZZY_CANDIDATES));
    }

    let mut best: HashMap<i64, (Tier, f64, NameMatch)> = HashMap::new();
    for candidate in candidates {
        let Some((tier, score)) = classify(&query, &candidate.norm) else {
            continue;
        };
        match best.get(&candidate.eid) {
            Some((t, s, m))
                if (*t, std::cmp::Reverse(ordered(*s)), m.is_alias)
                    <= (tier, std::cmp::Reverse(ordered(score)), candidate.is_alias) => {}
            _ => {
                best.insert(candidate.eid, (tier, score, candidate));
            }
        }
    }
    let mut hits: Vec<Hit> = best
        .into_values()
        .map(|(tier, score, m)| Hit {
            id: m.id,
            name: m.entity_name,
            schema: m.schema,
            countries: m.countries,
            lists: m.lists,
            matched: m.name,
            matched_alias: m.is_alias,
            tier,
            score,
        })
        .collect();
    hits.sort_by(|a, b| {
        (
            a.tier,
            std::cmp::Reverse(ordered(a.score)),
            a.lists.is_empty(),
            // At equal tier and score, a party whose own name matches comes before one whose
            // alias does (the same party often appears in several lists under both).
            a.matched_alias,
            &a.name,
            &a.id,
        )
            .cmp(&(
                b.tier,
                std::cmp::Reverse(ordered(b.score)),
                b.lists.is_empty(),
                b.matched_alias,
                &b.name,
                &b.id,
            ))
    });
    Ranked { hits, truncated }
}

/// A score as an integer that orders like it (scores are finite, 0..1).
fn ordered(score: f64) -> i64 {
    (score * 1e9).round() as i64
}

/// A search: the text and the filters that narrow its hits.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub text: String,
    pub schema: Option<Schema>,
    /// A country as the data gives it (e.g. `CN`, `Iran`); compared case-insensitively.
    pub country: Option<String>,
    /// A list name, e.g. `Entity List`.
    pub list: Option<String>,
}

/// A facet value and how many hits have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Counts of hits by schema, country and list. Each facet counts the hits that pass the
/// *other* filters, so choosing a schema still shows the other schemas on offer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub schema: Vec<FacetCount>,
    pub country: Vec<FacetCount>,
    pub list: Vec<FacetCount>,
}

/// One page of a search.
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Hits passing all filters.
    pub total: usize,
    /// The hits of the page asked for.
    pub hits: Vec<Hit>,
    pub facets: Facets,
    pub truncated: bool,
}

impl Query {
    fn schema_ok(&self, hit: &Hit) -> bool {
        self.schema.is_none_or(|s| hit.schema == s)
    }
    fn country_ok(&self, hit: &Hit) -> bool {
        self.country
            .as_deref()
            .is_none_or(|c| hit.countries.iter().any(|h| h.eq_ignore_ascii_case(c)))
    }
    fn list_ok(&self, hit: &Hit) -> bool {
        self.list
            .as_deref()
            .is_none_or(|l| hit.lists.iter().any(|h| h == l))
    }
}

fn facet(counts: BTreeMap<String, u64>) -> Vec<FacetCount> {
    let mut out: Vec<FacetCount> = counts
        .into_iter()
        .map(|(value, count)| FacetCount { value, count })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    out
}

/// Hits of `query` passing its filters, page `page` (from 1) of `per_page`, with facets.
pub fn search(index: &SearchIndex, query: &Query, page: usize, per_page: usize) -> Results {
    search_parties(index, query, page, per_page, &|_| None)
}

/// A party that stands for several records: its id and name.
pub type PartyOf<'a> = &'a dyn Fn(&str) -> Option<(String, String)>;

impl Ranked {
    /// One hit per party: the hits of records judged one party (`party_of` gives the party of
    /// a record that is one of several) become the party's best hit, with the lists and
    /// countries of all of them.
    pub fn by_party(self, party_of: PartyOf<'_>) -> Ranked {
        let mut hits: Vec<Hit> = Vec::with_capacity(self.hits.len());
        let mut at: HashMap<String, usize> = HashMap::new();
        for mut hit in self.hits {
            if let Some((id, name)) = party_of(&hit.id) {
                hit.id = id;
                hit.name = name;
            }
            match at.get(&hit.id) {
                Some(&i) => {
                    let kept = &mut hits[i];
                    for l in hit.lists {
                        if !kept.lists.contains(&l) {
                            kept.lists.push(l);
                        }
                    }
                    for c in hit.countries {
                        if !kept.countries.contains(&c) {
                            kept.countries.push(c);
                        }
                    }
                }
                None => {
                    at.insert(hit.id.clone(), hits.len());
                    hits.push(hit);
                }
            }
        }
        Ranked {
            hits,
            truncated: self.truncated,
        }
    }
}

/// [`search`] with one hit per party (see [`Ranked::by_party`]).
pub fn search_parties(
    index: &SearchIndex,
    query: &Query,
    page: usize,
    per_page: usize,
    party_of: PartyOf<'_>,
) -> Results {
    let ranked = rank(index, &query.text).by_party(party_of);
    let mut schemas = BTreeMap::new();
    let mut countries = BTreeMap::new();
    let mut lists = BTreeMap::new();
    let mut passing = Vec::new();
    for hit in ranked.hits {
        let (s, c, l) = (query.schema_ok(&hit), query.country_ok(&hit), query.list_ok(&hit));
        if c && l {
            *schemas.entry(hit.schema.as_str().to_string()).or_insert(0) += 1;
        }
        if s && l {
            for country in &hit.countries {
                *countries.entry(country.clone()).or_insert(0) += 1;
            }
        }
        if s && c {
            for list in &hit.lists {
                *lists.entry(list.clone()).or_insert(0) += 1;
            }
        }
        if s && c && l {
            passing.push(hit);
        }
    }
    let total = passing.len();
    let start = page.saturating_sub(1).saturating_mul(per_page);
    let hits = passing.into_iter().skip(start).take(per_page).collect();
    Results {
        total,
        hits,
        facets: Facets {
            schema: facet(schemas),
            country: facet(countries),
            list: facet(lists),
        },
        truncated: ranked.truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_order_exact_prefix_contains_fuzzy() {
        for (query, name, tier) in [
            ("hikvision", "hikvision", Some(Tier::Exact)),
            ("hikvision", "hikvision co ltd", Some(Tier::Exact)),
            ("hikvision co ltd", "hikvision", Some(Tier::Exact)),
            ("hikv", "hikvision", Some(Tier::Prefix)),
            (
                "hangzhou hikvision digital technology",
                "hangzhou hikvision digital technology co ltd",
                Some(Tier::Exact),
            ),
            (
                "hangzhou hikvision",
                "hangzhou hikvision digital technology co ltd",
                Some(Tier::Prefix),
            ),
            (
                "hikvision digital",
                "hangzhou hikvision digital technology co ltd",
                Some(Tier::Contains),
            ),
            ("海康威视", "杭州海康威视数字技术 co ltd", Some(Tier::Contains)),
            ("hikvison", "hikvision", Some(Tier::Fuzzy)),
            (
                "digital hikvision",
                "hangzhou hikvision digital technology co ltd",
                Some(Tier::Fuzzy),
            ),
            ("hikvision", "dahua technology", None),
            ("", "hikvision", None),
        ] {
            assert_eq!(
                classify(query, name).map(|(t, _)| t),
                tier,
                "{query:?} ~ {name:?}"
            );
        }
    }

    #[test]
    fn closer_names_score_higher() {
        assert!(
            similarity("hikvision", "hikvision co ltd")
                > similarity("hikvision", "hangzhou hikvision digital technology co ltd")
        );
        assert!(similarity("hikvison", "hikvision") > similarity("hikvison", "hik group"));
    }

    #[test]
    fn trigrams_are_distinct_and_capped() {
        assert_eq!(trigrams("abcab"), vec!["abc", "bca", "cab"]);
        assert_eq!(trigrams("ab"), Vec::<String>::new());
        assert_eq!(trigrams("海康威视"), vec!["海康威", "康威视"]);
        assert_eq!(trigrams(&"abcdefghij".repeat(20)).len(), 10);
        assert_eq!(trigrams("ab cd"), vec!["ab ", "b c", " cd"]);
        let grams: Vec<String> = (0..10).map(|i| i.to_string()).collect();
        assert_eq!(spread(grams.clone(), 4), vec!["0", "3", "6", "9"]);
        assert_eq!(spread(grams.clone(), 20), grams);
    }
}
