// A poll of the broker on a timer: never two at once (a slow management API would pile them up),
// and a failed poll (a connection just lost) simply waits for the next.

/** Runs `poll` every `ms`; the returned timer does not keep the process alive. */
export function pollEvery(ms: number, poll: () => Promise<void>): NodeJS.Timeout {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    poll()
      .catch(() => {})
      .finally(() => (busy = false));
  }, ms);
  timer.unref();
  return timer;
}
