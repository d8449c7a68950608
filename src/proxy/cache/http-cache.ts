import type { CacheModel } from './cache-config.js';

export interface CachedObject {
  readonly status: number;
  readonly reason: string;
  readonly headers: [string, string][];
  readonly body: Buffer;
  readonly storedAt: number;
  readonly expiresAt: number;
  /** The Age the server gave, added to the time spent in the cache. */
  readonly initialAge: number;
  readonly vary: readonly string[];
  readonly size: number;
}

/**
 * One `cache` section at run time: objects by primary key (Host and URI)
 * and, for responses with Vary, by secondary key; least recently used
 * objects go first when total-max-size is reached.
 */
export class HttpCache {
  private readonly entries = new Map<string, Map<string, CachedObject>>();
  private used = 0;
  lookups = 0;
  hits = 0;

  constructor(readonly model: CacheModel) {}

  get name(): string {
    return this.model.name;
  }

  /** A fresh object for the key whose variant suits the request (`matches(secondaryKey, vary)`). */
  get(primary: string, matches: (secondaryKey: string, vary: readonly string[]) => boolean, now = Date.now()): CachedObject | undefined {
    this.lookups++;
    const bucket = this.entries.get(primary);
    if (!bucket) return undefined;
    for (const [sk, obj] of bucket) {
      if (obj.expiresAt <= now) {
        this.remove(primary, sk);
        continue;
      }
      if (!matches(sk, obj.vary)) continue;
      // Refresh recency.
      this.entries.delete(primary);
      this.entries.set(primary, bucket);
      this.hits++;
      return obj;
    }
    return undefined;
  }

  put(primary: string, secondaryKey: string, obj: CachedObject): boolean {
    if (obj.size > this.model.maxObjectSize || obj.size > this.model.totalMaxSize) return false;
    let bucket = this.entries.get(primary);
    if (bucket?.has(secondaryKey)) this.remove(primary, secondaryKey);
    bucket = this.entries.get(primary);
    if (bucket && obj.vary.length > 0 && bucket.size >= this.model.maxSecondaryEntries) return false;
    while (this.used + obj.size > this.model.totalMaxSize && this.entries.size > 0) {
      const [oldKey, oldBucket] = this.entries.entries().next().value as [string, Map<string, CachedObject>];
      for (const sk of [...oldBucket.keys()]) this.remove(oldKey, sk);
    }
    bucket = this.entries.get(primary);
    if (!bucket) {
      bucket = new Map();
      this.entries.set(primary, bucket);
    }
    bucket.set(secondaryKey, obj);
    this.used += obj.size;
    return true;
  }

  private remove(primary: string, secondaryKey: string): void {
    const bucket = this.entries.get(primary);
    const obj = bucket?.get(secondaryKey);
    if (!bucket || !obj) return;
    bucket.delete(secondaryKey);
    this.used -= obj.size;
    if (bucket.size === 0) this.entries.delete(primary);
  }

  get usedBytes(): number {
    return this.used;
  }
}
