// The containers' HEALTHCHECK: exits 0 when this container's service answers GET /health on its
// own PORT, 1 otherwise. Written for Node because the slim base image has no curl or wget.
// Liveness, not readiness: a producer whose consumer is down is alive and must not be marked
// unhealthy for it (/health/ready says that).
const url = `http://127.0.0.1:${process.env.PORT}/health`;

fetch(url, { signal: AbortSignal.timeout(2000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
