// Time bounds in tests (catching a quadratic or exponential blow-up, never performance targets)
// are asserted on CPU time: a loaded machine stretches wall time many times over, CPU time not.

/** Start a clock; calling the result gives the CPU milliseconds (user + system) this process has used since. */
export function cpuClock(): () => number {
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
}
