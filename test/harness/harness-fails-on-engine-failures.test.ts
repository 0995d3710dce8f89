import { LogMessageSeverity } from '@rocket.chat/apps-engine/definition/accessors';

import { EngineHarness } from './engine';

describe('the engine harness', () => {
  let harness: EngineHarness;

  beforeAll(async () => {
    harness = await EngineHarness.boot();
  });

  afterAll(async () => {
    await harness?.shutdown();
  });

  it('fails when the engine logged an unsuccessful handler', async () => {
    const now = new Date();
    await harness.logs.storeEntries({
      appId: harness.appId,
      method: 'app:executeViewSubmitHandler' as never,
      entries: [
        {
          severity: LogMessageSeverity.DEBUG,
          timestamp: now,
          args: [{ msg: "'executeViewSubmitHandler' was unsuccessful." }],
        },
      ],
      startTime: now,
      endTime: now,
      totalTime: 0,
      _createdAt: now,
    });
    await expect(harness.checkLogs('a view submit')).rejects.toThrow(/was unsuccessful/);
  });

  it('passes again once the failure was reported', async () => {
    await expect(harness.checkLogs('nothing')).resolves.toBeUndefined();
  });
});
