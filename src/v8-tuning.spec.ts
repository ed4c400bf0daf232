import { setFlagsFromString } from 'node:v8';
import { applyV8Tuning } from './v8-tuning';

jest.mock('node:v8', () => ({ setFlagsFromString: jest.fn() }));

describe('applyV8Tuning', () => {
  beforeEach(() => jest.mocked(setFlagsFromString).mockClear());

  it('sets the heap growing percent the configuration gives', () => {
    applyV8Tuning({ heapGrowingPercent: 20 });
    expect(setFlagsFromString).toHaveBeenCalledWith('--heap-growing-percent=20');
  });

  it("leaves V8's own growing factor when the setting is 0", () => {
    applyV8Tuning({ heapGrowingPercent: 0 });
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });
});
