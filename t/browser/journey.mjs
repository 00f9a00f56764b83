// The astronaut journey in a real browser (Debian's Chromium, driven by
// playwright-core), printed as TAP. A screenshot of every page goes to
// t/artifacts/. Usage: ASTRO_URL=http://127.0.0.1:PORT node journey.mjs
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = process.env.ASTRO_URL;
const shots = process.env.ARTIFACTS || 't/artifacts';
mkdirSync(shots, { recursive: true });

let n = 0, failed = 0;
function ok(cond, what) {
  n++;
  if (!cond) failed++;
  console.log(`${cond ? '' : 'not '}ok ${n} - ${what}`);
}

const profile = mkdtempSync(join(tmpdir(), 'astro-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update',
         '--disable-sync'],
  viewport: { width: 1100, height: 800 },
});

try {
  const page = browser.pages()[0] || await browser.newPage();
  const shot = async (name) => {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  };
  const name = `Mae Jemison ${process.pid}`;

  await page.goto(`${base}/`);
  ok(page.url().endsWith('/board'), '/ leads to the board');
  ok(await page.locator('nav.tabs a[aria-current="page"]').textContent() === 'Board',
     'the Board tab is current');
  await shot('01-board-anonymous');

  await page.click('nav.tabs >> text=Sign up');
  ok(page.url().endsWith('/signup'), 'the Sign up tab opens the form');
  await page.fill('#name', name);
  await page.fill('#password', 'endeavour-1992');
  await page.fill('#confirm', 'endeavour-1993');
  await page.click('form.stack button[type="submit"]');
  ok((await page.locator('#confirm-error').textContent()).includes('do not match'),
     'mismatched passwords: a message beside the field');
  ok(await page.inputValue('#name') === name, '  the name is kept');
  ok(await page.inputValue('#password') === '', '  the password is not');
  await shot('02-signup-error');

  await page.fill('#password', 'endeavour-1992');
  await page.fill('#confirm', 'endeavour-1992');
  await page.click('form.stack button[type="submit"]');
  ok(page.url().endsWith('/hours'), 'signing up leads to Log hours');
  ok((await page.locator('.who strong').textContent()) === name, 'the header shows who is signed in');
  await shot('03-hours-empty');

  await page.fill('#hours', '2.5');
  await page.fill('#note', 'Spacelab simulator');
  await page.click('form.stack button[type="submit"]');
  ok((await page.locator('p.success').textContent()).includes('2.5 hours'), 'logging hours confirms the new total');
  ok((await page.locator('table.entries tbody').textContent()).includes('Spacelab simulator'),
     'the entry is listed');
  await shot('04-hours-logged');

  await page.fill('#hours', '30');
  ok(!(await page.$eval('#hours', (el) => el.checkValidity())),
     'too many hours: the browser itself refuses 30 (max=24)');
  // The server's answer to what the browser would have stopped.
  await page.$eval('form.stack', (f) => { f.noValidate = true; });
  await page.click('form.stack button[type="submit"]');
  ok((await page.locator('#hours-error').textContent()).includes('at most 24'),
     '  and the server, sent it anyway, answers beside the field');
  await shot('05-hours-error');

  await page.click('nav.tabs >> text=Board');
  const me = page.locator('tr.me');
  // Other astronauts may fill the first pages: follow Next to find ours.
  for (let i = 0; i < 100 && await me.count() === 0; i++) {
    const next = page.locator('a[rel="next"]');
    if (await next.count() === 0) break;
    await next.click();
  }
  ok(await me.count() === 1, 'the board highlights the signed-in astronaut');
  ok((await me.textContent()).includes(name), '  by name');
  await shot('06-board-signed-in');

  await page.click('.who button[type="submit"]');
  ok(page.url().endsWith('/board'), 'logging out returns to the board');
  ok(await page.locator('nav.tabs >> text=Log in').count() === 1, 'the Log in tab is back');
  await page.goto(`${base}/hours`);
  ok(page.url().endsWith('/login'), 'Log hours now asks to log in');
  await shot('07-login');

  await page.fill('#name', name);
  await page.fill('#password', 'endeavour-1992');
  await page.click('form.stack button[type="submit"]');
  ok(page.url().endsWith('/hours'), 'logging back in');
  ok((await page.locator('.total .figure').textContent()) === '2.5', '  shows the total kept');
  await shot('08-hours-again');
} catch (e) {
  ok(false, `the journey ran to the end: ${e.message}`);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
