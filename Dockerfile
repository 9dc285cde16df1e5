# The one image recipe of the lab's Node.js services: the producer, the consumer and the browser
# view (ui). They share every stage but the last few lines (port, command), so the build argument
# SERVICE picks which one this build makes; there is no default, a build says which:
#   docker build --build-arg NODE_IMAGE="$(sed -n 's/^NODE_IMAGE=//p' .env)" --build-arg SERVICE=producer .
# docker compose passes both (docker compose build lab18-producer).
#
# It lives at the repository root because the build context is the root (one package.json and
# lockfile for all three services): `docker build .` finds it there, with no -f.
#
# The base image comes from NODE_IMAGE in .env beside docker-compose.yml (every image version of
# the stack is kept there), passed in by compose as a build argument; it has no default here so
# that .env stays the one place it is written.
ARG NODE_IMAGE
ARG SERVICE

# 1. Compile TypeScript with every dependency (typescript is a devDependency). All services at
# once: the ui needs the others' settings schemas and labs/, and one build stage is built once
# and reused from the cache for the three images.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY common/src common/src
COPY producer/src producer/src
COPY consumer/src consumer/src
COPY labs labs
COPY ui/src ui/src
# labs/ drives the servers of its exercises with scripts/: PostgreSQL (the database exercises) and
# RabbitMQ's nodes (the cluster exercises). test/dockerfiles.test.ts compiles what this stage copies.
COPY scripts scripts
RUN npm run build

# 2. Production dependencies only (uplot, the ui's chart, is one).
FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# 3. What every service runs on: compiled code and production dependencies, owned by root, run as
# user node; nothing is written at run time (fine on a read-only root filesystem). The healthcheck
# asks GET /health on the service's own PORT.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=production-deps /app/node_modules node_modules
COPY --from=build /app/dist dist
USER node
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/common/src/healthcheck.js"]

# 4. One stage per service: its port and its command. node handles SIGTERM itself (graceful
# stop); compose adds init: true so a PID 1 reaps zombies. The producer runs under the 256 MB
# memory limit of docker-compose.yml (Exercise 3).
FROM runtime AS producer
ENV PORT=8000
EXPOSE 8000
CMD ["node", "dist/producer/src/main.js"]

FROM runtime AS consumer
ENV PORT=8001
EXPOSE 8001
CMD ["node", "dist/consumer/src/main.js"]

# The browser view reads the services at PRODUCER_URL and CONSUMER_URL and serves the page on
# UI_PORT; PORT is what the healthcheck asks on, the same port. uPlot comes from node_modules: no CDN.
FROM runtime AS ui
ENV UI_PORT=8080 PORT=8080
COPY ui/public ui/public
EXPOSE 8080
CMD ["node", "dist/ui/src/main.js"]

# 5. The image: the stage SERVICE names.
FROM ${SERVICE}
