/**
 * The dashboard page: loads /api/snapshot, then follows /api/events. No framework: every view is built with DOM
 * APIs, and every value from the server goes in as text. The exceptions are a task's description and answer, which
 * the server renders to safe HTML (raw HTML disabled, links checked): see `board.ts`.
 */
import type { BudgetStatusV1 } from '@llm-service/spec';
import type { DashboardSnapshot, InvocationRow, SpendSnapshot, TaskCard } from '../model.js';
import { applyBoard, removeTask, setUpBoard, taskCount, upsertTask } from './board.js';
import { legend, stackedBars } from './charts.js';
import { byId, el, setText, withCode } from './dom.js';
import {
  ANY_FAILURE,
  FILTER_FIELDS,
  filtersFromQuery,
  filtersToQuery,
  hasFilters,
  isFailure,
  matchesFilters,
  NO_FILTERS,
  type FilterField,
  type Filters,
} from './filters.js';
import { clock, count, duration, percent, usd } from './format.js';
import { windowGauges } from './plan-windows.js';

const TOKEN_KEY = 'llm-service.dashboard.token';
const MAX_ROWS = 200;

const invocations = new Map<string, InvocationRow>();
let token: string | null = null;
let source: EventSource | null = null;
let generation = 0;
let reconnectTimer: number | undefined;
let reconnectDelay = 3_000;
/** The feed's filters, as in the address (`?agent=…&status=…&q=…`) so that a reload keeps them. */
let filters: Filters = NO_FILTERS;
/** Whether the server shows every project (`dashboard --all-projects`): only then is a project filter offered. */
let allProjects = false;

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

/** A message under the header; text between backticks is shown as code. */
function showNotice(message: string | null): void {
  const notice = byId('notice');
  notice.hidden = message === null;
  notice.replaceChildren(...(message === null ? [] : withCode(message)));
}

const HOW_TO_OPEN =
  'open the address `llm-service dashboard` printed (it ends in `?token=…`), or run `llm-service dashboard --open`.';

/**
 * The page cannot read anything without the token: say how to get the address that has it, in place of the empty
 * views (which would otherwise read as "nothing happened yet").
 */
function needToken(why: 'missing' | 'refused', detail: string): void {
  setConnection('offline', detail);
  document.body.dataset.auth = why;
  byId('feed-empty').hidden = true;
  byId('feed-no-match').hidden = true;
  showNotice(
    why === 'missing'
      ? `This dashboard needs its access token: ${HOW_TO_OPEN}`
      : `The dashboard refused this page’s access token (each run of \`llm-service dashboard\` makes a new one unless \`--token\` is given): ${HOW_TO_OPEN}`,
  );
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
  setConnection(invocations.size + taskCount() > 0 ? 'reconnecting' : 'connecting');
  let delay = 500;
  for (;;) {
    try {
      const snapshot = await api<DashboardSnapshot>('/api/snapshot');
      if (mine !== generation) return;
      delete document.body.dataset.auth;
      applySnapshot(snapshot);
      showNotice(null);
      openEvents(snapshot.lastEventId, mine);
      return;
    } catch (error) {
      if (mine !== generation) return;
      // 401: no token or a wrong one; 403: refused (a request from another origin). Retrying cannot help.
      if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
        needToken('refused', error.message);
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
  applyProjects(snapshot);
  // Built in one pass and attached at once: upserting row by row costs a scan of the table per row.
  invocations.clear();
  const newestFirst = [...snapshot.invocations].sort(newerFirst).slice(0, MAX_ROWS);
  for (const row of newestFirst) invocations.set(row.key, row);
  noteChoices(newestFirst);
  redrawFeed();
  applyBoard(snapshot.board, snapshot.tasks);
  renderSpend(snapshot.spend);
}

// ---------------------------------------------------------------------------------------------------------------
// Spend: totals in the header, budgets as gauges, charts.

function renderSpend(spend: SpendSnapshot): void {
  setText(byId('spend-today'), usd(spend.totals.todayUsd));
  setText(byId('spend-week'), usd(spend.totals.weekUsd));
  setText(byId('spend-month'), usd(spend.totals.monthUsd));
  // Attempts whose cost nobody knows are not in the totals: say so, rather than let a total read as complete.
  const unknown = spend.unknownCosts ?? { today: 0, week: 0, month: 0 };
  for (const [id, attempts] of [
    ['unknown-today', unknown.today],
    ['unknown-week', unknown.week],
    ['unknown-month', unknown.month],
  ] as const) {
    const note = byId(id);
    note.hidden = attempts === 0;
    setText(note, `+ ${count(attempts)} unknown`);
    note.title = `${count(attempts)} ${attempts === 1 ? 'attempt' : 'attempts'} whose cost is unknown (the tool reported no usage): not in this total`;
  }
  setText(byId('saved-month'), usd(spend.savings.savedUsd));
  byId('saved-month').title =
    `What the requests would have cost on the models agents asked for: ${usd(spend.savings.baselineUsd)}; ` +
    `what they cost: ${usd(spend.savings.actualUsd)}`;
  setText(byId('spend-at'), `Updated ${clock(spend.at)}`);
  renderBudgets(spend.budgets);
  lastSpend = spend;
  renderPlanWindows();
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

/** The spend snapshot last drawn: the plan windows are drawn again from it as their times go by. */
let lastSpend: SpendSnapshot | null = null;
/** How often the windows' "in 1 h 12 min" and "as of 12 min ago" are brought up to date between snapshots. */
const WINDOW_TICK_MS = 30_000;

/** The plan windows under the budgets; the part is hidden when no plugin reports windows or none was observed. */
function renderPlanWindows(): void {
  const windows = lastSpend?.windows ?? null;
  const part = byId('plan-windows');
  part.hidden = windows === null || windows.length === 0;
  if (windows === null || lastSpend === null) {
    byId('window-list').replaceChildren();
    return;
  }
  byId('window-list').replaceChildren(...windowGauges(windows, lastSpend.at, new Date()));
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
// The invocation feed: newest first, a row per attempt (and, for a failure or a forced run, a line under it saying
// what happened), updated in place by key. The filters apply to the kept rows and to every row that arrives.

const feedBody = () => byId<HTMLTableSectionElement>('feed-rows');

/**
 * The feed draws the rows its scroll box shows, and the older ones as the box is scrolled towards them: most visits
 * never look past the first screen, and drawing 200 rows costs more than the rest of the page.
 */
const FIRST_ROWS = 20;
const ROWS_PER_SCROLL = 50;
/** Keys of rows that match the filters but are not drawn yet, newest first; all are older than every drawn row. */
let undrawn: string[] = [];

let feedEnd: IntersectionObserver | undefined;

/** Newest first; rows that started together in key order, as the server sorts them. */
const newerFirst = (a: InvocationRow, b: InvocationRow) =>
  b.startedAt.localeCompare(a.startedAt) || b.key.localeCompare(a.key);

const drawnRow = (key: string) =>
  feedBody().querySelector<HTMLTableRowElement>(`tr[data-key="${CSS.escape(key)}"]`);

function observeFeedEnd(): void {
  // Observing afresh reports the end's position now: on a tall screen it may still show, and then more are drawn.
  const sentinel = byId('feed-more');
  feedEnd?.unobserve(sentinel);
  feedEnd?.observe(sentinel);
}

function drawOlderRows(): void {
  const batch = undrawn.splice(0, ROWS_PER_SCROLL);
  feedBody().append(
    ...batch.flatMap((key) => {
      const row = invocations.get(key);
      return row ? feedEntry(row) : [];
    }),
  );
  observeFeedEnd();
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

/** Draws the feed again from the kept rows: after a snapshot, and when the filters change. */
function redrawFeed(): void {
  const matching = [...invocations.values()].filter((row) => matchesFilters(row, filters)).sort(newerFirst);
  feedBody().replaceChildren(...matching.slice(0, FIRST_ROWS).flatMap(feedEntry));
  undrawn = matching.slice(FIRST_ROWS).map((row) => row.key);
  observeFeedEnd();
  updateFeedEmpty();
}

/** Takes a row's main line and the note line under it, if any, out of the table. */
function removeEntry(main: HTMLTableRowElement): void {
  const note = main.nextElementSibling;
  if (note instanceof HTMLTableRowElement && note.dataset.noteFor === main.dataset.key) note.remove();
  main.remove();
}

function upsertInvocation(row: InvocationRow): void {
  invocations.set(row.key, row);
  noteChoices([row]);
  const wanted = matchesFilters(row, filters);
  const existing = drawnRow(row.key);
  if (existing) {
    // Its place does not change (the start time is fixed); it may stop matching (a status filter, say).
    if (wanted) existing.before(...feedEntry(row));
    removeEntry(existing);
  } else if (undrawn.includes(row.key)) {
    if (!wanted) undrawn.splice(undrawn.indexOf(row.key), 1);
  } else if (wanted) {
    const body = feedBody();
    const after = [...body.querySelectorAll<HTMLTableRowElement>('tr[data-key]')].find(
      (other) => (other.dataset.started ?? '') < row.startedAt,
    );
    if (after) after.before(...feedEntry(row));
    else if (undrawn.length === 0) body.append(...feedEntry(row));
    else {
      // Older than every drawn row: it takes its place among the undrawn ones.
      const at = undrawn.findIndex((key) => (invocations.get(key)?.startedAt ?? '') < row.startedAt);
      undrawn.splice(at < 0 ? undrawn.length : at, 0, row.key);
    }
  }
  if (invocations.size > MAX_ROWS) dropOldest();
  updateFeedEmpty();
}

/** Keeps the newest MAX_ROWS rows: a new key adds one, so one goes. */
function dropOldest(): void {
  while (invocations.size > MAX_ROWS) {
    let oldest: InvocationRow | undefined;
    for (const candidate of invocations.values()) {
      if (!oldest || newerFirst(candidate, oldest) > 0) oldest = candidate;
    }
    if (!oldest) return;
    invocations.delete(oldest.key);
    const drawn = drawnRow(oldest.key);
    if (drawn) removeEntry(drawn);
    const waiting = undrawn.indexOf(oldest.key);
    if (waiting >= 0) undrawn.splice(waiting, 1);
  }
}

const COST_UNKNOWN_TITLE =
  'The tool reported no usage and no loaded plugin estimates it: the cost is unknown, and not in the totals.';

function costCell(row: InvocationRow): HTMLTableCellElement {
  if (row.status === 'running') return el('td', { class: 'num' }, '…');
  if (row.costSource === 'unknown') {
    return el('td', { class: 'num muted', 'data-testid': 'feed-cost', title: COST_UNKNOWN_TITLE }, 'unknown');
  }
  if (row.costSource === 'estimated' && row.costUsd !== null) {
    return el(
      'td',
      {
        class: 'num estimated',
        'data-testid': 'feed-cost',
        title: `Estimated: ${row.message ?? 'an estimate'}`,
      },
      `~${usd(row.costUsd)}`,
    );
  }
  return el('td', { class: 'num', 'data-testid': 'feed-cost' }, usd(row.costUsd));
}

/** The line under a row: what went wrong for a failure, and the reason a forced run gave. */
function noteOf(row: InvocationRow): { problem: string | null; forced: string | null } {
  const problem = isFailure(row.status)
    ? `${row.errorKind ?? row.status}: ${row.message ?? 'no message was recorded'}`
    : null;
  return { problem, forced: row.forceReason };
}

/** The feed's columns, not counting the project's (drawn with --all-projects only). */
const FEED_COLUMNS = 11;

/** A row's lines: the attempt, and a note under it for a failure or a forced run. */
function feedEntry(row: InvocationRow): HTMLTableRowElement[] {
  const running = row.status === 'running';
  const cell = (text: string, className?: string) => el('td', { class: className }, text);
  const status = el('span', { class: `status status-${row.status}` }, running ? 'running' : row.status);
  if (row.errorKind) status.title = row.errorKind;
  const statusCell = el('td', { 'data-testid': 'feed-status' }, status);
  if (row.forceReason !== null) {
    statusCell.append(
      ' ',
      el(
        'span',
        { class: 'badge forced', 'data-testid': 'forced', title: `Forced past a budget: ${row.forceReason}` },
        'forced',
      ),
    );
  }
  const { problem, forced } = noteOf(row);
  const hasNote = problem !== null || forced !== null;
  const tr = el(
    'tr',
    {
      'data-testid': 'feed-row',
      'data-key': row.key,
      'data-status': row.status,
      'data-started': row.startedAt,
      'data-project': row.project,
      'data-forced': row.forceReason === null ? undefined : 'true',
      class: [running ? 'running' : '', hasNote ? 'has-note' : ''].join(' ').trim() || undefined,
    },
    cell(clock(row.startedAt), 'time'),
    allProjects ? cell(row.project) : null,
    cell(row.agent),
    cell(row.taskType ?? '—', row.taskType ? undefined : 'muted'),
    cell(row.tool),
    cell(row.model),
    statusCell,
    cell(row.attempt > 1 ? `${row.reason} (attempt ${row.attempt})` : row.reason),
    cell(running ? '…' : count(row.inputTokens), 'num'),
    cell(running ? '…' : count(row.outputTokens), 'num'),
    costCell(row),
    cell(running ? '…' : duration(row.latencyMs), 'num'),
  );
  tr.title = `${row.invocationId} · chain ${row.chainId}`;
  if (!hasNote) return [tr];
  const lines = el('td', { colspan: String(FEED_COLUMNS + (allProjects ? 1 : 0)) });
  if (problem !== null) {
    lines.append(el('div', { class: 'note-problem', 'data-testid': 'feed-problem' }, problem));
  }
  if (forced !== null) {
    lines.append(
      el(
        'div',
        { class: 'note-forced', 'data-testid': 'feed-force-reason' },
        `Forced past a budget: ${forced}`,
      ),
    );
  }
  const note = el(
    'tr',
    {
      class: `feed-note${problem === null ? '' : ' problem'}`,
      'data-testid': 'feed-note',
      'data-note-for': row.key,
    },
    lines,
  );
  return [tr, note];
}

function updateFeedEmpty(): void {
  if (document.body.dataset.auth) return;
  const drawn = feedBody().querySelectorAll('tr[data-key]').length;
  const shown = drawn + undrawn.length;
  byId('feed-empty').hidden = invocations.size > 0;
  byId('feed-no-match').hidden = invocations.size === 0 || shown > 0;
  const counter = byId('feed-count');
  counter.hidden = !hasFilters(filters);
  setText(counter, `${count(shown)} of ${count(invocations.size)} match`);
}

// ---------------------------------------------------------------------------------------------------------------
// The filters: a select per field (its choices are the values of the rows seen), a search by id, all in the
// address's query (never with the token, which the page took out of it).

/** The values seen per field: a select's choices. */
const choices: Record<FilterField, Set<string>> = {
  agent: new Set(),
  tool: new Set(),
  model: new Set(),
  status: new Set(),
  project: new Set(),
};

const filterSelect = (field: FilterField) => byId<HTMLSelectElement>(`filter-${field}`);

/** Adds rows' values to the selects' choices; a select is rebuilt only when it gets a new value. */
function noteChoices(rows: readonly InvocationRow[]): void {
  for (const field of FILTER_FIELDS) {
    let added = false;
    for (const row of rows) {
      const value = row[field];
      if (typeof value !== 'string' || choices[field].has(value)) continue;
      choices[field].add(value);
      added = true;
    }
    if (added) fillSelect(field);
  }
}

const ANY_LABEL: Record<FilterField, string> = {
  agent: 'all agents',
  tool: 'all tools',
  model: 'all models',
  status: 'all statuses',
  project: 'all projects',
};

function fillSelect(field: FilterField): void {
  const select = filterSelect(field);
  const values = new Set(choices[field]);
  // A value from the address stays selectable before (or without) a row that has it.
  if (filters[field] && filters[field] !== ANY_FAILURE) values.add(filters[field]);
  const options = [el('option', { value: '' }, ANY_LABEL[field])];
  if (field === 'status') options.push(el('option', { value: ANY_FAILURE }, 'any failure'));
  for (const value of [...values].sort((a, b) => a.localeCompare(b)))
    options.push(el('option', { value }, value));
  select.replaceChildren(...options);
  select.value = filters[field];
}

/** Takes the filters and writes them to the address (replacing its entry: filtering is not navigation). */
function commitFilters(next: Filters): void {
  // Without --all-projects every row is the config's project: a project filter could only hide them all.
  filters = allProjects ? next : { ...next, project: '' };
  const query = filtersToQuery(filters, new URLSearchParams(location.search));
  query.delete('token');
  const rest = query.toString();
  history.replaceState(history.state, '', `${location.pathname}${rest ? `?${rest}` : ''}${location.hash}`);
  byId('filter-clear').hidden = !hasFilters(filters);
}

function setFilters(next: Filters): void {
  commitFilters(next);
  redrawFeed();
}

function setUpFilters(): void {
  // Until the snapshot says whether every project is shown, a project in the address is kept.
  filters = filtersFromQuery(new URLSearchParams(location.search));
  for (const field of FILTER_FIELDS) {
    fillSelect(field);
    filterSelect(field).addEventListener('change', (event) => {
      setFilters({ ...filters, [field]: (event.target as HTMLSelectElement).value });
    });
  }
  const search = byId<HTMLInputElement>('filter-q');
  search.value = filters.q;
  search.addEventListener('input', () => setFilters({ ...filters, q: search.value }));
  byId('filters').addEventListener('submit', (event) => event.preventDefault());
  byId('filter-clear').hidden = !hasFilters(filters);
  byId('filter-clear').addEventListener('click', () => {
    search.value = '';
    setFilters(NO_FILTERS);
    for (const field of FILTER_FIELDS) filterSelect(field).value = '';
    search.focus();
  });
}

/** The project in the header, and the project filter only when the server shows every project. */
function applyProjects(snapshot: DashboardSnapshot): void {
  const label = byId('project');
  label.hidden = false;
  setText(label, snapshot.allProjects ? 'all projects' : `project ${snapshot.project}`);
  label.title = snapshot.allProjects
    ? `Every project’s invocations and spend (--all-projects); this config’s project is ${snapshot.project}`
    : `Project ${snapshot.project}: its invocations and spend only (llm-service dashboard --all-projects shows every project’s)`;
  document.title = `llm-service dashboard · ${snapshot.allProjects ? 'all projects' : snapshot.project}`;
  allProjects = snapshot.allProjects;
  byId('filter-project-box').hidden = !allProjects;
  // Rows of several projects say whose they are; the snapshot's rows are drawn after this.
  byId('feed-project-head').hidden = !allProjects;
  if (!allProjects && filters.project) {
    commitFilters(filters);
    filterSelect('project').value = '';
  }
}

// ---------------------------------------------------------------------------------------------------------------

function start(): void {
  setUpBoard(api);
  watchFeedScroll();
  window.setInterval(renderPlanWindows, WINDOW_TICK_MS);
  token = readToken();
  setUpFilters();
  if (!token) {
    needToken('missing', 'no token');
    return;
  }
  void connect();
}

start();
