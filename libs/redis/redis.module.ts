import { MetricsModule } from '@libs/metrics/metrics.module';
import { Global, Module } from '@nestjs/common';
import { EventBus } from './event-bus.service';
import { RedisService } from './redis.service';

@Global()
@Module({ imports: [MetricsModule], providers: [RedisService, EventBus], exports: [RedisService, EventBus] })
export class RedisModule {}
