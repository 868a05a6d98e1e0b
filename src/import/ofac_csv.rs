//! OFAC's legacy CSV set: `sdn.csv` with `add.csv` (addresses), `alt.csv` (alternate names) and,
//! when OFAC publishes one, `sdn_comments.csv` (Remarks continued past sdn.csv's 1,000
//! characters). No headers; `-0-` is empty; rows tie to entries by ent_num.
//!
//! The same SDN list as [`super::ofac_sdn`], richer, and read by the same code: the same ids,
//! dataset, listings, Remarks parsing and `Linked To:` resolution. This module finds the files
//! and merges their rows into the entries before the Remarks are parsed and the batch is built.
//!
//! - `alt.csv`: `aka` → aliases, `fka` → `previousName`, `nka` → aliases with an `n.k.a.` note.
//!   OFAC keeps its weak a.k.a.s in sdn.csv's Remarks, not in alt.csv; both land in aliases, once.
//! - `add.csv`: each address as one text (street, city/state/postal, country joined by ", ")
//!   in `addresses`, its country in `countries`, its remarks in notes.
//! - A row of add.csv, alt.csv or sdn_comments.csv whose ent_num has no entry in sdn.csv is
//!   counted in `skipped`, not refused: OFAC's files of one day are not always cut at one moment.

use super::ofac_sdn::{self, Entries, Row};
use super::{ImportError, Read};
use crate::model::{prop, InputError, Origin};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

const ADD_COLUMNS: [&str; 6] = [
    "ent_num",
    "add_num",
    "address",
    "city/state/postal",
    "country",
    "remarks",
];
const ALT_COLUMNS: [&str; 5] = ["ent_num", "alt_num", "alt_type", "alt_name", "remarks"];
const COMMENTS_COLUMNS: [&str; 2] = ["ent_num", "remarks"];

/// The files of one set, found beside each other.
struct Set {
    sdn: PathBuf,
    add: PathBuf,
    alt: PathBuf,
    comments: Option<PathBuf>,
}

impl Set {
    /// `path` is the set's directory or its `sdn.csv`; the others are looked for beside it by
    /// name (in any letter case: OFAC's downloads are sometimes `SDN.CSV`).
    fn locate(path: &Path) -> Result<Set, ImportError> {
        let (dir, sdn) = if path.is_dir() {
            let sdn = sibling(path, "sdn.csv").ok_or_else(|| missing(&path.join("sdn.csv")))?;
            (path.to_path_buf(), sdn)
        } else if path.is_file() {
            let dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
            (dir, path.to_path_buf())
        } else {
            return Err(ImportError::io(
                path,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ));
        };
        let required = |name: &str| sibling(&dir, name).ok_or_else(|| missing(&dir.join(name)));
        Ok(Set {
            add: required("add.csv")?,
            alt: required("alt.csv")?,
            comments: sibling(&dir, "sdn_comments.csv"),
            sdn,
        })
    }

    /// Every file read, in the order of the checksum.
    fn files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.sdn.clone(), self.add.clone(), self.alt.clone()];
        files.extend(self.comments.clone());
        files
    }
}

/// `dir/name`, or the file of `dir` whose name is `name` in another letter case.
fn sibling(dir: &Path, name: &str) -> Option<PathBuf> {
    let exact = dir.join(name);
    if exact.is_file() {
        return Some(exact);
    }
    let listing = if dir.as_os_str().is_empty() {
        std::fs::read_dir(".")
    } else {
        std::fs::read_dir(dir)
    };
    listing
        .ok()?
        .filter_map(Result::ok)
        .find(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .map(|e| dir.join(e.file_name()))
        .filter(|p| p.is_file())
}

fn missing(path: &Path) -> ImportError {
    ImportError::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "not found: --format ofac-csv reads OFAC's legacy CSV set, sdn.csv with add.csv and \
             alt.csv beside it (and sdn_comments.csv when there is one); for a lone sdn.csv use \
             --format ofac-sdn",
        ),
    )
}

/// Counts of the rows that name an ent_num sdn.csv does not hold, by file.
struct Orphans(BTreeMap<String, u64>);

impl Orphans {
    fn count(&mut self, path: &Path) {
        let file = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().to_lowercase(),
        );
        *self
            .0
            .entry(format!("{file} rows naming no sdn.csv entry"))
            .or_default() += 1;
    }
}

/// A row number (add_num, alt_num) that must be unique within its file.
fn unique_number(
    seen: &mut HashMap<String, u64>,
    origin: &Origin,
    name: &str,
    text: &str,
) -> Result<(), InputError> {
    let number = ofac_sdn::number(origin, name, text)?;
    if let Some(first) = seen.get(&number) {
        return Err(InputError::new(
            origin,
            name,
            format!("{number} already used at line {first}"),
        ));
    }
    seen.insert(number, origin.line);
    Ok(())
}

/// The kinds of alternate name alt.csv gives.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AltType {
    Aka,
    Fka,
    Nka,
}

impl AltType {
    fn parse(origin: &Origin, text: &str) -> Result<AltType, InputError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "aka" => Ok(AltType::Aka),
            "fka" => Ok(AltType::Fka),
            "nka" => Ok(AltType::Nka),
            _ => Err(InputError::new(
                origin,
                "alt_type",
                format!("unknown type {:?}; expected aka, fka or nka", text.trim()),
            )),
        }
    }

    /// As OFAC writes it in Remarks and on its printed list.
    fn label(self) -> &'static str {
        match self {
            AltType::Aka => "a.k.a.",
            AltType::Fka => "f.k.a.",
            AltType::Nka => "n.k.a.",
        }
    }
}

/// Adds an alternate name to its entry, once: a name the entry already bears in the same role
/// (its own name, an alias, a former name) is not repeated.
fn add_alternate(row: &mut Row, alt_type: AltType, name: &str, remarks: Option<&str>) {
    let entity = &mut row.entity;
    match alt_type {
        AltType::Aka | AltType::Nka => {
            if entity.name != name && !entity.aliases.iter().any(|a| a == name) {
                entity.aliases.push(name.to_string());
            }
        }
        AltType::Fka => {
            if entity.name != name {
                entity.add_property(prop::PREVIOUS_NAME, name);
            }
        }
    }
    // An alias does not say it is the name now in use: the note does, as OFAC's Remarks do.
    match (alt_type, remarks) {
        (_, Some(remarks)) => row.notes.push(format!("{} {name}: {remarks}", alt_type.label())),
        (AltType::Nka, None) => row.notes.push(format!("{} {name}", alt_type.label())),
        _ => {}
    }
}

/// Adds an address row to its entry: the address as one text, its country, its remarks.
fn add_address(row: &mut Row, parts: &[Option<String>; 3], remarks: Option<String>) {
    let text = parts.iter().flatten().cloned().collect::<Vec<_>>().join(", ");
    let entity = &mut row.entity;
    if !text.is_empty() && !entity.addresses.contains(&text) {
        entity.addresses.push(text.clone());
    }
    if let Some(country) = &parts[2] {
        if !entity.countries.contains(country) {
            entity.countries.push(country.clone());
        }
    }
    if let Some(remarks) = remarks {
        row.notes.push(if text.is_empty() {
            format!("Address: {remarks}")
        } else {
            format!("Address {text}: {remarks}")
        });
    }
}

fn read_addresses(path: &Path, entries: &mut Entries, orphans: &mut Orphans) -> Result<(), ImportError> {
    let mut seen = HashMap::new();
    ofac_sdn::read_records(path, "add.csv", &ADD_COLUMNS, |origin, record| {
        let ent_num = ofac_sdn::ent_num(&origin, &record[0])?;
        unique_number(&mut seen, &origin, "add_num", &record[1])?;
        let parts = [
            ofac_sdn::field(&record[2]),
            ofac_sdn::field(&record[3]),
            ofac_sdn::field(&record[4]),
        ];
        match entries.get_mut(&ent_num) {
            Some(row) => add_address(row, &parts, ofac_sdn::field(&record[5])),
            None => orphans.count(path),
        }
        Ok(())
    })
}

fn read_alternates(path: &Path, entries: &mut Entries, orphans: &mut Orphans) -> Result<(), ImportError> {
    let mut seen = HashMap::new();
    ofac_sdn::read_records(path, "alt.csv", &ALT_COLUMNS, |origin, record| {
        let ent_num = ofac_sdn::ent_num(&origin, &record[0])?;
        unique_number(&mut seen, &origin, "alt_num", &record[1])?;
        let alt_type = AltType::parse(&origin, &record[2])?;
        let name =
            ofac_sdn::field(&record[3]).ok_or_else(|| InputError::new(&origin, "alt_name", "is empty"))?;
        match entries.get_mut(&ent_num) {
            Some(row) => add_alternate(row, alt_type, &name, ofac_sdn::field(&record[4]).as_deref()),
            None => orphans.count(path),
        }
        Ok(())
    })
}

/// Continues each entry's Remarks with its sdn_comments.csv rows, in file order. OFAC cuts the
/// Remarks at a fixed width, often mid-word, so the text is joined as it is.
fn read_comments(path: &Path, entries: &mut Entries, orphans: &mut Orphans) -> Result<(), ImportError> {
    ofac_sdn::read_records(path, "sdn_comments.csv", &COMMENTS_COLUMNS, |origin, record| {
        let ent_num = ofac_sdn::ent_num(&origin, &record[0])?;
        match entries.get_mut(&ent_num) {
            Some(row) => {
                if ofac_sdn::field(&record[1]).is_some() {
                    row.remarks.push_str(record[1].trim_end());
                }
            }
            None => orphans.count(path),
        }
        Ok(())
    })
}

/// The files of the set at `path` (its directory or its `sdn.csv`), in the order of its
/// checksum.
pub fn files(path: &Path) -> Result<Vec<PathBuf>, ImportError> {
    Ok(Set::locate(path)?.files())
}

/// Reads a set (its directory, or its `sdn.csv`) into a batch of the `ofac-sdn` dataset.
pub fn read(path: &Path) -> Result<Read, ImportError> {
    let set = Set::locate(path)?;
    let mut entries = Entries::read(&set.sdn)?;
    let mut orphans = Orphans(BTreeMap::new());
    read_addresses(&set.add, &mut entries, &mut orphans)?;
    read_alternates(&set.alt, &mut entries, &mut orphans)?;
    if let Some(comments) = &set.comments {
        read_comments(comments, &mut entries, &mut orphans)?;
    }
    entries.parse_remarks();
    let (batch, links) = entries.into_batch();
    Ok(Read {
        links: Some(links),
        skipped: orphans.0,
        ..Read::new(batch, set.files())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    /// A small set: an entry with an address of each shape, an alternate name of each type, a
    /// Remarks a.k.a. that alt.csv repeats, and Remarks continued mid-word by sdn_comments.csv.
    fn small_set(dir: &Path) {
        write(
            dir,
            "sdn.csv",
            "10,\"BANK ONE\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'B1'; a.k.a. 'ONE BANK'; Linked To: SEC\"\n\
             20,\"SECOND, Ann\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 01 Jan 19\"\n\x1a",
        );
        write(
            dir,
            "add.csv",
            "10,1,\"Calle 1\",\"Havana\",\"Cuba\",-0- \n\
             10,2,-0- ,-0- ,\"Spain\",\"Branch office\"\n\
             10,3,-0- ,-0- ,-0- ,-0- \n\
             99,4,\"Nowhere\",-0- ,-0- ,-0- \n",
        );
        write(
            dir,
            "alt.csv",
            "10,1,aka,\"ONE BANK\",-0- \n\
             10,2,fka,\"OLD BANK\",-0- \n\
             10,3,nka,\"NEW BANK\",\"since 2020\"\n\
             20,4,aka,\"SECOND, Anna\",-0- \n",
        );
        write(
            dir,
            "sdn_comments.csv",
            "10,\"OND, Anna\"\n20,\"60; nationality Cuba.\"\n",
        );
    }

    #[test]
    fn a_set_merges_addresses_names_and_continued_remarks() {
        let dir = tempfile::tempdir().unwrap();
        small_set(dir.path());
        let read = read(dir.path()).unwrap();
        let entity = |id: &str| &read.batch.entities.iter().find(|(_, e)| e.id == id).unwrap().1;
        let bank = entity("ofac-10");
        assert_eq!(bank.aliases, vec!["ONE BANK", "NEW BANK", "B1"]);
        assert_eq!(bank.property(prop::PREVIOUS_NAME), ["OLD BANK"]);
        assert_eq!(bank.addresses, vec!["Calle 1, Havana, Cuba", "Spain"]);
        assert_eq!(bank.countries, vec!["Cuba", "Spain"]);
        assert_eq!(
            bank.notes.as_deref(),
            Some("Address Spain: Branch office; n.k.a. NEW BANK: since 2020")
        );
        let ann = entity("ofac-20");
        assert_eq!(ann.birth_date.as_deref(), Some("1960-01-01"));
        assert_eq!(ann.countries, vec!["Cuba"]);
        // "Linked To: SEC" + "OND, Anna": the continuation joins mid-word, and the link resolves
        // through a name only alt.csv gives.
        let links = read.links.unwrap();
        assert_eq!((links.total, links.resolved), (1, 1));
        let link = &read.batch.relations[0].1;
        assert_eq!(
            (link.source.as_str(), link.target.as_str()),
            ("ofac-10", "ofac-20")
        );
        assert_eq!(
            read.skipped.into_iter().collect::<Vec<_>>(),
            vec![("add.csv rows naming no sdn.csv entry".to_string(), 1)]
        );
        assert_eq!(read.files.len(), 4);
    }

    #[test]
    fn a_lone_sdn_csv_is_refused_with_the_other_format_named() {
        let dir = tempfile::tempdir().unwrap();
        small_set(dir.path());
        std::fs::remove_file(dir.path().join("alt.csv")).unwrap();
        let error = read(&dir.path().join("sdn.csv")).unwrap_err().to_string();
        assert!(
            error.starts_with(&format!("{}: not found", dir.path().join("alt.csv").display())),
            "{error}"
        );
        assert!(error.contains("--format ofac-sdn"), "{error}");
    }

    #[test]
    fn siblings_are_found_in_any_letter_case() {
        let dir = tempfile::tempdir().unwrap();
        small_set(dir.path());
        std::fs::rename(dir.path().join("add.csv"), dir.path().join("ADD.CSV")).unwrap();
        let read = read(dir.path()).unwrap();
        assert!(read.files.iter().any(|f| f.ends_with("ADD.CSV")));
    }
}
