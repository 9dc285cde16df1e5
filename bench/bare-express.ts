// The floor under the rejection path: the smallest Express app that answers POST /jobs with a
// 429 (JSON body parser, one route, nothing else), run as its own process like the services
// (PORT=0, a "listening" line with its URL). What the framework alone costs per request.
import express from 'express';

const app = express();
app.use(express.json());
app.post('/jobs', (_req, res) => {
  res.status(429).json({ error: 'Job queue is full' });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
