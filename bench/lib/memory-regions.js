'use strict';
// What a process's resident memory is made of, from /proc/<pid>/smaps: node's binary, other mapped
// files, glibc's main arena ([heap]), glibc's arenas of other threads (each a 64 MiB-aligned
// mapping, read-write then reserved, 64 MiB in all), and the rest of the anonymous memory (V8's heap
// first of all). Sampled over a run, the breakdown at the highest sample says which of them made a
// peak, and when (BENCHMARKS.md, the sixteenth box's round).
const fs = require('node:fs');

const ARENA_BYTES = 64n * 1024n * 1024n;
const MAPPING = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+(?: +(\S.*))?$/;
const RSS = /^Rss:\s+(\d+) kB$/;

/** MB by region in one smaps text; `binary` is the path of the process's executable. */
function regionsOf(smaps, binary) {
  const maps = [];
  for (const line of smaps.split('\n')) {
    const mapping = MAPPING.exec(line.trimEnd());
    if (mapping) {
      const [, start, end, perms, name = ''] = mapping;
      maps.push({ start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), perms, name, kb: 0 });
    } else {
      const rss = RSS.exec(line);
      if (rss && maps.length > 0) maps[maps.length - 1].kb = Number(rss[1]);
    }
  }
  const kb = { binary: 0, otherFiles: 0, mainArena: 0, threadArenas: 0, anonymous: 0 };
  maps.forEach((map, i) => {
    const next = maps[i + 1];
    const arena =
      !map.name &&
      map.start % ARENA_BYTES === 0n &&
      next !== undefined &&
      !next.name &&
      next.start === map.end &&
      next.perms.startsWith('---') &&
      next.end - map.start === ARENA_BYTES;
    if (map.name === binary) kb.binary += map.kb;
    else if (map.name.startsWith('/')) kb.otherFiles += map.kb;
    else if (map.name === '[heap]') kb.mainArena += map.kb;
    else if (arena) kb.threadArenas += map.kb;
    else kb.anonymous += map.kb;
  });
  const mb = Object.fromEntries(Object.entries(kb).map(([region, size]) => [region, size / 1024]));
  return { ...mb, total: Object.values(mb).reduce((sum, size) => sum + size, 0) };
}

/**
 * Reads `pid`'s regions every `everyMs` until stopped; `phase()` names what the run is doing. Returns
 * stop(), which gives the regions at the highest sample and the phase then (undefined if the process
 * could not be read). Each read parses the whole smaps (1–2 ms), so it is for memory runs, not CPU ones.
 */
function sampleRegions(pid, binary, phase = () => '', everyMs = 250) {
  let peak;
  const read = () => {
    try {
      const regions = regionsOf(fs.readFileSync(`/proc/${pid}/smaps`, 'utf8'), binary);
      if (!peak || regions.total > peak.total) peak = { ...regions, phase: phase() };
    } catch {
      // The process is gone: the samples so far stand.
    }
  };
  read();
  // Unref'd: a run that fails before stop() still ends.
  const timer = setInterval(read, everyMs).unref();
  return () => {
    clearInterval(timer);
    read();
    return peak;
  };
}

/** One line for a sampled peak: "142 MB: V8 and other anonymous 62.1, node's binary 51.9, …". */
function describeRegions(peak) {
  if (!peak) return 'not read';
  const names = {
    anonymous: 'V8 and other anonymous',
    binary: "node's binary",
    mainArena: "glibc's main arena",
    threadArenas: "other threads' arenas",
    otherFiles: 'other files',
  };
  const parts = Object.entries(names).map(([region, name]) => `${name} ${peak[region].toFixed(1)}`);
  return `${peak.total.toFixed(0)} MB${peak.phase ? ` (${peak.phase})` : ''}: ${parts.join(', ')}`;
}

module.exports = { regionsOf, sampleRegions, describeRegions };
