import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadlessBrowser, type BrowserPage } from './helpers/browser.js';
import { describeRun } from './helpers/cli.js';
import { httpProvider } from './helpers/keys-yaml.js';
import { E2eWorkspace } from './helpers/workspace.js';

const MANAGED = { 'managed-by': 'keyplan' };
/** A description that would run script if the report did not escape it. */
const HOSTILE = '<img src=x onerror="document.title=\'pwned\'"> & <script>document.title="pwned"</script>';

let ws: E2eWorkspace;
let browser: HeadlessBrowser;
/** The report as of 100 days from now (stale, never used, expired keys) and as of now (expiries ahead). */
let lateReport: string;
let todayReport: string;

beforeAll(async () => {
  ws = await E2eWorkspace.create('keyplan-audit-html-');
  const service = await ws.startKeyService();
  await ws.writeKeysYaml({
    providers: { svc: httpProvider(service.url, 'AUDIT_TOKEN') },
    keys: [
      { name: 'Billing_Reader', description: 'Reads invoices', roles: ['READONLY'], owner: 'team-billing' },
      { name: 'Idle_Reader', description: 'Nobody uses this', roles: ['READONLY'] },
      { name: 'Deployer', description: 'Deploys', roles: ['ADMIN'], expires: '30d' },
    ],
  });
  const billing = await service.createKey('Billing_Reader', ['READONLY'], { description: 'Reads invoices', metadata: { ...MANAGED, 'keyplan-owner': 'team-billing' } });
  await service.createKey('Idle_Reader', ['READONLY'], { description: 'Nobody uses this', metadata: MANAGED });
  await service.createKey('Deployer', ['ADMIN'], { description: 'Deploys', expires_in: '30d', metadata: MANAGED });
  const manual = await service.createKey('hand-made', ['READONLY'], { description: HOSTILE });
  await service.useKey(billing.secret);
  await service.useKey(manual.secret);
  const env = { AUDIT_TOKEN: service.adminKey };
  const late = await ws.run(['audit', '--format', 'html', '--as-of', '+100d'], { env });
  expect(late.exitCode, describeRun(late)).toBe(2);
  const today = await ws.run(['audit', '--format', 'html'], { env });
  expect(today.exitCode, describeRun(today)).toBe(0);
  lateReport = await ws.writeFile('late.html', late.stdout);
  todayReport = await ws.writeFile('today.html', today.stdout);
  for (const file of ['late.html', 'today.html']) ws.secrets.record(file, await ws.readFile(file));
  browser = await HeadlessBrowser.launch();
});

afterAll(async () => {
  await browser?.close();
  await ws?.dispose();
});

async function open(file: string, options: Parameters<HeadlessBrowser['open']>[1] = {}): Promise<BrowserPage> {
  return browser.open(pathToFileURL(file).href, options);
}

const NAMES = 'table.keys tbody tr .n';

describe('keyplan audit --format html, opened from a file in a real browser', () => {
  it('is one self-contained file: nothing fetched but itself, a policy that allows nothing else, no console errors', async () => {
    const page = await open(lateReport);
    expect(page.requests).toEqual([pathToFileURL(lateReport).href]);
    const html = await ws.readFile('late.html');
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(policy).toMatch(/^default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+';/);
    expect(html).not.toContain('unsafe-inline');
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    expect(await page.text('#table-status')).toBe('Showing 4 of 4 matching (4 keys in all).');
    expect(await page.screenshot(ws.path('report-light.png'))).toBeGreaterThan(8);
    page.assertNoProblems();
  });

  it('reads without JavaScript: every key in the table, "Never" for the unused ones, errors first', async () => {
    const page = await open(lateReport, { javaScript: false });
    expect(await page.texts(NAMES)).toEqual(['Deployer', 'hand-made', 'Billing_Reader', 'Idle_Reader']);
    const idle = await page.texts('table.keys tbody tr:nth-child(4) > *');
    expect(idle.slice(0, 2)).toEqual(['Idle_ReaderNobody uses this', 'READONLY']);
    expect(idle[5]).toBe('Never');
    expect(idle[7]).toBe('declared (keys.yaml:13)');
    expect(idle[8]).toBe('warning · never-used never used since it was created 3 months ago');
    expect(await page.evaluate<boolean>('document.getElementById("controls").hidden')).toBe(true);
    expect(await page.texts('#findings-h ~ h3')).toEqual(['Errors: 2 findings', 'Warnings: 4 findings']);
    expect(await page.screenshot(ws.path('report-no-js.png'))).toBeGreaterThan(8);
    page.assertNoProblems();
  });

  it('sorts by a column, both ways, and says so to screen readers', async () => {
    const page = await open(lateReport);
    await page.page.click('table.keys thead th:nth-child(1) button');
    await page.waitFor('document.querySelector("table.keys thead th:nth-child(1)").getAttribute("aria-sort") === "ascending"');
    expect(await page.texts(NAMES)).toEqual(['Billing_Reader', 'Deployer', 'hand-made', 'Idle_Reader']);
    await page.page.click('table.keys thead th:nth-child(1) button');
    await page.waitFor('document.querySelector("table.keys thead th:nth-child(1)").getAttribute("aria-sort") === "descending"');
    expect(await page.texts(NAMES)).toEqual(['Idle_Reader', 'hand-made', 'Deployer', 'Billing_Reader']);
    // Last use: the keys never used first (in their listed order), then the longest unused.
    await page.page.click('table.keys thead th:nth-child(6) button');
    await page.waitFor('document.querySelector("table.keys thead th:nth-child(6)").getAttribute("aria-sort") === "ascending"');
    const byLastUse = await page.texts(NAMES);
    expect(byLastUse.slice(0, 2)).toEqual(['Deployer', 'Idle_Reader']);
    expect(byLastUse.slice(2).sort()).toEqual(['Billing_Reader', 'hand-made']);
    expect(await page.evaluate<number>('document.querySelectorAll("table.keys thead th[aria-sort]").length')).toBe(1);
    page.assertNoProblems();
  });

  it('filters by text, by severity and by finding kind; a finding kind in the summary filters the table', async () => {
    const page = await open(lateReport);
    await page.page.type('#filter-text', 'BILLING');
    await page.waitFor('document.getElementById("table-status").textContent.startsWith("Showing 1 of 1 ")');
    expect(await page.texts(NAMES)).toEqual(['Billing_Reader']);
    await page.page.$eval('#filter-text', (input) => ((input as unknown as { value: string }).value = ''));
    await page.page.select('#filter-severity', 'error');
    await page.waitFor('document.querySelectorAll("table.keys tbody tr").length === 1 && document.querySelector("table.keys tbody .n").textContent === "Deployer"');
    expect(await page.texts(NAMES)).toEqual(['Deployer']);
    await page.page.click('a[data-kind="never-used"]');
    await page.waitFor('document.querySelectorAll("table.keys tbody tr").length === 1 && document.querySelector("table.keys tbody tr .n").textContent === "Idle_Reader"');
    expect(await page.evaluate<string>('document.getElementById("filter-kind").value')).toBe('never-used');
    await page.page.select('#filter-kind', '');
    await page.waitFor('document.getElementById("table-status").textContent.startsWith("Showing 4 of 4 ")');
    page.assertNoProblems();
  });

  it('draws keys by time since last use and the expiries ahead', async () => {
    const late = await open(lateReport, { javaScript: false });
    expect(await late.text('#chart-use-d')).toBe('never: 2; < 7 d: 0; < 30 d: 0; < 90 d: 0; older: 2');
    expect(await late.texts('.charts figure p')).toEqual(['0 keys expiring in the next 90 days; 1 key already expired and still listed.']);
    const today = await open(todayReport, { javaScript: false });
    expect(await today.text('#chart-use-d')).toBe('never: 2; < 7 d: 2; < 30 d: 0; < 90 d: 0; older: 0');
    expect(await today.text('#chart-expiry-d')).toContain('; 28–35 d: 1;');
    expect(await today.evaluate<number>('document.querySelectorAll("#chart-expiry-t ~ rect.bar2").length')).toBe(1);
    late.assertNoProblems();
    today.assertNoProblems();
  });

  it('shows a hostile description as text, running none of it', async () => {
    const page = await open(lateReport);
    expect(await page.evaluate<string>('document.title')).toMatch(/^keyplan audit \d{4}-\d\d-\d\d$/);
    expect(await page.evaluate<number>('document.querySelectorAll("script").length')).toBe(1);
    expect(await page.evaluate<number>('document.querySelectorAll("table.keys img").length')).toBe(0);
    expect(await page.text('table.keys tbody tr:nth-child(2) .d')).toBe(HOSTILE);
    page.assertNoProblems();
  });

  it('is legible in dark and light, at 1280 px and on a phone, with headers and labels', async () => {
    const contrast = `(() => {
      const rgb = (text) => text.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
      const lum = ([r, g, b]) => { const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
      const style = getComputedStyle(document.body);
      const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
      return { background: lum(rgb(style.backgroundColor)), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
    })()`;
    const light = await open(lateReport);
    const dark = await open(lateReport, { colorScheme: 'dark' });
    const phone = await open(lateReport, { phone: true, colorScheme: 'dark' });
    const [lightColours, darkColours] = [await light.evaluate<{ background: number; ratio: number }>(contrast), await dark.evaluate<{ background: number; ratio: number }>(contrast)];
    expect(lightColours.background).toBeGreaterThan(0.9);
    expect(darkColours.background).toBeLessThan(0.05);
    expect(lightColours.ratio).toBeGreaterThan(7);
    expect(darkColours.ratio).toBeGreaterThan(7);
    expect(await light.evaluate<boolean>('document.documentElement.scrollWidth <= innerWidth')).toBe(true);
    expect(await phone.evaluate<boolean>('document.documentElement.scrollWidth <= innerWidth')).toBe(true);
    expect(await phone.evaluate<string>('getComputedStyle(document.querySelector("table.keys thead")).display')).toBe('none');
    expect(await phone.evaluate<string>('getComputedStyle(document.querySelector("table.keys tbody td"), "::before").content')).toBe('"Roles"');
    expect(await light.evaluate<string>('document.documentElement.lang')).toBe('en');
    expect(await light.evaluate<number>('document.querySelectorAll("table.keys thead th[scope=col]").length')).toBe(9);
    expect(await light.evaluate<number>('document.querySelectorAll("table.keys tbody th[scope=row]").length')).toBe(4);
    expect(await light.evaluate<string[]>('Array.from(document.querySelectorAll("#controls input, #controls select"), (c) => c.labels[0].textContent)')).toEqual([
      'Filter keys',
      'Severityall keyswith findingserrorswarnings, no errorsno findings',
      expect.stringMatching(/^Findingany kind/),
      expect.stringMatching(/^Sort byas listed/),
    ]);
    expect(await light.evaluate<string[]>('Array.from(document.querySelectorAll("svg[role=img]"), (svg) => svg.querySelector("title").textContent)')).toEqual([
      'Keys by time since last use',
      'Keys expiring in the next 90 days, by week',
    ]);
    await dark.screenshot(ws.path('report-dark.png'));
    await phone.screenshot(ws.path('report-phone.png'), { fullPage: true });
    for (const page of [light, dark, phone]) page.assertNoProblems();
  });
});
