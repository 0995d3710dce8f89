import fs from 'node:fs';
import path from 'node:path';
import { sqlitePath } from '../src/open-vault';
import {
  cardForm,
  createAndOpen,
  DoorbellReceiver,
  idvRequest,
  pathOf,
  startTestVault,
  type TestVault,
} from './helpers/vault';

/** Distinctive values: a Luhn-valid PAN, a CVV, an SSN, a name, and ID&V characters. */
const CANARY = {
  pan: '4539578763621486',
  panSpaced: '4539 5787 6362 1486',
  cvv: '9317',
  ssn: '219-09-9999',
  name: 'Zebedee Canarywing',
  idv: ['Q', 'Z'] as const,
};

function allFilesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory() ? allFilesUnder(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
    );
}

/**
 * A short needle (the 4-digit CVV) counts only where it is not part of a longer token of hex, base64
 * or base64url: otherwise it turns up by chance inside UUIDs, hashes and ciphertext (a flaky false
 * hit). Longer needles are distinctive enough to count anywhere.
 */
function findCanaries(haystack: Buffer | string, needles: string[]): string[] {
  const buffer = Buffer.isBuffer(haystack) ? haystack : Buffer.from(haystack, 'utf8');
  const texts = [buffer.toString('latin1'), buffer.toString('utf16le'), buffer.subarray(1).toString('utf16le')];
  return needles.filter((needle) => {
    const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const standalone =
      needle.length >= 8 ? new RegExp(escaped) : new RegExp(`(?<![A-Za-z0-9+/_-])${escaped}(?![A-Za-z0-9+/_-])`);
    return texts.some((text) => standalone.test(text));
  });
}

describe('the canary scanner itself', () => {
  it('finds a leaked value as JSON, form data or UTF-16, and ignores a CVV that is only part of a hex or base64 token', () => {
    expect(findCanaries('{"cvv":"9317"}', [CANARY.cvv])).toEqual([CANARY.cvv]);
    expect(findCanaries('v.cvv=9317&v.pan=x', [CANARY.cvv])).toEqual([CANARY.cvv]);
    expect(findCanaries(Buffer.from('cvv 9317', 'utf16le'), [CANARY.cvv])).toEqual([CANARY.cvv]);
    expect(findCanaries(Buffer.from(`x${CANARY.pan}y`), [CANARY.pan])).toEqual([CANARY.pan]);
    expect(findCanaries('3f2a9317-aa01 eyJ9317Zq', [CANARY.cvv])).toEqual([]);
  });
});

describe('canary scan', () => {
  let vault: TestVault;
  let receiver: DoorbellReceiver;

  beforeAll(async () => {
    receiver = new DoorbellReceiver();
    const base = await receiver.listen();
    vault = await startTestVault();
    vault.site = await vault.addSite('site-canary', base);
  });
  afterAll(async () => {
    await vault.close();
    await receiver.close();
  });

  it("submitted values are nowhere but in the sender's detokenize answer", async () => {
    const callbackUrl = `${(await vault.app.vault.storage.getSite('site-canary'))!.origin}/vault-events`;
    const form = await createAndOpen(
      vault,
      cardForm({
        callbackUrl,
        form: {
          id: 'mixed',
          title: 'Mixed',
          fields: [
            { id: 'name', label: 'Name', type: 'text', required: true },
            { id: 'pan', label: 'Card number', type: 'card_number', required: true, masked: true },
            { id: 'cvv', label: 'CVV', type: 'cvv', required: true },
            { id: 'ssn', label: 'SSN', type: 'ssn', required: true, masked: true },
          ],
        },
      }),
    );
    // A wrong try first: the 422 answer must not echo what was typed.
    const wrong = await vault.call(
      'POST',
      form.submitPath,
      { values: { name: CANARY.name, pan: CANARY.panSpaced, cvv: 'x', ssn: CANARY.ssn } },
      null,
    );
    expect(wrong.statusCode).toBe(422);
    // And an HTML re-render after a server-side error must not refill masked fields.
    const htmlWrong = await vault.app.inject({
      method: 'POST',
      url: form.submitPath,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        'v.name': '',
        'v.pan': CANARY.panSpaced,
        'v.cvv': CANARY.cvv,
        'v.ssn': CANARY.ssn,
      }).toString(),
    });
    expect(htmlWrong.statusCode).toBe(422);
    vault.responses.push(htmlWrong.body);
    expect(
      (
        await vault.call(
          'POST',
          form.submitPath,
          { values: { name: CANARY.name, pan: CANARY.panSpaced, cvv: CANARY.cvv, ssn: CANARY.ssn } },
          null,
        )
      ).statusCode,
    ).toBe(200);

    const idv = await createAndOpen(
      vault,
      idvRequest({ callbackUrl, roomId: 'room-idv', idv: { label: 'PIN', positions: [3, 5] } }),
    );
    expect(
      (await vault.call('POST', idv.submitPath, { values: { 3: CANARY.idv[0], 5: CANARY.idv[1] } }, null)).statusCode,
    ).toBe(200);

    // A second agent tries, then the sender reads both.
    await vault.call('POST', `/v1/requests/${form.requestId}/otk`, { agentId: 'agent-intruder' });
    const senderAnswers: string[] = [];
    for (const requestId of [form.requestId, idv.requestId]) {
      const minted = await vault.call('POST', `/v1/requests/${requestId}/otk`, { agentId: 'agent-1' });
      const detokenized = await vault.app.inject({
        method: 'POST',
        url: '/v1/detokenize',
        headers: { authorization: `Bearer ${vault.site.apiKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ otk: minted.json().otk, agentId: 'agent-1' }),
      });
      senderAnswers.push(detokenized.body);
    }
    expect(JSON.parse(senderAnswers[0]).values).toEqual({
      name: CANARY.name,
      pan: CANARY.pan,
      cvv: CANARY.cvv,
      ssn: CANARY.ssn,
    });
    expect(JSON.parse(senderAnswers[1]).values).toEqual({ 3: 'Q', 5: 'Z' });

    for (const requestId of [form.requestId, idv.requestId])
      vault.responses.push((await vault.call('GET', `/v1/requests/${requestId}`)).body);
    vault.responses.push((await vault.app.ops.inject({ method: 'GET', url: '/metrics' })).body);
    await vault.app.vault.doorbell.drain();

    const needles = [CANARY.pan, CANARY.panSpaced, CANARY.cvv, CANARY.ssn, CANARY.name];
    const idvNeedles = [`"${CANARY.idv[0]}"`, `"${CANARY.idv[1]}"`];

    // Every response except the sender's detokenize answers.
    expect(findCanaries(vault.responses.join('\n'), [...needles, ...idvNeedles])).toEqual([]);
    // Every log line.
    expect(vault.logs.lines.length).toBeGreaterThan(10);
    expect(findCanaries(vault.logs.text, [...needles, ...idvNeedles])).toEqual([]);
    // Every doorbell.
    expect(receiver.received.length).toBeGreaterThanOrEqual(4);
    expect(findCanaries(receiver.received.map((r) => r.raw).join('\n'), [...needles, ...idvNeedles])).toEqual([]);
    // Every file in the data dir: the SQLite file, its WAL and shared memory, the dev key file.
    const files = allFilesUnder(vault.config.dataDir);
    expect(files).toContain(sqlitePath(vault.config));
    for (const file of files)
      expect({ file, hits: findCanaries(fs.readFileSync(file), needles) }).toEqual({ file, hits: [] });
  });

  it("with strict viewing, values leave the vault only in the agent's viewer page and its Reveal answers", async () => {
    const callbackUrl = `${(await vault.app.vault.storage.getSite('site-canary'))!.origin}/vault-events`;
    const form = await createAndOpen(vault, cardForm({ callbackUrl, roomId: 'room-viewer' }));
    const viewerCanary = { pan: '5425233430109903', name: 'Ottoline Viewerfinch', cvv: '8264' };
    await vault.call(
      'POST',
      form.submitPath,
      { values: { name: viewerCanary.name, pan: viewerCanary.pan, exp: '12/39', cvv: viewerCanary.cvv } },
      null,
    );
    await vault.call('POST', `/v1/requests/${form.requestId}/viewer`, { agentId: 'agent-intruder' });
    const minted = await vault.call('POST', `/v1/requests/${form.requestId}/viewer`, { agentId: 'agent-1' });
    const linkPath = pathOf(minted.json().viewerUrl);
    // The agent's browser: these answers are the one place the values go.
    const agentBrowser: string[] = [];
    const inject = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: string) => {
      const response = await vault.app.inject({ method, url, headers, payload });
      agentBrowser.push(response.body);
      return response;
    };
    const opened = await inject('POST', linkPath, {});
    const session = String(opened.headers['set-cookie']).split(';')[0];
    const viewerPath = String(opened.headers.location);
    const page = await inject('GET', viewerPath, { cookie: session });
    expect(page.body).toContain('542523••••••9903');
    for (const fieldId of ['pan', 'cvv']) {
      await inject(
        'POST',
        `${viewerPath}/reveal`,
        { cookie: session, 'content-type': 'application/json' },
        JSON.stringify({ fieldId, action: 'reveal' }),
      );
    }
    const needles = [viewerCanary.pan, viewerCanary.name, viewerCanary.cvv];
    expect(findCanaries(agentBrowser.join('\n'), needles)).toEqual(needles);
    expect(findCanaries(page.body, [viewerCanary.pan, viewerCanary.cvv])).toEqual([]);

    await vault.app.vault.doorbell.drain();
    const secrets = [linkPath.split('/')[2], session.split('=')[1]];
    expect(findCanaries(vault.responses.join('\n'), needles)).toEqual([]);
    expect(findCanaries(vault.logs.text, [...needles, ...secrets])).toEqual([]);
    expect(findCanaries(receiver.received.map((r) => r.raw).join('\n'), needles)).toEqual([]);
    for (const file of allFilesUnder(vault.config.dataDir))
      expect({
        file,
        hits: findCanaries(fs.readFileSync(file), [viewerCanary.pan, viewerCanary.name, ...secrets]),
      }).toEqual({ file, hits: [] });
  });

  it('the API key appears only where it was handed out, and OTKs never reach logs or storage', async () => {
    const created = (
      await vault.call(
        'POST',
        '/v1/requests',
        idvRequest({
          roomId: 'room-k',
          callbackUrl: `${(await vault.app.vault.storage.getSite('site-canary'))!.origin}/x`,
        }),
      )
    ).json();
    const visitorOtk = pathOf(created.visitorUrl).split('/')[2];
    const secretPart = vault.site.apiKey.split('.')[2];
    const files = allFilesUnder(vault.config.dataDir);
    for (const file of files) expect(findCanaries(fs.readFileSync(file), [secretPart, visitorOtk])).toEqual([]);
    expect(findCanaries(vault.logs.text, [secretPart, visitorOtk, 'Bearer'])).toEqual([]);
  });
});
