// Debian's PostgreSQL 15 (apt-get install postgresql) as a plain process: no init system, no
// cluster of Debian's own. Everything it writes goes to a temporary directory that is removed when
// it stops. Used by `npm run postgres` (scripts/postgres.ts), by the tests (test/helpers/postgres.ts)
// and by the bench, so a database is started one way only.
//
// initdb refuses to run as root: when we are root, initdb and pg_ctl run as the `postgres` user
// (runuser), and the directory is theirs. The bootstrap superuser is `lab` (as POSTGRES_USER=lab
// makes it in the Docker image), with trust authentication on 127.0.0.1 only.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from './free-port';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const INSTALL_HINT = 'PostgreSQL is not installed. On Debian or Ubuntu: sudo apt-get install postgresql';
const START_TIMEOUT_S = 60;

export interface PostgresOptions {
  /** Port on 127.0.0.1 (0: a free one). */
  port: number;
  /** Extra postgresql.conf lines (e.g. `max_connections = 20`). */
  config?: string[];
}

export interface Postgres {
  /** postgres://lab@127.0.0.1:<port>/lab */
  url: string;
  port: number;
  dataDir: string;
  /** The server's log file. */
  logFile: string;
  /** Stops the server (SIGINT to its PID: a fast shutdown) and removes the directory. */
  stop(): Promise<void>;
  /** Stops the server but keeps its data, as `pg_ctl stop` would (the database "goes away"). */
  pause(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  resume(): Promise<void>;
  /** Runs one statement as `lab` on database `lab` and returns its rows. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
}

export const postgresInstalled = () => existsSync(path.join(PG_BIN, 'initdb'));

/** Runs a PostgreSQL program, as the `postgres` user when we are root (initdb refuses root). */
export function runPgProgram(program: string, args: string[]): Promise<string> {
  const [file, argv] =
    process.getuid?.() === 0
      ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, program), ...args]]
      : [path.join(PG_BIN, program), args];
  return new Promise((resolve, reject) =>
    execFile(file, argv, { timeout: (START_TIMEOUT_S + 10) * 1000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${program} ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** The postmaster's PID from its data directory (undefined when it is not running). */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (!pid) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Fast shutdown by PID (SIGINT: roll back open transactions, close connections, exit), waited for. */
export async function stopByPid(dataDir: string, timeoutMs = 30_000): Promise<void> {
  const pid = postmasterPid(dataDir);
  if (!pid) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(50);
  }
  process.kill(pid, 'SIGKILL');
}

export async function startPostgres(options: PostgresOptions): Promise<Postgres> {
  if (!postgresInstalled()) throw new Error(INSTALL_HINT);
  const port = options.port || (await freePort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backpressure-postgres-'));
  const dataDir = path.join(dir, 'data');
  const socketDir = path.join(dir, 'sock');
  const logFile = path.join(dir, 'postgres.log');
  mkdirSync(socketDir);
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUser();
    for (const p of [dir, socketDir]) chownSync(p, uid, gid);
  }
  const startServer = () => runPgProgram('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_S), 'start']);
  try {
    await runPgProgram('initdb', ['-D', dataDir, '-U', 'lab', '--auth=trust', '-E', 'UTF8', '--no-locale']);
    // In postgresql.conf, so that a plain `pg_ctl start` (the exercises' restart) needs no options.
    const conf = [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socketDir}'`,
      // A throwaway database: a commit does not wait for its WAL to reach the disk. It is still a
      // commit — visible, and kept if the consumer or PostgreSQL itself crashes; only a crash of
      // the machine could lose the last fraction of a second, and the directory is deleted anyway.
      // Without it each write waited 15–25 ms for fsync on a busy disk here, and db_query_ms was
      // no longer what a write costs.
      'synchronous_commit = off',
      ...(options.config ?? []),
    ];
    writeFileSync(
      path.join(dataDir, 'postgresql.conf'),
      `${readFileSync(path.join(dataDir, 'postgresql.conf'), 'utf8')}\n${conf.join('\n')}\n`,
    );
    await startServer();
    const admin = new pg.Client({ connectionString: `postgres://lab@127.0.0.1:${port}/postgres` });
    await admin.connect();
    await admin.query('CREATE DATABASE lab');
    await admin.end();
  } catch (err) {
    await stopByPid(dataDir);
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${log}`);
  }
  const url = `postgres://lab@127.0.0.1:${port}/lab`;
  let stopped = false;
  return {
    url,
    port,
    dataDir,
    logFile,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopByPid(dataDir);
      rmSync(dir, { recursive: true, force: true });
    },
    pause: () => stopByPid(dataDir),
    async resume() {
      await startServer();
    },
    async query(sql, params) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs the `postgres` user (created by the postgresql package)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
