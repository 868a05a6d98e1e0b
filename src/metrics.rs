//! What a running server counts for `/metrics`: requests by route and status, their latency,
//! snapshot loads, the data version, imports, and on a replica how far behind it is; encoded in
//! the Prometheus (OpenMetrics) text format. No HTTP: `web` records into it and serves the text.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// The content type of [`Metrics::encode`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    /// The route's pattern (`/entities/{id}`), never the raw path: one series per route.
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    /// `ok` or `failed`.
    outcome: &'static str,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// The process's metrics. Recording is lock-free apart from a label family's first use.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    snapshot_load: Histogram,
    data_version: Gauge,
    entities: Gauge,
    relations: Gauge,
    imports: Family<OutcomeLabels, Counter>,
    import_duration: Histogram,
    replica_applied: FloatGauge,
    replica_lag: FloatGauge,
}

fn request_buckets() -> Histogram {
    // 0.25 ms to about 8 s: a cached entity page to a slow path search.
    Histogram::new(exponential_buckets(0.000_25, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("ownergraph");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route pattern and status",
            requests.clone(),
        );
        let latency =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(request_buckets);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response, by route pattern",
            latency.clone(),
        );
        let snapshot_load = Histogram::new(exponential_buckets(0.001, 2.0, 16));
        registry.register(
            "snapshot_load_seconds",
            "Time to load the graph snapshot from SQLite (at start and after every write)",
            snapshot_load.clone(),
        );
        let data_version = Gauge::default();
        registry.register(
            "data_version",
            "The data version of the snapshot being served (imports plus curated changes)",
            data_version.clone(),
        );
        let entities = Gauge::default();
        registry.register(
            "snapshot_entities",
            "Entities in the served snapshot",
            entities.clone(),
        );
        let relations = Gauge::default();
        registry.register(
            "snapshot_relations",
            "Relations in the served snapshot",
            relations.clone(),
        );
        let imports = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "imports",
            "Imports run by this process, by outcome",
            imports.clone(),
        );
        // Both series exist from the start, at 0, so a rate over them is defined before any import.
        for outcome in ["ok", "failed"] {
            let _ = imports.get_or_create(&OutcomeLabels { outcome });
        }
        let import_duration = Histogram::new(exponential_buckets(0.01, 2.0, 14));
        registry.register(
            "import_duration_seconds",
            "Time to apply an import (its transaction and the new snapshot)",
            import_duration.clone(),
        );
        let replica_applied = FloatGauge::default();
        registry.register(
            "replica_last_applied_timestamp_seconds",
            "Replica only: when this replica began serving the primary's latest change it holds (Unix time)",
            replica_applied.clone(),
        );
        let replica_lag = FloatGauge::default();
        registry.register(
            "replica_lag_seconds",
            "Replica only: from the primary's commit of that change to this replica serving it (whole seconds of the commit time)",
            replica_lag.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            snapshot_load,
            data_version,
            entities,
            relations,
            imports,
            import_duration,
            replica_applied,
            replica_lag,
        }
    }

    /// One answered request; `route` is the matched pattern (or `unmatched`).
    pub fn request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabels {
                route: route.to_string(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// A snapshot loaded and swapped in.
    pub fn snapshot_loaded(&self, elapsed: Duration, data_version: i64, entities: usize, relations: usize) {
        self.snapshot_load.observe(elapsed.as_secs_f64());
        self.data_version.set(data_version);
        self.entities.set(entities as i64);
        self.relations.set(relations as i64);
    }

    pub fn import(&self, ok: bool, elapsed: Duration) {
        let outcome = if ok { "ok" } else { "failed" };
        self.imports.get_or_create(&OutcomeLabels { outcome }).inc();
        self.import_duration.observe(elapsed.as_secs_f64());
    }

    /// A replica swapped in a change: when it did, and how long after the primary committed it.
    pub fn replica_applied(&self, at_unix: f64, lag_seconds: f64) {
        self.replica_applied.set(at_unix);
        self.replica_lag.set(lag_seconds);
    }

    /// Every metric in the OpenMetrics text format (which Prometheus scrapes), ending `# EOF`.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}
