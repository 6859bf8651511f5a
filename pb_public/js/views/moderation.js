// The moderators' pages: every user's mailings (stop and resume, each with
// a reason), a mailing's read-only page (its body without remote images),
// every user (block and unblock, trust and untrust, each with a reason)
// and the moderation log; the queue of mailings waiting for approval is
// approvals.js. A moderator changes nothing else: no edit link, no delivery log.

import { pb, user } from '../api.js';
import { t } from '../i18n.js';
import { h, message, say, problem, errorText, busy, icon, rowMenu, tabs } from '../ui.js';
import { show } from '../time.js';
import { withoutImages } from '../sanitize.js';
import { pager, showPage } from '../pager.js';
import { userZone } from '../zone.js';
import { count, runNote, progressText } from './mailing-status.js';
import { stateBadge } from '../status.js';
import { subjectNodes, subjectText } from '../subject.js';

const perPage = 20;

// notForYou is what a user who is no moderator sees at these addresses
// (the API refuses them the data anyway)
export function notForYou() {
  return user()?.role === 'moderator' ? null : titled('mod.only', h('p', {}, t('mod.onlyText')));
}

// the moderators' pages, as tabs above each
const pages = [['/moderation/mailings', 'nav.modMailings'], ['/moderation/approvals', 'nav.modApprovals'],
  ['/moderation/users', 'nav.modUsers'], ['/moderation/log', 'nav.modLog']];

export function titled(key, ...content) {
  document.title = `${t(key)} · ${t('app.name')}`;
  return h('section', { class: 'card wide' },
    tabs('mod-tabs', t('nav.moderation'), pages),
    h('h1', {}, t(key)), ...content);
}

// percent writes a share (0..1) for people: 0%, 2.5%, 40%
export function percent(share) {
  return `${(share * 100).toFixed(share > 0 && share < 0.1 ? 1 : 0)}%`;
}

// askReason opens a dialog that asks why, and runs send(reason) when it is
// given; a refusal stays in the dialog, beside the reason. fields go
// before the reason (the new daily limit).
export function askReason({ title, label, submit, send, fields = [] }) {
  const text = h('textarea', { id: 'reason', name: 'reason', required: true, rows: 4, maxlength: 1000, 'aria-describedby': 'reason-error' });
  const error = h('p', { class: 'field-error', id: 'reason-error', 'aria-live': 'polite' });
  const dialog = h('dialog', { id: 'reason-dialog', class: 'reason', 'aria-labelledby': 'reason-title' });
  const form = h('form', { id: 'reason-form', novalidate: true },
    h('h2', { id: 'reason-title' }, title),
    ...fields,
    h('div', { class: 'field' }, h('label', { for: 'reason' }, label), text, error),
    h('div', { class: 'toolbar' },
      h('button', { type: 'submit' }, submit),
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, t('common.cancel'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = text.value.trim();
    text.removeAttribute('aria-invalid');
    if (!reason) {
      error.textContent = t('err.validation_required');
      text.setAttribute('aria-invalid', 'true');
      return text.focus();
    }
    await busy(form, async () => {
      try {
        await send(reason);
        dialog.close();
      } catch (err) {
        const data = err?.response?.data || {};
        const first = Object.entries(data)[0];
        error.textContent = first ? errorText(first[1], first[0]) : problem(err);
        text.setAttribute('aria-invalid', 'true');
      }
    });
  });
  dialog.append(form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  text.focus();
}

// askAndSave asks why (the dialog's title, the reason's label and its
// button are the words of keys, the title with vars), then saves
// body(reason) into record id of collection and runs after(); body may
// throw to keep the dialog open, saying why
function askAndSave(collection, id, [title, label, submit], vars, body, after, fields = []) {
  askReason({
    title: t(title, vars), label: t(label), submit: t(submit), fields,
    send: async (reason) => {
      await pb.collection(collection).update(id, body(reason));
      await after();
    },
  });
}

// stopOrResume asks the reason, then stops (or resumes) mailing m
function stopOrResume(m, after) {
  const stop = !m.stopped;
  askAndSave('mailings', m.id, stop ? ['mod.stopTitle', 'mod.stopReason', 'mailings.stop'] : ['mod.resumeTitle', 'mod.resumeReason', 'mailings.resume'],
    { subject: subjectText(m.subject) }, (reason) => ({ stopped: stop, stop_reason: reason }), after);
}

// usersMatching is the first users whose email or name contains q
async function usersMatching(q, n, signal) {
  return (await pb.send(`/api/postrider/moderation/users?${new URLSearchParams({ q, perPage: n, sort: 'email' })}`, { signal })).items;
}

function labelled(input, key) {
  return h('div', { class: 'field' }, h('label', { for: input.id }, t(key)), input);
}

// filterForm is the row of filters above a table; submitting it runs apply
function filterForm(id, apply, ...fields) {
  return h('form', { class: 'inline filters', id, role: 'search', onsubmit: (ev) => { ev.preventDefault(); apply(); } },
    ...fields, h('button', { type: 'submit', class: 'secondary' }, t('logs.apply')));
}

// loading puts the loading line in a table body
function loading(rows, cols) {
  rows.replaceChildren(h('tr', {}, h('td', { colspan: cols }, t('common.loading'))));
}

// cell is a table cell that names its column when the table folds on a phone
export function cell(label, content, cls) {
  return h('td', { class: cls, 'data-label': label }, content);
}

function headers(...cols) {
  return h('thead', {}, h('tr', {}, cols.map(([key, cls]) =>
    h('th', { scope: 'col', class: cls }, key ? t(key) : h('span', { class: 'visually-hidden' }, t('common.actions'))))));
}

// stoppedBy says who stopped m and why, under its state's badge
function stoppedBy(m) {
  if (!m.stopped) return null;
  const by = m.expand ? m.expand.stopped_by?.email : m.stopped_by?.email;
  return h('span', { class: 'stopped-by' },
    m.auto_stopped ? t('mod.stoppedAutomatically') : by ? t('mod.stoppedBy', { who: by }) : t('mod.stoppedByOwner'),
    m.stop_reason ? h('span', { class: 'reason' }, ` — ${m.stop_reason}`) : null);
}

// ---------------------------------------------------------------- mailings

export function modMailings({ signal }) {
  const refused = notForYou();
  if (refused) return refused;
  const params = new URLSearchParams(location.search);
  const status = message('mod-mailings-status');
  const q = h('input', { type: 'search', id: 'mod-mailings-q', value: params.get('q') || '' });
  const owner = h('input', { type: 'search', id: 'mod-mailings-owner', value: params.get('owner') || '' });
  const state = h('select', { id: 'mod-mailings-state' },
    ['', 'created', 'running', 'completed', 'stopped', 'auto_stopped'].map((s) => h('option', { value: s, selected: s === (params.get('status') || '') },
      s === 'stopped' ? t('mailings.stopped') : s === 'auto_stopped' ? t('mailings.autoStopped') : s ? t(`status.${s}`) : t('logs.anyStatus'))));
  const rows = h('tbody');
  const nav = pager();
  const tz = userZone();

  // the owner filter takes an email; the API takes the owner's id, looked
  // up when the filter changes (a whole email, or a part only one has)
  let ownerId = '';
  async function findOwner() {
    const typed = owner.value.trim();
    ownerId = '';
    if (!typed) return true;
    const found = await usersMatching(typed, 50, signal);
    const one = found.find((u) => u.email.toLowerCase() === typed.toLowerCase()) || (found.length === 1 ? found[0] : null);
    if (one) {
      ownerId = one.id;
      return true;
    }
    say(status, t(found.length ? 'mod.ownerAmbiguous' : 'mod.ownerUnknown', { email: typed }), 'err');
    return false;
  }

  async function apply() {
    status.textContent = '';
    status.className = 'message';
    try {
      if (await findOwner()) await load(1);
      else rows.replaceChildren();
    } catch (err) {
      say(status, problem(err), 'err');
    }
  }

  async function load(page = 1) {
    loading(rows, 7);
    const query = new URLSearchParams({ page, perPage, q: q.value.trim() });
    if (ownerId) query.set('owner', ownerId);
    if (state.value === 'stopped') query.set('stopped', 'true');
    else if (state.value === 'auto_stopped') query.set('auto_stopped', 'true');
    else if (state.value) query.set('status', state.value);
    try {
      const res = await pb.send(`/api/postrider/moderation/mailings?${query}`, { signal });
      rows.replaceChildren(...res.items.map((m) => row(m, () => load(res.page))));
      if (!res.items.length) rows.replaceChildren(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, t('mod.noMailings'))));
      showPage(nav, res, 'mod.mailingsPage', load);
    } catch (err) {
      rows.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  function row(m, reload) {
    const last = m.last_run;
    return h('tr', { 'data-id': m.id },
      cell(t('mod.owner'), m.owner.email, 'email'),
      cell(t('field.subject'), h('a', { href: `/moderation/mailing?id=${m.id}`, 'data-link': true }, subjectNodes(m.subject))),
      cell(t('mailings.status'), [...stateBadge(m, { lastRun: last, next: m.next_send, reasons: false }), stoppedBy(m)], 'state'),
      cell(t('mailings.next'), show(m.next_send, tz), 'when'),
      cell(t('mailings.recipients'), String(m.recipients ?? ''), 'num'),
      cell(t('mod.lastRun'), last ? t('mod.sentFailed', { sent: last.sent, failed: last.failed }) : '—', 'num nowrap'),
      h('td', { class: 'actions' }, h('button', { type: 'button', class: m.stopped ? 'secondary' : 'secondary danger', onclick: () => stopOrResume(m, reload) },
        icon(m.stopped ? 'play' : 'circle-stop'), m.stopped ? t('mailings.resume') : t('mailings.stop'))));
  }

  apply();
  return titled('mod.mailingsTitle',
    filterForm('mod-mailings-filters', apply,
      labelled(q, 'mod.searchSubject'), labelled(owner, 'mod.ownerEmail'), labelled(state, 'mailings.status')),
    status,
    h('table', { id: 'mod-mailings-table' },
      headers(['mod.owner'], ['field.subject'], ['mailings.status'], ['mailings.next'], ['mailings.recipients', 'num'], ['mod.lastRun', 'num'], [null]),
      rows),
    nav);
}

// ---------------------------------------------------------------- one mailing

export function modMailing({ signal }) {
  const refused = notForYou();
  if (refused) return refused;
  const id = new URLSearchParams(location.search).get('id');
  const tz = userZone();
  const status = message('mod-mailing-status');
  const head = h('div', { id: 'mod-mailing-head' }, h('p', {}, t('common.loading')));
  const windows = h('ul', { id: 'mod-mailing-windows' });
  const totals = h('p', { id: 'mod-mailing-totals' });
  const runs = h('tbody');

  async function load() {
    const [m, ws, rs] = await Promise.all([
      pb.collection('mailings').getOne(id, { expand: 'owner,stopped_by', signal }),
      pb.collection('schedules').getFullList({ filter: pb.filter('mailing = {:id}', { id }), sort: 'starts_at', signal }),
      pb.collection('runs').getFullList({ filter: pb.filter('mailing = {:id}', { id }), sort: '-run_at', signal }),
    ]);
    document.title = `${subjectText(m.subject)} · ${t('app.name')}`;
    const body = h('div', { class: 'preview', id: 'mod-mailing-body' });
    body.innerHTML = withoutImages(m.body); // sanitized, and no image left in it
    head.replaceChildren(
      h('h1', {}, subjectNodes(m.subject)),
      h('p', { id: 'mod-mailing-owner' }, t('mod.owner'), ': ',
        h('a', { href: `/moderation/users?q=${encodeURIComponent(m.expand?.owner?.email || '')}`, 'data-link': true }, m.expand?.owner?.email || ''),
        m.expand?.owner?.name ? ` (${m.expand.owner.name})` : ''),
      h('p', { id: 'mod-mailing-state' }, stateBadge(m, { lastRun: rs[0], next: ws.map((w) => w.next_run_at).filter(Boolean).sort()[0], reasons: false }),
        stoppedBy(m), ' ',
        h('button', { type: 'button', class: m.stopped ? 'secondary' : 'secondary danger', id: 'mod-mailing-toggle', onclick: () => stopOrResume(m, load) },
          m.stopped ? t('mailings.resume') : t('mailings.stop'))),
      h('p', { class: 'help' }, t('mod.imagesHidden')),
      body);
    windows.replaceChildren(...ws.map((w) => h('li', {},
      t('mailings.windowLine', { start: show(w.starts_at, tz), end: show(w.ends_at, tz), period: t(`period.${w.period}`) }),
      w.next_run_at ? ` — ${t('mailings.nextAt', { at: show(w.next_run_at, tz) })}` : '')));
    const sum = (k) => rs.reduce((n, r) => n + (r[k] || 0), 0);
    totals.textContent = t('mod.totals', { runs: rs.length, sent: sum('sent'), failed: sum('failed') });
    runs.replaceChildren(...rs.map((r) => h('tr', { 'data-id': r.id },
      cell(t('mailings.runAt'), show(r.run_at, tz)), cell(t('mailings.status'), t(`run.${r.status}`)),
      cell(t('mailings.progress'), progressText(r), 'num'),
      cell(t('mailings.note'), runNote(r)))));
  }

  load().catch((err) => {
    head.replaceChildren(h('h1', {}, t('mod.mailingTitle')));
    say(status, err?.status === 404 ? t('notfound.text') : problem(err), 'err');
  });
  document.title = `${t('mod.mailingTitle')} · ${t('app.name')}`;
  return h('section', { class: 'card wide' }, head, status,
    h('h2', {}, t('mailings.windows')), windows,
    h('h2', {}, t('mailings.runs')), totals,
    h('table', { id: 'mod-runs-table' },
      headers(['mailings.runAt'], ['mailings.status'], ['mailings.progress', 'num'], ['mailings.note']), runs),
    h('p', {}, h('a', { href: '/moderation/mailings', 'data-link': true }, t('mod.backToMailings'))));
}

// ---------------------------------------------------------------- users

// the users table's columns: the API's sort key (none: not sortable), the
// words of the header, the class of its cells
const userColumns = [
  ['email', 'field.email'], ['name', 'field.name'], ['created', 'mod.joined'], [null, 'mod.confirmed'],
  ['blocked', 'mod.blocked'], ['daily_limit', 'mod.dailyLimit', 'num'], [null, 'mod.trusted'], ['clients', 'nav.clients', 'num'], ['mailings', 'nav.mailings', 'num'],
  ['sent_7d', 'mod.sent7', 'num'], ['failed_share', 'mod.failedShare', 'num'],
  ['bounce_rate', 'mod.bounceRate', 'num'], ['complaint_rate', 'mod.complaintRate', 'num'],
];

export function modUsers({ signal }) {
  const refused = notForYou();
  if (refused) return refused;
  const params = new URLSearchParams(location.search);
  const me = user();
  const status = message('mod-users-status');
  const q = h('input', { type: 'search', id: 'mod-users-q', value: params.get('q') || '' });
  const rows = h('tbody');
  const head = h('tr');
  const nav = pager();
  const tz = userZone();
  let sort = '-failed_share'; // the riskiest senders first
  let page = 1;

  // the headers sort the table: a click sorts by that column, a second
  // click turns the order round
  function renderHead() {
    head.replaceChildren(...userColumns.map(([key, words, cls]) => {
      if (!key) return h('th', { scope: 'col', class: cls }, t(words));
      const now = sort === key ? 'ascending' : sort === `-${key}` ? 'descending' : null;
      return h('th', { scope: 'col', class: cls, 'aria-sort': now },
        h('button', { type: 'button', class: 'sort', 'data-sort': key, onclick: () => {
          sort = now === 'descending' ? key : now === 'ascending' ? `-${key}` : (cls === 'num' ? `-${key}` : key);
          renderHead();
          load(1);
        } }, t(words)));
    }), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, t('common.actions'))));
  }

  async function load(p = page) {
    page = p;
    loading(rows, userColumns.length + 1);
    const query = new URLSearchParams({ page, perPage, sort, q: q.value.trim() });
    try {
      const res = await pb.send(`/api/postrider/moderation/users?${query}`, { signal });
      rows.replaceChildren(...res.items.map(row));
      if (!res.items.length) rows.replaceChildren(h('tr', {}, h('td', { colspan: userColumns.length + 1, class: 'empty' }, t('mod.noUsers'))));
      showPage(nav, res, 'mod.usersPage', load);
    } catch (err) {
      rows.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  function row(u) {
    const blockable = u.role !== 'moderator' && u.id !== me.id;
    const toggle = blockable
      ? h('button', { type: 'button', class: u.blocked ? 'secondary' : 'secondary danger', onclick: () => blockOrUnblock(u) },
        icon(u.blocked ? 'circle-check' : 'ban'), u.blocked ? t('mod.unblock') : t('mod.block'))
      : null;
    const limit = blockable
      ? h('button', { type: 'button', class: 'secondary', 'data-action': 'limit', onclick: () => changeLimit(u) }, icon('gauge'), t('mod.changeLimit'))
      : null;
    const trust = blockable
      ? h('button', { type: 'button', class: 'secondary trust', onclick: () => trustOrUntrust(u) },
        icon(u.trusted ? 'shield-off' : 'shield-check'), u.trusted ? t('mod.untrust') : t('mod.trust'))
      : null;
    return h('tr', { 'data-id': u.id },
      cell(t('field.email'), u.email, 'email'),
      cell(t('field.name'), [u.name, u.role === 'moderator' ? h('span', { class: 'badge role' }, t('mod.moderator')) : null]),
      cell(t('mod.joined'), show(u.created, tz, true)),
      cell(t('mod.confirmed'), u.verified ? t('mod.yes') : t('mod.no')),
      cell(t('mod.blocked'), u.blocked ? [h('span', { class: 'badge' }, t('mod.blockedBadge')), u.blocked_reason ? ` ${u.blocked_reason}` : ''] : t('mod.no')),
      cell(t('mod.dailyLimit'), u.daily_limit ? count(u.daily_limit) : t('mod.noLimit'), 'num limit'),
      cell(t('mod.trusted'), u.trusted ? t('mod.yes') : t('mod.no'), 'trusted'),
      cell(t('nav.clients'), String(u.clients), 'num'),
      cell(t('nav.mailings'), [u.mailings ? h('a', { href: `/moderation/mailings?owner=${encodeURIComponent(u.email)}`, 'data-link': true }, String(u.mailings)) : '0',
        u.auto_stopped ? ' ' : null, u.auto_stopped ? h('a', { class: 'badge auto-stopped', href: `/moderation/mailings?${new URLSearchParams({ owner: u.email, status: 'auto_stopped' })}`, 'data-link': true },
          t('mod.autoStoppedCount', { n: u.auto_stopped })) : null], 'num'),
      cell(t('mod.sent7'), String(u.sent_7d + u.failed_7d), 'num'),
      cell(t('mod.failedShare'), percent(u.failed_share), 'num'),
      cell(t('mod.bounceRate'), `${percent(u.bounce_rate)} (${u.hard_7d + u.refused_7d})`, 'num'),
      cell(t('mod.complaintRate'), `${percent(u.complaint_rate)} (${u.complaints_7d})`, 'num'),
      h('td', { class: 'actions' }, rowMenu(t('common.actionsFor', { name: u.email }), toggle, limit, trust,
        h('a', { href: `/moderation/log?user=${encodeURIComponent(u.email)}`, 'data-link': true }, icon('scroll-text'), t('mod.logLink')))));
  }

  function blockOrUnblock(u) {
    const block = !u.blocked;
    askAndSave('users', u.id, block ? ['mod.blockTitle', 'mod.blockReason', 'mod.block'] : ['mod.unblockTitle', 'mod.unblockReason', 'mod.unblock'],
      { email: u.email }, (reason) => ({ blocked: block, blocked_reason: reason }), load);
  }

  // changeLimit asks the new daily limit and why (logged), then saves it
  function changeLimit(u) {
    const value = h('input', { type: 'number', id: 'limit-value', name: 'daily_limit', min: 0, step: 1, required: true,
      inputmode: 'numeric', value: String(u.daily_limit || 0) });
    askAndSave('users', u.id, ['mod.limitTitle', 'mod.limitReason', 'mod.changeLimit'], { email: u.email }, (reason) => {
      if (value.value === '' || !value.checkValidity()) {
        value.setAttribute('aria-invalid', 'true');
        throw new Error(t('mod.limitInvalid'));
      }
      return { daily_limit: Number(value.value), reason };
    }, load, [h('div', { class: 'field' }, h('label', { for: 'limit-value' }, t('mod.limitValue')), value)]);
  }

  // trust needs a reason too, kept in the log: the request's reason
  function trustOrUntrust(u) {
    const trust = !u.trusted;
    askAndSave('users', u.id, trust ? ['mod.trustTitle', 'mod.trustReason', 'mod.trust'] : ['mod.untrustTitle', 'mod.untrustReason', 'mod.untrust'],
      { email: u.email }, (reason) => ({ trusted: trust, reason }), load);
  }

  renderHead();
  load(1);
  return titled('mod.usersTitle',
    filterForm('mod-users-filters', () => load(1), labelled(q, 'mod.searchUsers')),
    status,
    h('div', { class: 'scroll' }, h('table', { id: 'mod-users-table' }, h('thead', {}, head), rows)),
    nav);
}

// ---------------------------------------------------------------- the log

const actions = ['stop', 'resume', 'block', 'unblock', 'limit', 'approve', 'reject', 'trust', 'untrust', 'auto_stop'];

export function modLog({ signal }) {
  const refused = notForYou();
  if (refused) return refused;
  const params = new URLSearchParams(location.search);
  const tz = userZone();
  const status = message('mod-log-status');
  const moderator = h('select', { id: 'mod-log-moderator' }, h('option', { value: '' }, t('mod.anyModerator')));
  const who = h('input', { type: 'search', id: 'mod-log-user', value: params.get('user') || '' });
  const action = h('select', { id: 'mod-log-action' }, h('option', { value: '' }, t('mod.anyAction')),
    actions.map((a) => h('option', { value: a }, t(`mod.action.${a}`))));
  const rows = h('tbody');
  const nav = pager();
  let userIds = null; // null: anyone

  // the user filter takes an email (the whole of one, or a part of some);
  // emails are not filterable through the log's relation, so the users
  // are looked up first
  async function apply() {
    const typed = who.value.trim();
    userIds = null;
    if (typed) {
      const found = await usersMatching(typed, 50, signal);
      const exact = found.filter((u) => u.email.toLowerCase() === typed.toLowerCase());
      userIds = (exact.length ? exact : found).map((u) => u.id);
    }
    await load(1);
  }

  function filter() {
    const parts = [];
    if (moderator.value) parts.push(pb.filter('moderator = {:m}', { m: moderator.value }));
    if (action.value) parts.push(pb.filter('action = {:a}', { a: action.value }));
    if (userIds) parts.push(userIds.length ? `(${userIds.map((u) => pb.filter('user = {:u}', { u })).join(' || ')})` : "id = ''");
    return parts.join(' && ');
  }

  async function load(page = 1) {
    loading(rows, 6);
    try {
      const res = await pb.collection('moderation_log').getList(page, perPage, { filter: filter(), sort: '-created', expand: 'moderator,user,mailing', signal });
      rows.replaceChildren(...res.items.map((e) => h('tr', { 'data-id': e.id },
        cell(t('mailings.time'), show(e.created, tz), 'when'),
        cell(t('mod.moderator'), e.expand?.moderator?.email || e.superuser || (e.action === 'auto_stop' ? t('mod.theServer') : ''), 'email'),
        cell(t('mod.action'), t(`mod.action.${e.action}`)),
        cell(t('mod.user'), e.expand?.user?.email || '', 'email'),
        cell(t('logs.mailing'), e.expand?.mailing
          ? h('a', { href: `/moderation/mailing?id=${e.mailing}`, 'data-link': true }, subjectNodes(e.expand.mailing.subject)) : ''),
        cell(t('mod.reason'), e.reason, 'why'))));
      if (!res.items.length) rows.replaceChildren(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, t('mod.noEntries'))));
      showPage(nav, res, 'mod.logPage', load);
    } catch (err) {
      rows.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  (async () => {
    try {
      const mods = await pb.collection('users').getFullList({ filter: "role = 'moderator'", sort: 'email', fields: 'id,email', signal });
      moderator.append(...mods.map((m) => h('option', { value: m.id }, m.email)));
    } catch (err) {
      say(status, problem(err), 'err');
    }
  })();
  const filtered = () => apply().catch((err) => say(status, problem(err), 'err'));
  filtered();
  return titled('mod.logTitle',
    filterForm('mod-log-filters', filtered,
      labelled(moderator, 'mod.moderator'), labelled(who, 'mod.userEmail'), labelled(action, 'mod.action')),
    status,
    h('table', { id: 'mod-log-table' },
      headers(['mailings.time'], ['mod.moderator'], ['mod.action'], ['mod.user'], ['logs.mailing'], ['mod.reason']), rows),
    nav);
}
