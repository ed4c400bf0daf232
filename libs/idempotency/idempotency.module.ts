import { CryptoModule } from '@libs/crypto/crypto.module';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';

@Module({
  imports: [TypeOrmModule.forFeature([IdempotencyKeyEntity]), CryptoModule],
  providers: [IdempotencyRepository, IdempotencyInterceptor],
  // the interceptor is also created in the module of each mutating route (see @libs/http Post/Put/Patch/Delete)
  exports: [IdempotencyRepository, IdempotencyInterceptor, CryptoModule],
})
export class IdempotencyModule {}
