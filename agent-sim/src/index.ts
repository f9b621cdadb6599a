export * from './fleet';
export * from './ring-groups';
export * from './sim-clock';
export * from './intune/intune-simulator';
export * from './shared/fault-injection';
export * from './shared/device-engine';
export * from './shared/sim-server';
export * from './awx/awx-simulator';
