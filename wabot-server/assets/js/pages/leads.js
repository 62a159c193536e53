// Leads: a pipeline (columns by status) and a table, with filters, search and CSV export.
// New and changed leads arrive live over /ws.

import { boot, get, qs, on, h, $, $$, pill, leadStatusLabel, LEAD_STATUSES, leadName, prettyContact, ago, dateTime, empty, members } from '../app.js';

const board = $('#board');
const tbody = $('#lead-table tbody');
const filters = $('#lead-filters');
let leads = new Map();
let cursor = null;
let view = new URLSearchParams(location.search).get('view') === 'table' ? 'table' : 'board';
const botNames = new Map();
const people = new Map();

function params() {
  const f = new FormData(filters);
  const p = { workspace_id: boot.workspace_id };
  for (const [k, v] of f.entries()) if (v) p[k] = v;
  if (p.created_from) p.created_from = new Date(p.created_from + 'T00:00:00').toISOString();
  if (p.created_to) p.created_to = new Date(p.created_to + 'T23:59:59').toISOString();
  return p;
}

function matches(l) {
  const p = params();
  if (p.bot_id && l.bot_id !== p.bot_id) return false;
  if (p.status && l.status !== p.status) return false;
  if (p.assignee && l.assignee !== p.assignee) return false;
  if (p.q) {
    const q = p.q.toLowerCase();
    const hay = [l.fields.name, l.fields.email, l.fields.phone, l.fields.location, l.contact, l.display_name].join(' ').toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}

function miniCard(l, flash) {
  const sub = [l.fields.email, l.fields.phone || prettyContact(l.contact)].filter(Boolean).join(' · ');
  return h('a', { class: `lead-card-mini${flash ? ' flash' : ''}`, href: `/leads/${l.id}`, dataset: { leadId: l.id } },
    h('strong', {}, leadName(l)),
    sub ? h('span', { class: 'sub' }, sub) : null,
    h('span', { class: 'sub' }, [botNames.get(l.bot_id), l.assignee ? `→ ${people.get(l.assignee) || 'agent'}` : null, ago(l.updated_at)].filter(Boolean).join(' · ')),
    l.handled_by_agent ? h('span', { class: 'pill plain assigned' }, 'Agent is replying') : null,
    unansweredPill(l));
}

/** A red pill when a customer message waits for a person (the bot could not answer it). */
function unansweredPill(l) {
  if (!l.unanswered_since) return null;
  return h('span', { class: 'pill plain failed', title: dateTime(l.unanswered_since) },
    `Waiting for a reply · ${ago(l.unanswered_since)}`);
}

function row(l, flash) {
  return h('tr', { class: flash ? 'flash' : '', dataset: { leadId: l.id } },
    h('td', {}, h('a', { href: `/leads/${l.id}` }, leadName(l)), ' ', unansweredPill(l)),
    h('td', {}, [l.fields.email, l.fields.phone || prettyContact(l.contact)].filter(Boolean).join(' · ') || '—'),
    h('td', {}, pill(l.status, leadStatusLabel(l.status))),
    h('td', {}, botNames.get(l.bot_id) || '—'),
    h('td', {}, l.assignee ? (people.get(l.assignee) || 'agent') : '—'),
    h('td', { title: dateTime(l.created_at) }, ago(l.created_at)));
}

function render(flashId) {
  const list = [...leads.values()].filter(matches).sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  board.setAttribute('aria-busy', 'false');
  board.replaceChildren(...LEAD_STATUSES.map((s) => {
    const items = list.filter((l) => l.status === s);
    return h('section', { class: 'column', 'aria-labelledby': `col-${s}`, dataset: { status: s } },
      h('h2', { id: `col-${s}` }, h('span', {}, leadStatusLabel(s)), h('span', { class: 'count' }, String(items.length))),
      items.length ? items.map((l) => miniCard(l, l.id === flashId)) : h('p', { class: 'empty-col' }, 'No leads'));
  }));
  tbody.replaceChildren(...(list.length ? list.map((l) => row(l, l.id === flashId))
    : [h('tr', {}, h('td', { colspan: 6, class: 'empty' }, empty('No leads match', 'Leads appear here as soon as a customer writes to one of your bots.')))]));
  $('#load-more').hidden = !cursor;
  const p = params();
  delete p.workspace_id;
  $('#export-csv').href = '/api/v1/leads/export.csv' + qs({ ...p, workspace_id: boot.workspace_id });
}

async function load(more = false) {
  const p = { ...params(), limit: 200 };
  if (more && cursor) p.cursor = cursor;
  const page = await get('/leads' + qs(p));
  if (!more) leads = new Map();
  for (const l of page.items) leads.set(l.id, l);
  cursor = page.next_cursor || null;
  render();
}

function setView(v) {
  view = v;
  for (const b of $$('.seg')) { const on = b.dataset.view === v; b.classList.toggle('active', on); b.setAttribute('aria-pressed', String(on)); }
  board.hidden = v !== 'board';
  $('#table-view').hidden = v !== 'table';
  const u = new URL(location.href);
  if (v === 'table') u.searchParams.set('view', 'table'); else u.searchParams.delete('view');
  history.replaceState(null, '', u);
}

async function init() {
  const [bots, ms] = await Promise.all([get('/bots' + qs({ workspace_id: boot.workspace_id })), members()]);
  for (const b of bots.items) { botNames.set(b.id, b.name); $('#lf-bot').append(h('option', { value: b.id }, b.name)); }
  for (const m of ms) {
    people.set(m.user_id, m.user_id === boot.user_id ? 'You' : (m.name || m.email));
    $('#lf-assignee').append(h('option', { value: m.user_id }, m.user_id === boot.user_id ? `Me (${m.name || m.email})` : (m.name || m.email)));
  }
  setView(view);
  await load();
}

let searchTimer = null;
filters.addEventListener('input', (e) => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(() => load().catch(() => {}), e.target.type === 'search' ? 250 : 0);
});
filters.addEventListener('submit', (e) => e.preventDefault());
for (const b of $$('.seg')) b.addEventListener('click', () => setView(b.dataset.view));
$('#load-more').addEventListener('click', () => load(true));

for (const ev of ['lead.updated', 'lead.qualified', 'lead.assigned']) {
  on(ev, (d) => { const l = d.lead; if (!l) return; leads.set(l.id, l); render(l.id); });
}
on('reconnected', () => load().catch(() => {}));

init().catch((err) => { board.setAttribute('aria-busy', 'false'); board.replaceChildren(empty('Could not load leads', err.message)); });
