export const routeReasons = [
  'preferred',
  'task_type',
  'override',
  'fallback',
  'cost_optimization',
  'above_threshold',
  'escalation',
  'retry',
] as const;
export type RouteReason = (typeof routeReasons)[number];

/** One (tool, model) pair the kernel may try, and why it is in the plan. */
export interface Candidate {
  tool: string;
  model: string;
  reason: RouteReason;
}
