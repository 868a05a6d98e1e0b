"""Pages over HTTP on the hub-shaped synthetic world (synthetic data, for scale only).

One client on one keep-alive connection asks each page for a set of starts, one request at a
time, and times each from the request to the last byte of the body. Two sets of starts, chosen
from the database with a fixed seed: random entities, and a random neighbour of each of the 100
largest hubs ("next to hubs"). Prints one markdown table: n, p50, p99, max and the largest body.

    python3 bench/http/hubs.py DB BASE_URL [--per-kind N]

Standard library only. Fails (exit 1) on any answer other than 200.
"""

import argparse
import http.client
import random
import sqlite3
import statistics
import sys
import time
import urllib.parse


def starts(db, per_kind, seed=42):
    """Random entity ids, the 100 largest hubs, a random neighbour of each, random pairs."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rng = random.Random(seed)
    (count,) = conn.execute("SELECT max(eid) FROM entities").fetchone()
    pick = lambda: conn.execute(  # noqa: E731 (a short query helper)
        "SELECT id FROM entities WHERE eid >= ? ORDER BY eid LIMIT 1", (rng.randint(1, count),)
    ).fetchone()[0]
    random_ids = [pick() for _ in range(per_kind)]
    hubs = conn.execute(
        """SELECT eid, n FROM (
               SELECT eid, count(*) AS n FROM (
                   SELECT source_eid AS eid FROM relations UNION ALL
                   SELECT target_eid FROM relations)
               GROUP BY eid)
           ORDER BY n DESC LIMIT 100"""
    ).fetchall()
    next_to_hubs = []
    for eid, links in hubs:
        neighbour = conn.execute(
            """SELECT e.id FROM relations r JOIN entities e
                   ON e.eid = CASE WHEN r.source_eid = ?1 THEN r.target_eid ELSE r.source_eid END
               WHERE r.source_eid = ?1 OR r.target_eid = ?1
               LIMIT 1 OFFSET ?2""",
            (eid, rng.randrange(links)),
        ).fetchone()
        next_to_hubs.append(neighbour[0])
    hub_degrees = [n for _, n in hubs]
    return random_ids, next_to_hubs, hub_degrees


class Client:
    def __init__(self, base):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)

    def get(self, path):
        started = time.perf_counter()
        self.conn.request("GET", path)
        response = self.conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            sys.exit(f"{path}: {response.status}: {body[:300]!r}")
        return elapsed, len(body)


def percentile(sorted_values, q):
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 1))))
    return sorted_values[rank - 1]


def ms(seconds):
    return f"{seconds * 1e3:.2f} ms" if seconds < 0.1 else f"{seconds * 1e3:.0f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("base_url")
    parser.add_argument("--per-kind", type=int, default=100, help="random starts and pairs")
    args = parser.parse_args()
    random_ids, next_to_hubs, degrees = starts(args.db, args.per_kind)
    print(
        f"the 100 largest hubs: {degrees[0]:,} to {degrees[-1]:,} links (median "
        f"{int(statistics.median(degrees)):,})",
        file=sys.stderr,
    )
    rng = random.Random(7)

    def other(ids, a):
        # A path needs two different ends.
        while (z := rng.choice(ids)) == a:
            pass
        return z

    random_pairs = [(a, other(random_ids, a)) for a in random_ids]
    hub_pairs = [(a, other(next_to_hubs, a)) for a in next_to_hubs]
    q = urllib.parse.quote
    pages = [
        ("entity page", lambda i: f"/entities/{q(i)}"),
        ("entity JSON", lambda i: f"/entities/{q(i)}.json"),
        ("graph page, depth 2", lambda i: f"/entities/{q(i)}/graph?depth=2"),
        ("graph page, depth 3", lambda i: f"/entities/{q(i)}/graph?depth=3"),
        ("graph JSON, depth 3", lambda i: f"/entities/{q(i)}/graph.json?depth=3"),
        ("exposure page (OFAC)", lambda i: f"/entities/{q(i)}/exposure?regime=ofac"),
        ("exposure JSON (OFAC)", lambda i: f"/entities/{q(i)}/exposure.json?regime=ofac"),
    ]
    paths = [
        ("paths page (hubs avoided, the default)", lambda a, z: f"/paths?from={q(a)}&to={q(z)}"),
        ("paths page through hubs", lambda a, z: f"/paths?from={q(a)}&to={q(z)}&hubs=through"),
    ]
    client = Client(args.base_url)
    rows = []

    def measure(name, where, urls):
        for url in urls[:3]:
            client.get(url)  # warm: the first request of a kind may build an index
        times, sizes = [], []
        for url in urls:
            elapsed, size = client.get(url)
            times.append(elapsed)
            sizes.append(size)
        times.sort()
        rows.append((name, where, len(times), percentile(times, 0.5), percentile(times, 0.99), times[-1], max(sizes)))
        print(f"{name}, {where}: p99 {ms(rows[-1][4])}", file=sys.stderr, flush=True)

    for name, url in pages:
        measure(name, "random starts", [url(i) for i in random_ids])
        measure(name, "next to the 100 largest hubs", [url(i) for i in next_to_hubs])
    for name, url in paths:
        measure(name, "random pairs", [url(a, z) for a, z in random_pairs])
        measure(name, "pairs next to hubs", [url(a, z) for a, z in hub_pairs])

    print("| page | starts | n | p50 | p99 | max | largest body |")
    print("|---|---|---|---|---|---|---|")
    for name, where, n, p50, p99, worst, size in rows:
        print(f"| {name} | {where} | {n} | {ms(p50)} | {ms(p99)} | {ms(worst)} | {size / 1024:,.1f} KB |")
    over = [r for r in rows if r[4] >= 0.1 or r[6] >= 1 << 20]
    print(
        f"\n{len(over)} of {len(rows)} rows miss the aim (p99 < 100 ms, body < 1 MB)"
        + "".join(f"\n- {r[0]}, {r[1]}" for r in over)
    )


if __name__ == "__main__":
    main()
