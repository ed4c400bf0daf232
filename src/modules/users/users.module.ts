import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { OrgsModule } from '../orgs/orgs.module';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** `/users`: profile, org members, org invites (over the OrgsModule contract). */
@Module({
  imports: [AuthModule, OrgsModule, IdempotencyModule],
  controllers: [UsersController],
  providers: [UsersService],
})
export class UsersModule {}
