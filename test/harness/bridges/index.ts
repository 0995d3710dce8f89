/**
 * The host side of the real Apps-Engine, in memory. Every bridge subclasses the engine's own
 * abstract bridge, so the engine's permission checks (the `do*` methods) still run before ours.
 * Bridges the app's flows touch are real over the World; the rest record the call and return empty.
 */
import type {
  IInternalBridge,
  IInternalFederationBridge,
  IListenerBridge,
} from '@rocket.chat/apps-engine/server/bridges';
import {
  ApiBridge,
  AppActivationBridge,
  AppBridges,
  AppDetailChangesBridge,
  CloudWorkspaceBridge,
  CommandBridge,
  ContactBridge,
  EmailBridge,
  EnvironmentalVariableBridge,
  ExperimentalBridge,
  HttpBridge,
  LivechatBridge,
  MessageBridge,
  ModerationBridge,
  OutboundMessageBridge,
  PersistenceBridge,
  RoleBridge,
  RoomBridge,
  SchedulerBridge,
  ServerSettingBridge,
  UiInteractionBridge,
  UploadBridge,
  UserBridge,
  VideoConferenceBridge,
} from '@rocket.chat/apps-engine/server/bridges';
import { OAuthAppsBridge } from '@rocket.chat/apps-engine/server/bridges/OAuthAppsBridge';
import { ThreadBridge } from '@rocket.chat/apps-engine/server/bridges/ThreadBridge';

import type { World } from '../world';
import { HarnessActivationBridge } from './activation-bridge';
import { HarnessApiBridge } from './api-bridge';
import { HarnessCommandBridge } from './command-bridge';
import { HarnessHttpBridge } from './http-bridge';
import { HarnessInternalBridge } from './internal-bridge';
import { HarnessMessageBridge } from './message-bridge';
import type { ServerMessages } from '../server-messages';
import { HarnessPersistenceBridge } from './persistence-bridge';
import { HarnessRoleBridge } from './role-bridge';
import { HarnessRoomBridge } from './room-bridge';
import { HarnessSchedulerBridge } from './scheduler-bridge';
import { HarnessServerSettingBridge } from './server-setting-bridge';
import { HarnessUiInteractionBridge } from './ui-interaction-bridge';
import { HarnessUserBridge } from './user-bridge';
import type { AbstractClass } from './recording-bridge';
import { recordingBridge } from './recording-bridge';

export interface FederationKeys {
  publicKey: string;
  privateKey: string;
}

export class HarnessBridges extends AppBridges {
  public readonly calls: string[] = [];
  public readonly commandBridge = new HarnessCommandBridge();
  public readonly apiBridge = new HarnessApiBridge();
  public readonly activationBridge = new HarnessActivationBridge();
  private readonly messageBridge: HarnessMessageBridge;
  private readonly roomBridge: HarnessRoomBridge;
  private readonly userBridge: HarnessUserBridge;
  private readonly roleBridge: HarnessRoleBridge;
  private readonly persistenceBridge: HarnessPersistenceBridge;
  private readonly uiBridge: HarnessUiInteractionBridge;
  private readonly settingBridge: HarnessServerSettingBridge;
  private readonly httpBridge: HarnessHttpBridge;
  private readonly internalBridge: HarnessInternalBridge;
  private readonly federationBridge: IInternalFederationBridge;
  private readonly listenerBridge: IListenerBridge;
  private readonly stubs = new Map<string, object>();

  public readonly schedulerBridge: HarnessSchedulerBridge;

  constructor(
    world: World,
    keys: FederationKeys,
    messages: ServerMessages,
    onBackgroundFailure: (what: string) => void = () => undefined,
  ) {
    super();
    this.messageBridge = new HarnessMessageBridge(world, messages);
    this.schedulerBridge = new HarnessSchedulerBridge(world, onBackgroundFailure);
    this.roomBridge = new HarnessRoomBridge(world, this.calls);
    this.userBridge = new HarnessUserBridge(world);
    this.roleBridge = new HarnessRoleBridge(world);
    this.persistenceBridge = new HarnessPersistenceBridge(world);
    this.uiBridge = new HarnessUiInteractionBridge(world);
    this.settingBridge = new HarnessServerSettingBridge(world);
    this.httpBridge = new HarnessHttpBridge(world);
    this.internalBridge = new HarnessInternalBridge(world);
    this.federationBridge = {
      getPrivateKey: async () => keys.privateKey,
      getPublicKey: async () => keys.publicKey,
    };
    this.listenerBridge = {
      messageEvent: async () => undefined,
      roomEvent: async () => undefined,
      uiKitInteractionEvent: async () => undefined,
    };
  }

  private stub<T extends object>(Base: AbstractClass<T>, name: string): T {
    if (!this.stubs.has(name)) {
      this.stubs.set(name, recordingBridge(Base, name, this.calls));
    }
    return this.stubs.get(name) as T;
  }

  public getCommandBridge(): CommandBridge {
    return this.commandBridge;
  }

  public getContactBridge(): ContactBridge {
    return this.stub(ContactBridge, 'contact');
  }

  public getApiBridge(): ApiBridge {
    return this.apiBridge;
  }

  public getAppDetailChangesBridge(): AppDetailChangesBridge {
    return this.stub(AppDetailChangesBridge, 'appDetailChanges');
  }

  public getEnvironmentalVariableBridge(): EnvironmentalVariableBridge {
    return this.stub(EnvironmentalVariableBridge, 'env');
  }

  public getHttpBridge(): HttpBridge {
    return this.httpBridge;
  }

  public getListenerBridge(): IListenerBridge {
    return this.listenerBridge;
  }

  public getLivechatBridge(): LivechatBridge {
    return this.stub(LivechatBridge, 'livechat');
  }

  public getMessageBridge(): MessageBridge {
    return this.messageBridge;
  }

  public getPersistenceBridge(): PersistenceBridge {
    return this.persistenceBridge;
  }

  public getAppActivationBridge(): AppActivationBridge {
    return this.activationBridge;
  }

  public getRoomBridge(): RoomBridge {
    return this.roomBridge;
  }

  public getInternalBridge(): IInternalBridge {
    return this.internalBridge;
  }

  public getInternalFederationBridge(): IInternalFederationBridge {
    return this.federationBridge;
  }

  public getServerSettingBridge(): ServerSettingBridge {
    return this.settingBridge;
  }

  public getUploadBridge(): UploadBridge {
    return this.stub(UploadBridge, 'upload');
  }

  public getEmailBridge(): EmailBridge {
    return this.stub(EmailBridge, 'email');
  }

  public getUserBridge(): UserBridge {
    return this.userBridge;
  }

  public getUiInteractionBridge(): UiInteractionBridge {
    return this.uiBridge;
  }

  public getSchedulerBridge(): SchedulerBridge {
    return this.schedulerBridge;
  }

  public getCloudWorkspaceBridge(): CloudWorkspaceBridge {
    return this.stub(CloudWorkspaceBridge, 'cloudWorkspace');
  }

  public getVideoConferenceBridge(): VideoConferenceBridge {
    return this.stub(VideoConferenceBridge, 'videoConference');
  }

  public getOAuthAppsBridge(): OAuthAppsBridge {
    return this.stub(OAuthAppsBridge, 'oauthApps');
  }

  public getModerationBridge(): ModerationBridge {
    return this.stub(ModerationBridge, 'moderation');
  }

  public getThreadBridge(): ThreadBridge {
    return this.stub(ThreadBridge, 'thread');
  }

  public getRoleBridge(): RoleBridge {
    return this.roleBridge;
  }

  public getOutboundMessageBridge(): OutboundMessageBridge {
    return this.stub(OutboundMessageBridge, 'outboundMessage');
  }

  public getExperimentalBridge(): ExperimentalBridge {
    return this.stub(ExperimentalBridge, 'experimental');
  }
}
