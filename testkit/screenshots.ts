/**
 * The guides' screenshots, for both test trees: with UPDATE_DOCS_SCREENSHOTS=1 they go to
 * docs/images/ (the guides link them there); otherwise to a temporary folder that `cleanUp()`
 * removes, so a normal run leaves the repository untouched. Each name taken is recorded, so a suite
 * can check that it took every picture its guide shows.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import type { Page } from 'playwright-core';

const DOCS = path.resolve(__dirname, '..', 'docs');

/** Where the guides' pictures live in the repository. */
export const DOCS_IMAGES = path.join(DOCS, 'images');

export class ScreenshotFolder {
  readonly updatesDocs = process.env.UPDATE_DOCS_SCREENSHOTS === '1';
  readonly dir: string;
  /** The names taken so far, in order. */
  readonly taken: string[] = [];

  /** `tempPrefix` names the temporary folder of a normal run. */
  constructor(tempPrefix: string) {
    this.dir = this.updatesDocs ? DOCS_IMAGES : fs.mkdtempSync(path.join(os.tmpdir(), tempPrefix));
  }

  /** A full-page screenshot with animations stopped (and the text caret hidden if asked); returns its path. */
  async take(page: Page, name: string, options: { hideCaret?: boolean } = {}): Promise<string> {
    const file = path.join(this.dir, name);
    await page.screenshot({
      path: file,
      fullPage: true,
      animations: 'disabled',
      ...(options.hideCaret ? { caret: 'hide' as const } : {}),
    });
    this.taken.push(name);
    return file;
  }

  /** Removes the temporary folder; pictures written to docs/images/ stay. */
  cleanUp(): void {
    if (!this.updatesDocs) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every picture `images/<prefix>….png` that docs/<guide> links, in order, repeats included. */
export function picturesShownIn(guide: string, prefix: string): string[] {
  const text = fs.readFileSync(path.join(DOCS, guide), 'utf8');
  return Array.from(text.matchAll(new RegExp(`\\]\\(images/(${prefix}[^)]+\\.png)\\)`, 'g')), (m) => m[1]);
}
