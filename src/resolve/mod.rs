//! One party across sources: cross-referencing records of different datasets, judgements on
//! pairs, and the clusters the positive ones make.
//!
//! - [`record`]: a source record as comparison needs it (names, kind, countries, birth dates,
//!   identifiers by class, addresses);
//! - [`score`]: how alike two records are, feature by feature, in words, and whether the
//!   evidence is decisive (an automatic merge) or waits for a person;
//! - [`xref`]: candidate pairs across datasets, blocked by the screening's trigram name index;
//! - [`clusters`]: union-find over positive judgements, negative ones as constraints.
//!
//! Records are never changed: a cluster is a view the snapshot takes when it loads (one node
//! per cluster), and undoing a judgement undoes the merge. The functions here that touch the
//! database go through the store or the engine; no SQL and no HTTP here.

pub mod clusters;
pub mod record;
pub mod score;
pub mod xref;

pub use clusters::{check, ordered, validate, Clusters, Judged, Judgement};
pub use record::Record;
pub use score::{Decision, Reason, Scored};
pub use xref::Scope;

use crate::accounts::User;
use crate::curation::CurationError;
use crate::engine::Engine;
use crate::model::InputError;
use crate::store::{CandidateRow, JudgementRow, NewChange, Store, StoreError};
use std::io::{BufRead, Write};
use std::path::Path;

/// Pairs scoring below this are not kept as candidates by default.
pub const DEFAULT_MIN_SCORE: f64 = 0.70;
/// Who automatic merges are recorded as.
pub const XREF_AUTHOR: &str = "xref";

/// What a cross-referencing run found and did.
#[derive(Debug, Clone, Default)]
pub struct XrefOutcome {
    /// Records compared.
    pub records: usize,
    /// The pairs, best first.
    pub candidates: Vec<CandidateRow>,
    /// Automatic merges recorded by this run.
    pub merged: usize,
    /// Decisive pairs not merged because a negative judgement stands in the way, with why.
    pub refused: Vec<String>,
}

/// Cross-references the records of `store` within `scope`: the candidate pairs scoring at
/// least `min_score`, best first. Reads only; see [`xref_and_merge`] to record them.
pub fn xref_store(
    store: &Store,
    scope: Scope<'_>,
    min_score: f64,
) -> Result<(usize, Vec<CandidateRow>), StoreError> {
    let mut records = Vec::new();
    // Both sides named: only their records are needed; otherwise every record may be a right.
    let datasets: Vec<Option<&str>> = match (scope.dataset, scope.against) {
        (Some(a), Some(b)) => vec![Some(a), Some(b)],
        _ => vec![None],
    };
    for dataset in datasets {
        store.scan_records(dataset, |entity| records.push(Record::from_entity(&entity)))?;
    }
    let pairs = xref::xref(&records, scope, min_score);
    let rows = pairs
        .into_iter()
        .map(|p| {
            let (l, r) = (&records[p.left as usize], &records[p.right as usize]);
            CandidateRow {
                left_id: l.id.clone(),
                right_id: r.id.clone(),
                left_dataset: l.dataset.clone(),
                right_dataset: r.dataset.clone(),
                left_name: l.name.clone(),
                right_name: r.name.clone(),
                score: p.scored.score,
                decision: p.scored.decision,
                reasons: p.scored.reasons,
                judgement: None,
            }
        })
        .collect();
    Ok((records.len(), rows))
}

/// Cross-references, keeps the candidates (replacing earlier ones of the datasets in scope)
/// and records an automatic positive judgement for every decisive pair that has no
/// judgement yet and crosses no negative one. What `ownergraph xref` and every import run.
pub fn xref_and_merge(
    store: &mut Store,
    scope: Scope<'_>,
    min_score: f64,
) -> Result<XrefOutcome, StoreError> {
    let (records, mut candidates) = xref_store(store, scope, min_score)?;
    let mut current = store.current_judgements()?;
    let mut merges = Vec::new();
    let mut refused = Vec::new();
    for c in candidates.iter().filter(|c| c.decision == Decision::Auto) {
        let (l, r) = ordered(&c.left_id, &c.right_id);
        if current.iter().any(|j| j.left == l && j.right == r) {
            continue; // a person (or an earlier run) has judged this pair: theirs stands
        }
        if let Err(why) = check(&current, l, r, Judgement::Positive) {
            refused.push(why);
            continue;
        }
        let row = JudgementRow {
            left_id: l.to_string(),
            right_id: r.to_string(),
            judgement: Judgement::Positive,
            note: Some(reasons_text(&c.reasons)),
            author: XREF_AUTHOR.into(),
            at: String::new(),
            automatic: true,
            reverted_at: None,
            reverted_by: None,
        };
        current.push(Judged {
            left: row.left_id.clone(),
            right: row.right_id.clone(),
            judgement: Judgement::Positive,
            author: XREF_AUTHOR.into(),
            at: String::new(),
        });
        merges.push(row);
    }
    let datasets: Vec<&str> = [scope.dataset, scope.against].into_iter().flatten().collect();
    store.save_candidates(&datasets, &candidates)?;
    let merged = store.add_judgements(&merges, "decisive evidence (automatic merge)")?;
    for c in &mut candidates {
        let (l, r) = ordered(&c.left_id, &c.right_id);
        c.judgement = current
            .iter()
            .rev()
            .find(|j| j.left == l && j.right == r)
            .map(|j| j.judgement);
    }
    Ok(XrefOutcome {
        records,
        candidates,
        merged,
        refused,
    })
}

/// The reasons of a pair in one line, for a spreadsheet cell or a judgement's note.
pub fn reasons_text(reasons: &[Reason]) -> String {
    reasons
        .iter()
        .map(|r| {
            if r.effect == 0.0 {
                format!("{} {}", r.feature, r.detail)
            } else {
                format!(
                    "{} {} ({}) {:+.2}",
                    r.feature,
                    if r.agrees { "agrees" } else { "differs" },
                    r.detail,
                    r.effect
                )
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The longest note a judgement keeps.
const MAX_NOTE_CHARS: usize = 2000;

/// A curator's judgement of a pair: checked against the negative judgements (refused, with
/// why, when a chain of positives would cross one), stored with who and when, recorded in
/// both records' history, and seen by the next snapshot.
pub fn judge(
    engine: &Engine,
    user: &User,
    a: &str,
    b: &str,
    judgement: Judgement,
    note: &str,
) -> Result<JudgementRow, CurationError> {
    let (a, b) = (a.trim(), b.trim());
    for (field, id) in [("left", a), ("right", b)] {
        if id.is_empty() {
            return Err(CurationError::Invalid(format!("{field}: required")));
        }
        if engine.read(|s| s.entity(id))?.is_none() {
            return Err(CurationError::Invalid(format!(
                "{field}: no entity with id {id:?}"
            )));
        }
    }
    let note = note.trim();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(CurationError::Invalid(format!(
            "note: longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    let (l, r) = ordered(a, b);
    let row = JudgementRow {
        left_id: l.into(),
        right_id: r.into(),
        judgement,
        note: (!note.is_empty()).then(|| note.to_string()),
        author: user.name.clone(),
        at: String::new(),
        automatic: false,
        reverted_at: None,
        reverted_by: None,
    };
    let reason = if note.is_empty() { judgement.label() } else { note };
    engine.change(|store| {
        let current = store.current_judgements()?;
        check(&current, l, r, judgement).map_err(CurationError::Conflict)?;
        store.add_judgement(
            &row,
            NewChange {
                author: &user.name,
                reason,
            },
        )?;
        Ok::<_, CurationError>(())
    })?;
    Ok(row)
}

/// Writes every judgement, oldest first, one JSON object per line; returns how many.
pub fn export(store: &Store, out: &mut dyn Write) -> Result<usize, anyhow::Error> {
    let rows = store.all_judgements()?;
    for row in &rows {
        serde_json::to_writer(&mut *out, row)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(rows.len())
}

/// What an import of judgements did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Imported {
    pub added: usize,
    /// Judgements this database already holds (same pair, judgement, author and time).
    pub already: usize,
}

/// Reads judgements written by [`export`] and records them in order, all or nothing: a bad
/// line, an id this database does not hold, or a judgement that would cross a negative one
/// stops the import with `file:line: field: problem` and nothing recorded.
pub fn import(store: &mut Store, path: &Path) -> Result<Imported, anyhow::Error> {
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let file_name: std::sync::Arc<str> = path.display().to_string().into();
    let origin = |line: usize| crate::model::Origin {
        file: file_name.clone(),
        line: line as u64,
    };
    let held = store.all_judgements()?;
    let mut current = store.current_judgements()?;
    let mut rows = Vec::new();
    let mut already = 0;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let number = i + 1;
        let line = line.map_err(|e| InputError::new(&origin(number), "line", e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let mut row: JudgementRow = serde_json::from_str(&line)
            .map_err(|e| InputError::new(&origin(number), "json", e.to_string()))?;
        for (field, id) in [("left_id", &row.left_id), ("right_id", &row.right_id)] {
            if store.entity(id)?.is_none() {
                return Err(InputError::new(
                    &origin(number),
                    field,
                    format!("no entity with id {id:?} in this database"),
                )
                .into());
            }
        }
        if row.left_id == row.right_id {
            return Err(InputError::new(&origin(number), "right_id", "the same record as left_id").into());
        }
        if row.left_id > row.right_id {
            std::mem::swap(&mut row.left_id, &mut row.right_id);
        }
        if held.iter().chain(&rows).any(|h| {
            h.left_id == row.left_id
                && h.right_id == row.right_id
                && h.judgement == row.judgement
                && h.author == row.author
                && h.at == row.at
        }) {
            already += 1;
            continue;
        }
        if row.reverted_at.is_none() {
            check(&current, &row.left_id, &row.right_id, row.judgement)
                .map_err(|why| InputError::new(&origin(number), "judgement", why))?;
            current.retain(|j| !(j.left == row.left_id && j.right == row.right_id));
            current.push(Judged {
                left: row.left_id.clone(),
                right: row.right_id.clone(),
                judgement: row.judgement,
                author: row.author.clone(),
                at: row.at.clone(),
            });
        }
        rows.push(row);
    }
    let added = store.add_judgements(&rows, &format!("imported from {}", path.display()))?;
    Ok(Imported { added, already })
}
