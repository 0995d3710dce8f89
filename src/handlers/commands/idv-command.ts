import { openIdvDialog } from '../../idv/idv-dialog';
import type { DialogCommandSpec } from './dialog-command';

/** `/idv`: opens the ID&V dialog in the livechat room the agent serves. */
export const IDV_COMMAND: DialogCommandSpec = {
  command: 'idv',
  i18nParamsExample: '',
  i18nDescription: 'command_idv_description',
  open: (deps, sender, room, triggerId) => openIdvDialog(deps, sender, room, triggerId),
};
