/**
 * Plan windows as gauges beside the dollar budgets: a subscription's five-hour and weekly allowances, each as the
 * provider last said it stands. Windows are not dollars: a gauge shows a share of an allowance nobody states in a unit,
 * its status in the provider's words, when it resets, the tool's hold, and how old the reading is.
 */
import type { PlanWindowStatusV1 } from '@llm-service/spec';
import { el } from './dom.js';
import { describeWindow, showsHold, windowLabel } from './plan-window-text.js';

/** The gauges of a snapshot's windows, in its order (by tool, then window). */
export function windowGauges(
  windows: readonly PlanWindowStatusV1[],
  snapshotAt: string,
  now: Date,
): HTMLElement[] {
  return windows.map((reading) =>
    windowGauge(reading, snapshotAt, now, { showsHold: showsHold(reading, windows) }),
  );
}

/**
 * One window as a gauge, built like the budget gauges (same classes, same meter) so the two read alike. Every state the
 * colour shows is also in the text: the status badge, "used up", "held until".
 */
export function windowGauge(
  reading: PlanWindowStatusV1,
  snapshotAt: string,
  now: Date,
  options: { showsHold?: boolean } = {},
): HTMLElement {
  const view = describeWindow(reading, snapshotAt, now, options);
  const fill = el('div', { class: 'gauge-fill' });
  fill.style.width = `${view.percent ?? 0}%`;
  const meterText = `${view.used}, ${reading.status}`;
  const track =
    view.percent === null
      ? // Nothing to measure: an empty track, hidden from assistive technology (the text below says why).
        el('div', { class: 'gauge-track', 'aria-hidden': 'true' })
      : el(
          'div',
          {
            class: 'gauge-track',
            role: 'meter',
            'aria-valuemin': '0',
            'aria-valuemax': '100',
            'aria-valuenow': String(Math.round(view.percent)),
            'aria-valuetext': meterText,
            'aria-label': `${view.name} window`,
          },
          fill,
        );
  return el(
    'div',
    {
      class: `gauge plan-window state-${view.state}${view.lapsed ? ' lapsed' : ''}`,
      'data-testid': 'plan-window',
      'data-tool': reading.tool,
      'data-window': reading.window,
      'data-status': reading.status,
      'data-held': view.held === null ? undefined : 'true',
    },
    el(
      'div',
      { class: 'gauge-head' },
      el('span', { class: 'gauge-scope' }, reading.tool),
      el('span', { class: 'badge window-name' }, windowLabel(reading.window)),
      el(
        'span',
        { class: `badge window-status status-${reading.status}`, 'data-testid': 'plan-window-status' },
        reading.status,
      ),
    ),
    track,
    el(
      'div',
      { class: 'gauge-foot' },
      el('span', { 'data-testid': 'plan-window-used' }, view.used),
      view.resets === null
        ? null
        : el('span', { class: 'muted', 'data-testid': 'plan-window-resets' }, view.resets),
    ),
    view.held === null
      ? null
      : el(
          'div',
          {
            class: 'gauge-note held',
            'data-testid': 'plan-window-held',
            title: view.heldReason ?? undefined,
          },
          view.held,
        ),
    view.age === null
      ? null
      : el('div', { class: 'gauge-note muted', 'data-testid': 'plan-window-age' }, view.age),
  );
}
