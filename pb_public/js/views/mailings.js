// Mailings: the list, the form (subject, body, recipients, windows) and a
// mailing's own page (its windows, its runs followed live, its log).

import DOMPurify from '../../vendor/dompurify-3.4.18.es.mjs';
import { pb, user } from '../api.js';
import { t } from '../i18n.js';
import { h, field, message, say, clearErrors, checkForm, errorText, problem, busy, confirmThen } from '../ui.js';
import { fromWall, toWall, parse, forAPI, show } from '../time.js';
import { previewSection } from './preview.js';

const periods = ['once', 'daily', 'weekly', 'monthly'];

// the HTML a mailing body may hold: formatting, links, lists, images
const bodyPolicy = {
  ALLOWED_TAGS: ['p', 'br', 'strong', 'b', 'em', 'i', 'u', 's', 'a', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'blockquote', 'img', 'span', 'div'],
  ALLOWED_ATTR: ['href', 'src', 'alt', 'title'],
  // a link may also be a placeholder: href="{{unsubscribe_url}}" (the server keeps it too)
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|\{\{)/i,
};

export function cleanBody(html) {
  return DOMPurify.sanitize(html, bodyPolicy);
}

// recipients counts the clients a mailing reaches now (in its lists or
// picked, once each, not unsubscribed); null when it cannot be told
async function countRecipients(lists, picked) {
  if (!lists.length && !picked.length) return 0;
  try {
    const res = await pb.send('/api/postrider/mailings/reach', { method: 'POST', body: { lists, clients: picked } });
    return res.recipients;
  } catch {
    return null;
  }
}

function zone() {
  return user()?.timezone || 'UTC';
}

function titled(key, ...content) {
  document.title = `${t(key)} · ${t('app.name')}`;
  return h('section', { class: 'card wide' }, h('h1', {}, t(key)), ...content);
}

// whenNext says when a mailing goes out next: a stopped or completed one
// never, else at the earliest next run of its windows, if any
function whenNext(m, next) {
  if (m.stopped) return t('mailings.nextStopped');
  if (m.status === 'completed') return t('mailings.nextCompleted');
  return next ? show(next, zone()) : t('mailings.notScheduled');
}

// lastRun says how a run went: its counters, and a progress bar while it sends
function lastRun(r, skipped = r?.skipped) {
  if (!r) return h('span', { class: 'last-run' }, t('mailings.neverRun'));
  const done = r.sent + r.failed;
  const sending = r.status === 'sending';
  return h('span', { class: 'last-run', 'data-status': r.status },
    `${t(`run.${r.status}`)}: `,
    t(sending ? 'run.summarySending' : 'run.summary', { sent: r.sent, failed: r.failed, rest: Math.max(r.total - done, 0), total: r.total }),
    sending ? h('progress', { max: Math.max(r.total, 1), value: done, 'aria-label': t('mailings.progress') }) : null,
    skippedText(skipped));
}

// skippedText says how many of a run's failed were not sent at all, and
// why ({bouncing: 2, unsubscribed: 1}), or nothing when none were
function skippedText(skipped) {
  const parts = ['bouncing', 'unsubscribed', 'deleted', 'other'].filter((k) => skipped?.[k]).map((k) => t(`skipped.${k}`, { n: skipped[k] }));
  return parts.length ? h('span', { class: 'skipped' }, t('run.skipped', { list: parts.join(', ') })) : null;
}

// stoppedBadge marks a stopped mailing; a moderator's stop says so, with
// its reason, as only a moderator can lift it
function stoppedBadge(m) {
  if (!m.stopped) return null;
  const byModerator = m.stopped_by_moderator ?? Boolean(m.stopped_by);
  return [h('span', { class: 'badge' }, t(byModerator ? 'mailings.stoppedByModerator' : 'mailings.stopped')),
    byModerator ? h('span', { class: 'stop-reason' }, t('mailings.stopReason', { reason: m.stop_reason || '—' })) : null];
}

// newer tells whether run r is the same as or later than the last one shown
function newer(r, last) {
  return !last || r.id === last.id || r.run_at >= last.run_at;
}

// actions are a mailing's Stop (asked first) or Resume, and its Delete
// (asked first, red and apart); after() runs once either has gone through
function actions(m, status, after, deleted = after) {
  const byModerator = m.stopped && (m.stopped_by_moderator ?? Boolean(m.stopped_by));
  const toggle = byModerator ? null : m.stopped
    ? h('button', { type: 'button', class: 'secondary resume' }, t('mailings.resume'))
    : h('button', { type: 'button', class: 'secondary stop' }, t('mailings.stop'));
  const setStopped = () => pb.collection('mailings').update(m.id, { stopped: !m.stopped });
  toggle?.addEventListener('click', m.stopped
    ? async () => { try { await setStopped(); await after(); } catch (err) { say(status, problem(err), 'err'); } }
    : confirmThen(t('mailings.stopConfirm', { subject: m.subject }), status, setStopped, after));
  const del = h('button', { type: 'button', class: 'danger delete' }, t('common.delete'));
  del.addEventListener('click', confirmThen(t('mailings.deleteConfirm', { subject: m.subject }), status,
    () => pb.collection('mailings').delete(m.id), deleted));
  return h('span', { class: 'mailing-actions' }, toggle, del);
}

// ---------------------------------------------------------------- the list

export function mailings({ go }) {
  const status = message('mailings-status');
  const rows = h('tbody');
  const empty = h('p', { class: 'empty', hidden: true }, t('mailings.empty'));
  const shown = new Map(); // id → the summary in the table

  // one request for the whole table: the server counts every mailing's
  // reach, next send and last run at once
  async function load() {
    rows.replaceChildren(h('tr', {}, h('td', { colspan: 6 }, t('common.loading'))));
    try {
      const items = await pb.send('/api/postrider/mailings/summary', { requestKey: 'mailings-summary' });
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
      h('td', {}, h('a', { href: `/mailing?id=${m.id}`, 'data-link': true }, m.subject)),
      h('td', {}, t(`status.${m.status}`), stoppedBadge(m)),
      h('td', { class: 'next' }, whenNext(m, m.next_send)),
      h('td', { class: 'num' }, String(m.recipients)),
      h('td', { class: 'run' }, lastRun(m.last_run)),
      h('td', { class: 'actions' }, h('a', { href: `/mailings/edit?id=${m.id}`, 'data-link': true }, t('common.edit')), ' ', actions(m, status, load)));
  }

  // a run that sends moves its counters: its row follows
  let unsubscribe = null;
  pb.collection('runs').subscribe('*', (e) => {
    if (!document.body.contains(rows)) return unsubscribe?.();
    const m = shown.get(e.record.mailing);
    if (!m || !newer(e.record, m.last_run)) return;
    // the skips are counted by the summary, not the run: kept for the same run
    e.record.skipped = m.last_run?.id === e.record.id ? m.last_run.skipped : {};
    m.last_run = e.record;
    rows.querySelector(`tr[data-id="${m.id}"] td.run`)?.replaceChildren(lastRun(e.record));
  }).then((u) => { unsubscribe = u; }).catch(() => {});

  load();
  return titled('mailings.title',
    h('p', {}, h('a', { href: '/mailings/edit', 'data-link': true, class: 'button', id: 'new-mailing' }, t('mailings.new'))),
    status,
    h('table', { id: 'mailings-table' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('field.subject')), h('th', { scope: 'col' }, t('mailings.status')),
        h('th', { scope: 'col' }, t('mailings.next')), h('th', { scope: 'col', class: 'num' }, t('mailings.recipients')),
        h('th', { scope: 'col' }, t('mailings.lastRun')),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.actions'))))),
      rows),
    empty);
}

// ---------------------------------------------------------------- the form

// makeId is a record id as PocketBase makes them: 15 of a-z0-9
function makeId() {
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.getRandomValues(new Uint8Array(15)), (b) => abc[b % abc.length]).join('');
}

export function editMailing({ go }) {
  const id = new URLSearchParams(location.search).get('id');
  const newId = id ? null : makeId(); // a new mailing's id, for its windows to name
  const status = message('mailing-status');
  const tz = zone();

  // the body: a small rich-text editor whose HTML is cleaned before saving
  const editor = h('div', { id: 'mailing-body', class: 'editor', contenteditable: 'true', role: 'textbox', 'aria-multiline': 'true', 'aria-labelledby': 'mailing-body-label', 'aria-describedby': 'mailing-body-error' });
  const tool = (label, cmd, arg) => h('button', { type: 'button', class: 'secondary', 'aria-label': t(`editor.${cmd}`), onclick: () => {
    editor.focus();
    document.execCommand(cmd, false, arg);
  } }, label);
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('editor.toolbar') },
    tool('B', 'bold'), tool('I', 'italic'), tool('H', 'formatBlock', 'h2'), tool('•', 'insertUnorderedList'),
    h('button', { type: 'button', class: 'secondary', 'aria-label': t('editor.createLink'), onclick: insertLink }, t('editor.createLink')));

  // the Link button links the selected text, or, with nothing selected,
  // puts the address itself in as the link's text (an empty link would be
  // invisible, and the mail would read "See  for details.")
  function insertLink() {
    const url = (window.prompt(t('editor.linkPrompt'), 'https://') || '').trim();
    editor.focus();
    if (!url || url === 'https://') return;
    const sel = getSelection();
    if (!sel.rangeCount || !editor.contains(sel.anchorNode)) {
      const end = document.createRange();
      end.selectNodeContents(editor);
      end.collapse(false);
      sel.removeAllRanges();
      sel.addRange(end);
    }
    if (sel.isCollapsed) document.execCommand('insertHTML', false, h('a', { href: url }, url).outerHTML);
    else document.execCommand('createLink', false, url);
  }

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
    // what is typed, as a recipient will get it, before it is saved (the
    // test send is the saved mailing's, on its page)
    previewSection({
      prefix: 'draft-preview', auto: false, hint: t(id ? 'preview.helpEdit' : 'preview.helpNew'),
      render: (client) => pb.send('/api/postrider/mailings/preview', { method: 'POST', body: {
        subject: form.elements.subject.value, body: cleanBody(editor.innerHTML), lists: selectedLists(), clients: [...picked.keys()], client } }),
      refused: (err) => mailingErrors(err?.response?.data || {}),
    }),
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
      const res = await pb.collection('clients').getList(1, 10, { filter: pb.filter('email ~ {:q} || name ~ {:q}', { q }), sort: 'email:lower', skipTotal: true });
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
  // (a warning when that is no one: the server refuses a mailing naming no
  // list and no client, but saves one whose lists are empty for now)
  let asked = 0;
  async function countReach() {
    const ask = ++asked;
    const lists = selectedLists();
    const n = await countRecipients(lists, [...picked.keys()]);
    if (ask !== asked) return;
    const none = !lists.length && !picked.size;
    reach.textContent = n == null ? '' : none ? t('mailings.reachNone') : n === 0 ? t('mailings.reachZero') : t('mailings.reach', { n });
    reach.className = n === 0 ? 'help warn' : 'help';
  }

  async function load() {
    const lists = await pb.collection('lists').getFullList({ sort: 'name' });
    let m = null;
    if (id) {
      m = await pb.collection('mailings').getOne(id);
      // the owner's only: a moderator reviews another user's mailing on the
      // read-only page, which loads none of its remote images (the editor
      // would load them all, and a tracking pixel would see the moderator)
      if (m.owner !== user().id) return go(`/moderation/mailing?id=${id}`);
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
      const data = { subject: form.elements.subject.value, body, lists: selectedLists(), clients: [...picked.keys()] };
      const { batch, parts } = saving(data);
      try {
        await batch.send();
      } catch (err) {
        // a refused batch saved nothing: show each error beside its field
        // (the mailing's, or window N's), keep everything typed
        let shown = false;
        for (const [i, e] of Object.entries(err?.response?.data?.requests || {})) {
          const errs = e?.response?.data || {};
          if (parts[i] === 'mailing') shown = mailingErrors(errs) || shown;
          else if (parts[i]) shown = windowErrors(parts[i], errs) || shown;
        }
        if (!shown) say(status, problem(err), 'err');
        return;
      }
      go(`/mailing?id=${id || newId}`);
    });
  });

  // saving is the mailing and its windows as one batch: PocketBase runs the
  // requests of a batch in one transaction, each through its collection's
  // rules and our hooks, so a refused window leaves no mailing behind and
  // nothing needs checking twice (a route of ours would repeat every check).
  // A new mailing's id is made here, so that its windows can name it in the
  // same batch. parts[i] tells what request i saves: 'mailing', a window's
  // row, or null (a window removed).
  function saving(data) {
    const batch = pb.createBatch();
    const parts = ['mailing'];
    if (id) batch.collection('mailings').update(id, data);
    else batch.collection('mailings').create({ id: newId, ...data });
    for (const wid of removed) {
      batch.collection('schedules').delete(wid);
      parts.push(null);
    }
    for (const row of windows.querySelectorAll('.window')) {
      const change = windowChange(row);
      if (!change) continue;
      if (row.dataset.id) batch.collection('schedules').update(row.dataset.id, change);
      else batch.collection('schedules').create({ mailing: id || newId, ...change });
      parts.push(row);
    }
    return { batch, parts };
  }

  // windowChange is what a save sends of a window: all of a new one, only
  // what the user changed of a saved one (the inputs hold minutes: resending
  // a start would drop its seconds), or null
  function windowChange(row) {
    const vals = [row.querySelector('[name=starts_at]').value, row.querySelector('[name=ends_at]').value, row.querySelector('[name=period]').value];
    const was = JSON.parse(row.dataset.was);
    const data = {};
    if (!row.dataset.id || vals[0] !== was[0]) data.starts_at = forAPI(startAt(vals[0]));
    if (!row.dataset.id || vals[1] !== was[1]) data.ends_at = forAPI(fromWall(vals[1], tz));
    if (!row.dataset.id || vals[2] !== was[2]) data.period = vals[2];
    return Object.keys(data).length ? data : null;
  }

  // mailingErrors puts the API's errors of the mailing's own fields beside
  // them; the body, the lists and the picked clients are no plain inputs
  function mailingErrors(errs) {
    const spots = {
      subject: [form.elements.subject, 'mailing-subject-error'],
      body: [editor, 'mailing-body-error'],
      lists: [listBoxes.querySelector('input') || pickSearch, 'mailing-lists-error'],
      clients: [pickSearch, 'mailing-clients-error'],
    };
    let first = null;
    for (const [name, e] of Object.entries(errs)) {
      if (!spots[name]) continue;
      const [input, errorId] = spots[name];
      form.querySelector(`#${errorId}`).textContent = errorText(e, name);
      input.setAttribute('aria-invalid', 'true');
      first ??= input;
    }
    first?.focus();
    return first != null;
  }

  // a start typed as this minute (or the last, the form having been filled
  // slowly) means now: the API refuses starts over a minute in the past
  function startAt(wall) {
    const at = fromWall(wall, tz);
    const now = new Date();
    return at < now && now - at < 2 * 60000 ? now : at;
  }

  function windowErrors(row, errs) {
    let any = false;
    for (const [name, e] of Object.entries(errs)) {
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

export function mailing({ go }) {
  const id = new URLSearchParams(location.search).get('id');
  const tz = zone();
  const status = message('detail-status');
  const head = h('div', { id: 'mailing-head' });
  // when it goes out next and how the last run went, kept up to date
  const summary = h('dl', { id: 'mailing-summary', class: 'summary' });
  let shown = null; // the mailing, its next send, its last run
  let skipped = {}; // run id → how many were not sent, by why
  function showSummary() {
    const { m, next, last } = shown;
    summary.replaceChildren(
      h('dt', {}, t('mailings.next')), h('dd', { id: 'mailing-next' }, whenNext(m, next)),
      h('dt', {}, t('mailings.lastRun')), h('dd', { id: 'mailing-last-run' }, last ? `${show(last.run_at, tz)} · ` : '', lastRun(last, skipped[last?.id])));
  }
  // the owner's only: a moderator who opens the page is sent to the
  // read-only one, and an error here leaves the counts out, nothing else
  async function loadSkipped() {
    skipped = await pb.send(`/api/postrider/mailings/${id}/skipped`, { requestKey: null }).catch(() => skipped);
  }
  let preview = null; // the message as a recipient gets it, made at the first load
  const windowsList = h('ul', { id: 'mailing-windows' });
  const runs = h('tbody');
  const log = h('tbody');
  const pager = h('nav', { class: 'pager', 'aria-label': t('clients.pages') });
  let logPage = 1;

  function runRow(r) {
    return h('tr', { 'data-id': r.id, 'data-status': r.status },
      h('td', {}, show(r.run_at, tz)),
      h('td', {}, t(`run.${r.status}`)),
      h('td', { class: 'num' }, t('run.progress', { sent: r.sent, failed: r.failed, total: r.total }), skippedText(skipped[r.id])),
      h('td', {}, r.note));
  }

  // showRuns puts rs in the table and tells whether anything changed
  let seen = null;
  function showRuns(rs) {
    const now = JSON.stringify(rs.map((r) => [r.id, r.status, r.sent, r.failed, r.note]));
    if (now === seen) return false;
    seen = now;
    runs.replaceChildren(...rs.map(runRow));
    if (shown) {
      shown.last = rs[0] || null;
      showSummary();
    }
    return true;
  }

  async function loadLog(page = logPage) {
    logPage = page;
    // the logs page's route, newest first (its totals from the runs' counters)
    const res = await pb.send(`/api/postrider/deliveries/log?${new URLSearchParams({ mailing: id, page, perPage: 20 })}`, {});
    log.replaceChildren(...res.items.map((d) => h('tr', { 'data-id': d.id },
      h('td', {}, show(d.sent_at || d.updated, tz)), h('td', {}, d.email), h('td', {}, t(`delivery.${d.status}`)), h('td', { class: 'relay' }, d.relay || ''),
      h('td', { class: 'reply' }, d.response))));
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
      loadSkipped(),
    ]);
    // a moderator reviews another user's mailing on the read-only page
    if (m.owner !== user().id && user().role === 'moderator') return go(`/moderation/mailing?id=${id}`);
    document.title = `${m.subject} · ${t('app.name')}`;
    // the message as a recipient gets it, and a test of it to the owner
    preview ??= previewSection({
      prefix: 'preview', htmlId: 'mailing-preview', hint: t('preview.helpPage'),
      render: (client) => pb.send(`/api/postrider/mailings/${id}/preview?${new URLSearchParams({ client })}`, {}),
      send: (client) => pb.send(`/api/postrider/mailings/${id}/test`, { method: 'POST', body: { client } }),
    });
    head.replaceChildren(
      h('h1', {}, m.subject),
      h('p', {}, t(`status.${m.status}`), stoppedBadge(m), ' · ',
        h('a', { href: `/mailings/edit?id=${id}`, 'data-link': true }, t('common.edit')), ' ',
        actions(m, status, () => load(), () => go('/mailings'))),
      summary,
      preview);
    const next = ws.map((w) => w.next_run_at).filter(Boolean).sort()[0];
    shown = { m, next, last: rs[0] || null };
    seen = null;
    windowsList.replaceChildren(...ws.map((w) => h('li', {},
      t('mailings.windowLine', { start: show(w.starts_at, tz), end: show(w.ends_at, tz), period: t(`period.${w.period}`) }),
      w.next_run_at ? ` — ${t('mailings.nextAt', { at: show(w.next_run_at, tz) })}` : '')));
    showRuns(rs);
    await loadLog(1);
  }

  // runs move while they send: follow them live. A redraw shows the run as
  // its latest event left it, not as the event that asked for the redraw
  // said: the one after the skipped count comes late, maybe after newer events
  let unsubscribe = null;
  const latest = new Map();
  pb.collection('runs').subscribe('*', (e) => {
    if (e.record.mailing !== id) return;
    if (!document.body.contains(runs)) return unsubscribe?.();
    latest.set(e.record.id, e.record);
    const old = runs.querySelector(`tr[data-id="${e.record.id}"]`);
    const redraw = () => {
      const run = latest.get(e.record.id);
      const row = runs.querySelector(`tr[data-id="${run.id}"]`);
      if (row) row.replaceWith(runRow(run));
      else runs.prepend(runRow(run));
      if (shown && newer(run, shown.last)) {
        shown.last = run;
        showSummary();
      }
    };
    redraw();
    // a new run, or one that starts or ends, may have skipped some: counted again
    if (!old || old.dataset.status !== e.record.status) loadSkipped().then(redraw).catch(() => {});
    loadLog().catch(() => {});
  }).then((u) => { unsubscribe = u; }).catch(() => {});

  // realtime events come only from the process that writes: a run sent by a
  // separate `postrider dispatch` shows up through a look every few seconds
  const timer = setInterval(async () => {
    if (!document.body.contains(runs)) return clearInterval(timer);
    if (document.hidden || seen == null) return;
    const rs = await pb.collection('runs').getFullList({ filter: pb.filter('mailing = {:id}', { id }), sort: '-run_at', requestKey: null }).catch(() => null);
    if (rs && showRuns(rs)) {
      await loadSkipped().catch(() => {});
      // an event that came meanwhile is newer than this look
      runs.replaceChildren(...rs.map((r) => runRow(latest.get(r.id)?.updated > r.updated ? latest.get(r.id) : r)));
      showSummary();
      loadLog().catch(() => {});
    }
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
      h('th', { scope: 'col' }, t('mailings.status')), h('th', { scope: 'col' }, t('mailings.relay')),
      h('th', { scope: 'col' }, t('mailings.reply')))), log),
    pager);
}
