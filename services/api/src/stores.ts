import type { DataSource } from 'typeorm';
import {
  ApiTokenRepository,
  AuditCheckpointRepository,
  DeploymentIntentRepository,
  DeviceRepository,
  EventRepository,
  ExceptionRepository,
  IdempotencyKeyRepository,
  IntentDeviceStateRepository,
  TenantRepository,
  unitOfWork,
} from '@eucora/persistence';
import type { AuditRepositories } from './services/audit.service';
import type { BootstrapStores } from './services/bootstrap.service';
import type { DeviceStores } from './services/device.service';
import type { ExceptionStores } from './services/exception.service';
import type { IntentStores } from './services/intent.service';
import { TokenService, type TokenStores } from './services/token.service';

// The composition roots (wiring.ts, cli.ts, test support, benches) build each service's repositories here, over one
// DataSource, so a service never sees the DataSource itself.

/** IntentService's repositories over `ds`. */
export function intentStores(ds: DataSource): IntentStores {
  return {
    intents: new DeploymentIntentRepository(ds),
    events: new EventRepository(ds),
    keys: new IdempotencyKeyRepository(),
    deviceStates: new IntentDeviceStateRepository(ds),
    uow: unitOfWork(ds),
  };
}

/** ExceptionService's repositories over `ds`. */
export function exceptionStores(ds: DataSource): ExceptionStores {
  return { exceptions: new ExceptionRepository(ds), events: new EventRepository(ds), uow: unitOfWork(ds) };
}

/** DeviceService's repositories over `ds`. */
export function deviceStores(ds: DataSource): DeviceStores {
  return {
    devices: new DeviceRepository(ds),
    intentDeviceStates: new IntentDeviceStateRepository(ds),
    intents: new DeploymentIntentRepository(ds),
  };
}

/** TokenService's repositories over `ds`. */
export function tokenStores(ds: DataSource): TokenStores {
  return { tokens: new ApiTokenRepository(ds), events: new EventRepository(ds), uow: unitOfWork(ds) };
}

/** The tenants and token issuer of `createTenantWithAdmin` / `bootstrapIfEmpty` over `ds`. */
export function bootstrapStores(ds: DataSource): BootstrapStores {
  return { tenants: new TenantRepository(ds), tokens: new TokenService(tokenStores(ds)) };
}

/** AuditService's repositories over `ds`: the event chain and the checkpoint records. */
export function auditStores(ds: DataSource): AuditRepositories {
  return { events: new EventRepository(ds), checkpointRows: new AuditCheckpointRepository(ds) };
}
