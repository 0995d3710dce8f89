import type {
  IAppAccessors,
  IConfigurationExtend,
  IConfigurationModify,
  IHttp,
  ILogger,
  IMessageBuilder,
  IModify,
  IPersistence,
  IRead,
} from '@rocket.chat/apps-engine/definition/accessors';
import { ApiSecurity, ApiVisibility } from '@rocket.chat/apps-engine/definition/api';
import { App } from '@rocket.chat/apps-engine/definition/App';
import type {
  ILivechatEventContext,
  ILivechatRoom,
  ILivechatTransferEventContext,
  IPostLivechatAgentAssigned,
  IPostLivechatRoomClosed,
  IPostLivechatRoomTransferred,
} from '@rocket.chat/apps-engine/definition/livechat';
import type {
  IMessage,
  IPostMessageSent,
  IPostMessageUpdated,
  IPreMessageSentModify,
  IPreMessageUpdatedModify,
} from '@rocket.chat/apps-engine/definition/messages';
import type { IAppInfo } from '@rocket.chat/apps-engine/definition/metadata';
import type { IEmailDescriptor, IPreEmailSent, IPreEmailSentContext } from '@rocket.chat/apps-engine/definition/email';
import type { ISetting } from '@rocket.chat/apps-engine/definition/settings';
import type {
  IUIKitInteractionHandler,
  IUIKitResponse,
  UIKitActionButtonInteractionContext,
  UIKitBlockInteractionContext,
  UIKitViewCloseInteractionContext,
  UIKitViewSubmitInteractionContext,
} from '@rocket.chat/apps-engine/definition/uikit';
import type {
  IUIKitLivechatInteractionHandler,
  UIKitLivechatBlockInteractionContext,
} from '@rocket.chat/apps-engine/definition/uikit/livechat';

import { VaultEventsEndpoint } from './src/endpoints/vault-events-endpoint';
import { MASKING_COUNTS_COMMAND, PRIVACY_COMMAND, READINESS_COMMAND } from './src/handlers/commands/admin-commands';
import { AppCommand } from './src/handlers/commands/app-command';
import { IDV_COMMAND } from './src/handlers/commands/idv-command';
import { SECURE_FORM_COMMAND } from './src/handlers/commands/secure-form-command';
import {
  handleActionButton,
  handleBlockAction,
  handleViewClosed,
  handleViewSubmit,
  ROOM_ACTION_BUTTONS,
} from './src/handlers/interactions';
import {
  onLivechatAgentAssigned,
  onLivechatRoomClosed,
  onLivechatRoomTransferred,
} from './src/handlers/livechat-events';
import { maskBeforeSaving, needsMasking, needsMaskingNotice, tellAboutMasking } from './src/handlers/message-masking';
import { maskEmailBeforeSending } from './src/handlers/email-masking';
import { managerViewJobProcessors } from './src/requests/manager-view';
import { processorSendJobProcessors } from './src/requests/processor-send';
import { sendJobProcessors } from './src/requests/send-job';
import { readinessJobProcessor } from './src/readiness/readiness-check';
import { sweepJobProcessor } from './src/requests/sweep-job';
import { checkCatalogSetting } from './src/settings/catalog-setting';
import { checkMaskingSetting } from './src/settings/masking-setting';
import { checkVaultSettings } from './src/settings/vault-settings-check';
import { checkRoleSetting } from './src/settings/role-setting-check';
import { checkSettingKind } from './src/settings/setting-kinds';
import { SETTINGS } from './src/settings/settings';

/** Wiring only: each handler is one line that hands over to src/. */
export class IdvSecureFormsApp
  extends App
  implements
    IUIKitInteractionHandler,
    IUIKitLivechatInteractionHandler,
    IPostLivechatRoomClosed,
    IPostLivechatRoomTransferred,
    IPostLivechatAgentAssigned,
    IPreMessageSentModify,
    IPreMessageUpdatedModify,
    IPostMessageSent,
    IPostMessageUpdated,
    IPreEmailSent
{
  constructor(info: IAppInfo, logger: ILogger, accessors: IAppAccessors) {
    super(info, logger, accessors);
  }

  protected async extendConfiguration(configuration: IConfigurationExtend): Promise<void> {
    await Promise.all(SETTINGS.map((setting) => configuration.settings.provideSetting(setting)));
    await configuration.slashCommands.provideSlashCommand(new AppCommand(this, IDV_COMMAND));
    await configuration.slashCommands.provideSlashCommand(new AppCommand(this, SECURE_FORM_COMMAND));
    await configuration.slashCommands.provideSlashCommand(new AppCommand(this, MASKING_COUNTS_COMMAND));
    await configuration.slashCommands.provideSlashCommand(new AppCommand(this, PRIVACY_COMMAND));
    await configuration.slashCommands.provideSlashCommand(new AppCommand(this, READINESS_COMMAND));
    ROOM_ACTION_BUTTONS.forEach((descriptor) => configuration.ui.registerButton(descriptor));
    await configuration.api.provideApi({
      visibility: ApiVisibility.PUBLIC,
      security: ApiSecurity.UNSECURE,
      endpoints: [new VaultEventsEndpoint(this)],
    });
    await configuration.scheduler.registerProcessors([
      ...sendJobProcessors(this),
      ...managerViewJobProcessors(this),
      ...processorSendJobProcessors(this),
      sweepJobProcessor(this),
      readinessJobProcessor(this),
    ]);
  }

  /**
   * Keeps the admin's value as it is. Returning the setting instead would make the engine log it
   * ("… was successfully called! The result is: …"), the vault API key included.
   */
  public async onPreSettingUpdate(): Promise<ISetting> {
    return null as unknown as ISetting;
  }

  public async onSettingUpdated(
    setting: ISetting,
    _configurationModify: IConfigurationModify,
    read: IRead,
  ): Promise<void> {
    checkSettingKind(this.getLogger(), SETTINGS, setting);
    await checkCatalogSetting(this.getLogger(), read, setting);
    await checkMaskingSetting(this.getLogger(), read, setting);
    await checkVaultSettings(this.getLogger(), read, setting);
    await checkRoleSetting({ app: this, read }, setting);
  }

  public async executeActionButtonHandler(
    context: UIKitActionButtonInteractionContext,
    read: IRead,
    http: IHttp,
    persis: IPersistence,
    modify: IModify,
  ): Promise<IUIKitResponse> {
    return handleActionButton({ app: this, read, modify, http, persis }, context);
  }

  public async executeBlockActionHandler(
    context: UIKitBlockInteractionContext,
    read: IRead,
    http: IHttp,
    persis: IPersistence,
    modify: IModify,
  ): Promise<IUIKitResponse> {
    return handleBlockAction({ app: this, read, modify, http, persis }, context);
  }

  public async executeViewSubmitHandler(
    context: UIKitViewSubmitInteractionContext,
    read: IRead,
    http: IHttp,
    persis: IPersistence,
    modify: IModify,
  ): Promise<IUIKitResponse> {
    return handleViewSubmit({ app: this, read, modify, http, persis }, context);
  }

  public async executeViewClosedHandler(
    context: UIKitViewCloseInteractionContext,
    read: IRead,
    http: IHttp,
    persis: IPersistence,
    modify: IModify,
  ): Promise<IUIKitResponse> {
    return handleViewClosed({ app: this, read, modify, http, persis }, context);
  }

  /** Visitors' clicks in the widget: the app offers them nothing but links, so nothing to do. */
  public async executeLivechatBlockActionHandler(
    context: UIKitLivechatBlockInteractionContext,
  ): Promise<IUIKitResponse> {
    return context.getInteractionResponder().successResponse();
  }

  public async checkPreMessageSentModify(message: IMessage, read: IRead): Promise<boolean> {
    return needsMasking(message, read, 'sent');
  }

  public async executePreMessageSentModify(
    message: IMessage,
    builder: IMessageBuilder,
    read: IRead,
    _http: IHttp,
    persis: IPersistence,
  ): Promise<IMessage> {
    return maskBeforeSaving(this, message, builder, read, persis, 'sent');
  }

  public async checkPreMessageUpdatedModify(message: IMessage, read: IRead): Promise<boolean> {
    return needsMasking(message, read, 'updated');
  }

  public async executePreMessageUpdatedModify(
    message: IMessage,
    builder: IMessageBuilder,
    read: IRead,
    _http: IHttp,
    persis: IPersistence,
  ): Promise<IMessage> {
    return maskBeforeSaving(this, message, builder, read, persis, 'updated');
  }

  public async executePreEmailSent(context: IPreEmailSentContext, read: IRead): Promise<IEmailDescriptor> {
    return maskEmailBeforeSending(this, context, read);
  }

  public async checkPostMessageSent(message: IMessage): Promise<boolean> {
    return needsMaskingNotice(message);
  }

  public async executePostMessageSent(
    message: IMessage,
    read: IRead,
    http: IHttp,
    persis: IPersistence,
    modify: IModify,
  ): Promise<void> {
    await tellAboutMasking({ app: this, read, modify, http, persis }, message);
  }

  public async checkPostMessageUpdated(message: IMessage): Promise<boolean> {
    return needsMaskingNotice(message);
  }

  public async executePostMessageUpdated(
    message: IMessage,
    read: IRead,
    http: IHttp,
    persis: IPersistence,
    modify: IModify,
  ): Promise<void> {
    await tellAboutMasking({ app: this, read, modify, http, persis }, message);
  }

  public async executePostLivechatRoomClosed(
    room: ILivechatRoom,
    read: IRead,
    http: IHttp,
    persis: IPersistence,
    modify?: IModify,
  ): Promise<void> {
    await onLivechatRoomClosed({ app: this, read, modify: modify as IModify, http, persis }, room);
  }

  public async executePostLivechatRoomTransferred(
    context: ILivechatTransferEventContext,
    read: IRead,
    http: IHttp,
    persis: IPersistence,
    modify: IModify,
  ): Promise<void> {
    await onLivechatRoomTransferred({ app: this, read, modify, http, persis }, context);
  }

  public async executePostLivechatAgentAssigned(
    context: ILivechatEventContext,
    read: IRead,
    http: IHttp,
    persis: IPersistence,
    modify?: IModify,
  ): Promise<void> {
    await onLivechatAgentAssigned({ app: this, read, modify: modify as IModify, http, persis }, context);
  }
}
