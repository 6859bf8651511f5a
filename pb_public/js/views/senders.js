// Senders: the names and addresses a user's mailings go out as. Each
// address is verified by a link mailed to it (the server's page at
// /senders/confirm/…); here the user adds one, sees whether it is
// verified, asks for the link again, or deletes it. A mailing picks its
// sender in its form (mailing-form.js).

import { pb } from '../api.js';
import { t } from '../i18n.js';
import { h, clearSent, field, message, say, problem, onSubmit, confirmThen, loadingRow, icon, tabs } from '../ui.js';
import { follow } from '../visit.js';

export function senders({ signal }) {
  document.title = `${t('senders.title')} · ${t('app.name')}`;
  const status = message('senders-status');
  const table = h('tbody', {}, loadingRow(5));
  const empty = h('p', { class: 'empty', hidden: true }, t('senders.empty'));

  const form = h('form', { id: 'new-sender', class: 'panel', novalidate: true },
    field('new-sender', 'name', { label: t('senders.name'), required: true }),
    field('new-sender', 'email', { label: t('field.email'), type: 'email', required: true }),
    field('new-sender', 'reply_to', { label: t('senders.replyTo'), type: 'email' }),
    h('button', { type: 'submit' }, t('senders.add')),
  );
  onSubmit(form, status, async ({ name, email, reply_to }) => {
    const saved = await pb.collection('senders').create({ name: name.trim(), email: email.trim(), reply_to: reply_to.trim() });
    clearSent(form, { name, email, reply_to });
    say(status, t('senders.added', { email: saved.email }));
    await load();
  }, (err) => tooMany(err));

  // a refusal of the mail limits: its own words
  function tooMany(err) {
    if (err?.status !== 429) return false;
    say(status, t('senders.tooSoon'), 'err');
    return true;
  }

  async function load() {
    try {
      const items = await pb.collection('senders').getFullList({ sort: 'name,email', signal });
      table.replaceChildren(...items.map(row));
      empty.hidden = items.length > 0;
    } catch (err) {
      if (signal.aborted) return;
      table.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  function row(s) {
    const again = s.verified ? null : h('button', { type: 'button', class: 'link', 'data-action': 'send-again' }, t('senders.sendAgain'));
    again?.addEventListener('click', async () => {
      again.disabled = true;
      try {
        const res = await pb.send(`/api/postrider/senders/${encodeURIComponent(s.id)}/verify`, { method: 'POST', signal });
        say(status, t('senders.sentAgain', { email: res.sent_to }));
      } catch (err) {
        if (!tooMany(err)) say(status, problem(err), 'err');
      } finally {
        again.disabled = false;
      }
    });
    const remove = h('button', { type: 'button', class: 'link danger' }, icon('trash-2'), t('common.delete'));
    remove.addEventListener('click', confirmThen(t('senders.deleteConfirm', { email: s.email }), status,
      () => pb.collection('senders').delete(s.id), load));
    return h('tr', { 'data-id': s.id },
      h('td', {}, s.name),
      h('td', { class: 'email' }, s.email),
      h('td', { class: 'email' }, s.reply_to || '—'),
      h('td', { class: 'state' }, h('span', { class: s.verified ? 'badge ok' : 'badge waiting' }, t(s.verified ? 'senders.verified' : 'senders.unverified'))),
      h('td', { class: 'actions' }, again, again ? ' ' : null, remove));
  }

  // a sender verified from its mail (in another tab or device) shows at once
  follow(signal, 'senders', () => load());

  load();
  return h('section', { class: 'card' },
    tabs('sending-tabs', t('nav.sending'), sendingPages),
    h('h1', {}, t('senders.title')),
    h('p', { class: 'help' }, t('senders.intro')),
    form, status,
    h('table', { id: 'senders-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('senders.name')), h('th', { scope: 'col' }, t('field.email')),
        h('th', { scope: 'col' }, t('senders.replyToShort')), h('th', { scope: 'col' }, t('senders.state')),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.actions'))))),
      table),
    empty);
}

// the sending section's pages (the header's Senders link leads to both):
// whom mail comes from, and the domains it is signed for
export const sendingPages = [['/senders', 'nav.senders'], ['/domains', 'nav.domains']];
