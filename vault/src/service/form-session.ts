import { createHmac } from 'node:crypto';
import { constantTimeEqual } from '../crypto/secrets';
import { looksLikeOtk } from '../otk/otk';

/**
 * A visitor's form session: the submit key of the request their browser opened, bound to the link
 * it was opened from by a MAC under a key derived from the master key (so every instance checks
 * it). Only the vault can make one: a cookie planted by someone else (a sibling subdomain, a forged
 * plain-http answer) shows nothing, and one made at another link is refused at this one.
 */
export class FormSessions {
  constructor(private readonly key: Buffer) {}

  /** The session of `submitKey`, opened from the link `openOtk`. */
  issue(openOtk: string, submitKey: string): string {
    return `${submitKey}.${this.mac(openOtk, submitKey)}`;
  }

  /** The submit key of the first of `sessions` issued at `openOtk`; undefined when none was. */
  submitKeyAt(openOtk: string, sessions: readonly string[]): string | undefined {
    for (const session of sessions) {
      const [submitKey, mac, ...rest] = session.split('.');
      if (rest.length === 0 && mac !== undefined && looksLikeOtk(submitKey)) {
        if (constantTimeEqual(mac, this.mac(openOtk, submitKey))) return submitKey;
      }
    }
    return undefined;
  }

  private mac(openOtk: string, submitKey: string): string {
    return createHmac('sha256', this.key).update(`${openOtk}\u0000${submitKey}`).digest('base64url');
  }
}
