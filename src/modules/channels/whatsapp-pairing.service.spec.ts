import type { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import type { AppConfig } from '@libs/config';
import { AppException, NotFoundException } from '@libs/errors';
import type { RedisService } from '@libs/redis';
import type { ChannelEntity } from './channel.entity';
import type { ChannelsRepository } from './channels.repository';
import { WhatsappGateway, WhatsappSessionGone, type WhatsappSessionState } from './whatsapp-gateway';
import { WhatsappPairingService } from './whatsapp-pairing.service';

class FakeGateway extends WhatsappGateway {
  configured = true;
  state: WhatsappSessionState | 'gone' = { status: 'pending' };
  cancelled: string[] = [];
  startSession = async () => ({ qr: 'QR', qrDataUrl: 'data:image/png;base64,AA', expiresIn: 60 });
  sessionStatus = async () => {
    if (this.state === 'gone') {
      throw new WhatsappSessionGone('x');
    }
    return this.state;
  };
  cancelSession = async (id: string) => {
    this.cancelled.push(id);
  };
  unpair = async () => undefined;
  send = async () => undefined;
}

describe('WhatsappPairingService', () => {
  const p = { orgId: 'org-1', userId: 'u1' } as Principal;
  let store: Map<string, string>;
  let channel: ChannelEntity | null;
  let gw: FakeGateway;
  let svc: WhatsappPairingService;
  let now: number;

  beforeEach(() => {
    store = new Map();
    channel = null;
    now = 1_700_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const redis = {
      key: (...parts: string[]) => parts.join(':'),
      client: {
        get: async (k: string) => store.get(k) ?? null,
        set: async (k: string, v: string) => {
          store.set(k, v);
          return 'OK';
        },
      },
    } as unknown as RedisService;
    const repo = {
      findByType: async () => channel,
      listChannels: async () => (channel ? [channel] : []),
      upsert: async (orgId: string, type: string, patch: Partial<ChannelEntity>) =>
        (channel = { id: 'chn_1', orgId, type, config: {}, enabled: true, ...patch } as ChannelEntity),
      update: async (_o: string, _id: string, patch: Partial<ChannelEntity>) => {
        channel = { ...channel!, ...patch };
      },
    } as unknown as ChannelsRepository;
    gw = new FakeGateway();
    const audit = { record: async () => undefined } as unknown as AuditService;
    const config = { publicBaseUrl: 'https://api.example' } as AppConfig;
    svc = new WhatsappPairingService(repo, gw, redis, audit, config);
  });
  afterEach(() => jest.restoreAllMocks());

  it('pending until the gateway says connected; then the channel is active with the phone', async () => {
    const s = await svc.start(p);
    expect(channel).toMatchObject({ enabled: false, config: { display_name: 'Agentcy' } });
    expect(await svc.status(p, s.session_id)).toEqual({ status: 'pending' });
    gw.state = { status: 'connected', phone: '+1555' };
    expect(await svc.status(p, s.session_id)).toEqual({ status: 'connected', phone: '+1555' });
    expect(channel).toMatchObject({ enabled: true, config: { phone: '+1555' } });
    // finished sessions answer from the store, without asking the gateway
    gw.state = 'gone';
    expect(await svc.status(p, s.session_id)).toEqual({ status: 'connected', phone: '+1555' });
  });

  it('expires after expires_in even if the gateway still says pending, and cancels it there', async () => {
    const s = await svc.start(p);
    now += 61_000;
    expect(await svc.status(p, s.session_id)).toEqual({ status: 'expired' });
    expect(gw.cancelled).toContain(s.session_id);
  });

  it('a session the gateway forgot is expired; a new start cancels the pending one', async () => {
    const a = await svc.start(p);
    const b = await svc.start(p);
    expect(gw.cancelled).toEqual([a.session_id]);
    expect(await svc.status(p, a.session_id)).toEqual({ status: 'expired' });
    gw.state = 'gone';
    expect(await svc.status(p, b.session_id)).toEqual({ status: 'expired' });
  });

  it("another org's or a malformed session id is 404; no gateway is 503 sidecar_unavailable", async () => {
    const s = await svc.start(p);
    await expect(svc.status({ ...p, orgId: 'org-2' } as Principal, s.session_id)).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(svc.status(p, 'qr_../../x')).rejects.toBeInstanceOf(NotFoundException);
    gw.configured = false;
    const err = await svc.start(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppException);
    expect(err).toMatchObject({ status: 503, code: 'sidecar_unavailable' });
  });
});
