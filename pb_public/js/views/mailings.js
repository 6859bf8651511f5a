// The list of mailings: for each, its status, when it goes out next, whom
// it reaches now and how its last run went, followed live. The form is in
// mailing-form.js, a mailing's own page in mailing-page.js.

import { pb } from '../api.js';
import { t } from '../i18n.js';
import { h, message, say, problem, icon, rowMenu } from '../ui.js';
import { follow } from '../visit.js';
import { subjectNodes, subjectText } from '../subject.js';
import { titled, whenNext, lastRun, newer, actions } from './mailing-status.js';
import { stateBadge } from '../status.js';

export function mailings({ signal }) {
  const status = message('mailings-status');
  const rows = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true }, t('mailings.empty'));
  const shown = new Map(); // id → the summary in the table

  // one request for the whole table: the server counts every mailing's
  // reach, next send and last run at once
  async function load() {
    rows.replaceChildren(h('tr', {}, h('td', { colspan: 7 }, t('common.loading'))));
    try {
      const items = await pb.send('/api/postrider/mailings/summary', { requestKey: 'mailings-summary', signal });
      shown.clear();
      for (const m of items) shown.set(m.id, m);
      rows.replaceChildren(...items.map(row));
      empty.hidden = items.length > 0;
    } catch (err) {
      rows.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  function row(m) {
    return h('tr', { 'data-id': m.id },
      h('td', {}, h('a', { href: `/mailing?id=${m.id}`, 'data-link': true }, subjectNodes(m.subject))),
      h('td', { class: 'sender' }, m.sender_email
        ? [m.sender_name, m.sender_verified ? null : h('span', { class: 'badge waiting' }, t('senders.unverified'))]
        : t('senders.none')),
      h('td', { class: 'state' }, stateBadge(m, { lastRun: m.last_run, next: m.next_send })),
      h('td', { class: 'next' }, whenNext(m, m.next_send)),
      h('td', { class: 'num' }, String(m.recipients)),
      h('td', { class: 'run' }, lastRun(m.last_run)),
      h('td', { class: 'actions' }, rowMenu(t('common.actionsFor', { name: subjectText(m.subject) }),
        actions(m, status, load, load, h('a', { href: `/mailings/edit?id=${m.id}`, 'data-link': true }, icon('pencil'), t('common.edit'))))));
  }

  // a run that sends moves its counters: its row follows
  follow(signal, 'runs', (e) => {
    const m = shown.get(e.record.mailing);
    if (!m || !newer(e.record, m.last_run)) return;
    // the skips are counted by the summary, not the run: kept for the same run
    e.record.skipped = m.last_run?.id === e.record.id ? m.last_run.skipped : {};
    m.last_run = e.record;
    rows.querySelector(`tr[data-id="${m.id}"] td.run`)?.replaceChildren(lastRun(e.record));
    rows.querySelector(`tr[data-id="${m.id}"] td.state`)?.replaceChildren(...stateBadge(m, { lastRun: e.record, next: m.next_send }));
  });

  load();
  return titled('mailings.title',
    h('p', {}, h('a', { href: '/mailings/edit', 'data-link': true, class: 'button', id: 'new-mailing' }, icon('plus'), t('mailings.new'))),
    status,
    h('table', { id: 'mailings-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('field.subject')), h('th', { scope: 'col' }, t('senders.pick')), h('th', { scope: 'col' }, t('mailings.status')),
        h('th', { scope: 'col' }, t('mailings.next')), h('th', { scope: 'col', class: 'num' }, t('mailings.recipients')),
        h('th', { scope: 'col' }, t('mailings.lastRun')),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.actions'))))),
      rows),
    empty);
}
