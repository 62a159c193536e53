// Chat simulator for sandbox bots: type as a customer, watch the bot reply (live over /ws)
// and the lead fill in.

import { boot, get, post, on, h, messageBubble, ticks, sendFailure, $, setPill, botStatusLabel, toast, time, leadStatusLabel, pill, canManage } from '../app.js';

const id = boot.bot_id;
const chat = $('#chat');
const form = $('#sim-form');
const input = $('#sim-text');
const errEl = $('#sim-error');
const KEY = `wabot.sim.${id}`;
const resumed = sessionStorage.getItem(KEY);
let contact = resumed || newContact();
let leadId = null;
let bot = null;
const shown = new Set();
// Live messages of this bot that came before the page knew its lead (the first message of a
// new customer: its event can beat the lead's), by lead id; shown once the lead is known.
const early = new Map();
let typingEl = null;

function newContact() {
  const c = 'sim-' + Math.random().toString(36).slice(2, 10);
  sessionStorage.setItem(KEY, c);
  return c;
}

function bubble(m) {
  const out = m.direction === 'outbound';
  const who = m.sender === 'agent' ? 'Sales agent' : out ? (bot ? bot.name : 'Bot') : null;
  return messageBubble(m, who, { at: m.created_at, dir: m.direction });
}

function add(m) {
  if (shown.has(m.id)) {
    const old = chat.querySelector(`[data-id="${CSS.escape(m.id)}"]`);
    if (old) old.replaceWith(bubble(m));
    return;
  }
  shown.add(m.id);
  $('#chat-empty')?.remove();
  if (m.direction === 'outbound') setTyping(false);
  // Messages arrive out of order (the live reply can come over the WebSocket before the
  // customer's own message reaches the page): each goes where it belongs in time.
  const later = [...chat.querySelectorAll('.bubble')].find((b) => comesAfter(b.dataset, m));
  chat.insertBefore(bubble(m), later || (typingEl && typingEl.isConnected ? typingEl : null));
  chat.scrollTop = chat.scrollHeight;
}

/** An RFC 3339 UTC time with its fraction padded to nanoseconds, so strings compare in time
 * order whatever precision the REST API or the WebSocket wrote. */
function stamp(t) {
  return String(t).replace(/(?:\.(\d+))?Z$/, (_, f = '') => `.${(f + '000000000').slice(0, 9)}Z`);
}

/** Whether the shown bubble `b` (its dataset) belongs after message `m`. */
function comesAfter(b, m) {
  const [shown, added] = [stamp(b.at), stamp(m.created_at)];
  if (shown !== added) return shown > added;
  // Same instant: the customer's message comes before the answer to it.
  return m.direction === 'inbound' && b.dir === 'outbound';
}

function setTyping(on) {
  if (on && !typingEl?.isConnected) {
    typingEl = h('div', { class: 'typing', 'aria-label': 'The bot is typing' }, h('i'), h('i'), h('i'));
    chat.append(typingEl);
    chat.scrollTop = chat.scrollHeight;
    $('#sim-typing').textContent = 'typing…';
    clearTimeout(setTyping.timer);
    setTyping.timer = setTimeout(() => setTyping(false), 30000);
  } else if (!on) {
    typingEl?.remove();
    $('#sim-typing').textContent = 'online';
  }
}

const FIELDS = [['name', 'Name'], ['email', 'E-mail'], ['phone', 'Phone'], ['location', 'Location']];
function renderLead(lead) {
  const box = $('#sim-lead');
  if (!lead) { box.replaceChildren(h('p', { class: 'muted' }, 'No lead yet — it appears with the first message.')); return; }
  leadId = lead.id;
  (early.get(leadId) || []).forEach(add);
  early.clear();
  const required = bot ? bot.features.required_fields : ['name', 'email', 'phone'];
  const have = required.filter((f) => lead.fields[f]).length;
  const pct = required.length ? Math.round((100 * have) / required.length) : 100;
  box.replaceChildren(
    h('div', { class: 'row' }, pill(lead.status, leadStatusLabel(lead.status)), h('span', { class: 'muted small', id: 'lead-progress' }, `${have} of ${required.length} required fields`)),
    h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': pct, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': 'Lead completeness' }, h('span', { style: { width: `${pct}%` } })),
    h('dl', { class: 'lead-fields', id: 'lead-fields' }, FIELDS.map(([k, label]) => h('div', { class: lead.fields[k] ? 'filled' : 'missing', dataset: { field: k } },
      h('dt', {}, label + (required.includes(k) ? ' *' : '')), h('dd', {}, lead.fields[k] || 'not yet')))),
    h('a', { class: 'btn small', href: `/leads/${lead.id}` }, 'Open in the pipeline'));
}

async function loadConversation() {
  let conv;
  if (leadId) {
    const [lead, msgs] = await Promise.all([get(`/leads/${leadId}`), get(`/leads/${leadId}/messages?limit=200`)]);
    conv = { lead, messages: msgs.items };
  } else if (resumed === contact) {
    conv = await get(`/bots/${id}/sandbox/conversation?contact=${encodeURIComponent(contact)}`);
  } else {
    conv = { lead: null, messages: [] }; // a new customer has no conversation yet
  }
  showConversation(conv);
}

function showConversation(conv) {
  chat.replaceChildren();
  shown.clear();
  if (!conv.messages.length) chat.append(h('p', { class: 'empty-chat', id: 'chat-empty' }, 'Say hello as a customer. The bot answers like it would on WhatsApp, and the lead fills in on the right.'));
  conv.messages.slice().sort((a, b) => a.created_at.localeCompare(b.created_at)).forEach(add);
  renderLead(conv.lead);
}

async function load() {
  bot = await get(`/bots/${id}`);
  $('#crumb-bot').textContent = bot.name;
  $('#sim-bot-name').textContent = bot.name;
  $('#sim-contact').textContent = `(${contact})`;
  setPill($('#bot-status'), bot.status, botStatusLabel(bot.status));
  if (bot.transport.kind !== 'sandbox') {
    input.disabled = true;
    errEl.textContent = 'The chat simulator works with sandbox bots only. Switch the transport to Sandbox in the settings to try it.';
    errEl.hidden = false;
    return;
  }
  if (!bot.enabled) {
    errEl.replaceChildren('The bot is stopped. ', canManage() ? h('button', { type: 'button', class: 'linkish', onclick: start }, 'Start it') : 'Ask a manager to start it', ' to chat.');
    errEl.hidden = false;
  }
  await loadConversation();
}

async function start() {
  try {
    await post(`/bots/${id}/start`);
    errEl.hidden = true;
  } catch (err) { toast('Could not start the bot', { body: err.message, kind: 'error' }); }
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  errEl.hidden = true;
  input.value = '';
  input.focus();
  setTyping(true);
  try {
    // Waits until the bot has answered (or the conversation is with an agent); the bubbles
    // themselves arrive live over the WebSocket as they are stored.
    const conv = await post(`/bots/${id}/sandbox/messages`, { contact, text, wait_for_reply: true });
    conv.messages.slice().sort((a, b) => a.created_at.localeCompare(b.created_at)).forEach(add);
    if (conv.lead) renderLead(conv.lead);
    setTyping(false);
  } catch (err) {
    setTyping(false);
    if (!input.value) input.value = text;
    errEl.textContent = err.message;
    errEl.hidden = false;
  }
});

$('#new-customer').addEventListener('click', () => {
  contact = newContact();
  leadId = null;
  renderLead(null);
  $('#sim-contact').textContent = `(${contact})`;
  loadConversation();
  input.focus();
});

function onMessage(d) {
  const m = d.message;
  if (!m || m.bot_id !== id) return;
  if (leadId) {
    if (m.lead_id === leadId) add(m);
  } else {
    early.set(m.lead_id, [...(early.get(m.lead_id) || []), m]);
  }
}
on('message.received', onMessage);
on('message.sent', onMessage);
on('message.delivery', (d) => {
  if (d.bot_id !== id) return;
  const el = chat.querySelector(`[data-id="${CSS.escape(d.message_id)}"] .meta`);
  if (el) { el.querySelector('.ticks')?.remove(); const t = ticks(d.status); if (t) el.append(t); }
  const failure = sendFailure({ direction: 'outbound', delivery: d.status });
  if (el && failure && !el.parentElement.querySelector('.send-error')) el.after(failure);
});
for (const ev of ['lead.updated', 'lead.qualified', 'lead.assigned']) {
  on(ev, (d) => {
    const l = d.lead;
    if (l && (l.id === leadId || (!leadId && l.bot_id === id && l.contact === contact))) renderLead(l);
  });
}
on('bot.status', (d) => {
  if (d.bot_id !== id) return;
  setPill($('#bot-status'), d.status, botStatusLabel(d.status));
  if (d.status !== 'stopped' && bot) { bot.enabled = true; errEl.hidden = true; }
});
on('reconnected', () => loadConversation().catch(() => {}));

load().catch((err) => { errEl.textContent = err.message; errEl.hidden = false; });
