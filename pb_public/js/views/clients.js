// Clients: the people mailings go to. Search, filter by list, pages of 50;
// add, edit, delete; put many into a list or take them out at once.

import { pb } from '../api.js';
import { t } from '../i18n.js';
import { h, field, message, say, clearErrors, errorText, problem, busy, downloadCSV, onSubmit, confirmThen } from '../ui.js';

const perPage = 50;

export function clients({ go }) {
  document.title = `${t('clients.title')} · ${t('app.name')}`;
  const params = new URLSearchParams(location.search);
  const state = { q: params.get('q') || '', list: params.get('list') || '', page: Number(params.get('page')) || 1, editing: null };
  let lists = [];
  const status = message('clients-status');

  // the add / edit form
  const listSelect = h('select', { id: 'client-list', name: 'list' });
  const form = h('form', { id: 'client', novalidate: true },
    h('h2', { id: 'client-title' }, t('clients.new')),
    field('client', 'email', { label: t('field.email'), type: 'email', required: true }),
    field('client', 'name', { label: t('clients.fullName') }),
    field('client', 'comment', { label: t('clients.comment') }),
    h('div', { class: 'field' }, h('label', { for: 'client-list' }, t('clients.inList')), listSelect),
    h('fieldset', { id: 'client-lists', hidden: true }, h('legend', {}, t('nav.lists'))),
    h('button', { type: 'submit' }, t('common.save')), ' ',
    h('button', { type: 'button', class: 'secondary', id: 'client-cancel', hidden: true }, t('common.cancel')),
  );
  const cancel = form.querySelector('#client-cancel');
  cancel.addEventListener('click', () => edit(null));
  onSubmit(form, status, async ({ email, name, comment }) => {
    const data = { email: email.trim(), name, comment };
    if (state.editing) {
      data.lists = [...form.querySelectorAll('#client-lists input:checked')].map((c) => c.value);
      await pb.collection('clients').update(state.editing.id, data);
    } else {
      data.lists = listSelect.value ? [listSelect.value] : [];
      await pb.collection('clients').create(data);
    }
    say(status, t('common.saved'));
    edit(null);
    await load();
  });

  function edit(client) {
    state.editing = client;
    clearErrors(form);
    form.reset();
    form.querySelector('#client-title').textContent = client ? t('clients.edit', { email: client.email }) : t('clients.new');
    cancel.hidden = !client;
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
      form.elements.email.focus();
    }
  }

  // search and filter
  const search = h('input', { type: 'search', id: 'clients-search', value: state.q, 'aria-label': t('clients.search'), placeholder: t('clients.search') });
  const filter = h('select', { id: 'clients-filter', 'aria-label': t('clients.filter') });
  const tools = h('form', { class: 'toolbar', role: 'search', onsubmit: (ev) => { ev.preventDefault(); apply(); } },
    search, filter, h('button', { type: 'submit', class: 'secondary' }, t('clients.find')));
  filter.addEventListener('change', apply);
  function apply() {
    state.q = search.value.trim();
    state.list = filter.value;
    state.page = 1;
    remember();
    load();
  }
  function remember() {
    const p = new URLSearchParams();
    if (state.q) p.set('q', state.q);
    if (state.list) p.set('list', state.list);
    if (state.page > 1) p.set('page', state.page);
    history.replaceState({}, '', `/clients${p.size ? `?${p}` : ''}`);
  }

  // the table, with a box per row for actions on many
  const rows = h('tbody');
  const all = h('input', { type: 'checkbox', id: 'clients-all', 'aria-label': t('clients.selectAll') });
  all.addEventListener('change', () => rows.querySelectorAll('input[type=checkbox]').forEach((c) => { c.checked = all.checked; }));
  const pager = h('nav', { class: 'pager', 'aria-label': t('clients.pages') });
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
    rows.replaceChildren(h('tr', {}, h('td', { colspan: 6 }, t('common.loading'))));
    const parts = [];
    if (state.q) parts.push(pb.filter('(email ~ {:q} || name ~ {:q} || comment ~ {:q})', { q: state.q }));
    if (state.list) parts.push(pb.filter('lists.id ?= {:list}', { list: state.list }));
    try {
      const res = await pb.collection('clients').getList(state.page, perPage, { sort: 'email', filter: parts.join(' && ') });
      const names = Object.fromEntries(lists.map((l) => [l.id, l.name]));
      rows.replaceChildren(...res.items.map((c) => row(c, names)));
      empty.hidden = res.items.length > 0;
      pages(res);
    } catch (err) {
      rows.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  function row(c, names) {
    const editButton = h('button', { type: 'button', class: 'link', onclick: () => edit(c) }, t('common.edit'));
    const del = h('button', { type: 'button', class: 'link danger',
      onclick: confirmThen(t('clients.deleteOne', { email: c.email }), status, () => pb.collection('clients').delete(c.id), load) }, t('common.delete'));
    return h('tr', { 'data-email': c.email },
      h('td', {}, h('input', { type: 'checkbox', value: c.id, 'aria-label': t('clients.select', { email: c.email }) })),
      h('td', {}, c.email),
      h('td', {}, c.name),
      h('td', {}, c.lists.map((id) => names[id]).filter(Boolean).join(', ')),
      h('td', {}, c.unsubscribed ? t('clients.unsubscribed') : ''),
      h('td', { class: 'actions' }, editButton, ' ', del));
  }

  function pages(res) {
    const move = (p) => { state.page = p; remember(); load(); };
    pager.replaceChildren(
      h('button', { type: 'button', class: 'secondary', disabled: res.page <= 1, onclick: () => move(res.page - 1) }, t('clients.prev')),
      h('span', { id: 'clients-page' }, t('clients.pageOf', { page: res.page, pages: Math.max(res.totalPages, 1), total: res.totalItems })),
      h('button', { type: 'button', class: 'secondary', disabled: res.page >= res.totalPages, onclick: () => move(res.page + 1) }, t('clients.next')),
    );
  }

  async function loadLists() {
    try {
      lists = await pb.collection('lists').getFullList({ sort: 'name' });
    } catch {
      lists = [];
    }
    const options = (none) => [h('option', { value: '' }, none), ...lists.map((l) => h('option', { value: l.id }, l.name))];
    listSelect.replaceChildren(...options(t('clients.noList')));
    bulkList.replaceChildren(...options(t('clients.chooseList')));
    filter.replaceChildren(...options(t('clients.allLists')));
    filter.value = state.list;
  }

  // import from a CSV file: a preview (the first rows, and what the server
  // would do), then the import and its report; and export of every client
  const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,text/csv', 'aria-describedby': 'import-file-error' });
  const importList = h('select', { id: 'import-list' });
  const report = h('div', { id: 'import-report', 'aria-live': 'polite' });
  const importForm = h('form', { id: 'import', novalidate: true },
    h('h2', {}, t('import.title')),
    h('p', { class: 'help' }, t('import.help')),
    h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('import.file')), file,
      h('p', { class: 'field-error', id: 'import-file-error', 'aria-live': 'polite' })),
    h('div', { class: 'field' }, h('label', { for: 'import-list' }, t('clients.inList')), importList),
    h('button', { type: 'button', class: 'secondary', id: 'import-preview', onclick: () => send(true) }, t('import.preview')), ' ',
    h('button', { type: 'submit', id: 'import-go' }, t('import.go')),
    report);
  importForm.addEventListener('submit', (ev) => { ev.preventDefault(); send(false); });

  async function send(dry) {
    const err = importForm.querySelector('#import-file-error');
    err.textContent = '';
    if (!file.files.length) {
      err.textContent = t('import.noFile');
      file.focus();
      return;
    }
    const body = new FormData();
    body.append('file', file.files[0]);
    body.append('list', importList.value);
    body.append('dry_run', dry ? 'true' : 'false');
    await busy(importForm, async () => {
      try {
        const [r, first] = await Promise.all([
          pb.send('/api/postrider/clients/import', { method: 'POST', body }),
          dry ? file.files[0].slice(0, 4096).arrayBuffer() : null,
        ]);
        showReport(r, first);
        if (!dry) await load();
      } catch (e) {
        report.replaceChildren(); // no report of an earlier file beside this one's refusal
        const fileErr = e?.response?.data?.file;
        const numbers = { line: e?.response?.data?.line, added: e?.response?.data?.added };
        err.textContent = fileErr ? errorText({ params: numbers, ...fileErr }, 'file') : problem(e);
      }
    });
  }

  function showReport(r, first) {
    const parts = [h('p', { class: 'message ok', id: 'import-summary' },
      t(r.dry_run ? 'import.wouldDo' : 'import.done', { rows: r.rows, added: r.added, duplicates: r.duplicates, refused: r.refused }))];
    if (first) {
      // the first lines as the server read them: its encoding and separator
      const text = new TextDecoder(r.encoding || 'utf-8').decode(first);
      const lines = text.split(/\r?\n/).slice(0, 6).filter(Boolean);
      const sep = r.separator || ',';
      parts.push(h('table', { class: 'preview-rows' }, h('tbody', {}, lines.map((l) => h('tr', {}, l.split(sep).slice(0, 3).map((c) => h('td', {}, c.replace(/^"|"$/g, ''))))))));
    }
    if (r.problems.length) {
      parts.push(h('ul', { id: 'import-problems' }, r.problems.map((p) => h('li', {}, t('import.problem', { line: p.line, email: p.email || '—', reason: p.reason })))));
    }
    report.replaceChildren(...parts);
  }

  async function exportCSV() {
    try {
      const all = await pb.collection('clients').getFullList({ sort: 'email', batch: 500 });
      const names = Object.fromEntries(lists.map((l) => [l.id, l.name]));
      downloadCSV('postrider-clients.csv', ['email', 'name', 'comment', 'lists', 'unsubscribed'], all.map((c) =>
        [c.email, c.name, c.comment, c.lists.map((id) => names[id]).filter(Boolean).join('; '), c.unsubscribed]));
      say(status, t('clients.exported', { n: all.length }));
    } catch (err) {
      say(status, problem(err), 'err');
    }
  }

  loadLists().then(() => {
    importList.replaceChildren(...listSelect.cloneNode(true).children);
    return load();
  });
  return h('section', { class: 'card wide' },
    h('h1', {}, t('clients.title')),
    status, tools, bulk,
    h('table', { id: 'clients-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, all),
        h('th', { scope: 'col' }, t('field.email')),
        h('th', { scope: 'col' }, t('clients.fullName')),
        h('th', { scope: 'col' }, t('nav.lists')),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('clients.unsubscribed'))),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.actions'))))),
      rows),
    empty, pager,
    h('p', {}, h('button', { type: 'button', class: 'secondary', id: 'clients-export', onclick: exportCSV }, t('clients.export'))),
    form, importForm);
}
