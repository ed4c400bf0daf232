import { Module } from '@nestjs/common';
import { OrgEvents } from './org-events';

/** Typed org events (`OrgEvents`); import it where events are published or consumed. */
@Module({ providers: [OrgEvents], exports: [OrgEvents] })
export class EventsModule {}
