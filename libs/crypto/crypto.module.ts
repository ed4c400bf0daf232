import { AppConfig } from '@libs/config';
import { Global, Module } from '@nestjs/common';
import { SecretBox } from './secret-box';

@Global()
@Module({
  providers: [
    { provide: SecretBox, inject: [AppConfig], useFactory: (c: AppConfig) => new SecretBox(c.encryptionKey) },
  ],
  exports: [SecretBox],
})
export class CryptoModule {}
