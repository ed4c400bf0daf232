import { AppConfig } from '@libs/config';
import { DatabasePing } from '@libs/database/database-ping';
import { FeatureFlag, FeatureFlagService, MountedFeatures } from '@libs/features';
import { Neo4jService } from '@libs/graph/neo4j.service';
import { RedisService } from '@libs/redis/redis.service';
import { Injectable } from '@nestjs/common';
import { HealthResponseDto } from './dto/health-response.dto';

type DepState = 'ok' | 'down' | 'disabled';

/** Each dependency check is bounded, so a hung service cannot hang /health. */
@Injectable()
export class HealthService {
  constructor(
    private readonly db: DatabasePing,
    private readonly redis: RedisService,
    private readonly neo4j: Neo4jService,
    private readonly flags: FeatureFlagService,
    private readonly mounted: MountedFeatures,
    private readonly config: AppConfig,
  ) {}

  private async probe(check: () => Promise<unknown>): Promise<DepState> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<DepState>((resolve) => {
      timer = setTimeout(() => resolve('down'), this.config.healthCheckTimeoutMs);
    });
    try {
      return await Promise.race([
        check().then(
          () => 'ok' as const,
          () => 'down' as const,
        ),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private llmState(): DepState {
    const llm = this.config.llm;
    if (llm.provider === 'offline') {
      return 'ok';
    }
    return llm.apiKey || llm.baseUrl ? 'ok' : 'down';
  }

  private inFlight: Promise<HealthResponseDto> | undefined;
  private last: { at: number; body: HealthResponseDto } | undefined;

  /**
   * Concurrent callers share one probe, and a result is reused for HEALTH_CACHE_MS, so a
   * busy load balancer or a benchmark cannot turn /health into load on the dependencies.
   */
  check(): Promise<HealthResponseDto> {
    if (this.last && Date.now() - this.last.at < this.config.healthCacheMs) {
      return Promise.resolve(this.last.body);
    }
    this.inFlight ??= this.probeAll()
      .then((body) => {
        this.last = { at: Date.now(), body };
        return body;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async probeAll(): Promise<HealthResponseDto> {
    const [postgres, redis, neo4j] = await Promise.all([
      this.probe(() => this.db.ping()),
      this.probe(() => this.redis.ping()),
      this.probe(() => this.neo4j.ping()),
    ]);
    const configured = this.flags.defaults();
    // a flag counts only when its route group is mounted in this build
    const f = (flag: FeatureFlag) => configured[flag] && this.mounted.has(flag);
    const llm = this.llmState();
    const required = [postgres, redis, neo4j];
    const status = !required.every((s) => s === 'ok') ? 'down' : llm === 'down' ? 'degraded' : 'ok';
    return {
      status,
      features: {
        rag: f('rag'),
        workers: f('workers'),
        orchestrator: f('orchestrator'),
        voice: f('voice'),
        policies: f('policies'),
      },
      dependencies: { postgres, neo4j, redis, llm },
    };
  }
}
