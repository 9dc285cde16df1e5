// A request body like the producer's for one item with the default 1 KB payload: what the
// transport floors carry, so that they and the lab move the same bytes.
export const ITEM_BODY = JSON.stringify({
  id: '0b6f3c1e-8a57-4d2c-9a8e-3f1d2b4c5a6e',
  created_at: Date.now(),
  priority: 'normal',
  attempt: 1,
  payload: 'x'.repeat(1024),
});
