import { Module } from '@nestjs/common';
import { ConnectionMetrics } from './connection-metrics';
import { HttpMetrics } from './http-metrics';
import { LlmMetrics } from './llm-metrics';
import { MetricsRegistry } from './metrics-registry';
import { MetricsServer } from './metrics-server';
import { QueueMetrics } from './queue-metrics';
import { StoreMetrics } from './store-metrics';

/**
 * Operator metrics in Prometheus format (docs/metrics.md): one registry per app and small typed
 * instruments. A module that feeds an instrument imports this module and injects that instrument.
 */
@Module({
  providers: [MetricsRegistry, HttpMetrics, ConnectionMetrics, QueueMetrics, StoreMetrics, LlmMetrics, MetricsServer],
  exports: [MetricsRegistry, HttpMetrics, ConnectionMetrics, QueueMetrics, StoreMetrics, LlmMetrics],
})
export class MetricsModule {}
