// Mailings: the list, the form (subject, body, recipients, windows) and a
// mailing's own page (its windows, its runs followed live, its log).

import DOMPurify from '../../vendor/dompurify-3.4.18.es.mjs';
import { pb, user } from '../api.js';
import { t } from '../i18n.js';
import { h, field, message, say, clearErrors, checkForm, fieldErrors, errorText, problem, busy, confirmThen } from '../ui.js';
import { fromWall, toWall, parse, forAPI, show } from '../time.js';

const periods = ['once', 'daily', 'weekly', 'monthly'];

// the HTML a mailing body may hold: formatting, links, lists, images
const bodyPolicy = {
  ALLOWED_TAGS: ['p', 'br', 'strong', 'b', 'em', 'i', 'u', 's', 'a', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'blockquote', 'img', 'span', 'div'],
  ALLOWED_ATTR: ['href', 'src', 'alt', 'title'],
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:)/i,
};

export function cleanBody(html) {
  return DOMPurify.sanitize(html, bodyPolicy);
}

// recipients counts the clients a mailing reaches now (in its lists or
// picked, once each, not unsubscribed); null when it cannot be told
async function countRecipients(lists, picked) {
  if (!lists.length && !picked.length) return 0;
  const any = [...lists.map((l) => pb.filter('lists.id ?= {:l}', { l })), ...picked.map((c) => pb.filter('id = {:c}', { c }))].join(' || ');
  try {
    return (await pb.collection('clients').getList(1, 1, { filter: `unsubscribed = false && (${any})`, fields: 'id' })).totalItems;
  } catch {
    return null;
  }
}

function recipients(m) {
  return countRecipients(m.lists, m.clients);
}

function zone() {
  return user()?.timezone || 'UTC';
}

function titled(key, ...content) {
  document.title = `${t(key)} · ${t('app.name')}`;
  return h('section', { class: 'card wide' }, h('h1', {}, t(key)), ...content);
}

// ---------------------------------------------------------------- the list

export function mailings({ go }) {
  const status = message('mailings-status');
  const rows = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true }, t('mailings.empty'));

  async function load() {
    rows.replaceChildren(h('tr', {}, h('td', { colspan: 6 }, t('common.loading'))));
    try {
      const [items, windows] = await Promise.all([
        pb.collection('mailings').getFullList({ sort: '-created', filter: pb.filter('owner = {:me}', { me: user().id }) }),
        pb.collection('schedules').getFullList({ sort: 'next_run_at', filter: pb.filter('mailing.owner = {:me}', { me: user().id }) }),
      ]);
      const next = {};
      for (const w of windows) {
        if (w.next_run_at && !next[w.mailing]) next[w.mailing] = w.next_run_at;
      }
      const counts = await Promise.all(items.map(recipients));
      rows.replaceChildren(...items.map((m, i) => row(m, next[m.id], counts[i])));
      empty.hidden = items.length > 0;
    } catch (err) {
      rows.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  function row(m, nextRun, count) {
    const toggle = h('button', { type: 'button', class: 'link' }, m.stopped ? t('mailings.resume') : t('mailings.stop'));
    toggle.addEventListener('click', async () => {
      try {
        await pb.collection('mailings').update(m.id, { stopped: !m.stopped });
        await load();
      } catch (err) {
        say(status, problem(err), 'err');
      }
    });
    const del = h('button', { type: 'button', class: 'link danger' }, t('common.delete'));
    del.addEventListener('click', confirmThen(t('mailings.deleteConfirm', { subject: m.subject }), status,
      () => pb.collection('mailings').delete(m.id), load));
    return h('tr', { 'data-id': m.id },
      h('td', {}, h('a', { href: `/mailing?id=${m.id}`, 'data-link': true }, m.subject)),
      h('td', {}, t(`status.${m.status}`), m.stopped ? h('span', { class: 'badge' }, t('mailings.stopped')) : null),
      h('td', {}, show(nextRun, zone())),
      h('td', { class: 'num' }, count == null ? '' : String(count)),
      h('td', { class: 'actions' }, h('a', { href: `/mailings/edit?id=${m.id}`, 'data-link': true }, t('common.edit')), ' ', toggle, ' ', del));
  }

  load();
  return titled('mailings.title',
    h('p', {}, h('a', { href: '/mailings/edit', 'data-link': true, class: 'button', id: 'new-mailing' }, t('mailings.new'))),
    status,
    h('table', { id: 'mailings-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('field.subject')), h('th', { scope: 'col' }, t('mailings.status')),
        h('th', { scope: 'col' }, t('mailings.next')), h('th', { scope: 'col', class: 'num' }, t('mailings.recipients')),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.actions'))))),
      rows),
    empty);
}

// ---------------------------------------------------------------- the form

export function editMailing({ go }) {
  let id = new URLSearchParams(location.search).get('id'); // set once a new mailing is saved
  const status = message('mailing-status');
  const tz = zone();

  // the body: a small rich-text editor whose HTML is cleaned before saving
  const editor = h('div', { id: 'mailing-body', class: 'editor', contenteditable: 'true', role: 'textbox', 'aria-multiline': 'true', 'aria-labelledby': 'mailing-body-label', 'aria-describedby': 'mailing-body-error' });
  const tool = (label, cmd, arg) => h('button', { type: 'button', class: 'secondary', 'aria-label': t(`editor.${cmd}`), onclick: () => {
    editor.focus();
    document.execCommand(cmd, false, typeof arg === 'function' ? arg() : arg);
  } }, label);
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('editor.toolbar') },
    tool('B', 'bold'), tool('I', 'italic'), tool('H', 'formatBlock', 'h2'), tool('•', 'insertUnorderedList'),
    tool(t('editor.createLink'), 'createLink', () => window.prompt(t('editor.linkPrompt'), 'https://') || ''));

  const listBoxes = h('div', { class: 'checks', id: 'mailing-lists' });
  const picked = new Map(); // id → email
  const chosen = h('ul', { class: 'chips', id: 'mailing-picked' });
  const pickSearch = h('input', { type: 'search', id: 'pick-search', 'aria-label': t('mailings.pickSearch'), placeholder: t('mailings.pickSearch') });
  const pickResults = h('ul', { class: 'results', id: 'pick-results', 'aria-live': 'polite' });
  const reach = h('p', { id: 'mailing-reach', 'aria-live': 'polite' });
  const windows = h('div', { id: 'windows' });
  const removed = [];

  const form = h('form', { id: 'mailing', novalidate: true },
    field('mailing', 'subject', { label: t('field.subject'), required: true }),
    h('div', { class: 'field' },
      h('label', { id: 'mailing-body-label', onclick: () => editor.focus() }, t('field.body')),
      toolbar, editor,
      h('p', { class: 'field-error', id: 'mailing-body-error', 'aria-live': 'polite' })),
    h('fieldset', {}, h('legend', {}, t('mailings.recipients')),
      h('p', { class: 'help' }, t('mailings.listsHelp')), listBoxes,
      h('p', { class: 'field-error', id: 'mailing-lists-error', 'aria-live': 'polite' }),
      h('label', { for: 'pick-search' }, t('mailings.picked')), pickSearch, pickResults, chosen,
      h('p', { class: 'field-error', id: 'mailing-clients-error', 'aria-live': 'polite' }),
      reach),
    h('fieldset', {}, h('legend', {}, t('mailings.windows')),
      h('p', { class: 'help' }, t('mailings.windowsHelp', { tz })), windows,
      h('button', { type: 'button', class: 'secondary', id: 'add-window', onclick: () => addWindow() }, t('mailings.addWindow'))),
    h('button', { type: 'submit' }, t('common.save')),
  );

  function addWindow(w) {
    const i = windows.children.length + removed.length + Math.random().toString(36).slice(2, 6);
    const soon = new Date(Date.now() + 5 * 60000);
    const start = h('input', { type: 'datetime-local', id: `w${i}-starts_at`, name: 'starts_at', required: true, 'aria-describedby': `w${i}-starts_at-error` });
    const end = h('input', { type: 'datetime-local', id: `w${i}-ends_at`, name: 'ends_at', required: true, 'aria-describedby': `w${i}-ends_at-error` });
    start.value = toWall(w ? parse(w.starts_at) : soon, tz);
    end.value = toWall(w ? parse(w.ends_at) : new Date(soon.getTime() + 7 * 86400000), tz);
    const period = h('select', { id: `w${i}-period`, name: 'period' }, periods.map((p) => h('option', { value: p, selected: w ? w.period === p : p === 'once' }, t(`period.${p}`))));
    const row = h('div', { class: 'window', 'data-id': w?.id || '' },
      h('div', { class: 'field' }, h('label', { for: start.id }, t('mailings.start')), start, h('p', { class: 'field-error', id: `${start.id}-error`, 'aria-live': 'polite' })),
      h('div', { class: 'field' }, h('label', { for: end.id }, t('mailings.end')), end, h('p', { class: 'field-error', id: `${end.id}-error`, 'aria-live': 'polite' })),
      h('div', { class: 'field' }, h('label', { for: period.id }, t('mailings.period')), period, h('p', { class: 'field-error', id: `${period.id}-error`, 'aria-live': 'polite' })),
      w?.next_run_at ? h('p', { class: 'help' }, t('mailings.nextAt', { at: show(w.next_run_at, tz) })) : null,
      h('button', { type: 'button', class: 'link danger', onclick: () => {
        if (w?.id) removed.push(w.id);
        row.remove();
      } }, t('mailings.removeWindow')));
    // what was loaded, so that a save sends only what the user changed (the
    // inputs hold minutes: resending a start would drop its seconds)
    row.dataset.was = JSON.stringify([start.value, end.value, period.value]);
    windows.append(row);
  }

  function renderPicked() {
    chosen.replaceChildren(...[...picked].map(([cid, email]) => h('li', {}, email, ' ',
      h('button', { type: 'button', class: 'link', 'aria-label': t('mailings.unpick', { email }), onclick: () => { picked.delete(cid); renderPicked(); countReach(); } }, '×'))));
  }

  let searchTimer;
  pickSearch.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(async () => {
      const q = pickSearch.value.trim();
      if (!q) return pickResults.replaceChildren();
      const res = await pb.collection('clients').getList(1, 10, { filter: pb.filter('email ~ {:q} || name ~ {:q}', { q }), sort: 'email' });
      pickResults.replaceChildren(...res.items.map((c) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => {
        picked.set(c.id, c.email);
        renderPicked();
        countReach();
      } }, `${c.email}${c.name ? ` (${c.name})` : ''}`))));
    }, 200);
  });

  function selectedLists() {
    return [...listBoxes.querySelectorAll('input:checked')].map((c) => c.value);
  }

  // how many people the mailing reaches now: clients in its lists or picked,
  // once each; only the answer to the latest question is shown
  let asked = 0;
  async function countReach() {
    const ask = ++asked;
    const n = await countRecipients(selectedLists(), [...picked.keys()]);
    if (ask === asked) reach.textContent = n == null ? '' : t('mailings.reach', { n });
  }

  async function load() {
    const lists = await pb.collection('lists').getFullList({ sort: 'name' });
    let m = null;
    if (id) {
      m = await pb.collection('mailings').getOne(id);
      form.elements.subject.value = m.subject;
      editor.innerHTML = cleanBody(m.body);
      if (m.clients.length) {
        const cs = await pb.collection('clients').getFullList({ filter: m.clients.map((c) => pb.filter('id = {:c}', { c })).join(' || ') });
        for (const c of cs) picked.set(c.id, c.email);
      }
      const ws = await pb.collection('schedules').getFullList({ filter: pb.filter('mailing = {:m}', { m: id }), sort: 'starts_at' });
      ws.forEach(addWindow);
    } else {
      addWindow();
    }
    listBoxes.replaceChildren(...lists.map((l) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: l.id, checked: m?.lists.includes(l.id), onchange: countReach }), ` ${l.name}`)));
    renderPicked();
    countReach();
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    form.querySelector('#mailing-body-error').textContent = '';
    let ok = checkForm(form);
    const body = cleanBody(editor.innerHTML);
    if (!editor.textContent.trim()) {
      form.querySelector('#mailing-body-error').textContent = t('err.validation_required');
      ok = false;
    }
    if (!ok) return;
    await busy(form, async () => {
      try {
        const data = { subject: form.elements.subject.value, body, lists: selectedLists(), clients: [...picked.keys()] };
        if (id) {
          await pb.collection('mailings').update(id, data);
        } else {
          id = (await pb.collection('mailings').create(data)).id;
          // from now on this form edits that mailing, even if a window is refused
          history.replaceState({}, '', `/mailings/edit?id=${id}`);
        }
      } catch (err) {
        if (!fieldErrors(form, err)) say(status, problem(err), 'err');
        return;
      }
      // the windows, each on its own; errors stay beside the window's fields
      let failed = false;
      for (const wid of removed.splice(0)) await pb.collection('schedules').delete(wid).catch(() => {});
      for (const row of windows.querySelectorAll('.window')) {
        const vals = [row.querySelector('[name=starts_at]').value, row.querySelector('[name=ends_at]').value, row.querySelector('[name=period]').value];
        const was = JSON.parse(row.dataset.was);
        const data = {};
        if (!row.dataset.id || vals[0] !== was[0]) data.starts_at = forAPI(startAt(vals[0]));
        if (!row.dataset.id || vals[1] !== was[1]) data.ends_at = forAPI(fromWall(vals[1], tz));
        if (!row.dataset.id || vals[2] !== was[2]) data.period = vals[2];
        if (!Object.keys(data).length) continue;
        try {
          const saved = row.dataset.id
            ? await pb.collection('schedules').update(row.dataset.id, data)
            : await pb.collection('schedules').create({ mailing: id, ...data });
          row.dataset.id = saved.id;
          row.dataset.was = JSON.stringify(vals);
        } catch (err) {
          failed = true;
          if (!windowErrors(row, err)) say(status, problem(err), 'err');
        }
      }
      if (!failed) go(`/mailing?id=${id}`);
    });
  });

  // a start typed as this minute (or the last, the form having been filled
  // slowly) means now: the API refuses starts over a minute in the past
  function startAt(wall) {
    const at = fromWall(wall, tz);
    const now = new Date();
    return at < now && now - at < 2 * 60000 ? now : at;
  }

  function windowErrors(row, err) {
    let any = false;
    for (const [name, e] of Object.entries(err?.response?.data || {})) {
      const input = row.querySelector(`[name=${name}]`);
      if (!input) continue;
      row.querySelector(`#${input.id}-error`).textContent = errorText(e, name);
      input.setAttribute('aria-invalid', 'true');
      if (!any) input.focus();
      any = true;
    }
    return any;
  }

  load().catch((err) => say(status, problem(err), 'err'));
  return titled(id ? 'mailings.edit' : 'mailings.new', form, status);
}

// ---------------------------------------------------------------- one mailing

export function mailing() {
  const id = new URLSearchParams(location.search).get('id');
  const tz = zone();
  const status = message('detail-status');
  const head = h('div', { id: 'mailing-head' });
  const windowsList = h('ul', { id: 'mailing-windows' });
  const runs = h('tbody');
  const log = h('tbody');
  const pager = h('nav', { class: 'pager', 'aria-label': t('clients.pages') });
  let logPage = 1;

  function runRow(r) {
    return h('tr', { 'data-id': r.id },
      h('td', {}, show(r.run_at, tz)),
      h('td', {}, t(`run.${r.status}`)),
      h('td', { class: 'num' }, t('run.progress', { sent: r.sent, failed: r.failed, total: r.total })),
      h('td', {}, r.note));
  }

  // showRuns puts rs in the table and tells whether anything changed
  let seen = null;
  function showRuns(rs) {
    const now = JSON.stringify(rs.map((r) => [r.id, r.status, r.sent, r.failed, r.note]));
    if (now === seen) return false;
    seen = now;
    runs.replaceChildren(...rs.map(runRow));
    return true;
  }

  async function loadLog(page = logPage) {
    logPage = page;
    const res = await pb.collection('deliveries').getList(page, 20, { filter: pb.filter('mailing = {:id}', { id }), sort: '-sent_at,email' });
    log.replaceChildren(...res.items.map((d) => h('tr', { 'data-id': d.id },
      h('td', {}, show(d.sent_at || d.created, tz)), h('td', {}, d.email), h('td', {}, t(`delivery.${d.status}`)), h('td', { class: 'reply' }, d.response))));
    pager.replaceChildren(
      h('button', { type: 'button', class: 'secondary', disabled: res.page <= 1, onclick: () => loadLog(res.page - 1) }, t('clients.prev')),
      h('span', {}, t('mailings.logPage', { page: res.page, pages: Math.max(res.totalPages, 1), total: res.totalItems })),
      h('button', { type: 'button', class: 'secondary', disabled: res.page >= res.totalPages, onclick: () => loadLog(res.page + 1) }, t('clients.next')));
  }

  async function load() {
    const [m, ws, rs] = await Promise.all([
      pb.collection('mailings').getOne(id),
      pb.collection('schedules').getFullList({ filter: pb.filter('mailing = {:id}', { id }), sort: 'starts_at' }),
      pb.collection('runs').getFullList({ filter: pb.filter('mailing = {:id}', { id }), sort: '-run_at' }),
    ]);
    document.title = `${m.subject} · ${t('app.name')}`;
    const preview = h('div', { class: 'preview', id: 'mailing-preview' });
    preview.innerHTML = cleanBody(m.body); // the one place user HTML reaches a page: sanitized
    head.replaceChildren(
      h('h1', {}, m.subject),
      h('p', {}, t(`status.${m.status}`), m.stopped ? h('span', { class: 'badge' }, t('mailings.stopped')) : null, ' · ',
        h('a', { href: `/mailings/edit?id=${id}`, 'data-link': true }, t('common.edit'))),
      preview);
    windowsList.replaceChildren(...ws.map((w) => h('li', {},
      t('mailings.windowLine', { start: show(w.starts_at, tz), end: show(w.ends_at, tz), period: t(`period.${w.period}`) }),
      w.next_run_at ? ` — ${t('mailings.nextAt', { at: show(w.next_run_at, tz) })}` : '')));
    showRuns(rs);
    await loadLog(1);
  }

  // runs move while they send: follow them live
  let unsubscribe = null;
  pb.collection('runs').subscribe('*', (e) => {
    if (e.record.mailing !== id) return;
    if (!document.body.contains(runs)) return unsubscribe?.();
    const old = runs.querySelector(`tr[data-id="${e.record.id}"]`);
    if (old) old.replaceWith(runRow(e.record));
    else runs.prepend(runRow(e.record));
    loadLog().catch(() => {});
  }).then((u) => { unsubscribe = u; }).catch(() => {});

  // realtime events come only from the process that writes: a run sent by a
  // separate `postrider dispatch` shows up through a look every few seconds
  const timer = setInterval(async () => {
    if (!document.body.contains(runs)) return clearInterval(timer);
    if (document.hidden || seen == null) return;
    const rs = await pb.collection('runs').getFullList({ filter: pb.filter('mailing = {:id}', { id }), sort: '-run_at', requestKey: null }).catch(() => null);
    if (rs && showRuns(rs)) loadLog().catch(() => {});
  }, 5000);

  load().catch((err) => say(status, err?.status === 404 ? t('notfound.text') : problem(err), 'err'));
  return h('section', { class: 'card wide' }, head, status,
    h('h2', {}, t('mailings.windows')), windowsList,
    h('h2', {}, t('mailings.runs')),
    h('table', { id: 'runs-table' }, h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('mailings.runAt')), h('th', { scope: 'col' }, t('mailings.status')),
      h('th', { scope: 'col', class: 'num' }, t('mailings.progress')), h('th', { scope: 'col' }, t('mailings.note')))), runs),
    h('h2', {}, t('mailings.log')),
    h('table', { id: 'log-table' }, h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('mailings.time')), h('th', { scope: 'col' }, t('field.email')),
      h('th', { scope: 'col' }, t('mailings.status')), h('th', { scope: 'col' }, t('mailings.reply')))), log),
    pager);
}
