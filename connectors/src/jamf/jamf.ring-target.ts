import { ConflictError, InputError } from '@eucora/core';
import type { RingMember } from '../connector';
import { countingCall, numericMemberIds, type RingConvergeCounts } from '../shared/ring-members';
import { xmlText } from '../shared/escape';

/** The JamfConnector's authenticated Classic/Pro API call. */
export type JamfCall = (
  method: string,
  path: string,
  body?: { xml?: string },
  accept?: number[],
) => Promise<{ status: number; text: string }>;

/**
 * What one converge of a ring's Jamf static group did (`skipped`: members whose deviceKey is no Jamf computer id; `members`
 * is the create's own list when nothing changed after it).
 */
export interface JamfGroupConverge extends RingConvergeCounts {
  groupId: number;
  created: boolean;
}

const computers = (ids: number[]) => ids.map((id) => `<computer><id>${id}</id></computer>`).join('');

/**
 * Converges the ring's static computer group (contracts A2, Classic API): find by name (404 → create with exactly the
 * members; 409 on create → someone made it meanwhile: adopt), else diff its `computers` against the members and send one
 * PUT with `computer_additions` / `computer_deletions` (the Pro API's PUT would replace all members; Classic sends the diff).
 */
export async function convergeJamfStaticGroup(
  call: JamfCall,
  targetKey: string,
  members: readonly RingMember[],
): Promise<JamfGroupConverge> {
  const { send, count } = countingCall(call);
  const { want, skipped } = numericMemberIds(members);
  const find = async () => {
    const res = await send('GET', `/JSSResource/computergroups/name/${encodeURIComponent(targetKey)}`, undefined, [404]);
    if (res.status === 404) return undefined;
    const g = (JSON.parse(res.text) as { computer_group?: { id?: number; is_smart?: boolean; computers?: { id: number }[] } })
      .computer_group;
    if (typeof g?.id !== 'number') throw new InputError(`jamf: computer group "${targetKey}" has no id`);
    if (g.is_smart) throw new ConflictError(`jamf: "${targetKey}" is a smart group; a ring target must be a static group`);
    return { id: g.id, have: new Set((g.computers ?? []).map((c) => Number(c.id))) };
  };
  let g = await find();
  if (!g) {
    const members = computers([...want].sort((a, b) => a - b));
    const xml =
      `<computer_group><name>${xmlText(targetKey)}</name><is_smart>false</is_smart>` + `<computers>${members}</computers></computer_group>`;
    const res = await send('POST', '/JSSResource/computergroups/id/0', { xml }, [409]);
    if (res.status !== 409) {
      const id = Number(/<id>(\d+)<\/id>/.exec(res.text)?.[1]);
      if (!Number.isInteger(id) || id <= 0) throw new InputError(`jamf: group create for "${targetKey}" returned no id`);
      return { groupId: id, created: true, added: want.size, removed: 0, skipped, members: want.size, requests: count() };
    }
    g = await find();
    if (!g) throw new ConflictError(`jamf answered 409 to group "${targetKey}" and no group of that name exists`);
  }
  const add = [...want].filter((n) => !g.have.has(n)).sort((a, b) => a - b);
  const remove = [...g.have].filter((n) => !want.has(n)).sort((a, b) => a - b);
  if (add.length || remove.length) {
    const xml =
      `<computer_group><computer_additions>${computers(add)}</computer_additions>` +
      `<computer_deletions>${computers(remove)}</computer_deletions></computer_group>`;
    await send('PUT', `/JSSResource/computergroups/id/${g.id}`, { xml });
  }
  const after = add.length || remove.length ? ((await find())?.have.size ?? 0) : g.have.size;
  return { groupId: g.id, created: false, added: add.length, removed: remove.length, skipped, members: after, requests: count() };
}
