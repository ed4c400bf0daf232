import { PageQuery } from '@libs/pagination';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { JOB_STATUS_VALUES, REALM_RE, SYNC_MODES } from '../../sources/dto/source-request.dto';
import { JobDto, SourceDto } from '../../sources/dto/source-response.dto';

export class StartIngestionDto {
  @ApiProperty()
  @IsUUID()
  source_id: string;

  @ApiPropertyOptional({ enum: SYNC_MODES })
  @IsOptional()
  @IsIn(SYNC_MODES)
  mode?: 'full' | 'incremental';
}

export class ListIngestionJobsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: JOB_STATUS_VALUES })
  @IsOptional()
  @IsIn(JOB_STATUS_VALUES)
  status?: (typeof JOB_STATUS_VALUES)[number];

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  source_id?: string;

  @ApiPropertyOptional({ description: 'ISO timestamp; jobs created at or after' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  since?: Date;
}

/** Fields of an upload (multipart form fields or query parameters of a raw-body upload). */
export class UploadIngestDto {
  @ApiPropertyOptional({ description: 'existing csv/json source to re-ingest from this file' })
  @IsOptional()
  @IsUUID()
  source_id?: string;

  @ApiPropertyOptional({ enum: ['csv', 'json'], description: 'default: from the file name / content type' })
  @IsOptional()
  @IsIn(['csv', 'json'])
  source_type?: 'csv' | 'json';

  @ApiPropertyOptional({ description: 'name of the ad-hoc source (default: upload <file name>)' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(REALM_RE)
  realm?: string;

  @ApiPropertyOptional({ default: 'Record' })
  @IsOptional()
  @Matches(/^[A-Z][A-Za-z0-9_]{0,63}$/, {
    message: 'label must start with an uppercase letter and contain letters, digits or _',
  })
  label?: string;

  @ApiPropertyOptional({ description: 'csv key column / json key field' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  key?: string;

  @ApiPropertyOptional({ description: 'csv name column / json name field' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name_field?: string;

  @ApiPropertyOptional({ description: 'json: dot path of the records array' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  records_path?: string;

  @ApiPropertyOptional({ description: 'file name for raw-body uploads' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  filename?: string;
}

export class UploadResultDto {
  @ApiProperty({ example: 'upl_…' }) file_id: string;
  @ApiProperty() size_bytes: number;
  @ApiProperty({ type: SourceDto }) source: SourceDto;
  @ApiProperty({ type: JobDto }) job: JobDto;
}

export class SourceStatusDto {
  @ApiProperty() source_id: string;
  @ApiProperty() name: string;
  @ApiProperty() source_type: string;
  @ApiProperty() realm: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty() status: string;
  @ApiProperty({ type: JobDto, nullable: true }) last_job: JobDto | null;
  @ApiProperty({ type: String, nullable: true }) schedule: string | null;
  @ApiProperty({ type: String, nullable: true }) next_run_at: string | null;
  @ApiProperty({ description: 'live graph nodes of this source' }) node_count: number;
}
