import { Module } from '@nestjs/common';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/** `/users`: profile, org members, org invites. Repositories come from the global OrgsModule. */
@Module({ controllers: [UsersController], providers: [UsersService] })
export class UsersModule {}
