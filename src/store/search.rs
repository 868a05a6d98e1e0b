//! The store's half of name search: keeping the FTS5 trigram index of names and aliases, and
//! fetching candidate names for [`crate::search`] to rank.

use super::{json_column, parse_column, Result, Store};
use crate::model::{Entity, Schema};
use crate::search::normalise::{normalise, NORMALISER_VERSION};
use rusqlite::{params, OptionalExtension, Transaction};
// foldhash, not SipHash: an import counts tens of trigrams per name it writes.
use hashbrown::HashMap;

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

/// How to look names up in the index.
#[derive(Debug, Clone, Copy)]
pub enum NameLookup<'a> {
    /// Names whose normalised form contains this normalised text (shortest names first).
    Substring(&'a str),
    /// Names holding all of these trigrams (shortest names first): a superset of the names
    /// containing a text made of them, cheap when they are its rarest trigrams.
    AllTrigrams(&'a [String]),
    /// Names sharing any of these trigrams, best BM25 rank first: fuzzy candidates.
    AnyTrigram(&'a [String]),
}

/// Columns of a name match (aliases n = search_names, e = entities). The queries below pick
/// and order the names first and join the entity and its lists only for those kept: a common
/// text matches 10,000s of names at 1M entities, and joining each before the LIMIT cost 3×.
const MATCH_COLUMNS: &str = "n.entity_eid, e.id, e.name, e.schema, e.countries, n.name, n.norm, n.is_alias,
     (SELECT group_concat(list, char(31)) FROM listings WHERE entity_eid = n.entity_eid)";

/// The lists of a `group_concat` (unit-separator joined), each once, sorted.
fn distinct_sorted(joined: Option<&str>) -> Vec<String> {
    let mut lists: Vec<String> = joined
        .map(|l| l.split('\u{1f}').map(str::to_string).collect())
        .unwrap_or_default();
    lists.sort_unstable();
    lists.dedup();
    lists
}

/// An FTS5 string literal: the text in double quotes, inner quotes doubled.
fn fts_string(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

impl Store {
    /// Names and aliases matching `lookup`, at most `limit` of them.
    pub fn name_matches(&self, lookup: NameLookup<'_>, limit: usize) -> Result<Vec<NameMatch>> {
        // LIMIT is written into the SQL, not bound: SQLite re-prepares a statement with a
        // bound LIMIT at every run (its plan may depend on the value), at ~3× the query's cost.
        let limit = limit.min(i64::MAX as usize) as i64;
        let (mut stmt, pattern) = match lookup {
            NameLookup::Substring(text) if text.chars().count() >= 3 => (
                self.conn.prepare_cached(&format!(
                    "SELECT {MATCH_COLUMNS} FROM
                       (SELECT n.* FROM search_fts f JOIN search_names n ON n.nid = f.rowid
                        WHERE search_fts MATCH ?1 ORDER BY length(n.norm), n.nid LIMIT {limit}) n
                     JOIN entities e ON e.eid = n.entity_eid ORDER BY length(n.norm), n.nid"
                ))?,
                fts_string(text),
            ),
            // The trigram index cannot answer fewer than three characters: scan instead.
            NameLookup::Substring(text) => (
                self.conn.prepare_cached(&format!(
                    "SELECT {MATCH_COLUMNS} FROM
                       (SELECT * FROM search_names WHERE instr(norm, ?1) > 0
                        ORDER BY length(norm), nid LIMIT {limit}) n
                     JOIN entities e ON e.eid = n.entity_eid ORDER BY length(n.norm), n.nid"
                ))?,
                text.to_string(),
            ),
            NameLookup::AllTrigrams(trigrams) => (
                self.conn.prepare_cached(&format!(
                    "SELECT {MATCH_COLUMNS} FROM
                       (SELECT n.* FROM search_fts f JOIN search_names n ON n.nid = f.rowid
                        WHERE search_fts MATCH ?1 ORDER BY length(n.norm), n.nid LIMIT {limit}) n
                     JOIN entities e ON e.eid = n.entity_eid ORDER BY length(n.norm), n.nid"
                ))?,
                trigrams
                    .iter()
                    .map(|t| fts_string(t))
                    .collect::<Vec<_>>()
                    .join(" AND "),
            ),
            NameLookup::AnyTrigram(trigrams) => {
                let expression = trigrams
                    .iter()
                    .map(|t| fts_string(t))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                (
                    self.conn.prepare_cached(&format!(
                        "SELECT {MATCH_COLUMNS} FROM
                           (SELECT rowid AS nid FROM search_fts WHERE search_fts MATCH ?1
                            ORDER BY rank LIMIT {limit}) f
                         JOIN search_names n ON n.nid = f.nid JOIN entities e ON e.eid = n.entity_eid"
                    ))?,
                    expression,
                )
            }
        };
        if pattern.is_empty() || pattern == "\"\"" {
            return Ok(Vec::new());
        }
        let mut rows = stmt.query(params![pattern])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let lists: Option<String> = row.get(8)?;
            out.push(NameMatch {
                eid: row.get(0)?,
                id: row.get(1)?,
                entity_name: row.get(2)?,
                schema: parse_column(row, 3, "schema")?,
                countries: json_column(row, 4)?,
                lists: distinct_sorted(lists.as_deref()),
                name: row.get(5)?,
                norm: row.get(6)?,
                is_alias: row.get(7)?,
            });
        }
        Ok(out)
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

    /// How many indexed names hold each trigram (0 for a trigram no name has).
    pub fn trigram_frequencies(&self, trigrams: &[String]) -> Result<Vec<u64>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT docs FROM search_trigrams WHERE term = ?1")?;
        trigrams
            .iter()
            .map(|t| {
                let doc: Option<i64> = stmt.query_row([t], |r| r.get(0)).optional()?;
                Ok(doc.unwrap_or(0) as u64)
            })
            .collect()
    }

    /// Builds the name index afresh when it was built by other normalisation rules (or never,
    /// as after migrating an older database). One transaction.
    pub(super) fn ensure_search_index(&mut self) -> Result<()> {
        let built: i64 = self
            .conn
            .query_row("SELECT normaliser FROM search_state", [], |r| r.get(0))?;
        if built == NORMALISER_VERSION {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM search_names", [])?;
        tx.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')", [])?;
        let mut names = NameRows::default();
        {
            let mut stmt = tx.prepare("SELECT eid, name, aliases, properties FROM entities ORDER BY eid")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let mut entity = Entity::new("", Schema::LegalEntity, &row.get::<_, String>(1)?, "");
                entity.aliases = json_column(row, 2)?;
                entity.properties = json_column(row, 3)?;
                add_names(&tx, row.get(0)?, &entity, &mut names)?;
            }
        }
        tx.execute("INSERT INTO search_fts (search_fts) VALUES ('rebuild')", [])?;
        tx.execute("DELETE FROM search_trigrams", [])?;
        let mut insert = tx.prepare("INSERT INTO search_trigrams (term, docs) VALUES (?1, ?2)")?;
        for (packed, docs) in names.delta {
            insert.execute(params![unpack_trigram(packed), docs])?;
        }
        drop(insert);
        tx.execute("UPDATE search_state SET normaliser = ?1", [NORMALISER_VERSION])?;
        tx.commit()?;
        Ok(())
    }
}

/// The names a batch writes to `search_names`, gathered while they are written: their row ids
/// (what [`index_batch`] adds to the full-text index) and how each trigram's count moves.
#[derive(Default)]
pub(super) struct NameRows {
    nids: Vec<i64>,
    delta: HashMap<u64, i64>,
    grams: NameTrigrams,
}

/// Indexes the names written for the batch's new entities (`names`, from [`add_names`]) and
/// re-indexes the entities it changed, inside the batch's transaction.
///
/// The full-text index is written by a few set-wise statements at the end, not row by row:
/// once FTS5 takes part in a transaction, SQLite asks it to flush its pending terms at the
/// start of every later statement, and a flush per entity writes a tiny segment each time
/// (what made a 1M-entity import spend most of its time merging them). The new rows are
/// picked by their row ids, kept as they were written, not looked up again by entity.
///
/// The trigram counts move by what the batch removed and added: each name counts once for
/// each distinct trigram of its normalised form, as the FTS5 trigram tokenizer sees it (the
/// normalised form is already case-folded), so no scan of the full-text vocabulary is needed.
pub(super) fn index_batch(
    tx: &Transaction<'_>,
    mut names: NameRows,
    changed: &[(i64, &Entity)],
) -> Result<()> {
    if !changed.is_empty() {
        let ids = serde_json::to_string(&changed.iter().map(|(eid, _)| eid).collect::<Vec<_>>())
            .expect("ids serialise");
        count_names_of(tx, &ids, -1, &mut names.delta)?;
        tx.execute(
            "INSERT INTO search_fts (search_fts, rowid, norm)
             SELECT 'delete', nid, norm FROM search_names
             WHERE entity_eid IN (SELECT value FROM json_each(?1))",
            [&ids],
        )?;
        tx.execute(
            "DELETE FROM search_names WHERE entity_eid IN (SELECT value FROM json_each(?1))",
            [&ids],
        )?;
        for (eid, entity) in changed {
            add_names(tx, *eid, entity, &mut names)?;
        }
    }
    if names.nids.is_empty() && names.delta.is_empty() {
        return Ok(());
    }
    // Names written one after another have consecutive row ids (always so in a dataset's
    // first import): a range of rows then, else the list of them.
    let consecutive = names.nids.windows(2).all(|w| w[1] == w[0] + 1);
    match (names.nids.first(), names.nids.last()) {
        (Some(first), Some(last)) if consecutive => tx.execute(
            "INSERT INTO search_fts (rowid, norm)
             SELECT nid, norm FROM search_names WHERE nid BETWEEN ?1 AND ?2",
            [first, last],
        )?,
        _ => tx.execute(
            "INSERT INTO search_fts (rowid, norm)
             SELECT nid, norm FROM search_names WHERE nid IN (SELECT value FROM json_each(?1))",
            [serde_json::to_string(&names.nids).expect("ids serialise")],
        )?,
    };
    let mut upsert = tx.prepare_cached(
        "INSERT INTO search_trigrams (term, docs) VALUES (?1, ?2)
         ON CONFLICT (term) DO UPDATE SET docs = docs + excluded.docs",
    )?;
    let mut forget = tx.prepare_cached("DELETE FROM search_trigrams WHERE term = ?1 AND docs <= 0")?;
    for (packed, change) in names.delta {
        if change == 0 {
            continue;
        }
        let term = unpack_trigram(packed);
        upsert.execute(params![term, change])?;
        if change < 0 {
            forget.execute([&term])?;
        }
    }
    Ok(())
}

/// Adds `sign` to `counts` for each distinct trigram of each name of the entities in `ids` (a
/// JSON array), each trigram packed in a `u64` (three 21-bit code points), so that counting the
/// names of a large import allocates nothing per trigram.
fn count_names_of(tx: &Transaction<'_>, ids: &str, sign: i64, counts: &mut HashMap<u64, i64>) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "SELECT norm FROM search_names WHERE entity_eid IN (SELECT value FROM json_each(?1))",
    )?;
    let mut rows = stmt.query([ids])?;
    let mut grams = NameTrigrams::default();
    while let Some(row) = rows.next()? {
        grams.count(row.get_ref(0)?.as_str()?, sign, counts);
    }
    Ok(())
}

/// The distinct trigrams of one name at a time, with buffers kept between names.
#[derive(Default)]
struct NameTrigrams {
    chars: Vec<char>,
    packed: Vec<u64>,
}

impl NameTrigrams {
    fn count(&mut self, norm: &str, sign: i64, counts: &mut HashMap<u64, i64>) {
        self.chars.clear();
        self.chars.extend(norm.chars());
        self.packed.clear();
        self.packed.extend(
            self.chars
                .windows(3)
                .map(|w| ((w[0] as u64) << 42) | ((w[1] as u64) << 21) | (w[2] as u64)),
        );
        self.packed.sort_unstable();
        self.packed.dedup();
        for gram in &self.packed {
            *counts.entry(*gram).or_default() += sign;
        }
    }
}

fn unpack_trigram(packed: u64) -> String {
    [packed >> 42, (packed >> 21) & 0x1F_FFFF, packed & 0x1F_FFFF]
        .into_iter()
        .filter_map(|c| char::from_u32(c as u32))
        .collect()
}

/// Writes the `search_names` rows of a new entity (its name, aliases, weak aliases and former
/// names, each normalised form once) and notes them in `names`; [`index_batch`] then indexes
/// them.
pub(super) fn add_names(tx: &Transaction<'_>, eid: i64, entity: &Entity, names: &mut NameRows) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO search_names (entity_eid, is_alias, name, norm) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut seen: Vec<String> = Vec::with_capacity(entity.aliases.len() + 1);
    let all = std::iter::once((false, entity.name.as_str())).chain(entity.other_names().map(|a| (true, a)));
    for (is_alias, text) in all {
        let norm = normalise(text);
        if norm.is_empty() || seen.contains(&norm) {
            continue;
        }
        insert.execute(params![eid, is_alias, text, norm])?;
        names.nids.push(tx.last_insert_rowid());
        names.grams.count(&norm, 1, &mut names.delta);
        seen.push(norm);
    }
    Ok(())
}
