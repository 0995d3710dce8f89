/**
 * The browser tests run on any machine: the system Chromium when PATH has one, otherwise the one
 * the npm package @sparticuz/chromium ships (never a download). This drives the npm-shipped one
 * for real, whatever this machine has.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { launchBrowser } from '../../testkit/browser';
import { chooseChromium } from '../../testkit/chromium';

jest.setTimeout(60000);

describe('choosing the Chromium for the browser tests', () => {
  it('prefers a chromium on PATH', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-chromium-'));
    try {
      fs.writeFileSync(path.join(dir, 'chromium'), '#!/bin/sh\n', { mode: 0o755 });
      expect(chooseChromium({ PATH: dir })).toEqual({ path: path.join(dir, 'chromium'), source: 'system' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('falls back to the npm-shipped binary when PATH has none, and that binary renders a page', async () => {
    const choice = chooseChromium({ PATH: '/nonexistent' });
    expect(choice.source).toBe('npm');
    expect(choice.path).toContain(`${path.sep}node_modules${path.sep}.cache${path.sep}`);
    expect(chooseChromium({ PATH: process.env.PATH, TEST_CHROMIUM: 'npm' })).toEqual(choice);

    const browser = await launchBrowser(choice);
    try {
      const page = await browser.newPage();
      await page.setContent('<label for="n">Name</label><input id="n">');
      await page.keyboard.press('Tab');
      await page.keyboard.type('Ada');
      expect(await page.inputValue('#n')).toBe('Ada');
    } finally {
      await browser.close();
    }
  });

  it('TEST_CHROMIUM names a binary, and a wrong one is a clear error', () => {
    expect(() => chooseChromium({ TEST_CHROMIUM: '/nonexistent/chrome' })).toThrow(
      'TEST_CHROMIUM=/nonexistent/chrome: no such file',
    );
  });
});
