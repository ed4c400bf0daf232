import { MetricsModule } from '@libs/metrics';
import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';

/** The `GET /metrics` route on the API port; the instruments live in libs/metrics. */
@Module({ imports: [MetricsModule], controllers: [MetricsController] })
export class MetricsEndpointModule {}
