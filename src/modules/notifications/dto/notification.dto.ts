import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, ValidateNested } from 'class-validator';
import { NOTIFICATION_TYPES, type NotificationEntity } from '../notification.entity';

export class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only unread (true) or only read (false) notifications' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;
}

export class NotificationDto {
  @ApiProperty({ example: 'ntf_6f1c…' }) id: string;
  @ApiProperty({ enum: NOTIFICATION_TYPES }) type: string;
  @ApiProperty() title: string;
  @ApiProperty() body: string;
  @ApiProperty({ type: String, nullable: true, description: 'API path of what it is about' }) link: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) read_at: string | null;
  @ApiProperty() created_at: string;
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) items: NotificationDto[];
  @ApiProperty({ type: String, nullable: true, description: 'null on the last page' }) next_cursor: string | null;
  @ApiProperty({ description: 'rows matching the filter' }) total: number;
  @ApiProperty({ description: "the caller's unread notifications (whatever the filter)" }) unread_count: number;
}

export class ReadAllResultDto {
  @ApiProperty({ description: 'notifications marked read by this call' }) updated: number;
}

export class EmailPreferenceDto {
  @ApiProperty({ description: 'e-mail notifications on or off (default off)' })
  @IsBoolean()
  enabled: boolean;

  @ApiProperty({
    enum: NOTIFICATION_TYPES,
    isArray: true,
    description: 'types to e-mail when enabled; empty = every type',
  })
  @IsArray()
  @ArrayMaxSize(NOTIFICATION_TYPES.length)
  @IsIn(NOTIFICATION_TYPES, { each: true })
  kinds: string[];
}

export class NotificationPreferencesDto {
  @ApiProperty({ type: EmailPreferenceDto })
  @IsObject()
  @ValidateNested()
  @Type(() => EmailPreferenceDto)
  email: EmailPreferenceDto;
}

export class NotificationPreferencesViewDto extends NotificationPreferencesDto {
  @ApiProperty({ description: 'whether the install has an SMTP server (otherwise nothing is e-mailed)' })
  email_available: boolean;
}

export function toNotificationDto(e: NotificationEntity): NotificationDto {
  return {
    id: e.id,
    type: e.type,
    title: e.title,
    body: e.body,
    link: e.link,
    data: e.data ?? {},
    read_at: e.readAt?.toISOString() ?? null,
    created_at: e.createdAt.toISOString(),
  };
}
