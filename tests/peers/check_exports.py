"""Peer check: ownergraph's exports as the tools people use read them.

- The FollowTheMoney export loads line by line with followthemoney's own model
  (`model.get_proxy`, values cleaned by followthemoney), every property exists in its schema,
  every entity reference points at an entity of the file whose schema fits the property's range,
  and the counts of things, links and sanctions match the database (a `has_address` relation is
  its party's `addressEntity`, not a link).
- The GraphML export loads with `networkx.read_graphml` with as many nodes and edges as the
  database has entities and relations.

Usage: check_exports.py --stats stats.json --ftm export.ftm.json --graphml export.graphml
Prints one line per check and "N passed, N failed"; exits non-zero on any failure.
"""

import argparse
import json
import sys

from followthemoney import model
from followthemoney.exc import InvalidData
import networkx


def check_ftm(path, stats):
    problems = []
    proxies = {}
    things = links = sanctions = addressed = 0
    dropped = 0
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            data = json.loads(line)
            try:
                proxy = model.get_proxy(data, cleaned=False)
            except InvalidData as error:
                problems.append(f"{path}:{number}: {error}")
                continue
            raw = sum(len(v) for v in data["properties"].values())
            kept = sum(len(v) for v in proxy.properties.values())
            dropped += raw - kept
            proxies[proxy.id] = proxy
            addressed += len(proxy.get("addressEntity", quiet=True))
            if proxy.schema.name == "Sanction":
                sanctions += 1
            elif proxy.schema.edge:
                links += 1
            else:
                things += 1
    for proxy in proxies.values():
        for prop, value in proxy.itervalues():
            if prop.type.name != "entity":
                continue
            target = proxies.get(value)
            if target is None:
                problems.append(f"{proxy.schema.name} {proxy.id}: {prop.name} names missing {value}")
            elif prop.range is not None and not target.schema.is_a(prop.range):
                problems.append(
                    f"{proxy.schema.name} {proxy.id}: {prop.name} is a {prop.range.name}, "
                    f"but {value} is a {target.schema.name}"
                )
    counts = (things, links + addressed, sanctions)
    expected = (stats["entities"], stats["relations"], stats["listings"])
    if counts != expected:
        problems.append(f"things, links + addressEntity, sanctions = {counts}; the database has {expected}")
    if addressed != stats["by_kind"].get("has_address", 0):
        problems.append(f"{addressed} addressEntity values; the database has {stats['by_kind']} relations")
    print(
        f"ftm: {len(proxies)} entities read by followthemoney ({things} things, {links} links, "
        f"{addressed} addressEntity, {sanctions} sanctions); {dropped} values dropped by followthemoney's cleaning"
    )
    return problems


def check_graphml(path, stats):
    graph = networkx.read_graphml(path)
    problems = []
    counts = (graph.number_of_nodes(), graph.number_of_edges())
    expected = (stats["entities"], stats["relations"])
    if counts != expected:
        problems.append(f"graphml nodes, edges = {counts}; the database has {expected}")
    missing = [n for n, d in graph.nodes(data=True) if not d.get("label")]
    if missing:
        problems.append(f"graphml: {len(missing)} nodes without a label, e.g. {missing[0]}")
    kinds = {d.get("kind") for _, _, d in graph.edges(data=True)}
    print(f"graphml: {counts[0]} nodes, {counts[1]} edges read by networkx ({type(graph).__name__}); kinds {sorted(kinds)}")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stats", required=True)
    parser.add_argument("--ftm", action="append", default=[])
    parser.add_argument("--graphml", action="append", default=[])
    args = parser.parse_args()
    with open(args.stats, encoding="utf-8") as handle:
        stats = json.load(handle)
    passed = failed = 0
    checks = [(check_ftm, p) for p in args.ftm] + [(check_graphml, p) for p in args.graphml]
    for check, path in checks:
        problems = check(path, stats)
        for problem in problems[:20]:
            print(f"  FAIL {problem}")
        if problems:
            failed += 1
        else:
            passed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
