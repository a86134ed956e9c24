import { isAbsolute } from 'node:path';
import type {
  NewTaskV1,
  TaskChangeV1,
  TaskEditV1,
  TaskFileProblemV1,
  TaskListingV1,
  TaskStatus,
  TaskStoreV1,
  TaskV1,
} from '@llm-service/spec';
import type {
  FileTaskStore,
  MigrationReport,
  TaskDirectoryRead,
  TaskStoreOptions,
  ValidationReport,
} from './store/task-store.js';

/**
 * The task store the plugin provides (`TaskStoreToken`): a {@link FileTaskStore} whose code (the store, the task
 * file's schema, parser, writer and migrations) loads at its first call, not with the plugin. Every CLI start loads
 * the plugin and almost none touches a task. It answers as the store it stands for: the same methods, results and
 * errors, and the same paths checked at once.
 */
export class LazyTaskStore implements TaskStoreV1 {
  readonly specificationVersion = 'v1' as const;
  readonly workDir: string;
  readonly projectDir: string;
  readonly #options: TaskStoreOptions;
  #store: Promise<FileTaskStore> | undefined;

  constructor(options: TaskStoreOptions) {
    // As FileTaskStore's own constructor, so a wrong path fails here and not at the first call.
    if (!isAbsolute(options.workDir)) throw new TypeError(`workDir must be absolute, got ${options.workDir}`);
    if (!isAbsolute(options.projectDir))
      throw new TypeError(`projectDir must be absolute, got ${options.projectDir}`);
    this.workDir = options.workDir;
    this.projectDir = options.projectDir;
    this.#options = options;
  }

  #loaded(): Promise<FileTaskStore> {
    return (this.#store ??= import('./store/task-store.js').then(
      ({ FileTaskStore: Store }) => new Store(this.#options),
    ));
  }

  async list(filter?: { status?: readonly TaskStatus[]; agent?: string }): Promise<TaskListingV1> {
    return (await this.#loaded()).list(filter);
  }

  async get(id: string): Promise<TaskV1 | undefined> {
    return (await this.#loaded()).get(id);
  }

  async find(id: string): Promise<{ task: TaskV1 | undefined; problems: TaskFileProblemV1[] }> {
    return (await this.#loaded()).find(id);
  }

  async ids(): Promise<string[]> {
    return (await this.#loaded()).ids();
  }

  async create(input: NewTaskV1): Promise<TaskV1> {
    return (await this.#loaded()).create(input);
  }

  async transition(id: string, change: TaskChangeV1, expectedRevision: string): Promise<TaskV1> {
    return (await this.#loaded()).transition(id, change, expectedRevision);
  }

  async edit(id: string, edit: TaskEditV1, expectedRevision: string): Promise<TaskV1> {
    return (await this.#loaded()).edit(id, edit, expectedRevision);
  }

  async readAnswer(id: string): Promise<string | undefined> {
    return (await this.#loaded()).readAnswer(id);
  }

  atWorkDir(workDir: string): LazyTaskStore {
    return new LazyTaskStore({ ...this.#options, workDir });
  }

  watch(onChange: () => void): () => void {
    let stopped = false;
    let stop: (() => void) | undefined;
    void this.#loaded().then((store) => {
      if (!stopped) stop = store.watch(onChange);
    });
    return () => {
      stopped = true;
      stop?.();
    };
  }

  async validate(): Promise<ValidationReport> {
    return (await this.#loaded()).validate();
  }

  async migrate(options?: { dryRun?: boolean }): Promise<MigrationReport> {
    return (await this.#loaded()).migrate(options);
  }

  async readAll(options: { repair: boolean }): Promise<TaskDirectoryRead> {
    return (await this.#loaded()).readAll(options);
  }
}
