import { MAX_MEMORY_REQUESTS, memoryRequests, memorySourceType } from './after-turn-memory';

describe('after-turn memory requests', () => {
  it.each([
    ['Remember that we never deploy on Fridays.', [{ kind: 'fact', text: 'we never deploy on Fridays' }]],
    ['Remember that v1.2 is pinned. Then list the pods.', [{ kind: 'fact', text: 'v1.2 is pinned' }]],
    ['remember: the on-call handle is @ops-primary', [{ kind: 'fact', text: 'the on-call handle is @ops-primary' }]],
    [
      'Thanks! Please remember that I prefer answers in UK English.',
      [{ kind: 'preference', text: 'I prefer answers in UK English' }],
    ],
    [
      "Don't forget that codename Falcon is the billing service",
      [{ kind: 'fact', text: 'codename Falcon is the billing service' }],
    ],
    ['remember always answer in bullet points', [{ kind: 'preference', text: 'always answer in bullet points' }]],
    [
      'What is up with redis?\nremember that restarting Redis fixed it last time\nnote: the cache is in eu-west-1',
      [
        { kind: 'fact', text: 'restarting Redis fixed it last time' },
        { kind: 'fact', text: 'the cache is in eu-west-1' },
      ],
    ],
  ])('%j', (message, expected) => {
    expect(memoryRequests(message)).toEqual(expected);
  });

  it.each([
    'remember to restart the pod tomorrow',
    'Do you remember what we did yesterday?',
    'I cannot remember the password',
    'the remembered value is 3',
    'Remember that ',
    'list the pods',
  ])('asks nothing to be kept: %j', (message) => {
    expect(memoryRequests(message)).toEqual([]);
  });

  it('keeps each entry once and at most a handful per message', () => {
    expect(memoryRequests('remember that a. Remember that A.')).toEqual([{ kind: 'fact', text: 'a' }]);
    const many = Array.from({ length: 9 }, (_, i) => `remember that item ${i}`).join('\n');
    expect(memoryRequests(many)).toHaveLength(MAX_MEMORY_REQUESTS);
  });

  it('bounds the text', () => {
    expect(memoryRequests(`remember that ${'x'.repeat(5000)}`)[0].text).toHaveLength(4000);
  });

  it('maps the turn kind to the memory source', () => {
    expect(memorySourceType('chat')).toBe('chat');
    expect(memorySourceType('agent_run')).toBe('chat');
    expect(memorySourceType('task')).toBe('task');
    expect(memorySourceType('incoming')).toBe('channel');
  });
});
