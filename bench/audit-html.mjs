// HTML report at scale: seed a local store with 100,000 keys (bench:audit's store), write `keyplan audit --format html`
// and open it from the file in headless chromium. Reports the file's size, the time to write it, and in the browser
// the time to first paint, to the script's table being ready (the whole file parsed) and to sort and filter the
// table. The paint's floor: the same browser painting a file of as many bytes of plain text.
// Run after `npm run build`: npm run bench:audit-html [-- KEY_COUNT]   (chromium: CHROMIUM_PATH or /usr/bin/chromium)
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';
import { KeyStore } from '../dist/store/sqlite/key-store.js';
import { auditBenchYaml, seedAuditStoreFile } from './audit-config.mjs';
import { runNode, summary } from './lib.mjs';

const KEY_COUNT = Number(process.argv[2] ?? 100_000);
const DECLARED = Math.min(2_000, KEY_COUNT);
const BIN = fileURLToPath(new URL('../bin/keyplan.js', import.meta.url));

/** first-contentful-paint of the page now loading, in ms from navigation start. */
const FIRST_PAINT = `new Promise((resolve) => {
  const seen = performance.getEntriesByName('first-contentful-paint')[0];
  if (seen) return resolve(seen.startTime);
  new PerformanceObserver((list) => { const entry = list.getEntriesByName('first-contentful-paint')[0]; if (entry) resolve(entry.startTime); }).observe({ type: 'paint', buffered: true });
})`;

async function measurePage(browser, file, { table }) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => message.type() === 'error' && errors.push(message.text()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 600_000 });
  const paintMs = await page.evaluate(FIRST_PAINT);
  const result = { paintMs, loadMs: await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd) };
  if (table) {
    await page.waitForFunction('document.getElementById("table-status").textContent !== ""', { timeout: 600_000 });
    result.readyMs = await page.evaluate('performance.now()');
    const sortStart = await page.evaluate('performance.now()');
    await page.click('table.keys thead th:nth-child(6) button');
    await page.waitForFunction('document.querySelector("table.keys thead th:nth-child(6)").getAttribute("aria-sort") === "ascending"', { timeout: 600_000 });
    result.sortMs = (await page.evaluate('performance.now()')) - sortStart;
    const filterStart = await page.evaluate('performance.now()');
    await page.select('#filter-severity', 'error');
    await page.waitForFunction('document.getElementById("table-status").textContent.includes("matching")', { timeout: 600_000 });
    result.filterMs = (await page.evaluate('performance.now()')) - filterStart;
    result.status = await page.evaluate('document.getElementById("table-status").textContent');
  }
  await page.close();
  if (errors.length > 0) throw new Error(`${file}: ${errors.join('; ')}`);
  return result;
}

const dir = await mkdtemp(join(tmpdir(), 'keyplan-bench-audit-html-'));
let browser;
try {
  const db = join(dir, 'keys.db');
  seedAuditStoreFile(KeyStore, db, { count: KEY_COUNT, declared: DECLARED, now: Date.now() });
  await writeFile(join(dir, 'keys.yaml'), auditBenchYaml(db, DECLARED));
  const run = await runNode([BIN, 'audit', '--format', 'html', '-c', join(dir, 'keys.yaml')], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdout: 'pipe', okCodes: [0, 2] });
  const report = join(dir, 'audit.html');
  await writeFile(report, run.stdout);
  const bytes = (await stat(report)).size;
  const floor = join(dir, 'floor.html');
  const line = 'key_00000 bench key 00000 READONLY team 2026-01-01 3 months ago never declared stale\n';
  await writeFile(floor, `<!doctype html><meta charset="utf-8"><title>floor</title><pre>${line.repeat(Math.ceil(bytes / line.length))}</pre>`);

  const args = ['--disable-gpu', '--disable-dev-shm-usage', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])];
  browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args, protocolTimeout: 600_000 });
  const html = await measurePage(browser, report, { table: true });
  const plain = await measurePage(browser, floor, { table: false });
  console.log(`audit --format html: ${KEY_COUNT} keys, ${(bytes / 1e6).toFixed(1)} MB (${Math.round(bytes / KEY_COUNT)} bytes a key), written in ${(run.ms / 1000).toFixed(2)} s (cpu ${(run.cpuMs / 1000).toFixed(2)} s, peak RSS ${Math.round(run.maxRssKb / 1024)} MiB)`);
  console.log(`in chromium: table ready (file parsed, script run) after ${(html.readyMs / 1000).toFixed(2)} s; sort by last use ${Math.round(html.sortMs)} ms; filter errors ${Math.round(html.filterMs)} ms (${html.status})`);
  summary({ name: `audit html ${KEY_COUNT} keys first paint`, value: html.paintMs / 1000, unit: 's', floor: plain.paintMs / 1000, floorWhat: 'chromium painting as many bytes of plain text', aim: 2 });
  summary({ name: `audit html ${KEY_COUNT} keys load`, value: html.loadMs / 1000, unit: 's', floor: plain.loadMs / 1000, floorWhat: 'chromium loading as many bytes of plain text' });
} finally {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
}
