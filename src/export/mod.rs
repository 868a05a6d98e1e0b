//! Exporters: the whole database or the neighbourhood of one entity, as FollowTheMoney JSON
//! lines, GraphML, or the CSV directory that `import --format csv` reads.
//!
//! Architecture invariant: exporters read an [`Extract`] (plain model values) and write to a
//! `std::io::Write`; they know nothing of SQL, HTTP or files beyond the one they are given.

pub mod csv;
pub mod ftm;
pub mod graphml;

use crate::engine::Engine;
use crate::graph::Direction;
use crate::model::KindSet;
use crate::store::{Extract, StoreError};
use std::path::{Path, PathBuf};

/// The formats `ownergraph export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// FollowTheMoney JSON lines (OpenSanctions, Aleph, followthemoney).
    Ftm,
    /// GraphML (Gephi, networkx, yEd, Neo4j's apoc).
    Graphml,
    /// A directory of entities.csv, relations.csv and listings.csv (the import layout).
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ftm => "ftm",
            Format::Graphml => "graphml",
            Format::Csv => "csv",
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "ftm" => Ok(Format::Ftm),
            "graphml" => Ok(Format::Graphml),
            "csv" => Ok(Format::Csv),
            _ => Err(format!(
                "unknown export format {s:?}; expected ftm, graphml or csv"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no entity with id {0:?}")]
    UnknownEntity(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

impl ExportError {
    pub fn io(path: &Path, source: std::io::Error) -> ExportError {
        ExportError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The most entities a neighbourhood export holds; the nearest are kept.
pub const NEIGHBOURHOOD_LIMIT: usize = 50_000;

/// What to export: everything, or the entities within `depth` relations of `around` (either
/// direction, every kind) with the relations among them.
pub fn extract(engine: &Engine, around: Option<(&str, u8)>) -> Result<Extract, ExportError> {
    let Some((id, depth)) = around else {
        return Ok(engine.read(|store| store.extract_all())?);
    };
    let snapshot = engine.snapshot();
    let start = snapshot
        .find(id)
        .ok_or_else(|| ExportError::UnknownEntity(id.to_string()))?;
    let walk = snapshot.neighbourhood(start, depth, KindSet::ALL, Direction::Both, NEIGHBOURHOOD_LIMIT);
    let ids: Vec<&str> = walk.nodes.iter().map(|(n, _)| &*snapshot.node(*n).id).collect();
    let rids: Vec<i64> = walk.edges.iter().map(|e| snapshot.edge(*e).rid).collect();
    Ok(engine.read(|store| store.extract(&ids, &rids))?)
}

/// Writes `extract` in `format` to `out`: a file for ftm and graphml, a directory for csv.
pub fn write_to_path(extract: &Extract, format: Format, out: &Path) -> Result<(), ExportError> {
    let create = |path: &Path| -> Result<std::io::BufWriter<std::fs::File>, ExportError> {
        let file = std::fs::File::create(path).map_err(|e| ExportError::io(path, e))?;
        Ok(std::io::BufWriter::with_capacity(1 << 20, file))
    };
    let finish = |path: &Path, mut w: std::io::BufWriter<std::fs::File>| {
        std::io::Write::flush(&mut w).map_err(|e| ExportError::io(path, e))
    };
    match format {
        Format::Ftm => {
            let mut w = create(out)?;
            ftm::write(extract, &mut w).map_err(|e| ExportError::io(out, e))?;
            finish(out, w)
        }
        Format::Graphml => {
            let mut w = create(out)?;
            graphml::write(extract, &mut w).map_err(|e| ExportError::io(out, e))?;
            finish(out, w)
        }
        Format::Csv => {
            std::fs::create_dir_all(out).map_err(|e| ExportError::io(out, e))?;
            for table in csv::Table::ALL {
                let path = out.join(table.file_name());
                let mut w = create(&path)?;
                csv::write(extract, table, &mut w).map_err(|e| ExportError::io(&path, e))?;
                finish(&path, w)?;
            }
            Ok(())
        }
    }
}

/// A file to hand over: its suggested name, media type and bytes.
#[derive(Debug)]
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

/// What a download asks for: a single file, so CSV is one table at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Ftm,
    Graphml,
    Csv(csv::Table),
}

impl FileFormat {
    /// Reads `format` (`ftm`, `graphml`, `csv`) and, for csv, `table` (default entities).
    pub fn parse(format: &str, table: Option<&str>) -> Result<FileFormat, String> {
        match (format.parse::<Format>()?, table) {
            (Format::Csv, table) => Ok(FileFormat::Csv(table.unwrap_or("entities").parse()?)),
            (_, Some(_)) => Err("table applies to format=csv only".into()),
            (Format::Ftm, None) => Ok(FileFormat::Ftm),
            (Format::Graphml, None) => Ok(FileFormat::Graphml),
        }
    }
}

/// The neighbourhood of `id` within `depth` relations as one file.
pub fn download(engine: &Engine, id: &str, depth: u8, format: FileFormat) -> Result<Download, ExportError> {
    let extract = extract(engine, Some((id, depth)))?;
    let stem = format!("{}-depth{depth}", crate::model::slug(id));
    file(&extract, &stem, format)
}

/// `extract` as one file named `stem` and the format's extension.
pub fn file(extract: &Extract, stem: &str, format: FileFormat) -> Result<Download, ExportError> {
    let mut body = Vec::new();
    let (file_name, content_type, written) = match format {
        FileFormat::Ftm => (
            format!("{stem}.ftm.json"),
            "application/x-ndjson; charset=utf-8",
            ftm::write(extract, &mut body),
        ),
        FileFormat::Graphml => (
            format!("{stem}.graphml"),
            "application/graphml+xml; charset=utf-8",
            graphml::write(extract, &mut body),
        ),
        FileFormat::Csv(table) => (
            format!("{stem}-{}", table.file_name()),
            "text/csv; charset=utf-8",
            csv::write(extract, table, &mut body),
        ),
    };
    written.map_err(|e| ExportError::io(Path::new(&file_name), e))?;
    Ok(Download {
        file_name,
        content_type,
        body,
    })
}
