import { PrincipalChangesModule } from '@libs/auth/principal-changes';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InviteEntity } from './invite.entity';
import { InvitesRepository } from './invites.repository';
import { InvitesService } from './invites.service';
import { OrgSettingsCache } from './org-settings-cache';
import { OrganizationEntity } from './organization.entity';
import { OrgsRepository } from './orgs.repository';
import { PasswordResetEntity } from './password-reset.entity';
import { PasswordResetsRepository } from './password-resets.repository';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

/** Organizations, users and invites: the tenancy root every other module reads. */
@Module({
  imports: [
    TypeOrmModule.forFeature([OrganizationEntity, UserEntity, InviteEntity, PasswordResetEntity]),
    PrincipalChangesModule,
  ],
  providers: [
    OrgsRepository,
    OrgSettingsCache,
    UsersRepository,
    InvitesRepository,
    InvitesService,
    PasswordResetsRepository,
  ],
  exports: [OrgsRepository, UsersRepository, InvitesRepository, InvitesService, PasswordResetsRepository],
})
export class OrgsModule {}
