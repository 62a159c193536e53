// DOM helpers. User content only ever reaches the page as text (textContent / attribute values),
// never as HTML.

/** Creates an element: h('a', {href, class}, 'text', child, …). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    // Styles go through the CSSOM, never the `style` attribute, which the Content-Security-Policy
    // (style-src 'self', no 'unsafe-inline') refuses.
    else if (k === 'style') { if (typeof v === 'string') el.style.cssText = v; else Object.assign(el.style, v); }
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Under a message that could not be sent: "not delivered: <reason>" (text only), else null. */
export function sendFailure(m) {
  if (!m || m.direction !== 'outbound' || m.delivery !== 'failed') return null;
  return h('span', { class: 'send-error', role: 'note', text: m.error ? `not delivered: ${m.error}` : 'not delivered' });
}

const TICKS = { pending: ['🕓', ''], sent: ['✓', ''], delivered: ['✓✓', ''], read: ['✓✓', 'read'], failed: ['!', 'failed'] };

/** The delivery ticks of a message in `status` (`delivery` of a MessageBody), or null. */
export function ticks(status) {
  const [t, cls] = TICKS[status] || ['', ''];
  return t ? h('span', { class: `ticks ${cls}`, title: status, 'aria-label': status }, t) : null;
}

/** A chat bubble for a message as the API and the events show it (a MessageBody): labelled
 * `who` (null: no label), with `data` added to its `data-*` attributes (`data-id` is the id). */
export function messageBubble(m, who, data = {}) {
  const out = m.direction === 'outbound';
  return h('div', { class: `bubble ${out ? 'out' : 'in'} ${m.sender === 'agent' ? 'agent' : ''}`, dataset: { id: m.id, ...data } },
    who ? h('span', { class: 'who' }, who) : null,
    m.body,
    h('span', { class: 'meta' }, time(m.created_at), out ? ticks(m.delivery) : null),
    sendFailure(m));
}

/** An icon from the sprite. */
export function icon(name, cls = 'icon') {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', cls);
  svg.setAttribute('aria-hidden', 'true');
  const use = document.createElementNS(ns, 'use');
  use.setAttribute('href', '/assets/icons/sprite.svg#' + name);
  svg.append(use);
  return svg;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/** Shows a toast; `kind` is info | success | error. Returns the element. */
export function toast(title, { body = '', kind = 'info', href = null, linkText = 'Open', timeout = 6000 } = {}) {
  const box = document.getElementById('toasts');
  if (!box) return null;
  const close = h('button', { type: 'button', 'aria-label': 'Dismiss' }, '×');
  const t = h('div', { class: `toast ${kind}` },
    h('div', { class: 't-body' },
      h('span', { class: 't-title' }, title),
      body ? h('span', {}, body) : null,
      href ? h('a', { href }, linkText) : null),
    close);
  close.addEventListener('click', () => t.remove());
  box.append(t);
  if (timeout) setTimeout(() => t.remove(), timeout);
  return t;
}

const BOT_STATUS = {
  stopped: 'Stopped', starting: 'Starting', qr: 'Scan QR', authenticated: 'Connecting',
  ready: 'Ready', disconnected: 'Disconnected', failed: 'Failed',
};
const LEAD_STATUS = { capturing: 'Capturing', qualified: 'Qualified', assigned: 'Assigned', won: 'Won', lost: 'Lost' };

export const botStatusLabel = (s) => BOT_STATUS[s] || s;
export const leadStatusLabel = (s) => LEAD_STATUS[s] || s;
export const LEAD_STATUSES = Object.keys(LEAD_STATUS);

/** A status pill element. */
export function pill(status, label) {
  return h('span', { class: `pill ${status}` }, label);
}

/** Updates an existing pill element in place. */
export function setPill(el, status, label) {
  el.className = `pill ${status}`;
  el.textContent = label;
  el.hidden = false;
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
/** "3 min ago". */
export function ago(iso) {
  if (!iso) return '';
  const s = (new Date(iso).getTime() - Date.now()) / 1000;
  const abs = Math.abs(s);
  if (abs < 45) return s < 0 ? 'just now' : 'in a moment';
  if (abs < 3600) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(s / 3600), 'hour');
  if (abs < 86400 * 30) return rtf.format(Math.round(s / 86400), 'day');
  return dateTime(iso);
}
export const dateTime = (iso) => iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '';
export const time = (iso) => iso ? new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : '';
export const day = (iso) => iso ? new Date(iso).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' }) : '';
export const num = (n) => (n ?? 0).toLocaleString();

/** Name to show for a lead. */
export function leadName(l) {
  return (l.fields && l.fields.name) || l.display_name || prettyContact(l.contact) || 'Unknown contact';
}
export function prettyContact(c) {
  if (!c) return '';
  const digits = String(c).split('@')[0];
  return /^\d{7,15}$/.test(digits) ? '+' + digits : String(c);
}
export function initials(name) {
  const parts = String(name || '?').replace(/[^\p{L}\p{N} ]/gu, '').trim().split(/\s+/);
  return ((parts[0] || '?')[0] + (parts[1] ? parts[1][0] : '')).toUpperCase();
}

/** An empty state block. */
export function empty(title, text, action) {
  return h('div', { class: 'empty' }, icon('chat'), h('strong', {}, title), text ? h('p', {}, text) : null, action || null);
}

/** Clears field errors of a form. */
export function clearErrors(form) {
  for (const el of $$('[aria-invalid="true"]', form)) { el.removeAttribute('aria-invalid'); el.removeAttribute('aria-describedby'); }
  for (const el of $$('.field-error', form)) el.remove();
  const fe = $('.form-error', form) || null;
  if (fe) { fe.hidden = true; fe.textContent = ''; }
}

/**
 * Shows an API error on a form: next to the field it names (details.field, matched by a
 * `data-field` attribute or the input name's last segment), else in the form's .form-error.
 */
export function showError(form, err, errorEl) {
  const msg = err && err.message ? err.message : String(err);
  const field = err && err.field;
  let target = null;
  if (field && form) {
    target = form.querySelector(`[data-field="${CSS.escape(field)}"]`) ||
      form.querySelector(`[name="${CSS.escape(field.split('.').pop())}"]`);
  }
  const out = errorEl || (form && $('.form-error', form));
  if (target) {
    const id = (target.id || target.name) + '-err';
    target.setAttribute('aria-invalid', 'true');
    target.setAttribute('aria-describedby', id);
    const p = h('p', { class: 'field-error', id }, msg);
    (target.closest('.field') || target.parentElement).append(p);
    target.focus();
  }
  if (out) { out.textContent = target ? `Please check the highlighted field: ${msg}` : msg; out.hidden = false; }
  else toast('Something went wrong', { body: msg, kind: 'error' });
}

/** Opens a <dialog>; buttons with data-close close it. */
export function openDialog(dlg) {
  for (const b of $$('[data-close]', dlg)) b.onclick = () => dlg.close();
  dlg.showModal();
  const first = dlg.querySelector('input:not([type=hidden]), select, textarea');
  if (first) first.focus();
}

/** Disables a button while `fn` runs. */
export async function busy(btn, fn) {
  const was = btn ? btn.disabled : false;
  if (btn) btn.disabled = true;
  try { return await fn(); } finally { if (btn) btn.disabled = was; }
}

/** Every IANA time zone the browser knows (falls back to a short list). */
export function timeZones() {
  try {
    const list = Intl.supportedValuesOf('timeZone');
    return list.includes('UTC') ? list : ['UTC', ...list];
  } catch (_) {
    return ['UTC', 'Europe/London', 'Europe/Madrid', 'Europe/Berlin', 'America/New_York', 'America/Chicago',
      'America/Los_Angeles', 'America/Sao_Paulo', 'Asia/Kolkata', 'Asia/Singapore', 'Australia/Sydney'];
  }
}
export const localZone = () => { try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch (_) { return 'UTC'; } };

/** Fills a <select> with time zones and selects `value`. */
export function fillZones(select, value) {
  select.replaceChildren(...timeZones().map((z) => h('option', { value: z }, z.replaceAll('_', ' '))));
  const v = value || localZone();
  if (![...select.options].some((o) => o.value === v)) select.prepend(h('option', { value: v }, v));
  select.value = v;
}
