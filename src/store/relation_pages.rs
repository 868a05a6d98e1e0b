//! Relations read by row id: the page of a group that `relation_groups` picked from the
//! snapshot, so a hub's page never reads its tens of thousands of other relations.

use super::{relation_view_from_row, relation_view_select, RelationView, Result, Store};

impl Store {
    /// The relations `rids`, each seen from `this` entity's end (`this_is_source`: the other
    /// party is the target), in the order given; ids no longer in the store are left out.
    pub fn relation_views_by_rid(&self, rids: &[i64], this_is_source: bool) -> Result<Vec<RelationView>> {
        let other_end = if this_is_source {
            "target_eid"
        } else {
            "source_eid"
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "{} JOIN entities o ON o.eid = r.{other_end} WHERE r.rid = ?1",
            relation_view_select()
        ))?;
        let mut out = Vec::with_capacity(rids.len());
        for &rid in rids {
            let mut rows = stmt.query([rid])?;
            if let Some(row) = rows.next()? {
                out.push(relation_view_from_row(row)?);
            }
        }
        Ok(out)
    }
}
