import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { userConfigHome, userDataHome } from '@llm-service/plugin-kit';
import { discoverConfigDir } from './discover-config-dir.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'llm-service-discover-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('discoverConfigDir', () => {
  it('takes the flag first, resolved against the working directory', () => {
    const project = join(root, 'project');
    mkdirSync(join(project, '.llm-service'), { recursive: true });
    expect(
      discoverConfigDir({
        configDir: 'conf',
        cwd: project,
        env: { LLM_SERVICE_CONFIG_DIR: '/from/env', HOME: root },
      }),
    ).toEqual({ dir: join(project, 'conf'), source: 'flag' });
  });

  it('then LLM_SERVICE_CONFIG_DIR', () => {
    const project = join(root, 'project');
    mkdirSync(join(project, '.llm-service'), { recursive: true });
    expect(
      discoverConfigDir({ cwd: project, env: { LLM_SERVICE_CONFIG_DIR: '/from/env', HOME: root } }),
    ).toEqual({
      dir: '/from/env',
      source: 'env',
    });
    expect(
      discoverConfigDir({ cwd: project, env: { LLM_SERVICE_CONFIG_DIR: 'relative', HOME: root } }),
    ).toEqual({
      dir: join(project, 'relative'),
      source: 'env',
    });
  });

  it('then ./.llm-service in the working directory or the nearest parent, as a project config', () => {
    const project = join(root, 'project');
    const nested = join(project, 'src', 'deep');
    mkdirSync(join(project, '.llm-service'), { recursive: true });
    mkdirSync(nested, { recursive: true });
    const env = { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'xdg') };
    expect(discoverConfigDir({ cwd: project, env })).toEqual({
      dir: join(project, '.llm-service'),
      source: 'project',
    });
    expect(discoverConfigDir({ cwd: nested, env })).toEqual({
      dir: join(project, '.llm-service'),
      source: 'project',
    });
    // The nearest one wins.
    mkdirSync(join(project, 'src', '.llm-service'));
    expect(discoverConfigDir({ cwd: nested, env })).toEqual({
      dir: join(project, 'src', '.llm-service'),
      source: 'project',
    });
  });

  it('ignores a file named .llm-service', () => {
    const project = join(root, 'project');
    mkdirSync(project);
    writeFileSync(join(project, '.llm-service'), '');
    const env = { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'xdg') };
    expect(discoverConfigDir({ cwd: project, env }).source).toBe('user');
  });

  it('else $XDG_CONFIG_HOME/llm-service, else ~/.config/llm-service, as the user config', () => {
    const project = join(root, 'project');
    mkdirSync(project);
    expect(
      discoverConfigDir({
        cwd: project,
        env: { HOME: join(root, 'home'), XDG_CONFIG_HOME: join(root, 'xdg') },
      }),
    ).toEqual({
      dir: join(root, 'xdg', 'llm-service'),
      source: 'user',
    });
    expect(discoverConfigDir({ cwd: project, env: { HOME: join(root, 'home') } })).toEqual({
      dir: join(root, 'home', '.config', 'llm-service'),
      source: 'user',
    });
    // An empty XDG variable counts as unset (XDG Base Directory specification).
    expect(
      discoverConfigDir({ cwd: project, env: { HOME: join(root, 'home'), XDG_CONFIG_HOME: '' } }).dir,
    ).toBe(join(root, 'home', '.config', 'llm-service'));
  });

  it('userConfigHome and userDataHome follow XDG with HOME defaults', () => {
    expect(userConfigHome({ HOME: '/h' })).toBe('/h/.config/llm-service');
    expect(userConfigHome({ HOME: '/h', XDG_CONFIG_HOME: '/c' })).toBe('/c/llm-service');
    expect(userDataHome({ HOME: '/h' })).toBe('/h/.local/share/llm-service');
    expect(userDataHome({ HOME: '/h', XDG_DATA_HOME: '/d' })).toBe('/d/llm-service');
  });
});
