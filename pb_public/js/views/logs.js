// Logs: every delivery of the user's mailings, filtered by mailing, status
// and dates, with a chart of sent and failed messages per day above the
// table, and the filtered log exported as CSV.

import { pb, user } from '../api.js';
import { t } from '../i18n.js';
import { h, message, say, problem, downloadExport, loadingRow } from '../ui.js';
import { show } from '../time.js';
import { barChart } from '../chart.js';
import { pager, showPage, afterRows } from '../pager.js';
import { userZone } from '../zone.js';
import { bounceBadge } from '../bounce.js';
import { subjectNodes, subjectText } from '../subject.js';

export function logs({ signal }) {
  document.title = `${t('logs.title')} · ${t('app.name')}`;
  const tz = userZone();
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
  const nav = pager();
  const ends = afterRows();
  const kept = h('p', { class: 'help', id: 'logs-kept', hidden: true });
  let subjects = {};
  let page = 1;

  // the filters as the log's routes take them (the table, the export;
  // the chart leaves out the status and draws the one asked for)
  function params(withStatus = true) {
    const q = new URLSearchParams();
    if (mailing.value) q.set('mailing', mailing.value);
    if (withStatus && state.value) q.set('status', state.value);
    if (from.value) q.set('from', from.value);
    if (to.value) q.set('to', to.value);
    return q;
  }

  async function loadTable(p = page) {
    page = p;
    rows.replaceChildren(loadingRow(5));
    const q = params();
    q.set('page', page);
    q.set('perPage', 20);
    if (ends.after(page)) q.set('after', ends.after(page));
    const res = await pb.send(`/api/postrider/deliveries/log?${q}`, { signal });
    ends.shown(page, res.items);
    rows.replaceChildren(...res.items.map((d) => h('tr', { 'data-id': d.id },
      h('td', {}, show(d.sent_at || d.updated, tz)), h('td', {}, subjectNodes(subjects[d.mailing] || '')), h('td', {}, d.email),
      h('td', {}, t(`delivery.${d.status}`), ' ', bounceBadge(d, tz)), h('td', { class: 'reply' }, d.response))));
    showPage(nav, res, 'mailings.logPage', loadTable, 'logs-page');
    kept.hidden = !res.kept_days;
    kept.textContent = res.kept_days ? t('logs.kept', { n: res.kept_days }) : '';
  }

  async function loadChart() {
    const days = await pb.send(`/api/postrider/deliveries/daily?${params(false)}`, { signal });
    barChart(chart, days, ['sent', 'failed'].filter((s) => !state.value || state.value === s));
  }

  // the server streams the filtered log (times on the user's clock, the
  // zone named in the header), as the table has it
  async function exportCSV() {
    try {
      const n = await downloadExport(`/api/postrider/deliveries/export?${params()}`, 'postrider-log.csv',
        (rows) => say(status, t('logs.exporting', { n: rows })));
      say(status, t('logs.exported', { n }));
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
      const ms = await pb.collection('mailings').getFullList({ sort: 'subject', filter: pb.filter('owner = {:me}', { me: user().id }), signal });
      subjects = Object.fromEntries(ms.map((m) => [m.id, m.subject]));
      mailing.replaceChildren(h('option', { value: '' }, t('logs.allMailings')), ...ms.map((m) => h('option', { value: m.id }, subjectText(m.subject))));
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
    nav, kept);
}
