import { decideLlmKey, isMaskedKey } from './llm-key';

describe('decideLlmKey', () => {
  const stored = { provider: 'openai' as const, base_url: 'https://gw.example/v1', hasKey: true };

  it('a new key replaces, null or "" clear', () => {
    expect(decideLlmKey(stored, stored, 'sk-new')).toEqual({ action: 'set', key: 'sk-new' });
    expect(decideLlmKey(stored, stored, null)).toEqual({ action: 'clear', reason: 'requested' });
    expect(decideLlmKey(stored, stored, '')).toEqual({ action: 'clear', reason: 'requested' });
  });

  it('omitted or masked keeps the key for the same destination only', () => {
    for (const key of [undefined, '***', 'sk-p****']) {
      expect(decideLlmKey(stored, { provider: 'openai', base_url: 'https://GW.example/v1/' }, key)).toEqual({
        action: 'keep',
      });
      expect(decideLlmKey(stored, { provider: 'openai', base_url: 'http://127.0.0.1:9/v1' }, key)).toEqual({
        action: 'clear',
        reason: 'destination_changed',
      });
      expect(decideLlmKey(stored, { provider: 'openai' }, key)).toEqual({
        action: 'clear',
        reason: 'destination_changed',
      });
      expect(decideLlmKey(stored, { provider: 'vllm', base_url: 'https://gw.example/v1' }, key)).toEqual({
        action: 'clear',
        reason: 'destination_changed',
      });
    }
  });

  it('nothing stored: nothing to keep', () => {
    expect(decideLlmKey(undefined, { provider: 'openai' }, undefined)).toEqual({
      action: 'clear',
      reason: 'none_stored',
    });
    expect(decideLlmKey({ ...stored, hasKey: false }, stored, '***')).toEqual({
      action: 'clear',
      reason: 'none_stored',
    });
  });

  it('recognises masked placeholders', () => {
    expect(isMaskedKey('***')).toBe(true);
    expect(isMaskedKey('sk-l****')).toBe(true);
    expect(isMaskedKey('****')).toBe(true);
    expect(isMaskedKey('sk-live-123')).toBe(false);
  });
});
