// The clock of queue waits: whole milliseconds since the process started, on the monotonic clock.
// An item's enqueued_at is on it, and so is everything that measures a wait from it (sojourn times,
// max_item_age_ms, oldest_item_age_seconds, spans). Why not Date.now():
// - a wall-clock step (NTP, a resumed VM) cannot make a wait negative or jump CoDel's sojourn;
// - a whole number below 2^31 is a small integer to V8, kept inside the item, where an epoch
//   timestamp is a boxed double: 16 heap bytes more per queued item (`npm run bench`, memory
//   figure). After 24.8 days of uptime the readings are boxed too: as many bytes as Date.now().
export const queueNow = (): number => Math.floor(performance.now());

/** The epoch milliseconds of a queueNow() reading: to compare it with created_at or give it to a span. */
export const queueTimeToEpochMs = (queueMs: number): number => performance.timeOrigin + queueMs;
