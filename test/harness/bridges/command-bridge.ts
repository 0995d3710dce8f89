/** Slash commands the app registers. */
import type { ISlashCommand } from '@rocket.chat/apps-engine/definition/slashcommands';
import { CommandBridge } from '@rocket.chat/apps-engine/server/bridges';

export class HarnessCommandBridge extends CommandBridge {
  public readonly commands = new Map<string, ISlashCommand>();

  protected async doesCommandExist(command: string): Promise<boolean> {
    return this.commands.has(command);
  }

  protected async enableCommand(): Promise<void> {
    return undefined;
  }

  protected async disableCommand(): Promise<void> {
    return undefined;
  }

  protected async modifyCommand(command: ISlashCommand): Promise<void> {
    this.commands.set(command.command, command);
  }

  protected async registerCommand(command: ISlashCommand): Promise<void> {
    this.commands.set(command.command, command);
  }

  protected async unregisterCommand(command: string): Promise<void> {
    this.commands.delete(command);
  }
}
