/**
 * `npm run bench`: Portico against Mosquitto and a bare aedes, on loopback, one server at a time.
 * Writes bench/results/<timestamp>.json and bench/results/latest.md (quick runs: <timestamp>-quick.json and
 * latest-quick.md, git-ignored), and prints the markdown.
 */
import fs from 'node:fs';
import path from 'node:path';

import { buildBaseline } from './lib/baseline.js';
import { gitCommit, machine, repoRoot } from './lib/env.js';
import { log, now, waitIdle } from './lib/measure.js';
import { type BenchOptions, parseOptions, SCENARIOS, SERVER_NAMES, type ServerName, USAGE } from './lib/options.js';
import { stopAll } from './lib/procs.js';
import { type BenchResults, computeRatios, markdown } from './lib/report.js';
import { runFanin } from './scenarios/fanin.js';
import { runFleetCost } from './scenarios/fleet-cost.js';
import { measureAppendFloor } from './scenarios/floor.js';
import { compareAlternating, DEVICES_QUERY, ME_QUERY, runDevicesQuery, runFanout } from './scenarios/graphql.js';
import { runStorm } from './scenarios/storm.js';
import { runStormPairs } from './scenarios/storm-pairs.js';
import { runThroughput } from './scenarios/throughput.js';
import { runThroughputPairs } from './scenarios/throughput-pairs.js';
import { mosquittoVersion, startBareAedes, startMosquitto } from './servers/baselines.js';
import { type PorticoTarget, startFlags, startPortico } from './servers/portico.js';
import type { Target } from './servers/target.js';

/** Alternating windows per query and build in the `--gql-baseline` comparison, each `--gql-seconds` ÷ 5 long. */
const BASELINE_WINDOWS = 10;
/** The whole run stops by itself after this long, whatever happens. */
const WATCHDOG_MS = Number(process.env.BENCH_WATCHDOG_MS || 40 * 60_000);

async function start(name: ServerName, root: string, o: BenchOptions): Promise<Target> {
  if (name === 'mosquitto') return startMosquitto();
  if (name === 'aedes') return startBareAedes(path.join(root, 'dist', 'bench'));
  return startPortico(root, o.porticoEnv, o.porticoNodeArgs);
}

/**
 * The GraphQL requests on this build and on `--gql-baseline` (built in a temporary worktree): both servers fresh, with
 * the same 50 devices, up at the same time, measured in alternating windows (see compareAlternating): the ratios
 * compare builds, not moments of the machine.
 */
async function attemptBaseline(root: string, o: BenchOptions, results: BenchResults): Promise<void> {
  const ref = o.graphql.baseline!;
  let base: ReturnType<typeof buildBaseline> | null = null;
  const targets: PorticoTarget[] = [];
  try {
    base = buildBaseline(root, ref);
    for (const at of [base.root, root]) {
      const target = await startPortico(at, o.porticoEnv, o.porticoNodeArgs);
      targets.push(target);
      await target.devices(50, 'gql');
    }
    const [older, newer] = targets as [PorticoTarget, PorticoTarget];
    const windowSeconds = Math.max(1, Math.round(o.graphql.seconds / 5));
    const devices = await compareAlternating(older, newer, o.graphql, DEVICES_QUERY, BASELINE_WINDOWS, windowSeconds);
    const me = await compareAlternating(older, newer, o.graphql, ME_QUERY, BASELINE_WINDOWS, windowSeconds);
    results.graphql.baseline = {
      ref,
      commit: base.commit,
      devicesQuery: devices.baseline,
      meQuery: me.baseline,
      current: { devicesQuery: devices.current, meQuery: me.current },
      windows: BASELINE_WINDOWS,
      windowRatios: { devicesQuery: devices.windowRatios, meQuery: me.windowRatios },
    };
  } catch (err) {
    log(`graphql baseline ${ref} failed: ${String((err as Error).stack ?? err)}`);
    results.errors.push({ server: `portico ${ref}`, scenario: 'graphql baseline', error: String((err as Error).message ?? err) });
  } finally {
    for (const t of targets) await t.stop();
    base?.remove();
  }
}

/** Bare aedes and Portico, fresh and up at once, throughput cells in alternating rounds (see runThroughputPairs). */
async function attemptPairs(root: string, o: BenchOptions, results: BenchResults): Promise<void> {
  log(`throughput pairs: bare aedes and Portico, ${o.throughput.rounds} alternating rounds per cell`);
  const targets: Target[] = [];
  try {
    targets.push(await start('aedes', root, o));
    targets.push(await start('portico', root, o));
    results.throughputPairs = await runThroughputPairs(targets[0]!, targets[1]!, o.throughput, o.throughput.rounds);
  } catch (err) {
    log(`throughput pairs failed: ${String((err as Error).stack ?? err)}`);
    results.errors.push({ server: 'aedes + portico', scenario: 'throughput pairs', error: String((err as Error).message ?? err) });
  } finally {
    for (const t of targets) await t.stop();
  }
}

async function main(): Promise<void> {
  const root = repoRoot();
  const parsed = parseOptions(process.argv.slice(2), process.env, root);
  if (parsed === 'help') {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const o = parsed;
  const startedAt = new Date();
  const t0 = now();
  const results: BenchResults = {
    startedAt: startedAt.toISOString(),
    commit: gitCommit(),
    machine: machine(),
    porticoStartFlags: startFlags(),
    options: o,
    servers: [],
    throughput: [],
    fanin: [],
    storm: [],
    graphql: {},
    ratios: computeRatios({ throughput: [], storm: [], fanin: [] }),
    errors: [],
  };
  log(`options: ${JSON.stringify({ quick: o.quick, servers: o.servers, scenarios: o.scenarios })}`);

  for (const name of o.servers) {
    if (name === 'mosquitto' && !mosquittoVersion()) {
      log('mosquitto: not installed, skipped');
      results.servers.push({ name, label: 'Mosquitto', skipped: 'not installed' });
      continue;
    }
    log(`${name}: starting`);
    let target: Target;
    try {
      target = await start(name, root, o);
    } catch (err) {
      log(`${name}: could not start: ${String(err)}`);
      results.servers.push({ name, label: name, skipped: `could not start: ${String((err as Error).message ?? err).split('\n')[0]}` });
      results.errors.push({ server: name, scenario: 'start', error: String(err) });
      continue;
    }
    results.servers.push({ name, label: target.label });
    log(`${target.label}: pid ${target.server.pid}, MQTT ${target.mqttPort}${target.mqttsPort ? `, MQTTS ${target.mqttsPort}` : ''}`);
    const attempt = async (scenario: string, fn: () => Promise<void>) => {
      if (target.server.child.exitCode !== null) {
        results.errors.push({ server: name, scenario, error: 'server exited earlier' });
        return;
      }
      try {
        await fn();
      } catch (err) {
        log(`${name} ${scenario} failed: ${String((err as Error).stack ?? err)}`);
        results.errors.push({ server: name, scenario, error: String((err as Error).message ?? err) });
        await waitIdle(target.server.pid, 15_000).catch(() => undefined);
      }
    };
    try {
      // The connect storm runs first, on a fresh server, so its memory numbers are not skewed by other runs. The TLS
      // storm runs last: after 10,000 TLS connections (all closed again) the same Portico process spent 80–130 instead
      // of ~55 CPU-µs per message in the QoS 0 100 → 1 cell (1,000 TLS connections: no change), and the baselines'
      // throughput runs after a plain storm only.
      let stormDevices: Awaited<ReturnType<Target['devices']>> = [];
      if (o.scenarios.includes('storm')) {
        await attempt('storm', async () => {
          const c0 = now();
          stormDevices = await target.devices(o.storm.devices, 'storm');
          if (target.name === 'portico') results.deviceCreation = { devices: stormDevices.length, perSec: (stormDevices.length / (now() - c0)) * 1000 };
          results.storm.push(await runStorm(target, o.storm, false, stormDevices));
        });
      }
      if (o.scenarios.includes('throughput')) await attempt('throughput', async () => void results.throughput.push(...(await runThroughput(target, o.throughput))));
      if (o.scenarios.includes('throughput') && target.name === 'portico') {
        await attempt('floor', async () => {
          const cells = o.throughput.publishers.flatMap((publishers) => o.throughput.payloadBytes.map((payloadBytes) => ({ publishers, payloadBytes })));
          results.floor = measureAppendFloor((target as PorticoTarget).sqlitePath, cells, o.quick ? 20_000 : 100_000, 500);
        });
      }
      if (o.scenarios.includes('fanin')) await attempt('fanin', async () => void results.fanin.push(await runFanin(target, o.fanin)));
      if (o.scenarios.includes('graphql') && target.name === 'portico') {
        await attempt('graphql devices', async () => void (results.graphql.devicesQuery = await runDevicesQuery(target as PorticoTarget, o.graphql)));
        await attempt('graphql fan-out', async () => void (results.graphql.fanout = await runFanout(target as PorticoTarget, o.graphql)));
      }
      if (o.scenarios.includes('storm') && o.storm.tls && target.mqttsPort && target.caPem && stormDevices.length) {
        await attempt('storm TLS', async () => void results.storm.push(await runStorm(target, o.storm, true, stormDevices)));
      }
      if (target.server.child.exitCode !== null) {
        results.errors.push({ server: name, scenario: 'run', error: `server exited with code ${target.server.child.exitCode}\n${target.server.outputTail()}` });
      }
      const tail = target.server.outputTail();
      if (tail.trim()) log(`${name} output (last lines):\n${tail}`);
    } finally {
      log(`${name}: stopping`);
      await target.stop();
    }
  }

  if (o.throughput.rounds > 0 && o.scenarios.includes('throughput') && o.servers.includes('aedes') && o.servers.includes('portico')) {
    await attemptPairs(root, o, results);
  }

  if (o.storm.rounds > 0 && o.scenarios.includes('storm') && o.servers.includes('aedes') && o.servers.includes('portico')) {
    log(`storm pairs: fresh bare aedes and Portico, ${o.storm.rounds} alternating rounds`);
    try {
      results.stormPairs = await runStormPairs((name) => start(name, root, o), o.storm, o.storm.rounds);
    } catch (err) {
      log(`storm pairs failed: ${String((err as Error).stack ?? err)}`);
      results.errors.push({ server: 'aedes + portico', scenario: 'storm pairs', error: String((err as Error).message ?? err) });
    }
  }

  const variantEnv = o.fanin.porticoVariantEnv;
  if (variantEnv && o.servers.includes('portico') && o.scenarios.includes('fanin') && results.servers.some((s) => s.name === 'portico' && !s.skipped)) {
    const variant = Object.entries(variantEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    log(`portico (${variant}): starting for the fan-in variant`);
    try {
      const target = await startPortico(root, { ...o.porticoEnv, ...variantEnv }, o.porticoNodeArgs);
      try {
        const r = await runFanin(target, o.fanin);
        results.fanin.push({ ...r, variant });
      } catch (err) {
        log(`portico (${variant}) fan-in failed: ${String((err as Error).stack ?? err)}`);
        results.errors.push({ server: `portico (${variant})`, scenario: 'fanin', error: String((err as Error).message ?? err) });
      } finally {
        await target.stop();
      }
    } catch (err) {
      results.errors.push({ server: `portico (${variant})`, scenario: 'start', error: String(err) });
    }
  }

  if (o.graphql.baseline && o.scenarios.includes('graphql') && o.servers.includes('portico')) {
    await attemptBaseline(root, o, results);
  }
  // Its own fresh servers (with and without latest state and counters), after everything else.
  if (o.scenarios.includes('fleet') && o.servers.includes('portico')) {
    try {
      results.fleetCost = await runFleetCost(root, o);
    } catch (err) {
      log(`portico fleet cost failed: ${String((err as Error).stack ?? err)}`);
      results.errors.push({ server: 'portico', scenario: 'fleet', error: String((err as Error).message ?? err) });
    }
  }

  results.ratios = computeRatios(results);
  results.finishedAt = new Date().toISOString();
  results.durationSeconds = Math.round((now() - t0) / 100) / 10;
  fs.mkdirSync(o.outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const jsonFile = path.join(o.outDir, `${stamp}${o.quick ? '-quick' : ''}.json`);
  fs.writeFileSync(jsonFile, JSON.stringify(results, null, 2) + '\n');
  const md = markdown(results);
  // Quick runs, and runs of some servers or scenarios only, never replace the table of the last full run.
  const partial = o.servers.length < SERVER_NAMES.length || o.scenarios.length < SCENARIOS.length;
  const mdFile = path.join(o.outDir, o.quick ? 'latest-quick.md' : partial ? 'latest-partial.md' : 'latest.md');
  fs.writeFileSync(mdFile, md);
  process.stdout.write(md);
  log(`done in ${results.durationSeconds} s: ${path.relative(process.cwd(), jsonFile)}, ${path.relative(process.cwd(), mdFile)}`);
}

const watchdog = setTimeout(() => {
  log(`watchdog: still running after ${WATCHDOG_MS / 60_000} min, stopping`);
  void stopAll(2000).finally(() => process.exit(2));
}, WATCHDOG_MS);
watchdog.unref();

process.on('unhandledRejection', (err) => log(`unhandled rejection: ${String((err as Error)?.stack ?? err)}`));

main().then(
  async () => {
    await stopAll();
    process.exit(0);
  },
  async (err: unknown) => {
    log(`failed: ${String((err as Error)?.stack ?? err)}`);
    await stopAll(2000);
    process.exit(1);
  },
);
