//! Screening: how well a counterparty (a name, perhaps with country, schema, birth date or an
//! identifier) matches the parties in the database, with the reasons.
//!
//! Candidates come from an in-memory trigram index ([`NameIndex`]) over the search's
//! normalised names (case, accents, scripts and legal forms folded by
//! [`crate::search::normalise`]); each party is then scored by its best name or alias:
//! - **name**: the higher of a symmetric word similarity (for each word of either name, the best
//!   Jaro–Winkler similarity to a word of the other, averaged both ways: word order does not
//!   matter, and a short name is not a match for a long one it merely starts) and the
//!   normalised Levenshtein similarity of both names with spaces removed ("Hik Vision" ≈
//!   "Hikvision", one character changed);
//! - **features** nudge it: country agreeing (+0.05) or not (−0.10), schema person vs.
//!   organisation disagreeing (−0.20), birth year agreeing (+0.05) or not (−0.20), an
//!   identifier agreeing (+0.30). Each is explained.
//!
//! Architecture invariant: no HTTP and no SQL here; the store and the search do the IO.

pub mod batch;
pub mod evaluation;
mod index;

pub use index::{IndexedName, NameIndex};

use crate::engine::Engine;
use crate::graph::Snapshot;
use crate::model::Schema;
use crate::search::{core, normalise};
use crate::store::StoreError;
use serde::Serialize;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

/// Scores at or above this are reported as matches by default.
pub const DEFAULT_THRESHOLD: f64 = 0.88;
/// A threshold as given (`0.9`): a number from 0 to 1.
pub fn parse_threshold(text: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|t| (0.0..=1.0).contains(t))
        .ok_or_else(|| format!("{text:?} is not a number from 0 to 1"))
}

/// Names read from the trigram index per form of the subject's name.
const NAME_CANDIDATES: usize = 60;
/// Parties scored in full per subject.
pub(crate) const CANDIDATES: usize = 25;

/// Who is being screened: what a row of a counterparty file says.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    pub name: String,
    pub country: Option<String>,
    pub schema: Option<Schema>,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    pub birth_date: Option<String>,
    /// A registration number, passport, IMO number…; compared ignoring punctuation and case.
    pub identifier: Option<String>,
}

/// One way a feature of the subject bore on a candidate's score.
#[derive(Debug, Clone, Serialize)]
pub struct Feature {
    pub feature: &'static str,
    pub agrees: bool,
    pub effect: f64,
    pub detail: String,
}

/// A party that may be the subject.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub schema: Schema,
    pub countries: Vec<String>,
    pub lists: Vec<String>,
    /// The name or alias of the party that matched best, as the source gives it.
    pub matched: String,
    pub matched_alias: bool,
    /// Similarity of the names alone, 0..1.
    pub name_score: f64,
    /// The name score with the features' effects, 0..1.
    pub score: f64,
    pub features: Vec<Feature>,
    /// The reasons in one line, for a spreadsheet cell.
    pub explanation: String,
}

/// Similarity of two normalised names, 0..1 (see the module docs).
pub fn name_similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let words = (directed(a, b) + directed(b, a)) / 2.0;
    let compact_a: String = a.chars().filter(|c| *c != ' ').collect();
    let compact_b: String = b.chars().filter(|c| *c != ' ').collect();
    // The lengths bound the compact similarity: skip the edit distance when it cannot win.
    let (la, lb) = (compact_a.chars().count(), compact_b.chars().count());
    let bound = 1.0 - la.abs_diff(lb) as f64 / la.max(lb).max(1) as f64;
    if bound <= words {
        return words;
    }
    words.max(edit_similarity(&compact_a, &compact_b))
}

/// Similarity of two words: Jaro–Winkler, held down by the edit distance (Jaro–Winkler alone
/// rates "petrobras" and "petropars" 0.93 for their common prefix), and exact for short words
/// ("axa" is not "maxai", "and" is not "andre").
pub fn word_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    if char_count(a) <= 4 || char_count(b) <= 4 {
        return 0.0;
    }
    let jw = jaro_winkler(a, b);
    if jw < WORD_MATCH {
        return jw; // counts as no match whatever the edit distance says
    }
    jw.min(edit_similarity(a, b) + 0.1)
}

/// 1 − (optimal string alignment distance / longer length): edits, transpositions included.
pub fn edit_similarity(a: &str, b: &str) -> f64 {
    let longer = char_count(a).max(char_count(b));
    if longer == 0 {
        return 1.0;
    }
    let distance = if a.is_ascii() && b.is_ascii() {
        rapidfuzz::distance::osa::distance(a.bytes(), b.bytes())
    } else {
        rapidfuzz::distance::osa::distance(a.chars(), b.chars())
    };
    1.0 - distance as f64 / longer as f64
}

/// Characters in `text`: its length when it is ASCII, as normalised names nearly always are.
fn char_count(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

/// Jaro–Winkler similarity (prefix weight 0.1, at most 4 characters of common prefix, boosted
/// above 0.7), by rapidfuzz's bit-parallel Jaro: the same numbers as the textbook algorithm
/// (`strsim`'s, which a test compares on real names), several times faster on short words.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    // Bytes are characters in ASCII, and indexing them is constant time (a `Chars` walks).
    if a.is_ascii() && b.is_ascii() {
        rapidfuzz::distance::jaro_winkler::similarity(a.bytes(), b.bytes())
    } else {
        rapidfuzz::distance::jaro_winkler::similarity(a.chars(), b.chars())
    }
}

/// Words less alike than this count as not matching at all: "iran" is not half of "bank".
const WORD_MATCH: f64 = 0.85;

/// Mean over the words of `from` of the best Jaro–Winkler similarity to a word of `to`
/// (0 where none is at least [`WORD_MATCH`]).
fn directed(from: &str, to: &str) -> f64 {
    let mut total = 0.0;
    let mut count = 0.0;
    for f in from.split(' ') {
        let best = to.split(' ').map(|t| word_similarity(f, t)).fold(0.0, f64::max);
        total += if best >= WORD_MATCH { best } else { 0.0 };
        count += 1.0;
    }
    total / count
}

/// The best similarity of a subject's name forms to one normalised name of a party: as
/// given and without legal forms.
fn best_name_score(forms: &[String], norm: &str) -> f64 {
    let name_core = core(norm);
    forms
        .iter()
        .map(|f| {
            let whole = name_similarity(f, norm);
            let f_core = core(f);
            // Without legal forms on either side the cores are the names: nothing to add.
            if f_core.len() == f.len() && name_core.len() == norm.len() {
                whole
            } else {
                whole.max(name_similarity(f_core, name_core))
            }
        })
        .fold(0.0, f64::max)
}

/// The normalised forms of a subject's name worth comparing.
fn name_forms(name: &str) -> Vec<String> {
    let mut forms = vec![normalise(name)];
    // OFAC writes people as "LAST, First Middle".
    if let Some((last, first)) = name.split_once(',') {
        let swapped = normalise(&format!("{first} {last}"));
        if !forms.contains(&swapped) {
            forms.push(swapped);
        }
    }
    forms.retain(|f| !f.is_empty());
    forms
}

/// A country as its ISO 3166 alpha-2 code where it is recognisable ("Iran", "IRN", "IR" →
/// `IR`), else folded to lower case.
pub fn country_code(text: &str) -> String {
    let compact: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
    celes::Country::from_str(&compact)
        .or_else(|_| celes::Country::from_str(text.trim()))
        .map(|c| c.alpha2.to_string())
        .unwrap_or_else(|_| text.trim().to_lowercase())
}

fn is_person(schema: Schema) -> bool {
    schema == Schema::Person
}

fn compact_identifier(value: &str) -> String {
    value
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The name index of the engine's current snapshot, built on first use.
pub fn name_index(engine: &Engine) -> Result<(Arc<Snapshot>, Arc<NameIndex>), StoreError> {
    let snapshot = engine.snapshot();
    let index = snapshot.memo("screen-name-index", || {
        engine.read(|store| NameIndex::build(store, &snapshot))
    })?;
    Ok((snapshot, index))
}

/// The candidates for `subject`, best first, at most `limit`.
pub fn match_subject(engine: &Engine, subject: &Subject, limit: usize) -> Result<Vec<Candidate>, StoreError> {
    Matcher::new(engine)?.candidates(subject, limit)
}

/// One snapshot and its name index, held for a whole batch so every row is matched against
/// the same data (an import may swap in a new snapshot meanwhile). Shared across threads.
pub struct Matcher<'e> {
    engine: &'e Engine,
    pub snapshot: Arc<Snapshot>,
    index: Arc<NameIndex>,
}

impl<'e> Matcher<'e> {
    pub fn new(engine: &'e Engine) -> Result<Matcher<'e>, StoreError> {
        let (snapshot, index) = name_index(engine)?;
        Ok(Matcher {
            engine,
            snapshot,
            index,
        })
    }

    /// The candidates for `subject`, best first, at most `limit`.
    pub fn candidates(&self, subject: &Subject, limit: usize) -> Result<Vec<Candidate>, StoreError> {
        let (engine, snapshot, index) = (self.engine, &self.snapshot, &self.index);
        let forms = name_forms(&subject.name);
        if forms.is_empty() {
            return Ok(Vec::new());
        }
        // Best name of each candidate party: (score, name index).
        let mut best: HashMap<u32, (f64, u32)> = HashMap::new();
        let mut scored: Vec<u32> = Vec::with_capacity(NAME_CANDIDATES * forms.len());
        for form in &forms {
            for name in index.candidates(form, NAME_CANDIDATES) {
                // A name found by two forms scores the same both times (against all forms).
                if scored.contains(&name) {
                    continue;
                }
                scored.push(name);
                let indexed = &index.names[name as usize];
                let score = best_name_score(&forms, &indexed.norm);
                let slot = best.entry(indexed.node).or_insert((-1.0, name));
                if score > slot.0 {
                    *slot = (score, name);
                }
            }
        }
        let mut ranked: Vec<(u32, f64, u32)> = best
            .into_iter()
            .map(|(node, (score, name))| (node, score, name))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(CANDIDATES);

        let needs_store = subject.birth_date.is_some() || subject.identifier.is_some();
        let mut candidates = Vec::with_capacity(ranked.len());
        for (node, name_score, name) in ranked {
            let party = snapshot.node(node);
            let indexed = &index.names[name as usize];
            let countries = index.countries.get(&node).cloned().unwrap_or_default();
            let entity = if needs_store {
                // A party of several records: every record's identifiers, the first birth date.
                engine.read(|store| {
                    let mut found = store.entity(&party.id)?;
                    for member in snapshot.members(node).iter().filter(|m| ***m != *party.id) {
                        if let (Some(party), Some(record)) = (found.as_mut(), store.entity(member)?) {
                            party.identifiers.extend(record.identifiers);
                            party.birth_date = party.birth_date.take().or(record.birth_date);
                        }
                    }
                    Ok::<_, StoreError>(found)
                })?
            } else {
                None
            };
            let mut features = Vec::new();
            if let Some(country) = subject.country.as_deref().filter(|c| !c.trim().is_empty()) {
                let wanted = country_code(country);
                let theirs: Vec<String> = countries.iter().map(|c| country_code(c)).collect();
                if !theirs.is_empty() {
                    let agrees = theirs.contains(&wanted);
                    features.push(Feature {
                        feature: "country",
                        agrees,
                        effect: if agrees { 0.05 } else { -0.10 },
                        detail: format!("{} vs {}", wanted, theirs.join("/")),
                    });
                }
            }
            if let Some(schema) = subject.schema {
                if is_person(schema) != is_person(party.schema) {
                    features.push(Feature {
                        feature: "schema",
                        agrees: false,
                        effect: -0.20,
                        detail: format!("{} vs {}", schema, party.schema),
                    });
                }
            }
            if let Some(entity) = &entity {
                if let (Some(wanted), Some(theirs)) =
                    (subject.birth_date.as_deref(), entity.birth_date.as_deref())
                {
                    let (a, b) = (wanted.get(..4), theirs.get(..4));
                    if a.is_some() && b.is_some() {
                        let agrees = a == b;
                        features.push(Feature {
                            feature: "birth_date",
                            agrees,
                            effect: if agrees { 0.05 } else { -0.20 },
                            detail: format!("{wanted} vs {theirs}"),
                        });
                    }
                }
                if let Some(wanted) = subject
                    .identifier
                    .as_deref()
                    .map(compact_identifier)
                    .filter(|i| !i.is_empty())
                {
                    if let Some(id) = entity
                        .identifiers
                        .iter()
                        .find(|i| compact_identifier(&i.value) == wanted)
                    {
                        features.push(Feature {
                            feature: "identifier",
                            agrees: true,
                            effect: 0.30,
                            detail: format!("{} {}", id.scheme, id.value),
                        });
                    }
                }
            }
            let score = (name_score + features.iter().map(|f| f.effect).sum::<f64>()).clamp(0.0, 1.0);
            let mut explanation = format!(
                "{} {:?} {:.2}",
                if indexed.is_alias { "alias" } else { "name" },
                indexed.name,
                name_score
            );
            for f in &features {
                explanation.push_str(&format!(
                    "; {} {} ({}) {:+.2}",
                    f.feature,
                    if f.agrees { "agrees" } else { "differs" },
                    f.detail,
                    f.effect
                ));
            }
            let mut lists: Vec<String> = snapshot
                .listings(node)
                .iter()
                .map(|l| snapshot.list_names[l.list as usize].clone())
                .collect();
            lists.sort();
            lists.dedup();
            candidates.push(Candidate {
                id: party.id.to_string(),
                name: party.name.to_string(),
                schema: party.schema,
                countries,
                lists,
                matched: indexed.name.to_string(),
                matched_alias: indexed.is_alias,
                name_score,
                score,
                features,
                explanation,
            });
        }
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        candidates.truncate(limit);
        Ok(candidates)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_compare_regardless_of_order_case_punctuation_and_one_typo() {
        let n = |a: &str, b: &str| name_similarity(&normalise(a), &normalise(b));
        assert_eq!(n("KIM, Jong Un", "kim jong un"), 1.0);
        assert!(n("Jong Un Kim", "KIM, Jong Un") > 0.99);
        assert!(n("Bank Melli Iran", "Bank Meli Iran") > 0.9);
        assert!(n("Hik Vision", "Hikvision") > 0.85);
        assert!(
            n("Bank", "Bank Melli Iran") < 0.75,
            "a short name is not a long one it starts"
        );
        assert!(n("Apple Inc", "Bank Melli Iran") < 0.6);
    }

    #[test]
    fn countries_fold_to_iso_codes() {
        assert_eq!(country_code("Iran"), "IR");
        assert_eq!(country_code("CN"), "CN");
        assert_eq!(country_code("Russia"), "RU");
        assert_eq!(country_code("United Kingdom"), "GB");
        assert_eq!(country_code("Atlantis"), "atlantis");
    }

    #[test]
    fn ofac_order_gives_a_swapped_form() {
        assert_eq!(name_forms("KIM, Jong Un"), vec!["kim jong un", "jong un kim"]);
    }
}
