// Bot settings: prompt, language model (+ key), features, working hours, away message,
// required fields, pacing and transport. Saved with PATCH /bots/{id}; the API validates and
// names the offending field, shown next to it.

import { boot, get, patch, put, post, del, on, $, $$, setPill, botStatusLabel, toast, clearErrors, showError, busy, fillZones, localZone, canManage } from '../app.js';

const id = boot.bot_id;
const form = $('#settings-form');
let bot = null;

function val(name) { return form.elements[name]; }

function fill(b) {
  bot = b;
  document.title = `${b.name} · wabot`;
  $('#bot-name').textContent = b.name;
  setPill($('#bot-status'), b.status, botStatusLabel(b.status));
  $('#link-pair').hidden = b.transport.kind !== 'web' && b.transport.kind !== 'native';
  $('#link-sim').hidden = b.transport.kind !== 'sandbox';
  const run = $('#toggle-run');
  run.hidden = !canManage();
  run.textContent = b.enabled ? 'Stop' : 'Start';

  val('name').value = b.name;
  val('prompt').value = b.prompt;
  $('#prompt-count').textContent = b.prompt.length;
  val('fallback_message').value = b.fallback_message || '';

  val('provider').value = b.llm.provider;
  val('model').value = b.llm.model || '';
  val('base_url').value = b.llm.base_url || '';
  val('temperature').value = Math.round(b.llm.temperature * 100) / 100;
  val('max_tokens').value = b.llm.max_tokens;
  val('timeout_ms').value = b.llm.timeout_ms;
  val('api_key').value = '';
  $('#key-state').textContent = b.llm.has_api_key ? 'A key is stored (encrypted). Type a new one to replace it.' : 'No key stored.';
  modelFields();

  const f = b.features;
  val('auto_response').checked = f.auto_response;
  val('lead_capture').checked = f.lead_capture;
  val('scheduling').checked = f.scheduling;
  for (const c of $$('input[name="required"]', form)) c.checked = f.required_fields.includes(c.value);
  const wh = f.working_hours;
  $('#wh-on').checked = !!wh;
  val('wh_start').value = wh ? wh.start : '09:00';
  val('wh_end').value = wh ? wh.end : '18:00';
  fillZones($('#wh-tz'), wh ? wh.time_zone : localZone());
  const days = wh ? wh.days : ['mon', 'tue', 'wed', 'thu', 'fri'];
  for (const c of $$('input[name="day"]', form)) c.checked = days.includes(c.value);
  val('away_message').value = f.away_message || '';
  hoursFields();

  val('base_ms').value = b.pacing.base_ms;
  val('per_char_ms').value = b.pacing.per_char_ms;
  val('max_ms').value = b.pacing.max_ms;
  val('jitter').value = Math.round(b.pacing.jitter * 100) / 100;

  for (const r of $$('input[name="t_kind"]', form)) r.checked = r.value === b.transport.kind;
  val('pairing_phone').value = b.transport.pairing_phone || '';
  val('phone_number_id').value = b.transport.phone_number_id || '';
  val('graph_base_url').value = b.transport.graph_base_url || '';
  for (const n of ['access_token', 'app_secret', 'verify_token']) val(n).value = '';
  $('#cloud-state').textContent = b.has_cloud_credentials ? 'stored' : 'none stored';
  $('#cloud-webhook').textContent = `${location.origin}/webhooks/cloud/${b.id}`;
  transportFields();
  form.setAttribute('aria-busy', 'false');
  if (!canManage()) for (const el of form.elements) el.disabled = true;
}

function modelFields() {
  const offline = val('provider').value === 'offline';
  for (const n of ['model', 'base_url', 'api_key', 'temperature', 'max_tokens']) val(n).closest('.field').hidden = offline;
}
function hoursFields() { $('#wh-fields').hidden = !$('#wh-on').checked; }
function transportFields() {
  const k = form.querySelector('input[name="t_kind"]:checked')?.value;
  $('#t-web').hidden = k !== 'web' && k !== 'native';
  $('#t-cloud').hidden = k !== 'cloud';
}

// Field names the API reports (details.field) → the input to highlight.
const FIELD_MAP = {
  'features.working_hours.start': 'wh_start', 'features.working_hours.end': 'wh_end',
  'features.working_hours.time_zone': 'wh_tz', 'features.working_hours.days': 'wh_start',
  'features.working_hours': 'wh_start', 'features.away_message': 'away_message',
  'llm.base_url': 'base_url', 'llm.model': 'model', 'llm.temperature': 'temperature',
  'llm.max_tokens': 'max_tokens', 'llm.timeout_ms': 'timeout_ms',
  'transport.pairing_phone': 'pairing_phone', 'transport.phone_number_id': 'phone_number_id',
  'transport.graph_base_url': 'graph_base_url', fallback_message: 'fallback_message',
};
for (const [field, name] of Object.entries(FIELD_MAP)) { const el = val(name); if (el && !el.dataset.field) el.dataset.field = field; }

function body() {
  const numOr = (name, d) => { const v = val(name).value; return v === '' ? d : Number(v); };
  const kind = form.querySelector('input[name="t_kind"]:checked')?.value || 'sandbox';
  const days = $$('input[name="day"]:checked', form).map((c) => c.value);
  return {
    name: val('name').value.trim(),
    prompt: val('prompt').value,
    fallback_message: val('fallback_message').value.trim() || undefined,
    llm: {
      provider: val('provider').value,
      model: val('model').value.trim() || null,
      base_url: val('base_url').value.trim() || null,
      temperature: numOr('temperature', bot.llm.temperature),
      max_tokens: numOr('max_tokens', bot.llm.max_tokens),
      timeout_ms: numOr('timeout_ms', bot.llm.timeout_ms),
    },
    features: {
      auto_response: val('auto_response').checked,
      lead_capture: val('lead_capture').checked,
      scheduling: val('scheduling').checked,
      required_fields: $$('input[name="required"]:checked', form).map((c) => c.value),
      away_message: val('away_message').value.trim() || null,
      working_hours: $('#wh-on').checked ? {
        start: val('wh_start').value, end: val('wh_end').value, days, time_zone: val('wh_tz').value,
      } : null,
    },
    pacing: {
      base_ms: numOr('base_ms', 0), per_char_ms: numOr('per_char_ms', 0),
      max_ms: numOr('max_ms', 0), jitter: numOr('jitter', 0),
    },
    transport: {
      kind,
      pairing_phone: val('pairing_phone').value.trim() || null,
      phone_number_id: val('phone_number_id').value.trim() || null,
      graph_base_url: val('graph_base_url').value.trim() || null,
    },
  };
}

form.addEventListener('input', (e) => {
  if (e.target === val('prompt')) $('#prompt-count').textContent = val('prompt').value.length;
});
form.addEventListener('change', (e) => {
  if (e.target === val('provider')) modelFields();
  if (e.target.id === 'wh-on') hoursFields();
  if (e.target.name === 't_kind') transportFields();
});
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  clearErrors(form);
  const errEl = $('#settings-error');
  const b = body();
  if ($('#wh-on').checked && !b.features.working_hours.days.length) {
    showError(form, { message: 'Pick at least one day.', field: 'features.working_hours' }, errEl);
    return;
  }
  await busy($('#save-settings'), async () => {
    try {
      const key = val('api_key').value.trim();
      let saved = await patch(`/bots/${id}`, b);
      if (key) {
        try { await put(`/bots/${id}/llm-key`, { api_key: key }); saved = await get(`/bots/${id}`); }
        catch (err) { err.field = err.field || 'api_key'; throw err; }
      }
      const creds = ['access_token', 'app_secret', 'verify_token'].map((n) => val(n).value.trim());
      if (b.transport.kind === 'cloud' && creds.some(Boolean)) {
        if (!creds.every(Boolean)) throw Object.assign(new Error('Fill all three Cloud API credentials to replace them.'), { field: 'access_token' });
        await put(`/bots/${id}/cloud-credentials`, { access_token: creds[0], app_secret: creds[1], verify_token: creds[2] });
        saved = await get(`/bots/${id}`);
      }
      fill(saved);
      $('#saved-at').textContent = `Saved at ${new Date().toLocaleTimeString()}`;
      toast('Settings saved', { kind: 'success', timeout: 3000 });
    } catch (err) {
      showError(form, err, errEl);
    }
  });
});

// Test connection: one tiny chat request with the form's current model settings (and the
// typed key, if any; else the stored one). A failing provider is a normal answer (ok: false).
$('#test-llm').addEventListener('click', async (e) => {
  const out = $('#llm-test-result');
  out.className = 'test-result';
  out.textContent = 'Testing…';
  const req = {
    provider: val('provider').value,
    model: val('model').value.trim(),
    base_url: val('base_url').value.trim(),
  };
  const key = val('api_key').value.trim();
  if (key) req.api_key = key;
  await busy(e.currentTarget, async () => {
    try {
      const r = await post(`/bots/${id}/llm/test`, req);
      out.classList.add(r.ok ? 'ok' : 'fail');
      out.textContent = r.ok ? `Connected · ${r.model} · ${r.latency_ms} ms` : r.message;
    } catch (err) {
      out.classList.add('fail');
      out.textContent = err.message || 'Could not run the test.';
    }
  });
});

$('#toggle-run').addEventListener('click', async (e) => {
  await busy(e.currentTarget, async () => {
    try {
      const rt = await post(`/bots/${id}/${bot.enabled ? 'stop' : 'start'}`);
      bot.enabled = rt.enabled; bot.status = rt.status;
      fill(bot);
    } catch (err) { toast('Could not change the bot', { body: err.message, kind: 'error' }); }
  });
});

$('#delete-bot')?.addEventListener('click', async (e) => {
  if (!confirm(`Delete ${bot.name}? This cannot be undone.`)) return;
  await busy(e.currentTarget, async () => {
    try { await del(`/bots/${id}`); location.assign('/bots'); }
    catch (err) { toast('Could not delete the bot', { body: err.message, kind: 'error' }); }
  });
});

// Tabs: highlight the section in view.
const tabs = $$('.tab');
const observer = new IntersectionObserver((entries) => {
  for (const en of entries) {
    if (en.isIntersecting) for (const t of tabs) t.classList.toggle('active', t.getAttribute('href') === '#' + en.target.id);
  }
}, { rootMargin: '-40% 0px -55% 0px' });
for (const s of $$('.settings > section')) observer.observe(s);

on('bot.status', (d) => {
  if (d.bot_id !== id || !bot) return;
  bot.status = d.status;
  setPill($('#bot-status'), d.status, botStatusLabel(d.status));
});

get(`/bots/${id}`).then(fill).catch((err) => {
  form.setAttribute('aria-busy', 'false');
  showError(form, err, $('#settings-error'));
});
