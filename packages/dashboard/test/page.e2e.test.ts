/**
 * The page in real headless Chromium against the real server and the real task board, with the telemetry feeds
 * faked: what the page does with every kind of event, independent of the CLI. (cli.e2e.test.ts drives the CLI.)
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TaskBoard } from '../src/board/index.js';
import { startDashboardServer, type DashboardServer } from '../src/server/index.js';
import { FakeFeeds, invocationRow, spendSnapshot } from '../src/server/test-support.js';
import {
  chromiumMissing,
  launchChromium,
  screenshot,
  taskYaml,
  temporaryDir,
  watchPage,
  webDistDir,
} from './support.js';

const TOKEN = 'page-test-token-0123456789';

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
  let board: TaskBoard | undefined;
  let feeds: FakeFeeds;
  let workDir: string;

  async function serve(port = 0) {
    board = new TaskBoard({ workDir });
    await board.start();
    server = await startDashboardServer({
      board,
      sources: feeds,
      host: '127.0.0.1',
      port,
      token: TOKEN,
      workDir,
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

  async function openPage(): Promise<void> {
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    seen = watchPage(page);
    await page.goto(server?.pageUrl ?? '');
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
    const files: Record<string, Record<string, string>> = {
      'inbox/cache.yaml': { id: 'T-1', status: 'new', title: 'Design the cache layer', priority: 'high' },
      'inbox/docs.yaml': {
        id: 'T-2',
        status: 'new',
        title: 'Write release notes',
        priority: 'low',
        agent: 'writer',
      },
      'assigned/api.yaml': {
        id: 'T-3',
        status: 'in_progress',
        title: 'Add the budget endpoint',
        priority: 'critical',
        agent: 'backend-dev',
        description: 'Implement **GET /budget** with `limit` and `spent`.\n\n- paginate\n- cache for 5 s\n',
      },
      'assigned/blocked.yaml': { id: 'T-4', status: 'blocked', title: 'Migrate the DB', priority: 'medium' },
      'done/flaky.yaml': {
        id: 'T-5',
        status: 'done',
        title: 'Fix the flaky test',
        priority: 'medium',
        agent: 'qa',
      },
      'done/failed.yaml': { id: 'T-6', status: 'error', title: 'Upgrade Node', error: 'tests failed on 22' },
      'inbox/misplaced.yaml': { id: 'T-7', status: 'done', title: 'Status disagrees with directory' },
    };
    for (const [key, fields] of Object.entries(files)) {
      const path = join(workDir, key);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, taskYaml(fields));
    }
    writeFileSync(join(workDir, 'inbox/broken.yaml'), 'title: [unclosed\n');
    await serve();
    await openPage();

    expect(new URL(page.url()).search).toBe('');
    expect(await page.evaluate("sessionStorage.getItem('llm-service.dashboard.token')")).toBe(TOKEN);
    expect(await page.locator('[data-testid=spend-month]').textContent()).toBe('$17.40');
    expect(await page.locator('[data-testid=saved-month]').textContent()).toBe('$7.70');
    expect(await page.locator('[data-testid=budget]').count()).toBe(3);
    expect(await page.locator('[data-testid=budget][data-state=exceeded]').count()).toBe(1);
    // Two models over seven days: a path per model, and a hover target per day with that day's figures.
    expect(await page.locator('[data-testid=chart-model] svg path.series').count()).toBe(2);
    expect(await page.locator('[data-testid=chart-model] svg rect.day-target').count()).toBe(7);
    expect(
      await page
        .locator(`[data-testid=chart-model] rect.day-target[data-day="${day(0)}"] title`)
        .textContent(),
    ).toBe(`${day(0)}\nstand-in-large: $0.40\nstand-in-small: $0.15`);
    expect(await page.locator('[data-testid=feed-row]').count()).toBe(8);
    expect(await page.locator('[data-testid=column]').count()).toBe(6);
    await card('inbox/broken.yaml').waitFor();
    expect(await card('inbox/broken.yaml').locator('[data-testid=parse-error]').textContent()).toMatch(/\S/);
    expect(await card('inbox/broken.yaml').locator('[data-testid=card-title]').textContent()).toBe(
      'broken.yaml',
    );
    expect(await card('inbox/misplaced.yaml').getAttribute('data-column')).toBe('done');
    expect(await card('inbox/misplaced.yaml').locator('[data-testid=flag]').count()).toBe(1);

    await screenshot(page, 'page-full');
    await screenshot(page, 'page-feed', '[data-testid=feed]');
    await screenshot(page, 'page-board', '[data-testid=board]');
    await card('assigned/api.yaml').click();
    await page.locator('[data-testid=detail][open]').waitFor();
    expect(await page.locator('[data-testid=detail-description] strong').textContent()).toBe('GET /budget');
    await screenshot(page, 'page-detail', 'viewport');
    await page.keyboard.press('Escape');
    await page.locator('[data-testid=detail][open]').waitFor({ state: 'detached' });
    await page.setViewportSize({ width: 820, height: 1000 });
    await screenshot(page, 'page-narrow');
    await page.setViewportSize({ width: 1440, height: 1000 });
    await page.reload();
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=feed-row]').count()).toBe(8);
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

  it('moves a card when its file moves, and sets a priority in the file (refusing a conflicting edit)', async () => {
    workDir = temporaryDir('work');
    mkdirSync(join(workDir, 'inbox'), { recursive: true });
    mkdirSync(join(workDir, 'done'), { recursive: true });
    feeds = new FakeFeeds();
    await serve();
    await openPage();
    const inbox = join(workDir, 'inbox/move.yaml');
    writeFileSync(inbox, taskYaml({ id: 'T-9', status: 'new', title: 'Move me', priority: 'low' }));
    await card('inbox/move.yaml').and(page.locator('[data-column=inbox]')).waitFor({ timeout: 10_000 });
    writeFileSync(inbox, taskYaml({ id: 'T-9', status: 'done', title: 'Move me', priority: 'low' }));
    renameSync(inbox, join(workDir, 'done/move.yaml'));
    await card('done/move.yaml').and(page.locator('[data-column=done]')).waitFor({ timeout: 10_000 });
    await card('inbox/move.yaml').waitFor({ state: 'detached', timeout: 10_000 });
    expect(await page.locator('[data-testid=column][data-column=done] [data-testid=card]').count()).toBe(1);

    const path = join(workDir, 'done/move.yaml');
    await card('done/move.yaml').click();
    await page.locator('[data-testid=detail][open]').waitFor();
    await page.locator('[data-testid=detail-priority]').selectOption('critical');
    await page.locator('[data-testid=detail-message][data-kind=ok]').waitFor({ timeout: 10_000 });
    expect(readFileSync(path, 'utf8')).toMatch(/^priority: "?critical"?$/m);
    await card('done/move.yaml').locator('[data-testid=priority]', { hasText: 'critical' }).waitFor();

    // Someone edits the file between what the page saw and the change: the server refuses, the page says why.
    await page.route('**/api/tasks/priority', async (route) => {
      writeFileSync(path, readFileSync(path, 'utf8').replace('Move me', 'Moved by an agent'));
      await route.continue();
    });
    await page.locator('[data-testid=detail-priority]').selectOption('high');
    await page.locator('[data-testid=detail-message][data-kind=error]').waitFor({ timeout: 10_000 });
    expect(await page.locator('[data-testid=detail-message]').textContent()).toContain('changed on disk');
    expect(readFileSync(path, 'utf8')).toMatch(/^priority: "?critical"?$/m);
    expect(readFileSync(path, 'utf8')).toContain('Moved by an agent');
    await page
      .locator('[data-testid=detail-title]', { hasText: 'Moved by an agent' })
      .waitFor({ timeout: 10_000 });
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('shows a hostile title as text', async () => {
    workDir = temporaryDir('work');
    mkdirSync(join(workDir, 'inbox'), { recursive: true });
    feeds = new FakeFeeds();
    const hostile = '<img src=x onerror=alert(1)>';
    writeFileSync(
      join(workDir, 'inbox/xss.yaml'),
      taskYaml({ id: '<b>id</b>', agent: '<script>alert(2)</script>', status: 'new', title: hostile }),
    );
    feeds.rows.set('x#1', invocationRow({ key: 'x#1', agent: '<img src=y onerror=alert(3)>' }));
    await serve();
    await openPage();
    await card('inbox/xss.yaml').waitFor();
    expect(await card('inbox/xss.yaml').locator('[data-testid=card-title]').textContent()).toBe(hostile);
    await card('inbox/xss.yaml').click();
    await page.locator('[data-testid=detail][open]').waitFor();
    expect(await page.locator('[data-testid=detail-title]').textContent()).toBe(hostile);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script:not([src])').count()).toBe(0);
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('asks for the printed address when the token is missing or wrong', async () => {
    workDir = temporaryDir('work');
    feeds = new FakeFeeds();
    const running = await serve();
    page = await browser.newPage();
    seen = watchPage(page);
    await page.goto(running.url);
    await page.locator('[data-testid=notice]', { hasText: 'token' }).waitFor();
    expect(await page.locator('[data-testid=connection]').getAttribute('data-state')).toBe('offline');
    await page.goto(`${running.url}?token=wrong-token-0123456789`);
    await page.locator('[data-testid=notice]', { hasText: 'refused' }).waitFor({ timeout: 10_000 });
    expect(new URL(page.url()).search).toBe('');
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
    writeFileSync(
      join(workDir, 'inbox/while-down.yaml'),
      taskYaml({ status: 'new', title: 'Written while down' }),
    );
    feeds.rows.set('down#1', invocationRow({ key: 'down#1', startedAt: new Date().toISOString() }));

    await serve(first.port);
    await card('inbox/while-down.yaml').waitFor({ timeout: 20_000 });
    await row('down#1').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 10_000 });
    feeds.record(invocationRow({ key: 'after#1', startedAt: new Date().toISOString() }));
    await row('after#1').waitFor({ timeout: 10_000 });
    writeFileSync(join(workDir, 'inbox/after.yaml'), taskYaml({ status: 'new', title: 'After the restart' }));
    await card('inbox/after.yaml').waitFor({ timeout: 10_000 });
    expect(seen.dialogs).toEqual([]);
  });
});
