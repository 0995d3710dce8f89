/**
 * An app whose message hooks do nothing: every check answers "no" at once. What it costs per
 * message is the engine's floor for any app that listens to messages, whatever the app's code.
 */
import { inMemoryAppZip } from '../../test/harness/app-zip';

const APP_SOURCE = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const App_1 = require("@rocket.chat/apps-engine/definition/App");
class EmptyHookApp extends App_1.App {
  async checkPreMessageSentModify() { return false; }
  async executePreMessageSentModify(message) { return message; }
  async checkPreMessageUpdatedModify() { return false; }
  async executePreMessageUpdatedModify(message) { return message; }
}
exports.EmptyHookApp = EmptyHookApp;
`;

export function emptyHookAppZip(): Buffer {
  return inMemoryAppZip({
    id: '0b9d8c2e-5d7a-4f3e-9c61-2a4b6e8d0f13',
    name: 'Empty hook app',
    nameSlug: 'empty-hook-app',
    author: 'bench',
    description: 'Message hooks that do nothing (message-hook bench baseline).',
    className: 'EmptyHookApp',
    implements: ['IPreMessageSentModify', 'IPreMessageUpdatedModify'],
    permissions: ['message.read'],
    source: APP_SOURCE,
  });
}
