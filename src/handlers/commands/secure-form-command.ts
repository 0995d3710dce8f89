import { openFormDialog } from '../../forms/form-dialog';
import type { DialogCommandSpec } from './dialog-command';

/** `/secure-form [form-id]`: opens the form picker, with that form chosen when given. */
export const SECURE_FORM_COMMAND: DialogCommandSpec = {
  command: 'secure-form',
  i18nParamsExample: 'command_secure_form_params',
  i18nDescription: 'command_secure_form_description',
  open: (deps, sender, room, triggerId, [formId]) => openFormDialog(deps, sender, room, triggerId, formId),
};
