// What the browser tests share: starting and stopping wirechat processes, opening chatters in
// headless Chromium, and looking at the page the way a user would (labels, roles, text).
// Every wait is bounded, so a broken server or page fails a test instead of hanging it.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
export const WAIT_MS = 5_000;             // any single thing the page should do promptly
export const RECONNECT_WAIT_MS = 15_000;  // covers a few rounds of the page's backoff
export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

mkdirSync(ARTIFACTS, { recursive: true });

/** Resolves after `ms`. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` (sync or async) until it is truthy; throws `what` after `timeout`. */
export async function waitUntil(condition, what, timeout = WAIT_MS) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A writer of a child's output to `log`, each line after `label` (if any). */
export function labelled(log, label = '') {
  return (chunk) => {
    if (label === '') {
      log.write(chunk);
      return;
    }
    for (const line of String(chunk).split('\n')) if (line !== '') log.write(`${label} ${line}\n`);
  };
}

// ---- wirechat processes --------------------------------------------------------------------

/**
 * Starts `<binary> --host 127.0.0.1 --port <port> --web <webDir> ...extraArgs` and resolves
 * once it has said where it listens. Its output goes to `log` (a writable stream), each line
 * after `label` when one is given.
 */
export function startServer({ binary, webDir, port = 0, extraArgs = [], log, label = '' }) {
  const child = spawn(binary,
    ['--host', '127.0.0.1', '--port', String(port), '--web', path.resolve(webDir), ...extraArgs],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  const write = labelled(log, label);
  child.stderr.on('data', write);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error('server did not say where it listens')), WAIT_MS);
    function fail(error) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    }
    child.on('error', fail);
    child.on('exit', (code, signal) => fail(new Error(`server exited early (${code ?? signal})`)));
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const newline = output.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout.removeAllListeners('data');
      write(output);
      child.stdout.on('data', write);
      const match = /^listening on https?:\/\/127\.0\.0\.1:(\d+)\s*$/.exec(output.slice(0, newline));
      if (!match) {
        fail(new Error(`unexpected first line: ${JSON.stringify(output.slice(0, newline))}`));
        return;
      }
      resolve({ child, port: Number(match[1]) });
    });
  });
}

/** A restarted server wants the old port back; the old socket may take a moment to go. */
export async function restartServer(options) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    try {
      return await startServer(options);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
}

/** SIGTERM (a graceful shutdown), then SIGKILL if it takes too long; resolves once it exited. */
export async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), WAIT_MS);
  await exited;
  clearTimeout(timer);
}

// ---- chatters --------------------------------------------------------------------------

/**
 * Opens the page in a browser context of its own (a separate chatter with its own storage)
 * and waits until it is connected (`contextOptions`: more of the context's, e.g. accepting a
 * self-signed certificate). The page gets, for the test's eyes only:
 * `page.errors` (script errors, failed loads), `page.dialogs`, and `page.sockets`: every
 * WebSocket the page opened, as { url, welcome, received }: the payload of its welcome once it
 * came, and every envelope it received.
 */
export async function openChat(browser, url, viewport = LAPTOP, colorScheme = 'light', contextOptions = {}) {
  const context = await browser.newContext({ viewport, colorScheme, ...contextOptions });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  page.dialogs = [];
  page.on('dialog', (dialog) => {
    page.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  page.on('response', (response) => {
    if (response.status() >= 400) page.errors.push(`${response.status()} ${response.url()}`);
  });
  page.sockets = [];
  page.on('websocket', (socket) => {
    const entry = { url: socket.url(), welcome: null, received: [] };
    page.sockets.push(entry);
    socket.on('framereceived', ({ payload }) => {
      let envelope;
      try {
        envelope = JSON.parse(String(payload));
      } catch {
        return;  // not ours to judge here; the page's own handling is what is tested
      }
      entry.received.push(envelope);
      if (entry.welcome === null && envelope?.type === 'welcome') entry.welcome = envelope.payload;
    });
  });
  await page.goto(url);
  await waitForStatus(page, 'connected');
  return page;
}

/** The connections of `page` that were welcomed, oldest first. */
export function welcomedSockets(page) {
  return page.sockets.filter(({ welcome }) => welcome !== null);
}

export async function waitForStatus(page, text, timeout = WAIT_MS) {
  await page.waitForFunction(
    (expected) => document.querySelector('[role="status"]')?.textContent === expected,
    text, { timeout });
}

export async function setNickname(page, name) {
  await page.getByLabel('Nickname', { exact: true }).fill(name);
  await page.getByLabel('Nickname', { exact: true }).press('Enter');
  await waitForOwnName(page, name);
}

/** Waits until the people list marks `name` as "you". */
export async function waitForOwnName(page, name, timeout = WAIT_MS) {
  await page.locator('#user-list li.me', { hasText: name }).waitFor({ timeout });
}

export async function sendMessage(page, text) {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

/** Waits for a message with exactly this text (and optionally this sender) to be shown. */
export async function waitForMessage(page, text, from, timeout = WAIT_MS) {
  await page.waitForFunction(([wantedText, wantedFrom]) =>
    [...document.querySelectorAll('[role="log"] li')].some((item) =>
      item.querySelector('.text').textContent === wantedText
      && (wantedFrom === null || item.dataset.from === wantedFrom)),
  [text, from ?? null], { timeout });
}

/** Every message on the page as the user sees it. */
export function shownMessages(page) {
  return page.$$eval('[role="log"] li', (items) => items.map((item) => ({
    id: item.dataset.id,
    from: item.querySelector('.from').textContent,
    text: item.querySelector('.text').textContent,
    own: item.classList.contains('own'),
    visible: item.querySelector('.text').getBoundingClientRect().height > 0,
  })));
}

export async function currentRoom(page) {
  return page.locator('#room-name').textContent();
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
}
