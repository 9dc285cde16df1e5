// The browser view's HTTP API: the page and its assets, the live event stream, the buttons
// (through controls.ts), and the exercise panel.
import path from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import { z } from 'zod';
import { createApp, errorHandler, HttpError, notFound, parseInput } from '../../common/src/http';
import type { Logger } from '../../common/src/logger';
import { EXERCISES, findExercise } from '../../labs/exercises';
import { duration, num } from '../../labs/src/format';
import type { Urls } from '../../labs/src/services';
import { type CommandResult, commandBody, resetCommands, sendCommand } from './controls';
import { describeExercise, ExerciseSession } from './exercise-session';
import type { Live } from './live';

export interface UiOptions {
  urls: Urls;
  /** The same services as the learner's terminal reaches them: what the curl commands show. */
  shownUrls: Urls;
  /** `npm start`'s supervisor: the buttons' admin calls go to every instance of a role through it. */
  fleetUrl?: string;
  /** LAB_TIME_SCALE: the exercises run as `npm run lab` would with it. */
  scale: number;
  /** Where trace ids link to, when the services trace. */
  jaegerUrl: string;
  live: Live;
  logger: Logger;
}

const PUBLIC = path.resolve(__dirname, '../../../ui/public');
// uPlot from the installed package: no CDN, works offline.
const UPLOT = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));

const exerciseParams = z.object({ id: z.string().max(100) });

/**
 * The page writes numbers as the terminal view does, with the same two functions, sent as the
 * module /format.js (their source: they use nothing but each other).
 */
const FORMAT_MODULE = `${num.toString()}\n${duration.toString()}\nexport { num, duration };\n`;

export function createUiApp({ urls, shownUrls, fleetUrl, scale, jaegerUrl, live, logger }: UiOptions): Express {
  const app = createApp(logger);
  const session = new ExerciseSession(urls, scale, (state) => live.publish('exercise', state));
  const exercise = (id: string) => {
    const found = findExercise(parseInput(exerciseParams, { id }).id);
    if (!found) throw new HttpError(404, `no exercise "${id}"`, { field: 'id' });
    return found;
  };
  const sent = (results: CommandResult[]) => {
    for (const result of results) live.publish('command', result); // every open page shows what was sent
    return results;
  };

  app.get('/health', (_req, res) => res.json({ status: 'healthy', service: 'ui' }));
  app.get('/events', (_req, res) => live.attach(res));
  app.get('/api/config', (_req, res) => res.json({ urls: shownUrls, fleet_url: fleetUrl ?? null, scale, jaeger_url: jaegerUrl }));

  app.post('/api/command', sameOrigin, async (req, res) => {
    const command = parseInput(commandBody, req.body);
    const [result] = sent([await sendCommand(urls, shownUrls, command, req.get('authorization'), fleetUrl)]);
    res.json(result);
  });

  app.post('/api/reset', sameOrigin, async (req, res) => {
    parseInput(z.strictObject({}), req.body);
    const results: CommandResult[] = [];
    for (const command of resetCommands(scale)) {
      const result = await sendCommand(urls, shownUrls, command, req.get('authorization'), fleetUrl);
      results.push(result);
      if (result.status < 200 || result.status >= 300) break;
    }
    res.json(sent(results));
  });

  app.get('/api/exercises', (_req, res) => {
    res.json(EXERCISES.map((e) => ({ id: e.id, title: e.title })));
  });
  app.get('/api/exercises/:id', (req, res) => {
    res.json(describeExercise(exercise(req.params.id), shownUrls, scale));
  });
  app.post('/api/exercises/:id/run', sameOrigin, (req, res) => {
    const chosen = exercise(String(req.params.id));
    if (!session.start(chosen)) throw new HttpError(409, 'an exercise is already running', { field: 'id' });
    res.status(202).json({ id: chosen.id, running: true });
  });
  app.post('/api/exercises/stop', sameOrigin, (req, res) => {
    parseInput(z.strictObject({}), req.body);
    if (!session.stop()) throw new HttpError(409, 'no exercise is running', { field: 'id' });
    res.status(202).json({ stopping: true });
  });

  app.get('/format.js', (_req, res) => res.type('text/javascript').send(FORMAT_MODULE));
  app.use('/uplot', express.static(UPLOT, { index: false, maxAge: '1h' }));
  app.use(express.static(PUBLIC, { maxAge: 0 }));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}

/**
 * Refuses a request another site's page makes (a browser always sends Origin with a cross-site
 * POST): a web page elsewhere must not be able to press the lab's buttons.
 */
const sameOrigin: RequestHandler = (req, _res, next) => {
  const origin = req.get('origin');
  if (origin !== undefined && origin !== `${req.protocol}://${req.get('host')}`) {
    throw new HttpError(403, 'requests from another site are refused', { field: 'origin' });
  }
  next();
};
