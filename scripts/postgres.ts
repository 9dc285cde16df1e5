// `npm run postgres`: Debian's PostgreSQL 15 (apt-get install postgresql) for the lab's downstream
// (DOWNSTREAM=postgres npm start). A plain process in a temporary directory on 127.0.0.1:5432
// (POSTGRES_PORT), trust authentication on loopback, database and user `lab`. Ctrl-C stops it by
// PID and removes the directory: the database keeps nothing from one run to the next.
import { INSTALL_HINT, postgresInstalled, postmasterPid, startPostgres } from './postgres-server';

const port = Number(process.env.POSTGRES_PORT ?? 5432);

async function main(): Promise<void> {
  if (!postgresInstalled()) {
    console.error(INSTALL_HINT);
    process.exit(1);
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    console.error(`Invalid environment variable POSTGRES_PORT=${JSON.stringify(process.env.POSTGRES_PORT)}: expected a port number`);
    process.exit(1);
  }
  console.log(`Starting PostgreSQL on 127.0.0.1:${port}; a few seconds ...`);
  const db = await startPostgres({ port });
  const hint = port === 5432 ? '' : `\n  (first: export DATABASE_URL=${db.url})`;
  console.log(`
  PostgreSQL is ready
    URL     ${db.url}
    psql    psql ${db.url}
    data    ${db.dataDir}   (log: ${db.logFile})

  Now:  DOWNSTREAM=postgres npm start${hint}
  Ctrl-C stops it.
`);
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.log('Stopping PostgreSQL ...');
      db.stop().then(() => process.exit(0));
    });
  }
  // Keep running while the server does. An exercise may stop it and start it again (new PID), so
  // it is "gone" only when no postmaster has run for a while.
  let missingSince: number | undefined;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (stopping) continue;
    if (postmasterPid(db.dataDir)) missingSince = undefined;
    else missingSince ??= Date.now();
    if (missingSince !== undefined && Date.now() - missingSince > 120_000) {
      console.error('PostgreSQL has not been running for 2 minutes; giving up.');
      await db.stop();
      process.exit(1);
    }
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
