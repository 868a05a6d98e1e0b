//! Watchlists: a counterparty file (the `/screen` layout) kept under a name with a regime and a
//! threshold, screened again after every release; what changed for a row since the last
//! screening (a new match, a match gone, a status changed under the regime) is an alert naming
//! the release and the evidence, the ownership chain from the match up to the listed party.
//!
//! [`Monitor`] holds one [`Incremental`] exposure pass per regime across releases, so a release
//! that only adds listings costs what those listings reach ([`Incremental::add_listing`]), not
//! a whole-graph pass. [`rescreen`] evaluates every watchlist not yet screened at the current
//! data version, each exactly once whichever process gets there first (the store claims the
//! version in the transaction that writes the alerts). Alerts of a watchlist with a webhook are
//! queued for [`webhook`] in that same transaction.
//!
//! Architecture invariant: no HTTP and no SQL here (the webhook's client lives in `webhook`).

pub mod webhook;

use crate::engine::Engine;
use crate::exposure::propagate;
use crate::exposure::{Incremental, RegimeId, Regimes, Status};
use crate::graph::Snapshot;
use crate::model::{Date, InputError};
use crate::screen::batch::{self, Input, Options};
use crate::screen::{Matcher, Subject};
use crate::screenings::{self, Found};
use crate::store::{Evaluation, NewAlert, NewWatchlistRow, RowState, StoreError, StoredRow, WatchlistRow};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Instant;

/// Longest watchlist name, in characters.
pub const MAX_NAME_CHARS: usize = 64;
/// Status of a row with no match at or above the threshold.
pub const NO_MATCH: &str = "none";
/// What a release may change without moving any row's match: names, aliases and identifiers
/// are untouched, so each row keeps its match and only the statuses are judged again.
const NAME_NEUTRAL: [&str; 4] = [
    "listing_added",
    "listing_ended",
    "relation_added",
    "relation_ended",
];

#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// Bad input from the user: a name, a URL, an empty file.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    File(#[from] batch::FileError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A watchlist name: 1–64 letters, digits, `-` and `_` (it is a path segment of its pages).
pub fn check_name(text: &str) -> Result<String, String> {
    let name = text.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(format!("name: 1 to {MAX_NAME_CHARS} characters"));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(format!(
            "name: letters, digits, '-' and '_' only (it is part of the watchlist's address), got {name:?}"
        ));
    }
    Ok(name.to_string())
}

/// What is to be saved.
pub struct NewWatchlist<'a> {
    pub name: &'a str,
    pub owner: &'a str,
    pub regime: RegimeId,
    pub threshold: f64,
    pub webhook_url: Option<&'a str>,
    /// Keep every run as a screening record (`/screenings/{id}`, `screen --verify`).
    pub keep_records: bool,
    pub input: &'a Input,
}

/// A watchlist saved and screened for the first time.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    pub wid: i64,
    pub rows: usize,
    /// The webhook's signing secret (hex), shown this once.
    pub webhook_secret: Option<String>,
    /// The first run's screening record, when it keeps them.
    pub screening: Option<i64>,
    /// Rows of the file that could not be read, so are not watched (`file:line: field: problem`).
    pub problems: Vec<String>,
}

/// Saves a watchlist and screens it once, as the baseline later alerts compare with.
pub fn add(engine: &Engine, monitor: &mut Monitor, new: &NewWatchlist<'_>) -> Result<Created, WatchError> {
    let name = check_name(new.name).map_err(WatchError::Invalid)?;
    if !(0.0..=1.0).contains(&new.threshold) {
        return Err(WatchError::Invalid(format!(
            "threshold: a number from 0 to 1, got {}",
            new.threshold
        )));
    }
    let url = new
        .webhook_url
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(webhook::check_url)
        .transpose()
        .map_err(WatchError::Invalid)?;
    if new.input.rows.is_empty() {
        return Err(WatchError::Invalid(format!(
            "{}: no row could be read, so there is nothing to watch",
            new.input.file
        )));
    }
    let rows: Vec<StoredRow> = new
        .input
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| StoredRow {
            row: i as i64,
            line: r.line as i64,
            cells: r.cells.clone(),
            name: r.subject.name.clone(),
            country: r.subject.country.clone(),
            identifier: r.subject.identifier.clone(),
            schema: r.subject.schema.map(|s| s.as_str().to_string()),
            birth_date: r.subject.birth_date.clone(),
        })
        .collect();
    let secret = url.as_ref().map(|_| crate::accounts::new_token());
    let wid = engine.write(|store| {
        store.add_watchlist(&NewWatchlistRow {
            name: &name,
            owner: new.owner,
            regime: new.regime.as_str(),
            threshold: new.threshold,
            file: &new.input.file,
            header: &new.input.header,
            webhook_url: url.as_deref(),
            webhook_secret: secret.as_deref(),
            keep_records: new.keep_records,
            rows: &rows,
        })
    })?;
    let screening = rescreen(engine, monitor)?
        .into_iter()
        .find(|e| e.watchlist == name)
        .and_then(|e| e.screening);
    Ok(Created {
        wid,
        screening,
        rows: rows.len(),
        webhook_secret: secret,
        problems: new.input.problems.iter().map(InputError::to_string).collect(),
    })
}

/// How a regime's exposure was brought up to the data version evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pass {
    /// Already at this version: nothing to do.
    Held,
    /// New listings added to the pass kept from the last version.
    Incremental,
    /// A whole-graph pass.
    Whole,
}

/// One regime's exposure, kept across releases.
struct Held {
    version: i64,
    /// The newest release, and the curated part of the data version, at `version`.
    iid: i64,
    curated: i64,
    day: Date,
    nodes: usize,
    edges: usize,
    list_names: Vec<String>,
    pass: Incremental,
}

/// The exposure passes a server keeps, one per regime a watchlist uses.
#[derive(Default)]
pub struct Monitor {
    held: HashMap<RegimeId, Held>,
}

impl Monitor {
    /// The exposure of `regime` on `day` over `snapshot` (at release `iid`), brought up to
    /// date from the pass held for an older version when only listings were added since.
    pub fn exposure(
        &mut self,
        engine: &Engine,
        snapshot: &Snapshot,
        regime: RegimeId,
        iid: i64,
        day: Date,
    ) -> Result<(&Incremental, Pass), StoreError> {
        let version = snapshot.data_version;
        let curated = version - iid;
        let rule = Regimes::bundled().get(regime);
        let how = match self.held.get(&regime) {
            Some(h) if h.version == version && h.day == day => Pass::Held,
            // Only a release that adds listings and nothing else leaves the graph and its node
            // numbering as they were, so that the kept pass still describes it. Anything else
            // (an entity added or renamed, a listing or relation ended or added, a curated
            // change, a merge, lists renumbered, a new day) can lower a status or move a node: a
            // whole pass, as `Incremental` can only grow what it captures.
            Some(h)
                if h.day == day
                    && h.curated == curated
                    && h.nodes == snapshot.node_count()
                    && h.edges == snapshot.edge_count()
                    // A new list may come after the known ones: their indices stay as they were.
                    && snapshot.list_names.starts_with(&h.list_names)
                    && engine
                        .read(|s| s.change_kinds_between(h.iid, iid))?
                        .is_some_and(|kinds| kinds.iter().all(|k| k == "listing_added")) =>
            {
                Pass::Incremental
            }
            _ => Pass::Whole,
        };
        match how {
            Pass::Held => {}
            Pass::Incremental => {
                let held = self.held.get_mut(&regime).expect("matched above");
                let seeds = propagate::seed_lists(snapshot, rule);
                for id in engine.read(|s| s.listed_between(held.iid, iid))? {
                    let Some(node) = snapshot.find(&id) else { continue };
                    if propagate::seeding_list(snapshot, node, &seeds, day).is_some() {
                        held.pass.add_listing(node);
                    }
                }
                held.version = version;
                held.iid = iid;
                held.list_names = snapshot.list_names.clone();
            }
            Pass::Whole => {
                self.held.insert(
                    regime,
                    Held {
                        version,
                        iid,
                        curated,
                        day,
                        nodes: snapshot.node_count(),
                        edges: snapshot.edge_count(),
                        list_names: snapshot.list_names.clone(),
                        pass: Incremental::new(snapshot, rule, day),
                    },
                );
            }
        }
        Ok((&self.held[&regime].pass, how))
    }
}

/// A server's [`Monitor`], shared by whatever re-screens: the thread that notices new data
/// versions, an import's follow-up, a watchlist just saved. One at a time.
#[derive(Default)]
pub struct Watch {
    monitor: std::sync::Mutex<Monitor>,
    /// The snapshot's data version at the last [`Watch::rescreen_if_moved`].
    seen: std::sync::atomic::AtomicI64,
}

impl Watch {
    /// [`Watch::rescreen`] when the engine's snapshot has moved since the last call: what a
    /// server asks four times a second, so that most calls read nothing. A watchlist saved
    /// screens itself, so only a new data version needs a look.
    pub fn rescreen_if_moved(&self, engine: &Engine) -> Result<Vec<Evaluated>, StoreError> {
        use std::sync::atomic::Ordering;
        let version = engine.snapshot().data_version;
        if self.seen.load(Ordering::Acquire) == version {
            return Ok(Vec::new());
        }
        let done = self.rescreen(engine)?;
        // A snapshot that lagged the store is followed by a newer one: looked at then.
        self.seen.store(version, Ordering::Release);
        Ok(done)
    }

    /// [`rescreen`] with the shared monitor.
    pub fn rescreen(&self, engine: &Engine) -> Result<Vec<Evaluated>, StoreError> {
        let mut monitor = self.monitor.lock().unwrap_or_else(|p| p.into_inner());
        rescreen(engine, &mut monitor)
    }

    /// [`add`] with the shared monitor.
    pub fn add(&self, engine: &Engine, new: &NewWatchlist<'_>) -> Result<Created, WatchError> {
        let mut monitor = self.monitor.lock().unwrap_or_else(|p| p.into_inner());
        add(engine, &mut monitor, new)
    }
}

/// One step of an evidence chain.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct Step {
    pub id: String,
    pub name: String,
    /// The lists it is on (the last step's name the listing that seeds the rule).
    pub lists: Vec<String>,
}

/// The evidence of `node`'s status as JSON steps, from it up to the listed party.
fn evidence(snapshot: &Snapshot, pass: &Incremental, node: u32) -> Option<String> {
    let chain = pass.chain(node);
    if chain.is_empty() {
        return None;
    }
    let steps: Vec<Step> = chain
        .into_iter()
        .map(|n| {
            let at = snapshot.node(n);
            Step {
                id: at.id.to_string(),
                name: at.name.to_string(),
                lists: snapshot.list_names_of(n),
            }
        })
        .collect();
    Some(serde_json::to_string(&steps).expect("steps serialise"))
}

/// What one watchlist's evaluation did.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluated {
    pub watchlist: String,
    pub rows: usize,
    /// Rows matched again (a release that changed names), or their matches kept.
    pub rematched: bool,
    pub pass: Pass,
    pub alerts: usize,
    /// False when another process had recorded this version first.
    pub recorded: bool,
    /// The run's screening record, when the watchlist keeps them.
    pub screening: Option<i64>,
    pub seconds: f64,
}

/// Screens again every watchlist not yet screened at the engine's current data version.
/// Nothing on a replica (it cannot write) or while the snapshot lags the store (a write of
/// another process is being loaded: the next call sees it).
pub fn rescreen(engine: &Engine, monitor: &mut Monitor) -> Result<Vec<Evaluated>, StoreError> {
    if engine.is_replica() {
        return Ok(Vec::new());
    }
    let (version, iid, lists) =
        engine.read(|s| Ok((s.data_version()?, s.latest_release()?, s.watchlists()?)))?;
    let due: Vec<WatchlistRow> = lists
        .into_iter()
        .filter(|w| w.evaluated_version.is_none_or(|v| v < version))
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let snapshot = engine.snapshot();
    if snapshot.data_version != version {
        return Ok(Vec::new());
    }
    let mut done = Vec::with_capacity(due.len());
    for w in &due {
        done.push(evaluate(engine, &snapshot, monitor, w, iid)?);
    }
    Ok(done)
}

fn subject_of(r: &StoredRow) -> Subject {
    Subject {
        name: r.name.clone(),
        country: r.country.clone(),
        schema: r.schema.as_deref().and_then(|s| batch::parse_schema(s).ok()),
        birth_date: r.birth_date.clone(),
        identifier: r.identifier.clone(),
    }
}

/// The alert a row's move from `before` to `after` makes, if any.
fn alert_kind(before: &RowState, after: &RowState) -> Option<&'static str> {
    match (&before.match_id, &after.match_id) {
        (None, None) => None,
        (None, Some(_)) => Some("new_match"),
        (Some(_), None) => Some("match_gone"),
        (Some(a), Some(b)) if a != b => Some("new_match"),
        _ if before.status != after.status => Some("status_changed"),
        _ => None,
    }
}

fn evaluate(
    engine: &Engine,
    snapshot: &Arc<Snapshot>,
    monitor: &mut Monitor,
    w: &WatchlistRow,
    iid: i64,
) -> Result<Evaluated, StoreError> {
    let started = Instant::now();
    let version = snapshot.data_version;
    let regime: RegimeId = w
        .regime
        .parse()
        .map_err(|e: String| StoreError::Corrupt(format!("watchlist {}: {e}", w.name)))?;
    let (rows, before, kinds) = engine.read(|s| {
        let kinds = match (w.evaluated_iid, w.evaluated_version) {
            (Some(from_iid), Some(from_version)) if from_version - from_iid == version - iid => {
                s.change_kinds_between(from_iid, iid)?
            }
            // Never screened, or a curated change (an alias, a merge) since: names moved.
            _ => None,
        };
        Ok((s.watchlist_rows(w.wid)?, s.watchlist_states(w.wid)?, kinds))
    })?;
    let before: HashMap<i64, RowState> = before.into_iter().collect();
    let rematch = before.is_empty()
        || kinds.is_none_or(|k: BTreeSet<String>| k.iter().any(|k| !NAME_NEUTRAL.contains(&k.as_str())))
        || before.values().any(|s| {
            s.match_id
                .as_deref()
                .is_some_and(|id| snapshot.find(id).is_none())
        });
    // The name index is built only when rows are matched again: a release that only lists
    // or ends parties costs no index (seconds at a million parties) and no matching.
    let matcher = match rematch {
        false => None,
        true => {
            let matcher = Matcher::new(engine)?;
            if matcher.snapshot.data_version != version {
                // A newer snapshot came in meanwhile: it is screened next time.
                return Ok(Evaluated {
                    watchlist: w.name.clone(),
                    rows: 0,
                    rematched: true,
                    pass: Pass::Held,
                    alerts: 0,
                    recorded: false,
                    screening: None,
                    seconds: started.elapsed().as_secs_f64(),
                });
            }
            Some(matcher)
        }
    };
    // Statuses are today's: a record of the run says so.
    let day = Date::today();
    let (pass, how) = monitor.exposure(engine, snapshot, regime, iid, day)?;
    let after = batch::in_parallel(&rows, |r| {
        let kept = before.get(&r.row).filter(|_| !rematch);
        let found = kept.and_then(|state| {
            let node = snapshot.find(state.match_id.as_deref()?)?;
            Some((node, state.match_name.clone(), state.score))
        });
        let found = match (found, kept) {
            (Some(f), _) => Some(f),
            // Kept with no match, and no name changed: still none.
            (None, Some(state)) if state.match_id.is_none() => None,
            _ => match &matcher {
                Some(matcher) => matcher
                    .candidates(&subject_of(r), 1)?
                    .into_iter()
                    .find(|c| c.score >= w.threshold)
                    .and_then(|c| Some((snapshot.find(&c.id)?, Some(c.name), Some(c.score)))),
                // Not matched again: every kept match was found above.
                None => None,
            },
        };
        Ok(match found {
            None => RowState {
                match_id: None,
                match_name: None,
                score: None,
                status: NO_MATCH.to_string(),
                evidence: None,
            },
            Some((node, name, score)) => {
                let status = pass.status(node);
                RowState {
                    match_id: Some(snapshot.node(node).id.to_string()),
                    match_name: name,
                    score,
                    status: status.as_str().to_string(),
                    evidence: matches!(status, Status::Blocked | Status::PossiblyBlocked)
                        .then(|| evidence(snapshot, pass, node))
                        .flatten(),
                }
            }
        })
    })?;
    let mut changed = Vec::new();
    let mut alerts = Vec::new();
    let brief = |s: &RowState| serde_json::to_string(s).expect("a row state serialises");
    for (r, now) in rows.iter().zip(&after) {
        match before.get(&r.row) {
            Some(old) if old == now => continue,
            Some(old) => {
                if let Some(kind) = alert_kind(old, now) {
                    alerts.push(NewAlert {
                        row: r.row,
                        kind,
                        before: old.match_id.is_some().then(|| brief(old)),
                        after: now.match_id.is_some().then(|| brief(now)),
                        evidence: now.evidence.clone().or_else(|| old.evidence.clone()),
                    });
                }
            }
            // The first screening is the baseline: no alerts.
            None => {}
        }
        changed.push((r.row, now.clone()));
    }
    let record = match w.keep_records {
        false => None,
        true => Some(record_of_run(
            engine, snapshot, w, regime, &rows, &after, day, version, iid,
        )?),
    };
    let names: HashMap<i64, (&str, i64)> = rows.iter().map(|r| (r.row, (r.name.as_str(), r.line))).collect();
    let release = engine.read(|s| Ok(s.imports()?.into_iter().find(|i| i.iid == iid)))?;
    let evaluation = Evaluation {
        wid: w.wid,
        from: w.evaluated_version,
        version,
        iid,
        changed: &changed,
        alerts: &alerts,
        now: crate::accounts::now(),
        record: record.as_ref().map(|k| (&k.screening, &k.input[..], &k.data)),
    };
    let recorded = engine.write(|s| {
        s.record_evaluation(&evaluation, |aid, a| {
            webhook::body(w, aid, a, names[&a.row], release.as_ref(), version)
        })
    })?;
    Ok(Evaluated {
        watchlist: w.name.clone(),
        rows: rows.len(),
        rematched: rematch,
        pass: how,
        alerts: if recorded.is_some() { alerts.len() } else { 0 },
        recorded: recorded.is_some(),
        screening: recorded.and_then(|r| r.screening),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A run of watchlist `w` as a screening record: its rows' states `after` (in row order) as
/// the matches a screen of its file with its options on `day` reports.
#[allow(clippy::too_many_arguments)]
fn record_of_run(
    engine: &Engine,
    snapshot: &Snapshot,
    w: &WatchlistRow,
    regime: RegimeId,
    rows: &[StoredRow],
    after: &[RowState],
    day: Date,
    version: i64,
    iid: i64,
) -> Result<screenings::Kept, StoreError> {
    let found = after
        .iter()
        .map(|state| {
            let id = state.match_id.as_deref()?;
            let mut lists = snapshot
                .find(id)
                .map(|n| snapshot.list_names_of(n))
                .unwrap_or_default();
            // As a screen's match lists them.
            lists.sort();
            Some(Found {
                id: id.to_string(),
                name: state.match_name.clone().unwrap_or_default(),
                score: batch::score_text(state.score.unwrap_or_default()),
                status: state.status.clone(),
                lists,
            })
        })
        .collect();
    let options = Options {
        regime,
        as_of: day,
        threshold: w.threshold,
        all_matches: false,
    };
    screenings::of_watchlist_run(
        engine,
        &w.owner,
        &w.file,
        &w.header,
        rows.iter().map(|r| &r.cells[..]),
        found,
        &options,
        version,
        iid,
    )
}

/// The evidence steps of a stored evidence JSON (empty when none or unreadable).
pub fn steps(evidence: Option<&str>) -> Vec<Step> {
    evidence
        .and_then(|e| serde_json::from_str(e).ok())
        .unwrap_or_default()
}

/// A stored before/after state (`None` when there was no match).
pub fn state(json: Option<&str>) -> Option<RowState> {
    json.and_then(|j| serde_json::from_str(j).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_path_segments() {
        assert_eq!(check_name(" suppliers-2026_Q4 ").unwrap(), "suppliers-2026_Q4");
        for bad in ["", "a/b", "x.json", "über", &"x".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn alerts_follow_the_match_and_its_status() {
        let s = |id: Option<&str>, status: &str| RowState {
            match_id: id.map(str::to_string),
            match_name: None,
            score: None,
            status: status.into(),
            evidence: None,
        };
        let cases = [
            (s(None, "none"), s(None, "none"), None),
            (s(None, "none"), s(Some("a"), "listed"), Some("new_match")),
            (s(Some("a"), "listed"), s(None, "none"), Some("match_gone")),
            (s(Some("a"), "listed"), s(Some("b"), "listed"), Some("new_match")),
            (
                s(Some("a"), "not_blocked"),
                s(Some("a"), "blocked"),
                Some("status_changed"),
            ),
            (s(Some("a"), "blocked"), s(Some("a"), "blocked"), None),
        ];
        for (before, after, want) in cases {
            assert_eq!(alert_kind(&before, &after), want, "{before:?} → {after:?}");
        }
    }
}
