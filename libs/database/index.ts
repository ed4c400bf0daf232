export * from './base.entity';
export * from './database.module';
export * from './migrations';
export * from './typeorm.options';
