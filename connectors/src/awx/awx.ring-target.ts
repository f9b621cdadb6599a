import { ConflictError, InputError } from '@eucora/core';
import type { RingMember } from '../connector';
import { countingCall, numericMemberIds, type RingConvergeCounts } from '../shared/ring-members';
import type { AwxPage as Page } from './awx.inventory';

/** The AwxConnector's authenticated JSON call. */
export type AwxCall = <T>(method: string, path: string, body?: unknown, accept?: number[]) => Promise<{ status: number; body: T }>;

/** What one converge of a ring's AWX inventory group did (`skipped`: members whose deviceKey is no AWX host id). */
export interface AwxGroupConverge extends RingConvergeCounts {
  groupId: number;
  created: boolean;
}

/**
 * Converges the ring's group in the template's inventory (contracts A5): find `GET /inventories/{id}/groups/?name=`, create
 * when absent (400 = someone made it meanwhile: adopt), read its hosts (page_size 200), add missing hosts with
 * `POST /groups/{gid}/hosts/ {id}` and remove extras with `{id, disassociate:true}` on the *group* — never on
 * `/inventories/{id}/hosts/`, where disassociate deletes the host. The job's `limit` is then the group name.
 */
export async function convergeAwxGroup(
  call: AwxCall,
  inventoryId: number,
  name: string,
  members: readonly RingMember[],
): Promise<AwxGroupConverge> {
  const { send, count } = countingCall(call);
  const { want, skipped } = numericMemberIds(members);
  const find = async () => {
    const r = (
      await send<Page<{ id: number; name: string }>>('GET', `/api/v2/inventories/${inventoryId}/groups/?name=${encodeURIComponent(name)}`)
    ).body;
    const mine = r.results.filter((g) => g.name === name);
    if (mine.length > 1) throw new ConflictError(`AWX: ${mine.length} groups named "${name}" in inventory ${inventoryId}`);
    return mine[0]?.id;
  };
  let groupId = await find();
  let created = false;
  if (groupId === undefined) {
    const r = await send<{ id?: number }>(
      'POST',
      `/api/v2/inventories/${inventoryId}/groups/`,
      { name, description: 'EUCORA ring target (converged)' },
      [400],
    );
    if (r.status === 400) groupId = await find();
    else {
      groupId = r.body.id;
      created = true;
    }
    if (typeof groupId !== 'number') throw new InputError(`AWX: could not create or find group "${name}"`);
  }
  const read = async () => {
    const ids = new Set<number>();
    let next: string | null = `/api/v2/groups/${groupId}/hosts/?page_size=200&order_by=id`;
    while (next) {
      const page: Page<{ id: number }> = (await send<Page<{ id: number }>>('GET', next, undefined, [404])).body;
      for (const h of page.results ?? []) ids.add(h.id);
      next = page.next ?? null;
    }
    return ids;
  };
  const have = created ? new Set<number>() : await read();
  const add = [...want].filter((n) => !have.has(n)).sort((a, b) => a - b);
  const remove = [...have].filter((n) => !want.has(n)).sort((a, b) => a - b);
  for (const id of add) await send('POST', `/api/v2/groups/${groupId}/hosts/`, { id });
  for (const id of remove) await send('POST', `/api/v2/groups/${groupId}/hosts/`, { id, disassociate: true });
  const after = add.length || remove.length ? (await read()).size : have.size;
  return { groupId, created, added: add.length, removed: remove.length, skipped, members: after, requests: count() };
}
