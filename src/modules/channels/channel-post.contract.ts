/** Where an outbound (not reply) message goes on a channel: Slack channel/thread, or the webhook's chat/thread. */
export interface ChannelPostTarget {
  slack_channel?: string;
  thread?: string;
  chat?: string;
}

/** Posting to an org's channel for other modules (cron channels); exported by ChannelsModule. */
export abstract class ChannelPostContract {
  /** Whether the org has this channel configured and enabled. */
  abstract isConfigured(orgId: string, channel: string): Promise<boolean>;
  /** Posts `text` through the org's channel of this type; throws when it is not configured or sending fails. */
  abstract postToChannel(orgId: string, channel: string, target: ChannelPostTarget, text: string): Promise<void>;
}
