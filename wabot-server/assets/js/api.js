// REST client for /api/v1 with the session cookie. Browsers send Origin on POST/PATCH/PUT/DELETE,
// which is what the server's CSRF check looks at.

/** An API error with the server's `{code, message, details}` body. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `request failed (${status})`);
    this.status = status;
    this.code = (body && body.code) || 'error';
    this.details = (body && body.details) || null;
    this.field = this.details && this.details.field ? String(this.details.field) : null;
  }
}

function loginRedirect() {
  const here = location.pathname + location.search;
  location.assign('/login?error=session_expired&return_to=' + encodeURIComponent(here));
}

/** Calls the API; returns the parsed JSON (or null for 204), throws ApiError. */
export async function api(method, path, body, { raw = false } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch('/api/v1' + path, init);
  } catch (e) {
    throw new ApiError(0, { code: 'network', message: 'The server cannot be reached. Check your connection and try again.' });
  }
  if (res.status === 401) {
    loginRedirect();
    throw new ApiError(401, { code: 'unauthorized', message: 'Your session has ended.' });
  }
  if (res.status === 204) return null;
  if (raw && res.ok) return res;
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (_) { json = null; }
  if (!res.ok) throw new ApiError(res.status, json || { message: text.slice(0, 200) });
  return json;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => api('PATCH', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

/** Builds a query string from an object, skipping empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

// The WebSocket sends domain objects; the REST API sends API bodies. These turn the former
// into the latter so pages handle one shape.

/** A lead as the REST API shows it. */
export function normLead(l) {
  if (!l) return l;
  if ('handled_by_agent' in l) return l;
  const h = l.handler;
  return {
    id: l.id, workspace_id: l.workspace_id, bot_id: l.bot_id,
    contact: typeof l.contact === 'string' ? l.contact : String(l.contact ?? ''),
    display_name: l.display_name ?? null,
    fields: {
      name: l.fields?.name ?? null, email: l.fields?.email ?? null,
      phone: l.fields?.phone ?? null, location: l.fields?.location ?? null,
    },
    status: l.status, assignee: l.assignee ?? null,
    handled_by_agent: h && h.by === 'agent' ? h.agent : null,
    created_at: l.created_at, updated_at: l.updated_at, qualified_at: l.qualified_at ?? null,
    unanswered_since: l.unanswered_since ?? null,
  };
}

/** A message as the REST API shows it. */
export function normMessage(m) {
  if (!m) return m;
  if (typeof m.sender === 'string') return m;
  const s = m.sender || {};
  return {
    id: m.id, bot_id: m.bot_id, lead_id: m.lead_id, direction: m.direction,
    sender: s.kind || (m.direction === 'inbound' ? 'contact' : 'bot'),
    agent_id: s.kind === 'agent' ? s.user : null,
    body: m.body, delivery: m.delivery, error: m.error || null, created_at: m.created_at,
  };
}
