// A finished run's failed messages that may succeed now are sent again,
// once, by a new run of kind retry (POST /api/postrider/runs/{id}/retry):
// the run's row offers "Send again to the N that failed", which asks in a
// dialog (the counts, and whether those that may have arrived go too).

import { pb } from '../api.js';
import { t } from '../i18n.js';
import { h, problem, busy } from '../ui.js';
import { show } from '../time.js';

// retryKind says what a retry run is in the runs table: "retry of {the
// run's time}", or nothing for a scheduled run.
export function retryKind(r, byId, tz) {
  if (r.kind !== 'retry') return null;
  const of = byId.get(r.retry_of);
  return h('span', { class: 'run-kind' }, of ? t('run.retryOf', { at: show(of.run_at, tz) }) : t('run.retry'));
}

// retryOffer fills slot with the button of a finished run that has failures
// beyond those skipped and no retry yet, once the server has counted what a
// retry would send (counts caches them by run: a finished run's do not
// grow). after runs once the retry run is made.
export function retryOffer(slot, r, { retried, skipped, counts, signal, after }) {
  const notSent = Object.values(skipped || {}).reduce((a, b) => a + b, 0);
  if (r.status !== 'done' || r.failed <= notSent || retried.has(r.id)) return;
  const got = counts.get(r.id) ?? pb.send(`/api/postrider/runs/${r.id}/retry`, { requestKey: null, signal });
  counts.set(r.id, got);
  got.then((c) => {
    if (c.retry || c.temporary + c.unconfirmed === 0 || !slot.isConnected) return;
    const n = c.temporary || c.unconfirmed;
    slot.replaceChildren(h('button', { type: 'button', class: 'secondary retry', 'data-run': r.id,
      onclick: () => askRetry(r, c, after) }, t('run.retryButton', { n })));
  }).catch(() => counts.delete(r.id));
}

// askRetry opens the dialog that sends run r again; a refusal stays in it.
function askRetry(r, c, after) {
  const also = h('input', { type: 'checkbox', id: 'retry-unconfirmed', name: 'unconfirmed' });
  if (!c.temporary) also.checked = true; // nothing else to send
  const error = h('p', { class: 'field-error', id: 'retry-error', 'aria-live': 'polite' });
  const dialog = h('dialog', { id: 'retry-dialog', class: 'reason', 'aria-labelledby': 'retry-title' });
  const form = h('form', { id: 'retry-form', novalidate: true },
    h('h2', { id: 'retry-title' }, t('run.retryTitle')),
    h('p', { id: 'retry-temporary' }, t('run.retryTemporary', { n: c.temporary })),
    c.unconfirmed ? h('p', {}, h('label', { class: 'check', for: 'retry-unconfirmed' }, also, t('run.retryUnconfirmed', { n: c.unconfirmed }))) : null,
    h('p', { class: 'help' }, t('run.retryNever')),
    error,
    h('div', { class: 'toolbar' },
      h('button', { type: 'submit' }, t('run.retrySend')),
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, t('common.cancel'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    await busy(form, async () => {
      try {
        const run = await pb.send(`/api/postrider/runs/${r.id}/retry`, { method: 'POST', body: { unconfirmed: also.checked } });
        dialog.close();
        after(run);
      } catch (err) {
        error.textContent = problem(err);
      }
    });
  });
  dialog.append(form);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}
