// A mailing's one state, as every page names it (the list, its page, the
// home page, the moderators' pages, the calendar): created, scheduled,
// sending, paused, waiting, stopped (by its owner, a moderator or the
// server), completed, waiting for approval or rejected. One badge, never
// two that disagree.

import { t } from './i18n.js';
import { h } from './ui.js';

// mailingState is the key of m's state. lastRun is its latest run (or its
// status), next its next send; m may be a record of the mailings, a row of
// the summary routes, or a calendar occurrence's {held}.
export function mailingState(m, { lastRun = null, next = null } = {}) {
  const held = m.held || '';
  const byModerator = m.stopped_by_moderator ?? Boolean(m.stopped_by);
  if (m.auto_stopped) return 'autoStopped';
  if (m.stopped && byModerator) return 'stoppedByModerator';
  if (m.approval === 'rejected' || held === 'approval_rejected') return 'rejected';
  if (m.approval === 'pending' || held === 'approval_pending') return 'pending';
  if (m.stopped || held === 'stopped') return 'stopped';
  if (m.status === 'completed') return 'completed';
  const run = typeof lastRun === 'string' ? lastRun : lastRun?.status;
  if (run === 'sending' || run === 'paused' || run === 'waiting') return run;
  return next ? 'scheduled' : 'created';
}

// stateBadge is m's state as a badge, with the reason the owner needs: a
// moderator's or the server's stop (not with reasons: false, for the
// moderators' pages, which say who stopped it), a rejection
export function stateBadge(m, { reasons = true, ...opts } = {}) {
  const state = mailingState(m, opts);
  const reason = state === 'stoppedByModerator' && reasons ? t('mailings.stopReason', { reason: m.stop_reason || '—' })
    : state === 'autoStopped' && reasons ? t('mailings.autoStopReason', { reason: m.stop_reason || '—' })
      : state === 'rejected' && m.approval ? t('mailings.approvalRejected', { reason: m.approval_reason || '—' })
        : null;
  const badge = h('span', { class: `badge state ${state}`, 'data-state': state }, t(`state.${state}`));
  return reason ? [badge, h('span', { class: 'state-reason' }, reason)] : [badge];
}
