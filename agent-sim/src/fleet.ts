/** A simulated managed device. */
export interface SimDevice {
  id: string;
  name: string;
  platform: 'windows' | 'macos' | 'linux';
  groups: string[];
}

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

/** Generates a deterministic fleet: ~70% Windows, 20% macOS, 10% Linux; the first `labSize` devices form `lab`. */
export function generateFleet(opts: FleetOptions = {}): SimDevice[] {
  const size = opts.size ?? 10_000;
  const labSize = Math.min(opts.labSize ?? 20, size);
  const next = rng(opts.seed ?? 1);
  const devices: SimDevice[] = [];
  for (let i = 0; i < size; i++) {
    const r = next();
    const platform = r < 0.7 ? 'windows' : r < 0.9 ? 'macos' : 'linux';
    const groups = [`all-${platform}`];
    if (i < labSize) groups.push('lab');
    devices.push({ id: `dev-${String(i).padStart(6, '0')}`, name: `${platform.slice(0, 3).toUpperCase()}-${i}`, platform, groups });
  }
  return devices;
}
