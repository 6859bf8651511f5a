// The bar chart of sent and failed messages per day (the logs page and the
// home page): stacked bars, a visible key, and the same numbers as a list
// for screen readers.

import { t } from './i18n.js';
import { h } from './ui.js';

const svgNS = 'http://www.w3.org/2000/svg';

function svgEl(tag, attrs, text) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text != null) el.textContent = text;
  return el;
}

// barChart fills figure with days ([{day: 'YYYY-MM-DD', sent, failed}]),
// or says there is nothing when no day has a message.
export function barChart(figure, days) {
  if (!days.some((d) => d.sent + d.failed > 0)) {
    figure.replaceChildren(h('figcaption', {}, t('logs.noData')));
    return;
  }
  const captionId = `${figure.id}-caption`;
  const max = Math.max(...days.map((d) => d.sent + d.failed), 1);
  const w = 640, hgt = 160, pad = 18, bar = Math.max(4, Math.min(40, Math.floor(w / days.length) - 4));
  const every = Math.ceil(days.length / 15); // a day's label under every few bars at most
  const svg = svgEl('svg', { viewBox: `0 0 ${w + 2 * pad} ${hgt + 20}`, preserveAspectRatio: 'xMinYMax meet', role: 'img', 'aria-labelledby': captionId });
  days.forEach((d, i) => {
    const x = pad + i * (bar + 4);
    const sentH = Math.round((d.sent / max) * hgt);
    const failH = Math.round((d.failed / max) * hgt);
    for (const [y, height, cls] of [[hgt - sentH, sentH, 'sent'], [hgt - sentH - failH, failH, 'failed']]) {
      if (!height) continue;
      const r = svgEl('rect', { x, y, width: bar, height, class: cls });
      r.append(svgEl('title', {}, t('logs.barTitle', { day: d.day, sent: d.sent, failed: d.failed })));
      svg.append(r);
    }
    if (i % every === 0) svg.append(svgEl('text', { x: x + bar / 2, y: hgt + 15, 'text-anchor': 'middle', class: 'day' }, d.day.slice(5)));
  });
  figure.replaceChildren(svg, h('figcaption', { id: captionId }, t('logs.chartCaption'), ' ',
    h('span', { class: 'key sent' }, t('chart.sent')), ' ', h('span', { class: 'key failed' }, t('chart.failed')),
    h('ul', { class: 'chart-data' }, days.map((d) => h('li', {}, t('logs.barTitle', { day: d.day, sent: d.sent, failed: d.failed }))))));
}
