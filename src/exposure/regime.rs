//! Sanctions regimes as data: thresholds, aggregation, control, seeding lists and the dated
//! windows in which each rule applies, read from `data/regimes.json`.

use crate::model::{in_window, Date, Pct};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// The regimes file compiled into the binary; an edit to it changes behaviour, not the code.
const BUNDLED: &str = include_str!("../../data/regimes.json");

/// Which regime to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegimeId {
    Ofac,
    Bis,
    Eu,
    Uk,
}

impl RegimeId {
    pub const ALL: [RegimeId; 4] = [RegimeId::Ofac, RegimeId::Bis, RegimeId::Eu, RegimeId::Uk];

    pub fn as_str(self) -> &'static str {
        match self {
            RegimeId::Ofac => "ofac",
            RegimeId::Bis => "bis",
            RegimeId::Eu => "eu",
            RegimeId::Uk => "uk",
        }
    }
}

impl fmt::Display for RegimeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RegimeId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RegimeId::ALL
            .into_iter()
            .find(|r| r.as_str() == s.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown regime {s:?}; expected one of ofac, bis, eu, uk"))
    }
}

/// Whose holdings add up towards the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// All listed and blocked owners together (OFAC, BIS, EU).
    All,
    /// Each listed owner alone, or a group acting under a joint arrangement (UK).
    PerOwner,
}

/// What a rule's window says about the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegimeState {
    InForce,
    /// Suspended: only listed parties are restricted; would-be captures are a red flag.
    Suspended,
    /// Presumed in force, but whether it was extended or changed is not known.
    Unknown,
    /// The date falls outside every window of the rule.
    NotInForce,
}

/// A dated stretch `[from, until)` in which a rule applies with given arithmetic.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Window {
    pub from: Option<Date>,
    pub until: Option<Date>,
    pub state: RegimeState,
    /// Percent; compared exactly.
    pub threshold: u32,
    /// `true`: threshold or more; `false`: more than the threshold.
    pub inclusive: bool,
    pub note: String,
}

/// One regime as the data file states it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Regime {
    pub id: RegimeId,
    pub name: String,
    pub aggregate: Aggregation,
    pub control_counts: bool,
    /// Names of the lists whose parties seed the rule, whatever their programme.
    pub seed_lists: Vec<String>,
    /// Lists whose parties seed the rule only under some programmes: list name → the
    /// programme tags as the list writes them (the SDNs of the programmes 15 CFR 744.8(a)(1)
    /// names seed the BIS affiliates rule).
    #[serde(default)]
    pub seed_programs: std::collections::BTreeMap<String, Vec<String>>,
    pub source: String,
    pub windows: Vec<Window>,
}

/// The rule as it applies on one day.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub state: RegimeState,
    pub threshold: Pct,
    pub inclusive: bool,
    /// Why the rule is in that state, from the data file.
    pub note: String,
}

impl Applied {
    /// Whether a blocked-owner sum (micro-percent) reaches the threshold.
    #[inline]
    pub fn meets(&self, sum: u64) -> bool {
        let t = self.threshold.0 as u64;
        if self.inclusive {
            sum >= t
        } else {
            sum > t
        }
    }

    /// "≥ 50%" or "> 50%".
    pub fn test(&self) -> String {
        format!("{} {}%", if self.inclusive { "≥" } else { ">" }, self.threshold)
    }
}

impl Regime {
    /// Whether a listing on `list` under `program` seeds the rule.
    pub fn seeds(&self, list: &str, program: Option<&str>) -> bool {
        self.seed_lists.iter().any(|l| l == list)
            || program.is_some_and(|p| {
                self.seed_programs
                    .get(list)
                    .is_some_and(|tags| tags.iter().any(|t| t == p))
            })
    }

    /// The window covering `day`, or a "not in force" rule (nothing derives from it).
    pub fn on(&self, day: Date) -> Applied {
        match self.windows.iter().find(|w| in_window(w.from, w.until, day)) {
            Some(w) => Applied {
                state: w.state,
                threshold: Pct::from_percent(w.threshold),
                inclusive: w.inclusive,
                note: w.note.clone(),
            },
            None => {
                let first = self.windows.iter().filter_map(|w| w.from).min();
                Applied {
                    state: RegimeState::NotInForce,
                    threshold: Pct::from_percent(50),
                    inclusive: true,
                    note: match first {
                        Some(d) => format!("{} applies from {d} only", self.name),
                        None => format!("{} has no window covering this date", self.name),
                    },
                }
            }
        }
    }
}

/// Every regime, with the general parameters.
#[derive(Debug, Clone, Deserialize)]
pub struct Regimes {
    /// Look-through exposure (percent) from which a not-blocked entity is flagged for caution.
    pub caution_look_through: u32,
    pub regimes: Vec<Regime>,
}

impl Regimes {
    /// Parses and checks a regimes file: every regime once, windows well-formed and disjoint.
    pub fn parse(text: &str) -> Result<Regimes, String> {
        let regimes: Regimes = serde_json::from_str(text).map_err(|e| format!("regimes file: {e}"))?;
        for id in RegimeId::ALL {
            let count = regimes.regimes.iter().filter(|r| r.id == id).count();
            if count != 1 {
                return Err(format!(
                    "regimes file: regime {id} appears {count} times; expected once"
                ));
            }
        }
        for r in &regimes.regimes {
            for w in &r.windows {
                if w.threshold > 100 {
                    return Err(format!(
                        "regimes file: {}: threshold {} above 100",
                        r.id, w.threshold
                    ));
                }
                if let (Some(f), Some(u)) = (w.from, w.until) {
                    if f >= u {
                        return Err(format!("regimes file: {}: window {f}..{u} is empty", r.id));
                    }
                }
            }
            for (i, a) in r.windows.iter().enumerate() {
                for b in &r.windows[i + 1..] {
                    let a_before_b = matches!((a.until, b.from), (Some(u), Some(f)) if u <= f);
                    let b_before_a = matches!((b.until, a.from), (Some(u), Some(f)) if u <= f);
                    if !a_before_b && !b_before_a {
                        return Err(format!("regimes file: {}: windows overlap", r.id));
                    }
                }
            }
        }
        if regimes.caution_look_through > 100 {
            return Err("regimes file: caution_look_through above 100".into());
        }
        Ok(regimes)
    }

    /// The regimes compiled in from `data/regimes.json`.
    pub fn bundled() -> &'static Regimes {
        static REGIMES: OnceLock<Regimes> = OnceLock::new();
        REGIMES.get_or_init(|| {
            Regimes::parse(BUNDLED).expect("data/regimes.json is checked by the regime tests")
        })
    }

    pub fn get(&self, id: RegimeId) -> &Regime {
        self.regimes
            .iter()
            .find(|r| r.id == id)
            .expect("parse checks every regime is present")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn bundled_file_parses_and_states_the_windows() {
        let regimes = Regimes::bundled();
        let bis = regimes.get(RegimeId::Bis);
        assert_eq!(bis.on(day("2025-09-28")).state, RegimeState::NotInForce);
        assert_eq!(bis.on(day("2025-09-29")).state, RegimeState::InForce);
        assert_eq!(bis.on(day("2025-11-09")).state, RegimeState::InForce);
        assert_eq!(bis.on(day("2025-11-10")).state, RegimeState::Suspended);
        assert_eq!(bis.on(day("2026-11-09")).state, RegimeState::Suspended);
        assert_eq!(bis.on(day("2026-11-10")).state, RegimeState::Unknown);
        let eu = regimes.get(RegimeId::Eu);
        assert!(!eu.on(day("2024-07-02")).meets(50_000_000));
        assert!(eu.on(day("2024-07-03")).meets(50_000_000));
        let uk = regimes.get(RegimeId::Uk);
        assert!(!uk.on(day("2024-01-01")).meets(50_000_000));
        assert!(uk.on(day("2024-01-01")).meets(50_000_001));
        assert_eq!(uk.aggregate, Aggregation::PerOwner);
        assert!(regimes
            .get(RegimeId::Ofac)
            .seed_lists
            .contains(&"SDN List".to_string()));
        assert!(!regimes
            .regimes
            .iter()
            .any(|r| r.seed_lists.contains(&"NS-CMIC List".to_string())));
        // The fourteen SDN programmes of 15 CFR 744.8(a)(1) seed BIS; others do not.
        assert_eq!(bis.seed_programs["SDN List"].len(), 14);
        assert!(bis.seeds("SDN List", Some("SDGT")) && bis.seeds("SDN List", Some("RUSSIA-EO14024")));
        assert!(!bis.seeds("SDN List", Some("CUBA")) && !bis.seeds("SDN List", None));
        assert!(bis.seeds("Entity List", None));
        // UN designations seed the EU and UK rules, which take them over as their own.
        for id in [RegimeId::Eu, RegimeId::Uk] {
            assert!(regimes
                .get(id)
                .seeds("UN Security Council Consolidated List", Some("Al-Qaida")));
        }
    }

    #[test]
    fn an_edit_to_the_file_changes_the_rule() {
        let edited = BUNDLED.replace("\"2026-11-10\"", "\"2027-11-10\"");
        let regimes = Regimes::parse(&edited).unwrap();
        assert_eq!(
            regimes.get(RegimeId::Bis).on(day("2027-01-01")).state,
            RegimeState::Suspended
        );
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let overlapping = BUNDLED.replace("\"until\": \"2025-11-10\"", "\"until\": \"2025-12-10\"");
        assert!(Regimes::parse(&overlapping).unwrap_err().contains("overlap"));
        let missing = BUNDLED.replace("\"id\": \"uk\"", "\"id\": \"eu\"");
        assert!(Regimes::parse(&missing).unwrap_err().contains("appears"));
        assert!(Regimes::parse("{").is_err());
        assert_eq!("BIS".parse::<RegimeId>(), Ok(RegimeId::Bis));
        assert!("fr".parse::<RegimeId>().unwrap_err().contains("unknown regime"));
    }
}
