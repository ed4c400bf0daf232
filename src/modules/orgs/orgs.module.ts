import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrganizationEntity } from './organization.entity';
import { OrgsRepository } from './orgs.repository';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

/** Organizations and users: the tenancy root every other module reads. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([OrganizationEntity, UserEntity])],
  providers: [OrgsRepository, UsersRepository],
  exports: [OrgsRepository, UsersRepository],
})
export class OrgsModule {}
