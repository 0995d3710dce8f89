import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISlashCommand, SlashCommandContext } from '@rocket.chat/apps-engine/definition/slashcommands';

import type { AppRef } from '../../platform/deps';
import { runPrivacyCommand } from '../../privacy/visitor-privacy';

/** `/idv-privacy erase|export [room <roomId> | visitor <token>]`: administrators only (checked on the server). */
export class PrivacyCommand implements ISlashCommand {
  public command = 'idv-privacy';
  public i18nParamsExample = 'command_idv_privacy_params';
  public i18nDescription = 'command_idv_privacy_description';
  public permission = 'manage-apps';
  public providesPreview = false;

  constructor(private readonly app: AppRef) {}

  public async executor(
    context: SlashCommandContext,
    read: IRead,
    modify: IModify,
    http: IHttp,
    persis: IPersistence,
  ): Promise<void> {
    const args = context
      .getArguments()
      .map((a) => a.trim())
      .filter(Boolean);
    await runPrivacyCommand(
      { app: this.app, read, modify, http, persis },
      context.getSender(),
      context.getRoom(),
      args,
    );
  }
}
