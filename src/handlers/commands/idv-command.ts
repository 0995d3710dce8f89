import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISlashCommand, SlashCommandContext } from '@rocket.chat/apps-engine/definition/slashcommands';

import { openIdvDialog } from '../../idv/idv-dialog';
import type { AppRef } from '../../platform/deps';

/** `/idv`: opens the ID&V dialog in the livechat room the agent serves. */
export class IdvCommand implements ISlashCommand {
  public command = 'idv';
  public i18nParamsExample = '';
  public i18nDescription = 'command_idv_description';
  public providesPreview = false;

  constructor(private readonly app: AppRef) {}

  public async executor(
    context: SlashCommandContext,
    read: IRead,
    modify: IModify,
    http: IHttp,
    persis: IPersistence,
  ): Promise<void> {
    await openIdvDialog(
      { app: this.app, read, modify, http, persis },
      context.getSender(),
      context.getRoom(),
      // A command run without a client (REST API) has no trigger ID: no view can open for it.
      context.getTriggerId(),
    );
  }
}
