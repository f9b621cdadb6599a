import { unit } from './sim-clock';

/** A simulated managed device. */
export interface SimDevice {
  id: string;
  name: string;
  platform: 'windows' | 'macos' | 'linux';
  /** `all-<platform>`, `dept-<department>`, `region-<region>`, and `lab` for the first `labSize` devices. */
  groups: string[];
  osName: string;
  osVersion: string;
  serial: string;
  /** Last check-in (ISO 8601), within the week before FLEET_EPOCH. */
  lastContact: string;
}

/** Departments and regions of the simulated fleet; each device is in one of each (groups `dept-*`, `region-*`). */
export const FLEET_DEPARTMENTS = ['engineering', 'finance', 'sales', 'marketing', 'hr', 'support'] as const;
export const FLEET_REGIONS = ['emea', 'amer', 'apac'] as const;
/** Last-contact times of a fresh fleet lie in the 7 days before this instant (deterministic, so fleets compare equal). */
export const FLEET_EPOCH = Date.UTC(2026, 10, 1);

/**
 * Which plane manages which devices of the one fleet (docs/fleet.md): Intune windows + macOS, SCCM windows, Jamf macOS,
 * Landscape and AWX linux.
 */
export const PLANE_PLATFORMS = {
  intune: ['windows', 'macos'],
  sccm: ['windows'],
  jamf: ['macos'],
  landscape: ['linux'],
  awx: ['linux'],
} as const satisfies Record<string, readonly SimDevice['platform'][]>;

const OS_VERSIONS: Record<SimDevice['platform'], { name: string; versions: string[] }> = {
  windows: { name: 'Windows', versions: ['10.0.19045.4529', '10.0.22631.3880', '10.0.26100.1150'] },
  macos: { name: 'macOS', versions: ['13.6.7', '14.5', '15.0.1'] },
  linux: { name: 'Ubuntu', versions: ['20.04', '22.04', '24.04'] },
};

const pick = <T>(list: readonly T[], key: string): T => list[Math.floor(unit(key) * list.length)]!;

/** Options of a simulated fleet. */
export interface FleetOptions {
  /** Number of devices; default 10 000. */
  size?: number;
  /** Seed of the deterministic generator; default 1. */
  seed?: number;
  /** Devices in the `lab` group (ring 0); default 20. */
  labSize?: number;
}

/** Mulberry32: small, fast, deterministic; the same seed always yields the same fleet. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Generates a deterministic fleet: ~70% Windows, 20% macOS, 10% Linux; each device in its platform, department and region
 * group; the first `labSize` devices form `lab`.
 */
export function generateFleet(opts: FleetOptions = {}): SimDevice[] {
  const size = opts.size ?? 10_000;
  const labSize = Math.min(opts.labSize ?? 20, size);
  const next = rng(opts.seed ?? 1);
  const devices: SimDevice[] = [];
  for (let i = 0; i < size; i++) {
    const r = next();
    const platform = r < 0.7 ? 'windows' : r < 0.9 ? 'macos' : 'linux';
    const id = `dev-${String(i).padStart(6, '0')}`;
    // New attributes come from their own hashes, never from `next()`: the platform sequence (and every group size
    // derived from it) stays what it was before they existed.
    const groups = [`all-${platform}`, `dept-${pick(FLEET_DEPARTMENTS, `dept:${id}`)}`, `region-${pick(FLEET_REGIONS, `region:${id}`)}`];
    if (i < labSize) groups.push('lab');
    const os = OS_VERSIONS[platform];
    devices.push({
      id,
      name: `${platform.slice(0, 3).toUpperCase()}-${i}`,
      platform,
      groups,
      osName: os.name,
      osVersion: pick(os.versions, `os:${id}`),
      serial: `SN${Math.floor(unit(`serial:${id}`) * 36 ** 8)
        .toString(36)
        .toUpperCase()
        .padStart(8, '0')
        .slice(0, 8)}`,
      lastContact: new Date(FLEET_EPOCH - Math.floor(unit(`contact:${id}`) * 7 * 86_400_000)).toISOString(),
    });
  }
  return devices;
}
