import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import type { ISlashCommand, SlashCommandContext } from '@rocket.chat/apps-engine/definition/slashcommands';

export class IdvCommand implements ISlashCommand {
    public command = 'idv';
    public i18nParamsExample = '';
    public i18nDescription = 'idv_command_description';
    public providesPreview = false;

    public async executor(context: SlashCommandContext, _read: IRead, modify: IModify, _http: IHttp, _persis: IPersistence): Promise<void> {
        
        const message = modify.getCreator().startMessage().setRoom(context.getRoom()).setText('ID&V is coming').getMessage();
        await modify.getNotifier().notifyUser(context.getSender(), message);
    }
}
