// The in-process measurements' timing loop (cost-estimate, operation-limits, trusted-documents):
// what one call of a function costs once the JIT has compiled it.

/**
 * Microseconds per call of `run(i)`: `calls` calls, after `warmUp` more (the JIT compiles the
 * path first), `rounds` times over; the median round, so that one round the machine disturbed
 * does not move the figure.
 * @param {(i: number) => unknown} run
 * @param {{ calls: number, warmUp?: number, rounds?: number }} options
 */
export function microsPerCall(run, { calls, warmUp = calls, rounds = 1 }) {
  for (let i = 0; i < warmUp; i++) {
    run(i);
  }
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) {
      run(i);
    }
    samples.push(Number(process.hrtime.bigint() - started) / 1000 / calls);
  }
  return samples.sort((a, b) => a - b)[Math.floor(rounds / 2)] ?? Number.NaN;
}
