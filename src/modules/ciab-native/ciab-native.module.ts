import { Module } from '@nestjs/common';

/** Local coding-agent sessions (/ciab-native) and their port mappings (/sandboxes) (docs/ciab.md). */
@Module({})
export class CiabNativeModule {}
