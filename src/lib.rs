//! ownergraph: entities and typed relationships between sanctioned parties and everyone around
//! them, as a petgraph graph held in memory, persisted in SQLite, served as HTML and JSON.
//!
//! See `ARCHITECTURE.md` for the map of modules and the invariants they keep.

pub mod accounts;
pub mod as_of;
pub mod cli;
pub mod curation;
pub mod engine;
pub mod export;
pub mod exposure;
pub mod generate;
pub mod graph;
pub mod import;
pub mod investigation;
pub mod metrics;
pub mod model;
pub mod paths;
pub mod relation_groups;
pub mod releases;
pub mod resolve;
pub mod screen;
pub mod screenings;
pub mod search;
pub mod store;
pub mod watchlist;
pub mod web;
