import { MemoryEphemeralStore } from '../src/ephemeral/memory';
import { describeEphemeralContract } from './shared/ephemeral-contract';

describeEphemeralContract('memory', async () => {
  const store = new MemoryEphemeralStore(Date.now, 50);
  return { store, destroy: () => store.close() };
});
