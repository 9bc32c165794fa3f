// Opens a report in the real headless Chromium (Debian's package) through playwright-core: console errors,
// section contents and a full-page screenshot.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env['LAB_CHROMIUM'] ?? '/usr/bin/chromium';

export interface RenderedReport {
  consoleErrors: string[];
  /** Per section id: visible text length and element counts the assertions need. */
  sections: Record<string, { text: number; canvases: number; rows: number; rects: number }>;
  walkItems: number;
}

export async function renderReport(file: string, screenshot: string): Promise<RenderedReport> {
  const profile = mkdtempSync(join(tmpdir(), 'lab-chromium-'));
  // A fresh profile directory per run (--user-data-dir, which playwright passes for a persistent context).
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    timeout: 30_000,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => consoleErrors.push(`request failed: ${request.url()}`));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 30_000 });
    await page.waitForTimeout(300);
    // A string, evaluated in the page: this package type-checks without the DOM library.
    const sections = (await page.evaluate(`(() => {
      const result = {};
      for (const section of document.querySelectorAll('main section')) {
        const content = section.querySelector('.body, .charts');
        result[section.id] = {
          text: (content ? content.innerText : '').trim().length,
          canvases: section.querySelectorAll('canvas').length,
          rows: section.querySelectorAll('.wf-row, tbody tr').length,
          rects: section.querySelectorAll('svg rect').length,
        };
      }
      return result;
    })()`)) as RenderedReport['sections'];
    const walkItems = await page.locator('#walk li').count();
    await page.screenshot({ path: screenshot, fullPage: true });
    return { consoleErrors, sections, walkItems };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
