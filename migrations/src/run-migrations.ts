import { DataSource } from 'typeorm';
import { InitialSchema1763700000000 } from './migrations/1763700000000-initial-schema';
import { Lifecycle1763800000000 } from './migrations/1763800000000-lifecycle';
import { EvidenceSignatures1763900000000 } from './migrations/1763900000000-evidence-signatures';
import { ArtifactChecks1764000000000 } from './migrations/1764000000000-artifact-checks';
import { ConnectorBreakers1764100000000 } from './migrations/1764100000000-connector-breakers';
import { ConnectorConfigs1764200000000 } from './migrations/1764200000000-connector-configs';
import { AuditTenantSeq1764300000000 } from './migrations/1764300000000-audit-tenant-seq';
import { ArtifactContent1764500000000 } from './migrations/1764500000000-artifact-content';
import { DeviceInventory1764700000000 } from './migrations/1764700000000-device-inventory';
import { IntentRingDevices1764900000000 } from './migrations/1764900000000-intent-ring-devices';
import { IntentDeviceStates1765000000000 } from './migrations/1765000000000-intent-device-states';
import { DropRingDeployments1765100000000 } from './migrations/1765100000000-drop-ring-deployments';

/** Every migration, in order. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS = [
  InitialSchema1763700000000,
  Lifecycle1763800000000,
  EvidenceSignatures1763900000000,
  ArtifactChecks1764000000000,
  ConnectorBreakers1764100000000,
  ConnectorConfigs1764200000000,
  AuditTenantSeq1764300000000,
  ArtifactContent1764500000000,
  DeviceInventory1764700000000,
  IntentRingDevices1764900000000,
  IntentDeviceStates1765000000000,
  DropRingDeployments1765100000000,
];

/** Result of a migration run. */
export interface MigrationReport {
  applied: string[];
}

/**
 * Applies pending migrations with the schema owner's connection (`url`), each in its own transaction.
 * Concurrent runners are serialised by a PostgreSQL advisory lock, so API and worker may both call this at start.
 */
export async function runMigrations(url: string): Promise<MigrationReport> {
  const ds = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS, migrationsTransactionMode: 'each', logging: false });
  await ds.initialize();
  try {
    await ds.query('SELECT pg_advisory_lock(8153441)');
    const applied = await ds.runMigrations();
    return { applied: applied.map((m) => m.name) };
  } finally {
    await ds.query('SELECT pg_advisory_unlock(8153441)').catch(() => undefined);
    await ds.destroy();
  }
}

/**
 * Lets the application role log in with `password` (run as the schema owner). The role itself comes from a migration;
 * `npm start` and `npm test` call this so the API and worker never connect as the owner.
 */
export async function enableAppRoleLogin(url: string, password: string): Promise<void> {
  const ds = new DataSource({ type: 'postgres', url, logging: false });
  await ds.initialize();
  try {
    // Identifiers and passwords cannot be bound as parameters in ALTER ROLE; the password is quoted as a literal.
    const literal = `'${password.replace(/'/g, "''")}'`;
    await ds.query(`ALTER ROLE eucora_app WITH LOGIN PASSWORD ${literal}`);
  } finally {
    await ds.destroy();
  }
}
