import type { Principal } from '@libs/auth/principal';
import type { Page, PageQuery } from '@libs/pagination';
import type { ChannelMessage } from './channel-message';
import type { BindingChannel } from './channel.entity';
import type { BindingDto, CreateBindingDto, UpdateBindingDto } from './dto/channels.dto';

/** The binding a message was routed by. */
export interface BindingMatch {
  id: string;
  agent: string;
  realm: string | null;
}

/**
 * How a `/chat/incoming/:endpoint_id` message is routed: `bound: false` when no enabled binding
 * targets the endpoint (the endpoint's own agent answers, as before bindings); otherwise the first
 * matching binding, or `match: null` (logged and dropped: 202 `routed: false`).
 */
export type IncomingRoute = { bound: false } | { bound: true; match: BindingMatch | null };

/** `/bindings` and binding resolution; exported by ChannelBindingsModule (owner of channel_bindings). */
export abstract class ChannelBindingsContract {
  abstract list(p: Principal, q: PageQuery): Promise<Page<BindingDto>>;
  abstract get(p: Principal, id: string): Promise<BindingDto>;
  abstract create(p: Principal, dto: CreateBindingDto): Promise<BindingDto>;
  abstract update(p: Principal, id: string, dto: UpdateBindingDto): Promise<BindingDto>;
  abstract remove(p: Principal, id: string): Promise<void>;
  abstract reorder(p: Principal, ids: string[]): Promise<Page<BindingDto>>;
  /** Bindings of the org routing this channel kind (enabled or not). */
  abstract count(orgId: string, channel: BindingChannel): Promise<number>;
  /** First enabled binding of the message's channel whose every present key matches; null = drop. */
  abstract resolve(orgId: string, msg: ChannelMessage): Promise<BindingMatch | null>;
  /** Routing of an inbound chat webhook message (`msg.channel = 'incoming'`, `msg.endpoint` set). */
  abstract routeIncoming(orgId: string, msg: ChannelMessage): Promise<IncomingRoute>;
}
