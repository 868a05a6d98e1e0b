//! Screening records: a screen kept as proof of what it found on which data. A record holds
//! the input file itself (and its SHA-256), the options (regime, day, threshold), the data
//! version and the releases (dataset, day, SHA-256) the database held, and the results
//! (every screened row's match, score, status and lists). [`verify`] runs it again on the
//! database as it is and says whether the results are identical, and whether the releases are
//! still the same. `ownergraph screen --record`, `/screen` ("keep a record") and a watchlist
//! run all keep theirs through [`keep`]. SQL in `store/screenings.rs`; no HTTP.
//!
//! The input is kept rather than only its hash so that a record can be re-run by anyone who
//! can read it, without having to find the exact file again: the hash then proves the kept
//! input is the one screened.

use crate::engine::Engine;
use crate::screen::batch::{self, Input, Options, Screened};
use crate::store::{ImportLogEntry, Screening, ScreeningData, ScreeningMeta, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Who made a record when no one signed in did: the command line.
pub const CLI: &str = "cli";

/// Differences [`verify`] lists; the count is always exact.
pub const MAX_DIFFERENCES: usize = 20;

/// Where a screen was run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Cli,
    Web,
    Watchlist,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Cli => "cli",
            Source::Web => "web",
            Source::Watchlist => "watchlist",
        }
    }
}

/// A release a screen ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRef {
    pub dataset: String,
    /// The release's day (a partial import's import day).
    pub date: String,
    pub sha256: String,
}

impl ReleaseRef {
    fn of(i: &ImportLogEntry) -> ReleaseRef {
        ReleaseRef {
            dataset: i.dataset.clone(),
            date: i
                .as_of
                .clone()
                .unwrap_or_else(|| i.imported_at.chars().take(10).collect()),
            sha256: i.checksum.clone(),
        }
    }
}

/// One result: an input row (by line) and one of its matches, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultRow {
    pub line: u64,
    pub name: String,
    #[serde(rename = "match", skip_serializing_if = "Option::is_none", default)]
    pub found: Option<Found>,
}

/// A match as a record keeps it: what comparing two runs needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    pub id: String,
    pub name: String,
    /// Three decimals, as the CSV writes it: runs compare on what a reader sees.
    pub score: String,
    pub status: String,
    pub lists: Vec<String>,
}

/// A screen's results: every output row, and the rows that could not be read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Results {
    pub rows: Vec<ResultRow>,
    /// `file:line: field: problem`.
    pub problems: Vec<String>,
    /// Best match's status of each screened row ("none" without a match): how many.
    pub by_status: BTreeMap<String, usize>,
}

impl Results {
    pub fn of(input: &Input, screened: &Screened) -> Results {
        Results {
            rows: screened
                .rows
                .iter()
                .map(|r| {
                    let row = &input.rows[r.row];
                    ResultRow {
                        line: row.line,
                        name: row.subject.name.clone(),
                        found: r.found.as_ref().map(|m| Found {
                            id: m.id.clone(),
                            name: m.name.clone(),
                            score: batch::score_text(m.score),
                            status: m.status.as_str().to_string(),
                            lists: m.lists.clone(),
                        }),
                    }
                })
                .collect(),
            problems: input.problems.iter().map(|p| p.to_string()).collect(),
            by_status: screened
                .summary
                .by_status
                .iter()
                .map(|(s, n)| (s.to_string(), *n))
                .collect(),
        }
    }

    /// Rows with a match.
    pub fn matched(&self) -> usize {
        let mut lines: Vec<u64> = self
            .rows
            .iter()
            .filter(|r| r.found.is_some())
            .map(|r| r.line)
            .collect();
        lines.dedup();
        lines.len()
    }
}

/// A record as read back: what it says of its screen, the releases it ran on, its results.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    #[serde(flatten)]
    pub meta: ScreeningMeta,
    pub releases: Vec<ReleaseRef>,
    pub results: Results,
}

impl Record {
    pub fn options(&self) -> Options {
        let s = &self.meta.screening;
        Options {
            regime: s.regime,
            as_of: s.as_of,
            threshold: s.threshold,
            all_matches: s.all_matches,
        }
    }

    fn new(meta: ScreeningMeta, data: ScreeningData) -> Result<Record, StoreError> {
        let corrupt = |what: &str, e: serde_json::Error| {
            StoreError::Corrupt(format!("screening {}: {what}: {e}", meta.id))
        };
        Ok(Record {
            releases: serde_json::from_str(&data.releases).map_err(|e| corrupt("releases", e))?,
            results: serde_json::from_str(&data.results).map_err(|e| corrupt("results", e))?,
            meta,
        })
    }
}

/// The SHA-256 of `bytes`, in hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// What a screen ran on: every release the database holds, in the order they were imported;
/// up to release `upto` only, when given (a run evaluated at that release, written later).
fn releases_held(engine: &Engine, upto: Option<i64>) -> Result<Vec<ReleaseRef>, StoreError> {
    let imports = engine.read(|store| store.imports())?;
    Ok(imports
        .iter()
        .rev()
        .filter(|i| upto.is_none_or(|upto| i.iid <= upto))
        .map(ReleaseRef::of)
        .collect())
}

/// A record ready to write: what it says of its screen, its input, its releases and results.
pub struct Kept {
    pub screening: Screening,
    pub input: Vec<u8>,
    pub data: ScreeningData,
}

impl Kept {
    fn new(
        engine: &Engine,
        by: &str,
        source: Source,
        input: (&Input, Vec<u8>),
        results: Results,
        options: &Options,
        // The data version screened, and its newest release when the store may hold newer.
        (data_version, upto): (i64, Option<i64>),
    ) -> Result<Kept, StoreError> {
        let (read, bytes) = input;
        Ok(Kept {
            screening: Screening {
                created_by: by.to_string(),
                source: source.as_str().to_string(),
                file_name: read.file.to_string(),
                input_sha256: sha256_hex(&bytes),
                input_rows: read.rows_seen as u64,
                regime: options.regime,
                as_of: options.as_of,
                threshold: options.threshold,
                all_matches: options.all_matches,
                data_version,
                matched: results.matched() as u64,
                screened: read.rows.len() as u64,
            },
            data: ScreeningData {
                releases: json(&releases_held(engine, upto)?),
                results: json(&results),
            },
            input: bytes,
        })
    }
}

/// Keeps a screen as a record and returns its id: `bytes` is the input file as screened
/// (`input` read from it), `screened` what [`batch::screen`] found with its options, `by` who
/// asked for it (a user's name, or [`CLI`]).
pub fn keep(
    engine: &Engine,
    by: &str,
    source: Source,
    bytes: &[u8],
    input: &Input,
    screened: &Screened,
) -> Result<i64, StoreError> {
    let kept = Kept::new(
        engine,
        by,
        source,
        (input, bytes.to_vec()),
        Results::of(input, screened),
        &screened.options,
        (screened.data_version, None),
    )?;
    engine.write(|store| store.insert_screening(&kept.screening, &kept.input, &kept.data))
}

/// A watchlist's run as a record, for the store to write with the run. Its input is the
/// watchlist's file as kept (`header`, then each row's `cells`: the rows that could be read
/// when it was saved), so that [`verify`] screens exactly those rows again with `options`;
/// `found` is each row's best match (or none) in row order, as the run found it at
/// `data_version` with release `iid` the newest.
#[allow(clippy::too_many_arguments)]
pub fn of_watchlist_run<'a>(
    engine: &Engine,
    owner: &str,
    file: &str,
    header: &[String],
    cells: impl Iterator<Item = &'a [String]>,
    found: Vec<Option<Found>>,
    options: &Options,
    data_version: i64,
    iid: i64,
) -> Result<Kept, StoreError> {
    let corrupt = |what: String| StoreError::Corrupt(format!("watchlist file {file}: {what}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header).map_err(|e| corrupt(e.to_string()))?;
    for row in cells {
        writer.write_record(row).map_err(|e| corrupt(e.to_string()))?;
    }
    let bytes = writer.into_inner().map_err(|e| corrupt(e.to_string()))?;
    let input = batch::read_csv(file, &bytes[..], None).map_err(|e| corrupt(e.to_string()))?;
    if input.rows.len() != found.len() || !input.problems.is_empty() {
        return Err(corrupt(format!(
            "{} rows read back from {} kept, with {} problem(s)",
            input.rows.len(),
            found.len(),
            input.problems.len()
        )));
    }
    let mut by_status: BTreeMap<String, usize> = BTreeMap::new();
    let rows = input
        .rows
        .iter()
        .zip(found)
        .map(|(row, found)| {
            let status = found.as_ref().map_or("none", |m| m.status.as_str());
            *by_status.entry(status.to_string()).or_default() += 1;
            ResultRow {
                line: row.line,
                name: row.subject.name.clone(),
                found,
            }
        })
        .collect();
    let results = Results {
        rows,
        problems: Vec::new(),
        by_status,
    };
    Kept::new(
        engine,
        owner,
        Source::Watchlist,
        (&input, bytes),
        results,
        options,
        (data_version, Some(iid)),
    )
}

fn json(value: &impl Serialize) -> String {
    serde_json::to_string(value).expect("records are plain data and always serialise")
}

/// Record `id`, or `None`.
pub fn get(engine: &Engine, id: i64) -> Result<Option<Record>, StoreError> {
    engine
        .read(|store| store.screening(id))?
        .map(|(meta, data, _)| Record::new(meta, data))
        .transpose()
}

/// One page of records (what each says of its screen), newest first, and how many there are.
pub fn list(engine: &Engine, limit: usize, offset: usize) -> Result<(Vec<ScreeningMeta>, u64), StoreError> {
    engine.read(|store| store.screenings(limit, offset))
}

/// One line whose results differ between the record and the run again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub line: u64,
    pub name: String,
    pub recorded: Vec<Option<Found>>,
    pub now: Vec<Option<Found>>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let side = |found: &[Option<Found>]| -> String {
            let parts: Vec<String> = found
                .iter()
                .map(|m| match m {
                    None => "no match".to_string(),
                    Some(m) => format!(
                        "{} {:?} score {} {} [{}]",
                        m.id,
                        m.name,
                        m.score,
                        m.status,
                        m.lists.join(", ")
                    ),
                })
                .collect();
            if parts.is_empty() {
                "not screened".to_string()
            } else {
                parts.join("; ")
            }
        };
        write!(
            f,
            "line {} ({}): recorded {}; now {}",
            self.line,
            self.name,
            side(&self.recorded),
            side(&self.now)
        )
    }
}

/// What running a record again found.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    pub id: i64,
    /// The kept input still hashes to the recorded SHA-256.
    pub input_intact: bool,
    /// Every result row is the same, in the same order, and so are the unreadable rows.
    pub identical: bool,
    /// Lines whose results differ (at most [`MAX_DIFFERENCES`]), and how many there are.
    pub differences: Vec<Difference>,
    pub difference_count: usize,
    /// The database holds exactly the releases the record ran on.
    pub same_releases: bool,
    /// Releases the record ran on.
    pub release_count: usize,
    /// Releases held now that the record did not run on, and the other way round.
    pub releases_added: Vec<ReleaseRef>,
    pub releases_missing: Vec<ReleaseRef>,
    pub data_version_then: i64,
    pub data_version_now: i64,
}

impl Verification {
    /// The verdict in words, one line per finding, for the command line.
    pub fn text(&self) -> String {
        let mut out = Vec::new();
        out.push(format!(
            "screening record {}: {}",
            self.id,
            if !self.input_intact {
                "the kept input does not match its recorded SHA-256: the record was altered".to_string()
            } else if self.identical {
                "results identical".to_string()
            } else {
                format!("results differ on {} line(s)", self.difference_count)
            }
        ));
        for d in &self.differences {
            out.push(format!("  {d}"));
        }
        if self.difference_count > self.differences.len() {
            out.push(format!(
                "  … and {} more",
                self.difference_count - self.differences.len()
            ));
        }
        if self.same_releases {
            out.push(format!(
                "releases: the same {} release(s) it ran on (data version {} then, {} now)",
                self.release_count, self.data_version_then, self.data_version_now
            ));
        } else {
            out.push(format!(
                "releases: not the ones it ran on (data version {} then, {} now)",
                self.data_version_then, self.data_version_now
            ));
            for (what, list) in [
                ("new since", &self.releases_added),
                ("missing now", &self.releases_missing),
            ] {
                for r in list {
                    out.push(format!("  {what}: {} {} sha256 {}", r.dataset, r.date, r.sha256));
                }
            }
        }
        out.join("\n")
    }

    pub fn passed(&self) -> bool {
        self.input_intact && self.identical
    }
}

/// Why a record cannot be verified.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("no screening record {0}")]
    NotFound(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the kept input of record {id} cannot be read again: {message}")]
    Input { id: i64, message: String },
}

/// Runs record `id` again on the database as it is, with its kept input and options, and
/// compares the results with the recorded ones.
pub fn verify(engine: &Engine, id: i64) -> Result<Verification, VerifyError> {
    let (meta, data, bytes) = engine
        .read(|store| store.screening(id))?
        .ok_or(VerifyError::NotFound(id))?;
    let record = Record::new(meta, data)?;
    let s = &record.meta.screening;
    let input = batch::read_csv(&s.file_name, &bytes[..], None).map_err(|e| VerifyError::Input {
        id,
        message: e.to_string(),
    })?;
    let screened = batch::screen(engine, &input, &record.options())?;
    let now = Results::of(&input, &screened);
    let differences = compare(&record.results, &now);
    let held = releases_held(engine, None)?;
    let releases_added: Vec<ReleaseRef> = held
        .iter()
        .filter(|r| !record.releases.contains(r))
        .cloned()
        .collect();
    let releases_missing: Vec<ReleaseRef> = record
        .releases
        .iter()
        .filter(|r| !held.contains(r))
        .cloned()
        .collect();
    Ok(Verification {
        id,
        input_intact: sha256_hex(&bytes) == s.input_sha256,
        identical: differences.is_empty() && record.results.problems == now.problems,
        difference_count: differences.len(),
        differences: differences.into_iter().take(MAX_DIFFERENCES).collect(),
        same_releases: releases_added.is_empty() && releases_missing.is_empty(),
        release_count: record.releases.len(),
        releases_added,
        releases_missing,
        data_version_then: s.data_version,
        data_version_now: screened.data_version,
    })
}

/// The lines whose result rows differ, in line order.
fn compare(recorded: &Results, now: &Results) -> Vec<Difference> {
    let by_line = |results: &Results| {
        let mut lines: BTreeMap<u64, (String, Vec<Option<Found>>)> = BTreeMap::new();
        for r in &results.rows {
            lines
                .entry(r.line)
                .or_insert_with(|| (r.name.clone(), Vec::new()))
                .1
                .push(r.found.clone());
        }
        lines
    };
    let (mut then, mut now) = (by_line(recorded), by_line(now));
    let lines: std::collections::BTreeSet<u64> = then.keys().chain(now.keys()).copied().collect();
    lines
        .into_iter()
        .filter_map(|line| {
            let (name_then, a) = then.remove(&line).unwrap_or_default();
            let (name_now, b) = now.remove(&line).unwrap_or_default();
            (a != b).then_some(Difference {
                line,
                name: if name_then.is_empty() { name_now } else { name_then },
                recorded: a,
                now: b,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u64, found: Option<(&str, &str)>) -> ResultRow {
        ResultRow {
            line,
            name: format!("name {line}"),
            found: found.map(|(id, score)| Found {
                id: id.into(),
                name: id.to_uppercase(),
                score: score.into(),
                status: "listed".into(),
                lists: vec!["SDN List".into()],
            }),
        }
    }

    #[test]
    fn only_lines_whose_results_changed_differ() {
        let then = Results {
            rows: vec![
                row(2, Some(("a", "0.950"))),
                row(3, None),
                row(4, Some(("c", "0.900"))),
            ],
            ..Results::default()
        };
        let mut now = then.clone();
        assert!(compare(&then, &now).is_empty());
        now.rows[1] = row(3, Some(("b", "0.880")));
        now.rows[2] = row(4, Some(("c", "0.901")));
        let diff = compare(&then, &now);
        assert_eq!(diff.iter().map(|d| d.line).collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(
            diff[0].to_string(),
            r#"line 3 (name 3): recorded no match; now b "B" score 0.880 listed [SDN List]"#
        );
        now.rows.pop();
        assert_eq!(compare(&then, &now)[1].now, Vec::<Option<Found>>::new());
    }

    #[test]
    fn the_hash_is_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
