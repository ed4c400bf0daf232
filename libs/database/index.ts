export * from './base.entity';
export * from './database-ping';
export * from './database.module';
export * from './entity-rows';
export * from './ids';
export * from './migrations';
export * from './transaction';
export * from './typeorm.options';
