import type { Principal } from '@libs/auth/principal';
import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { NotFoundException } from '@libs/errors';
import { decodeCursor, DEFAULT_PAGE_LIMIT, encodeCursor, Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { ChatDeps } from './chat.deps';
import { CatalogQuery, CatalogSearchQuery, CatalogSearchResponseDto, CatalogToolDto } from './dto/chat.dto';
import { ToolRunner, toolView } from './tool-runner.service';

/** The org's connector tools as the catalog endpoints show them. Viewers see read tools only. */
@Injectable()
export class CatalogService {
  constructor(
    private readonly deps: ChatDeps,
    private readonly tools: ToolRunner,
  ) {}

  private async visibleTools(p: Principal): Promise<CatalogTool[]> {
    const all = await this.deps.listTools(p.orgId);
    return p.role === 'viewer' ? all.filter((t) => t.effect === 'read') : all;
  }

  async list(p: Principal, q: CatalogQuery): Promise<Page<CatalogToolDto>> {
    const tools = (await this.visibleTools(p)).sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName));
    const scope = `catalog:${p.orgId}:${p.role === 'viewer' ? 'r' : 'all'}`;
    let start = 0;
    if (q.cursor) {
      const pos = decodeCursor(scope, q.cursor);
      const idx = tools.findIndex((t) => t.qualifiedName.localeCompare(String(pos.k)) > 0);
      start = idx === -1 ? tools.length : idx;
    }
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const slice = tools.slice(start, start + limit);
    const last = slice[slice.length - 1];
    return {
      items: slice.map(toolView),
      next_cursor:
        start + limit < tools.length && last
          ? encodeCursor(scope, { k: last.qualifiedName, id: last.qualifiedName })
          : null,
      total: tools.length,
    };
  }

  async search(p: Principal, q: CatalogSearchQuery): Promise<CatalogSearchResponseDto> {
    const res = await this.tools.searchTools(p.orgId, q.q, q.top_k ?? 5);
    const tools = p.role === 'viewer' ? res.tools.filter((t) => t.effect === 'read') : res.tools;
    return { tools, items: tools, next_cursor: null, total: tools.length };
  }

  async getTool(p: Principal, connector: string, tool: string): Promise<CatalogToolDto> {
    const t = (await this.visibleTools(p)).find(
      (x) => x.name === tool && (x.sourceName === connector || x.connector === connector),
    );
    if (!t) {
      throw new NotFoundException('Tool', { connector, tool }, 'tool_not_found');
    }
    return toolView(t);
  }
}
