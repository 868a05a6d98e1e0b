//! The store's half of name search: an entity's `entity_names` row (every name and alias of
//! it, normalised once, when it is written) and the generation that moves when they do;
//! [`crate::search::SearchIndex`] indexes them in memory.
//!
//! One row per entity, not per name: an import writes one row and no index entry for an
//! entity's names (the UN list's 877 entries have 3,869), and the rows are only ever read
//! whole, to build the in-memory indexes, or replaced whole, when an entity changes.

use super::{json_column, parse_column, Result, Store, StoreError};
use crate::model::{Entity, Schema};
use crate::search::normalise::{normalise, NORMALISER_VERSION};
use rusqlite::{params, Transaction};
use serde::Deserialize;
use std::borrow::Cow;

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
    /// every entity that has names, each followed by its names in their order; then every
    /// (entity, list) of a listing. Returns the name generation they are of. Read on a pooled
    /// reader ([`crate::engine::Engine::read`]), whose read transaction makes it one moment's
    /// state.
    pub fn search_rows(
        &self,
        mut entity: impl FnMut(EntityRow<'_>),
        mut listing: impl FnMut(i64, &str),
        mut name: impl FnMut(NameRow<'_>),
    ) -> Result<i64> {
        let generation = self.names_generation()?;
        let mut stmt = self.conn.prepare(
            "SELECT e.eid, e.id, e.name, e.schema, e.countries, n.names
             FROM entity_names n JOIN entities e ON e.eid = n.entity_eid ORDER BY n.entity_eid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let eid = row.get(0)?;
            entity(EntityRow {
                eid,
                id: row.get_ref(1)?.as_str()?,
                name: row.get_ref(2)?.as_str()?,
                schema: parse_column(row, 3, "schema")?,
                countries: json_column(row, 4)?,
            });
            for PackedName(is_alias, text, norm) in unpack(row.get_ref(5)?.as_str()?)? {
                name(NameRow {
                    eid,
                    is_alias: is_alias != 0,
                    name: &text,
                    norm: &norm,
                });
            }
        }
        let mut stmt = self.conn.prepare("SELECT entity_eid, list FROM listings")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            listing(row.get(0)?, row.get_ref(1)?.as_str()?);
        }
        Ok(generation)
    }

    /// Calls `f` with (entity id, countries, name as given, normalised name, is_alias) for every
    /// indexed name: what an in-memory name index is built from.
    pub fn scan_names(&self, mut f: impl FnMut(&str, Vec<String>, &str, &str, bool)) -> Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT e.id, e.countries, n.names
             FROM entity_names n JOIN entities e ON e.eid = n.entity_eid ORDER BY n.entity_eid",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let countries: Vec<String> = json_column(row, 1)?;
            let id = row.get_ref(0)?.as_str()?;
            for PackedName(is_alias, text, norm) in unpack(row.get_ref(2)?.as_str()?)? {
                f(id, countries.clone(), &text, &norm, is_alias != 0);
            }
        }
        Ok(())
    }

    /// Writes the names' rows afresh when they were normalised by other rules (or never, as
    /// after migrating an older database). One transaction.
    pub(super) fn ensure_search_index(&mut self) -> Result<()> {
        let built: i64 = self
            .conn
            .query_row("SELECT normaliser FROM search_state", [], |r| r.get(0))?;
        if built == NORMALISER_VERSION {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM entity_names", [])?;
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

/// Replaces the names of the entities a batch changed (each with its row from
/// [`packed_names`], made once beside the writes) and moves the name generation when the batch
/// wrote any names (`wrote_new`: names of new entities, from [`insert_names`]), inside the
/// batch's transaction. The search index is built in memory from these rows
/// ([`crate::search::SearchIndex`]): the generation tells it that it must be built again.
pub(super) fn index_batch(
    tx: &Transaction<'_>,
    wrote_new: bool,
    changed: &[(i64, &Entity, Option<String>)],
) -> Result<()> {
    if !changed.is_empty() {
        let ids = serde_json::to_string(&changed.iter().map(|(eid, _, _)| eid).collect::<Vec<_>>())
            .expect("ids serialise");
        tx.execute(
            "DELETE FROM entity_names WHERE entity_eid IN (SELECT value FROM json_each(?1))",
            [&ids],
        )?;
        // An entity the batch changed twice (its id on two records) gets its last names.
        let mut written = hashbrown::HashSet::with_capacity(changed.len());
        for (eid, _, names) in changed.iter().rev() {
            if written.insert(*eid) {
                insert_names(tx, *eid, names.as_deref())?;
            }
        }
    }
    if wrote_new || !changed.is_empty() {
        tx.execute("UPDATE search_state SET generation = generation + 1", [])?;
    }
    Ok(())
}

/// Writes the `entity_names` row of an entity: its name, aliases, weak aliases and former
/// names, each normalised form once. Returns whether it wrote any.
fn add_names(tx: &Transaction<'_>, eid: i64, entity: &Entity) -> Result<bool> {
    insert_names(tx, eid, packed_names(entity).as_deref())
}

/// A name of an entity as `entity_names` holds it: whether it is an alias (0 or 1), the text
/// as given, its normalised form. Borrowed from the row unless the JSON escapes a character.
#[derive(Deserialize)]
struct PackedName<'a>(u8, #[serde(borrow)] Cow<'a, str>, #[serde(borrow)] Cow<'a, str>);

/// The `entity_names` row of an entity, `None` when no name of it normalises to anything (no
/// database needed: the apply path makes it on another core while rows before it are written).
pub(super) fn packed_names(entity: &Entity) -> Option<String> {
    let mut names: Vec<(u8, &str, String)> = Vec::with_capacity(entity.aliases.len() + 1);
    let all = std::iter::once((0, entity.name.as_str())).chain(entity.other_names().map(|a| (1, a)));
    for (is_alias, text) in all {
        let norm = normalise(text);
        if norm.is_empty() || names.iter().any(|(_, _, seen)| *seen == norm) {
            continue;
        }
        names.push((is_alias, text, norm));
    }
    (!names.is_empty()).then(|| serde_json::to_string(&names).expect("names serialise"))
}

fn unpack(text: &str) -> Result<Vec<PackedName<'_>>> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt(format!("entity_names: {e}")))
}

/// Writes an entity's `entity_names` row from [`packed_names`]. Returns whether it wrote one.
pub(super) fn insert_names(tx: &Transaction<'_>, eid: i64, names: Option<&str>) -> Result<bool> {
    let Some(names) = names else {
        return Ok(false);
    };
    tx.prepare_cached("INSERT INTO entity_names (entity_eid, names) VALUES (?1, ?2)")?
        .execute(params![eid, names])?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row holds each distinct normalised name once, the entity's own name first, and reads
    /// back as written: quotes, backslashes and control characters (escaped in the JSON) too.
    #[test]
    fn an_entitys_names_row_reads_back_as_written() {
        let mut entity = Entity::new("x", Schema::Company, "The \"Quoted\" Trading Co\\Ltd", "d");
        entity.aliases = vec![
            "THE \"QUOTED\" TRADING CO\\LTD".into(), // normalises as the name: left out
            "Ёлка\tМеталл".into(),
            "...".into(), // normalises to nothing: left out
            "海康威视".into(),
        ];
        let row = packed_names(&entity).expect("names to search by");
        let names: Vec<(bool, String, String)> = unpack(&row)
            .unwrap()
            .into_iter()
            .map(|PackedName(is_alias, name, norm)| (is_alias != 0, name.into_owned(), norm.into_owned()))
            .collect();
        let expected: Vec<(bool, String, String)> = [
            (false, entity.name.as_str()),
            (true, "Ёлка\tМеталл"),
            (true, "海康威视"),
        ]
        .into_iter()
        .map(|(is_alias, name)| (is_alias, name.to_string(), normalise(name)))
        .collect();
        assert_eq!(names, expected);

        let nameless = Entity::new("y", Schema::Company, "...", "d");
        assert_eq!(packed_names(&nameless), None);
        assert!(
            unpack("[[0,\"cut").is_err(),
            "a damaged row is an error, not a panic"
        );
    }
}
