import type { Response } from 'express';
import type { FleetInventory, PlaneDevice } from '../shared/fleet-inventory';

/** Default and largest `limit` of GetComputers (vendor-contracts.md A4: default 1000; larger is refused here, *(unverified)*). */
export const LANDSCAPE_COMPUTERS_LIMIT = 1000;

/** The Landscape computer id of a fleet device. */
export const landscapeComputerId = (d: Pick<PlaneDevice, 'index'>): number => d.index + 1;

/** One search term: `tag:`, `id:`, `distribution:`, `hostname:` or a keyword on title/hostname; `NOT` negates. */
type Term = { negate: boolean; key: string; value: string };

/** Landscape's search query: alternatives split by `OR`, terms inside one alternative joined by spaces (AND). */
function parseQuery(query: string): Term[][] {
  if (!query.trim()) return [[]];
  return query
    .trim()
    .split(/\s+OR\s+/)
    .map((alt) => {
      const words = alt.split(/\s+/).filter(Boolean);
      const terms: Term[] = [];
      for (let i = 0; i < words.length; i++) {
        let negate = false;
        if (words[i] === 'NOT') {
          negate = true;
          i++;
        }
        const w = words[i];
        if (w === undefined) throw new Error('NOT must be followed by a term');
        const m = /^(tag|id|distribution|hostname|annotation):(.+)$/.exec(w);
        if (/^[a-z-]+:/.test(w) && !m) throw new Error(`Unknown search key in ${w.slice(0, 40)}`);
        terms.push(m ? { negate, key: m[1]!, value: m[2]! } : { negate, key: 'keyword', value: w });
      }
      return terms;
    });
}

function termMatches(d: PlaneDevice, t: Term): boolean {
  const hostname = d.name.toLowerCase();
  const hit =
    t.key === 'tag'
      ? d.groups.includes(t.value)
      : t.key === 'id'
        ? String(landscapeComputerId(d)) === t.value
        : t.key === 'distribution'
          ? d.osVersion.startsWith(t.value)
          : t.key === 'hostname'
            ? hostname === t.value.toLowerCase()
            : t.key === 'annotation'
              ? false
              : hostname.includes(t.value.toLowerCase());
  return t.negate ? !hit : hit;
}

/** Computers matching a Landscape search query (e.g. `id:12 OR id:13`, `tag:x`); throws with the InvalidQuery message. */
export function landscapeMatch(inventory: FleetInventory, query: string): PlaneDevice[] {
  const alternatives = parseQuery(query);
  return inventory.devices().filter((d) => alternatives.some((terms) => terms.every((t) => termMatches(d, t))));
}

/**
 * `GetComputers` of the Landscape legacy API (vendor-contracts.md A4) over the fleet's Linux devices: `query` (tag:, id:,
 * distribution:, hostname:, keywords, `OR`, `NOT`), `limit` (default and max 1000), `offset`; tags are the fleet groups.
 * Called from the simulator's action switch after the signature check.
 */
export function landscapeGetComputers(inventory: FleetInventory, params: Record<string, string>, res: Response): void {
  const named = (name: string, message: string) => void res.status(400).json({ error: name, message });
  const limit = params.limit === undefined ? LANDSCAPE_COMPUTERS_LIMIT : /^\d{1,6}$/.test(params.limit) ? Number(params.limit) : Number.NaN;
  const offset = params.offset === undefined ? 0 : /^\d{1,9}$/.test(params.offset) ? Number(params.offset) : Number.NaN;
  if (!Number.isFinite(limit) || limit < 1 || limit > LANDSCAPE_COMPUTERS_LIMIT)
    return named('InvalidParameters', `limit must be between 1 and ${LANDSCAPE_COMPUTERS_LIMIT}`);
  if (!Number.isFinite(offset)) return named('InvalidParameters', 'offset must be a non-negative integer');
  let alternatives: Term[][];
  try {
    alternatives = parseQuery(params.query ?? '');
  } catch (err) {
    return named('InvalidQuery', (err as Error).message);
  }
  const all = inventory.devices().filter((d) => alternatives.some((terms) => terms.every((t) => termMatches(d, t))));
  res.json(
    all.slice(offset, offset + limit).map((d) => ({
      id: landscapeComputerId(d),
      title: d.name,
      hostname: d.name.toLowerCase(),
      tags: [...d.groups].sort(),
      distribution: `${d.osName} ${d.osVersion}`,
      access_group: 'global',
      last_ping_time: d.lastContact.replace(/\.\d{3}Z$/, 'Z'),
      last_exchange_time: d.modified.replace(/\.\d{3}Z$/, 'Z'),
      ...(params.with_hardware === 'true' ? { hardware: { serial: d.serial } } : {}),
    })),
  );
}
