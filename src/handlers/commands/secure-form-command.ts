import { openFormDialog } from '../../forms/form-dialog';
import type { AppCommandSpec } from './app-command';

/** `/secure-form [form-id]`: opens the form picker, with that form chosen when given. */
export const SECURE_FORM_COMMAND: AppCommandSpec = {
  command: 'secure-form',
  i18nParamsExample: 'command_secure_form_params',
  i18nDescription: 'command_secure_form_description',
  run: (deps, sender, room, [formId], triggerId) => openFormDialog(deps, sender, room, triggerId, formId),
};
