// Logs: every delivery of the user's mailings, filtered by mailing, status
// and dates, with a chart of sent and failed messages per day above the
// table, and the filtered log exported as CSV.

import { pb, user } from '../api.js';
import { t, lang } from '../i18n.js';
import { h, message, say, problem, downloadCSV, loadingRow } from '../ui.js';
import { fromWall, forAPI, show, stamp, parse } from '../time.js';

const svgNS = 'http://www.w3.org/2000/svg';

// svgEl makes an SVG element, as h makes an HTML one (text as text).
function svgEl(tag, attrs, ...children) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

// niceStep is 1, 2 or 5 times a power of ten, at least raw (and 1).
function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

export function logs() {
  document.title = `${t('logs.title')} · ${t('app.name')}`;
  const tz = user()?.timezone || 'UTC';
  const status = message('logs-status');
  const mailing = h('select', { id: 'logs-mailing' });
  const state = h('select', { id: 'logs-status-filter' },
    ['', 'sent', 'failed', 'pending'].map((s) => h('option', { value: s }, s ? t(`delivery.${s}`) : t('logs.anyStatus'))));
  const from = h('input', { type: 'date', id: 'logs-from' });
  const to = h('input', { type: 'date', id: 'logs-to' });
  const label = (input, key) => h('div', { class: 'field' }, h('label', { for: input.id }, t(key)), input);
  const filters = h('form', { class: 'inline', id: 'logs-filters', onsubmit: (ev) => { ev.preventDefault(); reload(); } },
    label(mailing, 'logs.mailing'), label(state, 'mailings.status'), label(from, 'logs.from'), label(to, 'logs.to'),
    h('button', { type: 'submit', class: 'secondary' }, t('logs.apply')),
    h('button', { type: 'button', class: 'secondary', id: 'logs-export', onclick: exportCSV }, t('logs.export')));
  const chart = h('figure', { id: 'logs-chart', class: 'chart' }, h('figcaption', {}, t('common.loading')));
  const rows = h('tbody', {}, loadingRow(5));
  const pager = h('nav', { class: 'pager', 'aria-label': t('clients.pages') });
  let subjects = {};
  let page = 1;

  // the PocketBase filter of the table and the export
  function filter() {
    const parts = [];
    if (mailing.value) parts.push(pb.filter('mailing = {:m}', { m: mailing.value }));
    if (state.value) parts.push(pb.filter('status = {:s}', { s: state.value }));
    const at = (op, day, plusDay) => {
      const d = fromWall(`${day}T00:00`, tz);
      if (plusDay) d.setTime(fromWall(nextDay(day), tz).getTime());
      return pb.filter(`(sent_at ${op} {:x} || (sent_at = '' && updated ${op} {:x}))`, { x: forAPI(d) });
    };
    if (from.value) parts.push(at('>=', from.value));
    if (to.value) parts.push(at('<', to.value, true));
    return parts.join(' && ');
  }

  function nextDay(day) {
    const d = new Date(`${day}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    return `${d.toISOString().slice(0, 10)}T00:00`;
  }

  async function loadTable(p = page) {
    page = p;
    rows.replaceChildren(loadingRow(5));
    const res = await pb.collection('deliveries').getList(page, 20, { filter: filter(), sort: '-sent_at,-updated' });
    rows.replaceChildren(...res.items.map((d) => h('tr', { 'data-id': d.id },
      h('td', {}, show(d.sent_at || d.updated, tz)), h('td', {}, subjects[d.mailing] || ''), h('td', {}, d.email),
      h('td', {}, t(`delivery.${d.status}`)), h('td', { class: 'reply' }, d.response))));
    pager.replaceChildren(
      h('button', { type: 'button', class: 'secondary', disabled: res.page <= 1, onclick: () => loadTable(res.page - 1) }, t('clients.prev')),
      h('span', { id: 'logs-page' }, t('mailings.logPage', { page: res.page, pages: Math.max(res.totalPages, 1), total: res.totalItems })),
      h('button', { type: 'button', class: 'secondary', disabled: res.page >= res.totalPages, onclick: () => loadTable(res.page + 1) }, t('clients.next')));
  }

  async function loadChart() {
    const q = new URLSearchParams();
    if (mailing.value) q.set('mailing', mailing.value);
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    const days = await pb.send(`/api/postrider/deliveries/daily?${q}`, {});
    drawChart(days);
  }

  // the chart: stacked bars of sent (green) and failed (red) messages per
  // day, counts up the left with a few round ticks, days along the bottom,
  // a legend above; only the statuses the table shows (the status filter).
  // The same numbers are in the caption's list for screen readers.
  function drawChart(daily) {
    const series = ['sent', 'failed'].filter((s) => !state.value || state.value === s);
    const days = fillDays(daily);
    const total = (d) => series.reduce((n, s) => n + d[s], 0);
    if (!days.some(total)) {
      chart.replaceChildren(h('figcaption', {}, t('logs.noData')));
      return;
    }
    // drawn at the figure's own width, so that 12-pixel words stay 12 pixels on a phone
    const w = Math.max(280, Math.round(chart.clientWidth) || 640);
    const hgt = 220, left = 44, bottom = 44, top = 12, plotW = w - left - 8, plotH = hgt - top - bottom;
    const step = niceStep(Math.max(...days.map(total)) / 4);
    const topValue = Math.ceil(Math.max(...days.map(total)) / step) * step;
    const y = (v) => top + plotH - (v / topValue) * plotH;
    const slot = plotW / days.length, bar = Math.max(2, Math.min(40, slot * 0.7));
    const svg = svgEl('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-labelledby': 'logs-chart-caption' });
    for (let v = 0; v <= topValue; v += step) {
      svg.append(svgEl('line', { x1: left, x2: w - 8, y1: y(v), y2: y(v), class: v ? 'grid' : 'axis' }),
        svgEl('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick y' }, String(v)));
    }
    svg.append(svgEl('line', { x1: left, x2: left, y1: top, y2: top + plotH, class: 'axis' }),
      svgEl('text', { x: 12, y: top + plotH / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${top + plotH / 2})`, class: 'axis-title' }, t('logs.axisCount')),
      svgEl('text', { x: left + plotW / 2, y: hgt - 4, 'text-anchor': 'middle', class: 'axis-title' }, t('logs.axisDay')));
    const every = Math.ceil(days.length / Math.max(1, Math.floor(plotW / 64))); // a day label per 64 pixels at most
    const dayName = new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'short', timeZone: 'UTC' });
    days.forEach((d, i) => {
      const x = left + i * slot + (slot - bar) / 2;
      let base = 0;
      for (const s of series) {
        if (!d[s]) continue;
        svg.append(svgEl('rect', { x, y: y(base + d[s]), width: bar, height: y(base) - y(base + d[s]), class: s },
          svgEl('title', {}, t('logs.barTitle', { day: d.day, sent: d.sent, failed: d.failed }))));
        base += d[s];
      }
      if (i % every === 0) {
        svg.append(svgEl('text', { x: x + bar / 2, y: top + plotH + 16, 'text-anchor': 'middle', class: 'tick x' }, dayName.format(new Date(`${d.day}T00:00:00Z`))));
      }
    });
    chart.replaceChildren(
      h('ul', { class: 'legend' }, series.map((s) => h('li', { class: s }, t(`logs.legend.${s}`)))),
      svg,
      h('figcaption', { id: 'logs-chart-caption' }, t('logs.chartCaption'),
        h('ul', { class: 'chart-data' }, days.filter(total).map((d) => h('li', {}, t('logs.barTitle', { day: d.day, sent: d.sent, failed: d.failed }))))));
  }

  // fillDays puts the days without messages between the first and the last
  // (up to two months of them), so that the days axis runs evenly
  function fillDays(daily) {
    if (daily.length < 2) return daily;
    const byDay = Object.fromEntries(daily.map((d) => [d.day, d]));
    const out = [];
    for (let d = new Date(`${daily[0].day}T00:00:00Z`); out.length <= 62; d.setUTCDate(d.getUTCDate() + 1)) {
      const day = d.toISOString().slice(0, 10);
      out.push(byDay[day] || { day, sent: 0, failed: 0 });
      if (day === daily.at(-1).day) return out;
    }
    return daily;
  }

  async function exportCSV() {
    try {
      const items = await pb.collection('deliveries').getFullList({ filter: filter(), sort: '-sent_at,-updated', batch: 500 });
      // times on the user's clock, the zone named in the header
      downloadCSV('postrider-log.csv', [`time (${tz})`, 'mailing', 'email', 'status', 'attempts', 'response', 'message_id'],
        items.map((d) => [stamp(parse(d.sent_at || d.updated), tz), subjects[d.mailing], d.email, d.status, d.attempts, d.response, d.message_id]));
      say(status, t('logs.exported', { n: items.length }));
    } catch (err) {
      say(status, problem(err), 'err');
    }
  }

  async function reload() {
    try {
      await Promise.all([loadTable(1), loadChart()]);
    } catch (err) {
      rows.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  (async () => {
    try {
      const ms = await pb.collection('mailings').getFullList({ sort: 'subject', filter: pb.filter('owner = {:me}', { me: user().id }) });
      subjects = Object.fromEntries(ms.map((m) => [m.id, m.subject]));
      mailing.replaceChildren(h('option', { value: '' }, t('logs.allMailings')), ...ms.map((m) => h('option', { value: m.id }, m.subject)));
      await reload();
    } catch (err) {
      say(status, problem(err), 'err');
    }
  })();

  return h('section', { class: 'card wide' }, h('h1', {}, t('logs.title')), filters, status, chart,
    h('table', { id: 'logs-table' }, h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('mailings.time')), h('th', { scope: 'col' }, t('logs.mailing')),
      h('th', { scope: 'col' }, t('field.email')), h('th', { scope: 'col' }, t('mailings.status')),
      h('th', { scope: 'col' }, t('mailings.reply')))), rows),
    pager);
}
