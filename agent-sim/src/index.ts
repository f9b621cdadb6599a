export * from './fleet';
export * from './ring-groups';
export * from './sim-clock';
export * from './intune/intune-simulator';
