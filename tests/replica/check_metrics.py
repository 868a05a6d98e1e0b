"""Parses ownergraph's /metrics (standard input) with the Prometheus Python client's
OpenMetrics parser, which refuses malformed text, and checks the families a role must have."""
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families

role = sys.argv[1]
families = {f.name: f for f in text_string_to_metric_families(sys.stdin.read())}
needed = {
    "ownergraph_http_requests": "counter",
    "ownergraph_http_request_duration_seconds": "histogram",
    "ownergraph_snapshot_load_seconds": "histogram",
    "ownergraph_data_version": "gauge",
    "ownergraph_imports": "counter",
    "ownergraph_import_duration_seconds": "histogram",
    "ownergraph_replica_lag_seconds": "gauge",
}
for name, kind in needed.items():
    family = families.get(name)
    assert family is not None, f"{role}: no {name} in {sorted(families)}"
    assert family.type == kind, f"{role}: {name} is a {family.type}, not a {kind}"
requests = families["ownergraph_http_requests"].samples
routes = {s.labels["route"] for s in requests}
assert "/readyz" in routes, f"{role}: requests by route: {routes}"
version = families["ownergraph_data_version"].samples[0].value
assert version > 0, f"{role}: data version {version}"
if role == "replica":
    lag = families["ownergraph_replica_lag_seconds"].samples[0].value
    assert 0 <= lag < 60, f"replica lag {lag}"
print(f"{role}: /metrics parsed, {len(families)} families, {len(requests)} request series, data version {version:.0f}")
