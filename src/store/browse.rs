//! The store's queries for browsing: a list's members, and the sources imported.

use super::{parse_column, Result, Store};
use crate::model::Schema;
use rusqlite::params;
use serde::Serialize;

/// The order of a list's members; serialised as its `sort=` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberOrder {
    /// By name, A to Z (then by listing date).
    Name,
    /// By name, Z to A.
    NameDesc,
    /// By listing date, oldest first (undated last), then by name.
    Date,
    /// By listing date, newest first (undated last), then by name.
    DateDesc,
}

impl MemberOrder {
    pub const ALL: [MemberOrder; 4] = [
        MemberOrder::Name,
        MemberOrder::NameDesc,
        MemberOrder::Date,
        MemberOrder::DateDesc,
    ];

    /// The `sort=` value of this order.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberOrder::Name => "name",
            MemberOrder::NameDesc => "-name",
            MemberOrder::Date => "date",
            MemberOrder::DateDesc => "-date",
        }
    }

    fn sql(self) -> &'static str {
        match self {
            MemberOrder::Name => "e.name COLLATE NOCASE, e.id, l.start_date, l.lid",
            MemberOrder::NameDesc => "e.name COLLATE NOCASE DESC, e.id DESC, l.start_date, l.lid",
            MemberOrder::Date => "l.start_date IS NULL, l.start_date, e.name COLLATE NOCASE, e.id, l.lid",
            MemberOrder::DateDesc => {
                "l.start_date IS NULL, l.start_date DESC, e.name COLLATE NOCASE, e.id, l.lid"
            }
        }
    }
}

impl Serialize for MemberOrder {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::str::FromStr for MemberOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        MemberOrder::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown order {s:?}; expected one of {}",
                    MemberOrder::ALL.map(MemberOrder::as_str).join(", ")
                )
            })
    }
}

/// One listing of a list: who, under which programme, from when, by which text.
#[derive(Debug, Clone, Serialize)]
pub struct ListMember {
    pub id: String,
    pub name: String,
    pub schema: Schema,
    pub program: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub citation: Option<String>,
    pub license_requirement: Option<String>,
    pub license_review_policy: Option<String>,
}

/// A dataset as it stands in the database now.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetView {
    pub dataset: String,
    pub entities: u64,
    pub relations: u64,
    pub listings: u64,
    pub imports: u64,
    pub last_imported_at: Option<String>,
}

impl Store {
    /// The listings of `list`, in `order`, `limit` from `offset`.
    pub fn list_members(
        &self,
        list: &str,
        order: MemberOrder,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<ListMember>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT e.id, e.name, e.schema, l.program, l.start_date, l.end_date, l.citation,
                    l.license_requirement, l.license_review_policy
             FROM listings l JOIN entities e ON e.eid = l.entity_eid
             WHERE l.list = ?1 ORDER BY {} LIMIT {limit} OFFSET ?2",
            order.sql()
        ))?;
        // A literal LIMIT: a bound one makes SQLite re-prepare the statement at every run.
        let mut rows = stmt.query(params![list, offset as i64])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(ListMember {
                id: row.get(0)?,
                name: row.get(1)?,
                schema: parse_column(row, 2, "schema")?,
                program: row.get(3)?,
                start_date: row.get(4)?,
                end_date: row.get(5)?,
                citation: row.get(6)?,
                license_requirement: row.get(7)?,
                license_review_policy: row.get(8)?,
            });
        }
        Ok(out)
    }

    /// How many listings `list` has (an entity listed under two programmes counts twice).
    pub fn list_listing_count(&self, list: &str) -> Result<u64> {
        let n: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM listings WHERE list = ?1")?
            .query_row([list], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Every dataset with what it holds now, by name.
    pub fn datasets(&self) -> Result<Vec<DatasetView>> {
        let mut stmt = self.conn.prepare(
            "WITH names AS (SELECT dataset FROM entities UNION SELECT dataset FROM relations
                            UNION SELECT dataset FROM listings UNION SELECT dataset FROM imports)
             SELECT n.dataset,
                    (SELECT count(*) FROM entities WHERE dataset = n.dataset),
                    (SELECT count(*) FROM relations WHERE dataset = n.dataset),
                    (SELECT count(*) FROM listings WHERE dataset = n.dataset),
                    (SELECT count(*) FROM imports WHERE dataset = n.dataset),
                    (SELECT max(imported_at) FROM imports WHERE dataset = n.dataset)
             FROM names n ORDER BY n.dataset",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(DatasetView {
                dataset: r.get(0)?,
                entities: r.get::<_, i64>(1)? as u64,
                relations: r.get::<_, i64>(2)? as u64,
                listings: r.get::<_, i64>(3)? as u64,
                imports: r.get::<_, i64>(4)? as u64,
                last_imported_at: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
