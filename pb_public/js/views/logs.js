// Logs: every delivery of the user's mailings, filtered by mailing, status
// and dates, with a chart of sent and failed messages per day above the
// table, and the filtered log exported as CSV.

import { pb, user } from '../api.js';
import { t } from '../i18n.js';
import { h, message, say, problem, downloadCSV, loadingRow } from '../ui.js';
import { fromWall, forAPI, show, stamp, parse } from '../time.js';
import { barChart } from '../chart.js';


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
    barChart(chart, days, ['sent', 'failed'].filter((s) => !state.value || state.value === s));
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
