// Loads the web page's home (the matrix) `loads` times in headless Chromium and prints, as
// JSON, {floor: [...], page: [...]}: for each load, the time from navigation start to the
// modules run (DOMContentLoaded), to the matrix's data in hand (`slipway:matrix-data`), to the
// first screen of the matrix in the DOM (`slipway:matrix-rendered`, a performance mark the
// page sets), to the next frame after it (`slipway:matrix-painted`), to the frame after the
// last row went in (`slipway:matrix-complete`) and to the first contentful paint; the time of
// each /api/ request, the bytes fetched and the number of cells.
//
// Every load starts from about:blank, as a person opening the URL in a fresh tab: navigating
// from the matrix to itself would first tear down the previous 1,000-cell page, and that
// teardown (100-500 ms here) would count as this page's start.
//
// The floor is a page of one paragraph given as a data: URL (no server, no module, no
// request), its marks set by an inline script exactly as the matrix sets its own: what
// headless Chromium on this machine needs to navigate, parse, run a script and paint a frame,
// measured in the same run between the page's loads.
//   node bench/web_page_measure.mjs URL LOADS
import { launch } from '../tests/web/chromium.mjs';

const [url, loads = '7'] = process.argv.slice(2);
const k_floor = 'data:text/html;charset=utf-8,' + encodeURIComponent(
  '<!doctype html><html lang="en"><meta charset="utf-8"><title>floor</title><p>floor</p><script>' +
  "performance.mark('slipway:matrix-data'); performance.mark('slipway:matrix-rendered');" +
  "requestAnimationFrame(() => setTimeout(() => { performance.mark('slipway:matrix-painted');" +
  "performance.mark('slipway:matrix-complete'); }, 0));" +
  '</script></html>');

const { context, close } = await launch();
const page = context.pages()[0] || await context.newPage();

async function load(target) {
  await page.goto('about:blank');
  await page.goto(target);
  await page.waitForFunction(() => performance.getEntriesByName('slipway:matrix-painted').length > 0,
    null, { timeout: 60000 });
  // A page that renders every row at once (before 2026-11-27) sets no `complete` mark.
  await page.waitForFunction(() => performance.getEntriesByName('slipway:matrix-complete').length > 0,
    null, { timeout: 5000 }).catch(() => {});
  return page.evaluate(() => {
    const mark = (name) => performance.getEntriesByName(name)[0].startTime;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const http = (r) => r.name.startsWith('http');
    return {
      scripts: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
      data: mark('slipway:matrix-data'),
      rendered: mark('slipway:matrix-rendered'),
      painted: mark('slipway:matrix-painted'),
      complete: (performance.getEntriesByName('slipway:matrix-complete')[0] ||
        performance.getEntriesByName('slipway:matrix-painted')[0]).startTime,
      fcp: fcp ? fcp.startTime : null,
      api: Object.fromEntries(performance.getEntriesByType('resource').filter(http)
        .filter((r) => new URL(r.name).pathname.startsWith('/api/'))
        .map((r) => [new URL(r.name).pathname + new URL(r.name).search, r.responseEnd - r.startTime])),
      bytes: [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
        .filter(http).reduce((s, r) => s + (r.encodedBodySize || 0), 0),
      cells: document.querySelectorAll('table.matrix td.cell').length,
    };
  });
}

const results = { floor: [], page: [] };
try {
  await load(url);  // a warm-up of each: the first load of a fresh profile compiles the modules
  await load(k_floor);
  for (let i = 0; i < Number(loads); i++) {
    results.floor.push(await load(k_floor));
    results.page.push(await load(url));
  }
} finally {
  await close();
}
console.log(JSON.stringify(results));
