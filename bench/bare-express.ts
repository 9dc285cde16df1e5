// The framework alone, run as its own process like the services (PORT=0, a "listening" line with
// its URL): the smallest Express app with a JSON body parser and one route per use. POST /jobs
// answers 429 (the floor under the rejection path); POST /process answers what the consumer
// answers for a processed item (the server half of the express + axios transport floor).
import express from 'express';

const app = express();
app.use(express.json({ limit: '1100kb' }));
app.post('/jobs', (_req, res) => {
  res.status(429).json({ error: 'Job queue is full' });
});
app.post('/process', (req, res) => {
  res.json({ status: 'processed', id: (req.body as { id?: unknown }).id, processing_ms: 0 });
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
server.keepAliveTimeout = 65_000;
