import type { AppConfig } from '@libs/config';
import { Logger } from '@nestjs/common';
import { createTransport } from 'nodemailer';
import { Mailer } from './mailer';

jest.mock('nodemailer', () => ({ createTransport: jest.fn() }));

const config = (url?: string) => ({ smtp: { url, from: 'A <a@example.test>' } }) as AppConfig;
const flush = () => new Promise((r) => setImmediate(r));

describe('Mailer', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());
  beforeEach(() => jest.useRealTimers());

  it('does nothing without SMTP_URL', () => {
    const mailer = new Mailer(config());
    expect(mailer.enabled).toBe(false);
    mailer.enqueue({ to: 'x@example.test', subject: 's', text: 't' });
    expect(createTransport).not.toHaveBeenCalled();
  });

  it('sends from SMTP_FROM without making the caller wait, and retries a failure', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const sendMail = jest
      .fn()
      .mockRejectedValueOnce(new Error('421 try later'))
      .mockResolvedValueOnce({ messageId: '1' });
    (createTransport as jest.Mock).mockReturnValue({ sendMail, close: jest.fn() });
    const mailer = new Mailer(config('smtp://127.0.0.1:2525'));
    expect(() => mailer.enqueue({ to: 'x@example.test', subject: 's', text: 't' })).not.toThrow();
    await flush();
    expect(sendMail).toHaveBeenCalledTimes(1);
    expect(sendMail).toHaveBeenCalledWith({
      from: 'A <a@example.test>',
      to: 'x@example.test',
      subject: 's',
      text: 't',
    });
    jest.advanceTimersByTime(2_000);
    await flush();
    expect(sendMail).toHaveBeenCalledTimes(2);
    mailer.onModuleDestroy();
  });

  it('gives up after 3 attempts', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    const sendMail = jest.fn().mockRejectedValue(new Error('down'));
    (createTransport as jest.Mock).mockReturnValue({ sendMail, close: jest.fn() });
    const mailer = new Mailer(config('smtp://127.0.0.1:2525'));
    mailer.enqueue({ to: 'x@example.test', subject: 's', text: 't' });
    for (let i = 0; i < 5; i++) {
      await flush();
      jest.advanceTimersByTime(10_000);
    }
    await flush();
    expect(sendMail).toHaveBeenCalledTimes(3);
    mailer.onModuleDestroy();
  });
});
