/**
 * The dashboard as users run it: `llm-service dashboard` from the built CLI, `llm-service exec` in other processes
 * against the same telemetry database, task files edited on disk, and the page in headless Chromium.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  binPath,
  chromiumMissing,
  isolatedEnv,
  launchChromium,
  quickStartCopy,
  repoRoot,
  runCli,
  runExec,
  screenshot,
  startDashboardCli,
  writeTask,
  watchPage,
  webDistDir,
  type DashboardProcess,
} from './support.js';

const TOKEN = 'cli-e2e-token-0123456789abcdef';
const prompt = join(repoRoot, 'examples/prompts/design-review.md');

describe.skipIf(chromiumMissing)('llm-service dashboard in Chromium, driven through the CLI', () => {
  let browser: Browser;
  let page: Page | undefined;
  const dashboards: DashboardProcess[] = [];

  beforeAll(async () => {
    for (const [path, what] of [
      [binPath, 'the CLI'],
      [join(webDistDir, 'index.html'), 'the dashboard page'],
    ] as const) {
      if (!existsSync(path)) throw new Error(`${path} is missing: build ${what} (pnpm build) first`);
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await page?.close();
    page = undefined;
    for (const dashboard of dashboards.splice(0)) await dashboard.stop('SIGKILL');
  });

  async function start(
    configDir: string,
    env: Record<string, string>,
    port = 0,
    args: readonly string[] = [],
  ) {
    const dashboard = await startDashboardCli(configDir, env, { port, token: TOKEN, args });
    dashboards.push(dashboard);
    return dashboard;
  }

  async function open(dashboard: DashboardProcess) {
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    const seen = watchPage(page);
    await page.goto(dashboard.pageUrl);
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15_000 });
    return { page, seen };
  }

  const cardOf = (current: Page, key: string) => current.locator(`[data-testid=card][data-key="${key}"]`);
  const execRows = (current: Page, agent: string) =>
    current.locator('[data-testid=feed-row]').filter({ has: current.locator(`td:text-is("${agent}")`) });

  it('shows an exec started after the page loaded, and completes it in place', async () => {
    const env = isolatedEnv();
    const { configDir } = quickStartCopy({ delayMs: 1500 });
    const dashboard = await start(configDir, env);
    expect(dashboard.output()).toContain('Ctrl-C');
    const { page: current, seen } = await open(dashboard);
    expect(await current.locator('[data-testid=feed-row]').count()).toBe(0);

    const run = runExec(configDir, env, ['--agent', 'architect', '--prompt-file', prompt]);
    const row = execRows(current, 'architect');
    await row.first().waitFor({ timeout: 20_000 });
    const result = await run;
    expect(result.code, result.stderr).toBe(0);
    await row.and(current.locator('[data-status=success]')).first().waitFor({ timeout: 20_000 });
    expect(await row.count()).toBe(1);
    const cells = await row.first().locator('td').allTextContents();
    expect(cells.slice(1, 7)).toEqual([
      'architect',
      '—',
      'stand-in',
      'stand-in-large',
      'success',
      'preferred',
    ]);
    // The text tool reports no usage: its cost is the estimator's (marked `~`, the note in its title), or unknown.
    expect(cells[9]).toMatch(/^~\$\d|^\$\d|^unknown$/);
    if (cells[9]?.startsWith('~')) {
      expect(await row.first().locator('[data-testid=feed-cost]').getAttribute('title')).toMatch(
        /^Estimated: /,
      );
    }
    // The stand-in's JSON tool reports usage, so backend-dev's requests cost something: the header follows.
    for (const text of ['Add a health check', 'Fix the login bug']) {
      const priced = await runExec(configDir, env, ['--agent', 'backend-dev', '--prompt', text]);
      expect(priced.code, priced.stderr).toBe(0);
    }
    await runExec(configDir, env, [
      '--agent',
      'architect',
      '--task-type',
      'review',
      '--prompt',
      'Review this',
    ]);
    await current
      .locator('[data-testid=feed-row][data-status=success]')
      .filter({ has: current.locator('td:text-is("review")') })
      .waitFor({ timeout: 20_000 });
    await current
      .locator('[data-testid=spend-today]', { hasText: /^\$0\.0*[1-9]|^\$[1-9]/ })
      .waitFor({ timeout: 20_000 });
    expect(await execRows(current, 'backend-dev').and(current.locator('[data-status=success]')).count()).toBe(
      2,
    );
    await current.locator('[data-testid=budget]').first().waitFor();
    expect(await current.locator('[data-testid=budget]').count()).toBe(2);
    await screenshot(current, 'cli-feed', '[data-testid=feed]');
    await screenshot(current, 'cli-full');
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('creates a task on the page, assigns it there, and shows `tasks run` in another process take it to Done with its cost', async () => {
    const env = isolatedEnv();
    const { configDir, workDir } = quickStartCopy({ delayMs: 1_500 });
    const dashboard = await start(configDir, env);
    const { page: current, seen } = await open(dashboard);
    // The quick start's own three tasks are on the board.
    await cardOf(current, 'review-api').waitFor();

    await current.locator('[data-testid=new-task]').click();
    await current.locator('[data-testid=new-agent]').selectOption('backend-dev');
    await current.locator('[data-testid=new-title]').fill('Add the budget endpoint');
    await current.locator('[data-testid=new-priority]').selectOption('high');
    await current.locator('[data-testid=new-description]').fill('Implement **GET /budget**.');
    await current.locator('[data-testid=new-submit]').click();
    const inbox = current.locator('[data-testid=column][data-column=inbox] [data-testid=card]', {
      hasText: 'Add the budget endpoint',
    });
    await inbox.waitFor({ timeout: 15_000 });
    const id = (await inbox.getAttribute('data-key')) ?? '';
    expect(existsSync(join(workDir, `inbox/${id}.yaml`))).toBe(true);

    await inbox.click();
    await current.locator('[data-testid=detail-assign]').click();
    await current.locator('[data-testid=detail-message][data-kind=ok]').waitFor({ timeout: 15_000 });
    await current.keyboard.press('Escape');
    await cardOf(current, id).and(current.locator('[data-column=assigned]')).waitFor({ timeout: 15_000 });
    expect(existsSync(join(workDir, `assigned/backend-dev/${id}.yaml`))).toBe(true);

    // The runner is another process: the page learns of it from the task file and from telemetry.
    const run = runCli(env, ['tasks', 'run', '--config-dir', configDir, '--once', '--agent', 'backend-dev']);
    const running = cardOf(current, id).and(current.locator('[data-column=in_progress]'));
    await running.waitFor({ timeout: 20_000 });
    await running.locator('[data-testid=running]').waitFor({ timeout: 20_000 });
    await screenshot(current, 'cli-task-running', '[data-testid=board]');
    const finished = await run;
    expect(finished.code, finished.stderr).toBe(0);
    const done = cardOf(current, id).and(current.locator('[data-column=done]'));
    await done.waitFor({ timeout: 20_000 });
    const file = readFileSync(join(workDir, `done/backend-dev/${id}.yaml`), 'utf8');
    const cost = Number(/^ {2}cost_usd: ([\d.]+)$/m.exec(file)?.[1]);
    expect(cost).toBeGreaterThan(0);
    expect(await done.locator('[data-testid=card-spend]').textContent()).toMatch(
      /^\$[\d.]+ · [\d,]+ tokens · 1 attempt$/,
    );
    expect(await done.locator('[data-testid=card-spend]').textContent()).toContain(
      cost < 0.01 ? `$${Number(cost.toPrecision(2))}` : `$${cost.toFixed(2)}`,
    );
    expect(await done.locator('[data-testid=card-tool]').textContent()).toBe(
      'stand-in-json · stand-in-small',
    );

    await done.click();
    await current.locator('[data-testid=detail-answer] p').first().waitFor({ timeout: 15_000 });
    expect(await current.locator('[data-testid=detail-answer]').textContent()).toMatch(/\S/);
    await screenshot(current, 'cli-task-done', 'viewport');
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('shows a title made of HTML as text', async () => {
    const env = isolatedEnv();
    const { configDir, workDir } = quickStartCopy();
    const hostile = '<img src=x onerror=alert(1)>';
    writeTask(workDir, 'inbox/xss.yaml', { title: hostile, description: '<b>x</b>' });
    const dashboard = await start(configDir, env);
    const { page: current, seen } = await open(dashboard);
    const card = cardOf(current, 'xss');
    await card.waitFor();
    expect(await card.locator('[data-testid=card-title]').textContent()).toBe(hostile);
    await card.click();
    await current.locator('[data-testid=detail][open]').waitFor();
    expect(await current.locator('[data-testid=detail-title]').textContent()).toBe(hostile);
    expect(await current.locator('img, b').count()).toBe(0);
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });

  it('keeps working after the dashboard restarts on the same port with the same token', async () => {
    const env = isolatedEnv();
    const { configDir, workDir } = quickStartCopy();
    const first = await start(configDir, env);
    const { page: current, seen } = await open(first);
    await runExec(configDir, env, ['--agent', 'writer', '--prompt', 'before']);
    await execRows(current, 'writer').first().waitFor({ timeout: 20_000 });

    expect(await first.stop('SIGTERM')).toBe(0);
    await current.locator('[data-testid=connection]:not([data-state=live])').waitFor({ timeout: 15_000 });
    const second = await start(configDir, env, first.port);
    expect(second.port).toBe(first.port);

    const result = await runExec(configDir, env, ['--agent', 'backend-dev', '--prompt', 'after the restart']);
    expect(result.code, result.stderr).toBe(0);
    await execRows(current, 'backend-dev').first().waitFor({ timeout: 30_000 });
    writeTask(workDir, 'inbox/later.yaml', { title: 'After the restart' });
    await cardOf(current, 'later').waitFor({ timeout: 15_000 });
    await current.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 15_000 });
    expect(seen.dialogs).toEqual([]);
  });

  it("shows the config's project by default, and every project with --all-projects", async () => {
    const env = isolatedEnv();
    const alpha = quickStartCopy({ project: 'alpha' });
    const beta = quickStartCopy({ project: 'beta', dbPath: alpha.dbPath });
    // backend-dev's tool reports usage, so each of these requests costs something.
    for (const [configDir, text] of [
      [alpha.configDir, 'Add a health check'],
      [beta.configDir, 'Fix the login bug'],
      [beta.configDir, 'Write the migration'],
    ] as const) {
      const result = await runExec(configDir, env, ['--agent', 'backend-dev', '--prompt', text]);
      expect(result.code, result.stderr).toBe(0);
    }
    const dollars = async (current: Page) =>
      Number((await current.locator('[data-testid=spend-today]').textContent())?.replace(/[$,]/g, ''));
    const projectsOf = (current: Page) =>
      current
        .locator('[data-testid=feed-row]')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-project')));

    const scoped = await open(await start(alpha.configDir, env));
    expect(await scoped.page.locator('[data-testid=project]').textContent()).toBe('project alpha');
    expect(await projectsOf(scoped.page)).toEqual(['alpha']);
    expect(await scoped.page.locator('[data-testid=filter-project]').isVisible()).toBe(false);
    await scoped.page.locator('[data-testid=spend-today]', { hasText: /[1-9]/ }).waitFor({ timeout: 20_000 });
    const alphaSpend = await dollars(scoped.page);
    expect(scoped.seen).toEqual({ dialogs: [], errors: [] });
    await scoped.page.close();

    const all = await open(await start(alpha.configDir, env, 0, ['--all-projects']));
    expect(await all.page.locator('[data-testid=project]').textContent()).toBe('all projects');
    expect((await projectsOf(all.page)).sort()).toEqual(['alpha', 'beta', 'beta']);
    await all.page.locator('[data-testid=spend-today]', { hasText: /[1-9]/ }).waitFor({ timeout: 20_000 });
    expect(await dollars(all.page)).toBeGreaterThan(alphaSpend);
    await all.page.getByTestId('feed').getByLabel('Project').selectOption('beta');
    expect(await projectsOf(all.page)).toEqual(['beta', 'beta']);
    await screenshot(all.page, 'cli-all-projects', '[data-testid=feed]');
    expect(all.seen).toEqual({ dialogs: [], errors: [] });
  });

  it('refuses a port in use and a bad --port with a usage error', async () => {
    const env = isolatedEnv();
    const { configDir } = quickStartCopy();
    const first = await start(configDir, env);
    await expect(startDashboardCli(configDir, env, { port: first.port, token: TOKEN })).rejects.toThrow(
      new RegExp(`exited with 2[\\s\\S]*port ${first.port} is already in use[\\s\\S]*--port 0`),
    );
    await expect(startDashboardCli(configDir, env, { port: 70000, token: TOKEN })).rejects.toThrow(
      /exited with 2[\s\S]*--port must be an integer/,
    );
    await expect(startDashboardCli(configDir, env, { token: 'short' })).rejects.toThrow(
      /exited with 2[\s\S]*--token/,
    );
  });
});
