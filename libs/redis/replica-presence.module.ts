import { Module } from '@nestjs/common';
import { ReplicaPresence } from './replica-presence';

/**
 * Replica presence: one `ReplicaPresence` per process, shared by every module that imports this
 * one (chat, pipelines). Not global: users import it explicitly. Uses the global RedisService and
 * AppConfig.
 */
@Module({ providers: [ReplicaPresence], exports: [ReplicaPresence] })
export class ReplicaPresenceModule {}
