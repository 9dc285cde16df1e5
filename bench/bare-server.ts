// The physical limit the delivery ceiling is compared with: a bare node:http server that reads
// each request body and answers a short JSON, and does nothing else. The bench runs it as its own
// process, like the services (PORT=0, a "listening" line with its URL).
import http from 'node:http';

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"status":"processed"}');
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  console.log(JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${port}` }));
});
