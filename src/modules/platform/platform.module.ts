import { Module } from '@nestjs/common';
import { OrgPurgeService } from './org-purge.service';
import { PlatformController } from './platform.controller';
import { PlatformService } from './platform.service';

/** `/platform`: install administration (platform admins only), and the purge of deleted orgs. */
@Module({ controllers: [PlatformController], providers: [PlatformService, OrgPurgeService] })
export class PlatformModule {}
