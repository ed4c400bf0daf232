import { AppConfig } from '@libs/config';
import { Module } from '@nestjs/common';
import { SecretBox } from './secret-box';

@Module({
  providers: [
    { provide: SecretBox, inject: [AppConfig], useFactory: (c: AppConfig) => new SecretBox(c.encryptionKey) },
  ],
  exports: [SecretBox],
})
export class CryptoModule {}
