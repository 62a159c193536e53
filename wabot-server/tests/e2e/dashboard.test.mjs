// End-to-end tests of the wabot dashboard in a real (headless) Chromium against a live server.
// run.sh starts the server and sets WABOT_URL; screenshots are written to WABOT_SCREENSHOTS.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.WABOT_URL || 'http://127.0.0.1:8080';
const SHOTS = process.env.WABOT_SCREENSHOTS || '';
const TIMEOUT = 20_000;

let browser;
let owner; // page of the owner
let agent; // page of a sales agent, in a second browser context
const consoleErrors = [];
let expectHttpErrors = false; // set while a test provokes a 4xx on purpose
let botId = null;
let leadUrl = null;

function watch(page, who) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (expectHttpErrors && msg.text().startsWith('Failed to load resource')) return;
    consoleErrors.push(`${who} ${page.url()}: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !expectHttpErrors) consoleErrors.push(`${who}: HTTP ${res.status()} ${res.request().method()} ${res.url()}`);
  });
  page.on('pageerror', (err) => consoleErrors.push(`${who} ${page.url()}: ${err.message}`));
  page.setDefaultTimeout(TIMEOUT);
  return page;
}

async function shot(page, name, opts = {}) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(250); // let transitions settle
  await page.screenshot({ path: join(SHOTS, `${name}.png`), ...opts });
}

async function demoLogin(context, who, role) {
  const page = watch(await context.newPage(), who);
  await page.goto(`${BASE}/bots`);
  await page.waitForURL(/\/login\?return_to=/);
  if (role === 'owner') await shot(page, 'login');
  await page.click(`[data-as="${role}"]`);
  await page.waitForURL(/\/bots$/);
  await page.waitForSelector('#live-status[data-state="open"]');
  return page;
}

async function newContext() {
  return browser.newContext({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'Europe/Madrid' });
}

describe('wabot dashboard', () => {
  before(async () => {
    browser = await chromium.launch({
      executablePath: process.env.WABOT_CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await browser?.close();
  });

  it('signs in with the demo login and lists the demo bot', async () => {
    owner = await demoLogin(await newContext(), 'owner', 'owner');
    await owner.waitForSelector('.bot-card');
    const names = await owner.locator('.bot-card h3').allTextContents();
    assert.ok(names.some((n) => n.includes('Sunny Panels')), `demo bot listed: ${names}`);
    await owner.waitForSelector('.bot-card .pill.ready');
    await shot(owner, 'bots');
  });

  it('creates a sandbox bot from the dialog', async () => {
    await owner.click('#new-bot');
    await owner.fill('#nb-name', 'Solar quotes (e2e)');
    await owner.click('#new-bot-form button[type=submit]');
    await owner.waitForURL(/\/bots\/[0-9a-f-]+\/simulator$/);
    botId = owner.url().split('/').slice(-2)[0];
    await owner.waitForSelector('#bot-status.ready, #bot-status.starting');
  });

  it('signs in a sales agent in a second browser context', async () => {
    agent = await demoLogin(await newContext(), 'agent', 'agent');
    await agent.goto(`${BASE}/leads`);
    await agent.waitForSelector('#board .column');
    await agent.waitForSelector('#live-status[data-state="open"]');
  });

  it('chats in the simulator until the lead qualifies, and the agent is notified live', async () => {
    const lines = [
      "Hi! I'd like a quote for solar panels on my roof.",
      'My name is Maria Lopez',
      'You can write to maria.lopez@example.com',
      'My phone is +34 612 345 678',
    ];
    for (const text of lines) {
      const before = await owner.locator('#chat .bubble.out').count();
      await owner.fill('#sim-text', text);
      await owner.press('#sim-text', 'Enter');
      await owner.waitForFunction((n) => document.querySelectorAll('#chat .bubble.out').length > n, before, { timeout: TIMEOUT });
      if (text === lines[0]) {
        // The very first message of a new chat is shown above the bot's reply to it.
        const order = await owner.$$eval('#chat .bubble', (els) => els.map((e) => (e.classList.contains('out') ? 'out' : 'in')));
        assert.deepEqual(order.slice(0, 2), ['in', 'out'], `bubbles in order: ${order}`);
      }
      if (await owner.locator('#sim-lead .pill.qualified, #sim-lead .pill.assigned').count()) break;
    }
    await owner.waitForSelector('#sim-lead .pill.qualified, #sim-lead .pill.assigned');
    const email = await owner.textContent('#lead-fields [data-field="email"] dd');
    assert.equal(email, 'maria.lopez@example.com');
    await shot(owner, 'simulator');

    const toast = agent.locator('#toasts .toast', { hasText: 'New qualified lead' });
    await toast.first().waitFor({ state: 'visible', timeout: TIMEOUT });
    assert.match(await toast.first().textContent(), /Maria Lopez/);
    // The lead shows up in the pipeline without a reload.
    await agent.locator('.lead-card-mini', { hasText: 'Maria Lopez' }).first().waitFor();
    await shot(agent, 'leads');
  });

  it('takes over the conversation, replies as an agent and releases it to the bot', async () => {
    await owner.click('#sim-lead a[href^="/leads/"]');
    await owner.waitForURL(/\/leads\/[0-9a-f-]+$/);
    leadUrl = owner.url();
    await owner.waitForSelector('#chat .bubble');
    await owner.click('#take-over');
    await owner.waitForSelector('#release:not([hidden])');
    await owner.fill('#reply-text', 'Hello Maria, this is your advisor. I will send the quote today.');
    await owner.click('#reply-send');
    await owner.locator('#chat .bubble.agent', { hasText: 'I will send the quote today' }).waitFor();
    await owner.waitForSelector('#chat .bubble.agent .ticks');
    await shot(owner, 'conversation');
    await owner.click('#release');
    await owner.waitForSelector('#take-over:not([hidden])');
    assert.match(await owner.textContent('#conv-handler'), /bot is answering/);
    // Hand the lead to the sales agent, who is told live.
    const agentId = await owner.evaluate(() => [...document.querySelectorAll('#lead-assignee option')].find((o) => o.textContent.includes('(agent)'))?.value);
    assert.ok(agentId, 'the agent is offered as an assignee');
    await owner.selectOption('#lead-assignee', agentId);
    await owner.locator('#toasts .toast', { hasText: 'Assigned to' }).first().waitFor();
    await agent.locator('#toasts .toast', { hasText: 'A lead was assigned to you' }).first().waitFor();
  });

  it('shows the agent the same conversation live', async () => {
    await agent.goto(leadUrl);
    await agent.locator('#chat .bubble.agent', { hasText: 'I will send the quote today' }).waitFor();
  });

  it('edits the working hours of the bot', async () => {
    await owner.goto(`${BASE}/bots/${botId}`);
    await owner.waitForSelector('#settings-form[aria-busy="false"]');
    await owner.check('#wh-on');
    await owner.fill('#wh-start', '08:30');
    await owner.fill('#wh-end', '17:00');
    await owner.selectOption('#wh-tz', 'Europe/Madrid');
    for (const d of ['mon', 'tue', 'wed', 'thu', 'fri']) await owner.check(`#wh-days input[value="${d}"]`);
    for (const d of ['sat', 'sun']) await owner.uncheck(`#wh-days input[value="${d}"]`);
    await owner.fill('#s-away', 'Thanks! We are closed now and will reply from 8:30.');
    await owner.click('#save-settings');
    await owner.locator('#toasts .toast', { hasText: 'Settings saved' }).waitFor();
    await owner.reload();
    await owner.waitForSelector('#settings-form[aria-busy="false"]');
    assert.equal(await owner.inputValue('#wh-start'), '08:30');
    assert.equal(await owner.inputValue('#wh-end'), '17:00');
    assert.equal(await owner.inputValue('#wh-tz'), 'Europe/Madrid');
    assert.equal(await owner.isChecked('#wh-days input[value="sat"]'), false);
    await owner.locator('#hours').scrollIntoViewIfNeeded();
    await shot(owner, 'bot-settings');
  });

  it('tests the language-model connection from the settings form', async () => {
    assert.equal(await owner.inputValue('#s-provider'), 'offline');
    await owner.click('#test-llm');
    await owner.locator('#llm-test-result.ok', { hasText: 'Connected · offline' }).waitFor();
    assert.match(await owner.textContent('#llm-test-result'), /^Connected · offline · \d+ ms$/);
  });

  it('rejects a bad setting with a message next to the field', async () => {
    expectHttpErrors = true;
    try {
      await owner.selectOption('#s-provider', 'openai_compatible');
      await owner.fill('#s-base-url', 'not a url');
      await owner.click('#save-settings');
      await owner.waitForSelector('#s-base-url[aria-invalid="true"]');
      assert.match(await owner.textContent('#settings-error'), /base_url|URL/i);
    } finally {
      expectHttpErrors = false;
    }
  });

  it('creates a recurring schedule and lists it as upcoming', async () => {
    await owner.goto(`${BASE}/schedules`);
    await owner.waitForSelector('#sc-bot option', { state: 'attached' });
    await owner.selectOption('#sc-bot', botId);
    await owner.check('input[name="action"][value="disable"]');
    await owner.check('input[name="kind"][value="recurring"]');
    await owner.fill('#sc-time', '19:45');
    await owner.selectOption('#sc-tz', 'Europe/Madrid');
    await owner.click('#schedule-form button[type=submit]');
    const row = owner.locator('#upcoming tbody tr', { hasText: 'Solar quotes (e2e)' });
    await row.first().waitFor();
    assert.match(await row.first().textContent(), /19:45/);
    // And a one-off one.
    await owner.check('input[name="kind"][value="once"]');
    await owner.check('input[name="action"][value="enable"]');
    await owner.click('#schedule-form button[type=submit]');
    await owner.waitForFunction(() => document.querySelectorAll('#upcoming tbody tr[data-schedule-id]').length >= 2);
    await shot(owner, 'schedules');
  });

  it('shows insights, the team and the pipeline table', async () => {
    await owner.goto(`${BASE}/insights`);
    await owner.waitForSelector('#chart-messages svg');
    await owner.waitForSelector('#chart-funnel svg');
    assert.notEqual(await owner.textContent('#k-messages'), '–');
    await shot(owner, 'insights', { fullPage: true });
    await owner.goto(`${BASE}/team`);
    await owner.locator('#members tbody tr', { hasText: 'agent@demo.wabot.local' }).waitFor();
    await owner.click('#token-open');
    await owner.fill('#tk-name', 'CRM sync');
    await owner.click('#token-form button[type=submit]');
    await owner.waitForSelector('#token-reveal:not([hidden])');
    assert.ok((await owner.textContent('#token-value')).length > 20, 'the new token is shown once');
    await owner.locator('#tokens tbody tr', { hasText: 'CRM sync' }).waitFor();
    await owner.click('#webhook-open');
    await owner.fill('#wh-url', `${BASE}/e2e-hook`);
    await owner.click('#webhook-form button[type=submit]');
    await owner.waitForSelector('#webhook-reveal:not([hidden])');
    await owner.locator('#webhooks tbody tr', { hasText: '/e2e-hook' }).waitFor();
    await shot(owner, 'team');
    await owner.goto(`${BASE}/leads?view=table`);
    await owner.waitForSelector('#lead-table tbody tr a');
    await owner.fill('#lf-q', 'maria');
    await owner.locator('#lead-table tbody tr', { hasText: 'Maria Lopez' }).first().waitFor();
  });

  it('shows the pairing page of a WhatsApp Web bot', async () => {
    const res = await owner.request.post(`${BASE}/api/v1/bots`, {
      headers: { Origin: BASE },
      data: { name: 'Front desk (WhatsApp Web)', prompt: 'You answer for the front desk.', enabled: false, transport: { kind: 'web' } },
    });
    assert.equal(res.status(), 201);
    const bot = await res.json();
    await owner.goto(`${BASE}/bots/${bot.id}/pair`);
    await owner.waitForSelector('#pair-start:not([hidden])');
    await shot(owner, 'pairing');
  });

  it('works at phone width', async () => {
    await owner.setViewportSize({ width: 390, height: 844 });
    await owner.goto(`${BASE}/bots`);
    await owner.waitForSelector('.bot-card');
    const overflow = await owner.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
    await shot(owner, 'bots-mobile');
    await owner.click('#menu-toggle');
    await owner.waitForSelector('.sidebar.open');
    await owner.keyboard.press('Escape');
  });

  it('explains refused sign-ins and signs out', async () => {
    const context = await newContext();
    const page = watch(await context.newPage(), 'anonymous');
    await page.goto(`${BASE}/login?error=not_invited`);
    assert.match(await page.textContent('#login-error'), /not a member of any workspace/);
    await page.goto(`${BASE}/login?error=state_mismatch`);
    assert.match(await page.textContent('#login-error'), /did not match/);
    await context.close();
    await owner.setViewportSize({ width: 1360, height: 860 });
    await owner.click('#sign-out');
    await owner.waitForURL(/\/login\?error=signed_out/);
    await owner.goto(`${BASE}/leads`);
    await owner.waitForURL(/\/login\?return_to=%2Fleads/);
  });

  it('logged no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
