// Bots: cards with live status, today's figures, start/stop, and the "new bot" dialog.

import { boot, get, post, qs, on, h, icon, $, pill, botStatusLabel, empty, toast, openDialog, clearErrors, showError, busy, num, canManage } from '../app.js';

const grid = $('#bot-grid');
const bots = new Map(); // id -> {bot, status, detail, leadsToday, messagesToday}

const startOfToday = () => { const d = new Date(); d.setHours(0, 0, 0, 0); return d.toISOString(); };

function transportLabel(kind) {
  return { sandbox: 'Sandbox', native: 'WhatsApp', web: 'WhatsApp Web (browser)', cloud: 'Cloud API' }[kind] || kind;
}

function statusDetail(b) {
  const s = b.status;
  if (s === 'qr') return 'Waiting for a phone to scan the QR code.';
  if (s === 'ready') return b.detail ? `Connected as ${b.detail}` : 'Connected and answering.';
  if (s === 'failed') return b.detail || 'The bot failed; it will be restarted.';
  if (s === 'disconnected') return b.detail || 'The WhatsApp session dropped; reconnecting.';
  if (s === 'stopped') return 'Not running.';
  if (s === 'starting') return 'Starting…';
  return '';
}

function card(entry) {
  const { bot } = entry;
  const running = bot.enabled;
  const actions = [];
  if (canManage()) {
    actions.push(h('button', {
      type: 'button', class: 'btn small', dataset: { action: running ? 'stop' : 'start' },
      'aria-label': `${running ? 'Stop' : 'Start'} ${bot.name}`,
    }, icon(running ? 'stop' : 'play'), running ? 'Stop' : 'Start'));
  }
  if (bot.transport.kind === 'sandbox') actions.push(h('a', { class: 'btn small', href: `/bots/${bot.id}/simulator` }, icon('chat'), 'Simulator'));
  if (bot.transport.kind === 'web' || bot.transport.kind === 'native') actions.push(h('a', { class: 'btn small', href: `/bots/${bot.id}/pair` }, icon('qr'), 'Pair'));
  actions.push(h('a', { class: 'btn small', href: `/bots/${bot.id}` }, icon('settings'), 'Settings'));
  const el = h('article', { class: 'card bot-card', dataset: { botId: bot.id }, 'aria-labelledby': `bot-${bot.id}` },
    h('header', {},
      h('div', { class: 'grow' },
        h('h3', { id: `bot-${bot.id}` }, h('a', { href: `/bots/${bot.id}` }, bot.name)),
        h('div', { class: 'row tight' }, h('span', { class: 'tag' }, transportLabel(bot.transport.kind)), h('span', { class: 'tag', title: bot.llm.label || '' }, bot.llm.provider === 'offline' ? 'Offline model' : (bot.llm.model || 'OpenAI-compatible')))),
      pill(entry.status, botStatusLabel(entry.status))),
    h('p', { class: 'detail' }, statusDetail({ ...entry })),
    h('div', { class: 'bot-nums' },
      h('div', { class: 'bot-num', title: entry.messagesToday == null ? 'Per-bot message counts are not available from this server yet' : null }, h('b', { dataset: { k: 'messages' } }, entry.messagesToday == null ? '–' : num(entry.messagesToday)), h('span', {}, 'messages today')),
      h('div', { class: 'bot-num' }, h('b', { dataset: { k: 'leads' } }, num(entry.leadsToday)), h('span', {}, 'leads today'))),
    h('footer', {}, actions));
  return el;
}

function render() {
  grid.setAttribute('aria-busy', 'false');
  if (!bots.size) {
    grid.replaceChildren(h('div', { class: 'card span-all' },
      empty('No bots yet', 'Create a bot, try it in the chat simulator, then connect it to WhatsApp.',
        canManage() ? h('button', { type: 'button', class: 'btn primary', onclick: openNew }, 'Create your first bot') : null)));
    return;
  }
  const list = [...bots.values()].sort((a, b) => a.bot.name.localeCompare(b.bot.name));
  grid.replaceChildren(...list.map(card));
  $('#stat-running').textContent = num(list.filter((e) => ['ready', 'qr', 'starting', 'authenticated'].includes(e.status)).length);
}

function update(id) {
  const entry = bots.get(id);
  const old = grid.querySelector(`[data-bot-id="${CSS.escape(id)}"]`);
  if (entry && old) old.replaceWith(card(entry)); else render();
}

// Servers without per-bot counts in the bot body: count today's leads page by page.
async function leadsToday(bot) {
  if (typeof bot.leads_today === 'number') return bot.leads_today;
  try {
    const page = await get('/leads' + qs({ bot_id: bot.id, created_from: startOfToday(), limit: 500 }));
    return page.items.length;
  } catch (_) { return 0; }
}

function showLeadsTotal() {
  $('#stat-leads').textContent = num([...bots.values()].reduce((a, e) => a + (e.leadsToday || 0), 0));
}

async function load() {
  // `since`: the browser's midnight, so "today" is the user's day rather than UTC's.
  const [list, summary] = await Promise.all([
    get('/bots' + qs({ since: startOfToday() })),
    get('/metrics/summary' + qs({ days: 1, workspace_id: boot.workspace_id })).catch(() => null),
  ]);
  bots.clear();
  const counts = await Promise.all(list.items.map(leadsToday));
  list.items.forEach((bot, i) => bots.set(bot.id, {
    bot, status: bot.status, detail: null, leadsToday: counts[i],
    messagesToday: typeof bot.messages_today === 'number' ? bot.messages_today : null,
  }));
  render();
  showLeadsTotal();
  if (summary) {
    const today = summary.messages_per_day[summary.messages_per_day.length - 1] || { inbound: 0, outbound: 0 };
    $('#stat-messages').textContent = num(today.inbound + today.outbound);
    $('#stat-qualified').textContent = num(summary.funnel.qualified);
  }
}

grid.addEventListener('click', async (e) => {
  const btn = e.target.closest('button[data-action]');
  if (!btn) return;
  const id = btn.closest('[data-bot-id]').dataset.botId;
  const entry = bots.get(id);
  await busy(btn, async () => {
    try {
      const rt = await post(`/bots/${id}/${btn.dataset.action}`);
      entry.bot.enabled = rt.enabled;
      entry.status = rt.status;
      update(id);
      toast(rt.enabled ? `${entry.bot.name} is starting` : `${entry.bot.name} stopped`, { kind: 'success', timeout: 3000 });
    } catch (err) {
      toast('Could not change the bot', { body: err.message, kind: 'error' });
    }
  });
});

on('bot.status', (d) => {
  const entry = bots.get(d.bot_id);
  if (!entry) { load(); return; }
  entry.status = d.status;
  entry.detail = d.detail || null;
  update(d.bot_id);
  $('#stat-running').textContent = num([...bots.values()].filter((x) => ['ready', 'qr', 'starting', 'authenticated'].includes(x.status)).length);
});
on('message.received', (d) => bump(d.message, 'messages'));
on('message.sent', (d) => bump(d.message, 'messages'));
on('lead.updated', () => { /* counts refresh on new leads below */ });
on('reconnected', () => load());

const seenLeads = new Set();
function bump(message, key) {
  if (!message) return;
  const statEl = $('#stat-messages');
  if (statEl.textContent !== '–') statEl.textContent = num(Number(statEl.textContent.replace(/\D/g, '')) + 1);
  const entry = bots.get(message.bot_id);
  if (!entry) return;
  if (entry.messagesToday != null) entry.messagesToday += 1;
  if (message.direction === 'inbound' && !seenLeads.has(message.lead_id)) {
    // Maybe a new lead: ask the server for the bot's figures.
    seenLeads.add(message.lead_id);
    get(`/bots/${message.bot_id}` + qs({ since: startOfToday() }))
      .then(async (bot) => {
        entry.leadsToday = await leadsToday(bot);
        if (typeof bot.messages_today === 'number') entry.messagesToday = bot.messages_today;
        update(message.bot_id);
        showLeadsTotal();
      })
      .catch(() => {});
    return;
  }
  const b = grid.querySelector(`[data-bot-id="${CSS.escape(message.bot_id)}"] [data-k="${key}"]`);
  if (b && entry.messagesToday != null) b.textContent = num(entry.messagesToday);
}

// New bot dialog.
const dlg = $('#new-bot-dialog');
const form = $('#new-bot-form');
function openNew() { clearErrors(form); openDialog(dlg); }
$('#new-bot')?.addEventListener('click', openNew);
form.addEventListener('change', () => { $('#nb-cloud').hidden = form.transport.value !== 'cloud'; });
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors(form);
  const kind = form.transport.value;
  const body = {
    name: form.elements.name.value.trim(),
    prompt: form.prompt.value.trim(),
    enabled: form.enabled.checked,
    transport: { kind, ...(kind === 'cloud' ? { phone_number_id: form.phone_number_id.value.trim() } : {}) },
  };
  if (boot.workspace_id) body.workspace_id = boot.workspace_id;
  if (!body.name) { showError(form, { message: 'Give the bot a name.', field: 'name' }); return; }
  await busy(form.querySelector('[type=submit]'), async () => {
    try {
      const bot = await post('/bots', body);
      dlg.close();
      form.reset();
      toast(`Created ${bot.name}`, { kind: 'success', timeout: 3000 });
      location.assign(kind === 'sandbox' ? `/bots/${bot.id}/simulator` : kind === 'web' || kind === 'native' ? `/bots/${bot.id}/pair` : `/bots/${bot.id}`);
    } catch (err) {
      showError(form, err);
    }
  });
});

load().catch((err) => {
  grid.setAttribute('aria-busy', 'false');
  grid.replaceChildren(h('div', { class: 'card' }, empty('Could not load your bots', err.message)));
});
