import { globMatch, ruleMatches, type ChannelMessage } from './channel-message';

const msg = (over: Partial<ChannelMessage> = {}): ChannelMessage => ({
  channel: 'slack',
  from: 'U123',
  chat: 'C42',
  thread: '1.0',
  team: 'T1',
  conversationType: 'channel',
  mentioned: false,
  text: 'hi',
  ...over,
});

describe('channel binding rules', () => {
  it('glob: * wildcards only, anchored', () => {
    expect(globMatch('+4420*', '+442071234')).toBe(true);
    expect(globMatch('+4420*', '+4520')).toBe(false);
    expect(globMatch('*bot*', 'my-bot-1')).toBe(true);
    expect(globMatch('a*a', 'a')).toBe(false);
    expect(globMatch('(a+)+$', '(a+)+$')).toBe(true);
  });

  it('every present key must match (AND); an empty rule matches everything', () => {
    expect(ruleMatches({}, msg())).toBe(true);
    expect(ruleMatches({ slack_channel: '#C42', slack_user: '@U123' }, msg())).toBe(true);
    expect(ruleMatches({ slack_channel: 'C42', conversation_type: 'im' }, msg())).toBe(false);
    expect(ruleMatches({ mentioned: true }, msg())).toBe(false);
    expect(ruleMatches({ mentioned: true, team: 'T1' }, msg({ mentioned: true }))).toBe(true);
    expect(ruleMatches({ from: 'U1*' }, msg())).toBe(true);
    expect(ruleMatches({ text_regex: '^h(i|ello)$' }, msg())).toBe(true);
    expect(ruleMatches({ text_regex: '^bye' }, msg())).toBe(false);
    expect(ruleMatches({ text_regex: '(a+)+$' }, msg({ text: `${'a'.repeat(5000)}!` }))).toBe(false);
  });

  it('whatsapp group/to and incoming endpoint keys', () => {
    const wa = msg({ channel: 'whatsapp', from: '+15550100200', chat: '120363@g.us', to: '+15550100999' });
    expect(ruleMatches({ group: '120363@g.us' }, wa)).toBe(true);
    expect(ruleMatches({ group: '*@g.us', to: '+15550100999' }, wa)).toBe(true);
    expect(ruleMatches({ to: '+15550100000' }, wa)).toBe(false);
    expect(ruleMatches({ group: '+1555*' }, wa)).toBe(false);
    const inc = msg({ channel: 'incoming', endpoint: 'e-1', from: 'vip-1' });
    expect(ruleMatches({ endpoint: 'e-1', from: 'vip-*' }, inc)).toBe(true);
    expect(ruleMatches({ endpoint: 'e-2' }, inc)).toBe(false);
    expect(ruleMatches({ endpoint: 'e-1' }, msg())).toBe(false);
  });
});
