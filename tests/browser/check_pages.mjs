// Checks every page of a served site in one headless Chromium (Debian's), the way an auditor would:
// axe-core (WCAG 2.0/2.1/2.2 A and AA tags), reflow at 320 px, the skip link, keyboard reach, visible
// and on-screen focus at 1280 px and at 320 px, chart images with text alternatives and data
// tables, content without JavaScript, and no request leaving the local server.
//
// Usage: node tests/browser/check_pages.mjs CONFIG.json
// CONFIG: {
//   "base": "http://127.0.0.1:PORT/",     the served site
//   "pages": ["", "objectives/x/", ...],    paths relative to base (from the sitemap)
//   "axeDisabledRules": ["rule-id", ...],   from tests/browser/ignored.yaml, with their reasons there
//   "screenshots": [{"page": "...", "width": 320, "file": "/tmp/x.png"}],   optional
//   "chromium": "/usr/bin/chromium",        optional
//   "workers": 2,                           optional: pages checked at once
//   "menuPages": [""],                      optional: pages where the narrow-screen menu is tried
//   "cardPages": ["embed/indicators/x/"],   optional: pages with no site menu (an embed card),
//                                           which need no skip link: there is nothing to skip
//   "tablesFit": ["decisions/x/"],          optional: pages whose tables must fit the window at
//                                           390 and 320 px, not only scroll inside their own box
//   "out": "/path/results.json"
// }
// The result file lists every finding per page; tests/test_browser.py decides what fails.

import fs from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const base = new URL(config.base);

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // No host name resolves except the local server's: a page that tries to reach a font or CDN
  // fails here exactly as it would for a reader on a locked-down network, and we see the request.
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

// The skip link's words in the theme's languages: "Skip to content", Welsh "Neidio i'r cynnwys".
const SKIP_WORDS = /skip|neidio/i;
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

// Parts of a page that only exist when JavaScript runs (the interactive chart that enhances a
// static one, pvreport/assets/charts.js); they are left out when the text with and without
// JavaScript is compared.
const JS_ONLY = '.pv-chart-interactive, .vega-embed, [data-js-only]';

const INTERACTIVE =
  'a[href], area[href], button, input:not([type="hidden"]), select, textarea, summary, ' +
  'iframe, [tabindex], [contenteditable=""], [contenteditable="true"]';

function isExternal(url) {
  if (url.startsWith('data:') || url.startsWith('blob:') || url.startsWith('about:')) return false;
  try {
    return new URL(url).host !== base.host;
  } catch {
    return true;
  }
}

async function newPage(browser, options, externalLog) {
  const context = await browser.newContext({ ...options, serviceWorkers: 'block' });
  context.on('request', (request) => {
    if (isExternal(request.url())) externalLog.push(request.url());
  });
  return context.newPage();
}

// Runs in the page: the visible text of the article, one trimmed line per entry, without the
// parts that only JavaScript adds.
function articleLines(jsOnly) {
  const article = document.querySelector('article') || document.querySelector('main') || document.body;
  const hidden = [...article.querySelectorAll(jsOnly)];
  const saved = hidden.map((el) => el.style.display);
  hidden.forEach((el) => { el.style.display = 'none'; });
  const text = article.innerText;
  hidden.forEach((el, i) => { el.style.display = saved[i]; });
  return text.split('\n').map((line) => line.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

// Runs in the page: every chart figure must show its static image with a text alternative and
// carry the data as a real table. A chart is a figure holding an SVG image or a Vega spec.
function chartFindings() {
  const findings = [];
  const figures = [...document.querySelectorAll('figure')].filter(
    (f) => f.hasAttribute('data-vega-spec') || f.querySelector('img[src$=".svg"]'),
  );
  for (const [i, figure] of figures.entries()) {
    const where = figure.id ? `#${figure.id}` : `chart ${i + 1}`;
    const img = figure.querySelector('img');
    if (!img) {
      findings.push(`${where}: no static image`);
      continue;
    }
    const alt = (img.getAttribute('alt') || '').trim();
    if (alt.length < 10) findings.push(`${where}: the chart image has no real text alternative (alt="${alt}")`);
    if (!img.complete || img.naturalWidth === 0) findings.push(`${where}: the chart image ${img.getAttribute('src')} did not load`);
    const table = figure.querySelector('table') ||
      (figure.nextElementSibling && figure.nextElementSibling.querySelector &&
       (figure.nextElementSibling.matches('table') ? figure.nextElementSibling : figure.nextElementSibling.querySelector('table')));
    if (!table) findings.push(`${where}: no data table`);
    else if (!table.querySelector('th')) findings.push(`${where}: the data table has no header cells`);
  }
  return { count: figures.length, findings };
}

// Runs in the page before the keyboard walk: marks every element a keyboard user should reach,
// remembers how each looks unfocused, and logs each focus with how it looks then.
function prepareKeyboardWalk({ selector, restart }) {
  const look = (el) => {
    const s = getComputedStyle(el);
    return {
      outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0
        ? `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}` : 'none',
      boxShadow: s.boxShadow,
      background: s.backgroundColor,
      color: s.color,
      decoration: s.textDecorationLine,
      border: s.borderColor + ' ' + s.borderWidth,
    };
  };
  // Where the reader can see the element, scrolling as the browser does for focus: anywhere down
  // the page, but across only within the window, or within a box that scrolls sideways (a wide
  // table) that is itself within the window. An off-canvas menu fails this.
  const onScreen = (el) => {
    const b = el.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) return false;
    const height = document.documentElement.scrollHeight;
    if (b.bottom + scrollY <= 0 || b.top + scrollY >= height) return false;
    let across = b;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === 'auto' || ox === 'scroll') { across = p.getBoundingClientRect(); break; }
    }
    return across.right > 0 && across.left < innerWidth;
  };
  const candidates = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.tabIndex < 0 || el.disabled || el.closest('[inert]')) continue;
    if (!el.checkVisibility({ checkVisibilityCSS: true })) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    el.dataset.kbd = String(candidates.length);
    candidates.push({
      id: candidates.length,
      tag: el.tagName.toLowerCase(),
      text: (el.innerText || el.getAttribute('aria-label') || el.getAttribute('href') || el.name || '').trim().slice(0, 60),
      before: look(el),
    });
  }
  if (restart) {
    // A second walk (at another width) starts from the top of the page again. (Not the first:
    // from a focused body, Chromium's Tab skips elements with a positive tabindex.)
    window.scrollTo(0, 0);
    document.body.setAttribute('tabindex', '-1');
    document.body.focus();
    document.body.removeAttribute('tabindex');
  }
  window.__kbd = { candidates, log: [] };
  if (window.__kbdListening) return candidates.length;
  window.__kbdListening = true;
  document.addEventListener('focusin', (event) => {
    const el = event.target;
    window.__kbd.log.push({
      id: el.dataset ? el.dataset.kbd ?? null : null,
      tag: el.tagName ? el.tagName.toLowerCase() : String(el),
      text: ((el.innerText || el.getAttribute?.('aria-label') || '') + '').trim().slice(0, 60),
      href: el.getAttribute?.('href') ?? null,
      look: look(el),
      visibleFocus: el.matches(':focus-visible'),
      inViewport: onScreen(el),
    });
  }, true);
  return candidates.length;
}

// A walk that starts while the theme is still laying the page out again after a resize (on a
// busy machine) can meet an element that is just appearing or going, such as the search panel's
// parts; a finding counts only when a second walk of the same kind (from the top) finds it too.
// Only for walks that restart: the first walk of a page as loaded cannot be repeated as it was.
async function steadyKeyboardFindings(page, width, card = false) {
  const first = await keyboardFindings(page, width, true, card);
  if (first.findings.length === 0) return first;
  const again = await keyboardFindings(page, width, true, card);
  return { ...again, findings: again.findings.filter((m) => first.findings.includes(m)) };
}

function focusShows(before, after) {
  return (
    after.outline !== 'none' ||
    before.boxShadow !== after.boxShadow ||
    before.background !== after.background ||
    before.color !== after.color ||
    before.decoration !== after.decoration ||
    before.border !== after.border
  );
}

function countScrollers() {
  let found = 0;
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    const scrolls = (v) => v === 'auto' || v === 'scroll';
    if (
      (scrolls(style.overflowX) && el.scrollWidth > el.clientWidth) ||
      (scrolls(style.overflowY) && el.scrollHeight > el.clientHeight)
    ) {
      found += 1;
    }
  }
  return found;
}

async function keyboardFindings(page, width, restart = false, card = false) {
  const findings = [];
  const total = await page.evaluate(prepareKeyboardWalk, { selector: INTERACTIVE, restart });
  // Chromium also stops the focus on a box that scrolls (a wide table on a narrow screen) that
  // holds nothing focusable, with no tabindex to find it by: a long page of wide tables, such as
  // /print/, needs a press for each.
  const scrollers = await page.evaluate(countScrollers);
  // Enough presses to pass every element (twice over) and come round to the first again. They are sent
  // together (Playwright keeps their order) rather than one round trip each: the focus log in the
  // page records where each one landed.
  await Promise.all(
    Array.from({ length: 2 * total + scrollers + 10 }, () => page.keyboard.press('Tab')),
  );
  const { candidates, log } = await page.evaluate(() => window.__kbd);
  if (log.length === 0) {
    findings.push('Tab does not move the focus anywhere');
    return { total, reached: 0, findings };
  }
  const first = log[0];
  if (card) {
    // No menu to skip: the first Tab goes straight to the card's own links.
  } else if (!(first.tag === 'a' && (first.href || '').startsWith('#') && SKIP_WORDS.test(first.text))) {
    findings.push(`the first Tab reaches "${first.text}" (${first.tag}), not a skip link`);
  } else if (!first.inViewport) {
    findings.push('the skip link is focused but not shown on screen');
  }
  const reached = new Set(log.map((e) => e.id).filter((id) => id !== null));
  for (const c of candidates) {
    if (!reached.has(String(c.id))) findings.push(`not reachable with Tab: ${c.tag} "${c.text}"`);
  }
  for (const entry of log) {
    if (!entry.inViewport && entry.tag !== 'body') {
      findings.push(`the focus is off screen on ${entry.tag} "${entry.text || entry.href}"`);
    }
    if (entry.id === null) continue;
    const c = candidates[Number(entry.id)];
    if (!focusShows(c.before, entry.look)) {
      findings.push(`no visible focus on ${c.tag} "${c.text}"`);
    }
  }
  const at = `at ${width} px: `;
  return { total, reached: reached.size, findings: [...new Set(findings)].map((f) => at + f) };
}

// At 320 px: the theme's menu button opens the menu from the keyboard, the focus moves to a link
// on show inside it, and Escape closes it again (pvreport/assets/keyboard.js).
async function menuFindings(page) {
  const button = page.locator('label.md-header__button[for="__drawer"]');
  if ((await button.count()) === 0) return [];
  const reachable = await button.evaluate((el) => el.tabIndex >= 0 && el.checkVisibility());
  if (!reachable) return ['at 320 px: the menu button cannot be reached with the keyboard'];
  const findings = [];
  await button.focus();
  await page.keyboard.press('Enter');
  const opened = await page
    .waitForFunction(() => {
      const el = document.activeElement;
      return document.getElementById('__drawer').checked && el && el.closest('.md-sidebar--primary');
    }, null, { timeout: 3000 })
    .then(() => true, () => false);
  if (!opened) {
    findings.push('at 320 px: Enter on the menu button does not open the menu and move into it');
  } else {
    const shown = await page.evaluate(() => {
      const el = document.activeElement;
      const b = el.getBoundingClientRect();
      const top = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
      return b.left >= 0 && b.right <= innerWidth && !!top && (top === el || el.contains(top));
    });
    if (!shown) findings.push('at 320 px: the menu opens with the focus on a link that is not on show');
    await page.keyboard.press('Escape');
    const closed = await page.evaluate(() => !document.getElementById('__drawer').checked &&
      document.activeElement.matches('label.md-header__button[for="__drawer"]'));
    if (!closed) findings.push('at 320 px: Escape does not close the menu and return to its button');
  }
  return findings;
}

async function reflowFindings(page) {
  return page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    if (root.scrollWidth <= width + 1) return [];
    // Name the widest culprits outside any element that scrolls on its own (wide data tables may
    // scroll inside their own box: WCAG 1.4.10 allows that).
    const culprits = [];
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.right <= width + 1) continue;
      let scrolls = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const ox = getComputedStyle(p).overflowX;
        if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') { scrolls = true; break; }
      }
      if (!scrolls) {
        const name = el.tagName.toLowerCase() + (el.id ? `#${el.id}` : '') +
          (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
        culprits.push(`${name} (right edge ${Math.round(box.right)} px)`);
      }
      if (culprits.length >= 5) break;
    }
    return [`the page scrolls sideways at ${width} px (content ${root.scrollWidth} px wide): ${culprits.join(', ')}`];
  });
}

// On a phone a table that scrolls inside its own box passes reflow (WCAG 1.4.10 allows it), yet
// its last columns are out of sight: the options of a decision, side by side, lose the third.
// Every table of the page's content must fit the window.
async function tableFindings(page) {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('article table')].flatMap((table, i) => {
      // A table may be as wide as the window yet scroll its own content (the theme's tables do
      // without its script): what counts is the width of what it holds.
      const box = table.getBoundingClientRect();
      const right = box.left + Math.max(box.width, table.scrollWidth);
      if (box.left >= -1 && right <= width + 1) return [];
      const head = (table.querySelector('th') || table).textContent.trim().slice(0, 40);
      return [`at ${width} px, table ${i + 1} ("${head}") is ${Math.round(right - box.left)} px ` +
        `wide (right edge ${Math.round(right)} px): wider than the window`];
    });
  });
}

// Narrow the window and let the page settle: the theme's search overlay shrinks with a CSS
// transition, and until it has, the page is wider than the window for a moment (longer on a busy
// machine, where two browsers check pages at once). A page that stays wider is reported after
// the wait.
async function narrowTo(page, width) {
  await page.setViewportSize({ width, height: 800 });
  await page.waitForFunction((w) => document.documentElement.clientWidth <= w, width);
  await page
    .waitForFunction((w) => document.documentElement.scrollWidth <= w + 1, width, { timeout: 10000 })
    .catch(() => {});
}

async function narrowTableFindings(page, path) {
  if (!(config.tablesFit || []).includes(path)) return [];
  const findings = [];
  for (const width of [390, 320]) {
    await narrowTo(page, width);
    findings.push(...(await tableFindings(page)).map((message) => ['table-width', message]));
    // At 320 px the page's own reflow check follows, for every page.
    if (width !== 320) {
      findings.push(...(await reflowFindings(page)).map((message) => ['reflow', message]));
    }
  }
  return findings;
}

async function checkPage(path, { desktop, nojs }, external) {
  const url = new URL(path, base).href;
  const result = { page: path, url, axe: [], problems: [], charts: 0, focusable: 0 };
  const problem = (kind, message) => result.problems.push({ kind, message });
  const before = Object.fromEntries(Object.entries(external).map(([k, v]) => [k, v.length]));
  try {
    // Desktop, JavaScript on: axe, then the keyboard walk (axe leaves the page as it was).
    const response = await desktop.goto(url, { waitUntil: 'load' });
    if (!response || !response.ok()) problem('http', `status ${response ? response.status() : 'none'}`);
    // Let interactive charts finish drawing, so that axe checks the page a reader really sees.
    await desktop
      .waitForFunction(
        () => [...document.querySelectorAll('figure[data-vega-spec]')].every(
          (f) => ['interactive', 'static'].includes(f.getAttribute('data-vega-state')),
        ),
        null,
        { timeout: 10000 },
      )
      .catch(() => problem('chart', 'an interactive chart did not finish drawing within 10 seconds'));
    await desktop.evaluate(axeSource);
    const axe = await desktop.evaluate(
      ({ tags, disabled }) => window.axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        rules: Object.fromEntries(disabled.map((id) => [id, { enabled: false }])),
        resultTypes: ['violations'],
      }),
      { tags: AXE_TAGS, disabled: config.axeDisabledRules || [] },
    );
    result.axe = axe.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
    const linesWithJs = await desktop.evaluate(articleLines, JS_ONLY);

    // The keyboard, from the top of the page as loaded.
    const card = (config.cardPages || []).includes(path);
    const keyboard = await keyboardFindings(desktop, 1280, false, card);
    result.focusable = keyboard.total;
    keyboard.findings.forEach((m) => problem('keyboard', m));

    // 320 px wide (WCAG 1.4.10 reflow): the same tab, narrowed, lays the page out again as a
    // phone or a 400% zoom would, without loading it a second time.
    (await narrowTableFindings(desktop, path)).forEach(([kind, m]) => problem(kind, m));
    await narrowTo(desktop, 320);
    (await reflowFindings(desktop)).forEach((m) => problem('reflow', m));
    // And the keyboard again, where the theme swaps its sidebars for a menu button.
    (await steadyKeyboardFindings(desktop, 320, card)).findings.forEach((m) => problem('keyboard', m));
    if ((config.menuPages || []).includes(path)) {
      (await menuFindings(desktop)).forEach((m) => problem('keyboard', m));
    }
    await desktop.setViewportSize({ width: 1280, height: 900 });
    await desktop.waitForFunction(() => document.documentElement.clientWidth > 1000);

    // JavaScript off: the static charts are there, and so is every line of text.
    await nojs.goto(url, { waitUntil: 'load' });
    const charts = await nojs.evaluate(chartFindings);
    result.charts = charts.count;
    charts.findings.forEach((m) => problem('chart', m));
    // Compared as running text: Material's script wraps tables in extra boxes, which moves line
    // breaks but not words.
    const linesWithoutJs = await nojs.evaluate(articleLines, JS_ONLY);
    const textWithoutJs = ` ${linesWithoutJs.join(' ')} `;
    const missing = linesWithJs.filter((line) => !textWithoutJs.includes(` ${line} `));
    if (missing.length) {
      problem('no-javascript', `${missing.length} line(s) of text missing without JavaScript, e.g. "${missing[0].slice(0, 80)}"`);
    }
    if (linesWithoutJs.length === 0) problem('no-javascript', 'no text at all without JavaScript');
  } catch (error) {
    problem('error', String(error && error.message ? error.message : error));
  }
  for (const [kind, log] of Object.entries(external)) {
    for (const leaked of log.slice(before[kind])) problem('external-request', `${leaked} (${kind})`);
  }
  return result;
}


async function main() {
  const browser = await chromium.launch({
    executablePath: config.chromium || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
  // Two workers, each with its own two tabs, share the one browser: page loads and axe runs
  // overlap, which roughly halves the time on two cores.
  const queue = [...config.pages.entries()];
  const results = new Array(config.pages.length);
  const workers = Array.from({ length: Math.max(1, config.workers || 2) }, async () => {
    const external = { desktop: [], nojs: [] };
    const desktop = await newPage(browser, { viewport: { width: 1280, height: 900 } }, external.desktop);
    const nojs = await newPage(
      browser, { viewport: { width: 1280, height: 900 }, javaScriptEnabled: false }, external.nojs,
    );
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [index, path] = next;
      results[index] = await checkPage(path, { desktop, nojs }, external);
    }
  });
  await Promise.all(workers);

  for (const shot of config.screenshots || []) {
    const page = await newPage(browser, { viewport: { width: shot.width, height: 900 } }, []);
    await page.goto(new URL(shot.page, base).href, { waitUntil: 'load' });
    await page.screenshot({ path: shot.file, fullPage: true });
    await page.context().close();
  }
  await browser.close();
  fs.writeFileSync(config.out, JSON.stringify({ pages: results.length, results }, null, 1));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
