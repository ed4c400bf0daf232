import { Propagation, TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';

export { Propagation, TransactionHost } from '@nestjs-cls/transactional';
export { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';

/** The transaction host of this application (`txHost.tx`: the current transaction's EntityManager, or the plain one). */
export type TypeOrmTransactionHost = TransactionHost<TransactionalAdapterTypeOrm>;

/**
 * The one transaction helper: runs the method in a transaction (joining the caller's one if
 * there is one); every repository call inside uses it through `txHost.tx`. The class injects
 * `TransactionHost` as `txHost`: the library's own decorator looks the host up in a static
 * registry, which is wrong as soon as two applications share a process (replica tests).
 */
export function Transactional(propagation: Propagation = Propagation.Required): MethodDecorator {
  return (_target, key, descriptor: PropertyDescriptor) => {
    const original = descriptor.value as (...args: unknown[]) => Promise<unknown>;
    const wrapped = function (this: { txHost?: TypeOrmTransactionHost }, ...args: unknown[]) {
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
