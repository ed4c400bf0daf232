import { AppConfig } from '@libs/config';
import { AppException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { hashPassword, verifyPassword } from './passwords';
import { Semaphore, SemaphoreFullError } from './semaphore';

const DUMMY_PASSWORD = 'agentcy-no-such-user-password';

/** 503 when the hashing queue is full: the process is saturated, not the caller over a quota. */
export class ServerBusyException extends AppException {
  constructor() {
    super(
      503,
      'server_busy',
      'Too many password operations in progress; retry shortly',
      { retry_after_secs: 1 },
      { 'Retry-After': '1' },
    );
  }
}

/**
 * argon2id with bounded concurrency (PASSWORD_HASH_CONCURRENCY at once, PASSWORD_HASH_QUEUE_MAX
 * waiting, beyond that 503 `server_busy`): argon2 runs on the libuv thread pool, which DNS
 * lookups and file I/O share, so a flood of logins must not occupy all of it.
 */
@Injectable()
export class PasswordHasher {
  private readonly slots: Semaphore;
  private dummy?: Promise<string>;

  constructor(config: AppConfig) {
    this.slots = new Semaphore(config.passwordHashing.concurrency, config.passwordHashing.queueMax);
  }

  hash(password: string): Promise<string> {
    return this.bounded(() => hashPassword(password));
  }

  verify(hashed: string, password: string): Promise<boolean> {
    return this.bounded(() => verifyPassword(hashed, password));
  }

  /** Verifies against a real hash when there is no user, so timing does not reveal accounts; always false. */
  async verifyNobody(password: string): Promise<false> {
    this.dummy ??= this.hash(DUMMY_PASSWORD).catch((err: unknown) => {
      this.dummy = undefined;
      throw err;
    });
    await this.verify(await this.dummy, password);
    return false;
  }

  private async bounded<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await this.slots.run(task);
    } catch (err) {
      throw err instanceof SemaphoreFullError ? new ServerBusyException() : err;
    }
  }
}
