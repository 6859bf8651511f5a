// The moderators' queue: the mailings waiting for approval, longest
// waiting first, each with its message as a client gets it (remote images
// inert, as on the read-only page), its sender, reach and windows, and its
// owner's last 30 days; Approve, or Reject with a reason its owner reads.
// The whole page is one request (GET /api/postrider/moderation/approvals).

import { pb } from '../api.js';
import { t } from '../i18n.js';
import { h, message, say, problem } from '../ui.js';
import { show } from '../time.js';
import { withoutImages } from '../sanitize.js';
import { pager, showPage } from '../pager.js';
import { userZone } from '../zone.js';
import { notForYou, titled, askReason, percent } from './moderation.js';
import { subjectNodes, subjectText } from '../subject.js';

const perPage = 10;

export function modApprovals({ signal }) {
  const refused = notForYou();
  if (refused) return refused;
  const tz = userZone();
  const status = message('approvals-status');
  const list = h('div', { id: 'approvals-list' }, h('p', {}, t('common.loading')));
  const nav = pager();
  let page = 1;

  async function load(p = page) {
    page = p;
    try {
      const res = await pb.send(`/api/postrider/moderation/approvals?${new URLSearchParams({ page, perPage })}`, { signal });
      if (!res.items.length && res.page > 1) return load(res.page - 1); // the last of a page was decided
      list.replaceChildren(...res.items.map(item));
      if (!res.items.length) list.replaceChildren(h('p', { class: 'empty' }, t('approvals.none')));
      showPage(nav, res, 'approvals.page', load);
    } catch (err) {
      list.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  async function decide(m, body, done) {
    await pb.collection('mailings').update(m.id, body);
    say(status, t(done, { subject: subjectText(m.subject) }), 'ok');
    await load();
  }

  function item(m) {
    const o = m.owner;
    const body = h('div', { class: 'preview', id: `approval-body-${m.id}` });
    body.innerHTML = withoutImages(m.message.html); // sanitized, and no image left in it
    const approve = h('button', { type: 'button', class: 'approve', onclick: async () => {
      approve.disabled = true;
      try {
        await decide(m, { approval: 'approved' }, 'approvals.approved');
      } catch (err) {
        approve.disabled = false;
        say(status, problem(err), 'err');
      }
    } }, t('approvals.approve'));
    const reject = h('button', { type: 'button', class: 'secondary danger reject', onclick: () => askReason({
      title: t('approvals.rejectTitle', { subject: subjectText(m.subject) }),
      label: t('approvals.rejectReason'),
      submit: t('approvals.reject'),
      send: (reason) => decide(m, { approval: 'rejected', approval_reason: reason }, 'approvals.rejected'),
    }) }, t('approvals.reject'));
    return h('article', { class: 'approval', 'data-id': m.id },
      h('h2', {}, h('a', { href: `/moderation/mailing?id=${m.id}`, 'data-link': true }, subjectNodes(m.subject))),
      h('p', { class: 'help' }, t('approvals.waitingSince', { time: show(m.updated, tz) }), ' · ', t('approvals.recipients', { count: m.recipients })),
      h('p', { class: 'owner-history' },
        t('approvals.history', {
          email: o.email, joined: show(o.created, tz, true), sent: o.sent_30d, failed: o.failed_30d,
          bounce: `${percent(o.bounce_rate)} (${o.bounced_30d})`, complaint: `${percent(o.complaint_rate)} (${o.complaints_30d})`,
        }),
        o.trusted ? h('span', { class: 'badge ok' }, t('approvals.trusted')) : null),
      m.windows.length
        ? h('ul', { class: 'windows' }, m.windows.map((w) => h('li', {},
          t('mailings.windowLine', { start: show(w.starts_at, tz), end: show(w.ends_at, tz), period: t(`period.${w.period}`) }),
          w.next_run_at ? ` — ${t('mailings.nextAt', { at: show(w.next_run_at, tz) })}` : '')))
        : h('p', {}, t('approvals.noWindows')),
      h('p', { class: 'mail-subject' }, h('span', {}, t('senders.from')), ' ', h('strong', {}, m.message.from)),
      m.message.reply_to ? h('p', { class: 'mail-subject' }, h('span', {}, t('senders.replyToShown')), ' ', h('strong', {}, m.message.reply_to)) : null,
      h('p', { class: 'mail-subject' }, h('span', {}, t('preview.subject')), ' ', h('strong', {}, m.message.subject)),
      h('p', { class: 'help' }, t('mod.imagesHidden')),
      body,
      h('div', { class: 'toolbar' }, approve, reject));
  }

  load(1);
  return titled('approvals.title', status, list, nav);
}
