// A small chart module: inline SVG line/bar/funnel charts with accessible titles and legends.
// No dependencies; numbers only (labels are set as text, never HTML).

const NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** A maximum that splits into 4 round steps (4, 8, 20, 40, 80, 200, …). */
function niceMax(v) {
  const raw = Math.max(1, v / 4);
  const p = 10 ** Math.floor(Math.log10(raw));
  const n = raw / p;
  const step = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * p;
  return step * 4;
}

function legend(series) {
  const box = document.createElement('div');
  box.className = 'legend';
  for (const se of series) {
    const item = document.createElement('span');
    const sw = document.createElement('i');
    sw.style.background = se.color;
    item.append(sw, document.createTextNode(se.name));
    box.append(item);
  }
  return box;
}

/**
 * Grouped bars per category: `categories` are labels, `series` = [{name, color, values}].
 * Renders into `fig` (a <figure>), replacing its content.
 */
export function barChart(fig, { categories, series, title }) {
  const W = 960, H = 260, L = 40, R = 8, T = 10, B = 28;
  const max = niceMax(Math.max(1, ...series.flatMap((x) => x.values)));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  svg.append(s('title', {}, title));
  const g = s('g', { class: 'grid' });
  for (let i = 0; i <= 4; i++) {
    const y = T + ((H - T - B) * i) / 4;
    g.append(s('line', { x1: L, x2: W - R, y1: y, y2: y }));
    g.append(s('text', { x: L - 6, y: y + 4, 'text-anchor': 'end' }, Math.round(max - (max * i) / 4).toLocaleString()));
  }
  svg.append(g);
  const band = (W - L - R) / Math.max(1, categories.length);
  const bw = Math.max(2, Math.min(18, (band * 0.75) / series.length));
  const every = Math.ceil(categories.length / 10);
  categories.forEach((c, i) => {
    const x0 = L + band * i + (band - bw * series.length) / 2;
    series.forEach((se, j) => {
      const v = se.values[i] || 0;
      const h = ((H - T - B) * v) / max;
      const r = s('rect', { x: x0 + j * bw, y: H - B - h, width: bw - 1, height: Math.max(0, h), rx: 2, fill: se.color });
      r.append(s('title', {}, `${c}: ${v.toLocaleString()} ${se.name.toLowerCase()}`));
      svg.append(r);
    });
    if (i % every === 0) svg.append(s('text', { x: L + band * i + band / 2, y: H - 8, 'text-anchor': 'middle' }, c));
  });
  fig.replaceChildren(svg, legend(series));
}

/** Horizontal funnel: `steps` = [{label, value}], each bar as a share of the first. */
export function funnelChart(fig, { steps, title, color = '#0f9d6b' }) {
  const W = 420, rowH = 44, H = steps.length * rowH, L = 90, R = 70;
  const top = Math.max(1, steps[0]?.value || 0);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  svg.append(s('title', {}, title));
  steps.forEach((st, i) => {
    const y = i * rowH + 8;
    const w = ((W - L - R) * st.value) / top;
    svg.append(s('text', { x: L - 8, y: y + 19, 'text-anchor': 'end' }, st.label));
    svg.append(s('rect', { x: L, y, width: W - L - R, height: 28, rx: 6, fill: '#eef0f3' }));
    const bar = s('rect', { x: L, y, width: Math.max(st.value ? 3 : 0, w), height: 28, rx: 6, fill: color, opacity: 1 - i * 0.15 });
    bar.append(s('title', {}, `${st.label}: ${st.value}`));
    svg.append(bar);
    const pct = i === 0 ? '' : ` · ${Math.round((100 * st.value) / top)}%`;
    svg.append(s('text', { x: W - R + 8, y: y + 19, class: 'bar-label' }, `${st.value.toLocaleString()}${pct}`));
  });
  fig.replaceChildren(svg);
}

/** Vertical bars for a few labelled values (e.g. latency percentiles), with a unit suffix. */
export function valueBars(fig, { items, title, unit = '', color = '#2563eb' }) {
  const W = 420, H = 220, T = 22, B = 28, L = 16;
  const max = niceMax(Math.max(1, ...items.map((x) => x.value)));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
  svg.append(s('title', {}, title));
  const band = (W - 2 * L) / items.length;
  items.forEach((it, i) => {
    const h = ((H - T - B) * it.value) / max;
    const x = L + band * i + band * 0.25;
    svg.append(s('rect', { x, y: H - B - h, width: band * 0.5, height: Math.max(0, h), rx: 4, fill: color, opacity: 0.55 + 0.15 * i }));
    svg.append(s('text', { x: x + band * 0.25, y: H - B - h - 6, 'text-anchor': 'middle', class: 'bar-label' }, `${Math.round(it.value).toLocaleString()}${unit}`));
    svg.append(s('text', { x: x + band * 0.25, y: H - 8, 'text-anchor': 'middle' }, it.label));
  });
  fig.replaceChildren(svg);
}
