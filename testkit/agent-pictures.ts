/**
 * The guides' pictures of the agent's side: the HTML that testkit/uikit-preview.ts drew from the
 * real app's blocks is opened in Chromium, checked to show every text of those blocks (and the
 * frame that says it is a rendering), and screenshotted into a ScreenshotFolder.
 */
import type { Browser } from 'playwright-core';

import type { ScreenshotFolder } from './screenshots';
import { blockTexts } from './uikit-preview';

/** What a person reads, compared without markdown marks and spacing. */
function normalize(text: string): string {
  return text
    .replace(/[*_`~]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Throws naming the texts of `blocks` the drawing does not show. */
export async function drawPicture(
  browser: Browser,
  screenshots: ScreenshotFolder,
  name: string,
  html: string,
  blocks: unknown[],
  width = 1100,
): Promise<void> {
  const context = await browser.newContext({ viewport: { width, height: 400 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    await page.setContent(html);
    const shown = normalize(await page.locator('body').innerText());
    if (!/^Rendering, not a screenshot of Rocket\.Chat\./.test(shown)) {
      throw new Error(`${name}: the drawing does not say it is a rendering`);
    }
    const missing = blockTexts(blocks).filter((text) => !shown.includes(normalize(text)));
    if (missing.length > 0) {
      throw new Error(`${name} does not show: ${JSON.stringify(missing)}`);
    }
    await screenshots.take(page, name);
  } finally {
    await context.close();
  }
}
