import type { Principal, Role } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { AppException } from '@libs/errors';
import { BlobNotFoundError, BlobStore, type PutOptions, type StoredBlob } from '@libs/storage';
import { Readable } from 'node:stream';
import { ArtifactLinkSigner } from './artifact-links';
import type { ArtifactEntity } from './artifact.entity';
import { ArtifactsRecorder } from './artifacts.recorder';
import type { ArtifactsRepository, NewArtifactRow } from './artifacts.repository';
import { ArtifactsService } from './artifacts.service';
import type { UploadedBlob } from './blob-storage.engine';

class FakeStore extends BlobStore {
  readonly kind = 'local' as const;
  readonly blobs = new Map<string, Buffer>();
  put(key: string, body: Readable | Buffer, _opts: PutOptions): Promise<StoredBlob> {
    const b = body as Buffer;
    this.blobs.set(key, b);
    return Promise.resolve({ sizeBytes: b.length, sha256: 'x'.repeat(64), head: b });
  }
  get(key: string): Promise<Readable> {
    const b = this.blobs.get(key);
    return b ? Promise.resolve(Readable.from([b])) : Promise.reject(new BlobNotFoundError(key));
  }
  delete(key: string): Promise<void> {
    this.blobs.delete(key);
    return Promise.resolve();
  }
  exists(key: string): Promise<boolean> {
    return Promise.resolve(this.blobs.has(key));
  }
}

class FakeRepo {
  readonly rows = new Map<string, ArtifactEntity>();
  insert(row: NewArtifactRow) {
    const e = { ...row, createdAt: new Date() } as ArtifactEntity;
    this.rows.set(row.id, e);
    return Promise.resolve(e);
  }
  find(orgId: string, id: string) {
    const e = this.rows.get(id);
    return Promise.resolve(e && e.orgId === orgId ? e : null);
  }
  findForSignedLink(id: string) {
    return Promise.resolve(this.rows.get(id) ?? null);
  }
  delete(orgId: string, id: string) {
    const e = this.rows.get(id);
    return Promise.resolve(!!e && e.orgId === orgId && this.rows.delete(id));
  }
}

const ORG = '00000000-0000-4000-8000-000000000001';
const principal = (userId: string, role: Role, orgId = ORG): Principal => ({
  kind: 'user',
  userId,
  orgId,
  role,
  email: `${userId}@example.test`,
  platformAdmin: false,
  authProvider: 'local',
});

describe('ArtifactsService', () => {
  const config = AppConfig.fromEnv({ NODE_ENV: 'test' });
  let store: FakeStore;
  let repo: FakeRepo;
  let service: ArtifactsService;
  let links: ArtifactLinkSigner;
  const audit = { record: jest.fn().mockResolvedValue(undefined) };

  beforeEach(() => {
    store = new FakeStore();
    repo = new FakeRepo();
    links = new ArtifactLinkSigner(config);
    const r = repo as unknown as ArtifactsRepository;
    const recorder = new ArtifactsRecorder(r, store, config, links, audit as never);
    service = new ArtifactsService(r, recorder, store, links);
  });

  const stored = async (orgId: string, id: string, content: Buffer): Promise<UploadedBlob> => {
    const storageKey = `${orgId}/${id}`;
    return {
      fieldname: 'file',
      originalname: '../x/evil.html',
      mimetype: 'text/html',
      artifactId: id,
      storageKey,
      stored: await store.put(storageKey, content, { maxBytes: 100 }),
    };
  };
  const ID = `art_${'a'.repeat(32)}`;

  it('sniffs the type from the bytes and keeps the declared one aside; the name loses its path', async () => {
    const dto = await service.upload(principal('u1', 'member'), await stored(ORG, ID, Buffer.from('%PDF-1.4 ...')), {});
    expect(dto).toMatchObject({
      id: ID,
      name: 'evil.html',
      mime: 'application/pdf',
      declared_content_type: 'text/html',
    });
    expect(
      links.check(
        ID,
        new URL(dto.download_url).searchParams.get('expires')!,
        new URL(dto.download_url).searchParams.get('sig')!,
      ),
    ).toBe('ok');
  });

  it('invalid form fields: 400 and the stored blob is removed', async () => {
    const file = await stored(ORG, ID, Buffer.from('x'));
    await expect(service.upload(principal('u1', 'member'), file, { bogus: '1' })).rejects.toMatchObject({
      status: 400,
    });
    expect(store.blobs.size).toBe(0);
    expect(repo.rows.size).toBe(0);
  });

  it('delete: the creator or an admin; another member is refused; another org sees 404', async () => {
    await service.upload(principal('u1', 'member'), await stored(ORG, ID, Buffer.from('x')), {});
    await expect(service.remove(principal('u2', 'member'), ID)).rejects.toMatchObject({ status: 403 });
    await expect(
      service.remove(principal('u1', 'owner', '00000000-0000-4000-8000-000000000002'), ID),
    ).rejects.toMatchObject({ status: 404 });
    await service.remove(principal('u3', 'admin'), ID);
    expect(repo.rows.size).toBe(0);
    expect(store.blobs.size).toBe(0);
    await expect(service.remove(principal('u1', 'member'), ID)).rejects.toMatchObject({ status: 404 });
  });

  it('signed content: expired and forged links are refused before any lookup', async () => {
    await service.upload(principal('u1', 'member'), await stored(ORG, ID, Buffer.from('x')), {});
    const past = Math.floor(Date.now() / 1000) - 10;
    await expect(service.openSigned(ID, String(past), links.signature(ID, past))).rejects.toMatchObject({
      status: 403,
      code: 'link_expired',
    });
    const future = Math.floor(Date.now() / 1000) + 60;
    await expect(service.openSigned(ID, String(future), 'forged')).rejects.toMatchObject({ code: 'link_invalid' });
    await expect(service.openSigned(ID, String(future + 1), links.signature(ID, future))).rejects.toBeInstanceOf(
      AppException,
    );
    const ok = await service.openSigned(ID, String(future), links.signature(ID, future));
    expect(ok).toMatchObject({ name: 'evil.html', contentType: 'text/plain; charset=utf-8', sizeBytes: 1 });
  });

  it('a row whose blob is missing answers 404, not 500', async () => {
    await service.upload(principal('u1', 'member'), await stored(ORG, ID, Buffer.from('x')), {});
    store.blobs.clear();
    await expect(service.open(principal('u1', 'viewer'), ID)).rejects.toMatchObject({ status: 404 });
  });
});
