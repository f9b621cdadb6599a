import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceEngine } from './device-engine';

describe('DeviceEngine failure rules', () => {
  const settle = async () => new Promise((r) => setTimeout(r, 5));

  it('a rule naming devices fails exactly those devices, whatever the deployment object', async () => {
    const engine = new DeviceEngine({ size: 200 });
    engine.config.installDurationMs = 1;
    const lab = engine.members('lab');
    engine.config.failureRules = [{ match: 'Pkg', rate: 0.9, devices: lab.slice(0, 3) }];
    for (const key of ['app-1:group-1', 'app-2:group-2']) {
      engine.install(key, 'SomePkg', lab);
      await settle();
      const failed = engine
        .states(key)
        .filter((s) => s.state === 'failed')
        .map((s) => s.deviceId);
      assert.deepEqual(failed.sort(), lab.slice(0, 3).sort());
    }
  });

  it('a rule with a rate only draws per (object, device); forceFailure fails every device', async () => {
    const engine = new DeviceEngine({ size: 200 });
    engine.config.installDurationMs = 1;
    const lab = engine.members('lab');
    engine.config.failureRules = [{ match: 'Pkg', rate: 0.5 }];
    engine.install('k', 'SomePkg', lab);
    engine.install('forced', 'Other', lab, true);
    await settle();
    const drawn = engine
      .states('k')
      .filter((s) => s.state === 'failed')
      .map((s) => s.deviceId);
    assert.deepEqual(drawn.sort(), lab.filter((d) => DeviceEngine.fails('k', d, 0.5)).sort());
    assert.equal(engine.states('forced').filter((s) => s.state === 'failed').length, lab.length);
  });
});
