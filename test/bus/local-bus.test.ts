import { describe, expect, it } from 'vitest';
import { createLocalBusHub, type InvalidationMessage, LocalInvalidationBus } from '../../src/bus/index.js';
import { InfrastructureError, ValidationError } from '../../src/errors.js';

/** Everything a bus received. */
function recorder(bus: LocalInvalidationBus) {
  const messages: InvalidationMessage[] = [];
  const unsubscribe = bus.subscribe((message) => messages.push(message));
  return { messages, unsubscribe };
}

describe('LocalInvalidationBus', () => {
  it('delivers to every other bus of its hub, never to itself nor to other hubs', async () => {
    const hub = createLocalBusHub();
    const [a, b, c] = [hub.createBus(), hub.createBus(), hub.createBus()];
    const elsewhere = createLocalBusHub().createBus();
    const [gotA, gotB, gotC, gotElsewhere] = [recorder(a), recorder(b), recorder(c), recorder(elsewhere)];
    expect(hub.size).toBe(3);
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    expect(a.connected).toBe(true);

    const messages: InvalidationMessage[] = [
      { type: 'delete', keys: ['k1'] },
      { type: 'clear', prefix: 'ns:' },
      { type: 'tags', tags: ['t'], at: 123 },
    ];
    const pending = a.publish(messages[0] as InvalidationMessage);
    // Asynchronous, like a real transport...
    expect(gotB.messages).toEqual([]);
    await pending;
    // ...and complete once publish resolves.
    expect(gotB.messages).toEqual([messages[0]]);
    await a.publish(messages[1] as InvalidationMessage);
    await a.publish(messages[2] as InvalidationMessage);
    expect(gotB.messages).toEqual(messages);
    expect(gotC.messages).toEqual(messages);
    expect(gotA.messages).toEqual([]);
    expect(gotElsewhere.messages).toEqual([]);
  });

  it('hands out frozen copies holding only the message fields', async () => {
    const hub = createLocalBusHub();
    const [a, b] = [hub.createBus(), hub.createBus()];
    const got = recorder(b);
    const keys = ['k1'];
    await a.publish({ type: 'delete', keys, extra: true } as InvalidationMessage);
    keys.push('k2');
    const [message] = got.messages;
    expect(message).toEqual({ type: 'delete', keys: ['k1'] });
    expect(Object.isFrozen(message)).toBe(true);
    expect(Object.isFrozen(message?.type === 'delete' ? message.keys : undefined)).toBe(true);
  });

  it('subscribe returns an unsubscribe; handler errors go to onError and spare the others', async () => {
    const hub = createLocalBusHub();
    const errors: Error[] = [];
    const a = hub.createBus();
    const b = hub.createBus({ onError: (error) => errors.push(error) });
    const boom = new Error('handler failed');
    b.subscribe(() => {
      throw boom;
    });
    const first = recorder(b);
    const second = recorder(b);
    await a.publish({ type: 'delete', keys: ['k1'] });
    first.unsubscribe();
    first.unsubscribe();
    await a.publish({ type: 'delete', keys: ['k2'] });
    expect(first.messages).toHaveLength(1);
    expect(second.messages).toHaveLength(2);
    expect(errors).toEqual([boom, boom]);
  });

  it('never throws from publish: invalid messages go to onError as ValidationError', async () => {
    const errors: Error[] = [];
    const hub = createLocalBusHub();
    const a = hub.createBus({ onError: (error) => errors.push(error) });
    const got = recorder(hub.createBus());
    const invalid = [
      null,
      { type: 'delete', keys: 'k' },
      { type: 'delete', keys: [''] },
      { type: 'clear' },
      { type: 'tags', tags: ['t'], at: -1 },
      { type: 'tags', tags: [1], at: 1 },
      { type: 'other' },
    ];
    for (const message of invalid) await a.publish(message as unknown as InvalidationMessage);
    expect(errors).toHaveLength(invalid.length);
    expect(errors.every((error) => error instanceof ValidationError)).toBe(true);
    // Empty messages are valid but not sent.
    await a.publish({ type: 'delete', keys: [] });
    await a.publish({ type: 'tags', tags: [], at: 1 });
    expect(got.messages).toEqual([]);
    expect(() => a.subscribe(undefined as unknown as () => void)).toThrow(ValidationError);
    expect(() => a.onStatus(undefined as unknown as () => void)).toThrow(ValidationError);
  });

  it('simulates an outage with setConnected: status listeners, lost messages both ways', async () => {
    const hub = createLocalBusHub();
    const errors: Error[] = [];
    const a = hub.createBus();
    const b = hub.createBus({ onError: (error) => errors.push(error) });
    const got = recorder(b);
    const gotA = recorder(a);
    const statuses: boolean[] = [];
    const off = b.onStatus((connected) => statuses.push(connected));

    b.setConnected(false);
    b.setConnected(false);
    expect(b.connected).toBe(false);
    expect(statuses).toEqual([false]);
    await a.publish({ type: 'delete', keys: ['missed'] });
    await b.publish({ type: 'delete', keys: ['dropped'] });
    expect(got.messages).toEqual([]);
    expect(gotA.messages).toEqual([]);
    expect(errors).toHaveLength(1);
    expect((errors[0] as InfrastructureError).context.reason).toBe('disconnected');

    b.setConnected(true);
    expect(statuses).toEqual([false, true]);
    await a.publish({ type: 'delete', keys: ['after'] });
    expect(got.messages).toEqual([{ type: 'delete', keys: ['after'] }]);
    off();
    b.setConnected(false);
    expect(statuses).toEqual([false, true]);
  });

  it('close leaves the hub, is idempotent, and later publishes go to onError', async () => {
    const hub = createLocalBusHub();
    const errors: Error[] = [];
    const a = hub.createBus({ onError: (error) => errors.push(error) });
    const b = hub.createBus();
    const got = recorder(b);
    await expect(b.start()).resolves.toBeUndefined();
    await b.close();
    await b.close();
    expect(hub.size).toBe(1);
    expect(b.connected).toBe(false);
    await a.publish({ type: 'delete', keys: ['k'] });
    expect(got.messages).toEqual([]);
    await expect(b.start()).rejects.toBeInstanceOf(InfrastructureError);
    await a.close();
    await a.publish({ type: 'delete', keys: ['k'] });
    expect((errors[0] as InfrastructureError).context.reason).toBe('closed');
    expect(hub.size).toBe(0);
  });

  it('works without a hub (reaching nobody) and rejects a foreign hub', async () => {
    const alone = new LocalInvalidationBus();
    await alone.publish({ type: 'clear', prefix: '' });
    await alone.close();
    expect(() => new LocalInvalidationBus({ hub: { createBus: () => alone, size: 0 } })).toThrow(
      ValidationError,
    );
  });
});
