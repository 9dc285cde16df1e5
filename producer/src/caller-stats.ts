// What open arrivals' retrying callers did so far (retrying-callers.ts), for GET /status `callers`.
/** What the callers did so far (GET /status `callers`). */
export class CallerStats {
  /** Callers that arrived. */
  started = 0;
  /** Items they offered: first tries and retries. */
  attempts = 0;
  /** Callers whose item was done within their timeout. */
  succeeded = 0;
  /** Tries that ended at the timeout (each leaves its item behind, unheard of). */
  timedOut = 0;
  /** Tries that ended with the item refused or lost. */
  failed = 0;
  /** Callers that used up their retries without success. */
  gaveUp = 0;

  describe() {
    return {
      started: this.started,
      attempts: this.attempts,
      succeeded: this.succeeded,
      timed_out: this.timedOut,
      failed: this.failed,
      gave_up: this.gaveUp,
      /** Attempts ÷ callers: how much the callers' retries multiply the load (null before any). */
      amplification: this.started > 0 ? Math.round((this.attempts / this.started) * 1000) / 1000 : null,
    };
  }
}
