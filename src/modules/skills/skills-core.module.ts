import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ConversationSkills } from './conversation-skills';
import { ConversationSkillEntity, SkillEntity } from './skill.entity';
import { SkillsContract } from './skills.contract';
import { SkillsRepository } from './skills.repository';

/**
 * The skills store and `SkillsContract` (approved skills, per-conversation enablement, prompt
 * section) without routes: imported by ChatModule (context step, skill meta-tools) and SkillsModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([SkillEntity, ConversationSkillEntity])],
  providers: [SkillsRepository, ConversationSkills, { provide: SkillsContract, useExisting: ConversationSkills }],
  exports: [SkillsContract, SkillsRepository],
})
export class SkillsCoreModule {}
