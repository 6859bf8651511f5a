// The bar chart of sent and failed messages per day (the logs page and the
// home page): stacked bars, counts up the left with a few round ticks, days
// along the bottom, axis titles, a legend above, and the same numbers as a
// list in the caption for screen readers.

import { t, lang } from './i18n.js';
import { h } from './ui.js';

const svgNS = 'http://www.w3.org/2000/svg';

// svgEl makes an SVG element, as h makes an HTML one (text as text).
function svgEl(tag, attrs, ...children) {
  const el = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

// niceStep is 1, 2 or 5 times a power of ten, at least raw (and 1).
function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1)));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
}

// fillDays puts the days without messages between the first and the last
// (up to two months of them), so that the days axis runs evenly.
function fillDays(daily) {
  if (daily.length < 2) return daily;
  const byDay = Object.fromEntries(daily.map((d) => [d.day, d]));
  const out = [];
  for (let d = new Date(`${daily[0].day}T00:00:00Z`); out.length <= 62; d.setUTCDate(d.getUTCDate() + 1)) {
    const day = d.toISOString().slice(0, 10);
    out.push(byDay[day] || { day, sent: 0, failed: 0 });
    if (day === daily.at(-1).day) return out;
  }
  return daily;
}

// the observer of each figure's width, which redraws it
const watching = new WeakMap();

// barChart fills figure with daily ([{day: 'YYYY-MM-DD', sent, failed}]),
// drawing only the series asked for (the logs page's status filter), or
// says there is nothing when no day has a message. It is drawn at the
// figure's own width once the figure is on the page, and again when that
// width changes, so that 12-pixel words stay 12 pixels on a phone.
export function barChart(figure, daily, series = ['sent', 'failed']) {
  watching.get(figure)?.disconnect();
  const days = fillDays(daily);
  const total = (d) => series.reduce((n, s) => n + d[s], 0);
  if (!days.some(total)) {
    figure.replaceChildren(h('figcaption', {}, t('logs.noData')));
    return;
  }
  let drawn = 0;
  const watch = new ResizeObserver(() => {
    const w = Math.round(figure.clientWidth);
    if (w && w !== drawn) draw(figure, days, series, total, drawn = w);
  });
  watch.observe(figure);
  watching.set(figure, watch);
}

// draw draws the chart w pixels wide.
function draw(figure, days, series, total, width) {
  const captionId = `${figure.id}-caption`;
  const w = Math.max(280, width);
  const hgt = 220, left = 44, bottom = 44, top = 12, plotW = w - left - 8, plotH = hgt - top - bottom;
  const step = niceStep(Math.max(...days.map(total)) / 4);
  const topValue = Math.ceil(Math.max(...days.map(total)) / step) * step;
  const y = (v) => top + plotH - (v / topValue) * plotH;
  const slot = plotW / days.length, bar = Math.max(2, Math.min(40, slot * 0.7));
  const svg = svgEl('svg', { viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-labelledby': captionId });
  for (let v = 0; v <= topValue; v += step) {
    svg.append(svgEl('line', { x1: left, x2: w - 8, y1: y(v), y2: y(v), class: v ? 'grid' : 'axis' }),
      svgEl('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick y' }, String(v)));
  }
  svg.append(svgEl('line', { x1: left, x2: left, y1: top, y2: top + plotH, class: 'axis' }),
    svgEl('text', { x: 12, y: top + plotH / 2, 'text-anchor': 'middle', transform: `rotate(-90 12 ${top + plotH / 2})`, class: 'axis-title' }, t('logs.axisCount')),
    svgEl('text', { x: left + plotW / 2, y: hgt - 4, 'text-anchor': 'middle', class: 'axis-title' }, t('logs.axisDay')));
  const every = Math.ceil(days.length / Math.max(1, Math.floor(plotW / 64))); // a day label per 64 pixels at most
  const dayName = new Intl.DateTimeFormat(lang(), { day: 'numeric', month: 'short', timeZone: 'UTC' });
  days.forEach((d, i) => {
    const x = left + i * slot + (slot - bar) / 2;
    let base = 0;
    for (const s of series) {
      if (!d[s]) continue;
      svg.append(svgEl('rect', { x, y: y(base + d[s]), width: bar, height: y(base) - y(base + d[s]), class: s },
        svgEl('title', {}, t('logs.barTitle', { day: d.day, sent: d.sent, failed: d.failed }))));
      base += d[s];
    }
    if (i % every === 0) {
      svg.append(svgEl('text', { x: x + bar / 2, y: top + plotH + 16, 'text-anchor': 'middle', class: 'tick x' }, dayName.format(new Date(`${d.day}T00:00:00Z`))));
    }
  });
  figure.replaceChildren(
    h('ul', { class: 'legend' }, series.map((s) => h('li', { class: s }, t(`logs.legend.${s}`)))),
    svg,
    // for screen readers: the picture says it to the eye
    h('figcaption', { id: captionId, class: 'visually-hidden' }, t('logs.chartCaption'),
      h('ul', { class: 'chart-data' }, days.filter(total).map((d) => h('li', {}, t('logs.barTitle', { day: d.day, sent: d.sent, failed: d.failed }))))));
}
