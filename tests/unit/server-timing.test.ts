import { parseServerTiming, ServerTiming } from '../../api/server-timing';

describe('Server-Timing', () => {
  it('when enabled, then phases add up per name and the header parses back', async () => {
    const t = new ServerTiming(true);
    await t.time('db', () => new Promise((r) => setTimeout(r, 5)));
    await t.time('temporal', async () => 1);
    await t.time('db', () => new Promise((r) => setTimeout(r, 5)));
    const parsed = parseServerTiming(t.header());
    expect(Object.keys(parsed)).toEqual(['db', 'temporal']);
    expect(parsed.db).toBeGreaterThanOrEqual(9);
  });

  it('when disabled, then the work still runs, errors still surface, and no header is produced', async () => {
    const t = new ServerTiming(false);
    expect(await t.time('db', async () => 42)).toBe(42);
    await expect(t.time('db', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(t.header()).toBe('');
    expect(parseServerTiming(null)).toEqual({});
  });
});
