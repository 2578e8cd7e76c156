#!/usr/bin/env node
import { ConfigError, configWarnings } from './config/load.js';
import { loadRelayConfig } from './load-relay-config.js';
import { createLogger } from './observability/logger.js';
import { answerMetricsScrapes } from './runtime/cluster/metrics.js';
import { clusterWorkerRole } from './runtime/cluster/worker.js';
import { startRelay } from './server.js';

const USAGE = `usage: mls-relay <command>
  start                       start the relay (config: $RELAY_CONFIG or config/relay.toml)
  check-config                validate the config and exit
  allowlist add|remove|list [npub|hex]   edit the [auth] allowlist of the config file
  admin-link [npub|hex] [--minutes N]    print a single-use sign-in link to the admin console (/admin)
  export [file]               write every stored event as JSON lines (stdout by default)
  import [file]               read JSON lines of events into the store (stdin by default)`;

async function start(): Promise<void> {
  const config = loadRelayConfig();
  const worker = clusterWorkerRole();
  if (!worker && config.server.workers > 1) {
    const { runClusterPrimary } = await import('./runtime/cluster/primary.js');
    process.exit(await runClusterPrimary(config, createLogger(config.logging.level).child({ role: 'primary' })));
  }
  // A worker's lines say which process wrote them (the logger's base fields omit the pid).
  const logger = worker ? createLogger(config.logging.level).child({ worker: worker.index, pid: process.pid }) : undefined;
  const relay = await startRelay(config, worker ? { logger, clusterWorker: worker } : {});
  if (worker) answerMetricsScrapes(worker.primary, relay.metrics.registry);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    relay.logger.info({ signal }, 'shutting down');
    relay.close().then(
      () => process.exit(0),
      (err: Error) => {
        relay.logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(argv: string[]): Promise<number> {
  const [command = 'start', ...rest] = argv;
  switch (command) {
    case 'start':
      await start();
      return -1;
    case 'check-config': {
      const config = loadRelayConfig();
      console.log(`config ok: ${config.file ?? '(defaults)'} — storage ${config.storage.backend}, listening on ${config.server.host}:${config.server.port}`);
      for (const warning of configWarnings(config)) console.log(`warning: ${warning}`);
      return 0;
    }
    case 'allowlist': {
      const { runAllowlistCommand } = await import('./cli/allowlist.js');
      return runAllowlistCommand(rest);
    }
    case 'admin-link': {
      const { runAdminLinkCommand } = await import('./cli/admin-link.js');
      return runAdminLinkCommand(rest);
    }
    case 'export':
    case 'import': {
      const { runTransferCommand } = await import('./cli/transfer.js');
      return runTransferCommand(command, rest);
    }
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`error: ${(err as Error).message}`);
    process.exit(1);
  },
);
