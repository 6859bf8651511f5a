// Lists: named groups of clients, how large audiences are addressed.

import { pb } from '../api.js';
import { t } from '../i18n.js';
import { h, clearSent, field, message, say, errorText, problem, onSubmit, confirmThen, loadingRow, icon } from '../ui.js';

export function lists({ signal }) {
  document.title = `${t('lists.title')} · ${t('app.name')}`;
  const status = message('lists-status');
  const table = h('tbody', {}, loadingRow(3));
  const empty = h('p', { class: 'empty', hidden: true }, t('lists.empty'));

  const form = h('form', { id: 'new-list', class: 'inline', novalidate: true },
    field('new-list', 'name', { label: t('lists.newName'), required: true }),
    h('button', { type: 'submit' }, t('lists.create')),
  );
  onSubmit(form, status, async ({ name }) => {
    await pb.collection('lists').create({ name });
    clearSent(form, { name });
    say(status, t('common.saved'));
    await load();
  });

  async function load() {
    table.replaceChildren(loadingRow(3));
    try {
      const [items, counts] = await Promise.all([pb.collection('lists').getFullList({ sort: 'name', signal }),
        pb.send('/api/postrider/lists/counts', { signal })]);
      table.replaceChildren(...items.map((l) => row(l, counts[l.id] || 0)));
      empty.hidden = items.length > 0;
    } catch (err) {
      table.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  function row(list, count) {
    const name = h('span', {}, list.name);
    const rename = h('button', { type: 'button', class: 'link' }, icon('pencil'), t('common.rename'));
    const remove = h('button', { type: 'button', class: 'link danger' }, icon('trash-2'), t('common.delete'));
    rename.addEventListener('click', async () => {
      const next = window.prompt(t('lists.renamePrompt'), list.name);
      if (next == null || next.trim() === '' || next === list.name) return;
      try {
        await pb.collection('lists').update(list.id, { name: next.trim() });
        await load();
      } catch (err) {
        const e = err?.response?.data?.name;
        say(status, e ? errorText(e, 'name') : problem(err), 'err');
      }
    });
    remove.addEventListener('click', confirmThen(t('lists.deleteConfirm', { name: list.name }), status,
      () => pb.collection('lists').delete(list.id), load));
    return h('tr', { 'data-id': list.id },
      h('td', {}, h('a', { href: `/clients?list=${encodeURIComponent(list.id)}`, 'data-link': true }, name)),
      h('td', { class: 'num' }, String(count)),
      h('td', { class: 'actions' }, rename, ' ', remove));
  }

  load();
  return h('section', { class: 'card' },
    h('h1', {}, t('lists.title')),
    form, status,
    h('table', { id: 'lists-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('lists.name')), h('th', { scope: 'col', class: 'num' }, t('lists.clients')), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.actions'))))),
      table),
    empty);
}
