import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISlashCommand, SlashCommandContext } from '@rocket.chat/apps-engine/definition/slashcommands';

import type { AppRef } from '../../platform/deps';
import { showMaskingCounts } from '../../redaction/counts-report';

/** `/masking-counts [days]`: admins only; how often each masking rule fired, per day and room. */
export class MaskingCountsCommand implements ISlashCommand {
  public command = 'masking-counts';
  public i18nParamsExample = 'command_masking_counts_params';
  public i18nDescription = 'command_masking_counts_description';
  public providesPreview = false;

  constructor(private readonly app: AppRef) {}

  public async executor(
    context: SlashCommandContext,
    read: IRead,
    modify: IModify,
    http: IHttp,
    persis: IPersistence,
  ): Promise<void> {
    const [days] = context
      .getArguments()
      .map((a) => a.trim())
      .filter(Boolean);
    await showMaskingCounts(
      { app: this.app, read, modify, http, persis },
      context.getSender(),
      context.getRoom(),
      days,
    );
  }
}
