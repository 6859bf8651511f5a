// The signed-in home page: the user's numbers (clients, mailings, active
// mailings, messages of the last 30 days with a chart, the next mailing to
// go out) and, for a moderator, the same for the whole service with the
// senders whose messages fail most. One request: GET /api/postrider/stats.

import { pb } from '../api.js';
import { t } from '../i18n.js';
import { h, message, say, problem } from '../ui.js';
import { show } from '../time.js';
import { barChart } from '../chart.js';
import { percent } from './moderation.js';
import { count } from './mailing-status.js';
import { userZone } from '../zone.js';
import { subjectNodes } from '../subject.js';

// tiles are the counts as a row of labelled numbers
function tiles(id, c, extra = []) {
  const tile = (key, n) => h('div', { class: 'tile' }, h('dt', {}, t(key)), h('dd', {}, String(n)));
  return h('dl', { class: 'tiles', id },
    ...extra.map(([key, n]) => tile(key, n)),
    tile('home.clients', c.clients), tile('home.mailings', c.mailings), tile('home.active', c.active_mailings),
    tile('home.sent', c.sent_30d), tile('home.failed', c.failed_30d),
    tile('home.bounced', `${c.bounced_30d} (${percent(c.sent_30d ? Math.min(1, c.bounced_30d / c.sent_30d) : 0)})`),
    tile('home.complaints', `${c.complaints_30d} (${percent(c.sent_30d ? Math.min(1, c.complaints_30d / c.sent_30d) : 0)})`));
}

// next says which mailing goes out next and when, with a link to its page
function next(id, c, tz, href) {
  if (!c.next_mailing) return h('p', { id, class: 'empty' }, t('home.nothingNext'));
  return h('p', { id }, t('home.next'), ' ',
    h('a', { href: `${href}?id=${encodeURIComponent(c.next_mailing.id)}`, 'data-link': true }, subjectNodes(c.next_mailing.subject)),
    ' — ', show(c.next_send, tz));
}

// today says the caller's messages today against their daily limit
function today(s) {
  const text = s.daily_limit
    ? t('home.todayOf', { sent: count(s.sent_today), limit: count(s.daily_limit) })
    : t('home.today', { sent: count(s.sent_today) });
  return h('p', { id: 'home-today', class: s.daily_limit && s.sent_today >= s.daily_limit ? 'limit-reached' : null }, text);
}

// firstStep is what a user with no clients yet does first: bring them in
function firstStep() {
  return h('p', { id: 'home-first', class: 'message' }, t('home.firstStep'), ' ',
    h('a', { href: '/clients/import', 'data-link': true }, t('home.importClients')), ' · ',
    h('a', { href: '/clients', 'data-link': true }, t('home.addClient')));
}

function chart(id, days) {
  const figure = h('figure', { id, class: 'chart' });
  barChart(figure, days || []);
  return figure;
}

export function signedInHome(me, signal) {
  document.title = t('app.name');
  const tz = userZone();
  const status = message('home-status');
  const mine = h('div', { id: 'home-mine' }, h('p', {}, t('common.loading')));
  const service = h('div', { id: 'home-service' });

  (async () => {
    try {
      const s = await pb.send('/api/postrider/stats', { signal });
      mine.replaceChildren(
        ...(s.clients ? [] : [firstStep()]),
        today(s),
        tiles('home-numbers', s),
        h('h2', {}, t('home.last30')), chart('home-chart', s.daily_30d),
        next('home-next', s, tz, '/mailing'),
        h('p', {}, h('a', { href: '/mailings/edit', 'data-link': true, class: 'button' }, t('mailings.new')), ' ',
          h('a', { href: '/mailings', 'data-link': true }, t('nav.mailings')), ' · ',
          h('a', { href: '/clients', 'data-link': true }, t('nav.clients'))));
      if (s.service) service.replaceChildren(...serviceView(s.service, tz));
    } catch (err) {
      mine.replaceChildren();
      say(status, problem(err), 'err');
    }
  })();

  return h('section', { class: 'card wide' },
    h('h1', {}, t('home.welcome', { name: me.name || me.email })), status, mine, service);
}

// serviceView is the moderator's part: everyone's numbers and the senders
// with the highest share of failed messages over the last 7 days
function serviceView(s, tz) {
  const risky = s.riskiest || [];
  return [
    h('h2', {}, t('home.service')),
    tiles('home-service-numbers', s, [['home.users', s.users], ['home.blocked', s.blocked_users]]),
    chart('home-service-chart', s.daily_30d),
    next('home-service-next', s, tz, '/moderation/mailing'),
    h('h2', {}, t('home.riskiest')),
    risky.length
      ? h('table', { id: 'home-riskiest' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, t('field.email')), h('th', { scope: 'col' }, t('field.name')),
          h('th', { scope: 'col', class: 'num' }, t('mod.sent7')), h('th', { scope: 'col', class: 'num' }, t('mod.failedShare')))),
        h('tbody', {}, risky.map((u) => h('tr', { 'data-id': u.id },
          h('td', { class: 'email' }, h('a', { href: `/moderation/users?q=${encodeURIComponent(u.email)}`, 'data-link': true }, u.email)),
          h('td', {}, u.name),
          h('td', { class: 'num', 'data-label': t('mod.sent7') }, String(u.sent + u.failed)),
          h('td', { class: 'num', 'data-label': t('mod.failedShare') }, percent(u.failed_share))))))
      : h('p', { class: 'empty', id: 'home-riskiest' }, t('home.noRisk')),
    h('p', {}, h('a', { href: '/moderation/users', 'data-link': true }, t('nav.modUsers'))),
  ];
}
