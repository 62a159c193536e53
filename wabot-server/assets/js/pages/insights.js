// Insights: messages per day, the conversion funnel and AI latency from GET /metrics/summary.

import { boot, get, qs, on, $, num, empty } from '../app.js';
import { barChart, funnelChart, valueBars } from '../chart.js';

async function load() {
  const days = $('#days').value;
  const sum = await get('/metrics/summary' + qs({ workspace_id: boot.workspace_id, days }));
  const per = sum.messages_per_day;
  const total = per.reduce((a, d) => a + d.inbound + d.outbound, 0);
  $('#k-messages').textContent = num(total);
  $('#k-captured').textContent = num(sum.funnel.captured);
  $('#k-conversion').textContent = sum.funnel.captured ? `${Math.round((100 * sum.funnel.won) / sum.funnel.captured)}%` : '–';
  $('#k-p50').textContent = sum.ai_latency.samples ? `${Math.round(sum.ai_latency.p50_ms).toLocaleString()} ms` : '–';
  const labels = per.map((d) => new Date(d.day + 'T12:00:00').toLocaleDateString(undefined, { day: 'numeric', month: 'short' }));
  barChart($('#chart-messages'), {
    title: `Messages per day over the last ${days} days: ${total} in total`,
    categories: labels,
    series: [
      { name: 'From customers', color: '#0f9d6b', values: per.map((d) => d.inbound) },
      { name: 'Sent by bots and agents', color: '#93c5fd', values: per.map((d) => d.outbound) },
    ],
  });
  const f = sum.funnel;
  funnelChart($('#chart-funnel'), {
    title: `Conversion funnel: ${f.captured} captured, ${f.qualified} qualified, ${f.assigned} assigned, ${f.won} won`,
    steps: [
      { label: 'Captured', value: f.captured }, { label: 'Qualified', value: f.qualified },
      { label: 'Assigned', value: f.assigned }, { label: 'Won', value: f.won },
    ],
  });
  const lat = sum.ai_latency;
  if (!lat.samples) {
    $('#chart-latency').replaceChildren(empty('No AI replies yet', 'Latency percentiles appear once the bots have answered.'));
    $('#latency-samples').textContent = '';
  } else {
    valueBars($('#chart-latency'), {
      title: `AI reply latency: p50 ${Math.round(lat.p50_ms)} ms, p90 ${Math.round(lat.p90_ms)} ms, p99 ${Math.round(lat.p99_ms)} ms`,
      unit: ' ms',
      items: [{ label: 'p50', value: lat.p50_ms }, { label: 'p90', value: lat.p90_ms }, { label: 'p99', value: lat.p99_ms }],
    });
    $('#latency-samples').textContent = `Based on the last ${num(lat.samples)} model calls.`;
  }
}

$('#days').addEventListener('change', () => load().catch(() => {}));
let timer = null;
const soon = () => { clearTimeout(timer); timer = setTimeout(() => load().catch(() => {}), 1500); };
for (const ev of ['message.received', 'message.sent', 'lead.qualified', 'lead.assigned', 'lead.updated', 'reconnected']) on(ev, soon);

load().catch((err) => $('#chart-messages').replaceChildren(empty('Could not load the figures', err.message)));
