/**
 * Plan windows on the page, end to end through the real pieces: a config billing its tool by subscription, the
 * telemetry and policy plugins on a real SQLite database, one kernel recording readings (as `exec` in another terminal
 * would, through telemetry's PlanWindowsV1), the dashboard's own kernel, sources and server reading them, and the page
 * in headless Chromium following them live.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKernel, type Kernel } from '@llm-service/core';
import { PlanWindowsToken, type PlanWindowObservation, type PlanWindowsV1 } from '@llm-service/spec';
import { createScriptedAdapter, definePluginForTests, writeTestConfig } from '@llm-service/testkit/testing';
import policyPlugin from '@llm-service/policy';
import telemetryPlugin from '@llm-service/telemetry';
import { MissingBoard } from '../src/board/index.js';
import { openDashboardSources } from '../src/feed/index.js';
import { startDashboardServer } from '../src/server/index.js';
import { wallClock } from '../src/web/plan-window-text.js';
import { chromiumMissing, launchChromium, screenshot, watchPage, webDistDir } from './support.js';

const TOKEN = 'plan-windows-token-0123456789';
/** The page's clock is set to this zone, so the reset times it prints can be worked out here. */
const TIME_ZONE = 'Europe/Paris';
const MINUTE = 60_000;

describe.skipIf(chromiumMissing)('plan windows on the dashboard page, live from telemetry', () => {
  let browser: Browser;
  let context: BrowserContext | undefined;
  const cleanups: (() => Promise<void> | void)[] = [];

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
    await context?.close();
    context = undefined;
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A config whose `claude` tool is billed by subscription, with one dollar budget to show beside its windows. */
  function subscriptionConfig(): string {
    const root = mkdtempSync(join(tmpdir(), 'llm-service-dashboard-windows-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    return writeTestConfig(join(root, 'config'), {
      agents: { writer: { preferred_tool: 'claude', preferred_model: 'big' } },
      tools: {
        claude: { adapter: 'scripted', binary: 'claude', models: ['big'], billing: 'subscription' },
      },
      models: { big: { input_per_mtok: 10, output_per_mtok: 50 } },
      settings: { telemetry: { db_path: join(root, 'telemetry.db') } },
      files: {
        'policies.yaml': {
          version: 1,
          budgets: [{ scope: 'global', period: 'daily', limit_usd: 5, mode: 'soft', alert_at_percent: 80 }],
        },
      },
    });
  }

  function kernelFor(configDir: string): Kernel {
    const kernel = createKernel({
      configDir,
      cwd: configDir,
      env: {},
      logger: { warn: () => undefined },
      plugins: [
        telemetryPlugin,
        policyPlugin,
        definePluginForTests({ adapters: [createScriptedAdapter('scripted', [{ answer: 'unused' }])] }),
      ],
    });
    cleanups.push(() => kernel.dispose());
    return kernel;
  }

  /** The dashboard as `llm-service dashboard` runs it, on its own kernel: sources, server, no task board. */
  async function serveDashboard(configDir: string) {
    const sources = await openDashboardSources(kernelFor(configDir));
    cleanups.push(() => sources.close());
    const server = await startDashboardServer({
      board: new MissingBoard('no task board in this test'),
      sources,
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
    });
    cleanups.push(() => server.close());
    return server;
  }

  async function recorderFor(configDir: string): Promise<PlanWindowsV1> {
    const planWindows = await kernelFor(configDir).service(PlanWindowsToken);
    if (!planWindows) throw new Error('the telemetry plugin provides no PlanWindowsV1');
    return planWindows;
  }

  const reading = (overrides: Partial<PlanWindowObservation>): PlanWindowObservation => ({
    tool: 'claude',
    window: 'five_hour',
    status: 'allowed',
    observedAt: new Date().toISOString(),
    ...overrides,
  });

  it('shows each window as a gauge beside the budgets and follows new readings without a reload', async () => {
    const configDir = subscriptionConfig();
    const server = await serveDashboard(configDir);
    const planWindows = await recorderFor(configDir);

    context = await browser.newContext({ viewport: { width: 1440, height: 1000 }, timezoneId: TIME_ZONE });
    const page: Page = await context.newPage();
    const seen = watchPage(page);
    await page.goto(server.pageUrl);
    await page.locator('[data-testid=connection][data-state=live]').waitFor({ timeout: 10_000 });
    await page.locator('[data-testid=budget]').first().waitFor();
    // Nothing observed yet: the windows' part is not shown at all.
    expect(await page.locator('[data-testid=plan-windows]').isVisible()).toBe(false);
    // A mark on the page that a reload would lose: the gauges below must change in this same page. (Code run in the
    // page is given as a string: this file is type-checked without the DOM's types.)
    await page.evaluate('window.sameDocument = true');

    // Seconds added so that "in 1 h 12 min" still holds while the reading travels to the page.
    const resetsAt = new Date(Date.now() + 72 * MINUTE + 40_000);
    const clock = wallClock(resetsAt, new Date(), TIME_ZONE);
    await planWindows.record(reading({ utilization: 0.4, resetsAt: resetsAt.toISOString() }));

    const fiveHour = page.locator('[data-testid=plan-window][data-tool=claude][data-window=five_hour]');
    await fiveHour.waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid=plan-windows]').isVisible()).toBe(true);
    expect(await fiveHour.locator('.gauge-head').innerText()).toMatch(/^claude\s+5-hour\s+allowed$/);
    expect(await fiveHour.locator('[data-testid=plan-window-used]').textContent()).toBe('40% used');
    expect(await fiveHour.locator('[data-testid=plan-window-resets]').textContent()).toBe(
      `resets ${clock} (in 1 h 12 min)`,
    );
    const meter = fiveHour.getByRole('meter', { name: 'claude 5-hour window' });
    expect(await meter.getAttribute('aria-valuenow')).toBe('40');
    expect(await meter.getAttribute('aria-valuetext')).toBe('40% used, allowed');
    expect(await fiveHour.locator('[data-testid=plan-window-age]').count()).toBe(0);

    // A new reading of the same window: the gauge moves to a warning, in the alert colour and in words.
    await planWindows.record(
      reading({ status: 'warning', utilization: 0.93, resetsAt: resetsAt.toISOString() }),
    );
    await page.locator('[data-testid=plan-window][data-window=five_hour][data-status=warning]').waitFor({
      timeout: 15_000,
    });
    expect(await fiveHour.locator('[data-testid=plan-window-status]').textContent()).toBe('warning');
    expect(await fiveHour.locator('[data-testid=plan-window-used]').textContent()).toBe('93% used');
    expect(await fiveHour.getAttribute('class')).toContain('state-alert');
    expect(await meter.getAttribute('aria-valuenow')).toBe('93');
    expect(await fiveHour.locator('.gauge-fill').getAttribute('style')).toBe('width: 93%;');

    // The weekly window, read twenty minutes ago (a late report): shown with its age, after the 5-hour one.
    const weeklyReset = new Date(Date.now() + 3 * 24 * 60 * MINUTE);
    await planWindows.record(
      reading({
        window: 'seven_day',
        utilization: 0.2,
        resetsAt: weeklyReset.toISOString(),
        observedAt: new Date(Date.now() - 20 * MINUTE).toISOString(),
      }),
    );
    const weekly = page.locator('[data-testid=plan-window][data-window=seven_day]');
    await weekly.waitFor({ timeout: 15_000 });
    expect(await weekly.locator('.window-name').textContent()).toBe('weekly');
    expect(await weekly.locator('[data-testid=plan-window-age]').textContent()).toBe('as of 20 min ago');
    expect(
      await page
        .locator('[data-testid=plan-window]')
        .evaluateAll((gauges) => gauges.map((gauge) => gauge.getAttribute('data-window'))),
    ).toEqual(['five_hour', 'seven_day']);

    // The 5-hour window used up and a request refused: the tool is held until the reset, and the gauge says so.
    await planWindows.record(
      reading({ status: 'rejected', utilization: 1, resetsAt: resetsAt.toISOString() }),
    );
    // What the telemetry plugin records when claude then refuses a request for its plan.
    await planWindows.hold({
      tool: 'claude',
      until: resetsAt.toISOString(),
      reason: "You've hit your 5-hour limit",
      window: 'five_hour',
    });
    await page.locator('[data-testid=plan-window][data-window=five_hour][data-held=true]').waitFor({
      timeout: 15_000,
    });
    expect(await fiveHour.getAttribute('class')).toContain('state-exceeded');
    expect(await fiveHour.locator('[data-testid=plan-window-status]').textContent()).toBe('rejected');
    expect(await fiveHour.locator('[data-testid=plan-window-held]').textContent()).toMatch(
      new RegExp(`^held until ${clock} \\(in 1 h 1[12] min\\)$`),
    );
    expect(await fiveHour.locator('[data-testid=plan-window-held]').getAttribute('title')).toBe(
      "You've hit your 5-hour limit",
    );
    // The hold is the 5-hour window's doing: the weekly gauge does not repeat it.
    expect(await weekly.locator('[data-testid=plan-window-held]').count()).toBe(0);

    expect(await page.evaluate('window.sameDocument')).toBe(true);
    await screenshot(page, 'plan-windows', '[data-testid=budgets]');
    expect(seen).toEqual({ dialogs: [], errors: [] });
  });
});
