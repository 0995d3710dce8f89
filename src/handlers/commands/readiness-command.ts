import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISlashCommand, SlashCommandContext } from '@rocket.chat/apps-engine/definition/slashcommands';

import type { AppRef } from '../../platform/deps';
import { runReadinessCommand } from '../../readiness/readiness-check';

/** `/idv-readiness`: the PCI DSS readiness report, for administrators (checked on the server). */
export class ReadinessCommand implements ISlashCommand {
  public command = 'idv-readiness';
  public i18nParamsExample = '';
  public i18nDescription = 'command_idv_readiness_description';
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
    await runReadinessCommand({ app: this.app, read, modify, http, persis }, context.getSender(), context.getRoom());
  }
}
