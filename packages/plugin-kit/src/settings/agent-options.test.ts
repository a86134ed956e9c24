import { describe, expect, it } from 'vitest';
import { z } from '@llm-service/spec';
import { agentOptionsOrDefaults } from './agent-options.js';

const schema = z.object({ effort: z.string().default('medium') });

describe('agentOptionsOrDefaults', () => {
  it("keeps an agent's options, and gives the schema's defaults to one without", () => {
    expect(agentOptionsOrDefaults({ effort: 'high' }, schema)).toEqual({ effort: 'high' });
    expect(agentOptionsOrDefaults(undefined, schema)).toEqual({ effort: 'medium' });
    expect(agentOptionsOrDefaults(undefined, schema)).toBe(agentOptionsOrDefaults(undefined, schema));
  });
});
