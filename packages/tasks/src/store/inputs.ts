import { identifierSchema, lazySchema, taskPriorities, taskStatuses, z } from '@llm-service/spec';
import { isIsoUtc } from '../file/schema.js';

/** What callers hand the store, checked at its edge (a library caller's object is not trusted to match the types). */
const count = lazySchema(() => z.number().int().min(0));
const oneLine = lazySchema(() =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200, 'must be at most 200 characters')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
    .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), 'must be one line of text'),
);

export const taskResultInput = lazySchema(() =>
  z.strictObject({
    summary: z.string().optional(),
    artefacts: z.array(z.string()).optional(),
    nextAgent: identifierSchema.optional(),
    nextTaskTitle: z.string().optional(),
    nextTaskNotes: z.string().optional(),
    tool: z.string().optional(),
    model: z.string().optional(),
    attempts: count.optional(),
    tokens: z.strictObject({ input: count, output: count, cacheRead: count, cacheWrite: count }).optional(),
    costUsd: z.number().min(0).refine(Number.isFinite, 'must be a finite number').optional(),
    chainId: z.string().optional(),
    answer: z.string().optional(),
  }),
);

export const taskErrorInput = lazySchema(() =>
  z.strictObject({
    message: z.string(),
    kind: z.string().min(1),
    attempts: count.optional(),
    at: z.string().refine(isIsoUtc, 'must be ISO 8601 UTC with Z'),
  }),
);

export const taskChangeInput = lazySchema(() =>
  z.strictObject({
    to: z.enum(taskStatuses),
    agent: identifierSchema.optional(),
    result: taskResultInput.optional(),
    error: taskErrorInput.optional(),
    retry: z.boolean().optional(),
  }),
);

export const newTaskInput = lazySchema(() =>
  z.strictObject({
    agent: identifierSchema,
    title: oneLine,
    priority: z.enum(taskPriorities).optional(),
    taskType: z.string().min(1).optional(),
    description: z.string().optional(),
    acceptanceCriteria: z.array(z.string()).optional(),
    context: z
      .strictObject({ notes: z.string().optional(), files: z.array(z.string()).optional() })
      .optional(),
    dependsOn: z.array(z.string().min(1)).optional(),
    assign: z.boolean().optional(),
  }),
);

export const taskEditInput = lazySchema(() =>
  z.strictObject({
    priority: z.enum(taskPriorities).optional(),
  }),
);
