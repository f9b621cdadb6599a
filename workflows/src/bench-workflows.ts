// Workflows of the benchmarks only; registered by bench workers, never by the production worker.
export { bareRingLoopWorkflow } from './bench.workflow';
