//! Measuring screening quality on the SDN list itself: every `a.k.a.` alias of an entry is a
//! query whose answer is that entry, asked as given and in variants a counterparty file might
//! hold (lower case, punctuation removed, words reordered, legal form dropped, one character
//! changed); real names of parties not on the lists measure false matches. Used by the
//! quality test (a fixed sample) and the quality bench (everything).

use super::{match_subject, Subject};
use crate::engine::Engine;
use crate::search::normalise;
use crate::store::StoreError;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::BTreeMap;

/// One query and the entry it should find (none for a party not on the lists).
#[derive(Debug, Clone)]
pub struct Case {
    pub query: String,
    pub expected: Option<String>,
    pub variant: &'static str,
}

/// Recall and false matches, overall and per variant.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub threshold: f64,
    pub queries: usize,
    /// Share of listed queries whose expected entry ranks first (ties at the top included).
    pub recall_at_1: f64,
    /// The same, counting only answers at or above the threshold.
    pub recall_at_1_above_threshold: f64,
    pub negatives: usize,
    /// Share of not-listed names whose best candidate reaches the threshold.
    pub false_match_rate: f64,
    pub by_variant: BTreeMap<&'static str, VariantReport>,
    /// Recall@1 above and false-match rate at other thresholds, to choose the default.
    pub sweep: Vec<ThresholdReport>,
    /// A few misses, for reading.
    pub misses: Vec<String>,
    pub false_matches: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ThresholdReport {
    pub threshold: f64,
    pub recall_at_1_above_threshold: f64,
    pub false_match_rate: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct VariantReport {
    pub queries: usize,
    pub recall_at_1: f64,
}

/// The SDN aliases and their variants; `sample` keeps that many aliases, chosen by `seed`.
pub fn sdn_cases(engine: &Engine, sample: Option<usize>, seed: u64) -> Result<Vec<Case>, StoreError> {
    let snapshot = engine.snapshot();
    let mut aliases: Vec<(String, String)> = Vec::new();
    engine.read(|store| {
        for node in 0..snapshot.node_count() as u32 {
            let id = &snapshot.node(node).id;
            if !id.starts_with("ofac-") {
                continue;
            }
            if let Some(entity) = store.entity(id)? {
                aliases.extend(entity.aliases.into_iter().map(|a| (id.to_string(), a)));
            }
        }
        Ok(())
    })?;
    let mut rng = SmallRng::seed_from_u64(seed);
    if let Some(n) = sample {
        // A partial Fisher–Yates shuffle: the first n are a uniform sample.
        for i in 0..n.min(aliases.len()) {
            let j = rng.random_range(i..aliases.len());
            aliases.swap(i, j);
        }
        aliases.truncate(n);
    }
    let mut cases = Vec::new();
    for (id, alias) in aliases {
        let mut push = |query: String, variant: &'static str| {
            if !query.trim().is_empty() {
                cases.push(Case {
                    query,
                    expected: Some(id.clone()),
                    variant,
                });
            }
        };
        push(alias.clone(), "alias");
        push(alias.to_lowercase(), "lower_case");
        push(
            alias
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c.is_whitespace() {
                        c
                    } else {
                        ' '
                    }
                })
                .collect(),
            "punctuation_removed",
        );
        let words: Vec<&str> = alias.split_whitespace().collect();
        if words.len() > 1 {
            push(
                words.iter().rev().copied().collect::<Vec<_>>().join(" "),
                "word_order",
            );
        }
        let mut kept = words.clone();
        while kept.len() > 1 && is_legal_form(kept[kept.len() - 1]) {
            kept.pop();
        }
        if kept.len() < words.len() {
            push(kept.join(" "), "legal_form_dropped");
        }
        if let Some(typo) = one_character_changed(&alias, &mut rng) {
            push(typo, "one_character_changed");
        }
    }
    Ok(cases)
}

/// Names of parties not on the lists, one per line (`#` comments).
pub fn negative_cases(text: &str) -> Vec<Case> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| Case {
            query: l.to_string(),
            expected: None,
            variant: "not_listed",
        })
        .collect()
}

fn is_legal_form(word: &str) -> bool {
    let norm = normalise(word);
    !norm.is_empty() && crate::search::core(&format!("x {norm}")) == "x"
}

/// The text with one letter of a word of five or more letters replaced by another letter
/// (a changed letter in a shorter word, such as an acronym, makes another name).
fn one_character_changed(text: &str, rng: &mut SmallRng) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_ascii_alphabetic() && word_length_at(&chars, i) >= 5)
        .collect();
    if positions.is_empty() {
        return None;
    }
    let at = positions[rng.random_range(0..positions.len())];
    let mut changed = chars.clone();
    let replacement = loop {
        let c = (b'a' + rng.random_range(0..26u8)) as char;
        if c != chars[at].to_ascii_lowercase() {
            break if chars[at].is_ascii_uppercase() {
                c.to_ascii_uppercase()
            } else {
                c
            };
        }
    };
    changed[at] = replacement;
    Some(changed.into_iter().collect())
}

/// Length of the run of letters around position `i`.
fn word_length_at(chars: &[char], i: usize) -> usize {
    let start = chars[..i]
        .iter()
        .rposition(|c| !c.is_alphabetic())
        .map_or(0, |p| p + 1);
    let end = chars[i..]
        .iter()
        .position(|c| !c.is_alphabetic())
        .map_or(chars.len(), |p| i + p);
    end - start
}

/// Runs every case and reports.
pub fn evaluate(engine: &Engine, cases: &[Case], threshold: f64) -> Result<Report, StoreError> {
    let mut hits = 0usize;
    let mut hits_above = 0usize;
    let mut positives = 0usize;
    let mut negatives = 0usize;
    let mut false_matches = 0usize;
    let mut by_variant: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    // (top score, whether the expected entry is first) per listed query; top score per negative.
    let mut positive_tops: Vec<(f64, bool)> = Vec::new();
    let mut negative_tops: Vec<f64> = Vec::new();
    let mut miss_examples = Vec::new();
    let mut false_examples = Vec::new();
    {
        for case in cases {
            let subject = Subject {
                name: case.query.clone(),
                ..Subject::default()
            };
            let found = match_subject(engine, &subject, 5)?;
            let top = found.first().map(|c| c.score).unwrap_or(0.0);
            match &case.expected {
                Some(expected) => {
                    positives += 1;
                    let first = found
                        .iter()
                        .take_while(|c| c.score >= top - 1e-9)
                        .any(|c| &c.id == expected);
                    positive_tops.push((top, first));
                    let entry = by_variant.entry(case.variant).or_default();
                    entry.0 += 1;
                    if first {
                        hits += 1;
                        entry.1 += 1;
                        if top >= threshold {
                            hits_above += 1;
                        }
                    } else if miss_examples.len() < 20 {
                        miss_examples.push(format!(
                            "{} {:?} → {}",
                            case.variant,
                            case.query,
                            found
                                .first()
                                .map(|c| format!("{} {:?} {:.2}", c.id, c.matched, c.score))
                                .unwrap_or("nothing".into())
                        ));
                    }
                }
                None => {
                    negatives += 1;
                    negative_tops.push(top);
                    if top >= threshold {
                        false_matches += 1;
                        if let Some(c) = found.first() {
                            false_examples.push(format!(
                                "{:?} → {} {:?} {:.2}",
                                case.query, c.id, c.matched, c.score
                            ));
                        }
                    }
                }
            }
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    Ok(Report {
        threshold,
        queries: positives,
        recall_at_1: ratio(hits, positives),
        recall_at_1_above_threshold: ratio(hits_above, positives),
        negatives,
        false_match_rate: ratio(false_matches, negatives),
        by_variant: by_variant
            .into_iter()
            .map(|(v, (n, h))| {
                (
                    v,
                    VariantReport {
                        queries: n,
                        recall_at_1: ratio(h, n),
                    },
                )
            })
            .collect(),
        sweep: [0.80, 0.85, 0.88, 0.90, 0.92, 0.95]
            .into_iter()
            .map(|t| ThresholdReport {
                threshold: t,
                recall_at_1_above_threshold: ratio(
                    positive_tops
                        .iter()
                        .filter(|(top, first)| *first && *top >= t)
                        .count(),
                    positives,
                ),
                false_match_rate: ratio(negative_tops.iter().filter(|top| **top >= t).count(), negatives),
            })
            .collect(),
        misses: miss_examples,
        false_matches: false_examples,
    })
}
