/** Thrown by `Semaphore.run` when every slot is busy and the waiting line is full. */
export class SemaphoreFullError extends Error {
  constructor() {
    super('semaphore queue is full');
  }
}

/**
 * At most `limit` tasks run at once; up to `queueMax` more wait (FIFO); any beyond that are
 * refused at once instead of piling up. A finishing task hands its slot to the next waiter.
 */
export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly queueMax: number,
  ) {}

  get running(): number {
    return this.active;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) {
      this.active++;
    } else if (this.waiters.length < this.queueMax) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    } else {
      throw new SemaphoreFullError();
    }
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) {
      next();
    } else {
      this.active--;
    }
  }
}
