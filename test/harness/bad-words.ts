/**
 * Rocket.Chat's bad-words filter (`BeforeSaveBadWords`, run by `Message.beforeSave` after the
 * apps' pre-message hooks and before the message is saved, on sends and edits alike): while
 * *Message_AllowBadWordsFilter* is on, the `bad-words` library (the version Rocket.Chat ships, its
 * English list plus the admin's *Message_BadWordsFilterList*, less *Message_BadWordsWhitelist*)
 * replaces each word it knows with asterisks, then the admin's words are replaced again wherever
 * punctuation or spaces bound them. So the text the post-message hooks see may differ from the
 * text the modify hook returned.
 */
import Filter = require('bad-words');

import type { World } from './world';

function words(list: unknown): string[] {
  return typeof list === 'string'
    ? list
        .split(',')
        .map((word) => word.trim())
        .filter(Boolean)
    : [];
}

/** The text as Rocket.Chat saves it: unchanged while the filter is off. */
export function filterBadWords(world: World, text: string | undefined): string | undefined {
  const setting = (id: string) => world.serverSettings.get(id)?.value;
  if (!text || setting('Message_AllowBadWordsFilter') !== true) return text;
  const bad = words(setting('Message_BadWordsFilterList'));
  const filter = new Filter({ list: bad });
  const good = words(setting('Message_BadWordsWhitelist'));
  if (good.length > 0) filter.removeWords(...good);
  let cleaned = text;
  try {
    cleaned = filter.clean(text);
  } catch {
    // Rocket.Chat ignores the library's errors too.
  }
  if (bad.length === 0) return cleaned;
  const admins = new RegExp(`(?<=^|[\\p{P}\\p{Z}])(${bad.join('|')})(?=$|[\\p{P}\\p{Z}])`, 'gmiu');
  return cleaned.replace(admins, (match) => '*'.repeat(match.length));
}
