// The live graph: progressive enhancement of the server-drawn SVG on the graph, entity and
// investigation pages. A <figure data-explore="URL of a JSON twin"> becomes a Cytoscape.js
// canvas holding the same nodes at the same places; a node expands in place from its own
// graph page's JSON twin (depth 1, capped with an exact "N more" as the pages are), collapses,
// drags; the canvas pans and zooms, hides relation kinds, and a side panel shows the node's
// listings and exposure verdict. A path the page was asked to show (the paths page's "Show on
// the graph": `path=ID,ID,…`) keeps its nodes and relations highlighted (`on_path` in the JSON).
// With data-save (investigations) the canvas, with notes on nodes and edges, is posted as a
// form. Without this script the SVG and its links stay the page.
"use strict";
(() => {
  const figure = document.querySelector("figure[data-explore]");
  if (!figure || typeof cytoscape === "undefined") return;
  // Cytoscape adds an inline <style> unless an element with this id exists; the CSP allows
  // no inline style, so style.css carries its one rule and this marker stops the insertion.
  const marker = "__________cytoscape_stylesheet";
  if (!document.getElementById(marker)) {
    const meta = document.createElement("meta");
    meta.id = marker;
    document.head.append(meta);
  }
  if (typeof cytoscapeDagre !== "undefined") cytoscape.use(cytoscapeDagre);

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "text") node.textContent = v;
      else if (v !== false && v !== undefined) node.setAttribute(k, v === true ? "" : v);
    }
    node.append(...children);
    return node;
  };
  const getJson = async (url) => {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  };
  const editable = figure.dataset.editable !== "false";
  const kindsParam = figure.dataset.kinds || "";

  // Where the server drew each node: the centre of its box in the SVG.
  const drawn = new Map();
  for (const link of figure.querySelectorAll("svg a")) {
    const href = link.getAttribute("href") || link.getAttribute("xlink:href") || "";
    const rect = link.querySelector("rect");
    if (!href.startsWith("/entities/") || !rect) continue;
    const id = decodeURIComponent(href.slice("/entities/".length));
    const [x, y, w, h] = ["x", "y", "width", "height"].map((a) => Number(rect.getAttribute(a)));
    drawn.set(id, { x: x + w / 2, y: y + h / 2 });
  }

  const bar = el("div", { class: "explore-bar", role: "toolbar", "aria-label": "Live graph" });
  const canvas = el("div", { class: "explore-canvas", "data-testid": "canvas" });
  const panel = el("aside", { class: "explore-panel", "aria-live": "polite" },
    el("p", { class: "muted", text: "Click a node or a relation for its details; double-click a node to expand it. Drag nodes, scroll to zoom." }));
  const status = el("p", { class: "explore-status muted", role: "status" });
  const root = el("div", { class: "explore" }, bar, el("div", { class: "explore-main" }, canvas, panel), status);
  const svg = figure.querySelector("svg");
  figure.prepend(root);
  // SVG elements have no `hidden` property: a class hides the picture the canvas replaces.
  svg?.classList.add("replaced");

  const cy = cytoscape({
    container: canvas,
    minZoom: 0.1,
    maxZoom: 3,
    style: [
      {
        selector: "node",
        style: {
          shape: "round-rectangle",
          width: "data(width)",
          height: 34,
          label: "data(label)",
          "text-valign": "center",
          "text-halign": "center",
          "text-wrap": "wrap",
          "font-size": 11,
          "background-color": "#fff",
          "border-width": 1.2,
          "border-color": "#8a949e",
          color: "#1b1f24",
        },
      },
      { selector: "node[?listed]", style: { "border-color": "#b3261e", "border-width": 2.4, color: "#7a1a14" } },
      { selector: "node[?start]", style: { "background-color": "#e8f0fa" } },
      { selector: "node[?expanded]", style: { "border-style": "double", "border-width": 4 } },
      { selector: "node[?note]", style: { "background-color": "#fff7d6" } },
      { selector: "node[?on_path]", style: { "background-color": "#cfe0f5", "underlay-color": "#1d5fa8", "underlay-opacity": 0.25, "underlay-padding": 5 } },
      { selector: "node:selected", style: { "overlay-opacity": 0.12, "overlay-color": "#1d5fa8" } },
      {
        selector: "edge",
        style: {
          width: 1.3,
          "curve-style": "bezier",
          "line-color": "#8a949e",
          "target-arrow-color": "#5b6570",
          "target-arrow-shape": "triangle",
          label: "data(label)",
          "font-size": 9,
          "text-background-color": "#fff",
          "text-background-opacity": 1,
          "text-rotation": "autorotate",
        },
      },
      { selector: "edge[dashed]", style: { "line-style": "dashed" } },
      { selector: "edge[?note]", style: { "line-color": "#c79a00", width: 2.2 } },
      { selector: "edge[?on_path]", style: { "line-color": "#1d5fa8", "target-arrow-color": "#1d5fa8", width: 3.5, "z-index": 10 } },
      { selector: "edge:selected", style: { "line-color": "#1d5fa8", width: 2.5 } },
      { selector: ".hidden-kind", style: { display: "none" } },
    ],
  });
  const SOLID = new Set(["owns", "controls", "subordinate_of"]);

  const short = (name) => (name.length > 30 ? `${name.slice(0, 28)}…` : name);
  const nodeLabel = (n) => `${short(n.name)}\n${n.schema}${n.listed ? " · listed" : ""}${n.more ? ` · ${n.more} more` : ""}`;
  // Wide enough for the longest line of the label at 11px (no measuring: it is drawn on a canvas).
  const labelWidth = (label) => 16 + 6 * Math.max(...label.split("\n").map((l) => l.length));
  const edgeId = (e) => `${e.source}|${e.kind}|${e.target}|${e.start_date || ""}`;

  function addNode(n, position, addedBy) {
    const existing = cy.getElementById(n.id);
    if (existing.nonempty()) return existing;
    return cy.add({
      group: "nodes",
      data: {
        id: n.id,
        name: n.name,
        schema: n.schema,
        listed: Boolean(n.listed),
        lists: n.lists || [],
        start: Boolean(n.start),
        note: n.note || "",
        more: n.more || 0,
        expanded: Boolean(n.expanded),
        on_path: Boolean(n.on_path),
        addedBy: addedBy || "",
        label: nodeLabel(n),
        width: labelWidth(nodeLabel(n)),
      },
      position,
    });
  }

  function addEdge(e, addedBy) {
    const id = e.id || edgeId(e);
    if (cy.getElementById(id).nonempty()) return;
    if (cy.getElementById(e.source).empty() || cy.getElementById(e.target).empty()) return;
    const label = `${e.kind}${e.share_text ? ` ${e.share_text}` : ""}${e.end_date ? ` (ended ${e.end_date})` : ""}`;
    cy.add({
      group: "edges",
      data: {
        id,
        source: e.source,
        target: e.target,
        kind: e.kind,
        share_text: e.share_text || "",
        start_date: e.start_date || "",
        end_date: e.end_date || "",
        note: e.note || "",
        on_path: Boolean(e.on_path),
        addedBy: addedBy || "",
        dashed: SOLID.has(e.kind) ? undefined : "yes",
        label,
      },
    });
  }

  function relabel(node) {
    node.data("label", nodeLabel(node.data()));
    node.data("width", labelWidth(node.data("label")));
  }

  // The kinds filter: a checkbox per kind on the canvas; unticked kinds are hidden.
  const kindBoxes = el("span", { class: "explore-kinds" });
  function refreshKinds() {
    const kinds = [...new Set(cy.edges().map((e) => e.data("kind")))].sort();
    const shown = new Map([...kindBoxes.querySelectorAll("input")].map((i) => [i.value, i.checked]));
    kindBoxes.replaceChildren(
      ...kinds.map((k) => {
        const box = el("input", { type: "checkbox", value: k, checked: shown.get(k) !== false, "data-kind": k });
        box.addEventListener("change", applyKinds);
        return el("label", {}, box, ` ${k}`);
      }),
    );
    applyKinds();
  }
  function applyKinds() {
    const hidden = new Set([...kindBoxes.querySelectorAll("input")].filter((i) => !i.checked).map((i) => i.value));
    cy.edges().forEach((e) => e.toggleClass("hidden-kind", hidden.has(e.data("kind"))));
  }

  // Expanding: the node's own graph page, one hop, as JSON; new nodes go on a ring round it.
  async function expand(node) {
    if (node.data("expanded")) return;
    const id = node.id();
    const url = `/entities/${encodeURIComponent(id)}/graph.json?depth=1${kindsParam ? `&kinds=${encodeURIComponent(kindsParam)}` : ""}`;
    status.textContent = `Expanding ${node.data("name")}…`;
    const page = await getJson(url);
    const fresh = page.nodes.filter((n) => cy.getElementById(n.id).empty());
    // As the server's layout reads: owners (and bodies above) in a row over the node, what
    // it owns or heads in a row under it, each row centred on it.
    const centre = node.position();
    const above = new Set(page.edges.filter((e) => e.target === id && e.kind !== "subordinate_of").map((e) => e.source));
    page.edges.filter((e) => e.source === id && e.kind === "subordinate_of").forEach((e) => above.add(e.target));
    const rows = [fresh.filter((n) => above.has(n.id)), fresh.filter((n) => !above.has(n.id))];
    rows.forEach((row, r) => {
      const spacing = 190;
      row.forEach((n, i) => {
        const x = centre.x + (i - (row.length - 1) / 2) * spacing;
        const y = centre.y + (r === 0 ? -1 : 1) * (110 + 40 * (i % 2));
        addNode(n, { x, y }, id);
      });
    });
    for (const e of page.edges) addEdge(e, id);
    node.data({ expanded: true, more: page.omitted });
    relabel(node);
    // Keep what was just added in view.
    const view = cy.extent();
    const outside = fresh.some((n) => {
      const p = cy.getElementById(n.id).position();
      return p.x < view.x1 || p.x > view.x2 || p.y < view.y1 || p.y > view.y2;
    });
    if (outside) cy.fit(undefined, 30);
    refreshKinds();
    status.textContent = `${node.data("name")}: ${fresh.length} new of ${page.nodes.length - 1} neighbours shown${page.omitted ? `, ${page.omitted} more not shown (at most ${page.limit} per expansion)` : ""}.`;
    showNode(node);
  }

  // Collapsing removes what this node's expansion added (and what those added in turn),
  // but never the start node, a node with a note or a node of the highlighted path.
  function collapse(node) {
    const removed = [];
    const visit = (id) => {
      cy.nodes().filter((n) => n.data("addedBy") === id && !n.data("start") && !n.data("note") && !n.data("on_path")).forEach((n) => {
        visit(n.id());
        removed.push(n);
      });
    };
    visit(node.id());
    removed.forEach((n) => n.remove());
    node.data({ expanded: false, more: 0 });
    relabel(node);
    refreshKinds();
    status.textContent = `${node.data("name")}: collapsed, ${removed.length} nodes removed.`;
    showNode(node);
  }

  function noteField(element) {
    const area = el("textarea", { rows: 3, name: "note", "data-testid": "note", readonly: !editable, maxlength: 2000 });
    area.value = element.data("note") || "";
    area.addEventListener("input", () => {
      element.data("note", area.value);
    });
    return el("label", { class: "explore-note" }, editable ? "Note " : "Note (read only) ", area);
  }

  async function showNode(node) {
    const d = node.data();
    const verdict = el("p", { class: "verdict-line", text: "Exposure (OFAC, today): …" });
    const expandButton = el("button", { type: "button", "data-action": "expand", text: d.expanded ? "Collapse" : "Expand" });
    expandButton.addEventListener("click", () => (node.data("expanded") ? collapse(node) : expand(node).catch(fail)));
    panel.replaceChildren(
      el("h3", {}, el("a", { href: `/entities/${encodeURIComponent(d.id)}`, text: d.name })),
      el("p", { class: "muted", text: `${d.schema} · ${d.id}` }),
      el("p", {}, ...(d.lists.length ? d.lists.map((l) => el("span", { class: "badge listed", text: l })) : [el("span", { class: "muted", text: "on no list" })])),
      verdict,
      d.more ? el("p", { class: "omitted", text: `${d.more} more neighbours not shown` }) : "",
      el("p", {}, expandButton, " ", el("a", { href: `/entities/${encodeURIComponent(d.id)}/graph`, text: "its graph page" })),
      noteField(node),
    );
    try {
      const report = await getJson(`/entities/${encodeURIComponent(d.id)}/exposure.json`);
      verdict.replaceChildren(
        "Exposure (OFAC, today): ",
        el("a", { href: `/entities/${encodeURIComponent(d.id)}/exposure`, class: `verdict status-${report.status}`, text: report.status.replaceAll("_", " ") }),
      );
    } catch (error) {
      verdict.textContent = `Exposure: not available (${error.message})`;
    }
  }

  function showEdge(edge) {
    const d = edge.data();
    const name = (id) => cy.getElementById(id).data("name") || id;
    panel.replaceChildren(
      el("h3", { text: `${name(d.source)} ${d.kind} ${name(d.target)}` }),
      el("p", { text: [d.share_text && `share ${d.share_text}`, d.start_date && `from ${d.start_date}`, d.end_date && `until ${d.end_date}`].filter(Boolean).join(" · ") || "no share or dates stated" }),
      noteField(edge),
    );
  }

  function fail(error) {
    status.textContent = `Could not load: ${error.message}`;
  }

  cy.on("tap", "node", (event) => showNode(event.target));
  cy.on("tap", "edge", (event) => showEdge(event.target));
  cy.on("dbltap", "node", (event) => {
    const node = event.target;
    if (node.data("expanded")) collapse(node);
    else expand(node).catch(fail);
  });

  const button = (text, action, onClick) => {
    const b = el("button", { type: "button", "data-action": action, text });
    b.addEventListener("click", onClick);
    return b;
  };
  const LAYOUT_LIMIT = 500; // dagre takes seconds beyond this (see static/vendor/README.md)
  bar.append(
    button("Tidy", "tidy", () => {
      if (cy.nodes().length > LAYOUT_LIMIT) {
        status.textContent = `Tidying is offered up to ${LAYOUT_LIMIT} nodes; collapse some first.`;
        return;
      }
      cy.layout({ name: "dagre", rankDir: "TB", nodeSep: 30, rankSep: 70, animate: false }).run();
    }),
    button("Fit", "fit", () => cy.fit(undefined, 20)),
    button("PNG", "png", () => download(cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" }), "graph.png")),
    button("Picture", "picture", () => {
      svg?.classList.toggle("replaced");
    }),
    kindBoxes,
  );

  function download(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = el("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // The canvas as an investigation stores it: entities with positions and notes, relations
  // with notes, and which nodes were expanded.
  function canvasState() {
    return {
      nodes: cy.nodes().map((n) => ({
        id: n.id(),
        x: Math.round(n.position("x")),
        y: Math.round(n.position("y")),
        note: n.data("note") || undefined,
        expanded: n.data("expanded") || undefined,
      })),
      edges: cy.edges().map((e) => ({
        source: e.data("source"),
        target: e.data("target"),
        kind: e.data("kind"),
        start_date: e.data("start_date") || undefined,
        note: e.data("note") || undefined,
      })),
    };
  }
  // For the browser test and the console.
  window.ownergraph = { cy, canvas: canvasState };

  // Saving: a <template> the server renders only for a signed-in user (no form without script).
  const saveTemplate = document.getElementById("save-canvas");
  if (saveTemplate) {
    const form = saveTemplate.content.firstElementChild.cloneNode(true);
    form.addEventListener("submit", () => {
      form.querySelector('[name="canvas"]').value = JSON.stringify(canvasState());
    });
    bar.append(form);
  }

  async function load() {
    const page = await getJson(figure.dataset.explore);
    const nodes = page.nodes || [];
    const missing = nodes.filter((n) => n.x === undefined && !drawn.has(n.id));
    // Nodes the server's picture left out (the entity page draws at most 16 neighbours) go in
    // rows under it.
    const bottom = Math.max(0, ...[...drawn.values()].map((p) => p.y));
    const spare = new Map(missing.map((n, i) => [n.id, { x: 100 + (i % 6) * 190, y: bottom + 110 + Math.floor(i / 6) * 80 }]));
    nodes.forEach((n, i) => {
      const at = n.x !== undefined ? { x: n.x, y: n.y } : drawn.get(n.id) || spare.get(n.id);
      addNode({ ...n, start: n.start ?? i === 0, more: n.more ?? (i === 0 ? page.omitted : 0) }, at, n.added_by || "");
    });
    // A graph page's first node is the entity whose neighbours it shows: already expanded.
    if (nodes[0] && nodes[0].expanded === undefined) {
      cy.getElementById(nodes[0].id).data("expanded", true);
      relabel(cy.getElementById(nodes[0].id));
    }
    for (const e of page.edges || []) addEdge(e, "");
    refreshKinds();
    if (missing.length === nodes.length && nodes.length > 1) {
      cy.layout({ name: "dagre", rankDir: "TB", animate: false }).run();
    }
    cy.fit(undefined, 20);
    root.dataset.ready = "true";
    const hops = cy.edges("[?on_path]").length;
    status.textContent = `${cy.nodes().length} entities, ${cy.edges().length} relations on the canvas${
      page.path ? `; the path ${page.path.join(" → ")} highlighted (${hops} relation${hops === 1 ? "" : "s"})` : ""
    }.`;
  }
  load().catch(fail);
})();
