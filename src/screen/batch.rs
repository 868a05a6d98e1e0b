//! Screening a file of counterparties: read the rows of a CSV file (a `name` column; optional
//! `country`, `id`, `schema`, `birth_date`), match every row on all cores, judge each match
//! under one regime on one day (one whole-graph exposure pass for the batch, not one per row),
//! and write the rows back out with the match columns added. Shared by `ownergraph screen`
//! and the `/screen` page.
//!
//! A row that cannot be read (a ragged row, an unknown schema, a bad birth date, an empty
//! name) is not screened and not written out: it is reported as `file:line: field: problem`
//! ([`Input::problems`]) and the other rows still run. Leaving it out, rather than writing
//! it with an error column, keeps every output row a screened one; the report says which
//! lines are missing.
//!
//! Architecture invariant: no HTTP and no SQL here.

use super::{Candidate, Matcher, Subject, CANDIDATES};
use crate::engine::Engine;
use crate::exposure::{RegimeId, Regimes, Status, Verdicts};
use crate::model::{Date, InputError, Origin, Schema};
use crate::store::StoreError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest name screened, in characters; a longer cell is a row problem.
pub const MAX_NAME_CHARS: usize = 500;
/// The columns added to each input row.
pub const MATCH_COLUMNS: [&str; 6] = [
    "match_id",
    "match_name",
    "score",
    "status",
    "lists",
    "explanation",
];
/// The columns an input file may have; others are carried through untouched.
pub const INPUT_COLUMNS: [&str; 5] = ["name", "country", "id", "schema", "birth_date"];
/// Rows a worker takes from the shared queue at a time.
const CHUNK: usize = 32;

/// How a batch is screened.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Options {
    pub regime: RegimeId,
    pub as_of: Date,
    /// Candidates scoring at least this are matches.
    pub threshold: f64,
    /// Every match at or above the threshold, one output row each; else the best only.
    pub all_matches: bool,
}

/// Why a whole file cannot be screened.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FileError {
    #[error("{file}: no `name` column; the header has: {header}")]
    NoNameColumn { file: String, header: String },
    #[error("{file}: more than {max} rows; split the file")]
    TooManyRows { file: String, max: usize },
    #[error("{file}: {message}")]
    Unreadable { file: String, message: String },
}

/// One row that could be read.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    /// The row's cells as given, one per header column.
    pub cells: Vec<String>,
    pub subject: Subject,
}

/// A counterparty file as read.
#[derive(Debug, Clone)]
pub struct Input {
    pub file: Arc<str>,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
    /// One per problem with a row that could not be read, in file order.
    pub problems: Vec<InputError>,
    /// Data rows in the file, read or not.
    pub rows_seen: usize,
}

impl Input {
    /// Lines of the rows that could not be read (a row may have several problems).
    pub fn unreadable(&self) -> usize {
        let mut lines: Vec<u64> = self.problems.iter().map(|p| p.origin.line).collect();
        lines.dedup();
        lines.len()
    }
}

/// Where in the header each known column is.
struct Columns {
    name: usize,
    country: Option<usize>,
    id: Option<usize>,
    schema: Option<usize>,
    birth_date: Option<usize>,
}

/// Reads a counterparty CSV file (UTF-8, a header row, RFC 4180 quoting; fields separated by
/// commas, or by semicolons or tabs when the header has more of those, as spreadsheets in
/// many locales write them). `file` names it in messages; `max_rows` bounds the data rows
/// (`None`: no bound). Header names are matched ignoring case and surrounding spaces.
pub fn read_csv<R: BufRead>(file: &str, mut reader: R, max_rows: Option<usize>) -> Result<Input, FileError> {
    let unreadable = |message: String| FileError::Unreadable {
        file: file.to_string(),
        message,
    };
    let delimiter = delimiter(reader.fill_buf().map_err(|e| unreadable(e.to_string()))?);
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader);
    let header: Vec<String> = csv
        .byte_headers()
        .map_err(|e| unreadable(e.to_string()))?
        .iter()
        .map(|h| String::from_utf8(h.to_vec()).map(|h| h.trim().to_string()))
        .collect::<Result<_, _>>()
        .map_err(|_| unreadable("the header is not UTF-8 text".into()))?;
    if header.iter().all(String::is_empty) {
        return Err(unreadable(
            "empty file: expected a header row with a `name` column".into(),
        ));
    }
    let find = |wanted: &str| header.iter().position(|h| h.eq_ignore_ascii_case(wanted));
    let columns = Columns {
        name: find("name").ok_or_else(|| FileError::NoNameColumn {
            file: file.to_string(),
            header: header.join(", "),
        })?,
        country: find("country"),
        id: find("id"),
        schema: find("schema"),
        birth_date: find("birth_date"),
    };
    let file: Arc<str> = file.into();
    let mut input = Input {
        file: file.clone(),
        header,
        rows: Vec::new(),
        problems: Vec::new(),
        rows_seen: 0,
    };
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(unreadable(e.to_string())),
        }
        input.rows_seen += 1;
        if max_rows.is_some_and(|max| input.rows_seen > max) {
            return Err(FileError::TooManyRows {
                file: file.to_string(),
                max: max_rows.unwrap_or_default(),
            });
        }
        let origin = Origin {
            file: file.clone(),
            line: record.position().map_or(0, |p| p.line()),
        };
        match read_row(&origin, &input.header, &columns, &record) {
            Ok(row) => input.rows.push(row),
            Err(problems) => input.problems.extend(problems),
        }
    }
    Ok(input)
}

/// The field separator of a file starting with `start`: whichever of `,`, `;` and tab its
/// first line holds most of (outside quotes), a comma when none.
fn delimiter(start: &[u8]) -> u8 {
    let line = start.split(|b| *b == b'\n').next().unwrap_or_default();
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let [comma, semicolon, tab] = counts;
    if semicolon > comma && semicolon >= tab {
        b';'
    } else if tab > comma && tab > semicolon {
        b'\t'
    } else {
        b','
    }
}

/// One data row, or every problem it has.
fn read_row(
    origin: &Origin,
    header: &[String],
    columns: &Columns,
    record: &csv::ByteRecord,
) -> Result<Row, Vec<InputError>> {
    if record.len() != header.len() {
        return Err(vec![InputError::new(
            origin,
            "row",
            format!("{} fields where the header has {}", record.len(), header.len()),
        )]);
    }
    let mut problems = Vec::new();
    let cells: Vec<String> = record
        .iter()
        .zip(header)
        .map(|(cell, column)| {
            String::from_utf8(cell.to_vec()).unwrap_or_else(|_| {
                problems.push(InputError::new(origin, column, "not UTF-8 text"));
                String::new()
            })
        })
        .collect();
    let cell = |at: Option<usize>| {
        at.map(|i| cells[i].trim())
            .filter(|c| !c.is_empty())
            .map(str::to_string)
    };
    let name = cells[columns.name].trim().to_string();
    if name.is_empty() {
        problems.push(InputError::new(origin, "name", "is empty"));
    } else if name.chars().count() > MAX_NAME_CHARS {
        problems.push(InputError::new(
            origin,
            "name",
            format!("longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    let schema = match cell(columns.schema) {
        None => None,
        Some(text) => match parse_schema(&text) {
            Ok(s) => Some(s),
            Err(e) => {
                problems.push(InputError::new(origin, "schema", e));
                None
            }
        },
    };
    let birth_date = cell(columns.birth_date);
    if let Some(text) = &birth_date {
        if let Err(e) = check_partial_date(text) {
            problems.push(InputError::new(origin, "birth_date", e));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let subject = Subject {
        name,
        country: cell(columns.country),
        schema,
        birth_date,
        identifier: cell(columns.id),
    };
    Ok(Row {
        line: origin.line,
        cells,
        subject,
    })
}

/// A schema as the data model names it, in any case (`company` is `Company`).
pub fn parse_schema(text: &str) -> Result<Schema, String> {
    text.parse::<Schema>().or_else(|e| {
        Schema::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
            .ok_or(e)
    })
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, each part a real year, month or day.
pub fn check_partial_date(text: &str) -> Result<(), String> {
    let wrong = || format!("{text:?} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD");
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y] if digits(y, 4) => Ok(()),
        [y, m] if digits(y, 4) && digits(m, 2) && (1..=12).contains(&m.parse::<u8>().unwrap_or(0)) => Ok(()),
        [_, _, _] => text.parse::<Date>().map(|_| ()).map_err(|_| wrong()),
        _ => Err(wrong()),
    }
}

/// A match as a screening row reports it: the candidate and its status under the regime.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    pub id: String,
    pub name: String,
    pub schema: Schema,
    /// The name or alias that matched, as the source gives it.
    pub matched: String,
    pub matched_alias: bool,
    pub score: f64,
    pub name_score: f64,
    pub status: Status,
    pub lists: Vec<String>,
    pub explanation: String,
}

impl Match {
    fn new(candidate: Candidate, status: Status) -> Match {
        Match {
            id: candidate.id,
            name: candidate.name,
            schema: candidate.schema,
            matched: candidate.matched,
            matched_alias: candidate.matched_alias,
            score: candidate.score,
            name_score: candidate.name_score,
            status,
            lists: candidate.lists,
            explanation: candidate.explanation,
        }
    }
}

/// One output row: an input row and one of its matches (none when nothing reached the
/// threshold).
#[derive(Debug, Clone)]
pub struct ScreenedRow {
    /// Index of the input row in [`Input::rows`].
    pub row: usize,
    pub found: Option<Match>,
}

/// Counts for the summary line and the page.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Data rows in the file.
    pub rows: usize,
    /// Rows that could not be read, so were not screened.
    pub unreadable: usize,
    pub screened: usize,
    /// Screened rows with at least one match.
    pub matched: usize,
    /// Screened rows by the status of their best match (`none`: no match).
    pub by_status: BTreeMap<&'static str, usize>,
    pub seconds: f64,
}

/// A screened batch.
#[derive(Debug, Clone)]
pub struct Screened {
    pub options: Options,
    pub rows: Vec<ScreenedRow>,
    pub summary: Summary,
    pub data_version: i64,
    /// The regime's state on the day, in words (e.g. suspended), from the regimes file.
    pub regime_note: String,
}

/// Screens every readable row of `input`, in parallel over the machine's cores.
pub fn screen(engine: &Engine, input: &Input, options: &Options) -> Result<Screened, StoreError> {
    let started = Instant::now();
    let matcher = Matcher::new(engine)?;
    let snapshot = matcher.snapshot.clone();
    let verdicts = Verdicts::new(&snapshot, Regimes::bundled().get(options.regime), options.as_of);
    let limit = if options.all_matches { CANDIDATES } else { 1 };
    let found = in_parallel(&input.rows, |row| matcher.candidates(&row.subject, limit))?;

    let mut summary = Summary {
        rows: input.rows_seen,
        unreadable: input.unreadable(),
        screened: input.rows.len(),
        ..Summary::default()
    };
    let mut rows = Vec::with_capacity(input.rows.len());
    for (i, candidates) in found.into_iter().enumerate() {
        let matches: Vec<Match> = candidates
            .into_iter()
            .filter(|c| c.score >= options.threshold)
            .map(|c| {
                let node = snapshot
                    .find(&c.id)
                    .expect("a candidate is a node of the matcher's snapshot");
                let status = verdicts.status(&snapshot, node);
                Match::new(c, status)
            })
            .collect();
        let best = matches.first().map_or("none", |m| m.status.as_str());
        *summary.by_status.entry(best).or_default() += 1;
        if matches.is_empty() {
            rows.push(ScreenedRow { row: i, found: None });
        } else {
            summary.matched += 1;
            rows.extend(matches.into_iter().map(|m| ScreenedRow {
                row: i,
                found: Some(m),
            }));
        }
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(Screened {
        options: *options,
        rows,
        summary,
        data_version: snapshot.data_version,
        regime_note: verdicts.graph.rule.note.clone(),
    })
}

/// `f` of every item, in order, computed by one worker per core taking chunks from a shared
/// counter (rows differ in cost, so a fixed split would leave a core idle).
pub fn in_parallel<T: Sync, U: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<U, StoreError> + Sync,
) -> Result<Vec<U>, StoreError> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len().div_ceil(CHUNK))
        .max(1);
    let next = AtomicUsize::new(0);
    let work = || -> Result<Vec<(usize, U)>, StoreError> {
        let mut done = Vec::new();
        loop {
            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
            if start >= items.len() {
                return Ok(done);
            }
            for (i, item) in items.iter().enumerate().skip(start).take(CHUNK) {
                done.push((i, f(item)?));
            }
        }
    };
    let parts: Vec<Result<Vec<(usize, U)>, StoreError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers).map(|_| scope.spawn(work)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a screening worker does not panic"))
            .collect()
    });
    let mut all: Vec<(usize, U)> = Vec::with_capacity(items.len());
    for part in parts {
        all.extend(part?);
    }
    all.sort_unstable_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, u)| u).collect())
}

/// The score as written in the CSV and shown on the page.
pub fn score_text(score: f64) -> String {
    format!("{score:.3}")
}

/// Writes the input header with [`MATCH_COLUMNS`] added, then one row per [`ScreenedRow`]:
/// the input cells, then the match (empty cells when there is none). `lists` are joined by
/// `|`, as multi-valued cells are elsewhere in ownergraph's CSV.
pub fn write_csv<W: Write>(input: &Input, screened: &Screened, out: W) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(input.header.iter().map(String::as_str).chain(MATCH_COLUMNS))?;
    for row in &screened.rows {
        let cells = input.rows[row.row].cells.iter().map(String::as_str);
        match &row.found {
            None => writer.write_record(cells.chain([""; MATCH_COLUMNS.len()]))?,
            Some(m) => {
                let added = [
                    m.id.clone(),
                    m.name.clone(),
                    score_text(m.score),
                    m.status.as_str().to_string(),
                    m.lists.join("|"),
                    m.explanation.clone(),
                ];
                writer.write_record(cells.chain(added.iter().map(String::as_str)))?;
            }
        }
    }
    writer.flush()?;
    Ok(())
}

/// The summary in one line: rows, matched, by status, time and rate.
pub fn summary_line(summary: &Summary, options: &Options) -> String {
    let statuses: Vec<String> = summary
        .by_status
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect();
    format!(
        "{} rows: {} screened, {} not readable; {} matched at {} under {} on {} ({}) in {:.2?} ({:.0} rows/s)",
        summary.rows,
        summary.screened,
        summary.unreadable,
        summary.matched,
        options.threshold,
        options.regime,
        options.as_of,
        statuses.join(", "),
        Duration::from_secs_f64(summary.seconds),
        summary.screened as f64 / summary.seconds.max(1e-9),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Input {
        read_csv("in.csv", text.as_bytes(), None).unwrap()
    }

    #[test]
    fn rows_are_read_and_problems_name_file_line_and_field() {
        let input = read(
            "Name,Country,schema,birth_date,extra\n\
             Bank Melli,IR,,,x\n\
             ,IR,,,\n\
             Kim,KP,Human,,\n\
             Kim,KP,person,1984-13,\n\
             Ragged,row\n\
             \"Quoted, name\",,company,1984,y\n",
        );
        assert_eq!(input.rows_seen, 6);
        assert_eq!(input.rows.len(), 2);
        assert_eq!(input.rows[0].subject.country.as_deref(), Some("IR"));
        assert_eq!(input.rows[1].subject.name, "Quoted, name");
        assert_eq!(input.rows[1].subject.schema, Some(Schema::Company));
        assert_eq!(input.rows[1].line, 7);
        let problems: Vec<String> = input.problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems[0], "in.csv:3: name: is empty");
        assert!(
            problems[1].starts_with("in.csv:4: schema: unknown schema \"Human\""),
            "{problems:?}"
        );
        assert!(
            problems[2].starts_with("in.csv:5: birth_date: \"1984-13\""),
            "{problems:?}"
        );
        assert_eq!(problems[3], "in.csv:6: row: 2 fields where the header has 5");
        assert_eq!(input.unreadable(), 4);
    }

    #[test]
    fn a_file_without_a_name_column_is_refused_whole() {
        let err = read_csv("people.csv", "who,country\nx,y\n".as_bytes(), None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "people.csv: no `name` column; the header has: who, country"
        );
        assert!(read_csv("e.csv", "".as_bytes(), None).is_err());
        let err = read_csv("big.csv", "name\na\nb\nc\n".as_bytes(), Some(2)).unwrap_err();
        assert!(matches!(err, FileError::TooManyRows { max: 2, .. }));
    }

    #[test]
    fn semicolons_and_tabs_separate_fields_when_the_header_says_so() {
        let input = read("\u{feff}Name;Country\r\nBanco Nacional de Cuba;CU\r\n");
        assert_eq!(input.rows[0].subject.name, "Banco Nacional de Cuba");
        assert_eq!(input.rows[0].subject.country.as_deref(), Some("CU"));
        let input = read("name\tcountry\nA, B; C\tCU\n");
        assert_eq!(input.rows[0].subject.name, "A, B; C");
        let input = read("name,\"a;b;c\"\nx,y\n");
        assert_eq!(input.header, ["name", "a;b;c"]);
        assert_eq!(delimiter(b""), b',');
    }

    #[test]
    fn partial_dates() {
        for ok in ["1960", "1960-08", "1960-08-31"] {
            assert!(check_partial_date(ok).is_ok(), "{ok}");
        }
        for bad in ["60", "1960-8", "1960-00", "1960-02-30", "1960/08/01", "x"] {
            assert!(check_partial_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parallel_keeps_order() {
        let items: Vec<usize> = (0..1000).collect();
        let out = in_parallel(&items, |i| Ok(i * 2)).unwrap();
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(in_parallel(&[] as &[usize], |i| Ok(*i)).unwrap().is_empty());
    }
}
