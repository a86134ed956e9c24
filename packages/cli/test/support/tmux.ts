import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const exitRecorder = fileURLToPath(new URL('./exit-recorder.mjs', import.meta.url));

/**
 * Drives the CLI through a real pseudo-terminal with tmux (Debian package `tmux`, installed by .ci/run). Every
 * process starts with an argv, never through a shell: tmux runs a command given as several arguments directly.
 */
export function tmuxUnavailable(): string | undefined {
  const probe = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0)
    return 'tmux is not installed (apt-get install -y tmux; .ci/run installs it when run as root)';
  return undefined;
}

export class TmuxSession {
  readonly socket = `llm-service-test-${randomBytes(4).toString('hex')}`;
  readonly #statusFile = join(mkdtempSync(join(tmpdir(), 'llm-service-tmux-')), 'status');

  constructor(
    argv: readonly string[],
    options: { cwd: string; env: Record<string, string>; width?: number; height?: number },
  ) {
    // A new server per session (its own socket) inherits exactly this environment.
    const started = this.#tmux(
      [
        'new-session',
        '-d',
        '-s',
        'main',
        '-x',
        String(options.width ?? 100),
        '-y',
        String(options.height ?? 30),
        '-c',
        options.cwd,
        process.execPath,
        exitRecorder,
        this.#statusFile,
        ...argv,
        ';',
        'set-option',
        '-t',
        'main',
        'remain-on-exit',
        'on',
      ],
      { ...options.env, TERM: 'xterm-256color' },
    );
    if (started.status !== 0) throw new Error(`tmux failed to start: ${started.stderr}`);
  }

  #tmux(args: readonly string[], env: Record<string, string> = { PATH: process.env.PATH ?? '' }) {
    return spawnSync('tmux', ['-f', '/dev/null', '-L', this.socket, ...args], { encoding: 'utf8', env });
  }

  /** Keys as tmux names them (`Enter`, `Space`, `Down`, `C-c`) or literal text with `literal`. */
  send(keys: string, literal = false): void {
    this.#tmux(['send-keys', '-t', 'main', ...(literal ? ['-l'] : []), keys]);
  }

  screen(): string {
    return this.#tmux(['capture-pane', '-p', '-J', '-t', 'main', '-S', '-200']).stdout;
  }

  /** The command's exit status once it has ended, else undefined. */
  exitStatus(): number | undefined {
    if (!existsSync(this.#statusFile)) return undefined;
    const text = readFileSync(this.#statusFile, 'utf8');
    return /^\d+$/.test(text) ? Number(text) : undefined;
  }

  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${pattern}; the screen shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async waitForExit(timeoutMs = 15_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = this.exitStatus();
      if (status !== undefined) return status;
      if (Date.now() > deadline)
        throw new Error(`the command did not end; the screen shows:\n${this.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  kill(): void {
    this.#tmux(['kill-server']);
  }
}
