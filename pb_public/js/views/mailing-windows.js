// The windows of the mailing form: when the mailing goes out (a start, an
// end, and once, daily, weekly or monthly; a daily one on chosen days of
// the week; or, a welcome, to each client who joins a list while the
// window is open, a delay after joining), on the user's clock or at each
// recipient's own.

import { t } from '../i18n.js';
import { h, errorText } from '../ui.js';
import { fromWall, toWall, parse, forAPI, show } from '../time.js';

const periods = ['once', 'daily', 'weekly', 'monthly', 'on_join'];
// a welcome's delay is typed in one of these units, sent in minutes
const units = [['minutes', 1], ['hours', 60], ['days', 1440]];
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

// windowsField is the fieldset, in zone tz: setLists(lists) gives the
// user's lists, for welcome windows (before any add); add(w) adds a
// window (a saved one, or with no w a new one starting in five minutes,
// for a week);
// removeInto(batch, parts) and saveInto(batch, mailing, parts, skip) put
// in batch what a save sends of them (the removed ones; the others but
// the rows in skip), telling in parts what each request saves (a window's
// row, or null for one removed).
export function windowsField(tz) {
  const windows = h('div', { id: 'windows' });
  const removed = []; // the saved windows the user removed
  let lists = [];

  function add(w) {
    const i = windows.children.length + removed.length + Math.random().toString(36).slice(2, 6);
    const soon = new Date(Date.now() + 5 * 60000);
    const start = h('input', { type: 'datetime-local', id: `w${i}-starts_at`, name: 'starts_at', required: true, 'aria-describedby': `w${i}-starts_at-error` });
    const end = h('input', { type: 'datetime-local', id: `w${i}-ends_at`, name: 'ends_at', required: true, 'aria-describedby': `w${i}-ends_at-error` });
    start.value = toWall(w ? parse(w.starts_at) : soon, tz);
    end.value = toWall(w ? parse(w.ends_at) : new Date(soon.getTime() + 7 * 86400000), tz);
    const period = h('select', { id: `w${i}-period`, name: 'period' }, periods.map((p) => h('option', { value: p, selected: w ? w.period === p : p === 'once' }, t(`period.${p}`))));
    // a daily window's days of the week (none ticked: every day)
    const kept = new Set(w?.weekdays || []);
    const days = weekdays.map((d) => h('input', { type: 'checkbox', id: `w${i}-weekdays-${d}`, name: 'weekdays', value: d, checked: kept.has(d) }));
    const dayGroup = h('fieldset', { class: 'field weekdays', 'aria-describedby': `${days[0].id}-error` },
      h('legend', {}, t('mailings.weekdays')),
      h('div', { class: 'days' }, days.map((box, n) => h('label', { for: box.id }, box, ' ', t(`weekday.${weekdays[n]}`)))),
      h('p', { class: 'field-error', id: `${days[0].id}-error`, 'aria-live': 'polite' }));
    // a welcome window's list and delay
    const list = h('select', { id: `w${i}-list`, name: 'list', 'aria-describedby': `w${i}-list-error` },
      h('option', { value: '' }, t('mailings.joinNoList')),
      lists.map((l) => h('option', { value: l.id, selected: w?.list === l.id }, l.name)));
    const [unitName, perUnit] = [...units].reverse().find(([, m]) => (w?.delay_minutes || 0) % m === 0);
    const delay = h('input', { type: 'number', id: `w${i}-delay_minutes`, name: 'delay_minutes', min: 0, step: 1, inputmode: 'numeric',
      value: (w?.delay_minutes || 0) / perUnit, 'aria-describedby': `w${i}-delay_minutes-error` });
    const unit = h('select', { id: `w${i}-delay-unit`, name: 'delay_unit', 'aria-label': t('mailings.joinUnit') },
      units.map(([u, m]) => h('option', { value: m, selected: u === unitName }, t(`unit.${u}`))));
    const joinGroup = h('div', { class: 'join' },
      h('div', { class: 'field' }, h('label', { for: list.id }, t('mailings.joinList')), list,
        h('p', { class: 'field-error', id: `${list.id}-error`, 'aria-live': 'polite' })),
      h('div', { class: 'field' }, h('label', { for: delay.id }, t('mailings.joinDelay')), h('div', { class: 'delay' }, delay, unit),
        h('p', { class: 'field-error', id: `${delay.id}-error`, 'aria-live': 'polite' })),
      h('p', { class: 'help' }, t('mailings.joinHelp')));
    // each client at the window's wall clock in its own zone
    const own = h('input', { type: 'checkbox', id: `w${i}-recipient_time`, name: 'recipient_time', checked: !!w?.recipient_time,
      'aria-describedby': `w${i}-recipient_time-help w${i}-recipient_time-error` });
    const ownField = h('div', { class: 'field' }, h('label', { class: 'check', for: own.id }, own, t('mailings.recipientTime')),
      h('p', { class: 'help', id: `${own.id}-help` }, t('mailings.recipientTimeHelp')),
      h('p', { class: 'field-error', id: `${own.id}-error`, 'aria-live': 'polite' }));
    const showParts = () => {
      dayGroup.hidden = period.value !== 'daily';
      joinGroup.hidden = period.value !== 'on_join';
      list.required = !joinGroup.hidden;
      ownField.hidden = period.value === 'on_join';
    };
    period.addEventListener('change', showParts);
    showParts();
    const labelled = (input, key) => h('div', { class: 'field' }, h('label', { for: input.id }, t(key)), input,
      h('p', { class: 'field-error', id: `${input.id}-error`, 'aria-live': 'polite' }));
    const row = h('div', { class: 'window', 'data-id': w?.id || '' },
      labelled(start, 'mailings.start'), labelled(end, 'mailings.end'), labelled(period, 'mailings.period'), dayGroup, joinGroup, ownField,
      w?.next_run_at ? h('p', { class: 'help' }, t(w.recipient_time ? 'mailings.nextFirstAt' : 'mailings.nextAt', { at: show(w.next_run_at, tz) })) : null,
      h('button', { type: 'button', class: 'link danger', onclick: () => {
        if (w?.id) removed.push(w.id);
        row.remove();
      } }, t('mailings.removeWindow')));
    // what was loaded, so that a save sends only what the user changed (the
    // inputs hold minutes: resending a start would drop its seconds)
    row.dataset.was = JSON.stringify(windowValues(row));
    windows.append(row);
  }

  // removeInto puts the removals in batch: the form sends them before the
  // mailing, so that a mailing whose last window sending to its lists goes
  // may drop its lists in the same save (a welcome window needs none)
  function removeInto(batch, parts) {
    for (const wid of removed) {
      batch.collection('schedules').delete(wid);
      parts.push(null);
    }
  }

  function saveInto(batch, mailing, parts, skip = new Set()) {
    for (const row of windows.querySelectorAll('.window')) {
      const change = windowChange(row, tz);
      if (!change || skip.has(row)) continue;
      if (row.dataset.id) batch.collection('schedules').update(row.dataset.id, change);
      else batch.collection('schedules').create({ mailing, ...change });
      parts.push(row);
    }
  }

  const element = h('fieldset', {}, h('legend', {}, t('mailings.windows')),
    h('p', { class: 'help' }, t('mailings.windowsHelp', { tz })), windows,
    h('button', { type: 'button', class: 'secondary', id: 'add-window', onclick: () => add() }, t('mailings.addWindow')));
  return { element, add, removeInto, saveInto, setLists: (ls) => { lists = ls; } };
}

// periodText says how a saved window repeats: its period, and a daily
// window's days of the week when it keeps only some (a welcome window's
// list and delay: periodText's caller has no lists, so only the period)
export function periodText(w) {
  const days = w.period === 'daily' && w.weekdays?.length ? weekdays.filter((d) => w.weekdays.includes(d)) : [];
  const period = t(`period.${w.period}`);
  const text = days.length ? `${period} (${days.map((d) => t(`weekday.${d}`)).join(', ')})` : period;
  return w.recipient_time ? `${text}, ${t('mailings.recipientTime').toLowerCase()}` : text;
}

// windowChange is what a save sends of a window: all of a new one, only
// what the user changed of a saved one (the inputs hold minutes: resending
// a start would drop its seconds), or null
function windowChange(row, tz) {
  const vals = windowValues(row);
  const was = JSON.parse(row.dataset.was);
  const data = {};
  if (!row.dataset.id || vals[0] !== was[0]) data.starts_at = forAPI(startAt(vals[0], tz));
  if (!row.dataset.id || vals[1] !== was[1]) data.ends_at = forAPI(fromWall(vals[1], tz));
  if (!row.dataset.id || vals[2] !== was[2]) data.period = vals[2];
  if (!row.dataset.id || vals[3] !== was[3]) data.weekdays = vals[3] ? vals[3].split(',') : [];
  if (!row.dataset.id || vals[4] !== was[4]) data.list = vals[4];
  if (!row.dataset.id || vals[5] !== was[5]) data.delay_minutes = vals[5];
  if (!row.dataset.id || vals[6] !== was[6]) data.recipient_time = vals[6];
  return Object.keys(data).length ? data : null;
}

// windowValues is what a window's inputs hold: start, end, period, the
// days of the week ticked (a daily window's only), comma-separated, a
// welcome window's list and delay in minutes ('' and 0 for the others),
// and whether it goes at each recipient's own time (never a welcome)
function windowValues(row) {
  const period = row.querySelector('[name=period]').value;
  const days = period === 'daily' ? [...row.querySelectorAll('[name=weekdays]:checked')].map((b) => b.value) : [];
  const welcome = period === 'on_join';
  const list = welcome ? row.querySelector('[name=list]').value : '';
  const delay = welcome ? Math.round(Number(row.querySelector('[name=delay_minutes]').value) * Number(row.querySelector('[name=delay_unit]').value)) : 0;
  const own = !welcome && row.querySelector('[name=recipient_time]').checked;
  return [row.querySelector('[name=starts_at]').value, row.querySelector('[name=ends_at]').value, period, days.join(','), list, delay, own];
}

// a start typed as this minute (or the last, the form having been filled
// slowly) means now: the API refuses starts over a minute in the past
function startAt(wall, tz) {
  const at = fromWall(wall, tz);
  const now = new Date();
  return at < now && now - at < 2 * 60000 ? now : at;
}

// windowErrors puts the API's errors of a window beside its fields and
// focuses the first; it tells whether there was any
export function windowErrors(row, errs) {
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
