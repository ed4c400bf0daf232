import { Propagation, Transactional, TransactionHost } from './transaction';

/** The decorator runs the method through the instance's own host (never a process-wide one). */
function fakeHost() {
  const withTransaction = jest.fn((_propagation: Propagation, fn: () => Promise<unknown>) => fn());
  const host = Object.create(TransactionHost.prototype) as TransactionHost;
  return Object.assign(host, { withTransaction }) as TransactionHost & { withTransaction: typeof withTransaction };
}

class UseCase {
  constructor(readonly txHost?: TransactionHost) {}

  @Transactional()
  async run(a: number, b: number): Promise<number> {
    return Promise.resolve(a + b);
  }
}

describe('@Transactional()', () => {
  it('runs the method inside withTransaction of the injected txHost, with its arguments and this', async () => {
    const one = fakeHost();
    const two = fakeHost();
    expect(await new UseCase(one).run(1, 2)).toBe(3);
    expect(await new UseCase(two).run(2, 2)).toBe(4);
    expect(one.withTransaction).toHaveBeenCalledTimes(1);
    expect(one.withTransaction.mock.calls[0][0]).toBe(Propagation.Required);
    expect(two.withTransaction).toHaveBeenCalledTimes(1);
  });

  it('fails loudly when the class does not inject txHost', () => {
    expect(() => new UseCase().run(1, 1)).toThrow(/must inject TransactionHost as "txHost"/);
  });
});

describe('TransactionHost.inTransaction', () => {
  it('is true only inside withTransaction, and tx is then the transaction manager', async () => {
    const plain = { kind: 'plain' };
    const inTx = { kind: 'tx' };
    const dataSource = { manager: plain, transaction: (fn: (m: unknown) => Promise<unknown>) => fn(inTx) };
    const host = new TransactionHost(dataSource as never);
    expect([host.inTransaction, host.tx]).toEqual([false, plain]);
    const seen = await host.withTransaction(Propagation.Required, async () => [host.inTransaction, host.tx]);
    expect(seen).toEqual([true, inTx]);
    expect(host.inTransaction).toBe(false);
  });
});
