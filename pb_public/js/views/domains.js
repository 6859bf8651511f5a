// Domains: a user's sending domains. The server makes each one's DKIM key;
// the page shows the records to publish, ready to copy, and checks them in
// DNS, saying for each whether it holds and why not.

import { pb, user } from '../api.js';
import { t } from '../i18n.js';
import { h, clearSent, field, message, say, problem, onSubmit, confirmThen, tabs } from '../ui.js';
import { sendingPages } from './senders.js';
import { show } from '../time.js';

export function domains({ signal }) {
  document.title = `${t('domains.title')} · ${t('app.name')}`;
  const status = message('domains-status');
  const list = h('div', { id: 'domains-list' }, h('p', {}, t('common.loading')));

  const form = h('form', { id: 'new-domain', class: 'inline', novalidate: true },
    field('new-domain', 'domain', { label: t('domains.name'), required: true, help: t('domains.placeholder') }),
    h('button', { type: 'submit' }, t('domains.add')),
  );
  onSubmit(form, status, async ({ domain }) => {
    await pb.collection('domains').create({ domain: domain.trim() });
    clearSent(form, { domain });
    say(status, t('common.saved'));
    await load();
  }, (err) => {
    if (err?.status !== 429) return false;
    say(status, t('domains.tooManyAdds'), 'err');
    return true;
  });

  async function load() {
    try {
      const items = await pb.collection('domains').getFullList({ sort: 'domain', signal });
      list.replaceChildren(...items.map((d) => card(d)));
      if (items.length === 0) list.append(h('p', { class: 'empty' }, t('domains.empty')));
    } catch (err) {
      if (!signal.aborted) say(status, problem(err), 'err');
    }
  }

  // card is one domain: its state, its records, Check and Delete
  function card(d, checks = null) {
    const tz = user()?.timezone || undefined;
    const state = h('p', { class: 'domain-state' },
      h('span', { class: `badge ${d.verified ? 'ok' : ''}` }, d.verified ? t('domains.verified') : t('domains.notVerified')),
      ' ', d.checked_at ? t('domains.checkedAt', { when: show(d.checked_at, tz) }) : t('domains.neverChecked'));
    const note = message(`domain-${d.id}-status`);
    const check = h('button', { type: 'button', class: 'check' }, t('domains.check'));
    const remove = h('button', { type: 'button', class: 'secondary danger' }, t('domains.delete'));
    const el = h('article', { class: 'domain', 'data-domain': d.domain, 'data-id': d.id },
      h('h2', {}, d.domain), state,
      h('h3', {}, t('domains.records')),
      records(d, checks),
      h('p', { class: 'toolbar' }, check, remove), note);

    check.addEventListener('click', async () => {
      check.disabled = true;
      check.textContent = t('domains.checking');
      try {
        const res = await pb.send(`/api/postrider/domains/${d.id}/check`, { method: 'POST', signal });
        el.replaceWith(card(res.domain, res.checks));
      } catch (err) {
        if (signal.aborted) return;
        check.disabled = false;
        check.textContent = t('domains.check');
        say(note, err?.status === 429 ? t('domains.tooMany') : problem(err), 'err');
      }
    });
    remove.addEventListener('click', confirmThen(t('domains.deleteConfirm', { domain: d.domain }), note,
      () => pb.collection('domains').delete(d.id), load));
    return el;
  }

  load();
  return h('section', { class: 'card wide' },
    tabs('sending-tabs', t('nav.sending'), sendingPages),
    h('h1', {}, t('domains.title')),
    h('p', {}, t('domains.intro')),
    form, status, list);
}

// records is the table of what to publish; checks, right after a check,
// say why each record does not hold (else the last check's marks show).
function records(d, checks) {
  const byKind = Object.fromEntries((checks || []).map((c) => [c.kind, c]));
  return h('table', { class: 'records' },
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('domains.record')), h('th', { scope: 'col' }, t('domains.type')),
      h('th', { scope: 'col' }, t('domains.host')), h('th', { scope: 'col' }, t('domains.value')),
      h('th', { scope: 'col' }, t('domains.holds')))),
    h('tbody', {}, (d.records || []).map((r) => {
      const c = byKind[r.kind];
      const ok = c ? c.ok : d[`${r.kind}_ok`];
      const checked = c || d.checked_at;
      return h('tr', { 'data-kind': r.kind },
        h('td', {}, h('strong', {}, t(`domains.kind.${r.kind}`)), h('p', { class: 'help' }, t(`domains.about.${r.kind}`))),
        h('td', {}, r.type),
        h('td', {}, copyable(r.name)),
        h('td', {}, copyable(r.value)),
        h('td', { class: 'result' },
          checked ? h('span', { class: `badge ${ok ? 'ok' : ''}` }, ok ? t('domains.holds') : t('domains.fails')) : '—',
          c && !c.ok ? h('p', { class: 'why' }, t(`domains.why.${c.reason}`, { name: r.name, found: c.found, include: includeOf(d), target: targetOf(d) })) : null));
    })));
}

// the SPF include and the return path's target, as the records name them
function includeOf(d) {
  const spf = (d.records || []).find((r) => r.kind === 'spf');
  return spf ? (spf.value.match(/include:(\S+)/) || [])[1] || '' : '';
}
function targetOf(d) {
  return (d.records || []).find((r) => r.kind === 'return_path')?.value || '';
}

// copyable is a value shown whole, with a button that copies it
function copyable(value) {
  const done = h('span', { class: 'copied', role: 'status', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', class: 'link copy' }, t('domains.copy'));
  const code = h('code', {}, value);
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // no clipboard access (an older browser, or refused): select the
      // text, for the user's own copy
      getSelection().selectAllChildren(code);
      document.execCommand('copy');
    }
    done.textContent = t('domains.copied');
  });
  return h('div', { class: 'copyable' }, code, ' ', button, ' ', done);
}
