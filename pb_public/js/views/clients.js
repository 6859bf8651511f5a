// Clients: the people mailings go to. The table first: search, filter by
// list, pages of 50 sorted by email whatever its capitals; edit, delete;
// put many into a list or take them out at once. Adding opens a form above
// the table; the import has its own page (import.js).

import { pb } from '../api.js';
import { t, lang } from '../i18n.js';
import { parse } from '../time.js';
import { h, field, message, say, clearErrors, problem, downloadExport, onSubmit, confirmThen, loadingRow, icon } from '../ui.js';
import { pager, showPage } from '../pager.js';
import { userZone, zoneChoices } from '../zone.js';

const perPage = 50;

export function clients({ signal }) {
  document.title = `${t('clients.title')} · ${t('app.name')}`;
  const params = new URLSearchParams(location.search);
  const state = { q: params.get('q') || '', list: params.get('list') || '', bouncing: params.get('bouncing') === '1',
    page: Number(params.get('page')) || 1, editing: null, fresh: null };
  let lists = [];
  const status = message('clients-status');

  // the add / edit form, closed until "Add a client" or Edit opens it
  const listSelect = h('select', { id: 'client-list', name: 'list' });
  const form = h('form', { id: 'client', class: 'panel', novalidate: true, hidden: true },
    h('h2', { id: 'client-title' }, t('clients.new')),
    field('client', 'email', { label: t('field.email'), type: 'email', required: true }),
    field('client', 'name', { label: t('clients.fullName') }),
    field('client', 'comment', { label: t('clients.comment') }),
    // the client's own zone, for windows sent at each recipient's own time
    field('client', 'timezone', { label: t('clients.timezone'), list: 'client-zones', help: t('clients.timezoneHelp', { tz: userZone() }) }),
    zoneChoices('client-zones'),
    h('div', { class: 'field' }, h('label', { for: 'client-list' }, t('clients.inList')), listSelect),
    h('fieldset', { id: 'client-lists', hidden: true }, h('legend', {}, t('nav.lists'))),
    h('button', { type: 'submit' }, t('common.save')), ' ',
    h('button', { type: 'button', class: 'secondary', id: 'client-cancel' }, t('common.cancel')),
  );
  form.querySelector('#client-cancel').addEventListener('click', close);
  // saved: the form closes, "Saved." takes its place, and the client's row
  // is highlighted; a new client on the page where it lands (all clients)
  onSubmit(form, status, async ({ email, name, comment, timezone }) => {
    const data = { email: email.trim(), name, comment, timezone: timezone.trim() };
    let saved;
    if (state.editing) {
      data.lists = [...form.querySelectorAll('#client-lists input:checked')].map((c) => c.value);
      saved = await pb.collection('clients').update(state.editing.id, data);
    } else {
      data.lists = listSelect.value ? [listSelect.value] : [];
      saved = await pb.collection('clients').create(data);
      state.q = search.value = '';
      state.list = filter.value = '';
      state.page = await pageOf(saved.email);
      remember();
    }
    state.fresh = saved.id;
    close();
    say(status, t('clients.saved', { email: saved.email }));
    await load();
  });

  // pageOf is the page of all clients on which email sits, in the table's
  // order (SQLite's LOWER changes A–Z only, so the same here)
  async function pageOf(email) {
    const lower = email.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const before = await pb.collection('clients').getList(1, 1, { filter: pb.filter('email:lower < {:e}', { e: lower }), fields: 'id', signal });
    return Math.floor(before.totalItems / perPage) + 1;
  }

  function close() {
    form.hidden = true;
    state.editing = null;
  }

  function edit(client) {
    state.editing = client;
    clearErrors(form);
    form.reset();
    form.hidden = false;
    form.querySelector('#client-title').textContent = client ? t('clients.edit', { email: client.email }) : t('clients.new');
    listSelect.closest('.field').hidden = !!client;
    // editing: every list, ticked where the client is
    const checks = form.querySelector('#client-lists');
    checks.hidden = !client;
    checks.replaceChildren(checks.firstChild, ...(client ? lists.map((l) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: l.id, checked: client.lists.includes(l.id) }), ` ${l.name}`)) : []));
    if (client) {
      form.elements.email.value = client.email;
      form.elements.name.value = client.name;
      form.elements.comment.value = client.comment;
      form.elements.timezone.value = client.timezone || '';
    }
    form.elements.email.focus();
  }

  // search and filter
  const search = h('input', { type: 'search', id: 'clients-search', value: state.q, 'aria-label': t('clients.search'), placeholder: t('clients.search') });
  const filter = h('select', { id: 'clients-filter', 'aria-label': t('clients.filter') });
  const onlyBouncing = h('input', { type: 'checkbox', id: 'clients-bouncing', checked: state.bouncing });
  const tools = h('form', { class: 'toolbar', role: 'search', onsubmit: (ev) => { ev.preventDefault(); apply(); } },
    search, filter, h('label', { class: 'check' }, onlyBouncing, t('clients.onlyBouncing')),
    h('button', { type: 'submit', class: 'secondary' }, t('clients.find')));
  filter.addEventListener('change', apply);
  onlyBouncing.addEventListener('change', apply);
  function apply() {
    state.q = search.value.trim();
    state.list = filter.value;
    state.bouncing = onlyBouncing.checked;
    state.page = 1;
    remember();
    load();
  }
  function remember() {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.list) p.set('list', state.list);
    if (state.bouncing) p.set('bouncing', '1');
    if (state.page > 1) p.set('page', state.page);
    history.replaceState({}, '', `/clients${p.size ? `?${p}` : ''}`);
  }

  // the table, with a box per row for actions on many
  const rows = h('tbody', {}, loadingRow(6));
  const all = h('input', { type: 'checkbox', id: 'clients-all', 'aria-label': t('clients.selectAll') });
  all.addEventListener('change', () => rows.querySelectorAll('input[type=checkbox]').forEach((c) => { c.checked = all.checked; }));
  const nav = pager();
  const empty = h('p', { class: 'empty', hidden: true }, t('clients.empty'));

  const bulkList = h('select', { id: 'bulk-list', 'aria-label': t('clients.bulkList') });
  const bulk = h('div', { class: 'toolbar', id: 'bulk' },
    h('span', {}, t('clients.withSelected')), bulkList,
    h('button', { type: 'button', class: 'secondary', id: 'bulk-add', onclick: () => each((c) => pb.collection('clients').update(c, { 'lists+': bulkList.value }), true) }, t('clients.addTo')),
    h('button', { type: 'button', class: 'secondary', id: 'bulk-remove', onclick: () => each((c) => pb.collection('clients').update(c, { 'lists-': bulkList.value }), true) }, t('clients.removeFrom')),
    h('button', { type: 'button', class: 'secondary danger', id: 'bulk-delete', onclick: () => {
      const n = selected().length;
      if (n && window.confirm(t('clients.deleteMany', { n }))) each((c) => pb.collection('clients').delete(c), false);
    } }, t('common.delete')),
  );

  function selected() {
    return [...rows.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
  }

  async function each(action, needsList) {
    const ids = selected();
    if (!ids.length || (needsList && !bulkList.value)) {
      say(status, t(needsList && ids.length ? 'clients.pickList' : 'clients.pickSome'), 'err');
      return;
    }
    try {
      for (const id of ids) await action(id);
      say(status, t('clients.done', { n: ids.length }));
      all.checked = false;
      await load();
    } catch (err) {
      say(status, problem(err), 'err');
      await load();
    }
  }

  async function load() {
    rows.replaceChildren(loadingRow(6));
    const q = new URLSearchParams({ page: state.page, perPage });
    if (state.q) q.set('q', state.q);
    if (state.list) q.set('list', state.list);
    if (state.bouncing) q.set('bouncing', '1');
    try {
      // by email whatever its capitals (the route's order is email:lower)
      const res = await pb.send(`/api/postrider/clients/page?${q}`, { signal });
      const names = Object.fromEntries(lists.map((l) => [l.id, l.name]));
      rows.replaceChildren(...res.items.map((c) => row(c, names)));
      empty.hidden = res.items.length > 0;
      bulk.hidden = res.items.length === 0; // nothing to act on
      pages(res);
    } catch (err) {
      rows.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  // "unsubscribed on December 3, 2026" (the day in the user's zone) when the date is known
  function unsubscribedText(c) {
    if (!c.unsubscribed) return '';
    if (!c.unsubscribed_at) return t('clients.unsubscribed');
    const day = new Intl.DateTimeFormat(lang(), { dateStyle: 'long', timeZone: userZone() });
    return t('clients.unsubscribedOn', { date: day.format(parse(c.unsubscribed_at)) });
  }

  // the bouncing mark (three refusals for good in a row: mailings skip the
  // client) and the owner's way to clear it, on the client's row
  function bouncingMark(c) {
    if (!c.bouncing) return null;
    const clear = h('button', { type: 'button', class: 'link clear-bounce', 'aria-label': t('clients.clearBounceLabel', { email: c.email }),
      onclick: async () => {
        try {
          await pb.collection('clients').update(c.id, { bouncing: false });
          say(status, t('clients.bounceCleared', { email: c.email }));
        } catch (err) {
          say(status, problem(err), 'err');
        }
        await load();
      } }, t('clients.clearBounce'));
    return [h('span', { class: 'badge bouncing', title: t('clients.bouncingTitle') }, t('clients.bouncing')), ' ', clear];
  }

  function row(c, names) {
    const editButton = h('button', { type: 'button', class: 'link', onclick: () => edit(c) }, icon('pencil'), t('common.edit'));
    const del = h('button', { type: 'button', class: 'link danger',
      onclick: confirmThen(t('clients.deleteOne', { email: c.email }), status, () => pb.collection('clients').delete(c.id), load) }, icon('trash-2'), t('common.delete'));
    return h('tr', { 'data-email': c.email, class: c.id === state.fresh ? 'fresh' : null },
      h('td', {}, h('input', { type: 'checkbox', value: c.id, 'aria-label': t('clients.select', { email: c.email }) })),
      h('td', {}, c.email),
      h('td', {}, c.name),
      h('td', {}, c.lists.map((id) => names[id]).filter(Boolean).join(', ')),
      h('td', { class: 'client-status' }, unsubscribedText(c), bouncingMark(c)),
      h('td', { class: 'actions' }, editButton, ' ', del));
  }

  function pages(res) {
    const move = (p) => { state.page = p; remember(); load(); };
    showPage(nav, res, 'clients.pageOf', move, 'clients-page');
  }

  async function loadLists() {
    try {
      lists = await pb.collection('lists').getFullList({ sort: 'name', signal });
    } catch {
      lists = [];
    }
    const options = (none) => [h('option', { value: '' }, none), ...lists.map((l) => h('option', { value: l.id }, l.name))];
    listSelect.replaceChildren(...options(t('clients.noList')));
    bulkList.replaceChildren(...options(t('clients.chooseList')));
    filter.replaceChildren(...options(t('clients.allLists')));
    filter.value = state.list;
  }

  // the server streams every client, in the table's order
  async function exportCSV() {
    try {
      const n = await downloadExport('/api/postrider/clients/export', 'postrider-clients.csv',
        (rows) => say(status, t('clients.exporting', { n: rows })));
      say(status, t('clients.exported', { n }));
    } catch (err) {
      say(status, problem(err), 'err');
    }
  }

  loadLists().then(load);
  return h('section', { class: 'card wide' },
    h('div', { class: 'title-bar' },
      h('h1', {}, t('clients.title')),
      h('button', { type: 'button', id: 'clients-new', onclick: () => edit(null) }, t('clients.new')),
      h('a', { href: '/clients/import', 'data-link': true, class: 'button secondary', id: 'clients-import' }, t('import.title')),
      h('button', { type: 'button', class: 'secondary', id: 'clients-export', onclick: exportCSV }, t('clients.export'))),
    form, status, tools, bulk,
    h('table', { id: 'clients-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, all),
        h('th', { scope: 'col' }, t('field.email')),
        h('th', { scope: 'col' }, t('clients.fullName')),
        h('th', { scope: 'col' }, t('nav.lists')),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('clients.unsubscribed'))),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.actions'))))),
      rows),
    empty, nav);
}
