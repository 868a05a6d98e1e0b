//! How alike two records are: a score from their names, nudged by each other feature that
//! agrees or conflicts, with every feature's effect in words; and whether the evidence is
//! decisive enough to merge without a person.

use super::record::{IdClass, Name, Record};
use crate::model::Schema;
use serde::Serialize;
use std::borrow::Cow;

/// One feature of a pair and what it did to the score.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Reason {
    pub feature: String,
    pub agrees: bool,
    pub effect: f64,
    pub detail: String,
}

/// What cross-referencing decides for a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Decisive evidence: merged without waiting for a person.
    Auto,
    /// Waits for a person's judgement.
    Candidate,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Auto => "auto",
            Decision::Candidate => "candidate",
        }
    }
}

impl std::str::FromStr for Decision {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Decision::Auto),
            "candidate" => Ok(Decision::Candidate),
            _ => Err(format!("unknown decision {s:?}")),
        }
    }
}

/// A pair's score, 0..1, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub score: f64,
    /// The names' similarity alone.
    pub name_score: f64,
    pub decision: Decision,
    pub reasons: Vec<Reason>,
}

/// Effects of the features on the name score.
const COUNTRY_AGREES: f64 = 0.05;
const COUNTRY_DIFFERS: f64 = -0.10;
/// Kinds that cannot be one party (a person and a vessel named "Leo"): enough to take even the
/// same name below [`crate::resolve::DEFAULT_MIN_SCORE`].
const SCHEMA_DIFFERS: f64 = -0.50;
const BIRTH_DATE_EXACT: f64 = 0.10;
const BIRTH_YEAR: f64 = 0.05;
const BIRTH_DIFFERS: f64 = -0.30;
const IDENTIFIER_SHARED: f64 = 0.40;
const IDENTIFIER_CONFLICTS: f64 = -0.40;
const ADDRESS_SHARED: f64 = 0.05;

/// A shared strong identifier merges on its own only where the names agree at least this well
/// (a passport number typed into the wrong record is rare, but a name is what a person reads).
pub const AUTO_MIN_NAME: f64 = 0.70;
/// Without a shared identifier, a pair merges automatically only with the same name (at least
/// this similar), an exact birth date in common and no conflicting feature: the raw sum of the
/// name score and the effects must reach this (see the README for the measured precision).
pub const AUTO_MIN_RAW: f64 = 1.14;

/// Kinds of party that can be one party: people only with people, vessels with vessels,
/// aircraft with aircraft; every kind of organisation with every other. An address is a
/// place, not a party: never one party with anything.
fn compatible(a: Schema, b: Schema) -> bool {
    use Schema::*;
    let kind = |s: Schema| match s {
        Person => Some(0),
        Vessel => Some(1),
        Airplane => Some(2),
        Company | Organization | PublicBody | LegalEntity => Some(3),
        Address => None,
    };
    kind(a).is_some() && kind(a) == kind(b)
}

/// Similarity of two names, without their legal forms (at either end: "JSC 558 Aircraft Repair
/// Plant" is "558 Aircraft Repair Plant"), which say what kind of company a name belongs to,
/// not which: "JSC Radiozavod" is not "JSC Yaroslavl Radiozavod" for its "JSC".
pub fn similarity(x: &Name, y: &Name) -> f64 {
    if x.norm == y.norm {
        return 1.0;
    }
    name_alike(&x.bare, &y.bare)
}

/// Words less alike than this do not match at all: "iran" is not half of "bank".
const WORD_MATCH: f64 = 0.85;
/// The letters of two names compared as one string count only when they are at least this
/// alike, nearly the same letter for letter ("Plotnytsky" for "Plotnitsky", "Abubakar" for "Abu
/// Bakar"): below it, what they share is a first name and a patronymic ("Sergey Vasilyevich
/// Karpov" is 0.72 like "Sergey Vasilyevich Yakhnyuk") or an article ("Al Wafa", "Al Watan").
const LETTERS_MATCH: f64 = 0.8;
/// Names that both carry numbers, and not the same ones, are at most this alike: "558 Aircraft
/// Repair Plant" is not "150 Aircraft Repair Plant", nor "Ji Song 6" "Ji Song 8".
const NUMBERS_DIFFER: f64 = 0.5;

/// How alike two normalised names are, 0..1: the words matched one to one (each word of one
/// name vouches for one word of the other at most), as twice the matched similarity over the
/// words of both, so the words a name has and the other lacks count against the pair: "Hamid
/// al-Ali" is not "Hamid Hamad Hamid al-Ali", nor "Ismail" "Yousef Ismail". Where the names
/// split their words differently ("Abubakar", "Abu Bakar") the letters are compared as one
/// string too.
fn name_alike(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    if a == b {
        return 1.0;
    }
    let (x, y): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
    let (x, y) = (joined(&x, &y), joined(&y, &x));
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (i, u) in x.iter().enumerate() {
        for (j, v) in y.iter().enumerate() {
            let s = word_alike(u, v);
            if s >= WORD_MATCH {
                pairs.push((s, i, j));
            }
        }
    }
    pairs.sort_by(|p, q| q.0.total_cmp(&p.0).then(p.1.cmp(&q.1)).then(p.2.cmp(&q.2)));
    let (mut used_x, mut used_y) = (vec![false; x.len()], vec![false; y.len()]);
    let mut matched = 0.0;
    for (s, i, j) in pairs {
        if !used_x[i] && !used_y[j] {
            used_x[i] = true;
            used_y[j] = true;
            matched += s;
        }
    }
    let mut s = 2.0 * matched / (x.len() + y.len()) as f64;
    let (compact_a, compact_b) = (x.concat(), y.concat());
    let (la, lb) = (compact_a.len(), compact_b.len());
    // The lengths bound the letters' similarity: skip the edit distance when it cannot win.
    if 1.0 - la.abs_diff(lb) as f64 / la.max(lb) as f64 > s.max(LETTERS_MATCH) {
        let letters = crate::screen::edit_similarity(&compact_a, &compact_b);
        if letters >= LETTERS_MATCH {
            s = s.max(letters);
        }
    }
    if numbers(a) != numbers(b)
        && a.contains(|c: char| c.is_ascii_digit())
        && b.contains(|c: char| c.is_ascii_digit())
    {
        s = s.min(NUMBERS_DIFFER);
    }
    s
}

/// The numbers in a name, in order, without leading zeros.
fn numbers(name: &str) -> Vec<&str> {
    let mut n: Vec<&str> = name
        .split(|c: char| !c.is_ascii_digit())
        .filter(|d| !d.is_empty())
        .map(|d| d.trim_start_matches('0'))
        .collect();
    n.sort_unstable();
    n
}

/// The words of `x`, with runs of two or three that the other name writes as one word joined:
/// "abd el kader" against "abdelkader", "abu bakar" against "abubakar".
fn joined<'a>(x: &[&'a str], other: &[&str]) -> Vec<Cow<'a, str>> {
    let mut words = Vec::with_capacity(x.len());
    let mut i = 0;
    while i < x.len() {
        let run = (2..=3).rev().find(|k| {
            i + k <= x.len() && {
                let len: usize = x[i..i + k].iter().map(|w| w.len()).sum();
                // Words this far apart in length are not alike enough: skip gluing them.
                other.iter().any(|o| o.len().abs_diff(len) * 4 <= len) && {
                    let glued = x[i..i + k].concat();
                    other.iter().any(|o| word_alike(&glued, o) >= WORD_MATCH)
                }
            }
        });
        match run {
            Some(k) => {
                words.push(Cow::Owned(x[i..i + k].concat()));
                i += k;
            }
            None => {
                words.push(Cow::Borrowed(x[i]));
                i += 1;
            }
        }
    }
    words
}

/// Similarity of two words: the screening's (Jaro–Winkler held down by the edit distance, exact
/// for short words).
fn word_alike(a: &str, b: &str) -> f64 {
    crate::screen::word_similarity(a, b)
}

/// The best-matching names of a pair: their similarity and their indices in each record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NamePair {
    pub score: f64,
    pub left: usize,
    pub right: usize,
}

/// The best similarity of any name of `a` to any name of `b`.
pub fn best_names(a: &Record, b: &Record) -> NamePair {
    let mut best = NamePair {
        score: 0.0,
        left: 0,
        right: 0,
    };
    for (i, x) in a.names.iter().enumerate() {
        for (j, y) in b.names.iter().enumerate() {
            let s = similarity(x, y);
            if s > best.score {
                best = NamePair {
                    score: s,
                    left: i,
                    right: j,
                };
                if s >= 1.0 {
                    return best;
                }
            }
        }
    }
    best
}

/// Scores a pair of records, comparing every name of one with every name of the other.
pub fn score(a: &Record, b: &Record) -> Scored {
    score_with(a, b, best_names(a, b))
}

/// Scores a pair of records whose best names are already known (cross-referencing finds
/// them while blocking).
pub fn score_with(a: &Record, b: &Record, names: NamePair) -> Scored {
    let name_score = names.score;
    let (a_name, b_name) = (&a.names[names.left].text, &b.names[names.right].text);
    let mut reasons = vec![Reason {
        feature: "name".into(),
        agrees: name_score >= 0.85,
        effect: 0.0,
        detail: if name_score >= 1.0 && a_name == b_name {
            format!("same name {a_name:?}")
        } else if name_score >= 1.0 {
            format!("same name {a_name:?} = {b_name:?}")
        } else {
            format!("{a_name:?} ~ {b_name:?} {name_score:.2}")
        },
    }];
    let mut push = |feature: &str, agrees: bool, effect: f64, detail: String| {
        reasons.push(Reason {
            feature: feature.into(),
            agrees,
            effect,
            detail,
        })
    };
    if !compatible(a.schema, b.schema) {
        push(
            "schema",
            false,
            SCHEMA_DIFFERS,
            format!("{} vs {}", a.schema, b.schema),
        );
    }
    if !a.countries.is_empty() && !b.countries.is_empty() {
        let shared: Vec<&String> = a.countries.iter().filter(|c| b.countries.contains(c)).collect();
        if shared.is_empty() {
            push(
                "country",
                false,
                COUNTRY_DIFFERS,
                format!("{} vs {}", a.countries.join("/"), b.countries.join("/")),
            );
        } else {
            let shared: Vec<&str> = shared.iter().map(|c| c.as_str()).collect();
            push(
                "country",
                true,
                COUNTRY_AGREES,
                format!("both {}", shared.join("/")),
            );
        }
    }
    if !a.birth_dates.is_empty() && !b.birth_dates.is_empty() {
        let exact = a
            .birth_dates
            .iter()
            .find(|d| d.len() == 10 && b.birth_dates.contains(d));
        let year = a
            .birth_dates
            .iter()
            .find(|d| b.birth_dates.iter().any(|e| e[..4] == d[..4]));
        // A year alone, or the 1st of January (what lists write for a year, and what OFAC's
        // ranges "01 Jan 1986 to 31 Dec 1987" start with), is approximate: a year apart is
        // no conflict ("circa 1978", "1979").
        let approximate = |d: &str| d.len() < 10 || d.ends_with("-01-01");
        let close = a.birth_dates.iter().find_map(|d| {
            b.birth_dates
                .iter()
                .find(|e| {
                    (approximate(d) || approximate(e))
                        && matches!((d[..4].parse::<i32>(), e[..4].parse::<i32>()), (Ok(x), Ok(y)) if (x - y).abs() == 1)
                })
                .map(|e| (d, e))
        });
        match (exact, year, close) {
            (Some(d), _, _) => push("birth_date", true, BIRTH_DATE_EXACT, format!("both born {d}")),
            (None, Some(d), _) => push(
                "birth_date",
                true,
                BIRTH_YEAR,
                format!("both born in {}", &d[..4]),
            ),
            (None, None, Some((d, e))) => push(
                "birth_date",
                true,
                0.0,
                format!("born {d} vs {e}: a year apart, approximate"),
            ),
            (None, None, None) => push(
                "birth_date",
                false,
                BIRTH_DIFFERS,
                format!("born {} vs {}", a.birth_dates.join("/"), b.birth_dates.join("/")),
            ),
        }
    }
    let mut decisive = None;
    for key in &a.keys {
        if let Some(other) = b.keys.iter().find(|k| key.same_as(k)) {
            if decisive.is_none() {
                decisive = Some(key.class);
            }
            push(
                "identifier",
                true,
                IDENTIFIER_SHARED,
                format!("same {}: {} / {}", key.class.label(), key.shown, other.shown),
            );
            break;
        }
    }
    if decisive.is_none() {
        let conflict = a
            .keys
            .iter()
            .find_map(|k| b.keys.iter().find(|o| k.conflicts_with(o)).map(|o| (k, o)));
        if let Some((k, o)) = conflict {
            push(
                "identifier",
                false,
                IDENTIFIER_CONFLICTS,
                format!("different {}: {} vs {}", k.class.label(), k.shown, o.shown),
            );
        }
    }
    if let Some(address) = a
        .addresses
        .iter()
        .find(|x| b.addresses.iter().any(|y| address_alike(x, y)))
    {
        push(
            "address",
            true,
            ADDRESS_SHARED,
            format!("same address {address:?}"),
        );
    }
    let raw = name_score + reasons.iter().map(|r| r.effect).sum::<f64>();
    let conflict = reasons.iter().any(|r| r.effect <= -0.3);
    let auto = !conflict && ((decisive.is_some() && name_score >= AUTO_MIN_NAME) || raw >= AUTO_MIN_RAW);
    Scored {
        score: raw.clamp(0.0, 1.0),
        name_score,
        decision: if auto { Decision::Auto } else { Decision::Candidate },
        reasons,
    }
}

/// Whether a shared identifier of `class` was found (what made a pair decisive).
pub fn shared_identifier(scored: &Scored) -> bool {
    scored
        .reasons
        .iter()
        .any(|r| r.feature == "identifier" && r.agrees)
}

/// Two normalised addresses are alike when most of the words of the shorter one (at least
/// three) are in the longer one.
fn address_alike(a: &str, b: &str) -> bool {
    let words =
        |s: &str| -> Vec<String> { s.split(' ').filter(|w| w.len() > 1).map(str::to_string).collect() };
    let (x, y) = (words(a), words(b));
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    if short.len() < 3 {
        return false;
    }
    let shared = short.iter().filter(|w| long.contains(w)).count();
    shared * 5 >= short.len() * 4
}

/// The classes of identifier that make a pair decisive, for the README and the pages.
pub const DECISIVE: [IdClass; 12] = [
    IdClass::Passport,
    IdClass::NationalId,
    IdClass::TaxId,
    IdClass::Registration,
    IdClass::Imo,
    IdClass::Lei,
    IdClass::Bic,
    IdClass::Mmsi,
    IdClass::Isin,
    IdClass::Duns,
    IdClass::UnReference,
    IdClass::OfacUid,
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Entity, Identifier};

    fn person(id: &str, dataset: &str, name: &str) -> Entity {
        Entity::new(id, Schema::Person, name, dataset)
    }

    #[test]
    fn a_shared_passport_and_name_is_decisive_and_explained() {
        let mut a = person("un-1", "un-sc", "KIM, Jong Un");
        a.identifiers.push(Identifier {
            scheme: "Passport".into(),
            value: "PD-123456".into(),
            country: Some("KP".into()),
        });
        a.birth_date = Some("1984-01-08".into());
        let mut b = person("ofac-1", "ofac-sdn", "Jong Un KIM");
        b.identifiers.push(Identifier {
            scheme: "Passport".into(),
            value: "PD123456".into(),
            country: None,
        });
        b.birth_date = Some("1984".into());
        let s = score(&Record::from_entity(&a), &Record::from_entity(&b));
        assert_eq!(s.decision, Decision::Auto);
        assert!(s.score >= 0.99, "{s:?}");
        let features: Vec<&str> = s.reasons.iter().map(|r| r.feature.as_str()).collect();
        assert_eq!(features, ["name", "birth_date", "identifier"]);
        assert_eq!(s.reasons[1].detail, "both born in 1984");
    }

    #[test]
    fn conflicts_keep_a_same_name_pair_waiting() {
        let a = Entity {
            birth_date: Some("1960-01-01".into()),
            ..person("a", "x", "John Smith")
        };
        let b = Entity {
            birth_date: Some("1971-05-05".into()),
            ..person("b", "y", "John Smith")
        };
        let s = score(&Record::from_entity(&a), &Record::from_entity(&b));
        assert_eq!(s.decision, Decision::Candidate);
        assert!((s.score - 0.70).abs() < 1e-9, "{s:?}");
        let mut ship = Entity::new("v1", Schema::Vessel, "OCEAN STAR", "x");
        ship.identifiers.push(Identifier {
            scheme: "IMO".into(),
            value: "9187629".into(),
            country: None,
        });
        let mut other = Entity::new("v2", Schema::Vessel, "OCEAN STAR", "y");
        other.identifiers.push(Identifier {
            scheme: "Vessel Registration Identification".into(),
            value: "IMO 9000001".into(),
            country: None,
        });
        let s = score(&Record::from_entity(&ship), &Record::from_entity(&other));
        assert_eq!(s.decision, Decision::Candidate);
        assert!(s
            .reasons
            .iter()
            .any(|r| r.detail.starts_with("different IMO number")));
        let company = Entity::new("c", Schema::Company, "OCEAN STAR", "y");
        let s = score(&Record::from_entity(&ship), &Record::from_entity(&company));
        assert_eq!(s.reasons[1].detail, "Vessel vs Company");
    }

    #[test]
    fn same_name_birth_date_and_country_merge_without_identifier() {
        let mut a = person("a", "x", "Ivan Petrovich SIDOROV");
        a.birth_date = Some("1970-02-03".into());
        a.countries.push("Russia".into());
        let mut b = person("b", "y", "SIDOROV, Ivan Petrovich");
        b.birth_date = Some("1970-02-03".into());
        b.countries.push("RU".into());
        let s = score(&Record::from_entity(&a), &Record::from_entity(&b));
        assert_eq!(s.decision, Decision::Auto, "{s:?}");
        b.countries = vec!["UA".into()];
        let s = score(&Record::from_entity(&a), &Record::from_entity(&b));
        assert_eq!(s.decision, Decision::Candidate, "{s:?}");
    }

    fn name(text: &str) -> Name {
        let norm = crate::search::normalise(text);
        Name {
            text: text.into(),
            bare: super::super::record::bare(&norm),
            norm,
            is_alias: false,
        }
    }

    #[test]
    fn names_match_word_for_word_once_and_legal_forms_and_numbers_are_weighed_apart() {
        // (a, b, least, most): how alike, as measured on the labelled sample's errors.
        let cases = [
            // One "hamid" vouched for two, and "hamad" for a third: 0.99 before.
            ("AL-ALI, Hamid", "HAMID HAMAD HAMID AL-'ALI", 0.70, 0.76),
            ("Ismail", "Yousef Ismail", 0.66, 0.67),
            (
                "Sergey Vasilyevich KARPOV",
                "Sergey Vasilyevich YAKHNYUK",
                0.66,
                0.67,
            ),
            ("Al Wafa", "Al Watan", 0.0, 0.6),
            (
                "558 Aircraft Repair Plant",
                "JSC 150 AIRCRAFT REPAIR PLANT",
                0.5,
                0.5,
            ),
            (
                "558 Aircraft Repair Plant",
                "JOINT STOCK COMPANY 558 AIRCRAFT REPAIR PLANT",
                1.0,
                1.0,
            ),
            ("ABD EL KADER MAHMOUD", "ABDELKADER MAHMOUD", 1.0, 1.0),
            (
                "Ihor Venedyktovych PLOTNYTSKY",
                "Igor Venediktovich PLOTNITSKY",
                0.8,
                0.9,
            ),
            ("Abu Bakar Bashir", "Abubakar Ba'asyir", 0.7, 0.9),
        ];
        for (a, b, least, most) in cases {
            let s = similarity(&name(a), &name(b));
            assert!((least..=most).contains(&s), "{a} ~ {b}: {s}");
            assert_eq!(s, similarity(&name(b), &name(a)), "{a} ~ {b} both ways");
        }
    }

    #[test]
    fn approximate_birth_years_a_year_apart_do_not_conflict_and_kinds_that_cannot_be_one_do() {
        let mut a = person("a", "x", "Yahya ABU HAMMAM");
        a.birth_date = Some("1978-05-09".into());
        let mut b = person("b", "y", "Yahya ABU HAMMAM");
        b.birth_date = Some("1979".into());
        let s = score(&Record::from_entity(&a), &Record::from_entity(&b));
        assert_eq!(
            s.reasons[1].detail,
            "born 1978-05-09 vs 1979: a year apart, approximate"
        );
        assert_eq!(s.score, 1.0, "{s:?}");
        b.birth_date = Some("1979-03-02".into());
        let s = score(&Record::from_entity(&a), &Record::from_entity(&b));
        assert!(
            (s.score - 0.70).abs() < 1e-9,
            "two full dates a year apart conflict: {s:?}"
        );
        let vessel = Entity::new("v", Schema::Vessel, "Yahya ABU HAMMAM", "y");
        let s = score(&Record::from_entity(&a), &Record::from_entity(&vessel));
        assert!(s.score < crate::resolve::DEFAULT_MIN_SCORE, "{s:?}");
    }
}
