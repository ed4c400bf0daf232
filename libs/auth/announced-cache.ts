import { Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { PrincipalChange, PrincipalChanges } from './principal-changes';

interface Entry<V> {
  value: V;
  /** what an announcement may name to drop the entry (an org id, say) */
  tags: readonly string[];
  expiresAt: number;
}

/** An entry's tags, given or computed from the loaded value (a row's org, say). */
export type Tags<V> = string | readonly string[] | ((value: V) => readonly string[]);

/**
 * A replica's cache of rows that change rarely and are read on hot paths, kept correct across
 * replicas by PrincipalChanges: `tagOf` maps each announcement to the tag it drops (or none), a gap
 * in announcements (the subscriber reconnected) drops everything, an entry lives at most `ttlMs`
 * (an announcement lost with Redis), and a load that overlaps any drop is not kept. Values are
 * deep-frozen: callers copy, never edit. Failed loads are not cached. A subclass is a provider of
 * the module that owns the rows (it announces their changes through `changes`).
 */
export abstract class AnnouncedCache<V> implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(this.constructor.name);
  private readonly entries = new Map<string, Entry<V>>();
  private stopListening: (() => Promise<void>) | undefined;
  /** bumped on every drop, so a load that started before a change is not kept after it */
  private generation = 0;

  protected constructor(
    protected readonly changes: PrincipalChanges,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The tag an announcement drops, or undefined when it concerns nothing this cache holds. */
  protected abstract tagOf(change: PrincipalChange): string | undefined;

  async onModuleInit(): Promise<void> {
    this.stopListening = await this.changes.listen(
      (change) => {
        const tag = this.tagOf(change);
        if (tag !== undefined) {
          this.drop(tag);
        }
      },
      () => this.clear(),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.stopListening?.().catch((err: Error) => this.logger.warn(err.message));
  }

  /** The entry under `key` if it has not expired (synchronous: for callers that cannot wait). */
  protected peek(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) {
      return undefined;
    }
    if (hit.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return hit.value;
  }

  /** The entry under `key`, else `load`'s value, kept unless `keep` refuses it (a row not found, say). */
  protected async through(
    key: string,
    tags: Tags<V>,
    load: () => Promise<V>,
    keep?: (value: V) => boolean,
  ): Promise<V> {
    const hit = this.peek(key);
    return hit !== undefined ? hit : this.fill(key, tags, load, keep);
  }

  /** `load`'s value, kept under `key` (as `through` keeps it) whatever the cache held. */
  protected async fill(
    key: string,
    tags: Tags<V>,
    load: () => Promise<V>,
    keep: (value: V) => boolean = () => true,
  ): Promise<V> {
    const generation = this.generation;
    const value = deepFreeze(await load());
    if (generation === this.generation && keep(value)) {
      this.insert(key, tagsOf(tags, value), value);
    }
    return value;
  }

  /**
   * Keeps a value the caller has just written and read back (a row it created), so the next read
   * needs no load. Only for a key no change can concern yet: a row inserted a moment ago.
   */
  protected remember(key: string, tags: Tags<V>, value: V): V {
    const frozen = deepFreeze(value);
    this.insert(key, tagsOf(tags, frozen), frozen);
    return frozen;
  }

  private insert(key: string, tags: readonly string[], value: V): void {
    if (this.entries.size >= this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, { value, tags, expiresAt: Date.now() + this.ttlMs });
  }

  private drop(tag: string): void {
    this.generation++;
    for (const [key, e] of this.entries) {
      if (e.tags.includes(tag)) {
        this.entries.delete(key);
      }
    }
  }

  private clear(): void {
    this.generation++;
    this.entries.clear();
  }
}

function tagsOf<V>(tags: Tags<V>, value: V): readonly string[] {
  return typeof tags === 'string' ? [tags] : typeof tags === 'function' ? tags(value) : tags;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) {
      deepFreeze(v);
    }
  }
  return value;
}
