//! The store's half of name search: the rows of `search_names` (every name and alias of an
//! entity, normalised once, when it is written) and the generation that moves when they do;
//! [`crate::search::SearchIndex`] indexes them in memory.

use super::{json_column, parse_column, Result, Store};
use crate::model::{Entity, Schema};
use crate::search::normalise::{normalise, NORMALISER_VERSION};
use rusqlite::{params, Transaction};

/// A name or alias that matched a lookup, with the facts about its entity that ranking,
/// filters and facets need.
#[derive(Debug, Clone)]
pub struct NameMatch {
    pub eid: i64,
    pub id: String,
    pub entity_name: String,
    pub schema: Schema,
    pub countries: Vec<String>,
    /// The lists the entity is on, sorted, each once.
    pub lists: Vec<String>,
    /// The name or alias that matched, as the source gives it.
    pub name: String,
    /// Its normalised form.
    pub norm: String,
    pub is_alias: bool,
}

/// An entity as the in-memory search index ([`crate::search::SearchIndex`]) keeps it.
pub struct EntityRow<'a> {
    pub eid: i64,
    pub id: &'a str,
    pub name: &'a str,
    pub schema: Schema,
    pub countries: Vec<String>,
}

/// A name row as the in-memory search index reads it.
pub struct NameRow<'a> {
    pub eid: i64,
    pub is_alias: bool,
    pub name: &'a str,
    pub norm: &'a str,
}

impl Store {
    /// The generation of the indexed names: it moves whenever a batch writes or removes names.
    pub fn names_generation(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT generation FROM search_state", [], |r| r.get(0))?)
    }

    /// Hands over everything the search index is built from, row by row (nothing held twice):
    /// every entity that has names, every (entity, list) of a listing, every name in `nid`
    /// order; returns the name generation they are of. Read on a pooled reader
    /// ([`crate::engine::Engine::read`]), whose read transaction makes it one moment's state.
    pub fn search_rows(
        &self,
        mut entity: impl FnMut(EntityRow<'_>),
        mut listing: impl FnMut(i64, &str),
        mut name: impl FnMut(NameRow<'_>),
    ) -> Result<i64> {
        let generation = self.names_generation()?;
        let mut stmt = self.conn.prepare(
            "SELECT eid, id, name, schema, countries FROM entities
             WHERE eid IN (SELECT entity_eid FROM search_names) ORDER BY eid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            entity(EntityRow {
                eid: row.get(0)?,
                id: row.get_ref(1)?.as_str()?,
                name: row.get_ref(2)?.as_str()?,
                schema: parse_column(row, 3, "schema")?,
                countries: json_column(row, 4)?,
            });
        }
        let mut stmt = self.conn.prepare("SELECT entity_eid, list FROM listings")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            listing(row.get(0)?, row.get_ref(1)?.as_str()?);
        }
        let mut stmt = self
            .conn
            .prepare("SELECT entity_eid, is_alias, name, norm FROM search_names ORDER BY nid")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            name(NameRow {
                eid: row.get(0)?,
                is_alias: row.get(1)?,
                name: row.get_ref(2)?.as_str()?,
                norm: row.get_ref(3)?.as_str()?,
            });
        }
        Ok(generation)
    }

    /// Calls `f` with (entity id, countries, name as given, normalised name, is_alias) for every
    /// indexed name: what an in-memory name index is built from.
    pub fn scan_names(&self, mut f: impl FnMut(&str, Vec<String>, &str, &str, bool)) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT e.id, e.countries, n.name, n.norm, n.is_alias
             FROM search_names n JOIN entities e ON e.eid = n.entity_eid ORDER BY n.nid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let countries: Vec<String> = json_column(row, 1)?;
            f(
                row.get_ref(0)?.as_str()?,
                countries,
                row.get_ref(2)?.as_str()?,
                row.get_ref(3)?.as_str()?,
                row.get(4)?,
            );
        }
        Ok(())
    }

    /// Writes the name rows afresh when they were normalised by other rules (or never, as
    /// after migrating an older database). One transaction.
    pub(super) fn ensure_search_index(&mut self) -> Result<()> {
        let built: i64 = self
            .conn
            .query_row("SELECT normaliser FROM search_state", [], |r| r.get(0))?;
        if built == NORMALISER_VERSION {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM search_names", [])?;
        {
            let mut stmt = tx.prepare("SELECT eid, name, aliases, properties FROM entities ORDER BY eid")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let mut entity = Entity::new("", Schema::LegalEntity, &row.get::<_, String>(1)?, "");
                entity.aliases = json_column(row, 2)?;
                entity.properties = json_column(row, 3)?;
                add_names(&tx, row.get(0)?, &entity)?;
            }
        }
        tx.execute(
            "UPDATE search_state SET normaliser = ?1, generation = generation + 1",
            [NORMALISER_VERSION],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// Replaces the names of the entities a batch changed and moves the name generation when the
/// batch wrote any names (`wrote_new`: names of new entities, from [`add_names`]), inside the
/// batch's transaction. The search index is built in memory from these rows
/// ([`crate::search::SearchIndex`]): the generation tells it that it must be built again.
pub(super) fn index_batch(tx: &Transaction<'_>, wrote_new: bool, changed: &[(i64, &Entity)]) -> Result<()> {
    if !changed.is_empty() {
        let ids = serde_json::to_string(&changed.iter().map(|(eid, _)| eid).collect::<Vec<_>>())
            .expect("ids serialise");
        tx.execute(
            "DELETE FROM search_names WHERE entity_eid IN (SELECT value FROM json_each(?1))",
            [&ids],
        )?;
        for (eid, entity) in changed {
            add_names(tx, *eid, entity)?;
        }
    }
    if wrote_new || !changed.is_empty() {
        tx.execute("UPDATE search_state SET generation = generation + 1", [])?;
    }
    Ok(())
}

/// Writes the `search_names` rows of a new entity: its name, aliases, weak aliases and former
/// names, each normalised form once. Returns whether it wrote any.
pub(super) fn add_names(tx: &Transaction<'_>, eid: i64, entity: &Entity) -> Result<bool> {
    insert_names(tx, eid, &names_of(entity))
}

/// A name of an entity as `search_names` holds it: whether it is an alias, the text as given,
/// its normalised form.
pub(super) type SearchName<'a> = (bool, &'a str, String);

/// The names [`add_names`] writes for an entity, normalised (no database needed: the apply
/// path computes them on another core while rows before them are written).
pub(super) fn names_of(entity: &Entity) -> Vec<SearchName<'_>> {
    let mut names: Vec<SearchName<'_>> = Vec::with_capacity(entity.aliases.len() + 1);
    let all = std::iter::once((false, entity.name.as_str())).chain(entity.other_names().map(|a| (true, a)));
    for (is_alias, text) in all {
        let norm = normalise(text);
        if norm.is_empty() || names.iter().any(|(_, _, seen)| *seen == norm) {
            continue;
        }
        names.push((is_alias, text, norm));
    }
    names
}

/// Writes the `search_names` rows of an entity from [`names_of`]. Returns whether it wrote any.
pub(super) fn insert_names(tx: &Transaction<'_>, eid: i64, names: &[SearchName<'_>]) -> Result<bool> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO search_names (entity_eid, is_alias, name, norm) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (is_alias, text, norm) in names {
        insert.execute(params![eid, is_alias, text, norm])?;
    }
    Ok(!names.is_empty())
}
