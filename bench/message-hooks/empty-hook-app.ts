/**
 * An app whose message hooks do nothing: every check answers "no" at once. What it costs per
 * message is the engine's floor for any app that listens to messages, whatever the app's code.
 */
import AdmZip = require('adm-zip');

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

const APP_JSON = {
  id: '0b9d8c2e-5d7a-4f3e-9c61-2a4b6e8d0f13',
  version: '0.0.1',
  requiredApiVersion: '^1.38.0',
  iconFile: 'icon.png',
  author: { name: 'bench', homepage: 'https://example.invalid', support: 'https://example.invalid' },
  name: 'Empty hook app',
  nameSlug: 'empty-hook-app',
  classFile: 'EmptyHookApp.js',
  description: 'Message hooks that do nothing (message-hook bench baseline).',
  implements: ['IPreMessageSentModify', 'IPreMessageUpdatedModify'],
  permissions: [{ name: 'message.read' }],
};

export function emptyHookAppZip(): Buffer {
  const zip = new AdmZip();
  zip.addFile('app.json', Buffer.from(JSON.stringify(APP_JSON)));
  zip.addFile('EmptyHookApp.js', Buffer.from(APP_SOURCE));
  return zip.toBuffer();
}
