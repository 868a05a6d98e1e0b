//! Clusters of records judged one party: the union-find of the current positive judgements,
//! with the negative ones as constraints that no chain of positives may cross.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What a person (or cross-referencing, on decisive evidence) said of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Judgement {
    /// The two records are one party.
    Positive,
    /// They are two parties.
    Negative,
    /// Looked at, undecided.
    Unsure,
}

impl Judgement {
    pub fn as_str(self) -> &'static str {
        match self {
            Judgement::Positive => "positive",
            Judgement::Negative => "negative",
            Judgement::Unsure => "unsure",
        }
    }

    /// How a page says it.
    pub fn label(self) -> &'static str {
        match self {
            Judgement::Positive => "same party",
            Judgement::Negative => "not the same party",
            Judgement::Unsure => "unsure",
        }
    }
}

impl std::str::FromStr for Judgement {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "positive" | "same" => Ok(Judgement::Positive),
            "negative" | "not_same" | "not-same" => Ok(Judgement::Negative),
            "unsure" => Ok(Judgement::Unsure),
            _ => Err(format!(
                "unknown judgement {s:?}; expected positive (same), negative (not_same) or unsure"
            )),
        }
    }
}

impl std::fmt::Display for Judgement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pair's current judgement, as clusters need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub left: String,
    pub right: String,
    pub judgement: Judgement,
    /// Who said it, for the messages.
    pub author: String,
    pub at: String,
}

/// The two ids of a pair in the order judgements keep them (the smaller first).
pub fn ordered<'a>(a: &'a str, b: &'a str) -> (&'a str, &'a str) {
    if a <= b {
        (a, b)
    } else {
        (b, a)
    }
}

/// Records joined by positive judgements.
#[derive(Debug, Default, Clone)]
pub struct Clusters {
    index: HashMap<String, usize>,
    ids: Vec<String>,
    parent: Vec<usize>,
}

impl Clusters {
    /// The clusters of the positive judgements among `current`.
    pub fn new<'a>(current: impl IntoIterator<Item = &'a Judged>) -> Clusters {
        let mut clusters = Clusters::default();
        for j in current {
            if j.judgement == Judgement::Positive {
                clusters.union(&j.left, &j.right);
            }
        }
        clusters
    }

    fn slot(&mut self, id: &str) -> usize {
        if let Some(i) = self.index.get(id) {
            return *i;
        }
        let i = self.ids.len();
        self.ids.push(id.to_string());
        self.parent.push(i);
        self.index.insert(id.to_string(), i);
        i
    }

    fn root(&self, mut i: usize) -> usize {
        while self.parent[i] != i {
            i = self.parent[i];
        }
        i
    }

    fn union(&mut self, a: &str, b: &str) {
        let (a, b) = (self.slot(a), self.slot(b));
        let (ra, rb) = (self.root(a), self.root(b));
        if ra != rb {
            // The smaller id is the root: a cluster is named by its smallest member id,
            // whatever order the judgements came in.
            let (keep, join) = if self.ids[ra] <= self.ids[rb] {
                (ra, rb)
            } else {
                (rb, ra)
            };
            self.parent[join] = keep;
        }
    }

    /// The id a record's cluster is known by (its smallest member id); `None` for a record in
    /// no cluster.
    pub fn representative(&self, id: &str) -> Option<&str> {
        self.index.get(id).map(|i| self.ids[self.root(*i)].as_str())
    }

    /// Whether two records are one party by the positive judgements.
    pub fn joined(&self, a: &str, b: &str) -> bool {
        a == b || matches!((self.representative(a), self.representative(b)), (Some(x), Some(y)) if x == y)
    }

    /// Every clustered record's representative: member id → representative id, members that
    /// are their own representative included.
    pub fn representatives(&self) -> HashMap<&str, &str> {
        self.ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.as_str(), self.ids[self.root(i)].as_str()))
            .collect()
    }

    /// The members of every cluster, each sorted, the representative first.
    pub fn groups(&self) -> Vec<Vec<String>> {
        let mut by_root: HashMap<usize, Vec<String>> = HashMap::new();
        for (i, id) in self.ids.iter().enumerate() {
            by_root.entry(self.root(i)).or_default().push(id.clone());
        }
        let mut groups: Vec<Vec<String>> = by_root
            .into_values()
            .map(|mut g| {
                g.sort();
                g
            })
            .collect();
        groups.sort();
        groups
    }
}

/// Whether judging `left` and `right` as `judgement` keeps every negative judgement
/// uncrossed, given the `current` judgements of all pairs (this pair's own current
/// judgement, if any, is the one being replaced). The error says which negative judgement
/// (or which chain of positives) stands in the way.
pub fn check(current: &[Judged], left: &str, right: &str, judgement: Judgement) -> Result<(), String> {
    if left == right {
        return Err("a record is always the same party as itself".into());
    }
    let (l, r) = ordered(left, right);
    let others = || current.iter().filter(move |j| !(j.left == l && j.right == r));
    let clusters = Clusters::new(others());
    match judgement {
        Judgement::Positive => {
            for neg in others().filter(|j| j.judgement == Judgement::Negative) {
                let crosses = (clusters.joined(&neg.left, l) && clusters.joined(&neg.right, r))
                    || (clusters.joined(&neg.left, r) && clusters.joined(&neg.right, l));
                if crosses {
                    return Err(format!(
                        "{l} and {r} cannot be one party: that would make {} and {} one party, \
                         which {} judged not the same on {}",
                        neg.left, neg.right, neg.author, neg.at
                    ));
                }
            }
            Ok(())
        }
        Judgement::Negative if clusters.joined(l, r) => Err(format!(
            "{l} and {r} are already one party through other judgements (cluster {}); \
             judge the pairs that join them not the same first",
            clusters.representative(l).unwrap_or(l)
        )),
        Judgement::Negative | Judgement::Unsure => Ok(()),
    }
}

/// Checks that no negative judgement among `current` is crossed by its positives: what must
/// still hold after a judgement is reverted (an older judgement of the pair may come back).
pub fn validate(current: &[Judged]) -> Result<(), String> {
    let clusters = Clusters::new(current);
    match current
        .iter()
        .find(|j| j.judgement == Judgement::Negative && clusters.joined(&j.left, &j.right))
    {
        Some(neg) => Err(format!(
            "{} and {} would be one party through positive judgements, but {} judged them not the same on {}",
            neg.left, neg.right, neg.author, neg.at
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(left: &str, right: &str, judgement: Judgement) -> Judged {
        let (left, right) = ordered(left, right);
        Judged {
            left: left.into(),
            right: right.into(),
            judgement,
            author: "alice".into(),
            at: "2026-12-03".into(),
        }
    }

    #[test]
    fn positives_form_clusters_named_by_their_smallest_id() {
        use Judgement::*;
        let current = [
            j("c", "b", Positive),
            j("b", "d", Positive),
            j("x", "y", Positive),
            j("a", "z", Unsure),
        ];
        let clusters = Clusters::new(&current);
        assert_eq!(clusters.representative("d"), Some("b"));
        assert_eq!(clusters.representative("a"), None, "unsure joins nothing");
        assert!(clusters.joined("c", "d"));
        assert!(!clusters.joined("c", "x"));
        assert_eq!(clusters.groups(), vec![vec!["b", "c", "d"], vec!["x", "y"]]);
    }

    #[test]
    fn no_chain_of_positives_crosses_a_negative() {
        use Judgement::*;
        let current = vec![
            j("a", "b", Positive),
            j("c", "d", Positive),
            j("b", "d", Negative),
        ];
        let refused = check(&current, "a", "c", Positive).unwrap_err();
        assert!(
            refused.contains("that would make b and d one party, which alice judged not the same"),
            "{refused}"
        );
        assert!(check(&current, "a", "e", Positive).is_ok());
        // A negative between two records already joined is refused too.
        let refused = check(&current, "a", "b", Negative);
        assert!(
            refused.is_ok(),
            "the pair's own positive is what a new judgement replaces"
        );
        let chain = vec![j("a", "b", Positive), j("b", "c", Positive)];
        let refused = check(&chain, "a", "c", Negative).unwrap_err();
        assert!(refused.contains("already one party"), "{refused}");
        assert!(validate(&current).is_ok());
        let crossed = vec![
            j("a", "b", Positive),
            j("b", "c", Positive),
            j("a", "c", Negative),
        ];
        assert!(validate(&crossed)
            .unwrap_err()
            .starts_with("a and c would be one party"));
        assert!(check(&current, "a", "a", Positive).is_err());
    }
}
