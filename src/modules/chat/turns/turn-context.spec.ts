import type { ArtifactsContract, ArtifactText } from 'src/modules/artifacts/artifacts.contract';
import type { ConversationEntity, MessageEntity, TurnEntity } from 'src/modules/chat/chat.entity';
import type { ChatAgent } from 'src/modules/chat/context/chat-agent';
import type { ChatSecurity } from 'src/modules/chat/context/chat-security';
import type { GraphContextNode, GraphContract } from 'src/modules/graph/graph.contract';
import type { MemoryContract } from 'src/modules/memory/memory.contract';
import type { SkillsContract } from 'src/modules/skills/skills.contract';
import type { HistoryCompactor } from './history-compactor';
import {
  ATTACHMENT_CHARS,
  ATTACHMENTS_TOTAL_CHARS,
  CONTEXT_GRAPH_CHARS,
  graphSection,
  renderAttachment,
  TurnContextBuilder,
} from './turn-context';
import type { StartTurnInput } from './turn-state';

const node = (i: number, summary: string | null = null): GraphContextNode => ({
  id: `n_${i}`,
  labels: ['Service'],
  name: `svc-${i}`,
  realm: 'infrastructure',
  summary,
});
const userMsg = (id: string, content: string, attachments: string[] | null): MessageEntity =>
  ({ id, role: 'user', content, attachments, toolCalls: [], compacted: false, kind: null }) as unknown as MessageEntity;
const textArt = (id: string, text: string | null, maxChars: number): ArtifactText => ({
  id,
  name: `${id}.txt`,
  mime: text === null ? 'image/png' : 'text/plain; charset=utf-8',
  sizeBytes: text?.length ?? 10,
  text: text === null ? null : text.slice(0, maxChars),
  truncated: text !== null && text.length > maxChars,
});

describe('turn context: graph section and attachments', () => {
  it('graphSection: one line per node, within the character cap', () => {
    expect(graphSection([node(1, 'edge  gateway\nin front')])).toBe(
      '- [Service] svc-1 (n_1, realm infrastructure): edge gateway in front',
    );
    const many = graphSection(Array.from({ length: 50 }, (_, i) => node(i, 'x'.repeat(200))));
    expect(many.length).toBeLessThanOrEqual(CONTEXT_GRAPH_CHARS);
    expect(many.split('\n').length).toBeGreaterThan(1);
    expect(graphSection([])).toBe('');
  });

  it('renderAttachment: text block, binary line, budget used up, missing', () => {
    expect(renderAttachment('a', textArt('a', 'hello', 100))).toBe(
      '[Attached file: a.txt (text/plain; charset=utf-8, 5 bytes)]\nhello\n[end of a.txt]',
    );
    expect(renderAttachment('b', textArt('b', null, 100))).toBe(
      '[Attached file: b.txt (image/png, 10 bytes): binary, content not shown]',
    );
    expect(renderAttachment('c', textArt('c', 'abc', 0))).toContain('budget of this context is used up');
    expect(renderAttachment('d', textArt('d', 'abcdef', 3))).toContain(
      'abc\n[d.txt: the rest of the file is left out]',
    );
    expect(renderAttachment('art_x', null)).toBe('[Attached file art_x: not available]');
  });

  describe('TurnContextBuilder.build', () => {
    const turn = { id: 't1', assistantMessageId: 'm-out' } as TurnEntity;
    const conversation = { id: 'c1', realm: 'infrastructure' } as ConversationEntity;
    const agent = { systemPrompt: null, skills: [], model: null } as unknown as ChatAgent;
    const input = {
      orgId: 'org',
      content: 'is quokka up?',
      actor: { userId: 'u1' },
      source: 'chat',
    } as unknown as StartTurnInput;
    const memory = { recall: () => Promise.resolve([]) } as unknown as MemoryContract;
    const skills = { promptSection: () => Promise.resolve('') } as unknown as SkillsContract;
    const compactor = (messages: MessageEntity[]) =>
      ({ history: () => Promise.resolve({ summary: null, messages }) }) as unknown as HistoryCompactor;
    const build = (b: TurnContextBuilder) =>
      b.build(
        turn,
        conversation,
        agent,
        {} as ChatSecurity,
        input,
        () => undefined,
        () => Promise.resolve(false),
      );

    it('asks the graph within the conversation realm and adds the section', async () => {
      const calls: unknown[] = [];
      const graph = {
        searchForContext: (...args: unknown[]) => {
          calls.push(args);
          return Promise.resolve([node(1, 'the gateway')]);
        },
      } as unknown as GraphContract;
      const ctx = await build(
        new TurnContextBuilder(memory, skills, compactor([]), graph, {} as unknown as ArtifactsContract),
      );
      expect(calls).toEqual([['org', 'is quokka up?', { realm: 'infrastructure', limit: 5 }]]);
      expect(ctx.system).toContain('## Knowledge graph');
      expect(ctx.system).toContain('svc-1 (n_1, realm infrastructure): the gateway');
    });

    it('a failing graph or artifact store never fails the turn: the section is left out, the file listed as not available', async () => {
      const graph = { searchForContext: () => Promise.reject(new Error('neo4j down')) } as unknown as GraphContract;
      const artifacts = { readText: () => Promise.reject(new Error('disk gone')) } as unknown as ArtifactsContract;
      const ctx = await build(
        new TurnContextBuilder(memory, skills, compactor([userMsg('m1', 'see file', ['art_1'])]), graph, artifacts),
      );
      expect(ctx.system).not.toContain('## Knowledge graph');
      expect(ctx.messages).toEqual([{ role: 'user', content: 'see file\n\n[Attached file art_1: not available]' }]);
    });

    it('attachment text: per-file cap, and a total budget spent on the newest messages first', async () => {
      const asked: [string, number][] = [];
      const artifacts = {
        readText: (_org: string, id: string, maxChars: number) => {
          asked.push([id, maxChars]);
          return Promise.resolve(textArt(id, 'y'.repeat(ATTACHMENT_CHARS + 5), maxChars));
        },
      } as unknown as ArtifactsContract;
      const graph = { searchForContext: () => Promise.resolve([]) } as unknown as GraphContract;
      const ctx = await build(
        new TurnContextBuilder(
          memory,
          skills,
          compactor([userMsg('old', 'older', ['art_old']), userMsg('new', 'newer', ['art_1', 'art_2', 'art_3'])]),
          graph,
          artifacts,
        ),
      );
      const rest = ATTACHMENTS_TOTAL_CHARS - 2 * ATTACHMENT_CHARS;
      expect(asked).toEqual([
        ['art_1', ATTACHMENT_CHARS],
        ['art_2', ATTACHMENT_CHARS],
        ['art_3', rest],
        ['art_old', 0],
      ]);
      expect(ctx.messages[0].content).toContain('budget of this context is used up');
      expect(ctx.messages[1].content).toContain('y'.repeat(rest));
    });
  });
});
