import type { Principal } from '@libs/auth/principal';
import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { NotFoundException } from '@libs/errors';
import { Page, paginateArray } from '@libs/pagination';
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
    return paginateArray(tools, q, {
      scope: `catalog:${p.orgId}:${p.role === 'viewer' ? 'r' : 'all'}`,
      key: (t) => t.qualifiedName,
      id: (t) => t.qualifiedName,
      map: toolView,
      direction: 'ASC',
    });
  }

  async search(p: Principal, q: CatalogSearchQuery): Promise<CatalogSearchResponseDto> {
    const res = await this.tools.searchTools(p.orgId, q.q, q.top_k ?? 5);
    const tools = p.role === 'viewer' ? res.tools.filter((t) => t.effect === 'read') : res.tools;
    return { tools, items: tools, next_cursor: null, total: tools.length };
  }

  async getTool(p: Principal, connector: string, tool: string): Promise<CatalogToolDto> {
    const t = await this.tools.resolveTool(p.orgId, tool, connector);
    if (!t || (p.role === 'viewer' && t.effect !== 'read')) {
      throw new NotFoundException('Tool', { connector, tool }, 'tool_not_found');
    }
    return toolView(t);
  }
}
