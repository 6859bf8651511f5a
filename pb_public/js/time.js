// Times in the user's time zone (their profile's, not the browser's): the
// API keeps UTC; forms and tables speak the user's wall clock.

import { lang } from './i18n.js';

function partsIn(date, tz) {
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  return Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
}

// how many minutes tz is ahead of UTC at the instant date
function offset(date, tz) {
  const p = partsIn(date, tz);
  return (Date.UTC(+p.year, p.month - 1, +p.day, +p.hour, +p.minute, +p.second) - Math.floor(date.getTime() / 1000) * 1000) / 60000;
}

// fromWall turns "2027-03-01T09:00" read on a clock in tz into an instant.
export function fromWall(wall, tz) {
  const [d, t = '00:00'] = wall.split('T');
  const [y, m, day] = d.split('-').map(Number);
  const [hh, mm] = t.split(':').map(Number);
  const guess = Date.UTC(y, m - 1, day, hh, mm);
  let utc = guess - offset(new Date(guess), tz) * 60000;
  const again = guess - offset(new Date(utc), tz) * 60000;
  if (again !== utc) utc = again;
  return new Date(utc);
}

// toWall is the "YYYY-MM-DDTHH:MM" a clock in tz shows at the instant.
export function toWall(date, tz) {
  const p = partsIn(date, tz);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// stamp is "YYYY-MM-DD HH:MM:SS" on a clock in tz at the instant (for
// exported files, which a spreadsheet reads as a date).
export function stamp(date, tz) {
  const p = partsIn(date, tz);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

// parse reads a date of the API ("2027-03-01 09:00:00.000Z"); "" is null.
export function parse(s) {
  return s ? new Date(s.replace(' ', 'T')) : null;
}

// forAPI writes an instant as the API takes it.
export function forAPI(date) {
  return date.toISOString().replace('T', ' ');
}

// show writes an instant for people, in tz and the page's language (its
// day alone with dayOnly).
export function show(s, tz, dayOnly = false) {
  const d = typeof s === 'string' ? parse(s) : s;
  if (!d) return '';
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: dayOnly ? undefined : 'short', timeZone: tz }).format(d);
}
