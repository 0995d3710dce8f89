import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { ISlashCommand, SlashCommandContext } from '@rocket.chat/apps-engine/definition/slashcommands';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { AppRef, Deps } from '../../platform/deps';

/** What a slash command that opens a dialog says about itself, and how it opens the dialog. */
export interface DialogCommandSpec {
  command: string;
  i18nParamsExample: string;
  i18nDescription: string;
  /** Opens the dialog; `args` are the command's trimmed, non-empty arguments. */
  open(deps: Deps, sender: IUser, room: IRoom, triggerId: string | undefined, args: string[]): Promise<void>;
}

/** A slash command that opens one of the app's dialogs in the room it was run in. */
export class DialogCommand implements ISlashCommand {
  public readonly command: string;
  public readonly i18nParamsExample: string;
  public readonly i18nDescription: string;
  public readonly providesPreview = false;

  constructor(
    private readonly app: AppRef,
    private readonly spec: DialogCommandSpec,
  ) {
    this.command = spec.command;
    this.i18nParamsExample = spec.i18nParamsExample;
    this.i18nDescription = spec.i18nDescription;
  }

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
    await this.spec.open(
      { app: this.app, read, modify, http, persis },
      context.getSender(),
      context.getRoom(),
      // A command run without a client (REST API) has no trigger ID: no view can open for it.
      context.getTriggerId(),
      args,
    );
  }
}
