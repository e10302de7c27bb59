import { describe, expect, it } from 'vitest';
import { allOrAbort, linkedAbort } from '../../src/util/abort.ts';

describe('linkedAbort', () => {
  it('follows its parent, but not the other way round', () => {
    const parent = new AbortController();
    const a = linkedAbort(parent.signal);
    const b = linkedAbort(parent.signal);
    a.controller.abort();
    expect(parent.signal.aborted).toBe(false);
    expect(b.controller.signal.aborted).toBe(false);
    parent.abort();
    expect(b.controller.signal.aborted).toBe(true);
  });

  it('starts aborted under an aborted parent, works without one, and unhooks', () => {
    const parent = new AbortController();
    parent.abort();
    expect(linkedAbort(parent.signal).controller.signal.aborted).toBe(true);
    expect(linkedAbort(undefined).controller.signal.aborted).toBe(false);
    const other = new AbortController();
    const c = linkedAbort(other.signal);
    c.dispose();
    other.abort();
    expect(c.controller.signal.aborted).toBe(false);
  });
});

describe('allOrAbort', () => {
  it('aborts at the first failure and rethrows it', async () => {
    const abort = new AbortController();
    await expect(allOrAbort([Promise.resolve(1), Promise.reject(new Error('boom'))], abort)).rejects.toThrow('boom');
    expect(abort.signal.aborted).toBe(true);
  });
  it('resolves in order when all succeed, without aborting', async () => {
    const abort = new AbortController();
    expect(await allOrAbort([Promise.resolve(1), Promise.resolve(2)], abort)).toEqual([1, 2]);
    expect(abort.signal.aborted).toBe(false);
  });
});
