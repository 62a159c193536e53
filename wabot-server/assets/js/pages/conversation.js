// Conversation with one lead: live messages with delivery ticks, editable lead fields, take
// over / reply / release, status and assignment.

import { boot, get, post, put, patch, on, h, messageBubble, $, setPill, leadStatusLabel, leadName, prettyContact, initials, time, day, dateTime, toast, busy, clearErrors, showError, members } from '../app.js';

const id = boot.lead_id;
const chat = $('#chat');
const replyForm = $('#reply-form');
const replyInput = $('#reply-text');
const fieldsForm = $('#fields-form');
let lead = null;
let botName = 'Bot';
const people = new Map();
const shown = new Map(); // message id -> message
let lastDay = '';

function bubble(m) {
  const out = m.direction === 'outbound';
  const who = m.sender === 'agent' ? (m.agent_id === boot.user_id ? 'You' : (people.get(m.agent_id) || 'Agent')) : out ? botName : null;
  return messageBubble(m, who);
}

function add(m) {
  if (shown.has(m.id)) {
    shown.set(m.id, m);
    chat.querySelector(`[data-id="${CSS.escape(m.id)}"]`)?.replaceWith(bubble(m));
    return;
  }
  shown.set(m.id, m);
  const d = day(m.created_at);
  if (d !== lastDay) { chat.append(h('div', { class: 'day-sep' }, d)); lastDay = d; }
  chat.append(bubble(m));
  chat.scrollTop = chat.scrollHeight;
}

function renderLead(l) {
  lead = l;
  const name = leadName(l);
  document.title = `${name} · wabot`;
  $('#lead-title').textContent = name;
  $('#conv-name').textContent = name;
  $('#conv-avatar').textContent = initials(name);
  setPill($('#lead-status-pill'), l.status, leadStatusLabel(l.status));
  const mine = l.handled_by_agent === boot.user_id;
  const other = l.handled_by_agent && !mine;
  $('#conv-handler').textContent = mine ? 'You are replying — the bot is paused.'
    : other ? `${people.get(l.handled_by_agent) || 'A colleague'} is replying — the bot is paused.`
      : 'The bot is answering. Take over to reply yourself.';
  if (l.unanswered_since) {
    $('#conv-handler').textContent += ` A customer message from ${dateTime(l.unanswered_since)} was not answered by the bot (the server restarted): please reply.`;
  }
  $('#take-over').hidden = !!l.handled_by_agent;
  $('#release').hidden = !mine;
  replyInput.disabled = !mine;
  $('#reply-send').disabled = !mine;
  replyInput.placeholder = mine ? 'Reply to the customer…' : 'Take over to reply…';
  for (const f of ['name', 'email', 'phone', 'location']) {
    const el = fieldsForm.elements[f];
    if (document.activeElement !== el) el.value = l.fields[f] || '';
  }
  $('#lead-status').value = l.status;
  $('#lead-assignee').value = l.assignee || '';
  const meta = $('#lead-meta');
  meta.replaceChildren(
    h('dt', {}, 'WhatsApp'), h('dd', {}, prettyContact(l.contact)),
    h('dt', {}, 'Bot'), h('dd', {}, botName),
    h('dt', {}, 'First message'), h('dd', {}, dateTime(l.created_at)),
    l.qualified_at ? [h('dt', {}, 'Qualified'), h('dd', {}, dateTime(l.qualified_at))] : null);
}

async function load() {
  const [l, msgs, ms] = await Promise.all([get(`/leads/${id}`), get(`/leads/${id}/messages?limit=200`), members()]);
  for (const m of ms) {
    people.set(m.user_id, m.name || m.email);
    if (!$('#lead-assignee').querySelector(`option[value="${CSS.escape(m.user_id)}"]`)) {
      $('#lead-assignee').append(h('option', { value: m.user_id }, (m.user_id === boot.user_id ? 'Me — ' : '') + (m.name || m.email) + ` (${m.role})`));
    }
  }
  try { botName = (await get(`/bots/${l.bot_id}`)).name; } catch (_) { /* agents may not see bots */ }
  chat.replaceChildren();
  shown.clear();
  lastDay = '';
  msgs.items.slice().sort((a, b) => a.created_at.localeCompare(b.created_at)).forEach(add);
  if (!msgs.items.length) chat.append(h('p', { class: 'empty-chat' }, 'No messages yet.'));
  renderLead(l);
}

async function action(btn, path, done) {
  await busy(btn, async () => {
    try {
      const l = await post(`/leads/${id}/${path}`);
      renderLead(l && l.id ? l : await get(`/leads/${id}`));
      if (done) toast(done, { kind: 'success', timeout: 3000 });
    } catch (err) { toast('That did not work', { body: err.message, kind: 'error' }); }
  });
}
$('#take-over').addEventListener('click', (e) => action(e.currentTarget, 'take-over', 'You took over the conversation').then(() => replyInput.focus()));
$('#release').addEventListener('click', (e) => action(e.currentTarget, 'release', 'The bot answers again'));

replyForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = replyInput.value.trim();
  if (!text) return;
  const err = $('#conv-error');
  err.hidden = true;
  await busy($('#reply-send'), async () => {
    try {
      const m = await post(`/leads/${id}/reply`, { body: text });
      replyInput.value = '';
      add(m);
    } catch (e2) { err.textContent = e2.message; err.hidden = false; }
  });
  $('#reply-send').disabled = replyInput.disabled;
  replyInput.focus();
});

fieldsForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors(fieldsForm);
  const body = {};
  for (const f of ['name', 'email', 'phone', 'location']) {
    const v = fieldsForm.elements[f].value.trim();
    if (v !== (lead.fields[f] || '')) body[f] = v;
  }
  if (!Object.keys(body).length) { toast('Nothing changed', { timeout: 2000 }); return; }
  await busy(fieldsForm.querySelector('[type=submit]'), async () => {
    try { renderLead(await patch(`/leads/${id}/fields`, body)); toast('Lead details saved', { kind: 'success', timeout: 3000 }); }
    catch (err) { showError(fieldsForm, err); }
  });
});

$('#lead-status').addEventListener('change', async (e) => {
  try { renderLead(await put(`/leads/${id}/status`, { status: e.target.value })); toast(`Marked as ${leadStatusLabel(e.target.value)}`, { kind: 'success', timeout: 3000 }); }
  catch (err) { e.target.value = lead.status; toast('Could not change the status', { body: err.message, kind: 'error' }); }
});
$('#lead-assignee').addEventListener('change', async (e) => {
  const user = e.target.value;
  if (!user) { e.target.value = lead.assignee || ''; return; }
  try { renderLead(await post(`/leads/${id}/assign`, { user_id: user })); toast(`Assigned to ${people.get(user) || 'a colleague'}`, { kind: 'success', timeout: 3000 }); }
  catch (err) { e.target.value = lead.assignee || ''; toast('Could not assign the lead', { body: err.message, kind: 'error' }); }
});

function onMessage(d) { const m = d.message; if (m && m.lead_id === id) { chat.querySelector('.empty-chat')?.remove(); add(m); } }
on('message.received', onMessage);
on('message.sent', onMessage);
on('message.delivery', (d) => {
  const m = shown.get(d.message_id);
  if (m) add({ ...m, delivery: d.status });
});
for (const ev of ['lead.updated', 'lead.qualified', 'lead.assigned']) {
  on(ev, (d) => { const l = d.lead; if (l && l.id === id) renderLead(l); });
}
on('reconnected', () => load().catch(() => {}));

load().catch((err) => { chat.replaceChildren(h('p', { class: 'empty-chat' }, err.message)); });
