// How a mailing stands, as the list of mailings and a mailing's page both
// show it: when it goes out next, how its last run went, and its Edit,
// Stop, Resume and Delete; its one state's badge is ../status.js.

import { pb } from '../api.js';
import { t, lang } from '../i18n.js';
import { h, say, problem, confirmThen, icon } from '../ui.js';
import { show } from '../time.js';
import { userZone } from '../zone.js';

// titled is a page of the mailings: its card, its heading, the tab's title
export function titled(key, ...content) {
  document.title = `${t(key)} · ${t('app.name')}`;
  return h('section', { class: 'card wide' }, h('h1', {}, t(key)), ...content);
}

// whenNext says when a mailing goes out next: a stopped or completed one
// never, else at the earliest next run of its windows, if any
export function whenNext(m, next) {
  if (m.stopped) return t('mailings.nextStopped');
  if (m.approval === 'rejected') return t('mailings.nextRejected');
  if (m.approval === 'pending') return t('mailings.nextApproval');
  if (m.status === 'completed') return t('mailings.nextCompleted');
  return next ? show(next, userZone()) : t('mailings.notScheduled');
}

// lastRun says how a run went: its counters, and a progress bar while it
// sends (with no end while its recipients are still being added: its total
// grows until then)
export function lastRun(r, skipped = r?.skipped) {
  if (!r) return h('span', { class: 'last-run' }, t('mailings.neverRun'));
  const done = r.sent + r.failed;
  const sending = r.status === 'sending';
  // a waiting run's rest goes out later (its owner's daily limit), a paused
  // one's once resumed: neither is skipped
  const toGo = sending || r.status === 'waiting' || r.status === 'paused';
  const counts = r.claiming ? progressText(r)
    : t(toGo ? 'run.summarySending' : 'run.summary', { sent: r.sent, failed: r.failed, rest: Math.max(r.total - done, 0), total: r.total });
  const bar = r.claiming ? h('progress', { 'aria-label': t('mailings.progress') })
    : h('progress', { max: Math.max(r.total, 1), value: done, 'aria-label': t('mailings.progress') });
  return h('span', { class: 'last-run', 'data-status': r.status },
    `${t(`run.${r.status}`)}: `, counts, sending ? bar : null, skippedText(skipped));
}

// progressText is a run's counters; while its recipients are still being
// added (runs.claiming) it says the total is so far
export function progressText(r) {
  return t(r.claiming ? 'run.claiming' : 'run.progress', { sent: r.sent, failed: r.failed, total: r.total });
}

// count writes a number as the reader's language does: 1,000 or 1 000
export function count(n) {
  return new Intl.NumberFormat(lang()).format(n);
}

// runNote is a run's note in the reader's language where the page knows
// its words: a waiting run's (its owner's daily limit reached, the figure
// taken from the dispatcher's note), else the note as the dispatcher wrote it
export function runNote(r) {
  if (r.status === 'paused' && r.paused_by_owner) return t('run.pausedNote');
  if (r.status === 'cancelled') return t('run.cancelledNote');
  const own = /^(\d+) messages wait for their recipients' own time/.exec(r.note || '');
  if (own) return t('run.ownTimeNote', { n: count(Number(own[1])) });
  const limit = r.status === 'waiting' && /\d[\d,]*/.exec(r.note || '');
  return limit ? t('run.waitingNote', { limit: count(Number(limit[0].replaceAll(',', ''))) }) : r.note;
}

// skippedText says how many of a run's failed were not sent at all, and
// why ({bouncing: 2, unsubscribed: 1}), or nothing when none were
export function skippedText(skipped) {
  const parts = ['bouncing', 'unsubscribed', 'deleted', 'left', 'outside_window', 'other'].filter((k) => skipped?.[k]).map((k) => t(`skipped.${k}`, { n: skipped[k] }));
  return parts.length ? h('span', { class: 'skipped' }, t('run.skipped', { list: parts.join(', ') })) : null;
}

// onlyModerators tells whether only a moderator can resume m
function onlyModerators(m) {
  return m.stopped && (m.auto_stopped || (m.stopped_by_moderator ?? Boolean(m.stopped_by)));
}

// newer tells whether run r is the same as or later than the last one shown
export function newer(r, last) {
  return !last || r.id === last.id || r.run_at >= last.run_at;
}

// actions are a mailing's Edit link (edit, where the page offers it), its
// Stop (asked first) or Resume, and its Delete (asked first, red and
// apart), each with its icon, wrapping onto a second line where they do
// not fit (the list of mailings folds them into a row's menu); after()
// runs once either has gone through
export function actions(m, status, after, deleted = after, edit = null) {
  const toggle = onlyModerators(m) ? null : m.stopped
    ? h('button', { type: 'button', class: 'secondary resume' }, icon('play'), t('mailings.resume'))
    : h('button', { type: 'button', class: 'secondary stop' }, icon('circle-stop'), t('mailings.stop'));
  const setStopped = () => pb.collection('mailings').update(m.id, { stopped: !m.stopped });
  toggle?.addEventListener('click', m.stopped
    ? async () => { try { await setStopped(); await after(); } catch (err) { say(status, problem(err), 'err'); } }
    : confirmThen(t('mailings.stopConfirm', { subject: m.subject }), status, setStopped, after));
  const del = h('button', { type: 'button', class: 'danger delete' }, icon('trash-2'), t('common.delete'));
  del.addEventListener('click', confirmThen(t('mailings.deleteConfirm', { subject: m.subject }), status,
    () => pb.collection('mailings').delete(m.id), deleted));
  return h('span', { class: 'mailing-actions' }, edit, toggle, del);
}
