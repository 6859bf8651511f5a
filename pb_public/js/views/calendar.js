// The calendar: what goes out when, a month at a time, in the user's zone.
// Each occurrence of the user's windows that will send, with its time,
// mailing and reach now; a moderator sees the whole service, with each
// mailing's owner. A month grid on a desktop, a list by day on a phone
// (style.css shows one or the other). One request for the month
// (GET /api/postrider/calendar).

import { pb, user } from '../api.js';
import { t, lang } from '../i18n.js';
import { h, message, say, problem } from '../ui.js';
import { parse } from '../time.js';
import { userZone } from '../zone.js';
import { titled } from './mailing-status.js';
import { subjectNodes } from '../subject.js';
import { stateBadge } from '../status.js';

// a day as the API takes it: "2027-03-01" (days are counted in UTC here,
// as plain dates, whatever the zone)
const iso = (d) => d.toISOString().slice(0, 10);
const utcDay = (y, m, d) => new Date(Date.UTC(y, m, d));

// thisMonth is "YYYY-MM" of today in tz.
function thisMonth(tz) {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' }).formatToParts(new Date());
  return `${p.find((x) => x.type === 'year').value}-${p.find((x) => x.type === 'month').value}`;
}

export function calendar({ signal }) {
  const tz = userZone();
  const everyone = user()?.role === 'moderator';
  const asked = new URLSearchParams(location.search).get('month') || '';
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(asked) ? asked : thisMonth(tz);
  const [year, mon] = month.split('-').map(Number);
  const first = utcDay(year, mon - 1, 1);
  const last = utcDay(year, mon, 0);
  // the grid's weeks run Monday to Sunday, from the week of the 1st to
  // that of the last day: at most 42 days, one request
  const gridFrom = utcDay(year, mon - 1, 1 - ((first.getUTCDay() + 6) % 7));
  const gridTo = utcDay(year, mon - 1, last.getUTCDate() + ((7 - last.getUTCDay()) % 7));
  const shift = (n) => { const d = utcDay(year, mon - 1 + n, 1); return iso(d).slice(0, 7); };

  const status = message('calendar-status');
  const grid = h('table', { id: 'calendar-grid', class: 'calendar-grid' });
  const list = h('div', { id: 'calendar-list', class: 'calendar-list' }, h('p', {}, t('common.loading')));
  const monthName = new Intl.DateTimeFormat(lang(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(first);
  const clock = new Intl.DateTimeFormat(lang(), { hour: '2-digit', minute: '2-digit', timeZone: tz });
  const dayName = new Intl.DateTimeFormat(lang(), { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });
  const weekday = new Intl.DateTimeFormat(lang(), { weekday: 'short', timeZone: 'UTC' });

  const nav = (n, key, id) => h('a', { href: `/calendar?month=${shift(n)}`, 'data-link': true, class: 'button', id }, t(key));

  // one occurrence: its time, its mailing (a link), its reach, and for a
  // moderator its owner; one that will not go out says why. A welcome
  // window is one item, on the day it opens (or the month's first): it
  // sends when a client joins its list, to whoever joins.
  function occurrence(it) {
    const href = everyone ? `/moderation/mailing?id=${it.mailing.id}` : `/mailing?id=${it.mailing.id}`;
    const welcome = it.window.period === 'on_join';
    return h('li', { class: it.held ? 'occurrence held' : 'occurrence', 'data-mailing': it.mailing.id, 'data-period': it.window.period },
      welcome ? h('span', { class: 'when' }, t('calendar.welcome', { list: it.window.list_name }))
        : h('time', { datetime: it.at.replace(' ', 'T') }, clock.format(parse(it.at))), ' ',
      h('a', { href, 'data-link': true }, subjectNodes(it.mailing.subject)), ' ',
      welcome ? null : h('span', { class: 'reach' }, t('calendar.reach', { count: it.mailing.recipients })),
      it.owner ? h('span', { class: 'owner' }, it.owner.email) : null,
      // a mailing held says its state; an owner blocked, that
      it.held === 'blocked' ? h('span', { class: 'badge' }, t('calendar.held.blocked')) : it.held ? stateBadge({ held: it.held }) : null);
  }

  function show(res) {
    const byDay = new Map();
    for (const it of res.items) {
      if (!byDay.has(it.day)) byDay.set(it.day, []);
      byDay.get(it.day).push(it);
    }
    const head = h('thead', {}, h('tr', {}, [0, 1, 2, 3, 4, 5, 6].map((i) =>
      h('th', { scope: 'col' }, weekday.format(utcDay(2024, 0, 1 + i)))))); // 2024-01-01 was a Monday
    const weeks = [];
    for (let d = gridFrom; d <= gridTo; d = utcDay(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 7)) {
      weeks.push(h('tr', {}, [0, 1, 2, 3, 4, 5, 6].map((i) => {
        const day = utcDay(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + i);
        const items = byDay.get(iso(day)) || [];
        return h('td', { class: day.getUTCMonth() === mon - 1 ? 'day' : 'day other-month', 'data-day': iso(day) },
          h('span', { class: 'date' }, String(day.getUTCDate())),
          items.length ? h('ul', {}, items.map(occurrence)) : null);
      })));
    }
    grid.replaceChildren(h('caption', { class: 'visually-hidden' }, monthName), head, h('tbody', {}, weeks));

    // the phone's list: the month's days that have something, in order
    const days = [...byDay.keys()].filter((d) => d.startsWith(month)).sort();
    list.replaceChildren(...days.map((d) => h('section', { class: 'calendar-day', 'data-day': d },
      h('h2', {}, dayName.format(new Date(`${d}T00:00:00Z`))),
      h('ul', {}, byDay.get(d).map(occurrence)))));
    if (!days.length) list.replaceChildren(h('p', { class: 'empty' }, t('calendar.none')));
    if (res.more) say(status, t('calendar.more'), 'err');
  }

  async function load() {
    const q = new URLSearchParams({ from: iso(gridFrom), to: iso(gridTo) });
    if (everyone) q.set('all', '1');
    try {
      show(await pb.send(`/api/postrider/calendar?${q}`, { signal }));
    } catch (err) {
      if (signal.aborted) return;
      list.replaceChildren();
      say(status, problem(err), 'err');
    }
  }

  load();
  return titled('calendar.title',
    h('div', { class: 'toolbar calendar-nav' },
      nav(-1, 'calendar.previous', 'calendar-previous'),
      h('h2', { id: 'calendar-month' }, monthName),
      nav(1, 'calendar.next', 'calendar-next')),
    h('p', { class: 'help' }, t(everyone ? 'calendar.helpEveryone' : 'calendar.help', { zone: tz })),
    status, grid, list);
}
