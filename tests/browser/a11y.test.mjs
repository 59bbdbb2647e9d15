// Accessibility test of the chat page: the real server, the real page, headless Chromium.
//
//   node a11y.test.mjs <path to wirechat binary> <web dir>
//
// Two parts:
//
// - An audit with axe-core (the npm package pinned in package.json, injected into the page
//   from node_modules), with the WCAG 2.0 and 2.1, level A and AA rules, in every state a
//   person sees, at desktop (1100 px) and phone (390 px) width, each in the light and the
//   dark colour scheme: connected (an empty room), the phone's drawer open, after messages
//   (more than the log can show at once), with a room joined, with an error shown, and while
//   reconnecting. Any violation fails the test and is printed with the elements it names;
//   every audit prints its counts of rules (violations, passed, incomplete, inapplicable).
// - What no rule checks: the chat driven by the keyboard alone. Tab reaches every control in
//   reading order, each with a visible focus indicator and nothing covering it, and comes
//   back round (nothing traps focus); Enter sends and Shift+Enter starts a line; focus stays
//   put or moves somewhere sensible when what had it changes (setting a nickname, joining a
//   room from the field or the list, the room list updating, the alert dismissed, the
//   connection dropping, the phone's drawer opening and closing). Screenshots of every Tab
//   stop go to tests/artifacts/a11y/, to be looked at by a person.
//
// It also checks, in Chromium's accessibility tree (what screen readers get), that the
// conversation is a live log holding a list of the messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, CHROMIUM, RECONNECT_WAIT_MS, WAIT_MS, currentRoom, openChat, restartServer,
  sendMessage, setNickname, shownMessages, startServer, stopServer, waitForMessage,
  waitForOwnName, waitForStatus, waitUntil,
} from './helpers.mjs';

const [binary, webDir] = process.argv.slice(2);
if (!binary || !webDir) {
  console.error('usage: node a11y.test.mjs <path to wirechat binary> <web dir>');
  process.exit(2);
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_VERSION = require('axe-core/package.json').version;
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

const DESKTOP = { name: 'desktop', viewport: { width: 1100, height: 800 } };
const PHONE = { name: 'phone', viewport: { width: 390, height: 844 } };
const SCHEMES = ['light', 'dark'];

const SHOTS = path.join(ARTIFACTS, 'a11y');
rmSync(SHOTS, { recursive: true, force: true });  // only this run's screenshots
mkdirSync(SHOTS, { recursive: true });
const serverLog = createWriteStream(path.join(ARTIFACTS, 'a11y-server.log'));
const serverOptions = { binary, webDir, log: serverLog };

// ---- The audit ----------------------------------------------------------------------------

/** Every audit run, for the summary at the end. */
const audits = [];

/**
 * Runs axe-core on the whole page as it is now, and returns the rule counts and, for
 * violations and incomplete results, the elements they name.
 */
async function runAxe(page) {
  // A reload drops the injected script: inject it whenever it is missing.
  if (!await page.evaluate(() => typeof window.axe === 'object')) {
    await page.addScriptTag({ content: AXE_SOURCE });
  }
  return page.evaluate(async (tags) => {
    const results = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations', 'incomplete'],  // the others are only counted
    });
    const detail = (rule) => ({
      id: rule.id,
      impact: rule.impact,
      help: rule.help,
      nodes: rule.nodes.map((node) => ({
        target: node.target.join(' '),
        summary: node.failureSummary ?? '',
      })),
    });
    return {
      violations: results.violations.map(detail),
      incomplete: results.incomplete.map(detail),
      passes: results.passes.length,
      inapplicable: results.inapplicable.length,
    };
  }, WCAG_TAGS);
}

function describeRules(rules) {
  return rules.map(({ id, impact, help, nodes }) => [
    `  ${id} (${impact ?? 'no impact given'}): ${help}`,
    ...nodes.map(({ target, summary }) =>
      `    ${target}\n${summary.split('\n').map((line) => `      ${line}`).join('\n')}`),
  ].join('\n')).join('\n');
}

/**
 * Audits `page` in the light and the dark colour scheme and prints the counts of each.
 * Returns every violation found, described (rule, impact, elements and what is wrong with
 * each), for the state's test to fail with once all its pages are audited.
 */
async function audit(page, device, state) {
  const failures = [];
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    const result = await runAxe(page);
    const row = {
      device: `${device.name} ${device.viewport.width}x${device.viewport.height}`,
      scheme, state,
      violations: result.violations.length, passes: result.passes,
      incomplete: result.incomplete.length, inapplicable: result.inapplicable,
    };
    audits.push(row);
    console.log(`axe ${AXE_VERSION} | ${row.device} | ${scheme} | ${state} | `
      + `${row.violations} violations, ${row.passes} passed, ${row.incomplete} incomplete, `
      + `${row.inapplicable} inapplicable`);
    if (result.incomplete.length > 0) {
      console.log(`  to review by hand (axe could not decide):\n${describeRules(result.incomplete)}`);
    }
    if (result.violations.length > 0) {
      const text = `${row.device}, ${scheme}, ${state}:\n${describeRules(result.violations)}`;
      console.error(`VIOLATIONS ${text}`);
      failures.push(text);
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return failures;
}

function assertNoViolations(failures) {
  assert.deepEqual(failures, [], `axe found WCAG A/AA violations:\n${failures.join('\n')}`);
}

/** Opens or closes the phone's drawer with its menu button. */
async function setDrawer(page, open) {
  if (await drawerOpen(page) !== open) {
    await page.getByRole('button', { name: 'Rooms and people' }).click();
  }
  await page.locator('#sidebar').waitFor({ state: open ? 'visible' : 'hidden' });
}

// ---- Looking at focus ---------------------------------------------------------------------

/**
 * A short stable name for the element that has focus: its id, `room:<name>` for a room
 * button, `<form id>:submit` for a form's button; `body` when nothing has focus.
 */
function focusedKey(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (element === null || element === document.body) return 'body';
    if (element.id) return element.id;
    if (element.dataset.room !== undefined) return `room:${element.dataset.room}`;
    if (element.form) return `${element.form.id}:${element.type}`;
    return element.tagName.toLowerCase();
  });
}

/**
 * What a sighted keyboard user sees of the focused element: whether it is rendered, inside
 * the viewport, not covered by anything else, and drawn with a focus indicator (an outline
 * of at least 2 px or a box shadow).
 */
function focusedLooks(page) {
  return page.evaluate(() => {
    const element = document.activeElement;
    if (element === null || element === document.body) return null;
    const box = element.getBoundingClientRect();
    const x = box.left + box.width / 2;
    const y = box.top + Math.min(box.height / 2, 20);
    const onTop = document.elementFromPoint(x, y);
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
      && style.outlineColor !== 'rgba(0, 0, 0, 0)';
    return {
      rendered: element.checkVisibility() && box.width > 0 && box.height > 0,
      inViewport: box.top >= 0 && box.left >= 0 && box.bottom <= innerHeight + 1
        && box.right <= innerWidth + 1,
      uncovered: onTop !== null && (onTop === element || element.contains(onTop)),
      indicator: element.matches(':focus-visible') && (outline || style.boxShadow !== 'none'),
    };
  });
}

/** The Tab stops the page should have now, in order, from what it shows. */
function expectedStops(page) {
  return page.evaluate(() => {
    const stops = [];
    const shown = (element) => element.checkVisibility();
    if (shown(document.getElementById('panel-toggle'))) stops.push('panel-toggle');
    if (shown(document.getElementById('sidebar'))) {
      stops.push('nickname', 'nickname-form:submit');
      for (const button of document.querySelectorAll('#room-list button')) {
        stops.push(`room:${button.dataset.room}`);
      }
      stops.push('room', 'room-form:submit', 'wire-toggle');
    }
    if (document.querySelector('main').inert) return stops;  // the phone's drawer covers it
    stops.push('log');
    if (shown(document.getElementById('alert'))) stops.push('alert-dismiss');
    stops.push('message', 'send');
    return stops;
  });
}

/**
 * Presses Tab (or Shift+Tab) until focus comes back to where it started, and returns the
 * stops in between (leaving the page, focus passes `body`, which is not a stop). Fails if a
 * stop repeats before that (focus goes round in a smaller circle: a trap), if focus stays on
 * one element, or if a stop is not visibly focused. Saves a screenshot of each stop.
 */
async function tabRound(page, shotPrefix, key = 'Tab', limit = 30) {
  const start = await focusedKey(page);
  const shoot = async (name) => {
    if (shotPrefix === null) return;
    await page.screenshot({ path: path.join(SHOTS, `${shotPrefix}-${name.replace(':', '-')}.png`) });
  };
  await shoot(start);
  const stops = [];
  for (let presses = 0; presses < limit; presses += 1) {
    await page.keyboard.press(key);
    const now = await focusedKey(page);
    if (now === start) return stops;
    if (now === 'body') continue;
    assert.ok(!stops.includes(now), `${key} came back to ${now} before ${start}: ${stops}`);
    assert.notEqual(now, stops.at(-1) ?? start, `${key} did not move focus from ${now}`);
    stops.push(now);
    const looks = await focusedLooks(page);
    assert.deepEqual(looks, { rendered: true, inViewport: true, uncovered: true, indicator: true },
      `how ${now} looks when focused by ${key}`);
    await shoot(now);
  }
  assert.fail(`${key} never came back to ${start} (stops: ${stops})`);
  return stops;
}

/** Presses `key` until `target` has focus; fails after `limit` presses. */
async function pressUntilFocused(page, key, target, limit = 20) {
  for (let presses = 0; presses < limit; presses += 1) {
    if (await focusedKey(page) === target) return;
    await page.keyboard.press(key);
  }
  assert.equal(await focusedKey(page), target, `${key} never reached ${target}`);
}

async function waitForRoom(page, room) {
  await page.waitForFunction((name) => document.getElementById('room-name').textContent === name,
    room, { timeout: WAIT_MS });
}

function drawerOpen(page) {
  return page.evaluate(() => document.getElementById('sidebar').checkVisibility());
}

// ---- The accessibility tree -------------------------------------------------------------

/**
 * The conversation as Chromium exposes it to screen readers: the log's live properties, and
 * the roles of its children and of their children.
 */
async function conversationInAxTree(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    const byId = new Map(nodes.map((node) => [node.nodeId, node]));
    const logs = nodes.filter((node) => node.role?.value === 'log');
    assert.equal(logs.length, 1, 'one log in the accessibility tree');
    const [log] = logs;
    const property = (node, name) => node.properties?.find((p) => p.name === name)?.value.value;
    // Ignored nodes (generic wrappers) are skipped, as a screen reader skips them.
    const children = (node) => (node.childIds ?? []).map((id) => byId.get(id))
      .flatMap((child) => (child.ignored ? children(child) : [child]));
    return {
      role: log.role.value,
      name: log.name?.value,
      live: property(log, 'live'),
      relevant: property(log, 'relevant'),
      children: children(log).map((child) => ({
        role: child.role.value,
        children: children(child).map((grandchild) => grandchild.role.value),
      })),
    };
  } finally {
    await cdp.detach();
  }
}

// ---- The scenarios -------------------------------------------------------------------------

test('accessibility of the chat page', { timeout: 180_000 }, async (t) => {
  let server = await startServer(serverOptions);
  process.on('exit', () => server.child.kill('SIGKILL'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(async () => {
    await browser.close();
    await stopServer(server.child);
    serverLog.end();
  });
  const url = `http://127.0.0.1:${server.port}/`;
  console.log(`axe-core ${AXE_VERSION}, rules tagged ${WCAG_TAGS.join(', ')}`);

  /** Closes what a scenario opened, after checking it raised no script error. */
  async function closeChecked(...opened) {
    for (const page of opened) {
      assert.deepEqual(page.errors, []);
      await page.context().close();
    }
  }

  const desktop = await openChat(browser, url, DESKTOP.viewport);
  const phone = await openChat(browser, url, PHONE.viewport);
  const pages = [[desktop, DESKTOP], [phone, PHONE]];

  /** Audits both pages in `state` (each in both colour schemes), then fails if any failed. */
  async function auditBoth(state) {
    const failures = [];
    for (const [page, device] of pages) failures.push(...await audit(page, device, state));
    assertNoViolations(failures);
  }

  await t.test('audit: connected', async () => {
    await auditBoth('connected');
  });

  await t.test('audit: the phone\'s drawer open', async () => {
    await setDrawer(phone, true);
    const failures = await audit(phone, PHONE, 'drawer open');
    await setDrawer(phone, false);
    assertNoViolations(failures);
  });

  const bea = await openChat(browser, url);
  await t.test('audit: after messages', async () => {
    await setNickname(bea, 'bea');
    await setNickname(desktop, 'dana');
    await setDrawer(phone, true);
    await setNickname(phone, 'pia');
    await setDrawer(phone, false);
    // Someone else's messages, a few in a row (grouped under one name), then our own: more
    // than the log shows at once, so that it scrolls.
    for (let i = 1; i <= 12; i += 1) {
      await sendMessage(bea, `message ${i} from bea, long enough to take a line or two on a phone`);
    }
    await sendMessage(desktop, 'hello from dana');
    await sendMessage(phone, 'hello from pia');
    for (const page of [desktop, phone]) {
      await waitForMessage(page, 'message 12 from bea, long enough to take a line or two on a phone', 'bea');
      await waitForMessage(page, 'hello from dana', 'dana');
      await waitForMessage(page, 'hello from pia', 'pia');
    }
    assert.ok(await desktop.locator('[role="log"]').evaluate((log) =>
      log.scrollHeight > log.clientHeight), 'the log scrolls');
    await auditBoth('after messages');
  });

  await t.test('the conversation is a live log holding a list, in the accessibility tree', async () => {
    const count = (await shownMessages(desktop)).length;
    const tree = await conversationInAxTree(desktop);
    assert.deepEqual({ ...tree, children: undefined },
      { role: 'log', name: 'Conversation', live: 'polite', relevant: 'additions text',
        children: undefined });
    assert.equal(tree.children[0].role, 'list');
    assert.deepEqual(tree.children[0].children, Array(count).fill('listitem'));
    // And each message says who sent it, even one that continues the previous sender's.
    const snapshot = await desktop.locator('#messages').ariaSnapshot();
    assert.equal((snapshot.match(/- text: bea/g) ?? []).length, 12, snapshot);
  });

  await t.test('audit: a room joined', async () => {
    await desktop.getByLabel('Room', { exact: true }).fill('design');
    await desktop.getByLabel('Room', { exact: true }).press('Enter');
    await waitForRoom(desktop, 'design');
    await setDrawer(phone, true);
    await phone.getByLabel('Room', { exact: true }).fill('design');
    await phone.getByLabel('Room', { exact: true }).press('Enter');
    await waitForRoom(phone, 'design');
    await sendMessage(desktop, 'a new room for the mockups');
    await sendMessage(phone, 'joined from my phone');
    await waitForMessage(desktop, 'joined from my phone', 'pia');
    await waitForMessage(phone, 'a new room for the mockups', 'dana');
    await desktop.locator('#room-list button[data-room="design"][aria-current="true"]').waitFor();
    await auditBoth('room joined');
    // On a phone the room list (and the current room in it) is in the drawer.
    await setDrawer(phone, true);
    await phone.locator('#room-list button[data-room="design"][aria-current="true"]').waitFor();
    const failures = await audit(phone, PHONE, 'room joined, drawer open');
    await setDrawer(phone, false);
    assertNoViolations(failures);
  });

  await t.test('audit: an error shown', async () => {
    for (const [page] of pages) {
      await sendMessage(page, 'x'.repeat(2001));
      await page.getByRole('alert').waitFor({ state: 'visible' });
      assert.match(await page.getByRole('alert').textContent(), /Message refused/);
    }
    try {
      await auditBoth('error shown');
    } finally {
      for (const [page] of pages) {
        await page.getByRole('button', { name: 'Dismiss' }).click();
        await page.getByRole('alert').waitFor({ state: 'hidden' });
        await page.getByLabel('Message', { exact: true }).fill('');
      }
    }
  });

  await t.test('audit: reconnecting', async () => {
    const { port } = server;
    await stopServer(server.child);
    try {
      for (const [page] of pages) {
        await waitForStatus(page, 'reconnecting…');
        await page.getByLabel('Message', { exact: true }).fill('typed while offline');
        await page.locator('#offline-hint').waitFor({ state: 'visible' });
      }
      await auditBoth('reconnecting');
    } finally {
      server = await restartServer({ ...serverOptions, port });
    }
    for (const [page] of pages) await waitForStatus(page, 'connected', RECONNECT_WAIT_MS);
  });

  await t.test('audit: the wire shown, a frame opened', async () => {
    for (const [page] of pages) {
      await setDrawer(page, true);
      await page.getByRole('button', { name: 'Show the wire' }).click();
      await waitForStatus(page, 'connected', RECONNECT_WAIT_MS);
      await sendMessage(page, 'seen on the wire');
      const frame = page.locator('#wire-events > li[data-event="frame"][data-dir="in"]').last();
      await frame.getByRole('button').click();
      await frame.locator('.wire-bits').waitFor({ state: 'visible' });
    }
    try {
      await auditBoth('the wire shown');
    } finally {
      for (const [page] of pages) {
        await page.getByRole('button', { name: 'Hide', exact: true }).click();
        await waitForStatus(page, 'connected', RECONNECT_WAIT_MS);
      }
    }
  });

  await t.test('audit summary', () => {
    const states = new Set(audits.map(({ state }) => state));
    console.log(`\naxe-core ${AXE_VERSION}: ${audits.length} audits of ${states.size} states `
      + `(${[...states].join('; ')}), rules tagged ${WCAG_TAGS.join(', ')}`);
    console.log('device           scheme  state                      violations passed incomplete inapplicable');
    for (const row of audits) {
      console.log(`${row.device.padEnd(16)} ${row.scheme.padEnd(7)} ${row.state.padEnd(26)} `
        + `${String(row.violations).padStart(10)} ${String(row.passes).padStart(6)} `
        + `${String(row.incomplete).padStart(10)} ${String(row.inapplicable).padStart(12)}`);
    }
    assert.ok(audits.every(({ violations }) => violations === 0));
  });

  await t.test('the audited pages raised no script errors and loaded every resource', async () => {
    await closeChecked(desktop, phone, bea);
  });

  // ---- The keyboard alone ----------------------------------------------------------------

  await t.test('keyboard, desktop: Tab goes round every control in order, visibly', async () => {
    const page = await openChat(browser, url, DESKTOP.viewport);
    const expected = await expectedStops(page);
    assert.deepEqual(expected.slice(0, 2), ['nickname', 'nickname-form:submit']);
    assert.ok(expected.includes('room:lobby'));
    // From the page's start, Tab goes to each control in reading order and back round.
    await page.keyboard.press('Tab');
    assert.equal(await focusedKey(page), expected[0]);
    const forward = await tabRound(page, 'desktop-tab');
    assert.deepEqual([expected[0], ...forward], expected);
    // Shift+Tab goes the same way back.
    const backward = await tabRound(page, null, 'Shift+Tab');
    assert.deepEqual([expected[0], ...backward], [expected[0], ...expected.slice(1).reverse()]);
    await closeChecked(page);
  });

  await t.test('keyboard, desktop: a whole chat without a pointer', async () => {
    const page = await openChat(browser, url, DESKTOP.viewport);
    const other = await openChat(browser, url);
    await page.keyboard.press('Tab');

    // A nickname: type it, Enter. Focus stays in the field, which shows the name.
    assert.equal(await focusedKey(page), 'nickname');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('kim');
    await page.keyboard.press('Enter');
    await waitForOwnName(page, 'kim');
    assert.equal(await focusedKey(page), 'nickname');
    assert.equal(await page.getByLabel('Nickname', { exact: true }).inputValue(), 'kim');
    // A name that is taken: refused, focus and the text stay to be corrected; leaving the
    // field (by its Set button) puts the name we have back.
    const taken = await other.getByLabel('Nickname', { exact: true }).inputValue();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(taken);
    await page.keyboard.press('Enter');
    await page.getByRole('alert').waitFor({ state: 'visible' });
    assert.match(await page.getByRole('alert').textContent(), /Nickname refused/);
    assert.equal(await focusedKey(page), 'nickname');
    assert.equal(await page.getByLabel('Nickname', { exact: true }).inputValue(), taken);
    await page.keyboard.press('Tab');
    assert.equal(await focusedKey(page), 'nickname-form:submit');
    await page.keyboard.press('Tab');
    assert.equal(await page.getByLabel('Nickname', { exact: true }).inputValue(), 'kim');

    // A message: Shift+Enter starts a new line, Enter sends; focus stays in the field,
    // which empties once the server has the message.
    await pressUntilFocused(page, 'Tab', 'message');
    await page.keyboard.type('typed with keys');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('on two lines');
    await page.keyboard.press('Enter');
    await waitForMessage(page, 'typed with keys\non two lines', 'kim');
    assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), '');
    assert.equal(await focusedKey(page), 'message');

    // Joining a room from the room field: focus goes to the message field of the new room.
    await pressUntilFocused(page, 'Shift+Tab', 'room');
    await page.keyboard.type('keys');
    await page.keyboard.press('Enter');
    await waitForRoom(page, 'keys');
    await waitUntil(async () => await focusedKey(page) === 'message', 'focus on the message field');
    assert.equal(await page.getByLabel('Message', { exact: true }).getAttribute('placeholder'),
      'Message #keys');
    assert.equal(await page.getByLabel('Room', { exact: true }).inputValue(), '');

    // Joining a room from the list (Enter on its button): the same.
    await pressUntilFocused(page, 'Shift+Tab', 'room:lobby');
    await page.keyboard.press('Enter');
    await waitForRoom(page, 'lobby');
    await waitUntil(async () => await focusedKey(page) === 'message', 'focus on the message field');

    // The room list changes while a room button has focus (someone joins a new room, counts
    // change): the very same button keeps focus.
    await pressUntilFocused(page, 'Shift+Tab', 'room:lobby');
    await page.evaluate(() => { window.focusedBefore = document.activeElement; });
    await other.getByLabel('Room', { exact: true }).fill('keys');
    await other.getByLabel('Room', { exact: true }).press('Enter');
    await waitForRoom(other, 'keys');
    await page.locator('#room-list button[data-room="keys"]', { hasText: /^# keys1$/ }).waitFor();
    assert.ok(await page.evaluate(() => document.activeElement === window.focusedBefore),
      `focus moved to ${await focusedKey(page)}`);
    // Space on a room button works as Enter does.
    await pressUntilFocused(page, 'Shift+Tab', 'room:keys');
    await page.keyboard.press('Space');
    await waitForRoom(page, 'keys');
    await waitUntil(async () => await focusedKey(page) === 'message', 'focus on the message field');
    // The room whose button has focus empties and leaves the list: focus goes to the
    // current room's button, not to the top of the page.
    await other.getByLabel('Room', { exact: true }).fill('elsewhere');
    await other.getByLabel('Room', { exact: true }).press('Enter');
    await page.locator('#room-list button[data-room="elsewhere"]').waitFor();
    await pressUntilFocused(page, 'Shift+Tab', 'room:elsewhere');
    await other.getByRole('button', { name: /# keys/ }).click();
    await waitForRoom(other, 'keys');
    await page.locator('#room-list button[data-room="elsewhere"]').waitFor({ state: 'detached' });
    assert.equal(await focusedKey(page), 'room:keys');
    await pressUntilFocused(page, 'Tab', 'message');

    // An error: the alert comes between the log and the message field in Tab order;
    // dismissing it puts focus back in the message field, whose text is kept.
    await page.keyboard.type('y'.repeat(2001));
    await page.keyboard.press('Enter');
    await page.getByRole('alert').waitFor({ state: 'visible' });
    assert.equal(await focusedKey(page), 'message');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedKey(page), 'alert-dismiss');
    assert.ok((await focusedLooks(page)).indicator, 'the Dismiss button shows focus');
    await page.screenshot({ path: path.join(SHOTS, 'desktop-alert-dismiss.png') });
    await page.keyboard.press('Enter');
    await page.getByRole('alert').waitFor({ state: 'hidden' });
    assert.equal(await focusedKey(page), 'message');
    assert.equal((await page.getByLabel('Message', { exact: true }).inputValue()).length, 2001);
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Backspace');

    // The log takes focus, so that it can be scrolled from the keyboard.
    for (let i = 1; i <= 20; i += 1) await sendMessage(other, `filler ${i}`);
    await waitForMessage(page, 'filler 20');
    await pressUntilFocused(page, 'Shift+Tab', 'log');
    const scrolled = async () => page.locator('#log').evaluate((log) =>
      ({ top: Math.round(log.scrollTop), bottom: Math.round(log.scrollHeight - log.clientHeight) }));
    const atBottom = await scrolled();
    assert.ok(atBottom.bottom > 0 && atBottom.top === atBottom.bottom, JSON.stringify(atBottom));
    await page.keyboard.press('PageUp');
    await waitUntil(async () => (await scrolled()).top < atBottom.top, 'Page Up to scroll the log');
    await page.keyboard.press('End');
    await waitUntil(async () => (await scrolled()).top === atBottom.bottom, 'End to scroll back');
    await page.screenshot({ path: path.join(SHOTS, 'desktop-log-focused.png') });

    // The connection drops while the Send button has focus: the button stops working but
    // keeps focus (a disabled button would lose it), Enter on it sends nothing, and once
    // connected again the same Enter sends.
    await pressUntilFocused(page, 'Tab', 'message');
    await page.keyboard.type('sent after the drop');
    await page.keyboard.press('Tab');
    assert.equal(await focusedKey(page), 'send');
    const { port } = server;
    await stopServer(server.child);
    await waitForStatus(page, 'reconnecting…');
    assert.equal(await focusedKey(page), 'send');
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), true);
    await page.keyboard.press('Enter');
    assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'sent after the drop');
    await page.screenshot({ path: path.join(SHOTS, 'desktop-reconnecting-send-focused.png') });
    // The message field says why, to a screen reader too.
    assert.match(await page.getByLabel('Message', { exact: true }).evaluate((field) =>
      document.getElementById(field.getAttribute('aria-describedby'))?.textContent ?? ''),
    /sending is paused/);
    server = await restartServer({ ...serverOptions, port });
    await waitForStatus(page, 'connected', RECONNECT_WAIT_MS);
    assert.equal(await focusedKey(page), 'send');
    assert.equal(await page.getByRole('button', { name: 'Send' }).isDisabled(), false);
    await waitForOwnName(page, 'kim', RECONNECT_WAIT_MS);
    await page.keyboard.press('Enter');
    await waitForMessage(page, 'sent after the drop', 'kim');
    assert.equal(await focusedKey(page), 'send');
    await closeChecked(page, other);
  });

  await t.test('keyboard, phone: the drawer opens, closes and gives focus back', async () => {
    const page = await openChat(browser, url, PHONE.viewport);
    // Drawer closed: the menu button, then the conversation.
    const closed = await expectedStops(page);
    assert.deepEqual(closed, ['panel-toggle', 'log', 'message', 'send']);
    await page.keyboard.press('Tab');
    assert.equal(await focusedKey(page), 'panel-toggle');
    assert.deepEqual(await tabRound(page, 'phone-tab'), closed.slice(1));

    // Enter opens it, focus goes on into it; Escape closes it, back to the menu button.
    await page.keyboard.press('Enter');
    assert.equal(await drawerOpen(page), true);
    assert.equal(await page.getByRole('button', { name: 'Rooms and people' })
      .getAttribute('aria-expanded'), 'true');
    await page.keyboard.press('Tab');
    assert.equal(await focusedKey(page), 'nickname');
    await page.keyboard.press('Escape');
    assert.equal(await drawerOpen(page), false);
    assert.equal(await focusedKey(page), 'panel-toggle');

    // Open, Tab round: through the drawer and back to the menu button. The conversation the
    // drawer covers is inert: no Tab stop there, nothing a screen reader reads behind it.
    await page.keyboard.press('Enter');
    const open = await expectedStops(page);
    assert.deepEqual(open.slice(0, 3), ['panel-toggle', 'nickname', 'nickname-form:submit']);
    assert.equal(open.at(-1), 'wire-toggle');
    assert.deepEqual(await tabRound(page, 'phone-drawer-tab'), open.slice(1));
    assert.equal(await drawerOpen(page), true);
    // Enter on the menu button closes it again; focus stays on the button.
    await page.keyboard.press('Enter');
    assert.equal(await drawerOpen(page), false);
    assert.equal(await focusedKey(page), 'panel-toggle');

    // Joining from the drawer's room field: the drawer closes, focus is in the message field.
    await page.keyboard.press('Enter');
    await pressUntilFocused(page, 'Tab', 'room');
    await page.keyboard.type('pocket');
    await page.keyboard.press('Enter');
    await waitForRoom(page, 'pocket');
    await waitUntil(async () => await focusedKey(page) === 'message', 'focus on the message field');
    assert.equal(await drawerOpen(page), false);

    // Joining from the drawer's room list: the same.
    await pressUntilFocused(page, 'Shift+Tab', 'panel-toggle');
    await page.keyboard.press('Enter');
    await pressUntilFocused(page, 'Tab', 'room:lobby');
    await page.keyboard.press('Enter');
    await waitForRoom(page, 'lobby');
    await waitUntil(async () => await focusedKey(page) === 'message', 'focus on the message field');
    assert.equal(await drawerOpen(page), false);
    assert.equal(await currentRoom(page), 'lobby');
    await page.screenshot({ path: path.join(SHOTS, 'phone-after-join.png') });

    // A window narrowed (or a phone turned) while focus is in the sidebar: the sidebar stays
    // in sight as an open drawer, focus where it was; widened again, nothing is inert.
    await page.setViewportSize(DESKTOP.viewport);
    await pressUntilFocused(page, 'Shift+Tab', 'room');
    await page.setViewportSize(PHONE.viewport);
    await waitUntil(() => drawerOpen(page), 'the drawer to open');
    assert.equal(await focusedKey(page), 'room');
    assert.deepEqual(await focusedLooks(page),
      { rendered: true, inViewport: true, uncovered: true, indicator: true });
    await page.setViewportSize(DESKTOP.viewport);
    await waitUntil(async () => !await page.evaluate(() => document.querySelector('main').inert),
      'the conversation to be usable again');
    assert.equal(await focusedKey(page), 'room');
    await closeChecked(page);
  });
});
