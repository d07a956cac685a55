# The replicator's container image: `docker build -t ddb-replicator .`, then run it with its configuration in
# DDB_REPLICATOR_* variables (README, "Commands"), e.g.
#   docker run -e DDB_REPLICATOR_SOURCE_TABLE=orders -e DDB_REPLICATOR_DEST_TABLE=orders-copy \
#     -e DDB_REPLICATOR_SOURCE_REGION=eu-west-1 -e DDB_REPLICATOR_DEST_REGION=us-east-1 ddb-replicator
# Two stages: the build compiles src/ only and bundles the CLI into one module (scripts/bundle-cli.ts); the image
# holds the production packages, the bundled CLI and the bin,
# runs as the unprivileged `node` user, and starts the bin in exec form, so that SIGTERM from the supervisor
# reaches the replicator itself (no shell or npm wrapper in between) and the stop flushes and checkpoints.
# tests/integration/container.test.ts runs these steps as far as a machine without a container runtime can.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts/bundle-cli.ts scripts/esm-prelude.ts ./scripts/
RUN npx tsc -p tsconfig.build.json && node dist/scripts/bundle-cli.js

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    DDB_REPLICATOR_METRICS_PORT=9464 \
    DDB_REPLICATOR_LOG_FORMAT=json
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no DynamoDB Local download (only `demo` uses it, and it needs Java, which the image lacks).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/cli ./dist/cli
COPY bin ./bin
USER node
EXPOSE 9464
# Liveness as /healthz answers it (503 while the worker is stuck); the port is --metrics-port's.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.DDB_REPLICATOR_METRICS_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/ddb-replicator.js"]
CMD ["replicate"]
