import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { BINDING_CHANNELS, CHANNEL_TYPES, type BindingChannel, type ChannelType } from '../channel.entity';

export class ConfigureChannelDto {
  @ApiProperty({
    example: { bot_token: 'xoxb-…', signing_secret: '…' },
    description: 'Field values (strings); secret fields are write-only',
  })
  @IsObject()
  fields: Record<string, string>;
}

export class ChannelFieldStateDto {
  @ApiProperty() key: string;
  @ApiProperty() label: string;
  @ApiProperty() secret: boolean;
  @ApiProperty() required: boolean;
  @ApiProperty() has_value: boolean;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'non-secret fields only' }) value?: string | null;
}

export class ChannelDto {
  @ApiProperty({ nullable: true, type: String, example: 'chn_…' }) id: string | null;
  @ApiProperty({ enum: CHANNEL_TYPES }) name: ChannelType;
  @ApiProperty() display_name: string;
  @ApiProperty() transport: string;
  @ApiProperty({ enum: ['stable', 'beta'] }) status: string;
  @ApiProperty() feature_enabled: boolean;
  @ApiProperty() configured: boolean;
  @ApiProperty() active: boolean;
  @ApiProperty({ nullable: true, type: String }) last_connected_at: string | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty() binding_count: number;
  @ApiProperty({ nullable: true, type: String, description: 'where the provider sends inbound messages' })
  inbound_url: string | null;
  @ApiProperty({ type: [ChannelFieldStateDto] }) fields: ChannelFieldStateDto[];
}

export class TestChannelDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) to?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(4000) text?: string;
}

export class ChannelTestResultDto {
  @ApiProperty({ enum: ['ok', 'error'] }) status: 'ok' | 'error';
  @ApiPropertyOptional() workspace?: string;
  @ApiPropertyOptional() bot?: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

export class ReloadResultDto {
  @ApiProperty({ type: [String] }) reloaded: string[];
}

export class MatchRuleDto {
  @ApiProperty({ enum: BINDING_CHANNELS, description: '`incoming` = the `/chat/incoming/:endpoint_id` webhooks' })
  @IsIn(BINDING_CHANNELS)
  channel: BindingChannel;
  @ApiPropertyOptional({ example: 'C0123' }) @IsOptional() @IsString() @MaxLength(200) slack_channel?: string;
  @ApiPropertyOptional({ example: 'U0123' }) @IsOptional() @IsString() @MaxLength(200) slack_user?: string;
  @ApiPropertyOptional({ enum: ['im', 'channel', 'group', 'mpim'] })
  @IsOptional()
  @IsIn(['im', 'channel', 'group', 'mpim'])
  conversation_type?: string;
  @ApiPropertyOptional({ description: 'Slack team id' }) @IsOptional() @IsString() @MaxLength(200) team?: string;
  @ApiPropertyOptional({ description: 'chat id; `*` wildcards' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  chat?: string;
  @ApiPropertyOptional({ description: 'sender; `*` wildcards' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  from?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() mentioned?: boolean;
  @ApiPropertyOptional({ description: 'WhatsApp: group id or participant phone (the chat); `*` wildcards' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  group?: string;
  @ApiPropertyOptional({ description: 'WhatsApp: the connected number the message was sent to' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  to?: string;
  @ApiPropertyOptional({ description: '`incoming`: the inbound chat endpoint id; absent = every endpoint' })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  endpoint?: string;
  @ApiPropertyOptional({ description: 'RE2 syntax, on the message text', maxLength: 512 })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  text_regex?: string;
}

export class CreateBindingDto {
  @ApiProperty({ example: 'default' }) @IsString() @IsNotEmpty() @MaxLength(100) agent: string;
  @ApiProperty({ type: MatchRuleDto }) @ValidateNested() @Type(() => MatchRuleDto) match_rule: MatchRuleDto;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) @Matches(/^[a-z0-9][a-z0-9_-]*$/i) realm?: string;
  @ApiPropertyOptional({ description: '0-based; default last' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  position?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class UpdateBindingDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(100) agent?: string;
  @ApiPropertyOptional({ type: MatchRuleDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => MatchRuleDto)
  match_rule?: MatchRuleDto;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) @Matches(/^[a-z0-9][a-z0-9_-]*$/i) realm?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
}

export class ReorderBindingsDto {
  @ApiProperty({ type: [String], description: 'every binding id of the org, in the new order' })
  @IsArray()
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  ids: string[];
}

export class BindingDto {
  @ApiProperty({ example: 'bnd_…' }) id: string;
  @ApiProperty() agent: string;
  @ApiProperty({ nullable: true, type: String }) realm: string | null;
  @ApiProperty({ type: MatchRuleDto }) match_rule: MatchRuleDto;
  @ApiProperty() position: number;
  @ApiProperty() enabled: boolean;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class WebhookChannelMessageDto {
  @ApiProperty({ example: 'visitor-123' }) @IsString() @IsNotEmpty() @MaxLength(200) from: string;
  @ApiProperty({ example: 'hello' }) @IsString() @IsNotEmpty() @MaxLength(100_000) text: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) thread?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) chat?: string;
}

export class EmailChannelMessageDto {
  @ApiProperty({ example: 'alice@example.com' }) @IsEmail() @MaxLength(320) from: string;
  @ApiPropertyOptional({ example: 'Printer broken' }) @IsOptional() @IsString() @MaxLength(1000) subject?: string;
  @ApiProperty({ example: 'It jams again.' }) @IsString() @IsNotEmpty() @MaxLength(100_000) text: string;
  @ApiPropertyOptional({ description: 'Message-ID of the first mail of the thread' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  thread?: string;
}

export class ChannelInboundResultDto {
  @ApiProperty() accepted: boolean;
  @ApiProperty() routed: boolean;
  @ApiPropertyOptional() conversation_id?: string;
  @ApiPropertyOptional() binding_id?: string;
  @ApiPropertyOptional({ description: 'a redelivery (same Slack event_id / WhatsApp message id), not run again' })
  duplicate?: boolean;
}

export class WhatsappQrStatusQuery {
  @ApiProperty() @IsString() @MaxLength(100) session_id: string;
}

export class WhatsappQrStartDto {
  @ApiProperty({ example: 'qr_…' }) session_id: string;
  @ApiProperty({ description: 'the raw QR payload (what the phone scans), for clients that draw the code themselves' })
  qr: string;
  @ApiProperty({ example: 'data:image/png;base64,…' }) qr_data_url: string;
  @ApiProperty({ example: 60 }) expires_in: number;
}

export class WhatsappQrStatusDto {
  @ApiProperty({ enum: ['pending', 'connected', 'expired'] }) status: 'pending' | 'connected' | 'expired';
  @ApiPropertyOptional({ example: '+4420…' }) phone?: string;
}

export class WhatsappUnpairDto {
  @ApiProperty({ enum: ['unpaired'] }) status: 'unpaired';
}

/** What the WhatsApp gateway posts to `/channels/whatsapp/:channel_id/events` (signed; see docs/channels.md). */
export interface WhatsappGatewayEvent {
  type?: string;
  /** message: the WhatsApp message id (deduplication) */
  id?: string;
  from?: string;
  to?: string;
  chat?: string;
  text?: string;
  /** connection: connected | logged_out */
  status?: string;
  phone?: string;
}
