import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { RequiresFeature } from '@libs/features';
import { Post } from '@libs/http';
import { IdempotencyModule } from '@libs/idempotency';
import { PageQuery, paginate } from '@libs/pagination';
import { Body, Controller, Get, Module, Query } from '@nestjs/common';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { IsOptional, IsString } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { UserEntity } from 'src/modules/orgs/user.entity';
import { Repository } from 'typeorm';

/**
 * Test-only routes that exercise the cross-cutting machinery (idempotency, pagination,
 * feature flags) on real PostgreSQL without depending on any business module.
 */
export const probeCalls = { count: 0 };

class ProbeBody {
  @IsString()
  name: string;

  @IsOptional()
  @IsString()
  note?: string;
}

class UsersPageQuery extends PageQuery {
  @IsOptional()
  @IsString()
  email_prefix?: string;
}

@Controller('probe')
class CoreProbeController {
  constructor(@InjectRepository(UserEntity) private readonly users: Repository<UserEntity>) {}

  @Post('records')
  @Authenticated()
  async create(@CurrentPrincipal() p: Principal, @Body() body: ProbeBody) {
    probeCalls.count++;
    await new Promise((r) => setTimeout(r, 150)); // widen the race window for concurrency tests
    return { id: randomUUID(), name: body.name, org_id: p.orgId };
  }

  @Get('users')
  @Authenticated()
  list(@CurrentPrincipal() p: Principal, @Query() q: UsersPageQuery) {
    const qb = this.users.createQueryBuilder('u').where('u.organization_id = :org', { org: p.orgId });
    if (q.email_prefix) {
      qb.andWhere('u.email LIKE :prefix', { prefix: `${q.email_prefix}%` });
    }
    return paginate(qb, q, {
      scope: `probe-users:${p.orgId}:${q.email_prefix ?? ''}`,
      map: (u) => ({ id: u.id, email: u.email }),
    });
  }

  @Get('voice-only')
  @Authenticated()
  @RequiresFeature('voice')
  voice() {
    return { ok: true };
  }
}

@Module({ imports: [TypeOrmModule.forFeature([UserEntity]), IdempotencyModule], controllers: [CoreProbeController] })
export class CoreProbesModule {}
