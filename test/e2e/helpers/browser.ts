import { accessSync, constants } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import puppeteer, { type Browser, type HTTPResponse, type Page } from 'puppeteer-core';

/**
 * Debian's chromium (CI installs it when missing, see .ci/run), driven headless by puppeteer-core. CHROMIUM_PATH
 * points elsewhere; otherwise the first `chromium` / `chromium-browser` on PATH.
 */
export function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  for (const dir of (process.env.PATH ?? '/usr/bin').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  throw new Error('no chromium on PATH: install Debian\'s chromium (apt-get install chromium, as .ci/run does) or set CHROMIUM_PATH');
}

export interface OpenOptions {
  /** Default true; false loads the page as a browser with JavaScript off would. */
  javaScript?: boolean;
  colorScheme?: 'light' | 'dark';
  /** CSS pixels; default 1280 × 900. */
  width?: number;
  height?: number;
  /** Touch, a device scale factor of 2 and a phone's width (390 px) unless `width` is given. */
  phone?: boolean;
}

/**
 * One page of the browser, and everything that went wrong on it: console errors and warnings, uncaught page
 * errors, failed requests and HTTP answers of 400 and up. A test that expects some (a refused sign-in answers
 * 401) takes them with `takeProblems`; `assertNoProblems` fails on any other.
 */
export class BrowserPage {
  readonly requests: string[] = [];
  #problems: string[] = [];

  constructor(readonly page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn') this.#problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.#problems.push(`page error: ${error instanceof Error ? error.message : String(error)}`));
    page.on('request', (request) => this.requests.push(request.url()));
    page.on('requestfailed', (request) => this.#problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ''}`));
    page.on('response', (response: HTTPResponse) => {
      if (response.status() >= 400) this.#problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
    });
  }

  /** The problems seen so far, forgotten (so the next check starts clean). */
  takeProblems(): string[] {
    return this.#problems.splice(0);
  }

  assertNoProblems(): void {
    const problems = this.takeProblems();
    if (problems.length > 0) throw new Error(`the page had problems:\n  ${problems.join('\n  ')}`);
  }

  /**
   * Runs a JavaScript expression in the page and returns its (JSON) value. Written as text, not a function: the
   * tests compile without the DOM's types, and what runs in the browser reads as what it is.
   */
  evaluate<T>(expression: string): Promise<T> {
    return this.page.evaluate(expression) as Promise<T>;
  }

  /** The text of the first element matching `selector` (trimmed), or undefined. */
  text(selector: string): Promise<string | undefined> {
    return this.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent.trim()`);
  }

  /** The texts of every element matching `selector`, trimmed. */
  texts(selector: string): Promise<string[]> {
    return this.evaluate(`Array.from(document.querySelectorAll(${JSON.stringify(selector)}), (element) => element.textContent.trim())`);
  }

  /** Waits until the expression is true in the page (after a click, a typed filter, a navigation). */
  async waitFor(expression: string): Promise<void> {
    await this.page.waitForFunction(expression, { polling: 'mutation' });
  }

  /**
   * A PNG of the viewport (or the whole page) written to `path`, checked for a real render: the browser decodes it again and counts its
   * colours; a blank page (one colour, or nearly) fails. Returns the number of distinct colours sampled.
   */
  async screenshot(path: string, options: { fullPage?: boolean } = {}): Promise<number> {
    const png = await this.page.screenshot({ type: 'png', fullPage: options.fullPage ?? false });
    await writeFile(path, png);
    const { colours, dominant } = await colourCount(this.page.browser(), Buffer.from(png));
    if (colours < 8 || dominant > 0.985) throw new Error(`screenshot ${path} looks blank: ${colours} colours, the commonest covers ${(dominant * 100).toFixed(1)}%`);
    return colours;
  }
}

/** Decodes a PNG in a blank tab (a canvas) and counts its colours over a sample of pixels. */
async function colourCount(browser: Browser, png: Buffer): Promise<{ colours: number; dominant: number }> {
  const tab = await browser.newPage();
  try {
    const dataUrl = `data:image/png;base64,${png.toString('base64')}`;
    return (await tab.evaluate(`(async () => {
      const image = new Image();
      image.src = ${JSON.stringify(dataUrl)};
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      const data = context.getImageData(0, 0, image.width, image.height).data;
      const counts = new Map();
      let sampled = 0;
      for (let i = 0; i < data.length; i += 4 * 7) {
        const colour = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
        counts.set(colour, (counts.get(colour) || 0) + 1);
        sampled += 1;
      }
      return { colours: counts.size, dominant: Math.max(...counts.values()) / sampled };
    })()`)) as { colours: number; dominant: number };
  } finally {
    await tab.close();
  }
}

/** A headless chromium for one test file: `const browser = await HeadlessBrowser.launch()`, `await browser.close()` after. */
export class HeadlessBrowser {
  private constructor(readonly browser: Browser) {}

  static async launch(): Promise<HeadlessBrowser> {
    const args = ['--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check', '--disable-extensions'];
    // Chromium's sandbox needs user namespaces a container's root seldom has.
    if (process.getuid?.() === 0) args.push('--no-sandbox');
    const browser = await puppeteer.launch({ executablePath: chromiumPath(), headless: true, args, protocolTimeout: 180_000, timeout: 120_000 });
    return new HeadlessBrowser(browser);
  }

  /** A new page in its own browser context (no cookies shared with other pages), not yet navigated. */
  async newPage(options: OpenOptions = {}): Promise<BrowserPage> {
    const context = await this.browser.createBrowserContext();
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    page.setDefaultNavigationTimeout(120_000);
    const phone = options.phone ?? false;
    await page.setViewport({ width: options.width ?? (phone ? 390 : 1280), height: options.height ?? (phone ? 844 : 900), deviceScaleFactor: phone ? 2 : 1, isMobile: phone, hasTouch: phone });
    await page.setJavaScriptEnabled(options.javaScript ?? true);
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: options.colorScheme ?? 'light' }]);
    return new BrowserPage(page);
  }

  /** newPage, then `url` loaded (up to the load event). */
  async open(url: string, options: OpenOptions = {}): Promise<BrowserPage> {
    const page = await this.newPage(options);
    await page.page.goto(url, { waitUntil: 'load' });
    return page;
  }

  close(): Promise<void> {
    return this.browser.close();
  }
}
