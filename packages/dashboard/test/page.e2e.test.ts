/**
 * The page in real headless Chromium against the real server and the real task board, with the telemetry feeds
 * faked: what the page does with every kind of event, independent of the CLI. (cli.e2e.test.ts drives the CLI.)
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTaskStore } from '@llm-service/tasks';
import { MissingBoard, StoreBoard } from '../src/board/index.js';
import { startDashboardServer, type DashboardServer } from '../src/server/index.js';
import { FakeFeeds, invocationRow, spendSnapshot } from '../src/server/test-support.js';
import type { InvocationRow } from '../src/model.js';
import {
  chromiumMissing,
  launchChromium,
  screenshot,
  writeTask,
  temporaryDir,
  watchPage,
  webDistDir,
} from './support.js';

const TOKEN = 'page-test-token-0123456789';
const AGENTS = ['architect', 'backend-dev', 'writer'];

const day = (offset: number) => new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);

function richSpend() {
  const byModel = [0, 1, 2, 3, 4, 5, 6].flatMap((offset) => [
    { day: day(offset), group: 'stand-in-large', costUsd: 0.4 + offset * 0.05 },
    { day: day(offset), group: 'stand-in-small', costUsd: 0.15 + (offset % 3) * 0.04 },
  ]);
  const byAgent = [0, 1, 2, 3, 4, 5, 6].flatMap((offset) => [
    { day: day(offset), group: 'architect', costUsd: 0.3 + offset * 0.03 },
    { day: day(offset), group: 'backend-dev', costUsd: 0.2 },
    { day: day(offset), group: 'writer', costUsd: 0.05 + (offset % 2) * 0.1 },
  ]);
  const row = (group: string, costUsd: number) => ({
    group,
    invocations: 10,
    successes: 9,
    inputTokens: 1000,
    outputTokens: 500,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    costUsd,
    estimatedCostUsd: 0,
    unknownCostInvocations: 0,
    averageLatencyMs: 1200,
    p95LatencyMs: 2000,
  });
  const budget = (
    index: number,
    scope: string,
    spent: number,
    limit: number,
    state: 'ok' | 'alert' | 'exceeded',
  ) => ({
    index,
    scope,
    spendScope: scope,
    period: index === 0 ? ('daily' as const) : ('monthly' as const),
    timezone: 'UTC',
    mode: index === 2 ? ('hard' as const) : ('soft' as const),
    limitUsd: limit,
    alertAtPercent: 80,
    spentUsd: spent,
    percent: (spent / limit) * 100,
    state,
    periodStart: new Date().toISOString(),
    resetsAt: new Date(Date.now() + 3_600_000).toISOString(),
    resetsInMs: 3_600_000 * 5,
  });
  return spendSnapshot({
    at: new Date().toISOString(),
    totals: { todayUsd: 0.61, weekUsd: 4.93, monthUsd: 17.4 },
    savings: { baselineUsd: 25.1, actualUsd: 17.4, savedUsd: 7.7 },
    budgets: [
      budget(0, 'global', 0.61, 5, 'ok'),
      budget(1, 'agent:architect', 8.5, 10, 'alert'),
      budget(2, 'model:stand-in-large', 12.2, 10, 'exceeded'),
    ],
    windows: [
      {
        tool: 'claude',
        window: 'five_hour',
        status: 'warning',
        utilization: 0.93,
        resetsAt: new Date(Date.now() + 72 * 60_000 + 30_000).toISOString(),
        observedAt: new Date().toISOString(),
        ageMs: 0,
      },
      {
        tool: 'codex',
        window: 'a_provider_own_window_with_a_rather_long_name',
        status: 'rejected',
        resetsAt: new Date(Date.now() + 30 * 3_600_000).toISOString(),
        observedAt: new Date(Date.now() - 45 * 60_000).toISOString(),
        ageMs: 45 * 60_000,
        hold: {
          tool: 'codex',
          until: new Date(Date.now() + 30 * 3_600_000 + 30_000).toISOString(),
          reason: 'codex reached its usage limit',
        },
      },
    ],
    byModel,
    byAgent,
    modelTotals: [row('stand-in-large', 12.1), row('stand-in-small', 5.3)],
    agentTotals: [row('architect', 9.2), row('backend-dev', 5.6), row('writer', 2.6)],
  });
}

describe.skipIf(chromiumMissing)('the dashboard page (server and board real, telemetry faked)', () => {
  let browser: Browser;
  let page: Page;
  let seen: ReturnType<typeof watchPage>;
  let server: DashboardServer | undefined;
  let board: StoreBoard | undefined;
  let feeds: FakeFeeds;
  let workDir: string;

  async function serve(port = 0, projects: { project?: string; allProjects?: boolean } = {}) {
    board = new StoreBoard({
      store: createTaskStore({ workDir, projectDir: workDir, agents: AGENTS }),
      agents: AGENTS,
      readSpend: async (taskId) => feeds.taskSpend(taskId),
      invocations: feeds.invocations.changes,
    });
    await board.start();
    server = await startDashboardServer({
      board,
      sources: feeds,
      host: '127.0.0.1',
      port,
      token: TOKEN,
      ...projects,
    });
    return server;
  }

  beforeAll(async () => {
    if (!existsSync(join(webDistDir, 'index.html'))) {
      throw new Error(`${webDistDir} is missing: build the dashboard (pnpm build) before its browser tests`);
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await page?.close();
    await server?.close();
    await board?.close();
    server = undefined;
    board = undefined;
  });

  async function openPage(
    viewport = { width: 1440, height: 1000 },
    url = server?.pageUrl ?? '',
  ): Promise<void> {
    page = await browser.newPage({ viewport });
    seen = watchPage(page);
    await page.goto(url);
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 10_000 });
  }

  const row = (key: string) => page.locator(`[data-testid=feed-row][data-key="${key}"]`);
  const card = (key: string) => page.locator(`[data-testid=card][data-key="${key}"]`);

  it('shows spend, budgets, charts, the feed and the board, and takes the token out of the address', async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    feeds.spendNow = richSpend();
    const agents = ['architect', 'backend-dev', 'writer'];
    for (let index = 0; index < 8; index++) {
      const started = new Date(Date.now() - (8 - index) * 60_000).toISOString();
      feeds.rows.set(
        `inv-${index}#1`,
        invocationRow({
          key: `inv-${index}#1`,
          invocationId: `inv-${index}`,
          startedAt: started,
          finishedAt: started,
          agent: agents[index % 3] ?? 'architect',
          taskType: index % 2 ? 'review' : null,
          model: index % 2 ? 'stand-in-small' : 'stand-in-large',
          status: index === 5 ? 'failed' : 'success',
          errorKind: index === 5 ? 'timeout' : null,
          inputTokens: 1200 + index * 10,
          outputTokens: 400 + index,
          costUsd: 0.0123 * (index + 1),
          latencyMs: 900 + index * 150,
        }),
      );
    }
    writeTask(workDir, 'inbox/T-1.yaml', { title: 'Design the cache layer', priority: 'high' });
    writeTask(workDir, 'inbox/T-2.yaml', { title: 'Write release notes', priority: 'low', agent: 'writer' });
    writeTask(workDir, 'assigned/backend-dev/T-3.yaml', {
      status: 'in_progress',
      title: 'Add the budget endpoint',
      priority: 'critical',
      description: 'Implement **GET /budget** with `limit` and `spent`.\n\n- paginate\n- cache for 5 s\n',
      acceptance_criteria: ['returns 200 with the budget', 'answers in under 50 ms'],
      started_at: '2026-12-01T09:05:00Z',
    });
    writeTask(workDir, 'assigned/architect/T-4.yaml', {
      status: 'blocked',
      title: 'Migrate the DB',
      priority: 'medium',
    });
    writeTask(workDir, 'done/qa/T-5.yaml', {
      title: 'Fix the flaky test',
      priority: 'medium',
      completed_at: '2026-12-01T10:00:00Z',
      result: { summary: 'Fixed', cost_usd: 0.42, attempts: 2, tool: 'stand-in', model: 'stand-in-large' },
    });
    writeTask(workDir, 'done/architect/T-6.yaml', {
      status: 'error',
      title: 'Upgrade Node',
      completed_at: '2026-12-01T10:00:00Z',
      error: { message: 'tests failed on 22', kind: 'exit_code', at: '2026-12-01T10:00:00Z' },
    });
    writeTask(workDir, 'inbox/T-7.yaml', { status: 'done', title: 'Status disagrees with directory' });
    writeFileSync(join(workDir, 'inbox/broken.yaml'), 'title: [unclosed\n');
    // T-3 is running: telemetry has its first attempt done and its second running.
    feeds.rows.set(
      't3#1',
      invocationRow({
        key: 't3#1',
        taskId: 'T-3',
        status: 'success',
        costUsd: 0.05,
        inputTokens: 900,
        outputTokens: 100,
        costSource: 'computed',
      }),
    );
    feeds.rows.set('t3#2', invocationRow({ key: 't3#2', attempt: 2, taskId: 'T-3', status: 'running' }));
    await serve();
    await openPage();

    expect(new URL(page.url()).search).toBe('');
    expect(await page.evaluate("sessionStorage.getItem('llm-service.dashboard.token')")).toBe(TOKEN);
    expect(await page.locator('[data-testid=spend-month]').textContent()).toBe('$17.40');
    expect(await page.locator('[data-testid=saved-month]').textContent()).toBe('$7.70');
    expect(await page.locator('[data-testid=budget]').count()).toBe(3);
    expect(await page.locator('[data-testid=budget][data-state=exceeded]').count()).toBe(1);
    // The plan windows under the budgets: a share, a status in words, and for the one used up without a share
    // reported, "used up", the hold and the reading's age.
    const windows = page.locator('[data-testid=plan-window]');
    expect(await windows.count()).toBe(2);
    expect(await windows.nth(0).locator('[data-testid=plan-window-used]').textContent()).toBe('93% used');
    expect(await windows.nth(0).locator('[data-testid=plan-window-status]').textContent()).toBe('warning');
    expect(await windows.nth(0).locator('[data-testid=plan-window-resets]').textContent()).toMatch(
      /^resets \d\d:\d\d \(in 1 h 12 min\)$|^resets \w{3} \d+ \w{3} \d\d:\d\d \(in 1 h 12 min\)$/,
    );
    expect(await windows.nth(1).locator('.window-name').textContent()).toBe(
      'a_provider_own_window_with_a_rather_long_name',
    );
    expect(await windows.nth(1).locator('[data-testid=plan-window-used]').textContent()).toBe('used up');
    expect(await windows.nth(1).locator('[data-testid=plan-window-held]').textContent()).toMatch(
      /^held until \w{3} \d+ \w{3} \d\d:\d\d \(in 30 h\)$/,
    );
    expect(await windows.nth(1).locator('[data-testid=plan-window-age]').textContent()).toBe(
      'as of 45 min ago',
    );
    // Two models over seven days: a path per model, and a hover target per day with that day's figures.
    expect(await page.locator('[data-testid=chart-model] svg path.series').count()).toBe(2);
    expect(await page.locator('[data-testid=chart-model] svg rect.day-target').count()).toBe(7);
    expect(
      await page
        .locator(`[data-testid=chart-model] rect.day-target[data-day="${day(0)}"] title`)
        .textContent(),
    ).toBe(`${day(0)}\nstand-in-large: $0.40\nstand-in-small: $0.15`);
    // The eight rows and T-3's two attempts.
    expect(await page.locator('[data-testid=feed-row]').count()).toBe(10);
    expect(await page.locator('[data-testid=column]').count()).toBe(6);
    await card('file:inbox/broken.yaml').waitFor();
    expect(await card('file:inbox/broken.yaml').locator('[data-testid=problem]').textContent()).toMatch(
      /^inbox\/broken\.yaml:\d+:\d+: /,
    );
    expect(await card('file:inbox/broken.yaml').locator('[data-testid=card-title]').textContent()).toBe(
      'broken.yaml',
    );
    expect(await card('T-7').getAttribute('data-column')).toBe('done');
    expect(await card('T-7').locator('[data-testid=flag]').count()).toBe(1);
    expect(await card('T-5').locator('[data-testid=flag]').textContent()).toBe('⚑ 1');
    expect(await card('T-5').locator('[data-testid=card-spend]').textContent()).toBe(
      '$0.42 · 0 tokens · 2 attempts',
    );
    expect(await card('T-6').locator('[data-testid=card-error]').textContent()).toBe(
      'exit_code: tests failed on 22',
    );
    expect(await card('T-3').locator('[data-testid=card-spend]').textContent()).toBe(
      '$0.05 · 1,000 tokens · 2 attempts',
    );
    expect(await card('T-3').locator('[data-testid=running]').count()).toBe(1);
    expect(await card('T-3').locator('[data-testid=card-tool]').textContent()).toBe(
      'stand-in · stand-in-large',
    );

    await screenshot(page, 'page-full');
    await screenshot(page, 'page-feed', '[data-testid=feed]');
    await screenshot(page, 'page-board', '[data-testid=board]');
    await card('T-3').click();
    await page.locator('[data-testid=detail][open]').waitFor();
    expect(await page.locator('[data-testid=detail-description] strong').textContent()).toBe('GET /budget');
    expect(await page.locator('[data-testid=detail-criteria] li').allTextContents()).toEqual([
      'returns 200 with the budget',
      'answers in under 50 ms',
    ]);
    // In progress: neither assign nor retry is offered.
    expect(await page.locator('[data-testid=detail-assign]').isVisible()).toBe(false);
    expect(await page.locator('[data-testid=detail-retry]').isVisible()).toBe(false);
    await screenshot(page, 'page-detail', 'viewport');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=detail][open]').waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 820, height: 1000 });
    await screenshot(page, 'page-narrow');
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.reload();
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=feed-row]').count()).toBe(10);
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('adds an invocation as it starts and completes it in place', async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    await serve();
    await openPage();
    const running = invocationRow({
      key: 'live-1#1',
      invocationId: 'live-1',
      startedAt: new Date().toISOString(),
    });
    feeds.record(running);
    await row('live-1#1').and(page.locator('[data-status=running]')).waitFor({ timeout: 10_000 });
    expect(await row('live-1#1').locator('[data-testid=feed-status]').textContent()).toBe('running');
    feeds.record({
      ...running,
      status: 'success',
      finishedAt: new Date().toISOString(),
      inputTokens: 1234,
      outputTokens: 56,
      costUsd: 0.0042,
      latencyMs: 1500,
    });
    await row('live-1#1').and(page.locator('[data-status=success]')).waitFor({ timeout: 10_000 });
    expect(await row('live-1#1').count()).toBe(1);
    expect(await row('live-1#1').locator('td').allTextContents()).toEqual([
      expect.any(String),
      'architect',
      '—',
      'stand-in',
      'stand-in-large',
      'success',
      'preferred',
      '1,234',
      '56',
      '$0.0042',
      '1.5 s',
    ]);
    feeds.setSpend(spendSnapshot({ totals: { todayUsd: 0.0042, weekUsd: 0.0042, monthUsd: 0.0042 } }));
    await page.locator('[data-testid=spend-today]', { hasText: '$0.0042' }).waitFor({ timeout: 10_000 });
  });

  it('draws the first screen of a long feed, the older rows as it is scrolled, and new ones in order', async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    const startedAt = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    for (let index = 0; index < 120; index++) {
      feeds.rows.set(
        `old-${index}#1`,
        invocationRow({
          key: `old-${index}#1`,
          invocationId: `old-${index}`,
          startedAt: startedAt(index + 1),
          status: 'success',
        }),
      );
    }
    await serve();
    await openPage();
    const drawnKeys = () =>
      page
        .locator('[data-testid=feed-row]')
        .evaluateAll((rows) => rows.map((each) => each.getAttribute('data-key')));
    expect(await drawnKeys()).toEqual(Array.from({ length: 20 }, (_, index) => `old-${index}#1`));

    // One newer than all, and one older than every drawn row: the first is drawn at the top, the second waits.
    feeds.record(invocationRow({ key: 'new#1', invocationId: 'new', startedAt: startedAt(0) }));
    feeds.record(invocationRow({ key: 'between#1', invocationId: 'between', startedAt: startedAt(30.5) }));
    await row('new#1').waitFor({ timeout: 10_000 });
    expect((await drawnKeys())[0]).toBe('new#1');
    expect(await row('between#1').count()).toBe(0);

    const scrollToEnd = () =>
      page.locator('.table-scroll').evaluate((box) => box.scrollTo({ top: box.scrollHeight }));
    let drawn = 0;
    while (drawn < 122) {
      await scrollToEnd();
      await page.locator('[data-testid=feed-row]').nth(drawn).waitFor({ state: 'attached', timeout: 10_000 });
      drawn = (await drawnKeys()).length;
    }
    const keys = await drawnKeys();
    expect(keys).toHaveLength(122);
    expect(keys.indexOf('between#1')).toBe(keys.indexOf('old-29#1') + 1);
    expect(keys.at(-1)).toBe('old-119#1');
  });

  it('creates and assigns a task from the page, follows its file, sets a priority (refusing a stale one), retries, shows the answer', async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    await serve();
    await openPage();
    await page.locator('[data-testid=new-task]').click();
    await page.locator('[data-testid=new-task-dialog][open]').waitFor();
    expect(await page.locator('[data-testid=new-agent] option').allTextContents()).toEqual(AGENTS);
    await page.locator('[data-testid=new-agent]').selectOption('writer');
    await page.locator('[data-testid=new-title]').fill('Move me');
    await page.locator('[data-testid=new-priority]').selectOption('low');
    await page.locator('[data-testid=new-description]').fill('Say **why**.');
    await page.locator('[data-testid=new-submit]').click();
    await page.locator('[data-testid=new-task-dialog][open]').waitFor({ state: 'detached' });
    const created = page.locator('[data-testid=column][data-column=inbox] [data-testid=card]');
    await created.waitFor({ timeout: 10_000 });
    const id = (await created.getAttribute('data-key')) ?? '';
    expect(id).toMatch(/^\d{4}-\d\d-\d\dT\d{4}-writer-move-me$/);
    expect(readFileSync(join(workDir, `inbox/${id}.yaml`), 'utf8')).toMatch(/^priority: low$/m);

    await card(id).click();
    await page.locator('[data-testid=detail][open]').waitFor();
    expect(await page.locator('[data-testid=detail-description] strong').textContent()).toBe('why');
    await page.locator('[data-testid=detail-agent]').selectOption('backend-dev');
    await page.locator('[data-testid=detail-assign]').click();
    await page.locator('[data-testid=detail-message][data-kind=ok]').waitFor({ timeout: 10_000 });
    await card(id).and(page.locator('[data-column=assigned]')).waitFor({ timeout: 10_000 });
    const path = join(workDir, `assigned/backend-dev/${id}.yaml`);
    expect(readFileSync(path, 'utf8')).toMatch(/^status: assigned$/m);
    expect(existsSync(join(workDir, `inbox/${id}.yaml`))).toBe(false);

    await page.locator('[data-testid=detail-priority]').selectOption('critical');
    await page
      .locator('[data-testid=detail-message][data-kind=ok]', { hasText: 'critical' })
      .waitFor({ timeout: 10_000 });
    expect(readFileSync(path, 'utf8')).toMatch(/^priority: critical$/m);
    await card(id).locator('[data-testid=priority]', { hasText: 'critical' }).waitFor();

    // Someone edits the file between what the page saw and the change: the server refuses, the page says why.
    await page.route(`**/api/tasks/${id}`, async (route) => {
      writeFileSync(path, readFileSync(path, 'utf8').replace('Move me', 'Moved by an agent'));
      await route.continue();
    });
    await page.locator('[data-testid=detail-priority]').selectOption('high');
    await page.locator('[data-testid=detail-message][data-kind=error]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=detail-message]').textContent()).toContain(
      'changed since it was read',
    );
    expect(readFileSync(path, 'utf8')).toMatch(/^priority: critical$/m);
    await page
      .locator('[data-testid=detail-title]', { hasText: 'Moved by an agent' })
      .waitFor({ timeout: 10_000 });
    await page.unroute(`**/api/tasks/${id}`);

    // Another process runs it and it fails: the card moves to Error, and the page offers a retry.
    const store = createTaskStore({ workDir, projectDir: workDir, agents: AGENTS });
    let task = (await store.get(id))!;
    task = await store.transition(id, { to: 'in_progress' }, task.revision);
    await card(id).and(page.locator('[data-column=in_progress]')).waitFor({ timeout: 10_000 });
    const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await store.transition(
      id,
      { to: 'error', error: { message: 'the tool crashed', kind: 'exit_code', at } },
      task.revision,
    );
    await card(id).and(page.locator('[data-column=error]')).waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=detail-retry]').click();
    await card(id).and(page.locator('[data-column=assigned]')).waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=detail-retry]').isVisible()).toBe(false);

    // It runs again and is done: the detail shows the answer, rendered safely.
    task = (await store.get(id))!;
    task = await store.transition(id, { to: 'in_progress' }, task.revision);
    mkdirSync(join(workDir, `runs/${id}`), { recursive: true });
    writeFileSync(
      join(workDir, `runs/${id}/answer.md`),
      '# It moved\n\n<script>alert(1)</script> **done**\n',
    );
    await store.transition(
      id,
      {
        to: 'done',
        result: { summary: 'It moved', costUsd: 0.125, attempts: 1, answer: `runs/${id}/answer.md` },
      },
      task.revision,
    );
    await card(id).and(page.locator('[data-column=done]')).waitFor({ timeout: 10_000 });
    expect(await card(id).locator('[data-testid=card-spend]').textContent()).toBe(
      '$0.13 · 0 tokens · 1 attempt',
    );
    await page
      .locator('[data-testid=detail-answer] h1', { hasText: 'It moved' })
      .waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=detail-answer] strong').textContent()).toBe('done');
    expect(await page.locator('script:not([src])').count()).toBe(0);
    await screenshot(page, 'page-answer', 'viewport');
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('says which plugin adds a board when no plugin provides a task store', async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    server = await startDashboardServer({
      board: new MissingBoard('no loaded plugin provides a task store: load @llm-service/tasks'),
      sources: feeds,
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
    });
    await openPage();
    expect(await page.locator('[data-testid=board-missing]').textContent()).toContain('@llm-service/tasks');
    expect(await page.locator('[data-testid=column]').first().isVisible()).toBe(false);
    expect(await page.locator('[data-testid=new-task]').isDisabled()).toBe(true);
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('shows a hostile title as text', async () => {
    workDir = temporaryDir('work');
    mkdirSync(join(workDir, 'inbox'), { recursive: true });
    feeds = new FakeFeeds();
    const hostile = '<img src=x onerror=alert(1)>';
    writeTask(workDir, 'inbox/xss.yaml', {
      description: '<b>id</b> <script>alert(2)</script>',
      title: hostile,
    });
    feeds.rows.set('x#1', invocationRow({ key: 'x#1', agent: '<img src=y onerror=alert(3)>' }));
    await serve();
    await openPage();
    await card('xss').waitFor();
    expect(await card('xss').locator('[data-testid=card-title]').textContent()).toBe(hostile);
    await card('xss').click();
    await page.locator('[data-testid=detail][open]').waitFor();
    expect(await page.locator('[data-testid=detail-title]').textContent()).toBe(hostile);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('says how to get the address with the token when it is missing or wrong, instead of an empty feed', async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    feeds.rows.set('secret#1', invocationRow({ key: 'secret#1' }));
    const running = await serve();
    page = await browser.newPage();
    seen = watchPage(page);
    await page.goto(running.url);
    const notice = page.locator('[data-testid=notice]');
    await notice.waitFor();
    expect(await notice.textContent()).toBe(
      'This dashboard needs its access token: open the address llm-service dashboard printed (it ends in ' +
        '?token=…), or run llm-service dashboard --open.',
    );
    expect(await notice.locator('code').allTextContents()).toEqual([
      'llm-service dashboard',
      '?token=…',
      'llm-service dashboard --open',
    ]);
    expect(await page.locator('[data-testid=connection]').getAttribute('data-state')).toBe('offline');
    expect(await page.locator('[data-testid=feed-empty]').isVisible()).toBe(false);
    expect(await page.getByText('No invocations yet').isVisible()).toBe(false);
    await screenshot(page, 'page-no-token', 'viewport');

    // A wrong token (an old address, after the dashboard restarted with a new one): the server answers 401.
    const refused = page.waitForResponse((response) => response.url().endsWith('/api/snapshot'));
    await page.goto(`${running.url}?token=wrong-token-0123456789`);
    expect((await refused).status()).toBe(401);
    await notice.filter({ hasText: 'refused' }).waitFor({ timeout: 10_000 });
    expect(await notice.textContent()).toContain('or run llm-service dashboard --open');
    expect(await page.getByText('No invocations yet').isVisible()).toBe(false);
    expect(await page.locator('[data-testid=feed-row]').count()).toBe(0);
    expect(new URL(page.url()).search).toBe('');

    // The right address then works in the same tab.
    await page.goto(running.pageUrl);
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 10_000 });
    expect(await notice.isVisible()).toBe(false);
    await row('secret#1').waitFor();
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('keeps working when the server restarts on the same port', async () => {
    workDir = temporaryDir('work');
    mkdirSync(join(workDir, 'inbox'), { recursive: true });
    feeds = new FakeFeeds();
    const first = await serve();
    await openPage();
    feeds.record(invocationRow({ key: 'before#1', startedAt: new Date().toISOString() }));
    await row('before#1').waitFor({ timeout: 10_000 });

    await first.close();
    await board?.close();
    await page.locator('[data-testid=connection]:not([data-state=live])').waitFor({ timeout: 10_000 });
    // While it is down, something happens that the page can only learn from the new server's snapshot.
    writeTask(workDir, 'inbox/while-down.yaml', { title: 'Written while down' });
    feeds.rows.set('down#1', invocationRow({ key: 'down#1', startedAt: new Date().toISOString() }));

    await serve(first.port);
    await card('while-down').waitFor({ timeout: 20_000 });
    await row('down#1').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 10_000 });
    feeds.record(invocationRow({ key: 'after#1', startedAt: new Date().toISOString() }));
    await row('after#1').waitFor({ timeout: 10_000 });
    writeTask(workDir, 'inbox/after.yaml', { title: 'After the restart' });
    await card('after').waitFor({ timeout: 10_000 });
    expect(seen.dialogs).toEqual([]);
  });

  it('shows what went wrong in failed rows, marks forced runs with their reason, and unknown costs as unknown', async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
    const rows = [
      invocationRow({
        key: 'timeout#1',
        invocationId: 'timeout',
        startedAt: at(9),
        status: 'timeout',
        errorKind: 'timeout',
        message: 'stand-in gave no answer within 60 s; stopped it',
      }),
      invocationRow({
        key: 'blocked#1',
        invocationId: 'blocked',
        startedAt: at(8),
        status: 'blocked',
        errorKind: null,
        message: 'budget: the hard daily limit of $5.00 for global is reached ($5.10 spent)',
      }),
      invocationRow({
        key: 'hostile#2',
        invocationId: 'hostile',
        attempt: 2,
        reason: 'fallback',
        startedAt: at(7),
        status: 'failed',
        errorKind: 'exit_code',
        message: '<img src=x onerror=alert(4)> exited with 1',
      }),
      invocationRow({ key: 'cancelled#1', invocationId: 'cancelled', startedAt: at(6), status: 'cancelled' }),
      invocationRow({
        key: 'forced#1',
        invocationId: 'forced',
        startedAt: at(5),
        status: 'success',
        costUsd: 0.25,
        costSource: 'computed',
        forceReason: 'release day <b>now</b>',
      }),
      invocationRow({
        key: 'unknown#1',
        invocationId: 'unknown',
        startedAt: at(4),
        status: 'success',
        costUsd: null,
        costSource: 'unknown',
      }),
      invocationRow({
        key: 'estimated#1',
        invocationId: 'estimated',
        startedAt: at(3),
        status: 'success',
        costUsd: 0.0042,
        costSource: 'estimated',
        message: 'the tool reported -5 input tokens; counted the estimate',
      }),
    ];
    for (const each of rows) feeds.rows.set(each.key, each);
    feeds.spendNow = spendSnapshot({
      totals: { todayUsd: 0.2542, weekUsd: 0.2542, monthUsd: 0.2542 },
      unknownCosts: { today: 1, week: 1, month: 3 },
    });
    await serve();
    await openPage();

    const problem = (key: string) =>
      page.locator(`[data-testid=feed-note][data-note-for="${key}"] [data-testid=feed-problem]`);
    expect(await problem('timeout#1').textContent()).toBe(
      'timeout: stand-in gave no answer within 60 s; stopped it',
    );
    expect(await problem('blocked#1').textContent()).toBe(
      'blocked: budget: the hard daily limit of $5.00 for global is reached ($5.10 spent)',
    );
    expect(await problem('hostile#2').textContent()).toBe(
      'exit_code: <img src=x onerror=alert(4)> exited with 1',
    );
    expect(await problem('cancelled#1').textContent()).toBe('cancelled: no message was recorded');
    // The note sits right under its row, and successes without a force reason have none.
    expect(
      await row('timeout#1').evaluate((tr) => tr.nextElementSibling?.getAttribute('data-note-for')),
    ).toBe('timeout#1');
    expect(await page.locator('[data-testid=feed-note]').count()).toBe(5);

    const forced = row('forced#1').locator('[data-testid=forced]');
    expect(await forced.textContent()).toBe('forced');
    expect(await forced.getAttribute('title')).toBe('Forced past a budget: release day <b>now</b>');
    expect(
      await page.locator('[data-note-for="forced#1"] [data-testid=feed-force-reason]').textContent(),
    ).toBe('Forced past a budget: release day <b>now</b>');
    expect(await row('forced#1').getAttribute('data-forced')).toBe('true');
    expect(await page.locator('[data-testid=forced]').count()).toBe(1);

    expect(await row('unknown#1').locator('[data-testid=feed-cost]').textContent()).toBe('unknown');
    expect(await row('estimated#1').locator('[data-testid=feed-cost]').textContent()).toBe('~$0.0042');
    expect(await row('estimated#1').locator('[data-testid=feed-cost]').getAttribute('title')).toBe(
      'Estimated: the tool reported -5 input tokens; counted the estimate',
    );
    expect(await row('forced#1').locator('[data-testid=feed-cost]').textContent()).toBe('$0.25');
    expect(await page.locator('[data-testid=unknown-today]').textContent()).toBe('+ 1 unknown');
    expect(await page.locator('[data-testid=unknown-month]').textContent()).toBe('+ 3 unknown');
    expect(await page.locator('img, b').count()).toBe(0);

    // A running attempt that fails gets its note in place.
    const live = invocationRow({ key: 'live#1', invocationId: 'live', startedAt: at(0) });
    feeds.record(live);
    await row('live#1').and(page.locator('[data-status=running]')).waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-note-for="live#1"]').count()).toBe(0);
    feeds.record({
      ...live,
      status: 'failed',
      errorKind: 'auth',
      message: 'ANTHROPIC_API_KEY is not set',
      finishedAt: at(0),
    });
    await problem('live#1').waitFor({ timeout: 10_000 });
    expect(await problem('live#1').textContent()).toBe('auth: ANTHROPIC_API_KEY is not set');
    expect(await page.locator('[data-note-for="live#1"]').count()).toBe(1);
    expect(await row('live#1').count()).toBe(1);
    await screenshot(page, 'page-failures', '[data-testid=feed]');
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  /** Twelve attempts over three agents, two tools, three models, three statuses and two projects. */
  function filterRows(): InvocationRow[] {
    const agents = ['architect', 'writer', 'backend-dev'];
    const statuses = ['success', 'failed', 'success', 'running'];
    return Array.from({ length: 12 }, (_, index) =>
      invocationRow({
        key: `inv-${index}#1`,
        invocationId: `inv-${index}`,
        chainId: index < 4 ? 'chain-alpha' : `chain-${index}`,
        startedAt: new Date(Date.now() - (12 - index) * 60_000).toISOString(),
        agent: agents[index % 3] ?? 'architect',
        tool: index % 2 ? 'codex' : 'stand-in',
        model: ['gpt-5', 'gpt-5-mini', 'stand-in-large'][index % 3] ?? 'gpt-5',
        status: statuses[index % 4] ?? 'success',
        errorKind: statuses[index % 4] === 'failed' ? 'exit_code' : null,
        project: index % 2 ? 'beta' : 'alpha',
      }),
    );
  }

  it('filters the feed by agent, tool, model, status, project and id, live and across a reload', async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    for (const each of filterRows()) feeds.rows.set(each.key, each);
    await serve(0, { project: 'alpha', allProjects: true });
    await openPage();
    const keys = () =>
      page
        .locator('[data-testid=feed-row]')
        .evaluateAll((rows) => rows.map((each) => each.getAttribute('data-key')));
    const options = (field: string) =>
      page
        .locator(`[data-testid=filter-${field}] option`)
        .evaluateAll((all) => all.map((option) => option.getAttribute('value')));
    expect(await keys()).toHaveLength(12);
    expect(await page.locator('[data-testid=project]').textContent()).toBe('all projects');
    // Rows of several projects say whose they are.
    expect(await page.locator('thead th').allTextContents()).toContain('Project');
    expect(await row('inv-1#1').locator('td').nth(1).textContent()).toBe('beta');
    // Each select is labelled, and its choices are the values of the rows seen.
    expect(await page.getByTestId('feed').getByLabel('Agent').getAttribute('data-testid')).toBe(
      'filter-agent',
    );
    expect(await page.getByTestId('feed').getByLabel('Project').isVisible()).toBe(true);
    expect(await options('agent')).toEqual(['', 'architect', 'backend-dev', 'writer']);
    expect(await options('tool')).toEqual(['', 'codex', 'stand-in']);
    expect(await options('status')).toEqual(['', 'any-failure', 'failed', 'running', 'success']);
    expect(await options('project')).toEqual(['', 'alpha', 'beta']);

    await page.getByTestId('feed').getByLabel('Agent').selectOption('writer');
    expect(await keys()).toEqual(['inv-10#1', 'inv-7#1', 'inv-4#1', 'inv-1#1']);
    await page.getByTestId('feed').getByLabel('Tool').selectOption('codex');
    expect(await keys()).toEqual(['inv-7#1', 'inv-1#1']);
    expect(await page.locator('[data-testid=feed-count]').textContent()).toBe('2 of 12 match');
    await page.getByTestId('feed').getByLabel('Tool').selectOption('');
    await page.getByTestId('feed').getByLabel('Status').selectOption('any-failure');
    expect(await keys()).toEqual(['inv-1#1']);
    await page.getByTestId('feed').getByLabel('Status').selectOption('');
    await page.getByTestId('feed').getByLabel('Project').selectOption('alpha');
    expect(await keys()).toEqual(['inv-10#1', 'inv-4#1']);
    const address = new URL(page.url());
    expect(Object.fromEntries(address.searchParams)).toEqual({ agent: 'writer', project: 'alpha' });
    expect(address.href).not.toContain(TOKEN);

    // New rows respect the filters; a new agent becomes a choice.
    const now = new Date().toISOString();
    feeds.record(
      invocationRow({
        key: 'hidden#1',
        invocationId: 'hidden',
        agent: 'architect',
        startedAt: now,
        project: 'alpha',
      }),
    );
    feeds.record(
      invocationRow({
        key: 'shown#1',
        invocationId: 'shown',
        agent: 'writer',
        startedAt: now,
        project: 'alpha',
      }),
    );
    feeds.record(
      invocationRow({
        key: 'other#1',
        invocationId: 'other',
        agent: 'planner',
        startedAt: now,
        project: 'alpha',
      }),
    );
    await row('shown#1').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=filter-agent] option[value=planner]').waitFor({ state: 'attached' });
    expect(await keys()).toEqual(['shown#1', 'inv-10#1', 'inv-4#1']);
    // A drawn row that stops matching leaves the feed.
    await page.getByTestId('feed').getByLabel('Status').selectOption('running');
    expect(await keys()).toEqual(['shown#1']);
    feeds.record(
      invocationRow({
        key: 'shown#1',
        invocationId: 'shown',
        agent: 'writer',
        startedAt: now,
        project: 'alpha',
        status: 'success',
        finishedAt: now,
      }),
    );
    await row('shown#1').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await page.locator('[data-testid=feed-no-match]').isVisible()).toBe(true);
    await page.getByTestId('feed').getByLabel('Status').selectOption('');

    // A reload keeps the filters (and the token stays out of the address).
    await page.reload();
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('feed').getByLabel('Agent').inputValue()).toBe('writer');
    expect(await page.getByTestId('feed').getByLabel('Project').inputValue()).toBe('alpha');
    expect(await keys()).toEqual(['shown#1', 'inv-10#1', 'inv-4#1']);
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);

    // The search matches the start of an invocation id or a chain id; Clear filters (by keyboard) shows all again.
    await page.getByTestId('feed').getByLabel('Agent').selectOption('');
    await page.getByTestId('feed').getByLabel('Project').selectOption('');
    await page.getByTestId('feed').getByLabel('Id').fill('chain-al');
    expect(await keys()).toEqual(['inv-3#1', 'inv-2#1', 'inv-1#1', 'inv-0#1']);
    await page.getByTestId('feed').getByLabel('Id').fill('INV-1');
    expect(await keys()).toEqual(['inv-11#1', 'inv-10#1', 'inv-1#1']);
    expect(new URL(page.url()).searchParams.get('q')).toBe('INV-1');
    await screenshot(page, 'page-filters', '[data-testid=feed]');
    await page.locator('[data-testid=filter-clear]').focus();
    await page.keyboard.press('Enter');
    expect(await keys()).toHaveLength(15);
    expect(new URL(page.url()).search).toBe('');
    expect(await page.locator('[data-testid=filter-clear]').isVisible()).toBe(false);
    // The selects are reachable from the keyboard and change with the arrow keys.
    await page.getByTestId('feed').getByLabel('Agent').focus();
    await page.keyboard.press('ArrowDown');
    expect(await page.getByTestId('feed').getByLabel('Agent').inputValue()).toBe('architect');
    expect(new URL(page.url()).searchParams.get('agent')).toBe('architect');
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it("names the config's project and offers no project filter when it shows one project", async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    for (const each of filterRows().filter((candidate) => candidate.project === 'alpha')) {
      feeds.rows.set(each.key, each);
    }
    const running = await serve(0, { project: 'alpha', allProjects: false });
    await openPage(undefined, `${running.url}?project=beta&agent=writer&token=${TOKEN}`);
    expect(await page.locator('[data-testid=project]').textContent()).toBe('project alpha');
    expect(await page.title()).toBe('llm-service dashboard · alpha');
    expect(await page.locator('[data-testid=filter-project]').isVisible()).toBe(false);
    // A project in the address cannot apply (every row is alpha's): it is dropped; the agent filter stays.
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ agent: 'writer' });
    expect(
      await page
        .locator('[data-testid=feed-row]')
        .evaluateAll((rows) => rows.map((each) => each.getAttribute('data-key'))),
    ).toEqual(['inv-10#1', 'inv-4#1']);
    expect(await page.locator('thead th:visible').allTextContents()).not.toContain('Project');
    expect(await row('inv-4#1').locator('td').count()).toBe(11);
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('fits a 420-pixel-wide window: nothing overflows, the header wraps', async () => {
    workDir = temporaryDir('work');
    mkdirSync(join(workDir, 'inbox'), { recursive: true });
    writeTask(workDir, 'inbox/long.yaml', {
      title: 'A task with a rather long title that has to wrap somewhere',
    });
    feeds = new FakeFeeds();
    feeds.spendNow = richSpend();
    for (const each of filterRows()) feeds.rows.set(each.key, each);
    feeds.rows.set(
      'long#1',
      invocationRow({
        key: 'long#1',
        invocationId: 'long',
        status: 'failed',
        errorKind: 'exit_code',
        message: `a long error without spaces ${'x'.repeat(300)} and more words after it`,
        forceReason: 'a forced run with a long reason '.repeat(6),
        startedAt: new Date().toISOString(),
      }),
    );
    await serve(0, { project: 'a-project-with-a-rather-long-name-for-a-phone', allProjects: false });
    await openPage({ width: 420, height: 900 });
    expect(await page.locator('[data-testid=project]').isVisible()).toBe(true);
    await page.getByTestId('feed').getByLabel('Status').selectOption('any-failure');
    // How wide the document is, and where the header's rightmost box ends (run in the page, hence a string).
    const overflow = () =>
      page.evaluate<{ scrollWidth: number; widest: number }>(`({
        scrollWidth: document.documentElement.scrollWidth,
        widest: Math.max(...[...document.querySelectorAll('header *')].map((each) => each.getBoundingClientRect().right)),
      })`);
    const measured = await overflow();
    expect(measured.scrollWidth).toBeLessThanOrEqual(420);
    expect(measured.widest).toBeLessThanOrEqual(420);
    // The totals wrap under the title, two to a row.
    const brand = (await page.locator('.brand').boundingBox())!;
    const today = (await page.locator('[data-testid=spend-today]').boundingBox())!;
    const week = (await page.locator('[data-testid=spend-week]').boundingBox())!;
    const month = (await page.locator('[data-testid=spend-month]').boundingBox())!;
    expect(today.y).toBeGreaterThanOrEqual(brand.y + brand.height);
    expect(week.y).toBe(today.y);
    expect(month.y).toBeGreaterThan(today.y);
    await screenshot(page, 'page-420');

    // The page without its token fits as well.
    await page.evaluate('sessionStorage.clear()');
    await page.goto(server?.url ?? '');
    await page.locator('[data-testid=notice]').waitFor();
    expect((await overflow()).scrollWidth).toBeLessThanOrEqual(420);
    await screenshot(page, 'page-420-no-token', 'viewport');
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });
});
