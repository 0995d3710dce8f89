import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';
import type { ISlashCommand, SlashCommandContext } from '@rocket.chat/apps-engine/definition/slashcommands';
import type { IUser } from '@rocket.chat/apps-engine/definition/users';

import type { AppRef, Deps } from '../../platform/deps';

/** What one of the app's slash commands says about itself, and what it does. */
export interface AppCommandSpec {
  command: string;
  i18nParamsExample: string;
  i18nDescription: string;
  /** A permission the client checks before it offers the command; the server does not: `run` checks roles. */
  permission?: string;
  /**
   * Runs the command; `args` are its trimmed, non-empty arguments. `triggerId` is undefined for a
   * command run without a client (REST API): no view can open for it.
   */
  run(deps: Deps, sender: IUser, room: IRoom, args: string[], triggerId: string | undefined): Promise<void>;
}

/** A slash command of the app: the engine's interface around one spec. */
export class AppCommand implements ISlashCommand {
  public readonly command: string;
  public readonly i18nParamsExample: string;
  public readonly i18nDescription: string;
  public readonly permission?: string;
  public readonly providesPreview = false;

  constructor(
    private readonly app: AppRef,
    private readonly spec: AppCommandSpec,
  ) {
    this.command = spec.command;
    this.i18nParamsExample = spec.i18nParamsExample;
    this.i18nDescription = spec.i18nDescription;
    if (spec.permission) this.permission = spec.permission;
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
    await this.spec.run(
      { app: this.app, read, modify, http, persis },
      context.getSender(),
      context.getRoom(),
      args,
      context.getTriggerId(),
    );
  }
}
