import type { RingMember } from '../connector';

/**
 * Splits a ring's members into the plane's numeric device ids (Jamf computer, SCCM ResourceID, Landscape computer, AWX
 * host) and the device keys that are not such an id, which a converge skips and reports. `maxDigits` default 12.
 */
export function numericMemberIds(members: readonly RingMember[], maxDigits = 12): { want: Set<number>; skipped: string[] } {
  const shape = new RegExp(`^\\d{1,${maxDigits}}$`);
  const want = new Set<number>();
  const skipped: string[] = [];
  for (const m of members) {
    if (shape.test(m.deviceKey)) want.add(Number(m.deviceKey));
    else skipped.push(m.deviceKey);
  }
  return { want, skipped };
}

/** Wraps a plane call so a converge can report how many requests it made (`count()`). */
export function countingCall<F extends (...args: never[]) => unknown>(call: F): { send: F; count: () => number } {
  let n = 0;
  const send = ((...args: Parameters<F>) => {
    n++;
    return call(...args);
  }) as F;
  return { send, count: () => n };
}

/** What every ring-object converge reports; each plane's result adds its object (id, created). */
export interface RingConvergeCounts {
  added: number;
  removed: number;
  /** Ring members the plane cannot target (no such device id, or no directory id on Intune): reported, never sent. */
  skipped: string[];
  /** Members the object shows after the converge (re-read when anything changed). */
  members: number;
  /** Plane requests this converge made. */
  requests: number;
}
