import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISlashCommand, SlashCommandContext } from '@rocket.chat/apps-engine/definition/slashcommands';

import { openFormDialog } from '../../forms/form-dialog';
import type { AppRef } from '../../platform/deps';

/** `/secure-form [form-id]`: opens the form picker, with that form chosen when given. */
export class SecureFormCommand implements ISlashCommand {
  public command = 'secure-form';
  public i18nParamsExample = 'command_secure_form_params';
  public i18nDescription = 'command_secure_form_description';
  public providesPreview = false;

  constructor(private readonly app: AppRef) {}

  public async executor(
    context: SlashCommandContext,
    read: IRead,
    modify: IModify,
    http: IHttp,
    persis: IPersistence,
  ): Promise<void> {
    const [formId] = context
      .getArguments()
      .map((a) => a.trim())
      .filter(Boolean);
    await openFormDialog(
      { app: this.app, read, modify, http, persis },
      context.getSender(),
      context.getRoom(),
      // A command run without a client (REST API) has no trigger ID: no view can open for it.
      context.getTriggerId(),
      formId,
    );
  }
}
