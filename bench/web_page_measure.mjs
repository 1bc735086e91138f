// Loads the web page's home (the matrix) `loads` times in headless Chromium and prints, as
// JSON, for each load: the time from navigation start to the modules run (DOMContentLoaded),
// to the four API answers in hand (`slipway:matrix-data`), to the matrix in the DOM
// (`slipway:matrix-rendered`, a performance mark the page sets) and to the next frame after it
// (`slipway:matrix-painted`), the time of each /api/ request, and the number of cells.
//   node bench/web_page_measure.mjs URL LOADS
import { launch } from '../tests/web/chromium.mjs';

const [url, loads = '7'] = process.argv.slice(2);
const { context, close } = await launch();
const page = context.pages()[0] || await context.newPage();
const results = [];
try {
  for (let i = 0; i < Number(loads); i++) {
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName('slipway:matrix-painted').length > 0,
      null, { timeout: 60000 });
    results.push(await page.evaluate(() => ({
      scripts: performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd,
      data: performance.getEntriesByName('slipway:matrix-data')[0].startTime,
      rendered: performance.getEntriesByName('slipway:matrix-rendered')[0].startTime,
      painted: performance.getEntriesByName('slipway:matrix-painted')[0].startTime,
      api: Object.fromEntries(performance.getEntriesByType('resource')
        .filter((r) => new URL(r.name).pathname.startsWith('/api/'))
        .map((r) => [new URL(r.name).pathname + new URL(r.name).search, r.responseEnd - r.startTime])),
      bytes: performance.getEntriesByType('resource').reduce((s, r) => s + (r.encodedBodySize || 0), 0),
      cells: document.querySelectorAll('table.matrix td.cell').length,
    })));
  }
} finally {
  await close();
}
console.log(JSON.stringify(results));
