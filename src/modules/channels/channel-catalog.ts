import type { ChannelType } from './channel.entity';

export interface ChannelField {
  key: string;
  label: string;
  secret: boolean;
  required: boolean;
}

export interface ChannelKind {
  name: ChannelType;
  display_name: string;
  transport: string;
  status: 'stable' | 'beta';
  /** false: listed, but configure answers 404 `feature_disabled` in this build */
  feature_enabled: boolean;
  fields: ChannelField[];
}

/** Every channel this API knows (spec channels.md §2); Slack uses the Events API over HTTP, not Socket Mode. */
export const CHANNEL_CATALOG: readonly ChannelKind[] = [
  {
    name: 'slack',
    display_name: 'Slack',
    transport: 'events_api',
    status: 'stable',
    feature_enabled: true,
    fields: [
      { key: 'bot_token', label: 'Bot token (xoxb-…)', secret: true, required: true },
      { key: 'signing_secret', label: 'Signing secret', secret: true, required: true },
      { key: 'api_base_url', label: 'Web API base URL', secret: false, required: false },
    ],
  },
  {
    name: 'webhook',
    display_name: 'Generic webhook',
    transport: 'http',
    status: 'beta',
    feature_enabled: true,
    fields: [
      { key: 'signing_secret', label: 'HMAC secret (X-Agentcy-Signature)', secret: true, required: true },
      { key: 'callback_url', label: 'URL replies are POSTed to', secret: false, required: false },
    ],
  },
  {
    name: 'email',
    display_name: 'Email',
    transport: 'smtp',
    status: 'beta',
    feature_enabled: true,
    fields: [{ key: 'signing_secret', label: 'HMAC secret of the inbound mail webhook', secret: true, required: true }],
  },
  {
    name: 'whatsapp',
    display_name: 'WhatsApp',
    transport: 'baileys_gateway',
    status: 'stable',
    // shown as the gateway's presence (WHATSAPP_GATEWAY_URL) by ChannelsService
    feature_enabled: true,
    fields: [{ key: 'display_name', label: 'Display name', secret: false, required: false }],
  },
];

export const SLACK_DEFAULT_API = 'https://slack.com/api';

export function channelKind(name: string): ChannelKind | undefined {
  return CHANNEL_CATALOG.find((k) => k.name === name);
}
