'use strict';
// What a bench server child answers over IPC: stop, its memory, and CPU profiling of exactly the
// timed window (node:inspector), so a profile shows the load and not the pool setup around it.
const fs = require('node:fs');
const inspector = require('node:inspector');

function answerBenchMessages(close) {
  let session;
  process.on('message', (message) => {
    if (!message || typeof message.type !== 'string') return;
    if (message.type === 'stop') {
      Promise.resolve(close()).finally(() => process.exit(0));
    } else if (message.type === 'memory') {
      const usage = process.memoryUsage();
      // With --expose-gc (bench --diagnose-memory): how much of the heap is still live.
      if (typeof global.gc === 'function') {
        global.gc();
        usage.afterFullGc = process.memoryUsage();
      }
      process.send({ type: 'memory', usage });
    } else if (message.type === 'profile-start') {
      session = new inspector.Session();
      session.connect();
      session.post('Profiler.enable', () => session.post('Profiler.start', () => process.send({ type: 'profile-started' })));
    } else if (message.type === 'profile-stop') {
      session.post('Profiler.stop', (error, result) => {
        if (!error) fs.writeFileSync(message.file, JSON.stringify(result.profile));
        session.disconnect();
        process.send({ type: 'profile-stopped', file: message.file });
      });
    }
  });
}

/** Sends `message` to a child and resolves with its first answer of type `answer`. */
function ask(child, message, answer) {
  return new Promise((resolve) => {
    child.on('message', function onMessage(reply) {
      if (reply && reply.type === answer) {
        child.off('message', onMessage);
        resolve(reply);
      }
    });
    child.send(message);
  });
}

module.exports = { answerBenchMessages, ask };
