import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedVendorText, ringDeviceStatus, vendorCode } from './device-status';
import { intuneDeviceState } from '../intune/intune.device-status';
import { sccmDeviceState } from '../sccm/sccm.device-status';
import { landscapeDeviceState } from '../landscape/landscape.device-status';
import { awxDeviceState } from '../awx/awx.device-status';
import { jamfDeviceState } from '../jamf/jamf.device-status';

test('counts come from the members only: unreported = pending, others ignored, duplicates once', () => {
  const members = ['a', 'b', 'c', 'd', 'a'].map((k) => ({ deviceKey: k, directoryId: null, name: k }));
  const reported = new Map([
    ['a', { state: 'succeeded' as const }],
    ['b', { state: 'failed' as const, errorCode: '0x1' }],
    ['c', { state: 'not_applicable' as const }],
    ['zz', { state: 'failed' as const }],
  ]);
  const r = ringDeviceStatus(members, reported);
  assert.deepEqual(
    { ...r, devices: undefined },
    { targeted: 4, succeeded: 1, failed: 1, pending: 1, notApplicable: 1, devices: undefined },
  );
  assert.deepEqual(
    r.devices.map((d) => [d.deviceKey, d.state]),
    [
      ['a', 'succeeded'],
      ['b', 'failed'],
      ['c', 'not_applicable'],
      ['d', 'pending'],
    ],
  );
});

test('vendor text is bounded and stripped of control characters; codes are short tokens only', () => {
  assert.equal(boundedVendorText('line1\r\nline2\u0000\u001b[31m'), 'line1 line2 [31m');
  assert.equal([...boundedVendorText('é'.repeat(1000))!].length, 256);
  assert.equal(boundedVendorText('\n\t'), undefined);
  assert.equal(boundedVendorText({ html: '<p>' }), undefined);
  assert.equal(vendorCode('0x87D1041C'), '0x87D1041C');
  assert.equal(vendorCode(11), '11');
  assert.equal(vendorCode('<html>error</html>'), undefined);
  assert.equal(vendorCode('x'.repeat(33)), undefined);
});

test('vendor states map to pending/succeeded/failed/not_applicable/removed with the vendor code', () => {
  assert.deepEqual(
    intuneDeviceState({
      DeviceName: 'n',
      DeviceId: 'd',
      AppInstallState: 'failed',
      HexErrorCode: '0x87D1041C',
      AppInstallStateDetails: 'Not detected',
    }),
    { state: 'failed', errorCode: '0x87D1041C', errorMessage: 'Not detected' },
  );
  assert.equal(intuneDeviceState({ DeviceName: 'n', DeviceId: 'd', AppInstallState: 'notApplicable' }).state, 'not_applicable');
  assert.equal(intuneDeviceState({ DeviceName: 'n', DeviceId: 'd', AppInstallState: 'notInstalled' }).state, 'removed');
  assert.equal(intuneDeviceState({ DeviceName: 'n', DeviceId: 'd', AppInstallState: 'unknown' }).state, 'pending');
  assert.deepEqual(sccmDeviceState({ MachineID: 1, AppStatusType: 5, EnforcementState: 11 }), {
    state: 'failed',
    errorCode: 'EnforcementState 11',
    errorMessage: 'Failed to install',
  });
  assert.equal(sccmDeviceState({ MachineID: 1, AppStatusType: 3 }).state, 'not_applicable');
  assert.equal(sccmDeviceState({ MachineID: 1, AppStatusType: 2, EnforcementState: 2 }).state, 'pending');
  assert.deepEqual(landscapeDeviceState({ computer_id: 3, activity_status: 'failed', result_code: 1, result_text: 'boom\n' }), {
    state: 'failed',
    errorCode: '1',
    errorMessage: 'boom',
  });
  assert.equal(landscapeDeviceState({ computer_id: 3, activity_status: 'delivered' }).state, 'pending');
  assert.equal(landscapeDeviceState({ computer_id: 3, activity_status: 'canceled' }).errorCode, 'canceled');
  assert.equal(awxDeviceState({ host_name: 'h', failures: 0, dark: 1, failed: true }).errorCode, 'unreachable');
  assert.equal(awxDeviceState({ host_name: 'h', failures: 2, dark: 0, failed: true }).errorCode, 'failures');
  assert.equal(awxDeviceState({ host_name: 'h', failures: 0, dark: 0, failed: false }).state, 'succeeded');
  const logs = [
    { policy_id: 7, status: 'Failed', date_completed_utc: '2026-01-01T00:00:00Z' },
    { policy_id: 7, status: 'Completed', date_completed_utc: '2026-01-02T00:00:00Z' },
    { policy_id: 8, status: 'Failed', date_completed_utc: '2026-01-03T00:00:00Z' },
  ];
  assert.equal(jamfDeviceState(logs, '7').state, 'succeeded', 'the latest run of this policy wins');
  assert.equal(jamfDeviceState(logs, '8').errorCode, 'Failed');
  assert.equal(jamfDeviceState(logs, '9').state, 'pending');
});
