// A run's controls on its mailing's page: its rate and ETA while it sends,
// worked out from the counters the page already follows live (no request
// of its own), and its owner's Pause, Resume and Cancel (asked first).

import { pb } from '../api.js';
import { t, lang } from '../i18n.js';
import { h, say, problem, confirmThen } from '../ui.js';

// runPace keeps, per run, when the page saw how many of its messages had
// an outcome, for the last minute and a little more
export function runPace() {
  const seen = new Map(); // run id → [{ at, done }]
  return {
    // note records what a run's counters say now
    note(r, at = Date.now()) {
      const done = r.sent + r.failed;
      const list = seen.get(r.id) || [];
      if (!list.length || list[list.length - 1].done !== done) list.push({ at, done });
      while (list.length > 2 && at - list[1].at > 60000) list.shift();
      seen.set(r.id, list);
    },
    // text says a sending run's messages a minute over the last minute and
    // its time left, or nothing until the page has seen it move
    text(r, at = Date.now()) {
      if (r.status !== 'sending') return null;
      const list = seen.get(r.id) || [];
      const first = list[0];
      const last = list[list.length - 1];
      if (!first || first === last || last.at <= first.at) return null;
      const perMinute = ((last.done - first.done) * 60000) / Math.max(at - first.at, last.at - first.at);
      if (!(perMinute > 0)) return null;
      const rest = Math.max(r.total - r.sent - r.failed, 0);
      return h('span', { class: 'run-pace' },
        t('run.rate', { rate: new Intl.NumberFormat(lang(), { maximumFractionDigits: 0 }).format(perMinute) }),
        rest ? ` · ${t('run.eta', { time: duration(rest / perMinute) })}` : '');
    },
  };
}

// duration says minutes as the reader's language does: 40 seconds,
// 12 minutes, 3 hours
function duration(minutes) {
  const [value, unit] = minutes < 1 ? [Math.max(Math.round(minutes * 60), 1), 'second']
    : minutes < 120 ? [Math.round(minutes), 'minute'] : [Math.round(minutes / 60), 'hour'];
  return new Intl.NumberFormat(lang(), { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

// runButtons are the owner's Pause (a run sending or waiting), Resume (a
// run they paused) and Cancel (asked first) of run r; after() runs once
// one went through
export function runButtons(r, status, after) {
  const act = (what) => () => pb.send(`/api/postrider/runs/${r.id}/${what}`, { method: 'POST' });
  const button = (what, cls, onClick) => {
    const b = h('button', { type: 'button', class: `secondary run-${what} ${cls}` }, t(`run.${what}`));
    b.addEventListener('click', onClick);
    return b;
  };
  const now = (what) => async () => {
    try { await act(what)(); await after(); } catch (err) { say(status, problem(err), 'err'); }
  };
  const open = ['sending', 'waiting', 'paused'].includes(r.status);
  if (!open) return null;
  return h('span', { class: 'run-actions' },
    r.status === 'paused' ? (r.paused_by_owner ? button('resume', '', now('resume')) : null) : button('pause', '', now('pause')),
    button('cancel', 'danger', confirmThen(t('run.cancelConfirm', { rest: Math.max(r.total - r.sent - r.failed, 0) }), status, act('cancel'), after)));
}
