// The goodput figure's bar (ui/src/goodput-panel.ts): of everything the consumer finished or
// dropped, the share in time, late (processed after its deadline: wasted work) and expired.
export function showGoodput(goodput) {
  const bar = document.querySelector('#goodput .goodput-bar');
  if (!bar) return;
  const parts = goodput ? [goodput.processed_in_deadline, goodput.processed_late, goodput.expired] : [0, 0, 0];
  const total = parts.reduce((a, b) => a + b, 0);
  ['in-time', 'late', 'expired'].forEach((kind, i) => {
    const span = bar.querySelector(`.${kind}`);
    span.style.width = total > 0 ? `${(100 * parts[i]) / total}%` : '0';
    span.title = `${kind}: ${parts[i]}`;
  });
}
