// A mailing's own page: when it goes out next, its Preview and test send,
// its windows, its runs followed live, and its delivery log.

import { pb, user } from '../api.js';
import { t } from '../i18n.js';
import { h, message, say, problem, icon } from '../ui.js';
import { show } from '../time.js';
import { pager, showPage, afterRows } from '../pager.js';
import { userZone } from '../zone.js';
import { follow, every } from '../visit.js';
import { previewSection } from './preview.js';
import { percent } from './moderation.js';
import { bounceBadge, bounceRates } from '../bounce.js';
import { whenNext, lastRun, skippedText, newer, actions, runNote, progressText, count } from './mailing-status.js';
import { stateBadge } from '../status.js';
import { periodText } from './mailing-windows.js';
import { subjectNodes, subjectText } from '../subject.js';
import { retryKind, retryOffer } from './run-retry.js';
import { runPace, runButtons } from './run-control.js';

// senderText is the mailing's sender as its page shows it: one not verified
// now says that the mailing goes out as its owner meanwhile.
function senderText(s) {
  if (!s) return t('senders.none');
  const who = `${s.name} <${s.email}>`;
  if (s.verified) return who;
  return [who, h('p', { class: 'message err', id: 'mailing-sender-unverified' }, t('senders.notVerifiedNow', { email: s.email }))];
}

// welcomeDay is a welcome run's first cell: the day its clients joined
// (a welcome run holds one day's joiners, its run_at that day's start)
function welcomeDay(r, tz) {
  return h('span', { class: 'run-kind' }, t('run.welcomeOf', { day: show(r.run_at, tz, true) }));
}

export function mailing({ go, signal }) {
  const id = new URLSearchParams(location.search).get('id');
  const tz = userZone();
  const status = message('detail-status');
  const head = h('div', { id: 'mailing-head' });
  // when it goes out next and how the last run went, kept up to date
  const summary = h('dl', { id: 'mailing-summary', class: 'summary' });
  // its one state, which its runs move
  const state = h('span', { id: 'mailing-state-badge' });
  let shown = null; // the mailing, its next send, its last run
  let skipped = {}; // run id → how many were not sent, by why
  let bounces = null; // what came back about its messages (bounces, complaints)
  function showSummary() {
    const { m, next, last } = shown;
    state.replaceChildren(...stateBadge(m, { lastRun: last, next }));
    summary.replaceChildren(
      h('dt', {}, t('senders.pick')), h('dd', { id: 'mailing-sent-as' }, senderText(m.expand?.sender)),
      h('dt', {}, t('mailings.next')), h('dd', { id: 'mailing-next' }, whenNext(m, next)),
      ...(m.once_per_client ? [h('dt', {}, t('mailings.oncePerClient')), h('dd', { id: 'mailing-once' }, t('mailings.oncePerClientOn'))] : []),
      h('dt', {}, t('mailings.lastRun')), h('dd', { id: 'mailing-last-run' }, last ? `${show(last.run_at, tz)} · ` : '', lastRun(last, skipped[last?.id])),
      ...(bounces ? [h('dt', {}, t('mailings.heardBack')),
        h('dd', { id: 'mailing-bounces' }, bounceRates(bounces.sent, bounces.bounced, bounces.complaints, percent))] : []));
  }
  async function loadBounces() {
    bounces = await pb.send(`/api/postrider/mailings/${id}/bounces`, { requestKey: null, signal }).catch(() => bounces);
  }
  // the owner's only: a moderator who opens the page is sent to the
  // read-only one, and an error here leaves the counts out, nothing else
  async function loadSkipped() {
    skipped = await pb.send(`/api/postrider/mailings/${id}/skipped`, { requestKey: null, signal }).catch(() => skipped);
  }
  let preview = null; // the message as a recipient gets it, made at the first load
  const windowsList = h('ul', { id: 'mailing-windows' });
  const runs = h('tbody');
  const log = h('tbody');
  const nav = pager();
  let logPage = 1;
  const logEnds = afterRows(); // where each page of the log ended

  // the runs by id (a retry names the run it retried), those retried, and
  // what a retry of each would send (run-retry.js); each run's pace, from
  // the counters seen (run-control.js)
  const byId = new Map();
  const retried = new Set();
  const counts = new Map();
  const pace = runPace();
  function know(r) {
    byId.set(r.id, r);
    if (r.retry_of) retried.add(r.retry_of);
  }
  function runRow(r) {
    pace.note(r);
    const slot = h('span', { class: 'retry-slot' });
    retryOffer(slot, r, { retried, skipped: skipped[r.id], counts, signal, after: retriedNow });
    return h('tr', { 'data-id': r.id, 'data-status': r.status, 'data-kind': r.kind || 'scheduled' },
      h('td', {}, r.kind === 'welcome' ? welcomeDay(r, tz) : [show(r.run_at, tz), retryKind(r, byId, tz)]),
      h('td', {}, t(`run.${r.status}`)),
      h('td', { class: 'num' }, progressText(r), pace.text(r), skippedText(skipped[r.id])),
      h('td', { class: 'note' }, runNote(r), runButtons(r, status, refreshRuns), slot,
        ownTime.has(r.schedule) && (r.kind || 'scheduled') === 'scheduled' ? zonesOf(r) : null));
  }
  // a run sent at each recipient's own time: what went out and what is to
  // come by the clients' zones, asked when the owner opens it (and again
  // as the row is redrawn while open)
  const ownTime = new Set(); // the windows sent at each recipient's own time
  const zonesOpen = new Set(); // the runs whose zones are open
  function zonesOf(r) {
    const body = h('tbody');
    const heads = ['run.zone', 'run.zoneSent', 'run.zoneFailed', 'run.zoneToCome', 'run.zoneNext'].map((k) => t(k));
    const box = h('details', { class: 'zones', id: `zones-${r.id}` }, h('summary', {}, t('run.byZone')),
      h('table', {}, h('thead', {}, h('tr', {}, heads.map((head) => h('th', { scope: 'col' }, head)))), body));
    // each cell labelled by this table's own header (the run's table
    // would label these nested cells with its own: ui.js labelCells)
    const cell = (i, text, attrs = {}) => h('td', { ...attrs, 'data-label': heads[i] }, text);
    const fill = async () => {
      const res = await pb.send(`/api/postrider/runs/${r.id}/zones`, { requestKey: null, signal }).catch(() => null);
      if (!res) return;
      body.replaceChildren(...res.zones.map((z) => h('tr', { 'data-zone': z.zone },
        cell(0, z.zone || t('run.zoneYours', { tz })), cell(1, count(z.sent), { class: 'num' }), cell(2, count(z.failed), { class: 'num' }),
        cell(3, count(z.pending), { class: 'num' }), cell(4, z.next ? show(z.next, tz) : '—'))));
    };
    box.addEventListener('toggle', () => {
      if (box.open) zonesOpen.add(r.id); else zonesOpen.delete(r.id);
      if (box.open) fill();
    });
    if (zonesOpen.has(r.id)) box.open = true;
    return box;
  }
  // a retry run was made: its run's button goes, the new run shows at once
  async function retriedNow(run) {
    say(status, t('run.retryMade', { n: run.total }), 'ok');
    know(run);
    seen = null;
    const rs = await runsOf({ requestKey: null }).catch(() => null);
    if (rs) showRuns(rs);
  }
  // after a run's button: its row as saved, at once (realtime follows)
  async function refreshRuns() {
    const rs = await runsOf({ requestKey: null });
    seen = null;
    showRuns(rs);
  }

  // showRuns puts rs in the table and tells whether anything changed
  let seen = null;
  function showRuns(rs) {
    const now = JSON.stringify(rs.map((r) => [r.id, r.status, r.sent, r.failed, r.note]));
    if (now === seen) return false;
    seen = now;
    rs.forEach(know);
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
    const q = new URLSearchParams({ mailing: id, page, perPage: 20 });
    if (logEnds.after(page)) q.set('after', logEnds.after(page));
    const res = await pb.send(`/api/postrider/deliveries/log?${q}`, { signal });
    logEnds.shown(page, res.items);
    log.replaceChildren(...res.items.map((d) => h('tr', { 'data-id': d.id },
      h('td', {}, show(d.sent_at || d.updated, tz)), h('td', {}, d.email), h('td', {}, t(`delivery.${d.status}`), ' ', bounceBadge(d, tz)), h('td', { class: 'relay' }, d.relay || ''),
      h('td', { class: 'reply' }, d.response))));
    showPage(nav, res, 'mailings.logPage', loadLog);
  }

  const runsOf = (options = {}) => pb.collection('runs').getFullList({ filter: pb.filter('mailing = {:id}', { id }), sort: '-run_at', signal, ...options });

  async function load() {
    const m = await pb.collection('mailings').getOne(id, { expand: 'sender', signal });
    // a moderator reviews another user's mailing on the read-only page,
    // before asking the owner's routes (skipped, bounces) that refuse them
    if (m.owner !== user().id && user().role === 'moderator') return go(`/moderation/mailing?id=${id}`);
    const [ws, rs] = await Promise.all([
      pb.collection('schedules').getFullList({ filter: pb.filter('mailing = {:id}', { id }), sort: 'starts_at', signal }),
      runsOf(),
      loadSkipped(),
      loadBounces(),
    ]);
    document.title = `${subjectText(m.subject)} · ${t('app.name')}`;
    // the message as a recipient gets it, and a test of it to the owner
    preview ??= previewSection({
      prefix: 'preview', htmlId: 'mailing-preview', hint: t('preview.helpPage'),
      render: (client) => pb.send(`/api/postrider/mailings/${id}/preview?${new URLSearchParams({ client })}`, { signal }),
      send: (client) => pb.send(`/api/postrider/mailings/${id}/test`, { method: 'POST', body: { client } }),
    });
    head.replaceChildren(
      h('h1', {}, subjectNodes(m.subject)),
      h('p', { id: 'mailing-state' }, state,
        actions(m, status, () => load(), () => go('/mailings'), h('a', { href: `/mailings/edit?id=${id}`, 'data-link': true }, icon('pencil'), t('common.edit')))),
      summary,
      preview);
    const next = ws.map((w) => w.next_run_at).filter(Boolean).sort()[0];
    shown = { m, next, last: rs[0] || null };
    seen = null;
    ownTime.clear();
    ws.filter((w) => w.recipient_time).forEach((w) => ownTime.add(w.id));
    windowsList.replaceChildren(...ws.map((w) => h('li', {},
      t('mailings.windowLine', { start: show(w.starts_at, tz), end: show(w.ends_at, tz), period: periodText(w) }),
      w.next_run_at ? ` — ${t(w.recipient_time ? 'mailings.nextFirstAt' : 'mailings.nextAt', { at: show(w.next_run_at, tz) })}` : '')));
    showRuns(rs);
    await loadLog(1);
  }

  // runs move while they send: follow them live. A redraw shows the run as
  // its latest event left it, not as the event that asked for the redraw
  // said: the one after the skipped count comes late, maybe after newer events
  const latest = new Map();
  follow(signal, 'runs', (e) => {
    if (e.record.mailing !== id) return;
    latest.set(e.record.id, e.record);
    know(e.record);
    // a retry made elsewhere (another tab, the API): its run offers it no more
    if (e.record.retry_of) runs.querySelector(`tr[data-id="${e.record.retry_of}"] .retry-slot`)?.replaceChildren();
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
  });

  // realtime events come only from the process that writes: a run sent by a
  // separate `postrider dispatch` shows up through a look every few seconds
  every(signal, 5000, async () => {
    if (document.hidden || seen == null) return;
    const rs = await runsOf({ requestKey: null }).catch(() => null);
    if (rs && showRuns(rs)) {
      await loadSkipped().catch(() => {});
      // an event that came meanwhile is newer than this look
      runs.replaceChildren(...rs.map((r) => runRow(latest.get(r.id)?.updated > r.updated ? latest.get(r.id) : r)));
      showSummary();
      loadLog().catch(() => {});
    }
  });

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
    nav);
}
