/**
 * The notice bench: how long after a visitor's submit the agent sees the app's private notice, in
 * the real Apps-Engine runtime (the packaged app, its Deno subprocess) with the real vault
 * (`node vault/dist/main.js`) and the app's public API served on loopback, as the integration tests
 * stage it (test/integration/scene.ts). What one measured submit goes through: the visitor's HTTP
 * POST to the vault's submit URL, the vault's doorbell POST to the app's endpoint, the app asking
 * the vault for the request's state and claiming the event, and the notice handed to the agent.
 *
 * Per submit: the agent sends a card form into a fresh livechat room (untimed), the visitor opens
 * the link as the page's script does (untimed), then the clock starts, the visitor submits, and
 * the clock stops when the notice "The visitor submitted …" reaches the agent (seen the moment the
 * notifier bridge records it, not by polling). Also timed: the submit's own HTTP answer.
 * `bench/notice-latency.js` is the entry point (`npm run bench:notice`).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { performance } from 'perf_hooks';

import type { PrivateNotification } from '../../test/harness/world';
import type { Scene } from '../../test/integration/scene';
import {
  lastVisitorLink,
  sendForm,
  startScene,
  stopScene,
  visitorOpens,
  visitorSubmits,
} from '../../test/integration/scene';

export interface NoticeBenchOptions {
  submits: number;
  warmup: number;
  /** Waiting longer than this for one notice fails the run. */
  timeoutMs: number;
  out: string;
}

/** One line of the report on stdout. */
const say = (line: string) => process.stdout.write(`${line}\n`);

const CARD = { cardholder: 'Ada Lovelace', pan: '4111111111111111', expiry: '12/39', cvv: '737' };
const NOTICE = /^The visitor submitted "Card payment"/;

interface Sample {
  /** From the start of the visitor's POST to its answer. */
  submitMs: number;
  /** From the start of the visitor's POST to the agent's notice. */
  noticeMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
  };
}

/** Resolves with the time a notice matching `pattern` for `userId` in `roomId` is recorded. */
function watchNotices(scene: Scene) {
  const list = scene.harness.world.notifications;
  const waiting: Array<{ test: (n: PrivateNotification) => boolean; resolve: (at: number) => void }> = [];
  const push = list.push.bind(list);
  list.push = (...items: PrivateNotification[]) => {
    const at = performance.now();
    for (const item of items) {
      for (let i = waiting.length - 1; i >= 0; i -= 1) {
        if (waiting[i].test(item)) {
          waiting[i].resolve(at);
          waiting.splice(i, 1);
        }
      }
    }
    return push(...items);
  };
  return (userId: string, roomId: string, pattern: RegExp, timeoutMs: number) =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no notice matching ${pattern} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      waiting.push({
        test: (n) => n.userId === userId && n.roomId === roomId && pattern.test(n.message.text || ''),
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      });
    });
}

async function oneSubmit(
  scene: Scene,
  waitNotice: ReturnType<typeof watchNotices>,
  timeoutMs: number,
): Promise<Sample> {
  const room = scene.harness.world.addLivechatRoom({ servedBy: scene.agent });
  await sendForm(scene, 'card_payment', scene.agent, room);
  const view = await visitorOpens(lastVisitorLink(scene, room));
  // The "opened" doorbell is under way by now; let it settle so it does not share the clock.
  await scene.harness.jobsSettled();
  const notice = waitNotice(scene.agent.id, room.id, NOTICE, timeoutMs);
  const started = performance.now();
  await visitorSubmits(view, CARD);
  const answered = performance.now();
  const noticed = await notice;
  return { submitMs: answered - started, noticeMs: noticed - started };
}

export async function runNoticeBench(options: NoticeBenchOptions): Promise<void> {
  const loadAtStart = os.loadavg();
  say(
    `notice bench: ${options.submits} submits after ${options.warmup} warm-up ones, load average ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const scene = await startScene();
  const samples: Sample[] = [];
  try {
    const waitNotice = watchNotices(scene);
    for (let i = 0; i < options.warmup; i += 1) await oneSubmit(scene, waitNotice, options.timeoutMs);
    for (let i = 0; i < options.submits; i += 1) {
      samples.push(await oneSubmit(scene, waitNotice, options.timeoutMs));
      if ((i + 1) % 10 === 0) say(`  ${i + 1}/${options.submits}`);
    }
    await scene.harness.checkLogs('the notice bench');
  } finally {
    await stopScene(scene);
  }
  const loadAtEnd = os.loadavg();
  const notice = summary(samples.map((s) => s.noticeMs));
  const submit = summary(samples.map((s) => s.submitMs));
  const after = summary(samples.map((s) => s.noticeMs - s.submitMs));
  say('\nvisitor submit → agent notice, ms (real Apps-Engine, real vault, loopback):');
  say(`  submit → notice         p50 ${notice.p50}  p95 ${notice.p95}  max ${notice.max}  mean ${notice.mean}`);
  say(`  submit's HTTP answer    p50 ${submit.p50}  p95 ${submit.p95}  max ${submit.max}`);
  say(`  answer → notice         p50 ${after.p50}  p95 ${after.p95}  max ${after.max}`);
  say(
    `load average at start ${loadAtStart.map((l) => l.toFixed(2)).join(' ')}, at end ${loadAtEnd.map((l) => l.toFixed(2)).join(' ')} (${os.cpus().length} cores)`,
  );
  const results = {
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: loadAtEnd,
    },
    settings: { submits: options.submits, warmup: options.warmup },
    noticeMs: notice,
    submitAnswerMs: submit,
    answerToNoticeMs: after,
    samples,
  };
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, JSON.stringify(results, null, 2) + '\n');
  say(`results: ${path.relative(process.cwd(), options.out)}`);
}
