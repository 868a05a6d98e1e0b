//! ownergraph's side of the peer comparison (`bench/peers/run.sh`; synthetic data, for scale
//! only): the two queries issue 7 compares engines on, timed one query at a time, with every
//! answer written out so the peers can be checked against them.
//!
//! `cargo bench --bench peers`. Opens the cached synthetic store (OWNERGRAPH_BENCH_ENTITIES
//! entities, 1M by default; built by `benches/common` on first use), loads the snapshot, and
//! - exports the graph once for the peers, next to the database: `synthetic-N.nodes.csv` (`id`)
//!   and `synthetic-N.edges.csv` (`source,target`, one row per relation, entity id strings);
//! - picks seeded random starts and pairs, by entity id so every engine asks the same thing;
//! - times (a) the undirected depth-3 neighbourhood, counting the distinct entities reached
//!   *with the start itself* (`reach_count`), and (b) the length of an unweighted undirected
//!   shortest path (bidirectional search), at most [`MAX_HOPS`] relations, none beyond;
//! - writes `bench/out/peers-N.json` (`peers-hubs-N.json` for OWNERGRAPH_BENCH_SHAPE=hubs) (ids, answers, microseconds per query, medians, p99),
//!   which `bench/peers/peers.py` reads.
//!
//! Each query runs once untimed (a warm-up over all of them) and once timed, as on the peers.

mod common;

use common::{synthetic_db, synthetic_entities, synthetic_shape};
use ownergraph::generate::Shape;
use ownergraph::graph::{Direction, Snapshot};
use ownergraph::model::KindSet;
use ownergraph::store::Store;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Random starts for the depth-3 walk and random pairs for the shortest path.
const STARTS: usize = 200;
const PAIRS: usize = 200;
/// The neighbourhood depth the peers are compared on.
const DEPTH: u8 = 3;
/// Longest path looked for, on every engine: Kùzu's recursive patterns stop at 30 by default.
const MAX_HOPS: u8 = 30;
const SEED: u64 = 42;

#[derive(Serialize)]
struct ReachQuery {
    id: String,
    reached: usize,
    micros: f64,
}

#[derive(Serialize)]
struct PathQuery {
    from: String,
    to: String,
    /// Relations on a shortest path; `None` when there is no path within `MAX_HOPS`.
    hops: Option<usize>,
    micros: f64,
}

#[derive(Serialize)]
struct Summary {
    median_ms: f64,
    p99_ms: f64,
}

#[derive(Serialize)]
struct Report {
    /// The synthetic world's shape: `flat` or `hubs` (OWNERGRAPH_BENCH_SHAPE).
    shape: &'static str,
    entities: usize,
    relations: usize,
    database: PathBuf,
    nodes_csv: PathBuf,
    edges_csv: PathBuf,
    depth: u8,
    max_hops: u8,
    /// Seconds to load the snapshot from SQLite.
    load_seconds: f64,
    reach: Vec<ReachQuery>,
    paths: Vec<PathQuery>,
    reach_summary: Summary,
    path_summary: Summary,
    /// The same depth-3 counts over another layout, for comparison only (see [`MergedU32`]).
    reach_merged_u32_summary: Summary,
}

fn main() {
    // `cargo bench` passes `--bench`; a filter given after `--` is ignored: there is one run.
    let entities = synthetic_entities();
    let db = synthetic_db(entities);
    let store = Store::open(&db).expect("synthetic db opens");
    let started = Instant::now();
    let snapshot = Snapshot::load(&store).expect("snapshot loads");
    let load_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "synthetic graph: {} entities, {} relations, loaded in {load_seconds:.2} s",
        snapshot.node_count(),
        snapshot.edge_count()
    );
    let (nodes_csv, edges_csv) = export(&snapshot, &db);

    let n = snapshot.node_count() as u32;
    let mut rng = SmallRng::seed_from_u64(SEED);
    let id = |node: u32| snapshot.node(node).id.to_string();
    let starts: Vec<String> = (0..STARTS).map(|_| id(rng.random_range(0..n))).collect();
    let pairs: Vec<(String, String)> = (0..PAIRS)
        .map(|_| (id(rng.random_range(0..n)), id(rng.random_range(0..n))))
        .collect();
    let node = |id: &str| snapshot.find(id).expect("a picked id is in the snapshot");

    let reach_once = |id: &str| snapshot.reach_count(node(id), DEPTH, KindSet::ALL, Direction::Both);
    let path_once = |from: &str, to: &str| {
        snapshot
            .shortest_path(node(from), node(to), KindSet::ALL, false, MAX_HOPS)
            .map(|edges| edges.len())
    };
    for start in &starts {
        std::hint::black_box(reach_once(start));
    }
    for (from, to) in &pairs {
        std::hint::black_box(path_once(from, to));
    }
    let reach: Vec<ReachQuery> = starts
        .iter()
        .map(|start| {
            let t = Instant::now();
            let reached = std::hint::black_box(reach_once(start));
            let micros = t.elapsed().as_secs_f64() * 1e6;
            ReachQuery {
                id: start.clone(),
                reached,
                micros,
            }
        })
        .collect();
    let paths: Vec<PathQuery> = pairs
        .iter()
        .map(|(from, to)| {
            let t = Instant::now();
            let hops = std::hint::black_box(path_once(from, to));
            let micros = t.elapsed().as_secs_f64() * 1e6;
            PathQuery {
                from: from.clone(),
                to: to.clone(),
                hops,
                micros,
            }
        })
        .collect();

    // The layout question of issue 17: the same walk over 4-byte neighbour ids in one merged
    // undirected array (the C floor's layout) instead of the snapshot's 12-byte entries in two.
    let merged = MergedU32::of(&snapshot);
    let mut seen = vec![0u32; n as usize];
    let mut merged_micros = Vec::with_capacity(reach.len());
    for (pass, query) in [0, 1].into_iter().flat_map(|p| reach.iter().map(move |q| (p, q))) {
        let t = Instant::now();
        let reached = std::hint::black_box(merged.reach_count(node(&query.id), DEPTH, &mut seen));
        if pass == 1 {
            merged_micros.push(t.elapsed().as_secs_f64() * 1e6);
        }
        assert_eq!(
            reached, query.reached,
            "the merged layout counts as the snapshot does"
        );
    }
    let reach_merged_u32_summary = summary(merged_micros.into_iter());
    eprintln!(
        "depth {DEPTH} over 4-byte ids in one merged array (comparison only): median {:.4} ms, p99 {:.4} ms",
        reach_merged_u32_summary.median_ms, reach_merged_u32_summary.p99_ms
    );
    let reach_summary = summary(reach.iter().map(|r| r.micros));
    let path_summary = summary(paths.iter().map(|p| p.micros));
    let mean_reached = reach.iter().map(|r| r.reached).sum::<usize>() as f64 / STARTS as f64;
    let joined: Vec<usize> = paths.iter().filter_map(|p| p.hops).collect();
    eprintln!(
        "depth {DEPTH}, both ways: median {:.4} ms, p99 {:.4} ms; {mean_reached:.1} entities reached on average (start included)",
        reach_summary.median_ms, reach_summary.p99_ms
    );
    eprintln!(
        "shortest path: median {:.4} ms, p99 {:.4} ms; {} of {PAIRS} pairs joined, {:.1} relations on average, {} at most",
        path_summary.median_ms,
        path_summary.p99_ms,
        joined.len(),
        joined.iter().sum::<usize>() as f64 / joined.len().max(1) as f64,
        joined.iter().max().copied().unwrap_or(0)
    );

    let report = Report {
        shape: synthetic_shape().as_str(),
        entities: snapshot.node_count(),
        relations: snapshot.edge_count(),
        database: db,
        nodes_csv,
        edges_csv,
        depth: DEPTH,
        max_hops: MAX_HOPS,
        load_seconds,
        reach,
        paths,
        reach_summary,
        path_summary,
        reach_merged_u32_summary,
    };
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench").join("out");
    std::fs::create_dir_all(&out_dir).expect("bench/out directory");
    let out = out_dir.join(report_name(entities));
    let json = serde_json::to_vec_pretty(&report).expect("the report serialises");
    std::fs::write(&out, json).expect("write the peers report");
    eprintln!("wrote {}", out.display());
}

/// Undirected adjacency as 4-byte neighbour ids in one array (both directions of every
/// relation, kinds not kept): what the depth-3 count would read if the snapshot used it.
struct MergedU32 {
    offsets: Vec<u32>,
    neighbours: Vec<u32>,
}

impl MergedU32 {
    fn of(snapshot: &Snapshot) -> MergedU32 {
        let n = snapshot.node_count() as u32;
        let mut offsets = Vec::with_capacity(n as usize + 1);
        let mut neighbours = Vec::with_capacity(2 * snapshot.edge_count());
        offsets.push(0);
        for node in 0..n {
            neighbours.extend(snapshot.outgoing(node).iter().map(|a| a.node));
            neighbours.extend(snapshot.incoming(node).iter().map(|a| a.node));
            offsets.push(neighbours.len() as u32);
        }
        MergedU32 { offsets, neighbours }
    }

    /// Nodes within `depth` hops, the start included; `seen` is zeroed scratch, left zeroed.
    fn reach_count(&self, start: u32, depth: u8, seen: &mut [u32]) -> usize {
        let mut visited = vec![start];
        seen[start as usize] = 1;
        let (mut level_start, mut level_end) = (0, 1);
        for level in 1..=depth {
            for i in level_start..level_end {
                let node = visited[i] as usize;
                let range = self.offsets[node] as usize..self.offsets[node + 1] as usize;
                for &other in &self.neighbours[range] {
                    if seen[other as usize] == 0 {
                        seen[other as usize] = 1;
                        visited.push(other);
                    }
                }
            }
            if level == depth || visited.len() == level_end {
                break;
            }
            (level_start, level_end) = (level_end, visited.len());
        }
        for &node in &visited {
            seen[node as usize] = 0;
        }
        visited.len()
    }
}

/// `peers-N.json` for the flat world, `peers-hubs-N.json` for the hub world.
fn report_name(entities: usize) -> String {
    match synthetic_shape() {
        Shape::Flat => format!("peers-{entities}.json"),
        Shape::Hubs => format!("peers-hubs-{entities}.json"),
    }
}

/// Median and 99th percentile (nearest rank) of per-query microseconds, in milliseconds.
fn summary(micros: impl Iterator<Item = f64>) -> Summary {
    let mut sorted: Vec<f64> = micros.collect();
    sorted.sort_by(f64::total_cmp);
    let rank = |q: f64| sorted[((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1];
    Summary {
        median_ms: rank(0.5) / 1e3,
        p99_ms: rank(0.99) / 1e3,
    }
}

/// The graph as two CSV files beside the database, written once: what every peer loads.
fn export(snapshot: &Snapshot, db: &Path) -> (PathBuf, PathBuf) {
    let nodes = db.with_extension("nodes.csv");
    let edges = db.with_extension("edges.csv");
    if nodes.exists() && edges.exists() {
        return (nodes, edges);
    }
    let write = |path: &Path, header: &str, rows: &mut dyn Iterator<Item = String>| {
        let partial = path.with_extension("partial");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&partial).expect("create csv"));
        writeln!(out, "{header}").expect("write csv");
        for row in rows {
            writeln!(out, "{row}").expect("write csv");
        }
        out.into_inner().expect("flush csv").sync_all().expect("sync csv");
        std::fs::rename(&partial, path).expect("rename csv");
    };
    // Synthetic ids (`syn-N`) need no quoting; say so loudly if that ever changes.
    let id = |node: u32| {
        let id = &snapshot.node(node).id;
        assert!(
            !id.contains([',', '"', '\n']),
            "entity id {id:?} would need CSV quoting"
        );
        id.to_string()
    };
    write(&nodes, "id", &mut (0..snapshot.node_count() as u32).map(id));
    write(
        &edges,
        "source,target",
        &mut (0..snapshot.edge_count() as u32).map(|edge| {
            let (s, t) = snapshot.endpoints(edge);
            format!("{},{}", id(s), id(t))
        }),
    );
    eprintln!(
        "exported the graph to {} and {}",
        nodes.display(),
        edges.display()
    );
    (nodes, edges)
}
