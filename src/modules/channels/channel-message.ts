import { RE2JS } from 're2js';
import type { BindingChannel, MatchRule } from './channel.entity';

/** What a channel adapter makes of a provider message (spec channels.md §1). */
export interface ChannelMessage {
  channel: BindingChannel;
  /** sender id (Slack user id, webhook `from`, WhatsApp phone) */
  from: string;
  /** chat / Slack channel id */
  chat: string | null;
  /** thread the reply goes to; also keys the conversation */
  thread: string | null;
  team: string | null;
  conversationType: string | null;
  mentioned: boolean;
  text: string;
  /** WhatsApp: the connected number the message was sent to */
  to?: string | null;
  /** `incoming`: the inbound chat endpoint id */
  endpoint?: string | null;
}

/**
 * `*` wildcards only (no regex: patterns are org input), case-sensitive as ids and phones are.
 * Greedy-free: each literal part must appear in order; first and last parts are anchored.
 */
export function globMatch(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) {
    return pattern === value;
  }
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last)) {
    return false;
  }
  let at = first.length;
  const end = value.length - last.length;
  for (const part of parts.slice(1, -1)) {
    const i = value.indexOf(part, at);
    if (i < 0 || i + part.length > end) {
      return false;
    }
    at = i + part.length;
  }
  return true;
}

/** Whether every key present in the rule matches the message. */
export function ruleMatches(rule: MatchRule, m: ChannelMessage): boolean {
  if (rule.slack_channel !== undefined) {
    const want = rule.slack_channel.replace(/^#/, '');
    if (m.chat !== want) {
      return false;
    }
  }
  if (rule.slack_user !== undefined && m.from !== rule.slack_user.replace(/^@/, '')) {
    return false;
  }
  if (rule.conversation_type !== undefined && rule.conversation_type.toLowerCase() !== m.conversationType) {
    return false;
  }
  if (rule.team !== undefined && rule.team !== m.team) {
    return false;
  }
  if (rule.chat !== undefined && !globMatch(rule.chat, m.chat ?? '')) {
    return false;
  }
  if (rule.from !== undefined && !globMatch(rule.from, m.from)) {
    return false;
  }
  if (rule.group !== undefined && !globMatch(rule.group, m.chat ?? '')) {
    return false;
  }
  if (rule.to !== undefined && rule.to !== m.to) {
    return false;
  }
  if (rule.endpoint !== undefined && rule.endpoint !== m.endpoint) {
    return false;
  }
  if (rule.mentioned === true && !m.mentioned) {
    return false;
  }
  if (rule.text_regex !== undefined && !compileTextRegex(rule.text_regex)?.test(m.text)) {
    return false;
  }
  return true;
}

/** RE2 (linear time: the pattern is org input); null when it does not compile. */
export function compileTextRegex(pattern: string): RE2JS | null {
  try {
    return RE2JS.compile(pattern);
  } catch {
    return null;
  }
}
