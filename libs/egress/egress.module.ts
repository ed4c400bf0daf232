import { Module } from '@nestjs/common';
import { EgressGuard } from './egress.guard';

/** The one egress guard; import this module where outbound connections are made for an org. */
@Module({ providers: [EgressGuard], exports: [EgressGuard] })
export class EgressModule {}
