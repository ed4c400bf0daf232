import { AuditAction } from '@libs/audit/audit.decorators';
import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { Delete, Post, Put } from '@libs/http';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ListNotificationsQuery,
  NotificationDto,
  NotificationPageDto,
  NotificationPreferencesDto,
  NotificationPreferencesViewDto,
  ReadAllResultDto,
} from './dto/notification.dto';
import { NotificationsService } from './notifications.service';

/** The caller's own notifications (every role; nobody sees another user's). */
@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Authenticated()
  @ApiOperation({
    operationId: 'notifications_list',
    summary: 'My notifications, newest first (?unread=true), with my unread count',
  })
  @ApiOkResponse({ type: NotificationPageDto })
  list(@CurrentPrincipal() p: Principal, @Query() q: ListNotificationsQuery): Promise<NotificationPageDto> {
    return this.notifications.list(p, q);
  }

  @Get('preferences')
  @Authenticated()
  @ApiOperation({ operationId: 'notifications_preferences_get', summary: 'My delivery preferences' })
  @ApiOkResponse({ type: NotificationPreferencesViewDto })
  preferences(@CurrentPrincipal() p: Principal): Promise<NotificationPreferencesViewDto> {
    return this.notifications.preferences(p);
  }

  @Put('preferences')
  @Authenticated()
  @AuditAction('notifications.preferences.update', 'api', 'notification_preferences')
  @ApiOperation({
    operationId: 'notifications_preferences_put',
    summary: 'Replace my delivery preferences (e-mail on/off and which types)',
  })
  @ApiOkResponse({ type: NotificationPreferencesViewDto })
  setPreferences(
    @CurrentPrincipal() p: Principal,
    @Body() dto: NotificationPreferencesDto,
  ): Promise<NotificationPreferencesViewDto> {
    return this.notifications.setPreferences(p, dto);
  }

  @Post('read-all')
  @HttpCode(200)
  @Authenticated()
  @AuditAction('notifications.read_all', 'api', 'notification')
  @ApiOperation({ operationId: 'notifications_read_all', summary: 'Mark all my notifications read' })
  @ApiOkResponse({ type: ReadAllResultDto })
  readAll(@CurrentPrincipal() p: Principal): Promise<ReadAllResultDto> {
    return this.notifications.markAllRead(p);
  }

  @Post(':id/read')
  @HttpCode(200)
  @Authenticated()
  @AuditAction('notifications.read', 'api', 'notification')
  @ApiOperation({ operationId: 'notifications_read', summary: 'Mark one of my notifications read' })
  @ApiOkResponse({ type: NotificationDto })
  read(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<NotificationDto> {
    return this.notifications.markRead(p, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Authenticated()
  @AuditAction('notifications.delete', 'api', 'notification')
  @ApiOperation({ operationId: 'notifications_delete', summary: 'Delete one of my notifications' })
  @ApiNoContentResponse({ description: 'Deleted' })
  async remove(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<void> {
    await this.notifications.remove(p, id);
  }
}
