// Measures embed cards in headless Chromium (Debian's): the height of each card's whole page at
// each width, for tests/test_embed_card.py to compare with the height of its iframe snippet.
//
// Usage: node tests/browser/embed_heights.mjs CONFIG.json
// CONFIG: {"site": "/path/site", "cards": ["embed/indicators/x/"], "widths": [320, 640],
//          "chromium": "/usr/bin/chromium", "out": "/path/heights.json"}
// Out: {"embed/indicators/x/": {"320": 1064, "640": 1011}, ...}

import fs from 'node:fs';
import { chromium } from 'playwright-core';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const browser = await chromium.launch({
  executablePath: config.chromium || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const out = {};
try {
  for (const width of config.widths) {
    const page = await browser.newPage({ viewport: { width, height: 600 } });
    for (const card of config.cards) {
      await page.goto(`file://${config.site}/${card}index.html`, { waitUntil: 'load' });
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      (out[card] ??= {})[width] = height;
    }
    await page.close();
  }
} finally {
  await browser.close();
}
fs.writeFileSync(config.out, JSON.stringify(out));
