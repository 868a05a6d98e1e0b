//! GraphML, as Gephi, networkx (`read_graphml`), yEd and Neo4j's APOC read it: one directed
//! graph, a node per entity (id = entity id) and an edge per relation, with typed attributes.

use crate::store::Extract;
use std::collections::HashMap;
use std::io::Write;

/// `(for, id, attr.type)` of each attribute, in the order written.
const KEYS: &[(&str, &str, &str)] = &[
    ("node", "label", "string"),
    ("node", "schema", "string"),
    ("node", "countries", "string"),
    ("node", "listed", "boolean"),
    ("node", "lists", "string"),
    ("node", "dataset", "string"),
    ("edge", "kind", "string"),
    ("edge", "share", "string"),
    ("edge", "share_min", "double"),
    ("edge", "share_max", "double"),
    ("edge", "start_date", "string"),
    ("edge", "end_date", "string"),
    ("edge", "evidence", "string"),
    ("edge", "dataset", "string"),
];

/// Escapes text for an XML attribute or element, dropping characters XML 1.0 forbids.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn data(out: &mut impl Write, key: &str, value: &str) -> std::io::Result<()> {
    writeln!(out, "      <data key=\"{key}\">{}</data>", escape(value))
}

/// Writes `extract` as one GraphML document.
pub fn write(extract: &Extract, out: &mut impl Write) -> std::io::Result<()> {
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">"#
    )?;
    for (domain, id, kind) in KEYS {
        writeln!(
            out,
            r#"  <key id="{domain}_{id}" for="{domain}" attr.name="{id}" attr.type="{kind}"/>"#
        )?;
    }
    writeln!(out, r#"  <graph id="ownergraph" edgedefault="directed">"#)?;
    let mut lists: HashMap<&str, (Vec<&str>, bool)> = HashMap::new();
    for l in &extract.listings {
        let entry = lists.entry(l.entity.as_str()).or_default();
        if !entry.0.contains(&l.list.as_str()) {
            entry.0.push(&l.list);
        }
        entry.1 |= l.end_date.is_none();
    }
    for e in &extract.entities {
        writeln!(out, r#"    <node id="{}">"#, escape(&e.id))?;
        data(out, "node_label", &e.name)?;
        data(out, "node_schema", e.schema.as_str())?;
        data(out, "node_countries", &e.countries.join("; "))?;
        let (names, current) = lists.get(e.id.as_str()).cloned().unwrap_or_default();
        data(out, "node_listed", if current { "true" } else { "false" })?;
        data(out, "node_lists", &names.join("; "))?;
        data(out, "node_dataset", &e.dataset)?;
        writeln!(out, "    </node>")?;
    }
    for (i, r) in extract.relations.iter().enumerate() {
        writeln!(
            out,
            r#"    <edge id="e{i}" source="{}" target="{}">"#,
            escape(&r.source),
            escape(&r.target)
        )?;
        data(out, "edge_kind", r.kind.as_str())?;
        if let Some(share) = r.share {
            data(out, "edge_share", &share.to_string())?;
            data(out, "edge_share_min", &share.lo.to_string())?;
            data(out, "edge_share_max", &share.hi.to_string())?;
        }
        if let Some(d) = r.start_date {
            data(out, "edge_start_date", &d.to_string())?;
        }
        if let Some(d) = r.end_date {
            data(out, "edge_end_date", &d.to_string())?;
        }
        if let Some(e) = &r.evidence {
            data(out, "edge_evidence", e)?;
        }
        data(out, "edge_dataset", &r.dataset)?;
        writeln!(out, "    </edge>")?;
    }
    writeln!(out, "  </graph>")?;
    writeln!(out, "</graphml>")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            super::escape("A & B <\"x\"> 'y'\u{1}"),
            "A &amp; B &lt;&quot;x&quot;&gt; &apos;y&apos;"
        );
    }
}
