//! Importers: each reads one file format into a [`Batch`] that the store applies whole.
//!
//! Readers validate everything they can on their own (columns, dates, shares, duplicates) and
//! name `file:line: field: problem`; references to entities already in the database are
//! checked by the store inside the import's transaction.

pub mod bods;
pub mod ca_sema_xml;
pub mod csv_dir;
pub mod ftm;
pub mod ofac_csv;
pub mod ofac_sdn;
pub mod ofac_xml;
pub mod un_xml;
pub mod xml;

use crate::model::{Batch, Date, InputError};
use crate::store::{ImportRecord, StoreError};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

/// The formats `ownergraph import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A directory with entities.csv, relations.csv and listings.csv.
    Csv,
    /// OFAC's legacy sdn.csv.
    OfacSdn,
    /// OFAC's legacy CSV set: sdn.csv with add.csv, alt.csv and sdn_comments.csv beside it
    /// (the set's directory, or its sdn.csv).
    OfacCsv,
    /// OFAC's XML lists: SDN.XML or CONSOLIDATED.XML (root `sdnList`).
    OfacXml,
    /// FollowTheMoney JSON lines (OpenSanctions, Aleph).
    Ftm,
    /// Beneficial Ownership Data Standard v0.4 statements (JSON array or JSON lines).
    Bods,
    /// The UN Security Council consolidated list (`CONSOLIDATED_LIST` XML).
    UnXml,
    /// Canada's consolidated autonomous sanctions list (SEMA, `data-set` XML).
    CaSemaXml,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::OfacSdn => "ofac-sdn",
            Format::OfacCsv => "ofac-csv",
            Format::OfacXml => "ofac-xml",
            Format::Ftm => "ftm",
            Format::Bods => "bods",
            Format::UnXml => "un-xml",
            Format::CaSemaXml => "ca-sema-xml",
        }
    }

    /// Recognises a bundled dataset directory by the files it holds.
    pub fn detect(dir: &Path) -> Option<Format> {
        if dir.join("entities.csv").is_file() {
            Some(Format::Csv)
        } else if ["sdn.csv", "add.csv", "alt.csv"]
            .iter()
            .all(|f| dir.join(f).is_file())
        {
            Some(Format::OfacCsv)
        } else if dir.join("sdn.csv").is_file() {
            Some(Format::OfacSdn)
        } else if un_xml::is_un_list(&dir.join(un_xml::FILE_NAME)) {
            Some(Format::UnXml)
        } else {
            None
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ImportError {
    pub fn io(path: &Path, source: std::io::Error) -> ImportError {
        ImportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// How OFAC's "Linked To:" names resolved to entries.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LinkResolution {
    pub total: usize,
    pub resolved: usize,
    /// `(entry id, name as written)` of the links that matched no entry.
    pub unresolved: Vec<(String, String)>,
}

/// A file read and validated, ready to apply.
#[derive(Debug)]
pub struct Prepared {
    pub batch: Batch,
    pub record: ImportRecord,
    pub links: Option<LinkResolution>,
    /// What the file holds that ownergraph does not model, counted by schema or type name.
    pub skipped: std::collections::BTreeMap<String, u64>,
    /// The release date the file states for itself (OFAC's `Publish_Date`, the UN list's
    /// `dateGenerated`): the default `--as-of` of a whole-release import.
    pub published: Option<Date>,
}

/// What a format's reader gives back.
#[derive(Debug)]
pub struct Read {
    pub batch: Batch,
    /// The files read, for the checksum.
    pub files: Vec<PathBuf>,
    pub links: Option<LinkResolution>,
    pub skipped: std::collections::BTreeMap<String, u64>,
    pub published: Option<Date>,
}

impl Read {
    pub fn new(batch: Batch, files: Vec<PathBuf>) -> Read {
        Read {
            batch,
            files,
            links: None,
            skipped: Default::default(),
            published: None,
        }
    }
}

/// Reads `path` in `format`. `dataset` overrides the dataset name the format would choose.
pub fn read(format: Format, path: &Path, dataset: Option<&str>) -> Result<Prepared, ImportError> {
    read_with_progress(format, path, dataset, &|_| {})
}

/// [`read`], telling `progress` how many bytes of the file have been read (for the
/// line-oriented formats; the others read too quickly to need it).
pub fn read_with_progress(
    format: Format,
    path: &Path,
    dataset: Option<&str>,
    progress: &dyn Fn(u64),
) -> Result<Prepared, ImportError> {
    // The files are hashed for the checksum on the other core while they are read. A read
    // that fails stops the hashing, so that its error is not kept waiting for the rest of a
    // large file to be hashed (about 1 s per GB).
    let to_hash: Vec<PathBuf> = match format {
        Format::Csv => csv_dir::files(path).to_vec(),
        // A set that cannot be located is the read's error to report.
        Format::OfacCsv => ofac_csv::files(path).unwrap_or_default(),
        _ => vec![path.to_path_buf()],
    };
    let failed = AtomicBool::new(false);
    let (read, beside) = std::thread::scope(|scope| {
        let beside = scope.spawn(|| checksum_unless(&to_hash, &failed));
        let read = read_format(format, path, progress);
        failed.store(read.is_err(), Ordering::Relaxed);
        (read, beside.join().expect("hashing does not panic"))
    });
    let Read {
        mut batch,
        files,
        links,
        skipped,
        published,
    } = read?;
    if let Some(name) = dataset {
        batch.dataset = name.to_string();
    }
    for (_, e) in &mut batch.entities {
        e.dataset = batch.dataset.clone();
    }
    for (_, r) in &mut batch.relations {
        r.dataset = batch.dataset.clone();
    }
    for (_, l) in &mut batch.listings {
        l.dataset = batch.dataset.clone();
    }
    let record = ImportRecord {
        dataset: batch.dataset.clone(),
        format: format.as_str().to_string(),
        path: path.display().to_string(),
        // The files read are the ones hashed, unless the directory changed in between.
        checksum: if files == to_hash {
            beside?.expect("hashing stops only when the read failed")
        } else {
            checksum(&files)?
        },
    };
    Ok(Prepared {
        batch,
        record,
        links,
        skipped,
        published,
    })
}

/// The format's own reader.
fn read_format(format: Format, path: &Path, progress: &dyn Fn(u64)) -> Result<Read, ImportError> {
    Ok(match format {
        Format::Csv => {
            let (batch, files) = csv_dir::read(path)?;
            Read::new(batch, files)
        }
        Format::OfacSdn => {
            let (batch, links) = ofac_sdn::read(path)?;
            Read {
                links: Some(links),
                ..Read::new(batch, vec![path.to_path_buf()])
            }
        }
        Format::OfacCsv => ofac_csv::read(path)?,
        Format::Ftm => {
            let (batch, summary) = ftm::read(path, progress)?;
            Read {
                skipped: summary.skipped,
                ..Read::new(batch, vec![path.to_path_buf()])
            }
        }
        Format::Bods => Read::new(bods::read(path, progress)?, vec![path.to_path_buf()]),
        Format::UnXml => un_xml::read(path, progress)?,
        Format::CaSemaXml => ca_sema_xml::read(path, progress)?,
        Format::OfacXml => ofac_xml::read(path, progress)?,
    })
}

/// SHA-256 over the files' names and bytes, hex-encoded.
pub fn checksum(files: &[PathBuf]) -> Result<String, ImportError> {
    Ok(checksum_unless(files, &AtomicBool::new(false))?.expect("never stopped"))
}

/// [`checksum`], given up (`None`) as soon as `stop` is set.
fn checksum_unless(files: &[PathBuf], stop: &AtomicBool) -> Result<Option<String>, ImportError> {
    let mut hasher = Sha256::new();
    // Streamed: a release file may be larger than is comfortable to hold twice.
    let mut chunk = vec![0u8; 1 << 16];
    for file in files {
        let len = std::fs::metadata(file)
            .map_err(|e| ImportError::io(file, e))?
            .len();
        hasher.update(file.file_name().map(|n| n.as_encoded_bytes()).unwrap_or_default());
        hasher.update(len.to_le_bytes());
        let mut handle = std::fs::File::open(file).map_err(|e| ImportError::io(file, e))?;
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            match handle.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => hasher.update(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ImportError::io(file, e)),
            }
        }
    }
    Ok(Some(
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    ))
}

/// `bytes` as text, or an error naming the line (counted from `first_line`) of the first byte
/// that is not UTF-8.
pub(crate) fn utf8_text<'a>(
    file: &std::sync::Arc<str>,
    bytes: &'a [u8],
    first_line: u64,
) -> Result<&'a str, InputError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let before = &bytes[..e.valid_up_to()];
        let line = first_line + before.iter().filter(|b| **b == b'\n').count() as u64;
        let column = before.len() - before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        InputError::new(
            &crate::model::Origin {
                file: file.clone(),
                line,
            },
            "line",
            format!("not UTF-8 text (byte {column} of the line); save the file as UTF-8"),
        )
    })
}

/// Trims a field and maps empty to `None`.
pub(crate) fn non_empty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// Splits a `|`-separated multi-value field, dropping empty parts.
pub(crate) fn split_multi(text: &str) -> Vec<String> {
    text.split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The release date a bundled dataset's directory states by its name ending in `-YYYY-MM-DD`
/// (`ofac-sdn-2024-05-03`), if it does.
pub fn release_date_of(dir: &Path) -> Option<Date> {
    let name = dir.file_name()?.to_str()?;
    name.get(name.len().checked_sub(10)?..)?.parse().ok()
}

/// Collapses every run of white space (line breaks, no-break spaces) to one space and trims:
/// XML lists wrap long values over lines, which is layout, not content.
pub(crate) fn one_line(text: &str) -> String {
    // Most values are ASCII already on one line (single spaces, trimmed): copied as they are.
    let mut after_space = true;
    let plain = text.bytes().all(|b| {
        let ok = match b {
            b' ' => !after_space,
            b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r' => false,
            b => b.is_ascii(),
        };
        after_space = b == b' ';
        ok
    });
    if (plain && !after_space) || text.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Whether `text` has the shape of an ISO date, whole or partial: `1960`, `1960-08`,
/// `1960-08-31` (digits and dashes only; [`partial_date`] checks the values).
pub(crate) fn looks_like_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    match b.len() {
        4 => digits(0..4),
        7 => digits(0..4) && b[4] == b'-' && digits(5..7),
        10 => digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10),
        _ => false,
    }
}

/// Checks a date given whole or in part (`1960`, `1960-08`, `1960-08-31`) and returns it as
/// written; the error says what is wrong.
pub(crate) fn partial_date(text: &str) -> Result<String, String> {
    let bad = || format!("{text:?} is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD");
    if !looks_like_date(text) {
        return Err(bad());
    }
    let month: u8 = if text.len() >= 7 {
        text[5..7].parse().map_err(|_| bad())?
    } else {
        1
    };
    let day: u8 = if text.len() == 10 {
        text[8..10].parse().map_err(|_| bad())?
    } else {
        1
    };
    let year: i32 = text[..4].parse().map_err(|_| bad())?;
    Date::from_ymd(year, month, day).ok_or_else(bad)?;
    Ok(text.to_string())
}

/// The datasets of a bundled data directory, in name order: each subdirectory that holds a
/// CSV directory (`entities.csv`), an OFAC CSV set (`sdn.csv`, `add.csv`, `alt.csv`), an OFAC
/// list (`sdn.csv`) or the UN list (`consolidated.xml` whose root is `<CONSOLIDATED_LIST>`).
pub fn bundled_datasets(data_dir: &Path) -> Result<Vec<(Format, PathBuf)>, ImportError> {
    let entries = std::fs::read_dir(data_dir).map_err(|e| ImportError::io(data_dir, e))?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    Ok(dirs
        .into_iter()
        .filter_map(|dir| match Format::detect(&dir)? {
            Format::Csv => Some((Format::Csv, dir)),
            Format::OfacCsv => Some((Format::OfacCsv, dir)),
            Format::OfacSdn => Some((Format::OfacSdn, dir.join("sdn.csv"))),
            Format::UnXml => Some((Format::UnXml, dir.join(un_xml::FILE_NAME))),
            _ => None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_hashed_beside_its_read_has_the_files_checksum() {
        let dir = tempfile::tempdir().unwrap();
        for (format, name, text) in [
            (
                super::Format::Ftm,
                "people.ftm.json",
                "{\"id\":\"p1\",\"schema\":\"Person\",\"properties\":{\"name\":[\"Ann\"]}}\n",
            ),
            (
                super::Format::UnXml,
                "un.xml",
                "<CONSOLIDATED_LIST dateGenerated=\"2025-04-19T23:00:04.625Z\"><INDIVIDUALS><INDIVIDUAL>\
                 <FIRST_NAME>A</FIRST_NAME><UN_LIST_TYPE>Taliban</UN_LIST_TYPE>\
                 <REFERENCE_NUMBER>TAi.999</REFERENCE_NUMBER></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>",
            ),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let prepared = super::read(format, &path, None).unwrap();
            assert_eq!(prepared.batch.entities.len(), 1, "{name}");
            assert_eq!(
                prepared.record.checksum,
                super::checksum(std::slice::from_ref(&path)).unwrap(),
                "{name}"
            );
            std::fs::remove_file(&path).unwrap();
            assert!(
                matches!(
                    super::read(format, &path, None),
                    Err(super::ImportError::Io { .. })
                ),
                "{name}"
            );
        }
    }

    /// A CSV directory and OFAC's CSV set are hashed beside their read too: the checksum is
    /// the one of the files read, whether the set is given as its directory or its sdn.csv.
    #[test]
    fn the_files_of_a_set_hashed_beside_its_read_have_their_checksum() {
        let csv = tempfile::tempdir().unwrap();
        std::fs::write(csv.path().join("entities.csv"), "id,name,kind\nc1,ACME,Company\n").unwrap();
        std::fs::write(csv.path().join("relations.csv"), "source,target,kind\n").unwrap();
        std::fs::write(csv.path().join("listings.csv"), "entity,list,authority\n").unwrap();
        let ofac = tempfile::tempdir().unwrap();
        std::fs::write(
            ofac.path().join("sdn.csv"),
            "10,\"BANK ONE\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n",
        )
        .unwrap();
        std::fs::write(
            ofac.path().join("add.csv"),
            "10,1,-0- ,\"Havana\",\"Cuba\",-0- \n",
        )
        .unwrap();
        std::fs::write(ofac.path().join("alt.csv"), "10,1,\"aka\",\"B1\",-0- \n").unwrap();
        let ofac_files = ["sdn.csv", "add.csv", "alt.csv"].map(|f| ofac.path().join(f));
        for (format, path, files) in [
            (
                super::Format::Csv,
                csv.path().to_path_buf(),
                super::csv_dir::files(csv.path()).to_vec(),
            ),
            (
                super::Format::OfacCsv,
                ofac.path().to_path_buf(),
                ofac_files.to_vec(),
            ),
            (
                super::Format::OfacCsv,
                ofac.path().join("sdn.csv"),
                ofac_files.to_vec(),
            ),
        ] {
            let prepared = super::read(format, &path, None).unwrap();
            assert_eq!(prepared.batch.entities.len(), 1, "{}", path.display());
            assert_eq!(
                prepared.record.checksum,
                super::checksum(&files).unwrap(),
                "{}",
                path.display()
            );
        }
    }

    /// Hashing beside a read gives up once the read has failed, and otherwise hashes the
    /// file's name, length and bytes (a change to any of them changes the checksum).
    #[test]
    fn hashing_stops_when_told_and_covers_name_length_and_bytes() {
        use std::sync::atomic::AtomicBool;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("list.xml");
        // Several chunks of the hashing buffer.
        std::fs::write(&path, "x".repeat(200_000)).unwrap();
        let files = [path.clone()];
        assert!(super::checksum_unless(&files, &AtomicBool::new(true))
            .unwrap()
            .is_none());
        let whole = super::checksum_unless(&files, &AtomicBool::new(false))
            .unwrap()
            .unwrap();
        assert_eq!(whole, super::checksum(&files).unwrap());
        assert_eq!(whole.len(), 64);
        std::fs::write(&path, "x".repeat(199_999) + "y").unwrap();
        assert_ne!(super::checksum(&files).unwrap(), whole);
        let renamed = dir.path().join("list2.xml");
        std::fs::write(&renamed, "x".repeat(200_000)).unwrap();
        assert_ne!(super::checksum(&[renamed]).unwrap(), whole);
    }

    #[test]
    fn one_line_is_the_words_joined_by_one_space() {
        for text in [
            "",
            " ",
            "ABC",
            "AL QAIDA",
            " AL QAIDA",
            "AL QAIDA ",
            "AL  QAIDA",
            "AL\nQAIDA",
            "AL\tQAIDA",
            "AL\x0BQAIDA",
            "AL\u{a0}QAIDA",
            "AL\u{3000} QAIDA",
            "ИВАН  ПЕТРОВ",
            "\r\n  a  b\r\n",
            "a b  c",
            "A\x01B",
            "\x1cA\x1f",
            "~\x7f~",
            "a \u{85}b",
            "a\u{2028}b ",
        ] {
            let words: Vec<&str> = text.split_whitespace().collect();
            assert_eq!(super::one_line(text), words.join(" "), "{text:?}");
        }
    }
}
