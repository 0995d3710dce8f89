/**
 * A message a visitor leaves in the livechat offline form (no agent online), as Rocket.Chat handles
 * it (apps/meteor/app/livechat/server/lib/messages.ts `sendOfflineMessage`, then the
 * `livechat.offlineMessage` callbacks). Apps see only two of its ways out of Rocket.Chat:
 * - it is refused unless *Livechat_display_offline_form* is on (on by default) and has an e-mail;
 * - it is e-mailed to *Livechat_offline_email*, through the mailer, which runs the apps'
 *   IPreEmailSent on it and sends what they return; when that fails, nothing else happens;
 * - then, with *Livechat_webhook_on_offline_msg* and a *Livechat_webhookUrl*, it is posted, as
 *   typed, to the CRM webhook, which no app hook sees;
 * - and with *Livechat_OfflineMessageToChannel_enabled*, the server posts it as its bot
 *   (`rocket.cat`) to the channel *Livechat_OfflineMessageToChannel_channel_name* names, through
 *   `sendMessage`: the only copy the apps' message hooks see.
 * Departments (their own e-mail and channel) are not modelled.
 */
import type { IEmailDescriptor } from '@rocket.chat/apps-engine/definition/email';
import type { IRoom } from '@rocket.chat/apps-engine/definition/rooms';

import type { World } from './world';

export interface OfflineMessage {
  name: string;
  email: string;
  message: string;
  /** The page the visitor wrote from. */
  host?: string;
}

/** A copy that left Rocket.Chat: an e-mail (as the mailer sent it) or a webhook's body. */
export interface OutboundCopy {
  via: 'email' | 'webhook';
  to: string;
  subject?: string;
  body: string;
  text?: string;
}

function setting(world: World, id: string): unknown {
  return world.serverSettings.get(id)?.value;
}

function textSetting(world: World, id: string): string {
  const value = setting(world, id);
  return typeof value === 'string' ? value : '';
}

/**
 * The e-mail the server builds of an offline message, before the mailer runs the apps'
 * IPreEmailSent on it (and its plain text from the HTML, as the mailer makes one); throws, sending
 * nothing, where the server would.
 */
export function offlineMessageEmail(world: World, data: OfflineMessage): IEmailDescriptor {
  if (setting(world, 'Livechat_display_offline_form') !== true) throw new Error('error-offline-form-disabled');
  if (!data.email) throw new Error('error-invalid-email');
  const to = textSetting(world, 'Livechat_offline_email');
  // The mailer refuses an e-mail to nobody; the server then answers the widget with an error.
  if (!to) throw new Error('the offline message could not be e-mailed: no Livechat_offline_email');
  const message = data.message.replace(/([^>\r\n]?)(\r\n|\n\r|\r|\n)/g, '$1<br>$2');
  const html = `<h1>New livechat message</h1><p><strong>Visitor name:</strong> ${data.name}</p><p><strong>Visitor email:</strong> ${data.email}</p><p><strong>Message:</strong><br>${message}</p>`;
  return {
    to,
    from: `${data.name} - ${data.email} <no-reply@example.com>`,
    replyTo: `${data.name} <${data.email}>`,
    subject: `Livechat offline message from ${data.name}: ${message.substring(0, 20)}`,
    // The mailer wraps the HTML in the workspace's e-mail header and footer; its text is the bare one's.
    html: `${textSetting(world, 'Email_Header')}${html}${textSetting(world, 'Email_Footer')}`,
    text: html.replace(/<br\s*\/?>/gi, '').replace(/<[^<>]*>/g, ' '),
  };
}

/** The webhook's copy, when the workspace sends offline messages to its CRM: as typed. */
export function offlineWebhookCopy(world: World, data: OfflineMessage): OutboundCopy | undefined {
  const webhook = textSetting(world, 'Livechat_webhookUrl');
  if (setting(world, 'Livechat_webhook_on_offline_msg') !== true || !webhook) return undefined;
  const body = {
    type: 'LivechatOfflineMessage',
    visitor: { name: data.name, email: data.email },
    message: data.message,
  };
  return { via: 'webhook', to: webhook, body: JSON.stringify(body) };
}

/** The channel post the server makes of it (its English strings), or none. */
export function offlineChannelPost(world: World, data: OfflineMessage): { room: IRoom; text: string } | undefined {
  if (setting(world, 'Livechat_OfflineMessageToChannel_enabled') !== true) return undefined;
  const name = textSetting(world, 'Livechat_OfflineMessageToChannel_channel_name');
  const room = name ? Array.from(world.rooms.values()).find((r) => r.slugifiedName === name) : undefined;
  if (!room) return undefined;
  const lines = ['A new Livechat offline message has been sent: '];
  if (data.host) lines.push(`Sent from: ${data.host} `);
  lines.push(`Visitor Name: ${data.name} `, `Visitor Email: ${data.email} `, `Message: ${data.message} `);
  return { room, text: `${lines.join('\n')}\n` };
}
