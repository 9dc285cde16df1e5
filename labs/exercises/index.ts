// The workshop's exercises, in order.
import type { Exercise } from '../src/exercise';
import baseline from './01-baseline';
import slowConsumer from './02-slow-consumer';
import memoryCrash from './03-memory-crash';
import bounded from './04-bounded';
import rateLimit from './05-rate-limit';
import reset from './06-reset';
import queueLatency from './07-queue-latency';
import variableProcessing from './08-variable-processing';
import burst from './09-burst';
import consumerFailure from './10-consumer-failure';
import block from './11-block';
import timeout from './12-timeout';
import dropOldest from './13-drop-oldest';
import sample from './14-sample';
import adaptive from './15-adaptive';
import jobs429 from './16-jobs-429';
import priorities from './17-priorities';
import scaleConsumer from './18-scale-consumer';
import queueSizing from './19-queue-sizing';
import openBlock from './20-open-block';
import openTimeout from './21-open-timeout';
import breakerFailureRate from './22-breaker-failure-rate';
import brokerProducerCrash from './23-broker-producer-crash';
import brokerConsumerCrash from './24-broker-consumer-crash';
import brokerOverflow from './25-broker-overflow';
import brokerTtl from './26-broker-ttl';
import oneLimit from './27-one-limit';
import competingConsumers from './28-competing-consumers';
import autoscale from './29-autoscale';
import consumerDies from './30-consumer-dies';
import prefetch from './31-prefetch';
import clearMemory from './32-clear-memory';
import slowDatabase from './33-slow-database';
import waitingLine from './34-waiting-line';
import queryTimeouts from './35-query-timeouts';
import databaseRestart from './36-database-restart';
import consumerKilledMidWrite from './37-consumer-killed-mid-write';
import poolSizing from './38-pool-sizing';
import goodputDisciplines from './39-goodput-disciplines';
import metastable from './40-metastable';
import retryBudget from './41-retry-budget';
import clusterLeaderKilled from './42-cluster-leader-killed';
import clusterProducerNodeKilled from './43-cluster-producer-node-killed';
import clusterNodeHangs from './44-cluster-node-hangs';
import clusterMemoryAlarm from './45-cluster-memory-alarm';
import clusterClassicVsQuorum from './46-cluster-classic-vs-quorum';
import dbBatching from './47-db-batching';

export const EXERCISES: Exercise[] = [
  baseline,
  slowConsumer,
  memoryCrash,
  bounded,
  rateLimit,
  reset,
  queueLatency,
  variableProcessing,
  burst,
  consumerFailure,
  block,
  timeout,
  dropOldest,
  sample,
  adaptive,
  jobs429,
  priorities,
  scaleConsumer,
  queueSizing,
  openBlock,
  openTimeout,
  breakerFailureRate,
  brokerProducerCrash,
  brokerConsumerCrash,
  brokerOverflow,
  brokerTtl,
  oneLimit,
  competingConsumers,
  autoscale,
  consumerDies,
  prefetch,
  clearMemory,
  slowDatabase,
  waitingLine,
  queryTimeouts,
  databaseRestart,
  consumerKilledMidWrite,
  poolSizing,
  goodputDisciplines,
  metastable,
  retryBudget,
  clusterLeaderKilled,
  clusterProducerNodeKilled,
  clusterNodeHangs,
  clusterMemoryAlarm,
  clusterClassicVsQuorum,
  dbBatching,
];

/** By number ("2", "02"), full id ("02-slow-consumer") or name ("slow-consumer"). */
export function findExercise(name: string): Exercise | undefined {
  const number = /^\d+$/.test(name) ? Number(name) : undefined;
  return EXERCISES.find((e) => e.id === name || e.id.slice(3) === name || (number !== undefined && Number.parseInt(e.id, 10) === number));
}
