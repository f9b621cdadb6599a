/** No-op activity of the bare-loop benchmark. */
export function createBenchActivities() {
  return {
    async noop(n: number): Promise<number> {
      return n >= 0 ? 1 : 0;
    },
  };
}
export type BenchActivities = ReturnType<typeof createBenchActivities>;
