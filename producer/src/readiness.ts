// GET /health/ready: can the producer do its job — deliver items — right now? Yes when the
// consumer answers its liveness probe and the circuit breaker is closed (an open or half-open
// breaker means recent sends failed). Liveness (/health/live) asks only whether the process
// answers at all; a producer that is not ready still accepts and queues items per its mode.
import type { CircuitBreaker } from './breaker';

/** A probe result is reused this long, so frequent health checks do not become consumer load. */
const PROBE_CACHE_MS = 1000;
const PROBE_TIMEOUT_MS = 1000;

export class Readiness {
  private probed?: Promise<boolean>;
  private probedAt = -Infinity;

  constructor(
    private readonly consumerUrl: string,
    private readonly breaker: CircuitBreaker,
  ) {}

  async check() {
    const consumer_reachable = await this.consumerReachable();
    const breaker = this.breaker.state;
    return { ready: consumer_reachable && breaker === 'closed', consumer_reachable, breaker };
  }

  private consumerReachable(): Promise<boolean> {
    const now = performance.now();
    if (!this.probed || now - this.probedAt >= PROBE_CACHE_MS) {
      this.probedAt = now;
      this.probed = fetch(new URL('/health/live', this.consumerUrl), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).then(
        (res) => res.ok,
        () => false,
      );
    }
    return this.probed;
  }
}
