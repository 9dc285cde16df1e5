// GET a JSON document over a kept-alive connection: what the views do several times a second
// (every instance's /status). fetch() costs about 2.5 times the CPU per request (1.8–2.5 ms
// against 0.7 ms measured on the lab machine), which took the browser view's server past 2% of a
// core with six instances; node:http with a keep-alive agent reuses one socket per service.
import http from 'node:http';
import type { Answer } from './services';

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const TIMEOUT_MS = 3000;

/** The status and parsed body (the text when it is not JSON); rejects when the service does not answer. */
export function getJson<T = unknown>(url: string): Promise<Omit<Answer<T>, 'headers'>> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: TIMEOUT_MS }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        const json = (res.headers['content-type'] ?? '').includes('json') && text;
        try {
          resolve({ status: res.statusCode ?? 0, body: (json ? JSON.parse(text) : text) as T });
        } catch (err) {
          reject(err);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${TIMEOUT_MS / 1000} s`), { name: 'TimeoutError' })));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive socket the service closed meanwhile (it restarted, or its idle timeout passed
      // as the request left): once more on a new one, as Node's documentation advises.
      if (req.reusedSocket && err.code === 'ECONNRESET') getJson<T>(url).then(resolve, reject);
      else reject(err);
    });
  });
}
