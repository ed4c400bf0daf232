import { Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager } from 'typeorm';

export enum Propagation {
  /** join the caller's transaction, or start one */
  Required = 'REQUIRED',
  /** always a transaction of its own, even inside another */
  RequiresNew = 'REQUIRES_NEW',
}

/**
 * The current transaction of the async call chain. Repositories read `txHost.tx`: the
 * transaction's EntityManager inside `withTransaction`, the plain one outside. The store is this
 * instance's own AsyncLocalStorage (never process-wide), so two applications in one process
 * (replica tests) cannot see each other's transactions, and a request that opens none pays nothing.
 * The store is switched off while no transaction is open: an enabled AsyncLocalStorage has Node
 * run a hook on every promise the process creates (≈ 5 % of a chat turn's CPU, docs/performance.md).
 */
interface TransactionScope {
  manager: EntityManager;
  afterCommit: (() => Promise<void>)[];
}

@Injectable()
export class TransactionHost {
  private readonly current = new AsyncLocalStorage<TransactionScope>();
  /** transactions open now; at 0 the store is disabled (`run` enables it again) */
  private open = 0;

  constructor(private readonly dataSource: DataSource) {}

  get tx(): EntityManager {
    return this.current.getStore()?.manager ?? this.dataSource.manager;
  }

  /** Whether the call chain runs inside `withTransaction` (statements outside `tx` would not join it). */
  get inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  async withTransaction<T>(propagation: Propagation, fn: () => Promise<T>): Promise<T> {
    if (propagation === Propagation.Required && this.current.getStore()) {
      return fn();
    }
    const scope: TransactionScope = { manager: this.dataSource.manager, afterCommit: [] };
    this.open++;
    let result: T;
    try {
      result = await this.dataSource.transaction((manager) => {
        scope.manager = manager;
        return this.current.run(scope, fn);
      });
    } finally {
      if (--this.open === 0) {
        this.current.disable();
      }
    }
    await Promise.allSettled(scope.afterCommit.map((run) => run()));
    return result;
  }

  /**
   * Runs `fn` once the current transaction has committed (at once outside one; never after a
   * rollback). For announcements other replicas act on: announced before the commit, a replica
   * could re-read the old row and keep it.
   */
  async afterCommit(fn: () => Promise<void>): Promise<void> {
    const scope = this.current.getStore();
    if (scope) {
      scope.afterCommit.push(fn);
      return;
    }
    await fn();
  }
}

/**
 * The one transaction helper: runs the method in a transaction (joining the caller's one if
 * there is one); every repository call inside uses it through `txHost.tx`. The class injects
 * `TransactionHost` as `txHost`.
 */
export function Transactional(propagation: Propagation = Propagation.Required): MethodDecorator {
  return (_target, key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    const wrapped = function (this: { txHost?: TransactionHost }, ...args: unknown[]) {
      const host = this.txHost;
      if (!(host instanceof TransactionHost)) {
        throw new Error(`@Transactional() on ${String(key)}: the class must inject TransactionHost as "txHost"`);
      }
      return host.withTransaction(propagation, () => original.apply(this, args));
    };
    for (const k of Reflect.getMetadataKeys(original)) {
      Reflect.defineMetadata(k, Reflect.getMetadata(k, original), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: original.name });
    descriptor.value = wrapped;
  };
}
