//! The command line: `serve`, `import`, `export`, `generate`, `stats`, `exposure`, `screen`,
//! `user`, `backup`.

use crate::engine::Engine;
use crate::import::{self, Format, Prepared};
use crate::model::Date;
use crate::store::{ApplyMode, ApplyReport, Store};
use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Parser, Debug)]
#[command(
    name = "ownergraph",
    version,
    about = "Follow ownership and control links between sanctioned parties and everyone around them"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the explorer; builds the database from the bundled data first if it does not exist.
    Serve {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Directory of datasets to build a missing database from.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Mark session cookies Secure even when requests do not say they came over TLS
        /// (e.g. behind a TLS-terminating proxy that sets no X-Forwarded-Proto).
        #[arg(long)]
        secure_cookies: bool,
        /// Serve a read-only replica of a primary: open the database read-only (another
        /// process, `litestream restore -f`, keeps it up to date), serve every read, answer
        /// every write with a 503 that names the primary. Never builds a database.
        #[arg(long)]
        replica: bool,
        /// The primary's address (e.g. https://ownergraph.example/), linked from a replica's
        /// refusals of writes and sign-in.
        #[arg(long, requires = "replica", value_name = "URL")]
        primary_url: Option<String>,
    },
    /// Copy a database to a new file, consistent while it is served and written (SQLite's
    /// online backup API).
    Backup {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        /// The new file to write (an existing file is not overwritten).
        out: PathBuf,
    },
    /// Import files into a database (created empty if it does not exist), all in one transaction each.
    Import {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        #[arg(long, value_enum)]
        format: Format,
        /// Name of the dataset (default: the directory name for csv; "ofac-sdn" for ofac-sdn,
        /// ofac-csv and the SDN list in ofac-xml, "ofac-consolidated" for OFAC's consolidated
        /// XML; "un-sc" for un-xml; "ca-sema" for ca-sema-xml; the file name up to its first
        /// dot for ftm and bods).
        #[arg(long)]
        dataset: Option<String>,
        /// The release date the file stands for: relations and listings of its dataset that it
        /// no longer holds get this end date [default: the date the file states (OFAC XML's
        /// Publish_Date, the UN list's dateGenerated), else today].
        #[arg(long, value_name = "YYYY-MM-DD")]
        as_of: Option<Date>,
        /// The file is not a whole release: add and update only, end nothing.
        #[arg(long, conflicts_with = "as_of")]
        partial: bool,
        /// Read and check everything, print what would change, change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Generate a synthetic ownership world (dataset `synthetic-<seed>`) for scale tests.
    Generate {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        #[arg(long)]
        entities: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// `hubs`: with formation agents, nominee directors and a state holding company of
        /// thousands of links (see README); `flat`: the first generator's world, no hubs.
        #[arg(long, default_value = "hubs")]
        shape: crate::generate::Shape,
    },
    /// Export the whole database, or the neighbourhood of one entity, as FollowTheMoney JSON
    /// lines, GraphML, or a CSV directory that `import --format csv` reads back.
    Export {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        #[arg(long, value_enum)]
        format: crate::export::Format,
        /// The file to write (a directory for csv).
        #[arg(long)]
        out: PathBuf,
        /// Export only the entities within --depth relations of this entity id (either direction).
        #[arg(long)]
        around: Option<String>,
        /// How many relations away from --around to go.
        #[arg(long, default_value_t = 2, requires = "around", value_parser = clap::value_parser!(u8).range(1..=6))]
        depth: u8,
    },
    /// Print counts of entities, relations and listings.
    Stats {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// Also load the graph as `serve` does and report the time and memory it takes.
        #[arg(long)]
        graph: bool,
    },
    /// An entity's exposure under a sanctions regime, with its evidence; or, with --all, every
    /// party the regime blocks or possibly blocks, as CSV.
    Exposure {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        /// The entity's id.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        /// Judge the whole graph and write one CSV row per blocked or possibly blocked party.
        #[arg(long)]
        all: bool,
        /// ofac, bis, eu or uk.
        #[arg(long, default_value = "ofac")]
        regime: crate::exposure::RegimeId,
        /// The day to judge on, YYYY-MM-DD (default: today).
        #[arg(long)]
        as_of: Option<crate::model::Date>,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
        /// With --all: the CSV file to write (default: standard output).
        #[arg(long, requires = "all")]
        out: Option<PathBuf>,
    },
    /// What the releases of a date range changed: listings added and ended, entities added,
    /// removed, renamed or given new aliases or identifiers, relations added and ended, by
    /// release and list.
    Changes {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        /// The first release day to include, YYYY-MM-DD.
        #[arg(long)]
        since: Date,
        /// The last release day to include, YYYY-MM-DD (default: today).
        #[arg(long)]
        until: Option<Date>,
        /// Only the changes of this list (e.g. "SDN List").
        #[arg(long)]
        list: Option<String>,
        /// Only the releases of this dataset (e.g. ofac-sdn).
        #[arg(long)]
        dataset: Option<String>,
        #[arg(long, value_enum, default_value_t = TableFormat::Text)]
        format: TableFormat,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Screen a CSV file of counterparties against the database: each row's best match (or
    /// every match, with --all-matches) and its status under a regime on a day, as CSV.
    /// Rows that cannot be read are reported on stderr as file:line: field: problem and left
    /// out; the others still run, and the exit status is then 1.
    ///
    /// With --record the screen is kept in the database as a screening record (the input,
    /// options, releases and results; its id is printed on stderr); --verify ID runs a record
    /// again and exits 1 when the results differ.
    Screen {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        /// A CSV file with a header row: `name` (required), optional `country`, `id` (an
        /// identifier of the counterparty), `schema`, `birth_date`; other columns are carried
        /// through.
        #[arg(required_unless_present = "verify")]
        input: Option<PathBuf>,
        /// Keep the screen as a screening record (shown at /screenings/ID).
        #[arg(long, conflicts_with = "verify")]
        record: bool,
        /// Run screening record ID again on the database as it is, with its kept input and
        /// options: says whether the results are identical (exit status 0) or differ (1, with
        /// the first differences), and whether the releases are still the ones it ran on.
        #[arg(long, value_name = "ID", conflicts_with_all = ["input", "out", "all_matches"])]
        verify: Option<i64>,
        /// ofac, bis, eu or uk.
        #[arg(long, default_value = "ofac")]
        regime: crate::exposure::RegimeId,
        /// The day to judge on, YYYY-MM-DD (default: today).
        #[arg(long)]
        as_of: Option<Date>,
        /// Candidates scoring at least this (0 to 1) are matches.
        #[arg(long, default_value_t = crate::screen::DEFAULT_THRESHOLD, value_parser = threshold)]
        threshold: f64,
        /// The CSV file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// One output row per match at or above the threshold, not only the best.
        #[arg(long)]
        all_matches: bool,
    },
    /// Cross-reference the records of different datasets: candidate pairs that may be one
    /// party, best first, with the features that agreed and disagreed. Records the candidates
    /// (for `/xref`) and merges automatically where the evidence is decisive (a shared strong
    /// identifier, or the same name, birth date and country with nothing in conflict).
    Xref {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        /// Only the records of this dataset (default: every dataset against every other).
        #[arg(long)]
        dataset: Option<String>,
        /// Against the records of this dataset only (default: every other dataset).
        #[arg(long)]
        against: Option<String>,
        /// Keep pairs scoring at least this (0 to 1).
        #[arg(long, default_value_t = crate::resolve::DEFAULT_MIN_SCORE, value_parser = threshold)]
        min_score: f64,
        #[arg(long, value_enum, default_value_t = TableFormat::Text)]
        format: TableFormat,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the pairs only: record no candidates and merge nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Move judgements (which records are one party) between databases, one JSON object per
    /// line, so a team's work survives a rebuild.
    Resolve {
        #[command(subcommand)]
        action: ResolveAction,
    },
    /// Manage the accounts that may curate (reading needs none).
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Keep counterparty files screened: each is screened again after every release, and
    /// what changed for a row (a new match, a match gone, a status changed) is an alert.
    Watchlist {
        #[command(subcommand)]
        action: WatchlistAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum WatchlistAction {
    /// Save a counterparty file (the layout `screen` reads) as a watchlist and screen it once.
    Add {
        /// Letters, digits, `-` and `_`.
        name: String,
        file: PathBuf,
        /// ofac, bis, eu or uk.
        #[arg(long, default_value = "ofac")]
        regime: crate::exposure::RegimeId,
        /// Candidates scoring at least this (0 to 1) are matches.
        #[arg(long, default_value_t = crate::screen::DEFAULT_THRESHOLD, value_parser = threshold)]
        threshold: f64,
        /// Post each alert here (https://, or http:// to this machine), signed; the secret is
        /// printed once.
        #[arg(long, value_name = "URL")]
        webhook: Option<String>,
        /// Keep every run (this first one, and each after a release) as a screening record,
        /// for `screen --verify` and `/screenings/{id}`.
        #[arg(long)]
        record: bool,
        /// The account it is saved for (its pages show it as the owner).
        #[arg(long, default_value = "cli")]
        owner: String,
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
    },
    /// List the watchlists.
    List {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Remove a watchlist with its statuses and alerts.
    Remove {
        name: String,
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserAction {
    /// Add an account. The password is prompted for (without echo) on a terminal, otherwise
    /// read from the first line of standard input.
    Add {
        name: String,
        /// `admin` (may also revert changes) or `curator`.
        #[arg(long)]
        role: crate::accounts::Role,
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
    },
    /// List the accounts.
    List {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Remove an account and end its sessions; its recorded changes keep its name.
    Remove {
        name: String,
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum ResolveAction {
    /// Write every judgement (reverted ones included), oldest first.
    Export {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        file: PathBuf,
    },
    /// Record the judgements of a file written by `resolve export`, all or nothing; those
    /// this database already holds are skipped.
    Import {
        #[arg(long, default_value = "ownergraph.db")]
        db: PathBuf,
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Text,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            db,
            addr,
            data,
            secure_cookies,
            replica,
            primary_url,
        } => {
            let role = if replica {
                Role::Replica { primary_url }
            } else {
                Role::Primary { data }
            };
            serve(&db, &addr, role, secure_cookies)
        }
        Command::Backup { db, out } => {
            let started = Instant::now();
            let store = Store::open_read_only(&db).with_context(|| format!("opening {}", db.display()))?;
            store
                .backup_to(&out)
                .with_context(|| format!("backing up {} to {}", db.display(), out.display()))?;
            let bytes = std::fs::metadata(&out).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "{}: copy of {} ({} MB) in {:.2?}",
                out.display(),
                db.display(),
                bytes >> 20,
                started.elapsed()
            );
            Ok(())
        }
        Command::Import {
            db,
            format,
            dataset,
            as_of,
            partial,
            dry_run,
            paths,
        } => {
            // A database this command creates and then imports nothing into (its first file
            // refused, or a dry run) is removed again: left empty, `serve` would open it instead
            // of building the bundled data.
            let created = !db.exists();
            // The store alone: an import needs no graph in memory (`serve` loads its own).
            let mut store = Store::open(&db).with_context(|| format!("opening {}", db.display()))?;
            let release = (!partial).then_some(as_of);
            let mut changed: Vec<String> = Vec::new();
            let mut committed = false;
            let mut imported = Ok(());
            for path in &paths {
                match import_one(
                    &mut store,
                    format,
                    path,
                    dataset.as_deref(),
                    release,
                    dry_run,
                    true,
                ) {
                    Ok((report, dataset)) => {
                        committed |= !dry_run;
                        if !dry_run && !report.is_unchanged() && !changed.contains(&dataset) {
                            changed.push(dataset);
                        }
                    }
                    Err(e) => {
                        imported = Err(e);
                        break;
                    }
                }
            }
            if created && !committed {
                drop(store);
                remove_database(&db);
                return imported;
            }
            imported?;
            // What changed is cross-referenced against every other dataset at once.
            for dataset in &changed {
                let started = Instant::now();
                let scope = crate::resolve::Scope {
                    dataset: Some(dataset),
                    against: None,
                };
                let outcome =
                    crate::resolve::xref_and_merge(&mut store, scope, crate::resolve::DEFAULT_MIN_SCORE)?;
                report_xref(&outcome, started.elapsed(), false);
            }
            drop(store);
            if !changed.is_empty() {
                rescreen_after_import(&db)?;
            }
            Ok(())
        }
        Command::Xref {
            db,
            dataset,
            against,
            min_score,
            format,
            out,
            dry_run,
        } => {
            let scope = crate::resolve::Scope {
                dataset: dataset.as_deref(),
                against: against.as_deref(),
            };
            xref(&db, scope, min_score, format, out.as_deref(), dry_run)
        }
        Command::Resolve { action } => resolve(action),
        Command::Generate {
            db,
            entities,
            seed,
            shape,
        } => {
            if shape == crate::generate::Shape::Hubs && entities < crate::generate::MIN_HUB_ENTITIES {
                anyhow::bail!(
                    "--entities: the hub shape needs at least {} entities; use --shape flat for fewer",
                    crate::generate::MIN_HUB_ENTITIES
                );
            }
            let started = Instant::now();
            let bar = progress(format!(
                "generating {entities} synthetic entities ({} shape)",
                shape.as_str()
            ));
            let batch = crate::generate::generate_shaped(entities, seed, shape);
            let degrees = crate::generate::degree_summary(&batch);
            bar.set_message(format!(
                "writing {} entities, {} relations, {} listings",
                batch.entities.len(),
                batch.relations.len(),
                batch.listings.len()
            ));
            let record = crate::store::ImportRecord {
                dataset: batch.dataset.clone(),
                format: "generated".into(),
                path: format!(
                    "ownergraph generate --entities {entities} --seed {seed} --shape {}",
                    shape.as_str()
                ),
                checksum: format!("generated-{entities}-{seed}-{}", shape.as_str()),
            };
            let report = Store::open(&db)?.apply(&batch, &record);
            bar.finish_and_clear();
            let report = report?;
            eprintln!(
                "{}: dataset {} with {} entities, {} relations, {} listings ({} new entities) in {:.2?}",
                db.display(),
                batch.dataset,
                batch.entities.len(),
                batch.relations.len(),
                batch.listings.len(),
                report.entities_added,
                started.elapsed()
            );
            println!("{degrees}");
            println!("{}", crate::generate::depth3_sample(&Store::open(&db)?, seed)?);
            Ok(())
        }
        Command::Exposure {
            db,
            id,
            all,
            regime,
            as_of,
            format,
            out,
        } => exposure(&db, id.as_deref(), all, regime, as_of, format, out.as_deref()),
        Command::Export {
            db,
            format,
            out,
            around,
            depth,
        } => {
            if !db.exists() {
                bail!("{}: database does not exist", db.display());
            }
            let started = Instant::now();
            let engine = Engine::open(&db).with_context(|| format!("opening {}", db.display()))?;
            let extract = crate::export::extract(&engine, around.as_deref().map(|id| (id, depth)))?;
            crate::export::write_to_path(&extract, format, &out)?;
            eprintln!(
                "{}: {} entities, {} relations, {} listings as {} in {:.2?}",
                out.display(),
                extract.entities.len(),
                extract.relations.len(),
                extract.listings.len(),
                format.as_str(),
                started.elapsed()
            );
            Ok(())
        }
        Command::Stats { db, format, graph } => {
            if !db.exists() {
                bail!("{}: database does not exist", db.display());
            }
            if graph {
                let resident_before = resident_bytes();
                let started = Instant::now();
                let engine = Engine::open(&db)?;
                let snapshot = engine.snapshot();
                eprintln!(
                    "graph: {} nodes, {} edges, loaded in {:.2?}, resident +{} MB",
                    snapshot.node_count(),
                    snapshot.edge_count(),
                    started.elapsed(),
                    resident_bytes().saturating_sub(resident_before) >> 20
                );
            }
            let stats = Store::open(&db)?.stats()?;
            match format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&stats)?),
                OutputFormat::Text => {
                    println!("entities  {}", stats.entities);
                    println!("relations {}", stats.relations);
                    println!("listings  {}", stats.listings);
                    for (title, map) in [
                        ("schema", &stats.by_schema),
                        ("kind", &stats.by_kind),
                        ("list", &stats.by_list),
                    ] {
                        println!("by {title}:");
                        for (k, v) in map {
                            println!("  {k:<20} {v}");
                        }
                    }
                }
            }
            Ok(())
        }
        Command::Screen {
            db,
            input,
            record,
            verify,
            regime,
            as_of,
            threshold,
            out,
            all_matches,
        } => {
            let options = crate::screen::batch::Options {
                regime,
                as_of: as_of.unwrap_or_else(Date::today),
                threshold,
                all_matches,
            };
            match (verify, input) {
                (Some(id), _) => verify_screening(&db, id),
                (None, Some(input)) => screen(&db, &input, &options, out.as_deref(), record),
                (None, None) => bail!("screen: give an input file or --verify ID"),
            }
        }
        Command::Changes {
            db,
            since,
            until,
            list,
            dataset,
            format,
            out,
        } => {
            let query =
                crate::releases::ChangeQuery::new(since, until, list, dataset).map_err(anyhow::Error::msg)?;
            let store = existing_store(&db)?;
            let report = store.in_read_transaction(|store| crate::releases::report(store, &query))?;
            let mut sink: Box<dyn std::io::Write> = match &out {
                Some(path) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            match format {
                TableFormat::Json => {
                    serde_json::to_writer_pretty(&mut sink, &report)?;
                    writeln!(sink)?;
                }
                TableFormat::Csv => crate::releases::write_csv(&report, &mut sink)?,
                TableFormat::Text => crate::releases::write_text(&report, &mut sink)?,
            }
            sink.flush()?;
            Ok(())
        }
        Command::User { action } => user(action),
        Command::Watchlist { action } => watchlist(action),
    }
}

fn watchlist(action: WatchlistAction) -> Result<()> {
    match action {
        WatchlistAction::Add {
            name,
            file,
            regime,
            threshold,
            webhook,
            record,
            owner,
            db,
        } => {
            existing_store(&db)?;
            let engine = Engine::open(&db).with_context(|| format!("opening {}", db.display()))?;
            let reader = std::io::BufReader::new(
                std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?,
            );
            let input = crate::screen::batch::read_csv(&file.display().to_string(), reader, None)?;
            for problem in &input.problems {
                eprintln!("{problem} (row not watched)");
            }
            let created = crate::watchlist::add(
                &engine,
                &mut crate::watchlist::Monitor::default(),
                &crate::watchlist::NewWatchlist {
                    name: &name,
                    owner: &owner,
                    regime,
                    threshold,
                    webhook_url: webhook.as_deref(),
                    keep_records: record,
                    input: &input,
                },
            )?;
            eprintln!(
                "{}: watchlist {name}: {} rows screened under {regime}",
                db.display(),
                created.rows
            );
            if let Some(sid) = created.screening {
                eprintln!("screening record {sid} (each run after a release is kept too)");
            }
            if let Some(secret) = created.webhook_secret {
                println!(
                    "webhook secret (shown once; verify {} with it): {secret}",
                    crate::watchlist::webhook::SIGNATURE_HEADER
                );
            }
            Ok(())
        }
        WatchlistAction::List { db, format } => {
            let lists = existing_store(&db)?.watchlists()?;
            match format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&lists)?),
                OutputFormat::Text => {
                    for w in &lists {
                        println!(
                            "{:<24} {:<5} {:.2} {:>7} rows {:>6} alerts  {}",
                            w.name, w.regime, w.threshold, w.rows, w.alerts, w.owner
                        );
                    }
                }
            }
            Ok(())
        }
        WatchlistAction::Remove { name, db } => {
            existing_store(&db)?.remove_watchlist(&name)?;
            eprintln!("{}: removed watchlist {name}", db.display());
            Ok(())
        }
    }
}

/// After a CLI import: every watchlist screened again, unless a server got there first.
fn rescreen_after_import(db: &Path) -> Result<()> {
    if existing_store(db)?.watchlists()?.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let engine = Engine::open(db).with_context(|| format!("opening {}", db.display()))?;
    let done = crate::watchlist::rescreen(&engine, &mut crate::watchlist::Monitor::default())?;
    for e in &done {
        let kept = e
            .screening
            .map(|sid| format!(", kept as screening record {sid}"))
            .unwrap_or_default();
        eprintln!(
            "watchlist {}: {} rows screened again, {} alerts{kept}",
            e.watchlist, e.rows, e.alerts
        );
    }
    eprintln!("watchlists screened again in {:.2?}", started.elapsed());
    Ok(())
}

fn xref(
    db: &Path,
    scope: crate::resolve::Scope<'_>,
    min_score: f64,
    format: TableFormat,
    out: Option<&Path>,
    dry_run: bool,
) -> Result<()> {
    let mut store = existing_store(db)?;
    let known: Vec<String> = store.datasets()?.into_iter().map(|d| d.dataset).collect();
    for name in [scope.dataset, scope.against].into_iter().flatten() {
        if !known.iter().any(|k| k == name) {
            bail!(
                "no dataset {name:?} in {}; it holds {}",
                db.display(),
                known.join(", ")
            );
        }
    }
    let started = Instant::now();
    let bar = progress(format!("cross-referencing {}", db.display()));
    let outcome = if dry_run {
        let (records, mut candidates) = crate::resolve::xref_store(&store, scope, min_score)?;
        let current = store.current_judgements()?;
        for c in &mut candidates {
            let (l, r) = crate::resolve::ordered(&c.left_id, &c.right_id);
            c.judgement = current
                .iter()
                .find(|j| j.left == l && j.right == r)
                .map(|j| j.judgement);
        }
        crate::resolve::XrefOutcome {
            records,
            candidates,
            ..Default::default()
        }
    } else {
        crate::resolve::xref_and_merge(&mut store, scope, min_score)?
    };
    bar.finish_and_clear();
    report_xref(&outcome, started.elapsed(), dry_run);
    let mut writer: Box<dyn std::io::Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    write_pairs(&mut writer, &outcome.candidates, format)?;
    writer.flush()?;
    Ok(())
}

fn report_xref(outcome: &crate::resolve::XrefOutcome, elapsed: std::time::Duration, dry_run: bool) {
    let auto = outcome
        .candidates
        .iter()
        .filter(|c| c.decision == crate::resolve::Decision::Auto)
        .count();
    eprintln!(
        "xref: {} records, {} candidate pairs ({auto} decisive), {} merged automatically{} in {elapsed:.2?}",
        outcome.records,
        outcome.candidates.len(),
        outcome.merged,
        if dry_run {
            " (dry run: nothing recorded)"
        } else {
            ""
        },
    );
    for why in &outcome.refused {
        eprintln!("  not merged: {why}");
    }
}

fn write_pairs(
    out: &mut dyn std::io::Write,
    pairs: &[crate::store::CandidateRow],
    format: TableFormat,
) -> Result<()> {
    use crate::resolve::reasons_text;
    match format {
        TableFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, pairs)?;
            writeln!(out)?;
        }
        TableFormat::Csv => {
            let mut csv = csv::Writer::from_writer(out);
            csv.write_record([
                "left_id",
                "left_dataset",
                "left_name",
                "right_id",
                "right_dataset",
                "right_name",
                "score",
                "decision",
                "judgement",
                "reasons",
            ])?;
            for p in pairs {
                csv.write_record([
                    p.left_id.as_str(),
                    &p.left_dataset,
                    &p.left_name,
                    &p.right_id,
                    &p.right_dataset,
                    &p.right_name,
                    &format!("{:.3}", p.score),
                    p.decision.as_str(),
                    p.judgement.map_or("", |j| j.as_str()),
                    &reasons_text(&p.reasons),
                ])?;
            }
            csv.flush()?;
        }
        TableFormat::Text => {
            for p in pairs {
                writeln!(
                    out,
                    "{:.3} {:<9} {:<8} {} ({}) ~ {} ({}): {}",
                    p.score,
                    p.decision.as_str(),
                    p.judgement.map_or("-", |j| j.as_str()),
                    p.left_id,
                    p.left_name,
                    p.right_id,
                    p.right_name,
                    reasons_text(&p.reasons)
                )?;
            }
        }
    }
    Ok(())
}

fn resolve(action: ResolveAction) -> Result<()> {
    match action {
        ResolveAction::Export { db, file } => {
            let store = existing_store(&db)?;
            let mut out = std::io::BufWriter::new(
                std::fs::File::create(&file).with_context(|| format!("creating {}", file.display()))?,
            );
            let n = crate::resolve::export(&store, &mut out)?;
            eprintln!("{}: {n} judgements written", file.display());
            Ok(())
        }
        ResolveAction::Import { db, file } => {
            let mut store = existing_store(&db)?;
            let done = crate::resolve::import(&mut store, &file)?;
            eprintln!(
                "{}: {} judgements recorded, {} already held",
                file.display(),
                done.added,
                done.already
            );
            Ok(())
        }
    }
}

/// A screening threshold: a number from 0 to 1.
fn threshold(text: &str) -> Result<f64, String> {
    crate::screen::parse_threshold(text)
}

/// `ownergraph screen --verify ID`: a screening record run again.
fn verify_screening(db: &Path, id: i64) -> Result<()> {
    if !db.exists() {
        bail!("{}: database does not exist", db.display());
    }
    let engine = Engine::open(db).with_context(|| format!("opening {}", db.display()))?;
    let verification = crate::screenings::verify(&engine, id)?;
    println!("{}", verification.text());
    if !verification.passed() {
        bail!("screening record {id} does not verify");
    }
    Ok(())
}

/// `ownergraph screen`: a counterparty file against the database, as CSV; with `record`, kept
/// as a screening record.
fn screen(
    db: &Path,
    input: &Path,
    options: &crate::screen::batch::Options,
    out: Option<&Path>,
    record: bool,
) -> Result<()> {
    use crate::screen::batch;
    if !db.exists() {
        bail!("{}: database does not exist", db.display());
    }
    let started = Instant::now();
    let name = input.display().to_string();
    // Read whole: a record keeps the file exactly as screened.
    let bytes = std::fs::read(input).with_context(|| format!("reading {name}"))?;
    let rows = batch::read_csv(&name, &bytes[..], None)?;
    for problem in &rows.problems {
        eprintln!("{problem}");
    }
    let engine = Engine::open(db).with_context(|| format!("opening {}", db.display()))?;
    let screened = batch::screen(&engine, &rows, options)?;
    match out {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
            batch::write_csv(&rows, &screened, std::io::BufWriter::new(file))
        }
        None => batch::write_csv(&rows, &screened, std::io::stdout().lock()),
    }
    .context("writing the CSV")?;
    eprintln!(
        "{name}: {}; {:.2?} in all",
        batch::summary_line(&screened.summary, options),
        started.elapsed()
    );
    if !screened.regime_note.is_empty() {
        eprintln!("{}: {}", options.regime, screened.regime_note);
    }
    if record {
        let id = crate::screenings::keep(
            &engine,
            crate::screenings::CLI,
            crate::screenings::Source::Cli,
            &bytes,
            &rows,
            &screened,
        )?;
        eprintln!(
            "{name}: kept as screening record {id} (ownergraph screen --verify {id} --db {})",
            db.display()
        );
    }
    if rows.unreadable() > 0 {
        bail!(
            "{name}: {} of {} rows could not be read and were not screened (listed above)",
            rows.unreadable(),
            rows.rows_seen
        );
    }
    Ok(())
}

/// Resident memory of this process, from /proc (0 where there is none).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// `ownergraph exposure`: one entity's report, or the whole graph as CSV.
fn exposure(
    db: &Path,
    id: Option<&str>,
    all: bool,
    regime: crate::exposure::RegimeId,
    as_of: Option<crate::model::Date>,
    format: OutputFormat,
    out: Option<&Path>,
) -> Result<()> {
    if !db.exists() {
        bail!("{}: database does not exist", db.display());
    }
    let engine = Engine::open(db).with_context(|| format!("opening {}", db.display()))?;
    let day = as_of.unwrap_or_else(crate::model::Date::today);
    if !all {
        let id = id.expect("clap requires an id without --all");
        let Some(report) = crate::exposure::explain(&engine, id, regime, day)? else {
            bail!("no entity with id {id:?} in {}", db.display());
        };
        match format {
            OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
            OutputFormat::Text => println!("{report}"),
        }
        return Ok(());
    }
    let started = Instant::now();
    let snapshot = engine.snapshot();
    let judged =
        crate::exposure::whole_graph(&snapshot, crate::exposure::Regimes::bundled().get(regime), day);
    let rows = match out {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
            judged.write_csv(&snapshot, std::io::BufWriter::new(file))
        }
        None => judged.write_csv(&snapshot, std::io::stdout().lock()),
    }
    .context("writing the CSV")?;
    let would_be = judged.derived.len();
    eprintln!(
        "{regime} on {day} ({}): {} listed, {rows} blocked or possibly blocked{} in {:.2?}",
        judged.rule.note,
        judged.listed,
        if rows < would_be {
            format!("; {would_be} would be were the rule in force (red flags)")
        } else {
            String::new()
        },
        started.elapsed()
    );
    Ok(())
}

/// The bundled data directory: `--data`, else `./data`, else the one beside the sources.
fn data_dir(requested: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(dir) = requested {
        return Ok(dir);
    }
    let local = PathBuf::from("data");
    if local.is_dir() {
        return Ok(local);
    }
    let beside_sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    if beside_sources.is_dir() {
        return Ok(beside_sources);
    }
    bail!("no bundled data directory found; pass --data DIR")
}

/// What `serve` is: the primary (the only writer, which may build its database from the
/// bundled data) or a read-only replica.
enum Role {
    Primary { data: Option<PathBuf> },
    Replica { primary_url: Option<String> },
}

fn serve(db: &Path, addr: &str, role: Role, secure_cookies: bool) -> Result<()> {
    let started = Instant::now();
    let engine = match role {
        Role::Replica { primary_url } => Engine::open_replica(db, primary_url)
            .with_context(|| format!("opening the replica's database {}", db.display()))?,
        Role::Primary { data } => open_primary(db, data)?,
    };
    let snapshot = engine.snapshot();
    eprintln!(
        "{}: {} entities ({} parties), {} relations, data version {}, ready in {:.2?}{}",
        db.display(),
        snapshot.record_count(),
        snapshot.node_count(),
        snapshot.edge_count(),
        snapshot.data_version,
        started.elapsed(),
        if engine.is_replica() {
            " (read-only replica)"
        } else {
            ""
        }
    );
    drop(snapshot);
    eprintln!("serving on http://{addr}/");
    actix_web::rt::System::new()
        .block_on(crate::web::serve(
            engine,
            addr,
            crate::web::CookiePolicy {
                secure: secure_cookies,
            },
        ))
        .with_context(|| format!("serving on {addr}"))?;
    eprintln!("stopped: requests in flight answered");
    Ok(())
}

/// The primary's engine: the database at `db`, built from the bundled data if it is missing.
fn open_primary(db: &Path, data: Option<PathBuf>) -> Result<Engine> {
    let fresh = !db.exists();
    let engine = if fresh {
        let dir = data_dir(data)?;
        eprintln!(
            "{} does not exist: building it from {}",
            db.display(),
            dir.display()
        );
        build_from(db, &dir)?
    } else {
        Engine::open(db).with_context(|| format!("opening {}", db.display()))?
    };
    Ok(engine)
}

/// Builds a new database from every dataset in `dir`. If any import fails the half-built
/// file is removed, so the next `serve` starts over.
pub fn build_from(db: &Path, dir: &Path) -> Result<Engine> {
    let build = || -> Result<Engine> {
        let mut store = Store::open(db)?;
        let datasets = import::bundled_datasets(dir)?;
        if datasets.is_empty() {
            bail!(
                "{}: no datasets found (expected directories with entities.csv or sdn.csv)",
                dir.display()
            );
        }
        // Read the next file on a second thread while this one is applied: reading is about
        // half of each import, and the store takes one writer anyway.
        std::thread::scope(|scope| -> Result<()> {
            let (send, receive) = std::sync::mpsc::sync_channel(1);
            let reading = datasets.clone();
            scope.spawn(move || {
                for (format, path) in reading {
                    // A refused send means the applier stopped at an error: stop too.
                    if send.send(read_one(format, &path, None)).is_err() {
                        break;
                    }
                }
            });
            for ((_, path), read) in datasets.iter().zip(receive) {
                // A directory named with its date is that day's release; the others (the 2019
                // case, gathered over time) are partial imports.
                let dir = if path.is_dir() {
                    path.as_path()
                } else {
                    path.parent().unwrap_or(path)
                };
                let release = import::release_date_of(dir).map(Some);
                apply_one(&mut store, path, read?, release, false, false)?;
            }
            Ok(())
        })?;
        // Every list against every other, once all are in.
        crate::resolve::xref_and_merge(
            &mut store,
            crate::resolve::Scope::default(),
            crate::resolve::DEFAULT_MIN_SCORE,
        )?;
        drop(store);
        // The graph is loaded once, when every dataset is in.
        Ok(Engine::open(db)?)
    };
    build().inspect_err(|_| remove_database(db))
}

/// Removes a database file with its WAL and shared-memory files, as far as they exist.
fn remove_database(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn progress(message: String) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("static template is valid"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// A byte progress bar with rate for the line-oriented formats, a spinner for the others;
/// drawn only on a terminal.
fn read_progress(format: Format, path: &Path) -> ProgressBar {
    let message = format!("reading {} ({})", path.display(), format.as_str());
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    // The streaming readers report bytes read; the others read quickly to a spinner.
    if !matches!(
        format,
        Format::Ftm | Format::Bods | Format::OfacXml | Format::UnXml | Format::CaSemaXml
    ) || size == 0
    {
        return progress(message);
    }
    let bar = ProgressBar::new(size).with_message(message);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}",
        )
        .expect("static template is valid")
        .progress_chars("=> "),
    );
    bar
}

/// Reads, validates and applies one file; prints what it added, changed and ended.
/// `release`: `None` for a partial import; `Some(day)` for a whole release as of `day`, or when
/// no day is given, as of the date the file states for itself (OFAC's `Publish_Date`, the UN's
/// `dateGenerated`), else today.
fn import_one(
    store: &mut Store,
    format: Format,
    path: &Path,
    dataset: Option<&str>,
    release: Option<Option<Date>>,
    dry_run: bool,
    verbose: bool,
) -> Result<(ApplyReport, String)> {
    let read = read_one(format, path, dataset)?;
    apply_one(store, path, read, release, dry_run, verbose)
}

/// A file read and checked, with how long that took.
struct Read {
    prepared: Prepared,
    took: Duration,
}

/// The first half of [`import_one`]: reads and checks the file, applying nothing.
fn read_one(format: Format, path: &Path, dataset: Option<&str>) -> Result<Read> {
    let started = Instant::now();
    let bar = read_progress(format, path);
    let prepared = import::read_with_progress(format, path, dataset, &|bytes| bar.set_position(bytes));
    bar.finish_and_clear();
    Ok(Read {
        prepared: prepared?,
        took: started.elapsed(),
    })
}

/// The second half of [`import_one`]: applies what [`read_one`] read, and reports.
fn apply_one(
    store: &mut Store,
    path: &Path,
    read: Read,
    release: Option<Option<Date>>,
    dry_run: bool,
    verbose: bool,
) -> Result<(ApplyReport, String)> {
    let read_time = read.took;
    let applying = Instant::now();
    let Prepared {
        batch,
        record,
        links,
        skipped,
        published,
    } = read.prepared;
    let mode = ApplyMode {
        release: release.map(|day| day.or(published).unwrap_or_else(Date::today)),
        dry_run,
    };
    let bar = progress(format!(
        "{} {} entities, {} relations, {} listings from {}",
        if mode.dry_run { "checking" } else { "applying" },
        batch.entities.len(),
        batch.relations.len(),
        batch.listings.len(),
        path.display()
    ));
    let report = store.apply_with(&batch, &record, mode);
    bar.finish_and_clear();
    let report = report?;
    let apply_time = applying.elapsed();
    let elapsed = read_time + apply_time;
    let done = if mode.dry_run { "checked" } else { "applied" };
    eprintln!(
        "{}: {} entities, {} relations, {} listings of dataset {}, read in {:.2?}, {done} in {:.2?} ({:.0} entities/s read and {done})",
        path.display(),
        batch.entities.len(),
        batch.relations.len(),
        batch.listings.len(),
        batch.dataset,
        read_time,
        apply_time,
        batch.entities.len() as f64 / elapsed.as_secs_f64().max(1e-9),
    );
    eprintln!(
        "{}added {} ({} entities, {} relations, {} listings), changed {} ({} entities, {} relations, {} listings), ended {} ({} relations, {} listings){}",
        if mode.dry_run { "dry run, nothing changed; would have " } else { "" },
        report.added(),
        report.entities_added,
        report.relations_added,
        report.listings_added,
        report.changed(),
        report.entities_changed,
        report.relations_changed,
        report.listings_changed,
        report.ended(),
        report.relations_ended,
        report.listings_ended,
        match mode.release {
            Some(day) => format!(" as of {day}"),
            None => " (partial import: nothing ended)".to_string(),
        }
    );
    if !skipped.is_empty() {
        let total: u64 = skipped.values().sum();
        let parts: Vec<String> = skipped.iter().map(|(name, n)| format!("{name} {n}")).collect();
        eprintln!("not modelled, skipped: {total} ({})", parts.join(", "));
    }
    if let Some(links) = links {
        let rate = if links.total == 0 {
            100.0
        } else {
            100.0 * links.resolved as f64 / links.total as f64
        };
        eprintln!(
            "Linked To: {} of {} resolved ({rate:.1}%)",
            links.resolved, links.total
        );
        if verbose {
            for (id, name) in &links.unresolved {
                eprintln!("  unresolved: {id} → {name:?}");
            }
        } else if !links.unresolved.is_empty() {
            eprintln!(
                "  {} unresolved (ownergraph import lists them)",
                links.unresolved.len()
            );
        }
    }
    let mut batch = batch;
    let dataset = std::mem::take(&mut batch.dataset);
    // A large batch is many small allocations, whose freeing costs as much as a tenth of its
    // import: done on a thread of its own, while the next file is applied.
    std::thread::spawn(move || drop(batch));
    Ok((report, dataset))
}

/// Opens an existing database for account management; accounts in a new, empty file would
/// stop `serve` from building it from the bundled data.
fn existing_store(db: &Path) -> Result<Store> {
    if !db.exists() {
        bail!(
            "{}: database does not exist; create it with `ownergraph serve` or `ownergraph import` first",
            db.display()
        );
    }
    Store::open(db).with_context(|| format!("opening {}", db.display()))
}

fn user(action: UserAction) -> Result<()> {
    match action {
        UserAction::Add { name, role, db } => {
            let mut store = existing_store(&db)?;
            let password = read_password(&name)?;
            crate::accounts::add_user(&mut store, &name, role, &password)?;
            eprintln!("{}: added {role} {name}", db.display());
            Ok(())
        }
        UserAction::List { db, format } => {
            let users = existing_store(&db)?.users()?;
            match format {
                OutputFormat::Json => println!("{}", serde_json::to_string_pretty(&users)?),
                OutputFormat::Text => {
                    for u in &users {
                        println!("{:<24} {:<8} {}", u.name, u.role, u.created_at);
                    }
                }
            }
            Ok(())
        }
        UserAction::Remove { name, db } => {
            existing_store(&db)?.remove_user(&name)?;
            eprintln!("{}: removed {name}", db.display());
            Ok(())
        }
    }
}

/// The new account's password: prompted twice without echo on a terminal, else one line of
/// standard input (for scripts: `echo "$PASSWORD" | ownergraph user add ...`).
fn read_password(name: &str) -> Result<String> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("Password for {name}: "))?;
        let again = rpassword::prompt_password("Repeat it: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        bail!("no password on standard input");
    }
    Ok(password.to_string())
}
