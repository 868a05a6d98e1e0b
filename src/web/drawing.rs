//! Drawing a small graph as SVG: a layered layout in which ownership and control read top to
//! bottom (owners above what they own, a parent body above its subordinates).
//!
//! The layout is the classic layered one, sized for the few dozen nodes a page shows: break
//! cycles, give each node the layer of its longest chain of owners above it, order each
//! layer by the mean position of its neighbours (a few sweeps down and up), then place rows
//! left to right, wrapping layers wider than [`ROW`] nodes. The SVG itself is an askama
//! template, so every name and id is escaped by the same escaper as the HTML pages.

use crate::model::{RelationKind, Schema, Share};
use askama::Template;
use std::collections::HashMap;

/// Most nodes in one row before a layer wraps.
const ROW: usize = 6;
const NODE_HEIGHT: i32 = 42;
const ROW_GAP: i32 = 78;
const COLUMN_GAP: i32 = 26;
const MARGIN: i32 = 16;
/// Characters of a name shown in a node; the full name is in its tooltip.
const LABEL_CHARS: usize = 28;

/// A node to draw.
pub struct NodeIn<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub schema: Schema,
    pub listed: bool,
    /// Lists the node is on, for its tooltip.
    pub lists: String,
    /// The node the picture is about.
    pub start: bool,
    /// On the path the picture highlights.
    pub on_path: bool,
}

/// A relation to draw, by positions in the node slice.
pub struct EdgeIn {
    pub source: usize,
    pub target: usize,
    pub kind: RelationKind,
    pub share: Option<Share>,
    /// On the path the picture highlights.
    pub on_path: bool,
}

pub struct DrawnNode {
    pub id: String,
    pub label: String,
    pub tooltip: String,
    pub schema: Schema,
    pub listed: bool,
    pub start: bool,
    pub on_path: bool,
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
    /// Centre of the label, and of the schema line below it.
    pub cx: i32,
    pub name_y: i32,
    pub schema_y: i32,
}

pub struct DrawnEdge {
    /// SVG path data.
    pub d: String,
    pub kind: RelationKind,
    pub label: String,
    pub label_x: i32,
    pub label_y: i32,
    pub on_path: bool,
}

/// A laid-out picture, rendered by `templates/graph.svg`.
#[derive(Template)]
#[template(path = "graph.svg", escape = "html")]
pub struct Drawing {
    /// Distinguishes the arrow marker when a page holds several pictures.
    pub marker: &'static str,
    pub caption: String,
    pub width: i32,
    pub height: i32,
    pub nodes: Vec<DrawnNode>,
    pub edges: Vec<DrawnEdge>,
}

impl Drawing {
    /// The picture as SVG markup, ready to put inline in a page.
    pub fn svg(&self) -> String {
        self.render()
            .expect("the graph template only writes strings and numbers it is given")
    }
}

/// A share as people write it: `38.88%`, `10-20%`, `majority`, `minority`.
pub fn share_text(share: Share) -> String {
    if share == Share::majority() || share == Share::minority() {
        share.to_string()
    } else {
        format!("{share}%")
    }
}

/// Which end of a relation sits above the other, for kinds that express a hierarchy.
fn upper_lower(edge: &EdgeIn) -> Option<(usize, usize)> {
    match edge.kind {
        RelationKind::Owns | RelationKind::Controls | RelationKind::InvestedIn | RelationKind::DirectorOf => {
            Some((edge.source, edge.target))
        }
        RelationKind::SubordinateOf => Some((edge.target, edge.source)),
        RelationKind::FamilyOf
        | RelationKind::AssociateOf
        | RelationKind::LinkedTo
        | RelationKind::JointArrangement
        | RelationKind::HasAddress => None,
    }
}

/// Layer of each node: 0 at the top. Hierarchical relations point down; cycles are broken by
/// dropping the relations a depth-first walk finds going back up.
fn layers(n: usize, edges: &[EdgeIn]) -> Vec<usize> {
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in edges {
        if let Some((u, l)) = upper_lower(e) {
            if u != l {
                down[u].push(l);
            }
        }
    }
    // Depth-first walk keeping only relations that do not close a cycle (0 new, 1 open, 2 done).
    let mut state = vec![0u8; n];
    let mut kept: Vec<Vec<usize>> = vec![Vec::new(); n];
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some((node, next)) = stack.pop() {
            if let Some(&child) = down[node].get(next) {
                stack.push((node, next + 1));
                match state[child] {
                    0 => {
                        kept[node].push(child);
                        state[child] = 1;
                        stack.push((child, 0));
                    }
                    2 => kept[node].push(child),
                    _ => {} // back to an open node: the relation closes a cycle
                }
            } else {
                state[node] = 2;
            }
        }
    }
    // Longest path from the top, in topological order (Kahn).
    let mut indegree = vec![0usize; n];
    for children in &kept {
        for &c in children {
            indegree[c] += 1;
        }
    }
    let mut layer = vec![0usize; n];
    let mut ready: Vec<usize> = (0..n).filter(|&v| indegree[v] == 0).collect();
    let mut topological = Vec::with_capacity(n);
    while let Some(v) = ready.pop() {
        topological.push(v);
        for &c in &kept[v] {
            layer[c] = layer[c].max(layer[v] + 1);
            indegree[c] -= 1;
            if indegree[c] == 0 {
                ready.push(c);
            }
        }
    }
    // Then each owner moves down to sit just above the highest of what it owns, so a minority
    // owner of a company two layers down does not float at the top with a long edge.
    for &v in topological.iter().rev() {
        if let Some(nearest) = kept[v].iter().map(|&c| layer[c]).min() {
            layer[v] = layer[v].max(nearest - 1);
        }
    }
    // Nodes tied in by associations, family or links only sit beside a neighbour.
    let hierarchical: Vec<bool> = (0..n)
        .map(|v| !kept[v].is_empty() || kept.iter().any(|c| c.contains(&v)))
        .collect();
    for e in edges {
        if upper_lower(e).is_none() {
            let (a, b) = (e.source, e.target);
            if hierarchical[a] && !hierarchical[b] {
                layer[b] = layer[a];
            } else if hierarchical[b] && !hierarchical[a] {
                layer[a] = layer[b];
            }
        }
    }
    layer
}

/// Orders the nodes of each layer to keep relations short: a few barycentre sweeps.
fn order(layer: &[usize], edges: &[EdgeIn], start: usize) -> Vec<Vec<usize>> {
    let depth = layer.iter().copied().max().unwrap_or(0) + 1;
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for (v, &l) in layer.iter().enumerate() {
        rows[l].push(v);
    }
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); layer.len()];
    for e in edges {
        if e.source != e.target {
            neighbours[e.source].push(e.target);
            neighbours[e.target].push(e.source);
        }
    }
    let mut position = vec![0f64; layer.len()];
    let place = |rows: &Vec<Vec<usize>>, position: &mut Vec<f64>| {
        for row in rows {
            for (i, &v) in row.iter().enumerate() {
                position[v] = i as f64 - row.len() as f64 / 2.0;
            }
        }
    };
    place(&rows, &mut position);
    for sweep in 0..4 {
        let layers: Vec<usize> = if sweep % 2 == 0 {
            (1..depth).collect()
        } else {
            (0..depth.saturating_sub(1)).rev().collect()
        };
        for l in layers {
            let toward = if sweep % 2 == 0 { l - 1 } else { l + 1 };
            let mut keyed: Vec<(f64, usize)> = rows[l]
                .iter()
                .map(|&v| {
                    let near: Vec<f64> = neighbours[v]
                        .iter()
                        .filter(|&&w| layer[w] == toward)
                        .map(|&w| position[w])
                        .collect();
                    let key = if near.is_empty() {
                        position[v]
                    } else {
                        near.iter().sum::<f64>() / near.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            rows[l] = keyed.into_iter().map(|(_, v)| v).collect();
            for (i, &v) in rows[l].iter().enumerate() {
                position[v] = i as f64 - rows[l].len() as f64 / 2.0;
            }
        }
    }
    // The start node's row keeps it in the middle, where the eye looks first.
    let row = &mut rows[layer[start]];
    if let Some(at) = row.iter().position(|&v| v == start) {
        row.remove(at);
        row.insert(row.len() / 2, start);
    }
    rows
}

fn label(name: &str) -> String {
    if name.chars().count() <= LABEL_CHARS {
        name.to_string()
    } else {
        let mut cut: String = name.chars().take(LABEL_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// Width a label needs: wide (CJK) characters count double.
fn label_width(label: &str) -> i32 {
    let units: i32 = label
        .chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum();
    (units * 7 + 24).clamp(96, 230)
}

fn drawn_node(node: &NodeIn<'_>, label: String, x: i32, y: i32, width: i32) -> DrawnNode {
    let mut tooltip = format!("{} ({}, {})", node.name, node.schema, node.id);
    if node.listed {
        tooltip.push_str(&format!(" · listed: {}", node.lists));
    }
    DrawnNode {
        id: node.id.to_string(),
        label,
        tooltip,
        schema: node.schema,
        listed: node.listed,
        start: node.start,
        on_path: node.on_path,
        x,
        y,
        width,
        height: NODE_HEIGHT,
        cx: x + width / 2,
        name_y: y + 17,
        schema_y: y + 33,
    }
}

fn edge_text(e: &EdgeIn) -> String {
    let mut text = e.kind.as_str().replace('_', " ");
    if let Some(share) = e.share {
        text.push(' ');
        text.push_str(&share_text(share));
    }
    text
}

/// Draws `nodes` centred where `centres` says (an investigation's saved canvas), relations as
/// straight lines from box edge to box edge. `marker` must be unique on a page.
pub fn draw_at(
    nodes: &[NodeIn<'_>],
    centres: &[(f64, f64)],
    edges: &[EdgeIn],
    marker: &'static str,
    caption: String,
) -> Drawing {
    let labels: Vec<String> = nodes.iter().map(|n| label(n.name)).collect();
    let widths: Vec<i32> = labels.iter().map(|l| label_width(l)).collect();
    let left = (0..nodes.len())
        .map(|v| centres[v].0 as i32 - widths[v] / 2)
        .min()
        .unwrap_or(0);
    let top = centres
        .iter()
        .map(|c| c.1 as i32 - NODE_HEIGHT / 2)
        .min()
        .unwrap_or(0);
    let centre = |v: usize| {
        (
            centres[v].0 as i32 - left + MARGIN,
            centres[v].1 as i32 - top + MARGIN,
        )
    };
    let drawn: Vec<DrawnNode> = nodes
        .iter()
        .enumerate()
        .map(|(v, node)| {
            let (cx, cy) = centre(v);
            drawn_node(
                node,
                labels[v].clone(),
                cx - widths[v] / 2,
                cy - NODE_HEIGHT / 2,
                widths[v],
            )
        })
        .collect();
    // Where the line from (x, y) towards (ox, oy) leaves the box of node v.
    let leave = |v: usize, (x, y): (i32, i32), (ox, oy): (i32, i32)| -> (i32, i32) {
        let (dx, dy) = ((ox - x) as f64, (oy - y) as f64);
        let (hw, hh) = (widths[v] as f64 / 2.0, NODE_HEIGHT as f64 / 2.0);
        let t = (hw / dx.abs().max(1e-9)).min(hh / dy.abs().max(1e-9)).min(1.0);
        (x + (dx * t) as i32, y + (dy * t) as i32)
    };
    let drawn_edges = edges
        .iter()
        .filter(|e| e.source != e.target)
        .map(|e| {
            let (s, t) = (centre(e.source), centre(e.target));
            let (x1, y1) = leave(e.source, s, t);
            let (x2, y2) = leave(e.target, t, s);
            DrawnEdge {
                d: format!("M{x1},{y1} L{x2},{y2}"),
                kind: e.kind,
                label: edge_text(e),
                label_x: (x1 + x2) / 2,
                label_y: (y1 + y2) / 2 + 4,
                on_path: e.on_path,
            }
        })
        .collect();
    let width = drawn.iter().map(|n| n.x + n.width).max().unwrap_or(0) + MARGIN;
    let height = drawn.iter().map(|n| n.y + n.height).max().unwrap_or(0) + MARGIN;
    Drawing {
        marker,
        caption,
        width: width.max(2 * MARGIN),
        height: height.max(2 * MARGIN),
        nodes: drawn,
        edges: drawn_edges,
    }
}

/// Lays out `nodes` and `edges` and returns the picture. `marker` must be unique on a page.
pub fn draw(nodes: &[NodeIn<'_>], edges: &[EdgeIn], marker: &'static str, caption: String) -> Drawing {
    let start = nodes.iter().position(|n| n.start).unwrap_or(0);
    let layer = layers(nodes.len(), edges);
    let rows = if nodes.is_empty() {
        Vec::new()
    } else {
        order(&layer, edges, start)
    };
    let labels: Vec<String> = nodes.iter().map(|n| label(n.name)).collect();
    let widths: Vec<i32> = labels.iter().map(|l| label_width(l)).collect();
    // Wrap wide layers into several visual rows.
    let visual: Vec<&[usize]> = rows.iter().flat_map(|r| r.chunks(ROW)).collect();
    let row_width = |row: &[usize]| -> i32 {
        row.iter().map(|&v| widths[v]).sum::<i32>() + COLUMN_GAP * (row.len() as i32 - 1).max(0)
    };
    let width = visual.iter().map(|r| row_width(r)).max().unwrap_or(0) + 2 * MARGIN;
    let mut at: HashMap<usize, (i32, i32, usize)> = HashMap::with_capacity(nodes.len());
    let mut drawn = Vec::with_capacity(nodes.len());
    for (r, row) in visual.iter().enumerate() {
        let y = MARGIN + r as i32 * (NODE_HEIGHT + ROW_GAP);
        let mut x = (width - row_width(row)) / 2;
        for &v in row.iter() {
            let node = &nodes[v];
            let w = widths[v];
            at.insert(v, (x + w / 2, y, r));
            drawn.push(drawn_node(node, labels[v].clone(), x, y, w));
            x += w + COLUMN_GAP;
        }
    }
    let height = MARGIN * 2 + visual.len() as i32 * (NODE_HEIGHT + ROW_GAP) - ROW_GAP;
    let mut drawn_edges = Vec::with_capacity(edges.len());
    for (i, e) in edges.iter().enumerate() {
        let (Some(&(sx, sy, sr)), Some(&(tx, ty, tr))) = (at.get(&e.source), at.get(&e.target)) else {
            continue;
        };
        // Fan out the labels of parallel relations a little.
        let nudge = (i % 3) as i32 * 12 - 12;
        let (d, lx, ly) = if sr == tr {
            let bottom = sy + NODE_HEIGHT;
            let sag = bottom + 34 + (i % 3) as i32 * 8;
            let mx = (sx + tx) / 2;
            (
                format!("M{sx},{bottom} Q{mx},{sag} {tx},{bottom}"),
                mx,
                (bottom + sag) / 2 + 4,
            )
        } else {
            let (y1, y2) = if sr < tr {
                (sy + NODE_HEIGHT, ty)
            } else {
                (sy, ty + NODE_HEIGHT)
            };
            let ym = (y1 + y2) / 2;
            (
                format!("M{sx},{y1} C{sx},{ym} {tx},{ym} {tx},{y2}"),
                (sx + tx) / 2,
                ym + nudge / 3,
            )
        };
        drawn_edges.push(DrawnEdge {
            d,
            kind: e.kind,
            label: edge_text(e),
            label_x: lx,
            label_y: ly,
            on_path: e.on_path,
        });
    }
    Drawing {
        marker,
        caption,
        width: width.max(2 * MARGIN),
        height: height.max(2 * MARGIN),
        nodes: drawn,
        edges: drawn_edges,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RelationKind::{LinkedTo, Owns, SubordinateOf};

    fn edge(source: usize, target: usize, kind: RelationKind) -> EdgeIn {
        EdgeIn {
            source,
            target,
            kind,
            share: None,
            on_path: false,
        }
    }

    #[test]
    fn owners_sit_above_and_cycles_do_not_loop() {
        // (nodes, edges, expected layer of each node)
        let cases: Vec<(usize, Vec<EdgeIn>, Vec<usize>)> = vec![
            (3, vec![edge(0, 1, Owns), edge(1, 2, Owns)], vec![0, 1, 2]),
            // a subordinate sits below the body it is subordinate of
            (2, vec![edge(0, 1, SubordinateOf)], vec![1, 0]),
            // a cycle of ownership still gets finite layers
            (
                3,
                vec![edge(0, 1, Owns), edge(1, 2, Owns), edge(2, 0, Owns)],
                vec![0, 1, 2],
            ),
            // a node only linked sits beside its neighbour
            (3, vec![edge(0, 1, Owns), edge(2, 1, LinkedTo)], vec![0, 1, 1]),
            // longest chain wins: 0 owns 2 directly and through 1
            (
                3,
                vec![edge(0, 2, Owns), edge(0, 1, Owns), edge(1, 2, Owns)],
                vec![0, 1, 2],
            ),
            // a minority owner of the bottom company sits just above it, not at the top
            (
                4,
                vec![edge(0, 1, Owns), edge(1, 2, Owns), edge(3, 2, Owns)],
                vec![0, 1, 2, 1],
            ),
        ];
        for (n, edges, expected) in cases {
            assert_eq!(layers(n, &edges), expected);
        }
    }

    #[test]
    fn names_are_escaped_and_long_ones_cut() {
        let long = "A".repeat(40);
        let nodes = [
            NodeIn {
                id: "x\"><script>",
                name: "Smith & <Sons> \"Ltd\" 'quoted'",
                schema: Schema::Company,
                listed: true,
                lists: "SDN List".into(),
                start: true,
                on_path: false,
            },
            NodeIn {
                id: "y",
                name: &long,
                schema: Schema::Person,
                listed: false,
                lists: String::new(),
                start: false,
                on_path: false,
            },
        ];
        let svg = draw(&nodes, &[edge(1, 0, Owns)], "t", "caption <b>".into()).svg();
        assert!(!svg.contains("<script>") && !svg.contains("<Sons>") && !svg.contains("<b>"));
        assert!(
            svg.contains("Smith &#38; &#60;Sons&#62; &#34;Ltd&#34; &#39;quoted&#39;"),
            "{svg}"
        );
        // The id is one percent-encoded path segment of its link.
        assert!(svg.contains(r#"href="/entities/x%22%3E%3Cscript%3E""#), "{svg}");
        assert!(svg.contains(&format!("{}…", "A".repeat(LABEL_CHARS - 1))));
        assert!(svg.contains(r#"class="node listed start""#));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn wide_layers_wrap_and_everything_fits() {
        let nodes: Vec<NodeIn> = (0..20)
            .map(|i| NodeIn {
                id: "n",
                name: if i == 0 { "centre" } else { "bureau" },
                schema: Schema::PublicBody,
                listed: false,
                lists: String::new(),
                start: i == 0,
                on_path: false,
            })
            .collect();
        let edges: Vec<EdgeIn> = (1..20).map(|i| edge(i, 0, SubordinateOf)).collect();
        let d = draw(&nodes, &edges, "t", String::new());
        let rows: std::collections::BTreeSet<i32> = d.nodes.iter().map(|n| n.y).collect();
        assert_eq!(
            rows.len(),
            1 + 19usize.div_ceil(ROW),
            "the centre, then wrapped rows"
        );
        assert_eq!(
            d.nodes.iter().find(|n| n.start).unwrap().y,
            MARGIN,
            "the centre on top"
        );
        assert!(d
            .nodes
            .iter()
            .all(|n| n.x >= 0 && n.x + n.width <= d.width && n.y + n.height <= d.height));
        assert_eq!(d.edges.len(), 19);
    }
}
