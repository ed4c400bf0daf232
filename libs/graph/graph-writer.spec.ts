import { assertSafeLabel, GraphWriteError } from './graph-writer';

describe('graph writer label safety', () => {
  it('accepts identifiers and rejects anything that could break out of a label', () => {
    expect(assertSafeLabel('Person')).toBe('Person');
    expect(assertSafeLabel('HAS_COLUMN', 'type')).toBe('HAS_COLUMN');
    for (const bad of ['', 'a b', 'X`) DETACH DELETE n //', '1abc', 'Entity', 'Staged', 'x'.repeat(65)]) {
      expect(() => assertSafeLabel(bad)).toThrow(GraphWriteError);
    }
  });
});
