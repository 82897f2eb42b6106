// Drives the default Web App and the example branding in headless Chromium,
// the pages served over HTTPS by posternd's webapp plugin, the client API
// (/api/) routed to mock-node.py: PIN flows, participants, live events, token
// refresh and release (button and beacon), keyboard use, branding, and an
// axe-core WCAG 2.1 AA audit of every view. Screenshots go to the artefacts dir.
// usage: node webapp-browser.cjs POSTERN_URL API_URL CALL_LOG ARTIFACTS_DIR
'use strict';
const { chromium } = require('playwright-core');
const fs = require('node:fs');
const path = require('node:path');
const { chromiumArgs } = require('./chromium-args.cjs');

const [base, api, callLog, artifacts] = process.argv.slice(2);
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
let failures = 0;

function check(cond, what) {
  console.log((cond ? 'ok - ' : 'not ok - ') + what);
  if (!cond) {
    failures++;
  }
}

// Waits (up to a generous minute, never asserting speed) for the mock's log.
async function calledWith(re) {
  for (let i = 0; i < 600; i++) {
    if (re.test(fs.readFileSync(callLog, 'utf8'))) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function audit(page, what) {
  await page.addScriptTag({ content: axeSource });
  const r = await page.evaluate(() => axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] }));
  const found = r.violations.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(' | '));
  check(found.length === 0, what + ' passes axe-core WCAG 2.1 AA ' + JSON.stringify(found));
}

async function main() {
  fs.mkdirSync(artifacts, { recursive: true });
  const profile = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'webapp-browser-'));
  // chromium-args.cjs keeps Chromium on loopback (see REFERENCE.md).
  // bypassCSP only lets the test inject axe-core into pages whose CSP forbids
  // inline scripts; ignoreHTTPSErrors accepts posternd's self-signed cert.
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    bypassCSP: true,
    ignoreHTTPSErrors: true,
    args: chromiumArgs,
  });
  // The https-proxy plugin is not there yet: the client API goes to the mock.
  await ctx.route((url) => url.pathname.startsWith('/api/'), async (route) => {
    const u = new URL(route.request().url());
    try {
      await route.fulfill({ response: await route.fetch({ url: api + u.pathname + u.search }) });
    } catch (e) {
      await route.abort().catch(() => {});
    }
  });
  const errors = [];
  const watch = (p) => {
    p.on('pageerror', (e) => errors.push(String(e)));
    p.on('console', (m) => {
      // Refused joins (403/404) are logged by Chromium itself; they are expected.
      if (m.type() === 'error' && !/^Failed to load resource: .* (403|404)/.test(m.text())) {
        errors.push(m.text());
      }
    });
  };

  const page = await ctx.newPage();
  watch(page);
  const served = await page.goto(base + '/webapp/');
  const tls = await served.securityDetails();
  check(served.status() === 200 && /^TLS/.test(tls && tls.protocol), 'default page over HTTPS from posternd ' +
    JSON.stringify(tls && tls.protocol));
  check(served.headers()['cache-control'] === 'no-cache' && !!served.headers()['etag'],
    'served by the webapp plugin (ETag, no-cache for HTML)');
  check(await page.title() === 'Video meeting', 'default title from manifest.json');
  check(await page.evaluate(() => document.activeElement.id) === 'alias', 'meeting name field focused');
  await audit(page, 'default join form');
  await page.screenshot({ path: path.join(artifacts, 'webapp-default.png'), fullPage: true });

  // Keyboard only, wrong PIN.
  await page.keyboard.type('meet');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Tester');
  await page.keyboard.press('Tab');
  await page.keyboard.type('9999');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#join-error:not([hidden])');
  check(/PIN is not correct/.test(await page.textContent('#join-error')), 'wrong PIN: clear message');
  check(await page.evaluate(() => document.activeElement.id) === 'pin', 'wrong PIN: focus on the PIN field');
  await audit(page, 'join form with an error');

  await page.fill('#pin', '');
  await page.click('#join-button');
  await page.waitForFunction(() => /needs a PIN/.test(document.querySelector('#join-error').textContent));
  check(true, 'no PIN for a PIN-protected meeting: asks for it');

  await page.fill('#alias', 'nosuch');
  await page.click('#join-button');
  await page.waitForFunction(() => /no meeting called/.test(document.querySelector('#join-error').textContent));
  check(true, 'unknown meeting: says so');

  await page.fill('#alias', 'meet');
  await page.fill('#pin', '1234');
  await page.click('#join-button');
  await page.waitForSelector('#meeting-view:not([hidden])');
  check(await calledWith(/^request_token alias=meet pin=1234 .*"display_name": ?"Tester"/m),
    'request_token carries the pin header and display_name');
  await page.waitForFunction(() => /hello 1/.test(document.querySelector('#events').textContent));
  check(true, 'live events arrive from the event stream');
  const names = await page.$$eval('#participants li', (l) => l.map((x) => x.textContent));
  check(JSON.stringify(names) === JSON.stringify(['Alice (host)', 'Bob <b>x</b> (guest)']),
    'participant list from the event stream, event data shown as text ' + JSON.stringify(names));
  check(await page.$('#participants b') === null, 'no markup injected from event data');
  check(await calledWith(/^refresh_token alias=meet pin=None token=[0-9a-f]{32}/m), 'token refreshed');
  check(await calledWith(/^events [0-9a-f]{32}/m), 'event stream opened with ?token=');
  await audit(page, 'meeting view');
  await page.screenshot({ path: path.join(artifacts, 'webapp-joined.png'), fullPage: true });
  await page.click('#leave-button');
  await page.waitForSelector('#join-view:not([hidden])');
  check(await calledWith(/^release_token alias=meet pin=None token=[0-9a-f]{32}/m), 'Leave releases the token');

  // Guest of a meeting where only hosts need a PIN: joins with "pin: none".
  await page.fill('#alias', 'hostonly');
  await page.fill('#pin', '');
  await page.click('#join-button');
  await page.waitForSelector('#meeting-view:not([hidden])');
  check(await calledWith(/^request_token alias=hostonly pin=none/m), 'guest joins a host-PIN-only meeting');
  // A beacon sent by a page already unloading bypasses Playwright's route
  // (it would reach posternd, which has no /api/ until the https-proxy plugin
  // lands), so the page's own pagehide handler is fired while it still lives.
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false })));
  check(await calledWith(/^release_token alias=hostonly pin=None token=None q=token=[0-9a-f]{32}/m),
    'closing the page releases the token with a beacon');
  await page.goto('about:blank');

  const brand = await ctx.newPage();
  watch(brand);
  await brand.goto(base + '/acme/?conference=meet&name=Ann');
  await brand.waitForFunction(() => document.title === 'Acme Meetings');
  check(await brand.textContent('#app-name') === 'Acme Meetings', 'branding: name from its manifest.json');
  const accent = await brand.evaluate(() =>
    getComputedStyle(document.documentElement).getPropertyValue('--brand-accent').trim());
  check(accent === '#6d28d9', 'branding: its colours apply');
  check(await brand.evaluate(() => document.activeElement.id) === 'pin', 'link prefills the form, PIN focused');
  await audit(brand, 'branded join form');
  await brand.screenshot({ path: path.join(artifacts, 'webapp-branded.png'), fullPage: true });

  check(errors.length === 0, 'no script errors ' + JSON.stringify(errors));
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
}

main().then(() => {
  process.exitCode = failures ? 1 : 0;
}, (e) => {
  console.log('not ok - ' + e);
  process.exitCode = 1;
});
