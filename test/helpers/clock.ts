/** An injectable clock for time-dependent tests: `now()` in epoch ms, moved only by `advance()`. */
export function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return {
    now: (): number => t,
    advance: (ms: number): number => {
      t += ms;
      return t;
    },
  };
}
