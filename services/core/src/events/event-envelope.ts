import { canonicalJson, sha256Hex } from './canonical-json';

/** Version of the envelope layout; bump when a hashed field changes. */
export const EVENT_SCHEMA_VERSION = 1;

/** Hash that starts every tenant's chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** The one event envelope of DESIGN.md §4, used for timeline, audit and explainability. */
export interface EventEnvelope {
  eventId: string;
  tenantId: string;
  aggregateType: string;
  aggregateId: string;
  eventType: string;
  actor: string;
  reason: string;
  /** Scores, action, outcome: whatever explains the decision. */
  data: Record<string, unknown>;
  correlationId: string;
  /** ISO-8601 UTC with milliseconds. */
  createdAt: string;
  schemaVersion: number;
  prevHash: string;
  hash: string;
}

/** An event before it is chained: what callers supply. */
export type NewEvent = Omit<EventEnvelope, 'schemaVersion' | 'prevHash' | 'hash'>;

/** The hash of an event: SHA-256 over the canonical JSON of every field but `hash`, including `prevHash`. */
export function computeEventHash(event: Omit<EventEnvelope, 'hash'>): string {
  return sha256Hex(canonicalJson(event));
}

/** Links a new event to the chain after `prevHash`. */
export function chainEvent(event: NewEvent, prevHash: string): EventEnvelope {
  const unhashed = { ...event, schemaVersion: EVENT_SCHEMA_VERSION, prevHash };
  return { ...unhashed, hash: computeEventHash(unhashed) };
}

/** Result of walking a chain: the first broken link, if any. */
export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** The first event whose hash or link does not match. */
  firstBroken?: { eventId: string; reason: 'hash_mismatch' | 'prev_hash_mismatch' };
}

/** Every hashed field of an envelope: the type makes a field added to `EventEnvelope` fail to compile until it is listed here. */
const HASHED_FIELDS: Record<keyof Omit<EventEnvelope, 'hash'>, true> = {
  eventId: true,
  tenantId: true,
  aggregateType: true,
  aggregateId: true,
  eventType: true,
  actor: true,
  reason: true,
  data: true,
  correlationId: true,
  createdAt: true,
  schemaVersion: true,
  prevHash: true,
};

/** The hashed fields of an envelope, whatever else a stored row carries (e.g. its sequence number). */
function envelopeFields(e: EventEnvelope): Omit<EventEnvelope, 'hash'> {
  const fields = Object.keys(HASHED_FIELDS) as (keyof typeof HASHED_FIELDS)[];
  return Object.fromEntries(fields.map((k) => [k, e[k]])) as Omit<EventEnvelope, 'hash'>;
}

/** Recomputes a tenant's chain in order; stops at the first broken link. Extra fields on the events are ignored. */
export function verifyChain(events: Iterable<EventEnvelope>, startPrevHash = GENESIS_HASH): ChainVerification & { lastHash: string } {
  let prev = startPrevHash;
  let checked = 0;
  for (const e of events) {
    if (e.prevHash !== prev)
      return { ok: false, checked, lastHash: prev, firstBroken: { eventId: e.eventId, reason: 'prev_hash_mismatch' } };
    if (computeEventHash(envelopeFields(e)) !== e.hash)
      return { ok: false, checked, lastHash: prev, firstBroken: { eventId: e.eventId, reason: 'hash_mismatch' } };
    prev = e.hash;
    checked++;
  }
  return { ok: true, checked, lastHash: prev };
}
