import { Module } from '@nestjs/common';
import { PlatformController } from './platform.controller';
import { PlatformService } from './platform.service';

/** `/platform`: install administration (platform admins only). */
@Module({ controllers: [PlatformController], providers: [PlatformService] })
export class PlatformModule {}
