/** One ring target object on a simulated plane (Entra group, Jamf static group, SCCM collection, Landscape tag, AWX group). */
export interface RingObject {
  id: string;
  name: string;
  /** Members by the plane's own member key (directory object id, computer id, ResourceID, computer id, host id). */
  members: Set<string>;
}

/**
 * Ring target objects of one simulator with the counters that prove idempotency: objects created per name (a second
 * create of one name shows as 2), member adds and removes.
 */
export class RingObjectStore {
  private readonly byId = new Map<string, RingObject>();
  readonly createdByName: Record<string, number> = {};
  memberAdds = 0;
  memberRemoves = 0;

  constructor(private readonly newId: (seq: number, name: string) => string) {}

  create(name: string): RingObject {
    const o: RingObject = { id: this.newId(this.byId.size + 1, name), name, members: new Set() };
    this.byId.set(o.id, o);
    this.createdByName[name] = (this.createdByName[name] ?? 0) + 1;
    return o;
  }

  get(id: string): RingObject | undefined {
    return this.byId.get(id);
  }

  /** Every object of that name (case-insensitive where the plane is, see `fold`). */
  byName(name: string, fold = false): RingObject[] {
    const n = fold ? name.toLowerCase() : name;
    return [...this.byId.values()].filter((o) => (fold ? o.name.toLowerCase() : o.name) === n);
  }

  all(): RingObject[] {
    return [...this.byId.values()];
  }

  /** Drops a member key from every object (the member itself was deleted on the plane). */
  forget(member: string): void {
    for (const o of this.byId.values()) o.members.delete(member);
  }

  /** Counters for `/_sim/stats`. */
  stats(): { ringObjects: number; ringObjectsCreatedByName: Record<string, number>; ringMemberAdds: number; ringMemberRemoves: number } {
    return {
      ringObjects: this.byId.size,
      ringObjectsCreatedByName: { ...this.createdByName },
      ringMemberAdds: this.memberAdds,
      ringMemberRemoves: this.memberRemoves,
    };
  }
}
