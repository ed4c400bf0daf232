import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { REALM_NAME_PATTERN } from '../realms.constants';

export class CreateRealmDto {
  @ApiProperty({ example: 'knowledge', pattern: REALM_NAME_PATTERN.source })
  @IsString()
  @Matches(REALM_NAME_PATTERN, { message: 'name must be a lowercase slug matching ^[a-z][a-z0-9_-]{1,62}$' })
  name: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;
}

export class UpdateRealmDto {
  @ApiPropertyOptional({ maxLength: 2000, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;
}

export class RealmListQuery extends PageQuery {}

export class DeleteRealmQuery {
  @ApiPropertyOptional({
    default: false,
    description: "Archive the realm's graph data and move its sources to `default`",
  })
  @IsOptional()
  @Transform(({ value }) =>
    value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value,
  )
  @IsBoolean()
  force?: boolean;
}

export class RealmDto {
  @ApiProperty({ description: 'uuid for custom realms; the name for built-ins' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  description: string | null;

  @ApiProperty()
  builtin: boolean;

  @ApiProperty()
  node_count: number;

  @ApiProperty()
  edge_count: number;

  @ApiProperty()
  source_count: number;

  @ApiPropertyOptional({ nullable: true, type: String })
  created_at: string | null;

  @ApiPropertyOptional({ nullable: true, type: String })
  updated_at: string | null;
}

export class AvailableRealmDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  name: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  description: string | null;

  @ApiProperty()
  builtin: boolean;
}
