import type { AggregateRow } from '@llm-service/spec';
import type { SpendPoint } from '../model.js';
import { el, svg } from './dom.js';
import { colourFor, usd } from './format.js';

const WIDTH = 560;
const HEIGHT = 220;
const MARGIN = { top: 14, right: 8, bottom: 26, left: 56 };

/** A value axis maximum that reads well: 1, 2 or 5 times a power of ten, at or above `value`. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Cost per day, stacked by group, as an SVG built from DOM nodes; groups are ordered as in `order`. */
export function stackedBars(points: readonly SpendPoint[], order: readonly string[], label: string): Element {
  const days = [...new Set(points.map((point) => point.day))].sort();
  if (days.length === 0) return el('p', { class: 'empty' }, 'No spend recorded this month yet.');
  const groups = [...new Set([...order, ...points.map((point) => point.group)])];
  const byDay = new Map<string, Map<string, number>>();
  for (const point of points) {
    const day = byDay.get(point.day) ?? new Map<string, number>();
    day.set(point.group, (day.get(point.group) ?? 0) + point.costUsd);
    byDay.set(point.day, day);
  }
  const totals = days.map((day) =>
    [...(byDay.get(day)?.values() ?? [])].reduce((sum, cost) => sum + cost, 0),
  );
  const max = niceMax(Math.max(...totals));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const band = plotWidth / days.length;
  const barWidth = Math.max(2, Math.min(40, band * 0.7));
  const y = (value: number) => MARGIN.top + plotHeight - (value / max) * plotHeight;

  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    'aria-label': label,
    class: 'chart',
  });
  chart.append(svg('title', {}, label));
  for (const fraction of [0, 0.5, 1]) {
    const value = max * fraction;
    chart.append(
      svg('line', {
        x1: MARGIN.left,
        x2: WIDTH - MARGIN.right,
        y1: y(value),
        y2: y(value),
        class: fraction === 0 ? 'axis' : 'grid',
      }),
      svg('text', { x: MARGIN.left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'tick' }, usd(value)),
    );
  }
  // One path per group, whatever the number of days, and one hover target per day carrying that day's figures: a
  // month of bars by six models is 66 nodes instead of 390 (a group, a rect and a title per bar).
  const paths = new Map<string, string[]>();
  const labelEvery = Math.ceil(days.length / 10);
  days.forEach((day, index) => {
    const x = MARGIN.left + band * index + (band - barWidth) / 2;
    let base = 0;
    const lines = [day];
    for (const group of groups) {
      const cost = byDay.get(day)?.get(group) ?? 0;
      if (cost <= 0) continue;
      const top = y(base + cost);
      const height = Math.max(0.5, y(base) - top);
      const path = paths.get(group) ?? [];
      path.push(
        `M${x.toFixed(1)} ${top.toFixed(1)}h${barWidth.toFixed(1)}v${height.toFixed(1)}h${(-barWidth).toFixed(1)}Z`,
      );
      paths.set(group, path);
      lines.push(`${group}: ${usd(cost)}`);
      base += cost;
    }
    chart.append(
      svg(
        'rect',
        {
          x: MARGIN.left + band * index,
          y: MARGIN.top,
          width: band,
          height: plotHeight,
          class: 'day-target',
          'data-day': day,
        },
        svg('title', {}, lines.join('\n')),
      ),
    );
    if (index % labelEvery === 0) {
      chart.append(
        svg(
          'text',
          { x: x + barWidth / 2, y: HEIGHT - 8, 'text-anchor': 'middle', class: 'tick' },
          day.slice(5),
        ),
      );
    }
  });
  for (const [group, path] of paths) {
    chart.append(
      svg('path', { d: path.join(''), fill: colourFor(group, order), class: 'series', 'data-group': group }),
    );
  }
  // Hover targets on top of the bars, so every point of a day's column shows its tooltip.
  for (const target of [...chart.querySelectorAll('.day-target')]) chart.append(target);
  return chart;
}

/** The legend of a chart: each group's colour and this month's cost. */
export function legend(totals: readonly AggregateRow[], order: readonly string[]): HTMLElement {
  const list = el('ul', { class: 'legend' });
  for (const row of totals) {
    const swatch = el('span', { class: 'swatch', 'aria-hidden': 'true' });
    swatch.style.backgroundColor = colourFor(row.group, order);
    list.append(
      el(
        'li',
        {},
        swatch,
        el('span', { class: 'legend-name' }, row.group),
        el('span', { class: 'legend-value' }, usd(row.costUsd)),
      ),
    );
  }
  return list;
}
