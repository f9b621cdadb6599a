import { NotFoundError, type Plane, type Principal } from '@eucora/core';
import type {
  DeploymentIntentRepository,
  DeviceRepository,
  DeviceRow,
  InventoryPlatform,
  IntentDeviceRow,
  IntentDeviceStateRepository,
  IntentDeviceStateValue,
} from '@eucora/persistence';
import { keysetPage } from './keyset-page';

/** The repositories DeviceService reads. */
export interface DeviceStores {
  devices: Pick<DeviceRepository, 'list'>;
  intentDeviceStates: Pick<IntentDeviceStateRepository, 'page'>;
  intents: Pick<DeploymentIntentRepository, 'findById'>;
}

/** Keyset position in the device inventory: the (plane, deviceKey) of the last device of a page. */
export interface DeviceCursor {
  plane: string;
  deviceKey: string;
}

/** Keyset position in an intent's ring devices: the (ring, deviceKey) of the last row of a page. */
export interface IntentDeviceCursor {
  ring: number;
  deviceKey: string;
}

/** Filters and page of the device inventory; `includeStale` false hides stale devices. */
export interface DeviceListQuery {
  plane?: Plane;
  group?: string;
  platform?: InventoryPlatform;
  includeStale: boolean;
  after?: DeviceCursor;
  limit: number;
}

/** Filters and page of an intent's ring devices. */
export interface IntentDeviceListQuery {
  ring?: number;
  state?: IntentDeviceStateValue;
  after?: IntentDeviceCursor;
  limit: number;
}

/** A device as the API shows it. */
export type DeviceView = Omit<DeviceRow, 'tenantId'>;

/** The tenant's device inventory (filled by the inventory syncs, docs/fleet.md), read-only over the API. */
export class DeviceService {
  constructor(private readonly stores: DeviceStores) {}

  /**
   * One keyset page of an intent's ring devices with their per-device state and error (ordered by ring, device key);
   * `NotFoundError` for unknown ids and other tenants' intents alike.
   */
  async intentDevices(
    principal: Principal,
    intentId: string,
    f: IntentDeviceListQuery,
  ): Promise<{ items: IntentDeviceRow[]; next: IntentDeviceCursor | null }> {
    const intent = await this.stores.intents.findById(principal.tenantId, intentId);
    if (!intent) throw new NotFoundError(`Deployment intent ${intentId} not found`);
    const query = { ring: f.ring, state: f.state, after: f.after, limit: f.limit + 1 };
    const rows = await this.stores.intentDeviceStates.page(principal.tenantId, intentId, query);
    const { page, next } = keysetPage(rows, f.limit, (last) => ({ ring: last.ring, deviceKey: last.deviceKey }));
    return { items: page, next };
  }

  /** One keyset page of the caller's devices, ordered by plane and device key; `next` is where the following page starts. */
  async list(principal: Principal, f: DeviceListQuery): Promise<{ items: DeviceView[]; next: DeviceCursor | null }> {
    const page = await this.stores.devices.list(principal.tenantId, f);
    return { items: page.devices.map(({ tenantId: _t, ...d }) => d), next: page.next };
  }
}
