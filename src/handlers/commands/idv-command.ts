import { openIdvDialog } from '../../idv/idv-dialog';
import type { AppCommandSpec } from './app-command';

/** `/idv`: opens the ID&V dialog in the livechat room the agent serves. */
export const IDV_COMMAND: AppCommandSpec = {
  command: 'idv',
  i18nParamsExample: '',
  i18nDescription: 'command_idv_description',
  run: (deps, sender, room, _args, triggerId) => openIdvDialog(deps, sender, room, triggerId),
};
