/**
 * The task board on the page: six columns of cards, a card's detail with its answer, and the changes the page may
 * make (create, assign, retry, priority), each sent with the revision the card showed. Values go in as text; the
 * description and the answer are HTML the server rendered from Markdown with raw HTML disabled and links checked.
 */
import {
  TASK_COLUMNS,
  TASK_PRIORITIES,
  type BoardInfo,
  type TaskAnswer,
  type TaskCard,
  type TaskColumn,
  type TaskSpend,
} from '../model.js';
import { byId, clear, el, setText } from './dom.js';
import { clock, count, usd } from './format.js';

/** How the board reaches the server: the page's authenticated JSON call. */
export type Api = <T>(path: string, init?: RequestInit) => Promise<T>;

const COLUMN_TITLES: Record<TaskColumn, string> = {
  inbox: 'Inbox',
  assigned: 'Assigned',
  in_progress: 'In progress',
  blocked: 'Blocked',
  done: 'Done',
  error: 'Error',
};

const tasks = new Map<string, TaskCard>();
let api: Api;
let info: BoardInfo = { available: false, reason: 'loading' };
let openKey: string | null = null;
/** The answer shown in the detail, and the file it came from: loaded again only when that changes. */
let shownAnswer: { key: string; answer: string | null } | null = null;
let busy = false;

export const taskCount = () => tasks.size;

// ---------------------------------------------------------------------------------------------------------------
// Cards

const columnCards = (column: TaskColumn) => byId(`cards-${column}`);

function priorityRank(priority: string | null): number {
  const index = priority === null ? -1 : (TASK_PRIORITIES as readonly string[]).indexOf(priority);
  return index >= 0 ? index : TASK_PRIORITIES.length;
}

/** As the runner takes them: most urgent first, then oldest. */
function compareCards(a: TaskCard, b: TaskCard): number {
  return (
    priorityRank(a.priority) - priorityRank(b.priority) ||
    (a.createdAt ?? '').localeCompare(b.createdAt ?? '') ||
    a.key.localeCompare(b.key)
  );
}

const fileName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** "~$0.12 · 1,234 tokens · 2 attempts", or null when nothing was spent yet. */
export function spendText(spend: TaskSpend | null): string | null {
  if (!spend || spend.attempts === 0) return null;
  const tokens = spend.inputTokens + spend.outputTokens + spend.cacheReadTokens + spend.cacheWriteTokens;
  // Nothing to count yet: the first attempt is under way.
  if (spend.running === spend.attempts && tokens === 0 && spend.costUsd === 0) {
    return spend.attempts === 1 ? 'first attempt running' : `${count(spend.attempts)} attempts running`;
  }
  const parts = [
    `${spend.estimated ? '~' : ''}${usd(spend.costUsd)}`,
    `${count(tokens)} tokens`,
    `${count(spend.attempts)} ${spend.attempts === 1 ? 'attempt' : 'attempts'}`,
  ];
  if (spend.unknownCosts > 0) parts.push(`${count(spend.unknownCosts)} of unknown cost`);
  return parts.join(' · ');
}

export function upsertTask(card: TaskCard): void {
  // A message about the open card ("Assigned to …") is stale once the task moved on.
  if (openKey === card.key && tasks.get(card.key)?.status !== card.status)
    showMessage('detail-message', null);
  tasks.set(card.key, card);
  document.querySelector(`article[data-key="${CSS.escape(card.key)}"]`)?.remove();
  const container = columnCards(card.column);
  const before = [...container.querySelectorAll<HTMLElement>('article[data-key]')].find((other) => {
    const otherCard = tasks.get(other.dataset.key ?? '');
    return otherCard !== undefined && compareCards(card, otherCard) < 0;
  });
  container.insertBefore(cardElement(card), before ?? null);
  updateColumnCounts();
  if (openKey === card.key) renderDetail();
}

export function removeTask(key: string): void {
  tasks.delete(key);
  document.querySelector(`article[data-key="${CSS.escape(key)}"]`)?.remove();
  updateColumnCounts();
  if (openKey === key) renderDetail();
}

/** Everything again from a snapshot. */
export function applyBoard(board: BoardInfo, cards: readonly TaskCard[]): void {
  info = board;
  const missing = byId('board-missing');
  missing.hidden = board.available;
  setText(missing, board.available ? '' : board.reason);
  byId('columns').hidden = !board.available;
  byId<HTMLButtonElement>('new-task').disabled = !board.available;
  setText(byId('work-dir'), board.available ? board.workDir : '');
  tasks.clear();
  for (const column of TASK_COLUMNS) clear(columnCards(column));
  for (const card of cards) upsertTask(card);
  updateColumnCounts();
  if (openKey !== null) renderDetail();
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
  if (card.agent) meta.append(el('span', { class: 'card-agent', 'data-testid': 'card-agent' }, card.agent));
  const badges = el('div', { class: 'card-badges' });
  if (card.problem === null) badges.append(priorityBadge(card.priority));
  if (card.spend && card.spend.running > 0) {
    badges.append(el('span', { class: 'badge running', 'data-testid': 'running' }, '● running'));
  }
  if (card.warnings.length > 0) {
    const flag = el('span', { class: 'badge flag', 'data-testid': 'flag' }, `⚑ ${card.warnings.length}`);
    flag.title = card.warnings.join('\n');
    badges.append(flag);
  }
  const article = el(
    'article',
    {
      class: `card${card.warnings.length > 0 ? ' flagged' : ''}${card.problem ? ' malformed' : ''}`,
      'data-testid': 'card',
      'data-key': card.key,
      'data-column': card.column,
      tabindex: '0',
      role: 'button',
      'aria-haspopup': 'dialog',
    },
    el('h4', { class: 'card-title', 'data-testid': 'card-title' }, card.title ?? fileName(card.path)),
    meta,
    badges,
  );
  const spent = spendText(card.spend);
  if (spent) article.append(el('p', { class: 'card-spend', 'data-testid': 'card-spend' }, spent));
  const tool = card.spend?.tool;
  if (tool) {
    const model = card.spend?.model;
    article.append(
      el('p', { class: 'card-tool muted', 'data-testid': 'card-tool' }, model ? `${tool} · ${model}` : tool),
    );
  }
  if (card.problem) {
    article.append(el('p', { class: 'card-error', 'data-testid': 'problem' }, card.problem));
  } else if (card.error) {
    article.append(
      el(
        'p',
        { class: 'card-error', 'data-testid': 'card-error' },
        `${card.error.kind}: ${card.error.message}`,
      ),
    );
  }
  return article;
}

// ---------------------------------------------------------------------------------------------------------------
// The detail of one card: its fields, description, answer, and the changes it allows.

const detail = () => byId<HTMLDialogElement>('detail');

function openDetail(key: string): void {
  if (openKey !== key) {
    showMessage('detail-message', null);
    shownAnswer = null;
  }
  openKey = key;
  renderDetail();
  if (!detail().open) detail().showModal();
}

function showMessage(id: string, message: string | null, kind: 'info' | 'ok' | 'error' = 'info'): void {
  const box = byId(id);
  box.hidden = message === null;
  box.dataset.kind = kind;
  setText(box, message ?? '');
}

/** A label and its value; nothing for a value the task does not have, so the detail lists what it has. */
function field(label: string, value: string | null, className?: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  if (value !== null && value !== '')
    fragment.append(el('dt', {}, label), el('dd', { class: className }, value));
  return fragment;
}

const listText = (values: readonly string[]) => (values.length > 0 ? values.join(', ') : null);

function spendFields(spend: TaskSpend | null): DocumentFragment[] {
  if (!spend) return [];
  const tokens = `${count(spend.inputTokens)} in, ${count(spend.outputTokens)} out, ${count(spend.cacheReadTokens)} cache read, ${count(spend.cacheWriteTokens)} cache write`;
  return [
    field(
      'Cost',
      `${spend.estimated ? '~' : ''}${usd(spend.costUsd)}${spend.unknownCosts > 0 ? ` (+ ${spend.unknownCosts} of unknown cost)` : ''}`,
      'mono',
    ),
    field('Tokens', tokens),
    field('Attempts', `${count(spend.attempts)}${spend.running > 0 ? ` (${spend.running} running)` : ''}`),
    field('Tool', spend.tool),
    field('Model', spend.model),
    field('Figures from', spend.source === 'result' ? 'the task’s result' : 'telemetry, live'),
  ];
}

function renderDetail(): void {
  const key = openKey;
  if (key === null) return;
  const card = tasks.get(key);
  const actions = byId('detail-actions');
  if (!card) {
    setText(byId('detail-title'), key);
    byId('detail-fields').replaceChildren(field('Task', key));
    for (const id of ['detail-description', 'detail-criteria', 'detail-answer']) byId(id).replaceChildren();
    actions.hidden = true;
    showMessage('detail-message', 'This task is no longer on the board.', 'error');
    return;
  }
  setText(byId('detail-title'), card.title ?? fileName(card.path));
  byId('detail-fields').replaceChildren(
    field('Id', card.id, 'mono'),
    field('File', card.path, 'mono'),
    field('Status', card.status),
    field('Agent', card.agent),
    field('Type', card.taskType),
    field('Created', card.createdAt && clock(card.createdAt)),
    field('Assigned', card.assignedAt && clock(card.assignedAt)),
    field('Started', card.startedAt && clock(card.startedAt)),
    field('Completed', card.completedAt && clock(card.completedAt)),
    field('Depends on', listText(card.dependsOn), 'mono'),
    field('Context files', listText(card.contextFiles), 'mono'),
    ...spendFields(card.spend),
    field('Summary', card.result?.summary ?? null),
    field('Artefacts', listText(card.result?.artefacts ?? []), 'mono'),
    field('Hands off to', card.result?.nextAgent ?? null),
    field('Chain', card.result?.chainId ?? null, 'mono'),
    field('Error', card.error && `${card.error.kind}: ${card.error.message}`, 'error'),
    field('Problem', card.problem, 'error'),
    field('Warnings', card.warnings.length > 0 ? card.warnings.join('\n') : null, 'flag'),
    field('Revision', card.revision || null, 'mono'),
  );
  // The server rendered these from Markdown with raw HTML disabled: the one place the page inserts HTML.
  const description = byId('detail-description');
  if (card.descriptionHtml) description.innerHTML = card.descriptionHtml;
  else description.replaceChildren(el('p', { class: 'muted' }, 'No description.'));
  const criteria = byId('detail-criteria');
  criteria.replaceChildren(...card.acceptanceCriteria.map((criterion) => el('li', {}, criterion)));
  byId('detail-criteria-head').hidden = card.acceptanceCriteria.length === 0;
  setText(byId('detail-notes'), card.notes ?? '');
  byId('detail-notes-head').hidden = card.notes === null;
  renderActions(card);
  const answer = card.result?.answer ?? null;
  if (shownAnswer?.key !== card.key || shownAnswer.answer !== answer) void loadAnswer(card.key, answer);
}

function renderActions(card: TaskCard): void {
  byId('detail-actions').hidden = card.problem !== null;
  const priority = byId<HTMLSelectElement>('detail-priority');
  priority.replaceChildren(...TASK_PRIORITIES.map((value) => el('option', { value }, value)));
  priority.value = card.priority ?? 'normal';
  priority.disabled = busy || card.problem !== null;
  const canAssign = card.status === 'new' || card.status === 'blocked';
  byId('detail-assign-box').hidden = !canAssign;
  const agents = byId<HTMLSelectElement>('detail-agent');
  const names = info.available ? info.agents : [];
  // A choice made for this card survives the redraws its own updates cause.
  const keep = agents.dataset.key === card.key ? agents.value : (card.agent ?? '');
  agents.dataset.key = card.key;
  const options = [...new Set([card.agent ?? '', ...names])].filter((name) => name !== '');
  agents.replaceChildren(...options.map((name) => el('option', { value: name }, name)));
  agents.value = options.includes(keep) ? keep : (card.agent ?? '');
  byId<HTMLButtonElement>('detail-assign').disabled = busy || !canAssign;
  byId('detail-retry').hidden = card.status !== 'error';
  byId<HTMLButtonElement>('detail-retry').disabled = busy;
}

async function loadAnswer(key: string, answer: string | null): Promise<void> {
  shownAnswer = { key, answer };
  const box = byId('detail-answer');
  byId('detail-answer-head').hidden = answer === null;
  if (answer === null) {
    box.replaceChildren();
    return;
  }
  box.replaceChildren(el('p', { class: 'muted' }, 'Loading the answer…'));
  try {
    const loaded = await api<TaskAnswer>(`/api/tasks/${encodeURIComponent(key)}/answer`);
    if (openKey !== key || shownAnswer?.answer !== answer) return;
    if (loaded.html === null) box.replaceChildren(el('p', { class: 'muted' }, `No answer at ${answer}.`));
    else box.innerHTML = loaded.html;
  } catch (error) {
    if (openKey === key)
      box.replaceChildren(
        el('p', { class: 'error' }, error instanceof Error ? error.message : String(error)),
      );
  }
}

/** Sends one change of the open card; the answer is the card as it now is. */
async function changeOpenCard(
  path: string,
  method: 'POST' | 'PATCH',
  body: Record<string, unknown>,
  done: (card: TaskCard) => string,
): Promise<void> {
  const card = openKey === null ? undefined : tasks.get(openKey);
  if (!card?.id || busy) return;
  busy = true;
  renderActions(card);
  showMessage('detail-message', 'Saving…');
  try {
    const updated = await api<TaskCard>(`/api/tasks/${encodeURIComponent(card.id)}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...body, revision: card.revision }),
    });
    busy = false;
    upsertTask(updated);
    showMessage('detail-message', done(updated), 'ok');
  } catch (error) {
    showMessage('detail-message', error instanceof Error ? error.message : String(error), 'error');
  } finally {
    busy = false;
    renderDetail();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// A new task, from the board's header.

function openNewTask(): void {
  if (!info.available) return;
  const agents = byId<HTMLSelectElement>('new-agent');
  const chosen = agents.value;
  agents.replaceChildren(...info.agents.map((name) => el('option', { value: name }, name)));
  if (info.agents.includes(chosen)) agents.value = chosen;
  const priority = byId<HTMLSelectElement>('new-priority');
  if (priority.childElementCount === 0) {
    priority.replaceChildren(...TASK_PRIORITIES.map((value) => el('option', { value }, value)));
    priority.value = 'normal';
  }
  showMessage('new-message', null);
  byId<HTMLDialogElement>('new-task-dialog').showModal();
}

async function createTask(form: HTMLFormElement): Promise<void> {
  const data = new FormData(form);
  const text = (name: string) => {
    const value = data.get(name);
    return typeof value === 'string' && value.trim() !== '' ? value : undefined;
  };
  const submit = byId<HTMLButtonElement>('new-submit');
  submit.disabled = true;
  showMessage('new-message', 'Creating…');
  try {
    const card = await api<TaskCard>('/api/tasks', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        agent: text('agent'),
        title: text('title'),
        priority: text('priority'),
        taskType: text('taskType'),
        description: text('description'),
        assign: data.get('assign') === 'on',
      }),
    });
    upsertTask(card);
    form.reset();
    byId<HTMLSelectElement>('new-priority').value = 'normal';
    byId<HTMLDialogElement>('new-task-dialog').close();
  } catch (error) {
    showMessage('new-message', error instanceof Error ? error.message : String(error), 'error');
  } finally {
    submit.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** Builds the columns and wires the dialogs; `call` is the page's authenticated API call. */
export function setUpBoard(call: Api): void {
  api = call;
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

  const dialog = detail();
  byId('detail-close').addEventListener('click', () => dialog.close());
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) dialog.close();
  });
  dialog.addEventListener('close', () => {
    openKey = null;
    shownAnswer = null;
  });
  byId<HTMLSelectElement>('detail-priority').addEventListener('change', (event) => {
    const priority = (event.target as HTMLSelectElement).value;
    const card = openKey === null ? undefined : tasks.get(openKey);
    if (!card || priority === card.priority) return;
    void changeOpenCard(
      '',
      'PATCH',
      { priority },
      (updated) => `Priority set to ${updated.priority ?? '—'}.`,
    );
  });
  byId('detail-assign').addEventListener('click', () => {
    const agent = byId<HTMLSelectElement>('detail-agent').value;
    void changeOpenCard(
      '/assign',
      'POST',
      agent ? { agent } : {},
      (updated) => `Assigned to ${updated.agent ?? '—'}.`,
    );
  });
  byId('detail-retry').addEventListener('click', () => {
    void changeOpenCard('/retry', 'POST', {}, () => 'Sent back to assigned: the next `tasks run` takes it.');
  });

  const newDialog = byId<HTMLDialogElement>('new-task-dialog');
  byId('new-task').addEventListener('click', openNewTask);
  byId('new-cancel').addEventListener('click', () => newDialog.close());
  byId<HTMLFormElement>('new-task-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void createTask(event.target as HTMLFormElement);
  });
}
