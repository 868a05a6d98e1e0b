// Watchlists in a real browser, run by explorer.mjs with a page signed in as an admin: save a
// counterparty file as a watchlist through the form, import the Entity List case's next
// release through the import form (SASAC put on the SDN list: a hypothetical listing written
// here), and see the alert on /watchlists/{name}: CETC, wholly owned by SASAC, now blocked,
// with the chain to SASAC.
import assert from "node:assert/strict";
import { copyFileSync, appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const step = (name) => console.log(`browser: ${name}`);

export async function watchlists(page, base, outDir, work) {
  step("watchlists: save a counterparty file as a watchlist");
  const suppliers = join(work, "suppliers.csv");
  writeFileSync(suppliers, "name,country\nChina Electronics Technology Group Corporation,CN\nZzyzx Quarry Supplies of Nowhere,US\n");
  await page.goto(base + "/watchlists");
  const form = page.locator("form#new-watchlist");
  await form.locator('[name="name"]').fill("browser-suppliers");
  await form.locator('input[name="file"]').setInputFiles(suppliers);
  await form.locator('[name="regime"]').selectOption("ofac");
  await Promise.all([page.waitForURL(/\/watchlists$/), form.locator('[type="submit"]').click()]);
  const saved = await page.locator("main").innerText();
  assert.match(saved, /Watchlist browser-suppliers/);
  assert.match(saved, /not_blocked/, "CETC is not blocked before the release");
  assert.match(saved, /No alerts yet/);

  step("watchlists: the next release lists CETC's owner, imported through the form");
  const release = join(work, "release");
  mkdirSync(release, { recursive: true });
  for (const name of ["entities.csv", "relations.csv", "listings.csv"]) {
    copyFileSync(resolve("data/entity-list-2019", name), join(release, name));
  }
  appendFileSync(
    join(release, "listings.csv"),
    "sasac,SDN List,US Department of the Treasury (OFAC),TEST,2020-01-01,,browser test fixture: not a real listing,,,H\n",
  );
  await page.goto(base + "/import");
  const upload = page.locator('form[action="/import"]');
  await upload.locator('[name="format"]').selectOption("csv");
  await upload.locator('input[name="entities"]').setInputFiles(join(release, "entities.csv"));
  await upload.locator('input[name="relations"]').setInputFiles(join(release, "relations.csv"));
  await upload.locator('input[name="listings"]').setInputFiles(join(release, "listings.csv"));
  await upload.locator('[name="dataset"]').fill("entity-list-2019");
  await upload.locator('[name="as_of"]').fill("");
  await upload.locator('[name="partial"]').check();
  await Promise.all([page.waitForURL(/\/import$/), upload.locator('[type="submit"]').click()]);
  assert.match(await page.locator("main").innerText(), /Imported/);

  step("watchlists: the alert is on the watchlist's page");
  const deadline = Date.now() + 60_000;
  let text = "";
  while (Date.now() < deadline) {
    await page.goto(base + "/watchlists/browser-suppliers");
    text = await page.locator("main").innerText();
    if (/status changed/.test(text)) break;
    await page.waitForTimeout(500);
  }
  assert.match(text, /status changed/, "an alert appears after the import");
  assert.match(text, /not_blocked → blocked/);
  assert.ok((await page.locator('table.alerts a[href="/entities/sasac"]').count()) >= 1, "the evidence links to SASAC");
  await page.screenshot({ path: join(outDir, "watchlist.png"), fullPage: true });
}
