// Schedules: turn bots on or off once or on a recurring timetable; upcoming runs and history.

import { boot, get, post, del, on, qs, h, $, $$, pill, toast, busy, clearErrors, showError, fillZones, localZone, dateTime, ago, empty, canManage } from '../app.js';

const form = $('#schedule-form');
const bots = new Map();
let schedules = [];

const DAY_NAMES = { MON: 'Mon', TUE: 'Tue', WED: 'Wed', THU: 'Thu', FRI: 'Fri', SAT: 'Sat', SUN: 'Sun' };
/** A readable text for a cron expression (ours: "0 M H * * DAYS", or the 5-field "M H * * DAYS");
 * others are shown raw. */
function describe(s) {
  if (s.at) return `Once, ${dateTime(s.at)}`;
  const parts = (s.cron || '').trim().split(/\s+/);
  if (parts.length === 5) parts.unshift('0');
  if (parts.length === 6 && parts[0] === '0' && /^\d+$/.test(parts[1]) && /^\d+$/.test(parts[2]) && parts[3] === '*' && parts[4] === '*') {
    const hhmm = `${parts[2].padStart(2, '0')}:${parts[1].padStart(2, '0')}`;
    const days = parts[5] === '*' ? 'every day' : parts[5] === 'MON-FRI' || parts[5] === 'MON,TUE,WED,THU,FRI' ? 'weekdays'
      : parts[5].split(',').map((d) => DAY_NAMES[d] || d).join(', ');
    return `${days} at ${hhmm} (${s.time_zone || 'UTC'})`;
  }
  return `cron ${s.cron} (${s.time_zone || 'UTC'})`;
}

const actionLabel = (a) => (a === 'enable' ? 'Turn on' : 'Turn off');

function renderUpcoming() {
  const tbody = $('#upcoming tbody');
  const list = schedules.filter((s) => s.status === 'active').sort((a, b) => (a.next_run_at || '').localeCompare(b.next_run_at || ''));
  if (!list.length) {
    tbody.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, empty('Nothing scheduled', 'Turn a bot on before opening hours or off for holidays — schedules run even when nobody is signed in.'))));
    return;
  }
  tbody.replaceChildren(...list.map((s) => h('tr', { dataset: { scheduleId: s.id } },
    h('td', {}, bots.get(s.bot_id)?.name || '—'),
    h('td', {}, pill(s.action === 'enable' ? 'ready' : 'stopped', actionLabel(s.action))),
    h('td', {}, describe(s)),
    h('td', { title: dateTime(s.next_run_at) }, s.next_run_at ? `${dateTime(s.next_run_at)} (${ago(s.next_run_at)})` : '—'),
    h('td', { class: 'num' }, canManage() ? h('button', { type: 'button', class: 'btn small danger', dataset: { cancel: s.id }, 'aria-label': `Cancel schedule for ${bots.get(s.bot_id)?.name || 'bot'}` }, 'Cancel') : null))));
}

async function renderHistory() {
  const tbody = $('#history tbody');
  const runs = (await Promise.all(schedules.map((s) => get(`/schedules/${s.id}/runs`).then((r) => r.items).catch(() => [])))).flat()
    .sort((a, b) => b.executed_at.localeCompare(a.executed_at)).slice(0, 100);
  const past = schedules.filter((s) => s.status !== 'active' && !runs.some((r) => r.schedule_id === s.id));
  if (!runs.length && !past.length) {
    tbody.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'empty' }, empty('No runs yet', 'Every time a schedule fires it is recorded here.'))));
    return;
  }
  tbody.replaceChildren(
    ...runs.map((r) => h('tr', {},
      h('td', {}, bots.get(r.bot_id)?.name || '—'),
      h('td', {}, actionLabel(r.action)),
      h('td', {}, dateTime(r.due_at)),
      h('td', {}, dateTime(r.executed_at)),
      h('td', {}, r.error ? pill('failed', r.error) : pill('ready', 'Done')))),
    ...past.map((s) => h('tr', {},
      h('td', {}, bots.get(s.bot_id)?.name || '—'),
      h('td', {}, actionLabel(s.action)),
      h('td', {}, describe(s)),
      h('td', {}, '—'),
      h('td', {}, pill('stopped', s.status === 'cancelled' ? 'Cancelled' : 'Completed')))));
}

async function load() {
  const list = await get('/bots' + qs({ workspace_id: boot.workspace_id }));
  bots.clear();
  for (const b of list.items) bots.set(b.id, b);
  const sel = $('#sc-bot');
  if (sel && !sel.options.length) {
    sel.replaceChildren(...list.items.map((b) => h('option', { value: b.id }, b.name)));
    if (!list.items.length) sel.append(h('option', { value: '' }, 'Create a bot first'));
  }
  schedules = (await Promise.all(list.items.map((b) => get(`/bots/${b.id}/schedules`).then((r) => r.items).catch(() => [])))).flat();
  renderUpcoming();
  await renderHistory();
}

if (form) {
  fillZones($('#sc-tz'), localZone());
  const d = new Date(Date.now() + 3600e3);
  d.setMinutes(0, 0, 0);
  const pad = (n) => String(n).padStart(2, '0');
  $('#sc-at').value = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  form.addEventListener('change', () => {
    const once = form.kind.value === 'once';
    $('#sc-once').hidden = !once;
    $('#sc-recurring').hidden = once;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    const botId = form.bot_id.value;
    if (!botId) { showError(form, { message: 'Create a bot first.' }); return; }
    const body = { action: form.elements.action.value };
    if (form.kind.value === 'once') {
      if (!form.at.value) { showError(form, { message: 'Pick a date and time.', field: 'at' }); return; }
      body.at = new Date(form.at.value).toISOString();
    } else {
      const custom = form.cron.value.trim();
      if (custom) body.cron = custom;
      else {
        const days = $$('input[name="dow"]:checked', form).map((c) => c.value);
        if (!days.length) { showError(form, { message: 'Pick at least one day.', field: 'time' }); return; }
        const [hh, mm] = (form.time.value || '09:00').split(':').map(Number);
        body.cron = `0 ${mm} ${hh} * * ${days.length === 7 ? '*' : days.join(',')}`;
      }
      body.time_zone = form.time_zone.value;
    }
    await busy(form.querySelector('[type=submit]'), async () => {
      try {
        await post(`/bots/${botId}/schedules`, body);
        toast('Schedule created', { kind: 'success', timeout: 3000 });
        await load();
      } catch (err) { showError(form, err); }
    });
  });
}

$('#upcoming').addEventListener('click', async (e) => {
  const b = e.target.closest('[data-cancel]');
  if (!b) return;
  await busy(b, async () => {
    try { await del(`/schedules/${b.dataset.cancel}`); toast('Schedule cancelled', { kind: 'success', timeout: 3000 }); await load(); }
    catch (err) { toast('Could not cancel', { body: err.message, kind: 'error' }); }
  });
});

on('schedule.executed', () => load().catch(() => {}));
on('reconnected', () => load().catch(() => {}));

load().catch((err) => toast('Could not load schedules', { body: err.message, kind: 'error' }));
