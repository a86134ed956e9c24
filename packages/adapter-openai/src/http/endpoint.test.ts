import { describe, expect, it } from 'vitest';
import { apiKeyOf, endpointUrl, requestHeaders, secretRedactor } from './endpoint.js';

describe('endpoints and headers', () => {
  it('appends the path to the API root, with or without its trailing slash', () => {
    expect(endpointUrl({ base_url: 'http://127.0.0.1:11434/v1' }, 'chat/completions')).toBe(
      'http://127.0.0.1:11434/v1/chat/completions',
    );
    expect(endpointUrl({ base_url: 'https://openrouter.ai/api/v1/' }, 'models')).toBe(
      'https://openrouter.ai/api/v1/models',
    );
  });

  it('takes the key from the variable api_key_env names, never from an empty one', () => {
    expect(apiKeyOf({ api_key_env: 'K' }, { K: 'sk-1' })).toBe('sk-1');
    expect(apiKeyOf({ api_key_env: 'K' }, { K: '' })).toBeUndefined();
    expect(apiKeyOf({ api_key_env: undefined }, { K: 'sk-1' })).toBeUndefined();
  });

  it('sends the key as a bearer token beside the extra headers, and the adapter’s own last', () => {
    expect(requestHeaders({ headers: { 'x-team': 'a' } }, 'sk-1', { accept: 'application/json' })).toEqual({
      'x-team': 'a',
      authorization: 'Bearer sk-1',
      accept: 'application/json',
    });
    expect(requestHeaders({ headers: {} }, undefined, {})).toEqual({});
  });

  it('strikes the key and header values of any shape from text, and keeps short ordinary values', () => {
    const redact = secretRedactor(
      { headers: { 'api-key': 'azure-like-k3y', 'x-flag': '1' } },
      'plain-words-key',
    );
    expect(redact('Incorrect API key provided: plain-words-key; api-key azure-like-k3y; x-flag 1')).toBe(
      'Incorrect API key provided: [REDACTED]; api-key [REDACTED]; x-flag 1',
    );
    // What redactSecrets recognises goes too, whoever it belongs to.
    expect(redact('other key sk-proj-abcdefghijklmnop')).toBe('other key sk-[REDACTED]');
  });
});
