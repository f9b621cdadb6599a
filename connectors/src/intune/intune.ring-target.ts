import { ConflictError } from '@eucora/core';
import type { RingMember } from '../connector';
import type { RingConvergeCounts } from '../shared/ring-members';
import type { IntuneClient } from './intune.client';
import { odataString } from '../shared/odata';

/** Largest `members@odata.bind` list per PATCH (vendor-contracts.md A1). */
export const ENTRA_BIND_BATCH = 20;
const DIRECTORY_OBJECT = 'https://graph.microsoft.com/v1.0/directoryObjects/';

/** What one converge of a ring's Entra group did (counts only; ids stay on the plane; `skipped`: no directory id). */
export interface EntraGroupConverge extends RingConvergeCounts {
  groupId: string;
  created: boolean;
}

/** A valid `mailNickname` (A1: ≤ 64 ASCII, none of `@()\[]";:.<>,` or space) from a ring target key. */
export function entraMailNickname(targetKey: string): string {
  return targetKey.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64) || 'eucora-ring';
}

/**
 * Converges the ring's Entra security group (contracts A1): find by displayName (0 → create, 1 → adopt, > 1 → fail),
 * read members with nextLink, bind only the missing ones in PATCHes of ≤ 20 (a bulk add with one existing member fails
 * whole), remove extras one by one with `DELETE …/members/{oid}/$ref` (without `/$ref` Graph deletes the device).
 */
export async function convergeEntraGroup(
  client: IntuneClient,
  targetKey: string,
  members: readonly RingMember[],
  cid: string,
): Promise<EntraGroupConverge> {
  let requests = 0;
  const call = <T>(method: string, path: string, body?: unknown) => {
    requests++;
    return client.request<T>(method, path, body, cid);
  };
  const q = encodeURIComponent(`displayName eq ${odataString(targetKey)}`);
  const found = (await call<{ value: { id: string }[] }>('GET', `/v1.0/groups?$filter=${q}&$select=id,securityEnabled,groupTypes`)).value;
  if (found.length > 1) throw new ConflictError(`Intune: ${found.length} Entra groups are named "${targetKey}"; resolve by hand`);
  let groupId = found[0]?.id;
  const created = !groupId;
  if (!groupId) {
    groupId = (
      await call<{ id: string }>('POST', '/v1.0/groups', {
        displayName: targetKey,
        mailEnabled: false,
        mailNickname: entraMailNickname(targetKey),
        securityEnabled: true,
        description: 'EUCORA ring target (managed; membership is converged on every deploy)',
      })
    ).id;
  }
  const want = new Set<string>();
  const skipped: string[] = [];
  for (const m of members) {
    if (m.directoryId) want.add(m.directoryId.toLowerCase());
    else skipped.push(m.deviceKey);
  }
  const read = async () => {
    const ids = new Set<string>();
    let next: string | undefined = `/v1.0/groups/${groupId}/members?$select=id&$top=999`;
    while (next) {
      const page: { value: { id: string }[]; '@odata.nextLink'?: string } = await call('GET', next);
      for (const o of page.value) ids.add(o.id.toLowerCase());
      const link = page['@odata.nextLink'];
      next = link ? link.replace(/^https?:\/\/[^/]+/, '') : undefined;
    }
    return ids;
  };
  const have = created ? new Set<string>() : await read();
  const add = [...want].filter((o) => !have.has(o)).sort();
  const remove = [...have].filter((o) => !want.has(o)).sort();
  for (let i = 0; i < add.length; i += ENTRA_BIND_BATCH) {
    const binds = add.slice(i, i + ENTRA_BIND_BATCH).map((o) => `${DIRECTORY_OBJECT}${o}`);
    await call('PATCH', `/v1.0/groups/${groupId}`, { 'members@odata.bind': binds });
  }
  for (const o of remove) await call('DELETE', `/v1.0/groups/${groupId}/members/${encodeURIComponent(o)}/$ref`);
  // Re-read only after a change; Graph is eventually consistent, so the count is reported, not enforced.
  const after = add.length || remove.length ? (await read()).size : have.size;
  return { groupId, created, added: add.length, removed: remove.length, skipped, members: after, requests };
}
