import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { assertBlobKey } from './blob-key';
import { BlobNotFoundError, BlobTooLargeError } from './blob-store';
import { LocalBlobStore } from './local-blob-store';

const read = async (s: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of s) {
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
};

describe('LocalBlobStore', () => {
  let dir: string;
  let store: LocalBlobStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'blob-spec-'));
    store = new LocalBlobStore(join(dir, 'root'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('puts a stream (counted, hashed, head kept), reads it back, deletes it', async () => {
    const body = Buffer.from('hello blob');
    const stored = await store.put('org1/art_1', Readable.from([body.subarray(0, 4), body.subarray(4)]), {
      maxBytes: 100,
    });
    expect(stored).toEqual({ sizeBytes: 10, sha256: createHash('sha256').update(body).digest('hex'), head: body });
    expect(await store.exists('org1/art_1')).toBe(true);
    expect((await read(await store.get('org1/art_1'))).toString()).toBe('hello blob');
    await store.delete('org1/art_1');
    expect(await store.exists('org1/art_1')).toBe(false);
    await expect(store.get('org1/art_1')).rejects.toBeInstanceOf(BlobNotFoundError);
    await store.delete('org1/art_1');
  });

  it('refuses a body over the limit and keeps nothing (stream and buffer)', async () => {
    await expect(
      store.put('org1/big', Readable.from([Buffer.alloc(60), Buffer.alloc(60)]), { maxBytes: 100 }),
    ).rejects.toBeInstanceOf(BlobTooLargeError);
    await expect(store.put('org1/big2', Buffer.alloc(101), { maxBytes: 100 })).rejects.toBeInstanceOf(
      BlobTooLargeError,
    );
    expect(await readdir(join(dir, 'root', 'org1'))).toEqual([]);
  });

  it.each(['../escape', 'org/../../etc/passwd', '/etc/passwd', 'a\\b', 'a/./b', '', 'a//b', '.hidden', 'a b'])(
    'refuses key %j',
    async (key) => {
      expect(() => assertBlobKey(key)).toThrow();
      await expect(store.put(key, Buffer.from('x'), { maxBytes: 10 })).rejects.toThrow(/invalid blob key/);
    },
  );
});
