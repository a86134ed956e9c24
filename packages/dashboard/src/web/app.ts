/**
 * The dashboard page: loads /api/snapshot, then follows /api/events. No framework: every view is built with DOM
 * APIs, and every value from the server goes in as text. The one exception is a task's description, which the
 * server renders to safe HTML (raw HTML disabled, links checked).
 */
import type { BudgetStatusV1 } from '@llm-service/spec';
import {
  TASK_COLUMNS,
  TASK_PRIORITIES,
  type DashboardSnapshot,
  type InvocationRow,
  type SpendSnapshot,
  type TaskCard,
  type TaskColumn,
} from '../model.js';
import { legend, stackedBars } from './charts.js';
import { byId, clear, el, setText } from './dom.js';
import { clock, count, duration, percent, usd } from './format.js';

const TOKEN_KEY = 'llm-service.dashboard.token';
const MAX_ROWS = 200;
const COLUMN_TITLES: Record<TaskColumn, string> = {
  inbox: 'Inbox',
  assigned: 'Assigned',
  in_progress: 'In progress',
  blocked: 'Blocked',
  done: 'Done',
  error: 'Error',
};

const invocations = new Map<string, InvocationRow>();
const tasks = new Map<string, TaskCard>();
let token: string | null = null;
let source: EventSource | null = null;
let generation = 0;
let reconnectTimer: number | undefined;
let reconnectDelay = 3_000;
let openKey: string | null = null;

// ---------------------------------------------------------------------------------------------------------------
// Token: read once from the address, then only from this tab's session storage.

function readToken(): string | null {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage disabled: the page works until it is reloaded.
    }
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
    return fromUrl;
  }
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Connection: snapshot first, then the event stream from the snapshot's event id.

type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';

function setConnection(state: ConnectionState, detail = ''): void {
  const badge = byId('connection');
  badge.dataset.state = state;
  const labels: Record<ConnectionState, string> = {
    connecting: 'Connecting…',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    offline: 'Offline',
  };
  setText(badge, labels[state]);
  badge.title = detail;
}

function showNotice(message: string | null): void {
  const notice = byId('notice');
  notice.hidden = message === null;
  setText(notice, message ?? '');
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token ?? ''}`);
  const response = await fetch(path, { ...init, headers, cache: 'no-store', credentials: 'omit' });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message =
      body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string'
        ? (body as { error: string }).error
        : `HTTP ${response.status}`;
    throw new HttpError(response.status, message);
  }
  return body as T;
}

const sleep = (ms: number) => new Promise<void>((resolve) => window.setTimeout(resolve, ms));

/** (Re)loads everything and follows the events from there; a newer call supersedes an older one. */
async function connect(): Promise<void> {
  const mine = ++generation;
  window.clearTimeout(reconnectTimer);
  reconnectTimer = undefined;
  source?.close();
  source = null;
  setConnection(invocations.size + tasks.size > 0 ? 'reconnecting' : 'connecting');
  let delay = 500;
  for (;;) {
    try {
      const snapshot = await api<DashboardSnapshot>('/api/snapshot');
      if (mine !== generation) return;
      applySnapshot(snapshot);
      showNotice(null);
      openEvents(snapshot.lastEventId, mine);
      return;
    } catch (error) {
      if (mine !== generation) return;
      if (error instanceof HttpError && error.status === 401) {
        setConnection('offline', error.message);
        showNotice(
          'The dashboard refused this page’s token. Open the address `llm-service dashboard` printed (it ends in ?token=…).',
        );
        return;
      }
      setConnection('offline', error instanceof Error ? error.message : String(error));
      await sleep(delay);
      if (mine !== generation) return;
      delay = Math.min(delay * 2, 10_000);
      setConnection('reconnecting');
    }
  }
}

function openEvents(lastEventId: string, mine: number): void {
  const query = new URLSearchParams({ token: token ?? '', lastEventId });
  const events = new EventSource(`/api/events?${query.toString()}`);
  source = events;
  const current = () => source === events && mine === generation;
  events.addEventListener('open', () => {
    if (!current()) return;
    window.clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    reconnectDelay = 3_000;
    setConnection('live');
  });
  events.addEventListener('error', () => {
    if (!current()) return;
    setConnection('reconnecting');
    // The browser retries the stream by itself (and resumes with Last-Event-ID); when it gives up, or does not get
    // through for a while, start again from a fresh snapshot, backing off.
    if (reconnectTimer === undefined) {
      const wait = events.readyState === EventSource.CLOSED ? 500 : reconnectDelay;
      reconnectDelay = Math.min(reconnectDelay * 2, 30_000);
      reconnectTimer = window.setTimeout(() => {
        reconnectTimer = undefined;
        if (current() && events.readyState !== EventSource.OPEN) void connect();
      }, wait);
    }
  });
  events.addEventListener('reset', () => {
    if (current()) void connect();
  });
  const on = (type: string, handle: (data: unknown) => void) =>
    events.addEventListener(type, (message) => {
      if (!current()) return;
      try {
        handle(JSON.parse((message as MessageEvent<string>).data));
      } catch (error) {
        console.error(`dashboard: bad ${type} event`, error);
      }
    });
  on('invocation', (data) => upsertInvocation(data as InvocationRow));
  on('task', (data) => upsertTask(data as TaskCard));
  on('task-removed', (data) => removeTask((data as { key: string }).key));
  on('spend', (data) => renderSpend(data as SpendSnapshot));
}

function applySnapshot(snapshot: DashboardSnapshot): void {
  setText(byId('work-dir'), snapshot.workDir);
  // Built in one pass and attached at once: upserting row by row costs a scan of the table per row.
  invocations.clear();
  const newestFirst = [...snapshot.invocations]
    .sort((left, right) => right.startedAt.localeCompare(left.startedAt))
    .slice(0, MAX_ROWS);
  for (const row of newestFirst) invocations.set(row.key, row);
  feedBody().replaceChildren(...newestFirst.slice(0, FIRST_ROWS).map(feedRow));
  undrawn = newestFirst.slice(FIRST_ROWS).map((row) => row.key);
  updateFeedEmpty();
  tasks.clear();
  for (const column of TASK_COLUMNS) clear(columnCards(column));
  for (const card of snapshot.tasks) upsertTask(card);
  updateColumnCounts();
  renderSpend(snapshot.spend);
  if (openKey !== null) renderDetail(openKey);
}

// ---------------------------------------------------------------------------------------------------------------
// Spend: totals in the header, budgets as gauges, charts.

function renderSpend(spend: SpendSnapshot): void {
  setText(byId('spend-today'), usd(spend.totals.todayUsd));
  setText(byId('spend-week'), usd(spend.totals.weekUsd));
  setText(byId('spend-month'), usd(spend.totals.monthUsd));
  setText(byId('saved-month'), usd(spend.savings.savedUsd));
  byId('saved-month').title =
    `What the requests would have cost on the models agents asked for: ${usd(spend.savings.baselineUsd)}; ` +
    `what they cost: ${usd(spend.savings.actualUsd)}`;
  setText(byId('spend-at'), `Updated ${clock(spend.at)}`);
  renderBudgets(spend.budgets);
  const modelOrder = spend.modelTotals.map((row) => row.group);
  const agentOrder = spend.agentTotals.map((row) => row.group);
  byId('chart-model').replaceChildren(
    stackedBars(spend.byModel, modelOrder, 'Cost per day by model'),
    legend(spend.modelTotals, modelOrder),
  );
  byId('chart-agent').replaceChildren(
    stackedBars(spend.byAgent, agentOrder, 'Cost per day by agent'),
    legend(spend.agentTotals, agentOrder),
  );
}

function renderBudgets(budgets: BudgetStatusV1[] | null): void {
  const container = byId('budget-list');
  if (budgets === null) {
    container.replaceChildren(
      el('p', { class: 'empty' }, 'No loaded plugin reports budgets (the policy plugin does).'),
    );
    return;
  }
  if (budgets.length === 0) {
    container.replaceChildren(el('p', { class: 'empty' }, 'No budgets in policies.yaml.'));
    return;
  }
  container.replaceChildren(...budgets.map(gauge));
}

function gauge(budget: BudgetStatusV1): HTMLElement {
  const fill = el('div', { class: 'gauge-fill' });
  fill.style.width = `${Math.min(100, Math.max(0, budget.percent ?? 0))}%`;
  const alertMark = el('div', { class: 'gauge-alert' });
  if (budget.alertAtPercent !== null) alertMark.style.left = `${Math.min(100, budget.alertAtPercent)}%`;
  else alertMark.hidden = true;
  const spent =
    budget.spentUsd === null
      ? `per chain · limit ${usd(budget.limitUsd)}`
      : `${usd(budget.spentUsd)} of ${usd(budget.limitUsd)} · ${percent(budget.percent)}`;
  return el(
    'div',
    { class: `gauge state-${budget.state}`, 'data-testid': 'budget', 'data-state': budget.state },
    el(
      'div',
      { class: 'gauge-head' },
      el('span', { class: 'gauge-scope' }, budget.scope),
      el('span', { class: 'badge' }, budget.period),
      el('span', { class: `badge mode-${budget.mode}` }, budget.mode),
    ),
    el(
      'div',
      {
        class: 'gauge-track',
        role: 'meter',
        'aria-valuemin': '0',
        'aria-valuemax': '100',
        'aria-valuenow': String(Math.round(budget.percent ?? 0)),
        'aria-label': `${budget.scope} ${budget.period}`,
      },
      fill,
      alertMark,
    ),
    el(
      'div',
      { class: 'gauge-foot' },
      el('span', {}, spent),
      el('span', { class: 'muted' }, `resets in ${duration(budget.resetsInMs)}`),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// The invocation feed: newest first, a row per attempt, updated in place by key.

const feedBody = () => byId<HTMLTableSectionElement>('feed-rows');

/**
 * The feed draws the rows its scroll box shows, and the older ones as the box is scrolled towards them: most visits
 * never look past the first screen, and drawing 200 rows costs more than the rest of the page.
 */
const FIRST_ROWS = 20;
const ROWS_PER_SCROLL = 50;
/** Keys of rows kept but not drawn yet, newest first; all are older than every drawn row. */
let undrawn: string[] = [];

let feedEnd: IntersectionObserver | undefined;

function drawOlderRows(): void {
  const batch = undrawn.splice(0, ROWS_PER_SCROLL);
  const rows = batch.flatMap((key) => {
    const row = invocations.get(key);
    return row ? [feedRow(row)] : [];
  });
  feedBody().append(...rows);
  // Observing afresh reports the end's position now: on a tall screen it may still show, and then more are drawn.
  const sentinel = byId('feed-more');
  feedEnd?.unobserve(sentinel);
  feedEnd?.observe(sentinel);
}

function watchFeedScroll(): void {
  const sentinel = byId('feed-more');
  feedEnd = new IntersectionObserver(
    (entries) => {
      if (entries.some((entry) => entry.isIntersecting) && undrawn.length > 0) drawOlderRows();
    },
    { root: sentinel.closest('.table-scroll'), rootMargin: '100px' },
  );
  feedEnd.observe(sentinel);
}

function upsertInvocation(row: InvocationRow): void {
  invocations.set(row.key, row);
  const body = feedBody();
  const existing = body.querySelector<HTMLTableRowElement>(`tr[data-key="${CSS.escape(row.key)}"]`);
  if (existing) {
    existing.replaceWith(feedRow(row));
  } else if (!undrawn.includes(row.key)) {
    const after = [...body.querySelectorAll<HTMLTableRowElement>('tr[data-key]')].find(
      (other) => (other.dataset.started ?? '') < row.startedAt,
    );
    if (after || undrawn.length === 0) body.insertBefore(feedRow(row), after ?? null);
    else {
      // Older than every drawn row: it takes its place among the undrawn ones.
      const at = undrawn.findIndex((key) => (invocations.get(key)?.startedAt ?? '') < row.startedAt);
      undrawn.splice(at < 0 ? undrawn.length : at, 0, row.key);
    }
    const rows = body.querySelectorAll<HTMLTableRowElement>('tr[data-key]');
    for (let index = MAX_ROWS; index < rows.length; index++) {
      const extra = rows[index] as HTMLTableRowElement;
      invocations.delete(extra.dataset.key ?? '');
      extra.remove();
    }
    const drawn = Math.min(rows.length, MAX_ROWS);
    for (const key of undrawn.splice(MAX_ROWS - drawn)) invocations.delete(key);
  }
  updateFeedEmpty();
}

function feedRow(row: InvocationRow): HTMLTableRowElement {
  const running = row.status === 'running';
  const cell = (text: string, className?: string) => el('td', { class: className }, text);
  const status = el('span', { class: `status status-${row.status}` }, running ? 'running' : row.status);
  if (row.errorKind) status.title = row.errorKind;
  const tr = el(
    'tr',
    {
      'data-testid': 'feed-row',
      'data-key': row.key,
      'data-status': row.status,
      'data-started': row.startedAt,
      class: running ? 'running' : undefined,
    },
    cell(clock(row.startedAt), 'time'),
    cell(row.agent),
    cell(row.taskType ?? '—', row.taskType ? undefined : 'muted'),
    cell(row.tool),
    cell(row.model),
    el('td', { 'data-testid': 'feed-status' }, status),
    cell(row.attempt > 1 ? `${row.reason} (attempt ${row.attempt})` : row.reason),
    cell(running ? '…' : count(row.inputTokens), 'num'),
    cell(running ? '…' : count(row.outputTokens), 'num'),
    cell(running ? '…' : usd(row.costUsd), 'num'),
    cell(running ? '…' : duration(row.latencyMs), 'num'),
  );
  tr.title = `${row.invocationId} · chain ${row.chainId}`;
  return tr;
}

function updateFeedEmpty(): void {
  byId('feed-empty').hidden = invocations.size > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The task board: six columns, a card per file, updated in place by key.

const columnCards = (column: TaskColumn) => byId(`cards-${column}`);

function priorityRank(priority: string | null): number {
  const index = priority === null ? -1 : (TASK_PRIORITIES as readonly string[]).indexOf(priority);
  return index >= 0 ? index : priority === null ? TASK_PRIORITIES.length + 1 : TASK_PRIORITIES.length;
}

function compareCards(a: TaskCard, b: TaskCard): number {
  return priorityRank(a.priority) - priorityRank(b.priority) || a.key.localeCompare(b.key);
}

function fileName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function upsertTask(card: TaskCard): void {
  tasks.set(card.key, card);
  document.querySelector(`article[data-key="${CSS.escape(card.key)}"]`)?.remove();
  const element = cardElement(card);
  const container = columnCards(card.column);
  const before = [...container.querySelectorAll<HTMLElement>('article[data-key]')].find((other) => {
    const otherCard = tasks.get(other.dataset.key ?? '');
    return otherCard !== undefined && compareCards(card, otherCard) < 0;
  });
  container.insertBefore(element, before ?? null);
  updateColumnCounts();
  if (openKey === card.key) renderDetail(card.key);
}

function removeTask(key: string): void {
  tasks.delete(key);
  document.querySelector(`article[data-key="${CSS.escape(key)}"]`)?.remove();
  updateColumnCounts();
  if (openKey === key) renderDetail(key);
}

function updateColumnCounts(): void {
  for (const column of TASK_COLUMNS) {
    setText(byId(`count-${column}`), String(columnCards(column).childElementCount));
  }
}

function priorityBadge(priority: string | null): HTMLElement {
  const known = priority !== null && (TASK_PRIORITIES as readonly string[]).includes(priority);
  return el(
    'span',
    {
      class: `badge priority ${known ? `priority-${priority}` : 'priority-other'}`,
      'data-testid': 'priority',
    },
    priority ?? 'no priority',
  );
}

function cardElement(card: TaskCard): HTMLElement {
  const meta = el('div', { class: 'card-meta' });
  if (card.id) meta.append(el('span', { class: 'card-id' }, card.id));
  meta.append(el('span', { class: 'card-agent' }, card.agent ?? 'unassigned'));
  const badges = el('div', { class: 'card-badges' }, priorityBadge(card.priority));
  if (card.flag) {
    const flag = el('span', { class: 'badge flag', 'data-testid': 'flag' }, '⚑ flagged');
    flag.title = card.flag;
    badges.append(flag);
  }
  const article = el(
    'article',
    {
      class: `card${card.flag ? ' flagged' : ''}${card.parseError ? ' malformed' : ''}`,
      'data-testid': 'card',
      'data-key': card.key,
      'data-column': card.column,
      tabindex: '0',
      role: 'button',
      'aria-haspopup': 'dialog',
    },
    el('h4', { class: 'card-title', 'data-testid': 'card-title' }, card.title ?? fileName(card.key)),
    meta,
    badges,
  );
  if (card.parseError) {
    article.append(el('p', { class: 'card-error', 'data-testid': 'parse-error' }, card.parseError));
  } else if (card.flag) {
    article.append(el('p', { class: 'card-flag' }, card.flag));
  }
  return article;
}

function buildBoard(): void {
  const board = byId('columns');
  board.replaceChildren(
    ...TASK_COLUMNS.map((column) =>
      el(
        'section',
        { class: `column column-${column}`, 'data-testid': 'column', 'data-column': column },
        el(
          'h3',
          {},
          el('span', {}, COLUMN_TITLES[column]),
          el('span', { class: 'count', id: `count-${column}` }, '0'),
        ),
        el('div', { class: 'cards', id: `cards-${column}` }),
      ),
    ),
  );
  const open = (event: Event) => {
    const target = (event.target as Element | null)?.closest<HTMLElement>('article[data-key]');
    if (target?.dataset.key) openDetail(target.dataset.key);
  };
  board.addEventListener('click', open);
  board.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(event);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The detail dialog of one card, with its priority menu.

const detail = () => byId<HTMLDialogElement>('detail');

function openDetail(key: string): void {
  if (openKey !== key) showDetailMessage(null);
  openKey = key;
  renderDetail(key);
  if (!detail().open) detail().showModal();
}

function showDetailMessage(message: string | null, kind: 'info' | 'ok' | 'error' = 'info'): void {
  const box = byId('detail-message');
  box.hidden = message === null;
  box.dataset.kind = kind;
  setText(box, message ?? '');
}

function renderDetail(key: string): void {
  const card = tasks.get(key);
  const title = byId('detail-title');
  const fields = byId('detail-fields');
  const description = byId('detail-description');
  const select = byId<HTMLSelectElement>('detail-priority');
  if (!card) {
    setText(title, fileName(key));
    fields.replaceChildren(field('File', key));
    description.replaceChildren();
    select.disabled = true;
    showDetailMessage('This task file is no longer on the board.', 'error');
    return;
  }
  setText(title, card.title ?? fileName(card.key));
  fields.replaceChildren(
    field('File', card.key),
    field('Column', COLUMN_TITLES[card.column]),
    field('Id', card.id),
    field('Agent', card.agent),
    field('Status', card.status),
    field('Priority', card.priority),
    field('Created', card.created),
    field('Updated', card.updated),
    field('Result', card.result),
    field('Error', card.error),
    field('Flag', card.flag, 'flag'),
    field('Parse error', card.parseError, 'error'),
    field('Version', card.version, 'mono'),
  );
  // The server renders the Markdown with raw HTML disabled and links checked: the one place HTML is inserted.
  if (card.descriptionHtml) description.innerHTML = card.descriptionHtml;
  else description.replaceChildren(el('p', { class: 'muted' }, 'No description.'));
  const values = [...TASK_PRIORITIES] as string[];
  if (card.priority !== null && !values.includes(card.priority)) values.push(card.priority);
  select.replaceChildren(
    ...(card.priority === null ? [el('option', { value: '', disabled: '' }, 'no priority')] : []),
    ...values.map((value) => el('option', { value }, value)),
  );
  select.value = card.priority ?? '';
  select.disabled = card.parseError !== null || saving;
}

function field(label: string, value: string | null, className?: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(
    el('dt', {}, label),
    el('dd', { class: value === null ? 'muted' : className }, value === null ? '—' : value),
  );
  return fragment;
}

let saving = false;

async function changePriority(): Promise<void> {
  const select = byId<HTMLSelectElement>('detail-priority');
  const key = openKey;
  const card = key === null ? undefined : tasks.get(key);
  if (!card || !select.value || select.value === card.priority) return;
  saving = true;
  select.disabled = true;
  showDetailMessage('Saving…');
  try {
    const updated = await api<TaskCard>('/api/tasks/priority', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: card.key, priority: select.value, version: card.version }),
    });
    saving = false;
    upsertTask(updated);
    showDetailMessage(`Priority set to ${updated.priority ?? '—'}.`, 'ok');
  } catch (error) {
    saving = false;
    showDetailMessage(error instanceof Error ? error.message : String(error), 'error');
  } finally {
    saving = false;
    if (openKey !== null) renderDetail(openKey);
  }
}

function setUpDetail(): void {
  const dialog = detail();
  byId('detail-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => {
    openKey = null;
  });
  byId<HTMLSelectElement>('detail-priority').addEventListener('change', () => void changePriority());
}

// ---------------------------------------------------------------------------------------------------------------

function start(): void {
  buildBoard();
  setUpDetail();
  watchFeedScroll();
  token = readToken();
  if (!token) {
    setConnection('offline', 'no token');
    showNotice(
      'This page needs the token `llm-service dashboard` printed: open the full address it printed.',
    );
    return;
  }
  void connect();
}

start();
