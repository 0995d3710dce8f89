/**
 * A test-only app that breaks the server's rules on purpose, packaged in memory, so the harness
 * can prove it catches each break: a view under a made-up trigger ID, a trigger ID used twice, a
 * view opened after a slow call, a private notice to someone who is not in the room, a custom field
 * on a message, an input block for a livechat visitor, a POST without content, an update by a part
 * of a record's associations, a post in the name of an agent who is not in the room. It also reports the livechat events it hears as room messages, so tests see which
 * ones fire, and its message hooks mark what passes through them, its own messages included. Its
 * "slow-job" processor shows how the server runs one processor's jobs.
 */
import { inMemoryAppZip } from './app-zip';

const APP_ID = '5f0e3c7a-0b7e-4d55-9a53-6a1f2b3c4d5e';

const APP_SOURCE = `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
const App_1 = require("@rocket.chat/apps-engine/definition/App");
const Metadata_1 = require("@rocket.chat/apps-engine/definition/metadata");
const modal = (id) => ({ id, type: "modal", title: { type: "plain_text", text: "Rule breaker" }, blocks: [] });
async function say(read, modify, room, text) {
  const builder = modify.getCreator().startMessage().setRoom(room).setText(text);
  const appUser = await read.getUserReader().getAppUser();
  if (appUser) builder.setSender(appUser);
  await modify.getCreator().finish(builder);
}
class RuleBreakerApp extends App_1.App {
  async extendConfiguration(configuration) {
    const command = (name, run) => configuration.slashCommands.provideSlashCommand({
      command: name, i18nParamsExample: "", i18nDescription: name, providesPreview: false,
      executor: (context, read, modify, http, persis) => run(context, read, modify, http, persis),
    });
    await command("open-made-up", async (context, read, modify) => {
      await modify.getUiController().openSurfaceView(modal("made-up"), { triggerId: "made-up-trigger" }, context.getSender());
    });
    await command("open-twice", async (context, read, modify) => {
      const ui = modify.getUiController();
      await ui.openSurfaceView(modal("twice"), { triggerId: context.getTriggerId() }, context.getSender());
      await ui.updateSurfaceView(modal("twice"), { triggerId: context.getTriggerId() }, context.getSender());
    });
    await command("open-after-call", async (context, read, modify, http) => {
      await http.get(context.getArguments()[0], { timeout: 20000 });
      await modify.getUiController().openSurfaceView(modal("late"), { triggerId: context.getTriggerId() }, context.getSender());
    });
    await command("say", async (context, read, modify) => {
      await say(read, modify, context.getRoom(), context.getArguments().join(" "));
    });
    await command("say-with-input", async (context, read, modify) => {
      const input = { type: "input", blockId: "b", label: { type: "plain_text", text: "PIN" },
        element: { type: "plain_text_input", actionId: "pin" } };
      await modify.getCreator().finish(modify.getCreator().startMessage().setRoom(context.getRoom()).setText("?").setBlocks([input]));
    });
    // Two one-off jobs of one processor at once; each waits on the URL given.
    await configuration.scheduler.registerProcessors([{ id: "slow-job", processor: async (job, read, modify, http) => {
      await http.get(job.url, { timeout: 20000 });
    } }]);
    await command("schedule-slow-twice", async (context, read, modify) => {
      const url = context.getArguments()[0];
      for (let i = 0; i < 2; i += 1) await modify.getScheduler().scheduleOnce({ id: "slow-job", when: new Date(), data: { url } });
    });
    // A POST without content; says what the answer's data and content were.
    await command("post-bare", async (context, read, modify, http) => {
      const answer = await http.post(context.getArguments()[0], { timeout: 5000 });
      await say(read, modify, context.getRoom(), "data " + JSON.stringify(answer.data) + " content " + answer.content);
    });
    // Updates by a part of a record's associations, then by all of them in another order.
    await command("update-by-part", async (context, read, modify, http, persis) => {
      const a = new Metadata_1.RocketChatAssociationRecord(Metadata_1.RocketChatAssociationModel.MISC, "a" + context.getRoom().id);
      const b = new Metadata_1.RocketChatAssociationRecord(Metadata_1.RocketChatAssociationModel.MISC, "b");
      await persis.createWithAssociations({ v: 1 }, [a, b]);
      await persis.updateByAssociations([a], { v: 2 }, false);
      await persis.updateByAssociations([b, a], { v: 3 }, false);
      const after = await read.getPersistenceReader().readByAssociations([a, b]);
      await persis.updateByAssociations([a, b], { v: 4 }, false);
      const last = await read.getPersistenceReader().readByAssociations([a, b]);
      await say(read, modify, context.getRoom(), "v " + after.map((r) => r.v).join() + " then " + last.map((r) => r.v).join());
    });
    // Posts in the name of the user given (an agent), or a text longer than the server takes.
    await command("say-as", async (context, read, modify) => {
      const [userId, length] = context.getArguments();
      const user = await read.getUserReader().getById(userId);
      const text = length ? "x".repeat(Number(length)) : "in their name";
      await modify.getCreator().finish(modify.getCreator().startMessage().setRoom(context.getRoom()).setSender(user).setText(text));
    });
    await command("notify", async (context, read, modify) => {
      const user = await read.getUserReader().getById(context.getArguments()[0]);
      const builder = modify.getCreator().startMessage().setRoom(context.getRoom()).setText("psst");
      await modify.getNotifier().notifyUser(user, builder.getMessage());
    });
  }
  // "tag: …" gets a mark, "field: …" a custom field; "echo: …" is answered once saved.
  async checkPreMessageSentModify(message) {
    return /^(tag|field):/.test(message.text || "");
  }
  async executePreMessageSentModify(message, builder) {
    if (message.text.startsWith("field:")) return builder.addCustomField("ruleBreaker", 1).getMessage();
    return builder.setText(message.text + " [hooked]").getMessage();
  }
  async checkPostMessageSent() {
    return true;
  }
  async executePostMessageSent(message, read, http, persis, modify) {
    if (/^echo:/.test(message.text || "")) await say(read, modify, message.room, "heard " + message.text);
  }
  async executePostLivechatAgentAssigned(context, read, http, persis, modify) {
    await say(read, modify, context.room, "assigned " + context.agent.username);
  }
  async executePostLivechatRoomTransferred(context, read, http, persis, modify) {
    await say(read, modify, context.room, "transferred (" + context.type + ") to " + (context.to.username || context.to.name));
  }
}
exports.RuleBreakerApp = RuleBreakerApp;
`;

/** The rule breaker's zip, for `EngineHarness.boot({ zip })`. */
export function ruleBreakerZip(): Buffer {
  return inMemoryAppZip({
    id: APP_ID,
    name: 'Rule breaker',
    nameSlug: 'rule-breaker',
    author: 'harness',
    description: 'Breaks the server rules on purpose (harness self-test).',
    className: 'RuleBreakerApp',
    implements: [
      'IPostLivechatAgentAssigned',
      'IPostLivechatRoomTransferred',
      'IPreMessageSentModify',
      'IPostMessageSent',
    ],
    permissions: [
      'slashcommand',
      'ui.interact',
      'networking',
      'message.write',
      'user.read',
      'room.read',
      'livechat-room.read',
      'scheduler',
      'persistence',
    ],
    source: APP_SOURCE,
  });
}
