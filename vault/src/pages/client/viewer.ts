/**
 * The viewer page's one script, bundled by `scripts/build-assets.js` into `public/viewer.js`.
 * Reveal and Copy each ask the vault for one value (a server event the vault audits); Copy puts
 * it on the clipboard without ever writing it into the page, and empties the clipboard a minute
 * later. When the view's time is up, every revealed value leaves the page. It keeps no value
 * anywhere else.
 */
import { answerCharacterText } from '../../contract/answer-character';
import {
  VIEWER_CLOSE_FORM_ID,
  VIEWER_DATA_ID,
  VIEWER_FIELDS_ID,
  VIEWER_STATUS_ID,
  VIEWER_TIMER_ID,
  type ViewerAction,
  type ViewerPageData,
} from '../viewer-data';

function readData(): ViewerPageData | undefined {
  const block = document.getElementById(VIEWER_DATA_ID);
  if (!block?.textContent) return undefined;
  return JSON.parse(block.textContent) as ViewerPageData;
}

function fill(template: string, name: string, value: string): string {
  return template.split(`{${name}}`).join(value);
}

function say(text: string): void {
  const status = document.getElementById(VIEWER_STATUS_ID);
  if (status) status.textContent = text;
}

/** `ended`: the vault no longer knows the session (hidden in another tab, its time up, the chat closed). */
type Fetched = { value: string } | { expired: true } | { ended: true } | undefined;

async function fetchValue(data: ViewerPageData, fieldId: string, action: ViewerAction): Promise<Fetched> {
  try {
    const response = await fetch(data.revealUrl, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ fieldId, action }),
    });
    if (response.status === 404) return { ended: true };
    if (!response.ok) return undefined;
    const body = (await response.json()) as { value?: unknown; expired?: unknown };
    if (body.expired === true) return { expired: true };
    return typeof body.value === 'string' ? { value: body.value } : undefined;
  } catch {
    return undefined;
  }
}

/** Puts every value element back to what the server rendered (no secret) and resets the buttons. */
function concealAll(data: ViewerPageData): void {
  document.querySelectorAll<HTMLElement>('[data-initial]').forEach((element) => {
    element.textContent = element.getAttribute('data-initial') ?? '';
    element.classList.remove('viewer-field__value--revealed');
  });
  document.querySelectorAll<HTMLButtonElement>('button[data-action="reveal"]').forEach((button) => {
    setRevealButton(data, button, false);
  });
}

function setRevealButton(data: ViewerPageData, button: HTMLButtonElement, revealed: boolean): void {
  const label = button.getAttribute('data-label') ?? '';
  button.textContent = revealed ? data.messages.conceal : data.messages.reveal;
  button.setAttribute(
    'aria-label',
    fill(revealed ? data.messages.concealLabel : data.messages.revealLabel, 'label', label),
  );
  button.setAttribute('aria-pressed', revealed ? 'true' : 'false');
}

async function onReveal(data: ViewerPageData, button: HTMLButtonElement): Promise<void> {
  const target = document.getElementById(button.getAttribute('data-target') ?? '');
  const fieldId = button.getAttribute('data-field');
  if (!target || fieldId === null) return;
  if (button.getAttribute('aria-pressed') === 'true') {
    target.textContent = target.getAttribute('data-initial') ?? '';
    target.classList.remove('viewer-field__value--revealed');
    setRevealButton(data, button, false);
    return;
  }
  button.disabled = true;
  const fetched = await fetchValue(data, fieldId, 'reveal');
  button.disabled = false;
  if (!fetched) {
    say(data.messages.fetchFailed);
    return;
  }
  if ('ended' in fetched) {
    end(data);
    return;
  }
  if ('expired' in fetched) {
    target.textContent = data.messages.expired;
    target.setAttribute('data-initial', data.messages.expired);
    button.remove();
    return;
  }
  target.textContent = data.idvSpace === undefined ? fetched.value : answerCharacterText(fetched.value, data.idvSpace);
  target.classList.add('viewer-field__value--revealed');
  setRevealButton(data, button, true);
}

async function onCopy(data: ViewerPageData, button: HTMLButtonElement): Promise<void> {
  const fieldId = button.getAttribute('data-field');
  if (fieldId === null) return;
  button.disabled = true;
  const fetched = await fetchValue(data, fieldId, 'copy');
  button.disabled = false;
  if (!fetched) {
    say(data.messages.fetchFailed);
    return;
  }
  if ('ended' in fetched) {
    end(data);
    return;
  }
  if ('expired' in fetched) {
    say(data.messages.expired);
    return;
  }
  try {
    await navigator.clipboard.writeText(fetched.value);
    say(data.messages.copied);
    holdInClipboard();
  } catch {
    say(data.messages.copyFailed);
  }
}

/** How long a copied value stays on the clipboard before the page empties it. */
const CLIPBOARD_MS = 60_000;

/** A value this page copied may still be on the clipboard; `due`: its time there is up. */
const clipboard = { holds: false, due: false, timer: 0 };

function holdInClipboard(): void {
  clipboard.holds = true;
  clipboard.due = false;
  window.clearTimeout(clipboard.timer);
  clipboard.timer = window.setTimeout(() => void emptyClipboard(), CLIPBOARD_MS);
}

/**
 * Empties the clipboard once a copied value's minute is up (or the view ends). The browser lets
 * only a page in front write to it: from behind another window this fails, and the page tries
 * again when it is in front. It cannot tell whether the agent copied something else since.
 */
async function emptyClipboard(): Promise<void> {
  if (!clipboard.holds) return;
  clipboard.due = true;
  try {
    await navigator.clipboard.writeText('');
    clipboard.holds = false;
  } catch {
    // Not in front now: the focus listener tries again.
  }
}

/** Set once the view is over: the timer stops counting. */
let ended = false;

/** The view is over (its time up, or the vault ended it): values leave the page, the buttons go, it says so. */
function end(data: ViewerPageData): void {
  ended = true;
  concealAll(data);
  void emptyClipboard();
  const fields = document.getElementById(VIEWER_FIELDS_ID);
  fields?.querySelectorAll('button').forEach((button) => button.remove());
  const heading = document.querySelector('h1');
  if (heading) heading.textContent = data.messages.endedTitle;
  const timer = document.getElementById(VIEWER_TIMER_ID);
  if (timer) timer.textContent = data.messages.endedBody;
  fields?.remove();
  document.getElementById(VIEWER_CLOSE_FORM_ID)?.remove();
}

/** How often the page asks whether its session is still live, while a value is on it. */
const STATUS_EVERY_MS = 10_000;

/**
 * While a value is revealed, asks the vault every few seconds whether the view is still live, so a
 * chat that closes (or a Hide in another tab) takes it off the page without waiting for the timer.
 * Asks nothing while every value is hidden; a network failure changes nothing.
 */
function watchSession(data: ViewerPageData): void {
  const check = async (): Promise<void> => {
    if (ended) return;
    if (document.querySelector('.viewer-field__value--revealed')) {
      try {
        const response = await fetch(data.statusUrl, {
          credentials: 'same-origin',
          cache: 'no-store',
          headers: { accept: 'application/json' },
        });
        if (response.status === 404) end(data);
      } catch {
        // Offline for a moment: the timer still ends the view.
      }
    }
    if (!ended) window.setTimeout(() => void check(), STATUS_EVERY_MS);
  };
  window.setTimeout(() => void check(), STATUS_EVERY_MS);
}

function startTimer(data: ViewerPageData): void {
  const timer = document.getElementById(VIEWER_TIMER_ID);
  const deadline = Date.now() + data.secondsLeft * 1000;
  const tick = (): void => {
    if (ended) return;
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (left === 0) {
      end(data);
      return;
    }
    // The timer is not a live region, so screen readers are not told every second.
    if (timer) {
      timer.textContent = fill(
        data.messages.timeLeft,
        'time',
        `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`,
      );
    }
    window.setTimeout(tick, 1000);
  };
  tick();
}

function start(): void {
  const data = readData();
  if (!data) return;
  document.addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-action]') : null;
    if (!(button instanceof HTMLButtonElement)) return;
    const action = button.getAttribute('data-action');
    if (action === 'reveal') void onReveal(data, button);
    else if (action === 'copy') void onCopy(data, button);
  });
  // Copying off for the site: besides no Copy buttons and no selectable value, no copy or cut of
  // the page (a keyboard shortcut, the context menu) takes anything.
  if (!data.copy) {
    for (const type of ['copy', 'cut'] as const) document.addEventListener(type, (event) => event.preventDefault());
  }
  // Leaving the page (or the browser keeping it in its back-forward cache) takes values off it.
  window.addEventListener('pagehide', () => concealAll(data));
  document.getElementById(VIEWER_CLOSE_FORM_ID)?.addEventListener('submit', () => {
    concealAll(data);
    void emptyClipboard();
  });
  window.addEventListener('focus', () => {
    if (clipboard.due) void emptyClipboard();
  });
  startTimer(data);
  watchSession(data);
}

start();
