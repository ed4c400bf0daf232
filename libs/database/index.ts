export * from './base.entity';
export * from './typeorm.options';
export * from './migrations';
export * from './database.module';
