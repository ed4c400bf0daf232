import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

/** `?x=a&x=b` and `?x=a,b` both become ['a','b']. */
export const toList = ({ value }: { value: unknown }): unknown => {
  if (value === undefined || value === null || value === '') {
    return undefined;
  }
  const arr = Array.isArray(value) ? value : [value];
  return arr
    .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
    .map((v) => (typeof v === 'string' ? v.trim() : v))
    .filter((v) => v !== '');
};

export const toBool = ({ value }: { value: unknown }): unknown =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class NodeSearchQuery extends PageQuery {
  @ApiPropertyOptional({
    description: 'Full-text query (case-insensitive; words match as terms or substrings). At least 2 characters.',
  })
  @IsOptional()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  q?: string;

  @ApiPropertyOptional({ type: [String], description: 'Label filter (repeatable or comma separated)' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(NAME, { each: true })
  label?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Realm filter (repeatable or comma separated)' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  realm?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Source id filter (repeatable or comma separated)' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  source_id?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Source by connector type (e.g. kubernetes), source name or id (repeatable)',
  })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  source?: string[];

  @ApiPropertyOptional({ description: 'updated_at >= since (RFC 3339)' })
  @IsOptional()
  @IsISO8601()
  since?: string;

  @ApiPropertyOptional({ description: 'updated_at < until (RFC 3339)' })
  @IsOptional()
  @IsISO8601()
  until?: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  include_archived?: boolean;
}

/** /graph/nodes/search: like the list but `q` is required (checked by the service). */
export class NodeSearchRequiredQuery extends NodeSearchQuery {}

export class IncludeArchivedQuery {
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  include_archived?: boolean;
}

export class ExpandQuery extends IncludeArchivedQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 3, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3)
  depth?: number;

  @ApiPropertyOptional({ enum: ['in', 'out', 'both'], default: 'both' })
  @IsOptional()
  @IsIn(['in', 'out', 'both'])
  direction?: 'in' | 'out' | 'both';

  @ApiPropertyOptional({ type: [String], description: 'Relationship types to follow (comma separated or repeated)' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(NAME, { each: true })
  edge_types?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Only nodes/edges in these realms' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  realm?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200, description: 'Maximum number of nodes' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class ExpandBody {
  @ApiProperty({ type: [String], description: 'Start node ids (n_…)' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @IsString({ each: true })
  node_ids: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 3, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3)
  depth?: number;

  @ApiPropertyOptional({ enum: ['in', 'out', 'both'], default: 'both' })
  @IsOptional()
  @IsIn(['in', 'out', 'both'])
  direction?: 'in' | 'out' | 'both';

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(NAME, { each: true })
  edge_types?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  realms?: string[];

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  include_archived?: boolean;
}

export class StatsQuery {
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  realm?: string[];

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  include_archived?: boolean;
}

export class CypherRequestDto {
  @ApiProperty({ example: 'MATCH (s:Service) RETURN s.name LIMIT 10' })
  @IsString()
  @MinLength(1)
  @MaxLength(20000)
  query: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Restrict every matched node to this realm' })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  realm?: string;

  @ApiPropertyOptional({ minimum: 100, maximum: 30000, default: 10000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(30000)
  timeout_ms?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 5000, default: 5000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5000)
  max_rows?: number;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  include_archived?: boolean;
}

// ------------------------------------------------------------------ responses

export class NodeSourceDto {
  @ApiPropertyOptional({ nullable: true, type: String })
  source_id: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'connector type of the source (e.g. kubernetes)' })
  connector: string | null;

  @ApiPropertyOptional({ type: String, description: 'source name, when the source still exists' })
  name?: string;
}

export class GraphNodeDto {
  @ApiProperty({ example: 'n_6f1c…' })
  id: string;

  @ApiProperty({ type: [String], description: 'Labels without the generic Entity label' })
  labels: string[];

  @ApiPropertyOptional({ nullable: true, type: String })
  label: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  name: string | null;

  @ApiProperty()
  display_name: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  description: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  realm: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  source_id: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  key: string | null;

  @ApiProperty({ type: NodeSourceDto })
  source: NodeSourceDto;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'All properties except org_id' })
  properties: Record<string, unknown>;

  @ApiPropertyOptional({ nullable: true, type: String })
  created_at: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  updated_at: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  archived_at: string | null;
}

export class NodeDegreeDto {
  @ApiProperty()
  in: number;

  @ApiProperty()
  out: number;

  @ApiProperty()
  total: number;
}

export class GraphNodeDetailDto extends GraphNodeDto {
  @ApiProperty({ type: NodeDegreeDto })
  degree: NodeDegreeDto;
}

export class GraphEdgeDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  type: string;

  @ApiProperty({ description: 'id of the start node' })
  from: string;

  @ApiProperty({ description: 'id of the end node' })
  to: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  realm: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  source_id: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  properties: Record<string, unknown>;
}

export class HistogramBucketDto {
  @ApiProperty()
  bucket: string;

  @ApiProperty()
  count: number;
}

export class SearchFacetsDto {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  labels: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  realms: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'by source_id' })
  sources: Record<string, number>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'by connector type of the source (kubernetes, csv, …)',
  })
  connectors: Record<string, number>;
}

export class NodeSearchPageDto {
  @ApiProperty({ type: [GraphNodeDto] })
  items: GraphNodeDto[];

  @ApiProperty({ nullable: true, type: String })
  next_cursor: string | null;

  @ApiProperty()
  total: number;

  @ApiProperty({ type: SearchFacetsDto })
  facets: SearchFacetsDto;

  @ApiProperty({ type: [HistogramBucketDto], description: 'matches per day of updated_at' })
  histogram: HistogramBucketDto[];
}

export class SubgraphDto {
  @ApiProperty({ type: [GraphNodeDto] })
  nodes: GraphNodeDto[];

  @ApiProperty({ type: [GraphEdgeDto] })
  edges: GraphEdgeDto[];

  @ApiProperty()
  truncated: boolean;
}

export class GraphStatsDto {
  @ApiProperty()
  nodes: number;

  @ApiProperty()
  edges: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  by_label: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  by_realm: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  by_source: Record<string, number>;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  by_edge_type: Record<string, number>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description: 'nodes by connector type of their source',
  })
  by_connector: Record<string, number>;

  @ApiPropertyOptional({ nullable: true, type: String })
  last_ingested_at: string | null;
}

export class RealmSchemaDto {
  @ApiProperty({ type: [String] })
  labels: string[];

  @ApiProperty({ type: [String] })
  edge_types: string[];

  @ApiProperty({ type: [String] })
  property_keys: string[];
}

export class GraphSchemaDto extends RealmSchemaDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
    description: 'property keys per label',
  })
  label_properties: Record<string, string[]>;

  @ApiProperty({ type: 'object', additionalProperties: { $ref: '#/components/schemas/RealmSchemaDto' } })
  realms: Record<string, RealmSchemaDto>;
}

export class CypherResultDto {
  @ApiProperty({ type: [String] })
  columns: string[];

  @ApiProperty({ type: 'array', items: { type: 'array', items: {} } })
  rows: unknown[][];

  @ApiProperty()
  row_count: number;

  @ApiProperty()
  truncated: boolean;

  @ApiProperty()
  took_ms: number;
}
