import type { Principal } from '@libs/auth/principal';
import type { CatalogTool } from '@libs/connectors/tool-catalog.port';
import { NotFoundException } from '@libs/errors';
import { Page, paginateArray } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import {
  CatalogQuery,
  CatalogSearchQuery,
  CatalogSearchResponseDto,
  CatalogToolDto,
} from 'src/modules/chat/dto/chat.dto';
import { ToolResolver } from './tool-resolver';
import { toolView } from './tool-results';
import { rankTools } from './tool-search';

/** The org's connector tools as the catalog endpoints show them. Viewers see read tools only. */
@Injectable()
export class CatalogService {
  constructor(private readonly tools: ToolResolver) {}

  /** Viewers see read tools only; `realm` keeps the tools of sources in that realm. */
  private async visibleTools(p: Principal, realm?: string): Promise<CatalogTool[]> {
    const all = await this.tools.listTools(p.orgId);
    return all.filter((t) => (p.role !== 'viewer' || t.effect === 'read') && (!realm || t.realm === realm));
  }

  async list(p: Principal, q: CatalogQuery): Promise<Page<CatalogToolDto>> {
    const tools = (await this.visibleTools(p, q.realm)).sort((a, b) => a.qualifiedName.localeCompare(b.qualifiedName));
    return paginateArray(tools, q, {
      scope: `catalog:${p.orgId}:${p.role === 'viewer' ? 'r' : 'all'}:${q.realm ?? ''}`,
      key: (t) => t.qualifiedName,
      id: (t) => t.qualifiedName,
      map: toolView,
      direction: 'ASC',
    });
  }

  async search(p: Principal, q: CatalogSearchQuery): Promise<CatalogSearchResponseDto> {
    const ranked = rankTools(await this.visibleTools(p, q.realm), q.q, q.top_k ?? 5);
    const tools = ranked.map((r) => ({ ...toolView(r.tool), score: r.score }));
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
