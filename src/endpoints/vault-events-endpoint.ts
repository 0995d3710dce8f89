/**
 * `POST /api/apps/public/<appId>/vault-events`: the vault's doorbell. Public (the vault has no
 * Rocket.Chat login), so it trusts nothing but a well-formed request ID; see requests/doorbell.ts.
 */
import type { IHttp, IModify, IPersistence, IRead } from '@rocket.chat/apps-engine/definition/accessors';
import { HttpStatusCode } from '@rocket.chat/apps-engine/definition/accessors';
import { ApiEndpoint } from '@rocket.chat/apps-engine/definition/api';
import type { IApiEndpointInfo, IApiRequest, IApiResponse } from '@rocket.chat/apps-engine/definition/api';
import type { IApp } from '@rocket.chat/apps-engine/definition/IApp';

import { isUuid } from '../lib/ids';
import { runSerially } from '../lib/serial';
import { ringDoorbell } from '../requests/doorbell';

export const VAULT_EVENTS_PATH = 'vault-events';

function requestIdOf(content: unknown): string | undefined {
  // Rocket.Chat hands a public endpoint the body its router parsed (JSON or a form), never text.
  const requestId = content && typeof content === 'object' ? (content as { requestId?: unknown }).requestId : undefined;
  return isUuid(requestId) ? requestId : undefined;
}

export class VaultEventsEndpoint extends ApiEndpoint {
  public path = VAULT_EVENTS_PATH;

  constructor(app: IApp) {
    super(app);
  }

  public async post(
    request: IApiRequest,
    _endpoint: IApiEndpointInfo,
    read: IRead,
    modify: IModify,
    http: IHttp,
    persis: IPersistence,
  ): Promise<IApiResponse> {
    const requestId = requestIdOf(request.content);
    if (!requestId) {
      return {
        status: HttpStatusCode.BAD_REQUEST,
        content: { error: { code: 'bad_request', message: 'Expected a JSON body with a requestId (UUID).' } },
      };
    }
    const outcome = await runSerially(`doorbell:${requestId}`, () =>
      ringDoorbell({ app: this.app, read, modify, http, persis }, requestId),
    );
    if (outcome === 'retry') {
      return {
        status: HttpStatusCode.SERVICE_UNAVAILABLE,
        content: { error: { code: 'unavailable', message: 'Try again later.' } },
      };
    }
    // Known, unknown or forged: the same answer.
    return { status: HttpStatusCode.NO_CONTENT };
  }
}
