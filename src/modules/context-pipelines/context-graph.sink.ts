import type { GraphEdgeInput, GraphNodeInput } from '@libs/connectors/connector';
import { GraphWriter } from '@libs/graph/graph-writer';
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

/**
 * Lands node/edge records through the graph module's `GraphWriter` (the one place holding the
 * ingestion Cypher): each batch is staged and published at once, upserted by
 * (org_id, source_id = `context:<realm>`, key), never archiving what earlier requests wrote. All
 * context pipelines of an org and realm share that key space, so an edges pipeline connects the
 * nodes a nodes pipeline landed.
 */
export const contextSourceId = (realm: string) => `context:${realm}`;

@Injectable()
export class ContextGraphSink {
  constructor(private readonly writer: GraphWriter) {}

  async write(
    scope: { orgId: string; realm: string },
    nodes: GraphNodeInput[],
    edges: GraphEdgeInput[],
  ): Promise<{ nodesWritten: number; edgesWritten: number; edgesSkipped: number }> {
    if (!nodes.length && !edges.length) {
      return { nodesWritten: 0, edgesWritten: 0, edgesSkipped: 0 };
    }
    const ws = {
      orgId: scope.orgId,
      sourceId: contextSourceId(scope.realm),
      realm: scope.realm,
      jobId: `ctxb_${randomUUID()}`,
    };
    try {
      await this.writer.stage(ws, nodes, edges);
      return await this.writer.commit(ws, { archive: false });
    } catch (err) {
      await this.writer.discard(ws.jobId).catch(() => undefined);
      throw err;
    }
  }
}
