import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  EVENT_TYPES,
  EventTypes,
  isEventType,
  type EucoraEvent,
  type EventData,
  type EventInput,
  type EventType,
  type IntentEvent,
  type IntentEventType,
} from './event-catalogue';

/** True only when A and B are the same type (checked by the compiler; the runtime value is just `true`). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeCheck = <T extends true>(): T => true as T;

describe('event catalogue', () => {
  it('EventTypes names exactly the types of the union (compile time) and EVENT_TYPES lists them once each', () => {
    typeCheck<Equal<(typeof EventTypes)[keyof typeof EventTypes], EventType>>();
    typeCheck<Equal<EucoraEvent['type'], EventType>>();
    assert.equal(new Set(EVENT_TYPES).size, EVENT_TYPES.length);
    assert.deepEqual([...EVENT_TYPES].sort(), Object.values(EventTypes).sort());
    assert.ok(Object.isFrozen(EVENT_TYPES));
  });

  it('every type is `<aggregate>.<snake_case>` and the constant names follow it', () => {
    for (const t of EVENT_TYPES) assert.match(t, /^[a-z]+\.[a-z_]+$/);
    for (const [name, t] of Object.entries(EventTypes)) {
      const camel = t.replace(/[._]([a-z])/g, (_, c: string) => c.toUpperCase());
      assert.equal(name, camel, t);
    }
  });

  it('the intent aggregate holds the workflow and CAB types, not the API ones', () => {
    typeCheck<Equal<Extract<IntentEventType, `token.${string}` | `exception.${string}` | `connector.${string}`>, never>>();
    typeCheck<Equal<IntentEvent['type'], IntentEventType>>();
    const intentTypes = EVENT_TYPES.filter((t) => /^(intent|ring|cab|evidence)\./.test(t));
    assert.deepEqual(intentTypes, [
      'intent.submitted',
      'intent.assessed',
      'intent.blocked',
      'intent.rollout_started',
      'intent.rolling_back',
      'intent.rolled_back',
      'intent.cancelled',
      'intent.rejected',
      'intent.completed',
      'intent.failed',
      'evidence.recorded',
      'cab.requested',
      'cab.approved',
      'cab.approval_recorded',
      'cab.rejection_recorded',
      'ring.waiting_blackout',
      'ring.deployed',
      'ring.skipped',
      'ring.promoted',
      'ring.halted',
      'ring.rolled_back',
    ]);
  });

  it('isEventType accepts catalogue types only', () => {
    assert.equal(isEventType('ring.halted'), true);
    assert.equal(isEventType('ring.progress'), false);
    assert.equal(isEventType(''), false);
  });

  it('ties data to its type: a mismatched shape does not compile', () => {
    const counts = { targeted: 2, succeeded: 1, failed: 1, pending: 0, notApplicable: 0 };
    const halted: EucoraEvent = {
      type: EventTypes.ringHalted,
      data: { action: 'halt', outcome: 'halted', ring: 'ring0', counts, successPercent: 50, threshold: 95 },
    };
    // @ts-expect-error a promotion's action on a halt
    const wrongAction: EucoraEvent = { type: 'ring.halted', data: { ...halted.data, action: 'promote' } };
    // @ts-expect-error a token event without its roles
    const missing: EventInput = { eventType: 'token.created', data: { action: 'issue_token', outcome: 'issued' } };
    // @ts-expect-error not a catalogue type
    const unknownType: EventType = 'ring.progress';
    const data: EventData<'connector.removed'> = { action: 'remove' };
    assert.ok(halted && wrongAction && missing && unknownType && data);
  });
});
