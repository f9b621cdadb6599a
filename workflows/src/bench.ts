// Benchmark entry point (`@eucora/workflows/dist/bench`): the bench activities and workflow module, kept out of the
// production index so the worker never ships them.
export * from './bench.activities';
/** Workflow module of the benchmarks (`bareRingLoopWorkflow`). */
export const BENCH_WORKFLOWS_PATH = require.resolve('./bench-workflows');
