import { AppStatus } from '@rocket.chat/apps-engine/definition/AppStatus';

import { EngineHarness } from '../harness/engine';

describe('the packaged zip in the real Apps-Engine', () => {
    let harness: EngineHarness;

    beforeAll(async () => {
        harness = await EngineHarness.boot();
    });

    afterAll(async () => {
        await harness?.shutdown();
    });

    it('installs and enables', async () => {
        expect(await harness.status()).toBe(AppStatus.MANUALLY_ENABLED);
        expect(harness.bridges.commandBridge.commands.has('idv')).toBe(true);
    });

    it('runs a slash command', async () => {
        const agent = harness.world.addAgent('agent.one');
        const room = harness.world.addLivechatRoom({ servedBy: agent });
        await harness.runCommand('idv', { user: agent, room });
        expect(harness.world.notificationsFor(agent.id)).toHaveLength(1);
    });
});
