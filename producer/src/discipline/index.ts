// The queue disciplines by name (setting `queue_discipline`), one instance per priority lane.
import type { ProducerSettings } from '../config';
import { AdaptiveLifo } from './adaptive-lifo';
import { CoDel } from './codel';
import type { Discipline } from './discipline';
import { FifoDiscipline } from './fifo';

/** The settings a discipline is built from: a change to any of them builds a new one. */
export const DISCIPLINE_SETTINGS = [
  'queue_discipline',
  'codel_target_ms',
  'codel_interval_ms',
  'lifo_queue_threshold',
  'lifo_age_ms',
] as const satisfies readonly (keyof ProducerSettings)[];

export type DisciplineSettings = Pick<ProducerSettings, (typeof DISCIPLINE_SETTINGS)[number]>;

export function createDiscipline(s: DisciplineSettings): Discipline {
  switch (s.queue_discipline) {
    case 'codel':
      return new CoDel(s.codel_target_ms, s.codel_interval_ms);
    case 'adaptive_lifo':
      return new AdaptiveLifo(s.lifo_queue_threshold, s.lifo_age_ms);
    default:
      return new FifoDiscipline();
  }
}
