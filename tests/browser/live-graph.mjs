// The live graph and investigations in a real browser, run by explorer.mjs with a page
// already signed in: expand a node in place, hide a relation kind and show it again, drag a
// node, note it, save the canvas as an investigation, reopen it with the same positions,
// export it as SVG and FtM; open a path of the paths page in the live graph, highlighted, and
// expand and collapse a node of it; then, with JavaScript off, the graph page is the server's
// SVG and its links, as without the live graph, and a path still shows highlighted.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const step = (name) => console.log(`browser: ${name}`);

/** Where node `id` is drawn on the page, in page pixels. */
async function onScreen(page, id) {
  const box = await page.locator(".explore-canvas").boundingBox();
  const at = await page.evaluate((id) => window.ownergraph.cy.getElementById(id).renderedPosition(), id);
  return { x: box.x + at.x, y: box.y + at.y };
}

const positions = (page) =>
  page.evaluate(() => Object.fromEntries(window.ownergraph.canvas().nodes.map((n) => [n.id, [n.x, n.y]])));

export async function liveGraph(browser, page, base, outDir) {
  step("live graph: the graph page becomes a canvas holding the drawn nodes");
  await page.goto(base + "/entities/hikvision/graph");
  await page.locator(".explore[data-ready]").waitFor({ timeout: 20_000 });
  assert.equal(await page.locator("figure.graph svg").isHidden(), true, "the SVG gives way to the canvas");
  const before = await positions(page);
  assert.deepEqual(Object.keys(before).sort(), ["cetc", "cethik", "gong-hongjia", "hikvision"]);

  step("live graph: double-click CETC to expand it in place");
  const cetc = await onScreen(page, "cetc");
  await page.mouse.dblclick(cetc.x, cetc.y);
  await page.waitForFunction(() => window.ownergraph.cy.getElementById("sasac").nonempty(), null, { timeout: 10_000 });
  const expanded = await positions(page);
  assert.ok("sasac" in expanded, "SASAC, CETC's owner, appears");
  assert.deepEqual(expanded.cethik, before.cethik, "nodes already there stay where they were");
  assert.match(await page.locator(".explore-status").innerText(), /CETC|China Electronics Technology Group/);
  assert.match(await page.locator(".explore-panel").innerText(), /Collapse/, "the panel offers to collapse it");
  await page.locator(".explore-panel .verdict").waitFor({ timeout: 10_000 });

  step("live graph: untick a relation kind to hide it, tick it to show it again");
  const kindBox = page.locator('.explore-kinds input[data-kind="owns"]');
  // Every owns relation drawn (or hidden), waited for: the canvas redraws on its own frame.
  const owns = (shown) =>
    page
      .waitForFunction(
        (shown) => {
          const edges = window.ownergraph.cy.edges('[kind = "owns"]');
          return edges.length >= 3 && edges.every((e) => e.visible() === shown && e.hasClass("hidden-kind") !== shown);
        },
        shown,
        { timeout: 10_000 },
      )
      .catch(async (error) => {
        const state = await page.evaluate(() =>
          window.ownergraph.cy.edges().map((e) => `${e.id()} ${e.data("kind")} visible=${e.visible()} classes=${e.classes()}`),
        );
        throw new Error(`owns relations ${shown ? "shown" : "hidden"}? ${error.message}\n${state.join("\n")}`);
      });
  await owns(true);
  await kindBox.uncheck();
  await owns(false);
  await kindBox.check();
  await owns(true);

  step("live graph: drag SASAC and note it");
  const sasac = await onScreen(page, "sasac");
  await page.mouse.move(sasac.x, sasac.y);
  await page.mouse.down();
  await page.mouse.move(sasac.x + 60, sasac.y + 40, { steps: 8 });
  await page.mouse.move(sasac.x + 120, sasac.y + 80, { steps: 8 });
  await page.mouse.up();
  const dragged = await positions(page);
  assert.notDeepEqual(dragged.sasac, expanded.sasac, "SASAC moved");
  assert.deepEqual(dragged.cetc, expanded.cetc, "only SASAC moved");
  const moved = await onScreen(page, "sasac");
  await page.mouse.click(moved.x, moved.y);
  await page.locator(".explore-panel h3", { hasText: "State-owned Assets" }).waitFor();
  await page.locator(".explore-panel textarea[name=note]").fill("State owner of CETC: check the 2019 annual report");
  await page.locator(".explore").screenshot({ path: join(outDir, "live-graph.png") });

  step("investigation: save the canvas");
  await page.locator('form.save-canvas [name="name"]').fill("CETC and Hikvision");
  await Promise.all([page.waitForURL(/\/investigations\/\d+$/), page.locator('form.save-canvas [type="submit"]').click()]);
  const url = page.url();
  await page.locator(".explore[data-ready]").waitFor({ timeout: 20_000 });
  const text = await page.locator("main").innerText();
  assert.match(text, /CETC and Hikvision/);
  assert.match(text, /State owner of CETC: check the 2019 annual report/, "the note is kept");
  assert.match(text, /No listing or relation of these 5 entities has changed/);

  step("investigation: reopened, the nodes are where they were left");
  await page.goto(url);
  await page.locator(".explore[data-ready]").waitFor({ timeout: 20_000 });
  assert.deepEqual(await positions(page), dragged, "same entities at the same positions");
  const twin = await (await page.request.get(url + ".json")).json();
  assert.equal(twin.investigation.name, "CETC and Hikvision");
  assert.equal(twin.nodes.find((n) => n.id === "sasac").note, "State owner of CETC: check the 2019 annual report");
  await page.locator("article.investigation").screenshot({ path: join(outDir, "investigation.png") });

  step("investigation: export SVG and FtM");
  for (const [format, check] of [
    ["svg", (body) => body.startsWith("<svg") && body.includes("State-owned Assets Supervision")],
    ["ftm", (body) => body.split("\n").some((l) => l.includes('"id":"sasac"')) && body.includes('"schema":"Ownership"')],
  ]) {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator(`a[href$="export?format=${format}"]`).click(),
    ]);
    const body = readFileSync(await download.path(), "utf8");
    assert.ok(check(body), `${format} export: ${body.slice(0, 300)}`);
  }

  step("paths: a path found opens in the live graph with its entities and relations highlighted");
  await page.goto(base + "/paths?from=aksu-psb&to=urumqi-psb");
  await Promise.all([
    page.waitForURL(/\/entities\/aksu-psb\/graph\?.*path=/),
    page.locator("a.path-graph").first().click(),
  ]);
  await page.locator(".explore[data-ready]").waitFor({ timeout: 20_000 });
  const highlighted = () =>
    page.evaluate(() => {
      const cy = window.ownergraph.cy;
      return {
        nodes: cy.nodes("[?on_path]").map((n) => n.id()).sort(),
        edges: cy.edges("[?on_path]").map((e) => `${e.data("source")} ${e.data("kind")} ${e.data("target")}`).sort(),
        colours: cy.edges("[?on_path]").map((e) => e.style("line-color")),
        others: cy.edges("[!on_path]").map((e) => e.style("line-color")),
        count: cy.nodes().length,
      };
    });
  const path = await highlighted();
  assert.deepEqual(path.nodes, ["aksu-psb", "urumqi-psb", "xuar-psb"]);
  assert.deepEqual(path.edges, ["aksu-psb subordinate_of xuar-psb", "urumqi-psb subordinate_of xuar-psb"]);
  assert.ok(path.colours.every((c) => c === "rgb(29,95,168)"), `path relations drawn blue: ${path.colours}`);
  assert.ok(path.others.every((c) => c !== "rgb(29,95,168)"), `other relations are not: ${path.others}`);
  assert.match(await page.locator(".explore-status").innerText(), /aksu-psb → xuar-psb → urumqi-psb highlighted \(2 relations\)/);

  await page.locator(".explore").screenshot({ path: join(outDir, "path-graph.png") });

  step("live graph: expand the regional bureau of the path, then collapse it");
  const xuar = await onScreen(page, "xuar-psb");
  await page.mouse.dblclick(xuar.x, xuar.y);
  await page.waitForFunction((n) => window.ownergraph.cy.nodes().length > n, path.count, { timeout: 10_000 });
  const grown = await highlighted();
  assert.ok(grown.nodes.length === 3 && grown.count > path.count, `expanded: ${path.count} → ${grown.count} nodes`);
  assert.ok(grown.others.length > 0, "the expansion added relations off the path");
  assert.ok(grown.others.every((c) => c !== "rgb(29,95,168)"), `which are not highlighted: ${grown.others}`);
  await page.locator('.explore-panel [data-action="expand"]', { hasText: "Collapse" }).click();
  await page.waitForFunction((n) => window.ownergraph.cy.nodes().length === n, path.count, { timeout: 10_000 });
  assert.match(await page.locator(".explore-status").innerText(), new RegExp(`collapsed, ${grown.count - path.count} nodes removed`));
  assert.deepEqual(await highlighted(), path, "collapsed: the canvas as it was, the path still highlighted");

  step("without JavaScript the graph page is the server's SVG and its links");
  const plain = await browser.newContext({ javaScriptEnabled: false });
  const still = await plain.newPage();
  await still.goto(base + "/entities/hikvision/graph");
  assert.equal(await still.locator(".explore").count(), 0, "no canvas");
  assert.equal(await still.locator("figure.graph svg").isVisible(), true, "the SVG is the picture");
  assert.ok((await still.locator('figure.graph svg a[href="/entities/cethik"]').count()) >= 1, "its nodes link");
  assert.equal(await still.locator("form.save-canvas").count(), 0, "no save form without script");
  await still.goto(base + "/paths?from=aksu-psb&to=urumqi-psb");
  await Promise.all([still.waitForURL(/path=/), still.locator("a.path-graph").first().click()]);
  assert.equal(await still.locator("figure.graph svg g.edge.on-path").count(), 2, "the path's relations highlighted in the SVG");
  assert.equal(await still.locator("figure.graph svg g.node.on-path").count(), 3);
  await plain.close();
}
