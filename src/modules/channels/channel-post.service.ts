import { SecretBox } from '@libs/crypto';
import { Injectable } from '@nestjs/common';
import { ChannelPostContract, type ChannelPostTarget } from './channel-post.contract';
import { ChannelSendError, SlackApi, WebhookCallback } from './channel-senders';
import type { ChannelType } from './channel.entity';
import { ChannelsRepository } from './channels.repository';

/** ChannelPostContract: outbound messages through the org's Slack or webhook channel. */
@Injectable()
export class ChannelPostService extends ChannelPostContract {
  constructor(
    private readonly repo: ChannelsRepository,
    private readonly box: SecretBox,
    private readonly slack: SlackApi,
    private readonly callback: WebhookCallback,
  ) {
    super();
  }

  async isConfigured(orgId: string, channel: string): Promise<boolean> {
    const c = await this.repo.findByType(orgId, channel as ChannelType);
    return !!c?.enabled;
  }

  async postToChannel(orgId: string, channel: string, target: ChannelPostTarget, text: string): Promise<void> {
    const c = await this.repo.findWithSecrets({ orgId, type: channel as ChannelType });
    if (!c || !c.enabled || !c.secretsSealed) {
      throw new ChannelSendError(`channel ${channel} is not configured`);
    }
    const secrets = this.box.openJson<Record<string, string>>(c.secretsSealed);
    if (c.type === 'slack') {
      if (!target.slack_channel) {
        throw new ChannelSendError('target.slack_channel is required');
      }
      const creds = { botToken: secrets.bot_token, apiBaseUrl: c.config.api_base_url };
      await this.slack.postMessage(orgId, creds, {
        channel: target.slack_channel,
        text,
        threadTs: target.thread ?? null,
      });
      return;
    }
    if (c.type === 'webhook') {
      if (!c.config.callback_url) {
        throw new ChannelSendError('the webhook channel has no callback_url');
      }
      await this.callback.post(orgId, c.config.callback_url, secrets.signing_secret, {
        type: 'scheduled',
        channel_id: c.id,
        chat: target.chat ?? null,
        thread: target.thread ?? null,
        text,
      });
      return;
    }
    throw new ChannelSendError(`channel ${channel} cannot post scheduled messages`);
  }
}
