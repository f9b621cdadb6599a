import { generateFleet, type FleetOptions } from '../fleet';
import { assignRingGroups } from '../ring-groups';
import { hash32, unit } from '../sim-clock';

/** One device's install for one deployment object. */
export interface DeviceRun {
  deviceId: string;
  outcome: 'succeeded' | 'failed' | 'removed';
  readyAt: number;
}

/** Behaviour shared by the plane simulators. */
export interface EngineConfig {
  /** Installs finish uniformly within this many ms; default 2000. */
  installDurationMs: number;
  /** Default failure rate 0–1. */
  failureRate: number;
  /**
   * Per-package failure rates by name substring; first match wins. `devices`: exactly these devices fail and no other
   * (`rate` is then ignored), for tests that need a known split rather than a drawn one.
   */
  failureRules: { match: string; rate: number; devices?: readonly string[] }[];
}

/**
 * The simulated fleet behind every plane: ring groups, and per deployment object the devices it reached, each finishing
 * at a deterministic time with a deterministic outcome (hash of object and device).
 */
export class DeviceEngine {
  readonly config: EngineConfig = { installDurationMs: 2000, failureRate: 0, failureRules: [] };
  readonly groups: Map<string, string[]>;
  readonly deviceNames = new Map<string, string>();
  /** Fleet position of each device (planes derive their numeric ids from it, as FleetInventory does). */
  private readonly fleetIndex = new Map<string, number>();
  private readonly runs = new Map<string, Map<string, DeviceRun>>();

  constructor(fleet: FleetOptions = {}) {
    const devices = generateFleet(fleet);
    devices.forEach((d, i) => {
      this.deviceNames.set(d.id, d.name);
      this.fleetIndex.set(d.id, i);
    });
    this.groups = assignRingGroups(devices);
  }

  /** The device's 0-based position in the fleet (-1 if unknown). */
  index(deviceId: string): number {
    return this.fleetIndex.get(deviceId) ?? -1;
  }

  members(group: string): string[] {
    return this.groups.get(group) ?? [];
  }

  /** Whether `deviceId` fails under deployment object `key` of `packageName` (rule of the package, else the default rate). */
  private failsFor(key: string, packageName: string, deviceId: string): boolean {
    const rule = this.config.failureRules.find((r) => packageName.includes(r.match));
    if (rule?.devices) return rule.devices.includes(deviceId);
    return DeviceEngine.fails(key, deviceId, rule?.rate ?? this.config.failureRate);
  }

  /**
   * Starts installs of `packageName` under deployment object `key` on the devices of `group` (again = no-op);
   * `forceFailure` fails every device (e.g. a package without content).
   */
  install(key: string, packageName: string, devices: string[], forceFailure = false): void {
    const runs = this.runs.get(key) ?? new Map<string, DeviceRun>();
    const now = Date.now();
    for (const id of devices) {
      if (runs.has(id)) continue;
      const outcome = forceFailure || this.failsFor(key, packageName, id) ? 'failed' : 'succeeded';
      runs.set(id, { deviceId: id, outcome, readyAt: now + Math.floor(unit(`t:${key}:${id}`) * this.config.installDurationMs) });
    }
    this.runs.set(key, runs);
  }

  /**
   * The injected outcome of `deviceId` under deployment object `key` at failure `rate`. FNV-1a alone leaves ids that
   * differ in their last characters in one narrow band (a whole group failed or none did), so its value is mixed
   * (murmur3 fmix32) first: failures then spread over a group at the configured rate.
   */
  static fails(key: string, deviceId: string, rate: number): boolean {
    let h = hash32(`fail:${key}:${deviceId}`);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296 < rate;
  }

  /** Marks the devices of `key` as removed (rollback). */
  remove(key: string): number {
    const runs = this.runs.get(key);
    if (!runs) return 0;
    const now = Date.now();
    for (const r of runs.values()) Object.assign(r, { outcome: 'removed', readyAt: now + Math.floor(this.config.installDurationMs / 2) });
    return runs.size;
  }

  /** Per-device state of `key` now: pending until readyAt. */
  states(key: string): { deviceId: string; state: 'pending' | 'succeeded' | 'failed' | 'removed' }[] {
    const now = Date.now();
    return [...(this.runs.get(key)?.values() ?? [])].map((r) => ({ deviceId: r.deviceId, state: now < r.readyAt ? 'pending' : r.outcome }));
  }
}
