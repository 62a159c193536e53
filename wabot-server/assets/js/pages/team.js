// Team: members and roles, invitations, API tokens and webhooks of the workspace.

import { boot, get, post, patch, del, h, $, pill, toast, busy, clearErrors, showError, openDialog, dateTime, ago, empty, isOwner, canManage } from '../app.js';

const ws = boot.workspace_id;
const base = `/workspaces/${ws}`;
const ROLE = { owner: 'Owner', manager: 'Manager', agent: 'Sales agent' };

function roleSelect(m) {
  const sel = h('select', { 'aria-label': `Role of ${m.name || m.email}`, dataset: { member: m.user_id, k: 'role' } },
    Object.entries(ROLE).map(([v, label]) => h('option', { value: v, selected: v === m.role }, label)));
  return sel;
}

async function loadMembers() {
  const list = (await get(`${base}/members`)).items;
  const tbody = $('#members tbody');
  tbody.replaceChildren(...list.map((m) => h('tr', {},
    h('td', {}, h('div', { class: 'row tight' }, h('span', { class: 'avatar', 'aria-hidden': 'true' }, (m.name || m.email)[0].toUpperCase()),
      h('span', {}, h('strong', {}, m.name || m.email), h('br'), h('span', { class: 'muted small' }, m.email)))),
    h('td', {}, isOwner() && m.user_id !== boot.user_id ? roleSelect(m) : pill('plain', ROLE[m.role] || m.role)),
    h('td', {}, isOwner()
      ? h('label', { class: 'switch' }, h('input', { type: 'checkbox', checked: m.receives_leads, dataset: { member: m.user_id, k: 'receives_leads' }, 'aria-label': `${m.name || m.email} receives leads` }), h('span', { class: 'visually-hidden' }, 'Receives leads'))
      : (m.receives_leads ? 'Yes' : 'No')),
    h('td', {}, dateTime(m.created_at)),
    h('td', { class: 'num' }, isOwner() && m.user_id !== boot.user_id
      ? h('button', { type: 'button', class: 'btn small danger', dataset: { remove: m.user_id }, 'aria-label': `Remove ${m.name || m.email}` }, 'Remove') : null))));
}

async function loadTokens() {
  if (!$('#tokens')) return;
  const list = (await get(`${base}/tokens`)).items;
  const live = list.filter((t) => !t.revoked_at);
  $('#tokens tbody').replaceChildren(...(live.length ? live.map((t) => h('tr', {},
    h('td', {}, t.name), h('td', {}, h('code', {}, t.prefix + '…')), h('td', {}, ROLE[t.role] || t.role),
    h('td', {}, t.last_used_at ? ago(t.last_used_at) : 'never'),
    h('td', { class: 'num' }, h('button', { type: 'button', class: 'btn small danger', dataset: { revoke: t.id } }, 'Revoke'))))
    : [h('tr', {}, h('td', { colspan: 5, class: 'empty' }, empty('No API tokens', 'Tokens let your CRM or scripts use the REST API and the event stream.')))]));
}

async function loadWebhooks() {
  if (!$('#webhooks')) return;
  const list = (await get(`${base}/webhooks`)).items;
  $('#webhooks tbody').replaceChildren(...(list.length ? list.map((w) => h('tr', {},
    h('td', {}, h('code', {}, w.url)), h('td', {}, w.events.length ? w.events.join(', ') : 'all events'), h('td', {}, dateTime(w.created_at)),
    h('td', { class: 'num' }, h('div', { class: 'row tight end' },
      h('button', { type: 'button', class: 'btn small', dataset: { deliveries: w.id } }, 'Deliveries'),
      h('button', { type: 'button', class: 'btn small danger', dataset: { unhook: w.id } }, 'Delete')))))
    : [h('tr', {}, h('td', { colspan: 4, class: 'empty' }, empty('No webhooks', 'Get lead.qualified and other events POSTed to your server, signed with HMAC-SHA256.')))]));
}

document.addEventListener('change', async (e) => {
  const el = e.target.closest('[data-member][data-k]');
  if (!el) return;
  const body = el.dataset.k === 'role' ? { role: el.value } : { receives_leads: el.checked };
  try { await patch(`${base}/members/${el.dataset.member}`, body); toast('Member updated', { kind: 'success', timeout: 2500 }); }
  catch (err) { toast('Could not update the member', { body: err.message, kind: 'error' }); loadMembers(); }
});

const STATE = { delivered: 'ready', pending: 'starting', failed: 'failed', dead: 'failed' };
document.addEventListener('click', async (e) => {
  const d = e.target.closest('[data-deliveries]');
  if (!d) return;
  const dlg = $('#deliveries-dialog');
  const tbody = $('#deliveries tbody');
  tbody.replaceChildren();
  openDialog(dlg);
  try {
    const list = (await get(`${base}/webhooks/${d.dataset.deliveries}/deliveries`)).items;
    tbody.replaceChildren(...(list.length ? list.map((x) => h('tr', {},
      h('td', {}, x.event), h('td', {}, pill(STATE[x.state] || 'plain', x.state)), h('td', { class: 'num' }, String(x.attempts)),
      h('td', {}, x.last_status ? `HTTP ${x.last_status}` : (x.last_error || '—')), h('td', {}, dateTime(x.created_at))))
      : [h('tr', {}, h('td', { colspan: 5, class: 'empty' }, empty('No deliveries yet', 'Events are delivered as they happen.')))]));
  } catch (err) { toast('Could not load deliveries', { body: err.message, kind: 'error' }); }
});

document.addEventListener('click', async (e) => {
  const b = e.target.closest('[data-remove], [data-revoke], [data-unhook]');
  if (!b) return;
  const [what, path, reload] = b.dataset.remove ? ['Remove this member', `${base}/members/${b.dataset.remove}`, loadMembers]
    : b.dataset.revoke ? ['Revoke this token? Integrations using it stop working', `${base}/tokens/${b.dataset.revoke}`, loadTokens]
      : ['Delete this webhook', `${base}/webhooks/${b.dataset.unhook}`, loadWebhooks];
  if (!confirm(`${what}?`)) return;
  await busy(b, async () => {
    try { await del(path); await reload(); } catch (err) { toast('That did not work', { body: err.message, kind: 'error' }); }
  });
});

function dialogForm(openId, dialogId, formId, submit) {
  const open = document.getElementById(openId);
  const dlg = document.getElementById(dialogId);
  const form = document.getElementById(formId);
  if (!open || !dlg) return;
  open.addEventListener('click', () => { form.reset(); clearErrors(form); openDialog(dlg); });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form);
    await busy(form.querySelector('[type=submit]'), async () => {
      try { await submit(form); dlg.close(); } catch (err) { showError(form, err); }
    });
  });
}

dialogForm('invite-open', 'invite-dialog', 'invite-form', async (f) => {
  await post(`${base}/members`, {
    email: f.elements.email.value.trim(), role: f.elements.role.value,
    name: f.elements.name.value.trim() || null, receives_leads: f.elements.receives_leads.checked,
  });
  toast('Invitation saved', { body: 'They can sign in with Google using that e-mail address.', kind: 'success' });
  await loadMembers();
});
dialogForm('token-open', 'token-dialog', 'token-form', async (f) => {
  const created = await post(`${base}/tokens`, { name: f.elements.name.value.trim(), role: f.elements.role.value });
  $('#token-value').textContent = created.token;
  $('#token-reveal').hidden = false;
  await loadTokens();
});
dialogForm('webhook-open', 'webhook-dialog', 'webhook-form', async (f) => {
  const events = [...f.querySelectorAll('input[name="events"]:checked')].map((c) => c.value);
  const created = await post(`${base}/webhooks`, { url: f.elements.url.value.trim(), events });
  $('#webhook-secret').textContent = created.secret;
  $('#webhook-reveal').hidden = false;
  await loadWebhooks();
});
$('#token-copy')?.addEventListener('click', async () => {
  try { await navigator.clipboard.writeText($('#token-value').textContent); toast('Copied', { timeout: 1500 }); }
  catch (_) { toast('Select the token and copy it', { timeout: 3000 }); }
});

if (!ws) {
  $('#members tbody').replaceChildren(h('tr', {}, h('td', { colspan: 5 }, empty('No workspace', 'You are not a member of a workspace yet.'))));
} else {
  Promise.all([loadMembers(), canManage() ? loadTokens() : null, canManage() ? loadWebhooks() : null])
    .catch((err) => toast('Could not load the team', { body: err.message, kind: 'error' }));
}
