// Import clients from a CSV file, on its own page (/clients/import): a
// preview (the first rows as the server reads them, and what it would do),
// then the import and its report.

import { pb } from '../api.js';
import { t } from '../i18n.js';
import { h, errorText, problem, busy } from '../ui.js';

export function clientsImport({ signal }) {
  document.title = `${t('import.title')} · ${t('app.name')}`;
  const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,text/csv', 'aria-describedby': 'import-file-error' });
  const importList = h('select', { id: 'import-list' }, h('option', { value: '' }, t('clients.noList')));
  // the list's joiners get its welcome mailings only when asked (off by default)
  const welcome = h('input', { type: 'checkbox', id: 'import-welcome', name: 'welcome' });
  const welcomeField = h('div', { class: 'field check', hidden: true },
    h('label', { for: 'import-welcome' }, welcome, ' ', t('import.welcome')));
  importList.addEventListener('change', () => {
    welcomeField.hidden = !importList.value;
    if (!importList.value) welcome.checked = false;
  });
  const report = h('div', { id: 'import-report', 'aria-live': 'polite' });
  const importForm = h('form', { id: 'import', novalidate: true },
    h('p', { class: 'help' }, t('import.help')),
    h('div', { class: 'field' }, h('label', { for: 'import-file' }, t('import.file')), file,
      h('p', { class: 'field-error', id: 'import-file-error', 'aria-live': 'polite' })),
    h('div', { class: 'field' }, h('label', { for: 'import-list' }, t('clients.inList')), importList), welcomeField,
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
    body.append('welcome', welcome.checked ? 'true' : 'false');
    await busy(importForm, async () => {
      try {
        showReport(await pb.send('/api/postrider/clients/import', { method: 'POST', body }));
      } catch (e) {
        report.replaceChildren(); // no report of an earlier file beside this one's refusal
        const fileErr = e?.response?.data?.file;
        const numbers = { line: e?.response?.data?.line, added: e?.response?.data?.added };
        err.textContent = fileErr ? errorText({ params: numbers, ...fileErr }, 'file') : problem(e);
      }
    });
  }

  function showReport(r) {
    const parts = [h('p', { class: 'message ok', id: 'import-summary' },
      t(r.dry_run ? 'import.wouldDo' : 'import.done', { rows: r.rows, added: r.added, duplicates: r.duplicates, refused: r.refused }))];
    if (r.dry_run && r.sample.length) {
      // the first rows as the server read them (its encoding, separator and quotes)
      parts.push(h('table', { class: 'preview-rows' },
        h('thead', {}, h('tr', {}, ['import.line', 'field.email', 'field.name', 'clients.comment'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, r.sample.map((row) => h('tr', {}, h('td', { class: 'num' }, String(row.line)), h('td', {}, row.email), h('td', {}, row.name), h('td', {}, row.comment))))));
    }
    if (r.problems.length) {
      parts.push(h('ul', { id: 'import-problems' }, r.problems.map((p) => h('li', {}, t('import.problem', { line: p.line, email: p.email || '—', reason: p.reason })))));
    }
    if (!r.dry_run) parts.push(h('p', {}, h('a', { href: '/clients', 'data-link': true, id: 'import-see' }, t('import.see'))));
    report.replaceChildren(...parts);
    report.scrollIntoView({ block: 'nearest' });
  }

  pb.collection('lists').getFullList({ sort: 'name', signal }).then((lists) => {
    importList.append(...lists.map((l) => h('option', { value: l.id }, l.name)));
  }, () => {});

  return h('section', { class: 'card' },
    h('p', { class: 'back' }, h('a', { href: '/clients', 'data-link': true }, `← ${t('clients.title')}`)),
    h('h1', {}, t('import.title')),
    importForm);
}
