/** The follow-up throttle: concurrency and rate both hold. */
import { createThrottle } from '../../activities/throttle';

describe('follow-up throttle', () => {
  it('when 12 starts are asked for at 40/s with 3 at a time, then never more than 3 run and they take ≥ 275 ms', async () => {
    const throttle = createThrottle({ perSecond: 40, concurrency: 3 });
    let active = 0;
    let peak = 0;
    const started = Date.now();
    await Promise.all(Array.from({ length: 12 }, () => throttle(async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
    })));
    expect(peak).toBeLessThanOrEqual(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(275); // 11 gaps of 25 ms
  });
});
