import { Module } from '@nestjs/common';

/** `/skills` and `/chat/conversations/:id/skills`: markdown skills and their approval workflow (docs/skills.md). */
@Module({})
export class SkillsModule {}
