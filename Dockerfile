# syntax=docker/dockerfile:1
# One image for the gateway, the four registers and their migrations: `deploy/entrypoint.mjs` picks
# the service from the container's arguments (see README, "Deployment"). Pin the base image by
# digest in your registry's build (e.g. NODE_IMAGE=node:20-bookworm-slim@sha256:…).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: every workspace's dependencies (dev included), the TypeScript build, Prisma's clients ---
FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NO_UPDATE_NOTIFIER=1 CI=1
WORKDIR /src
# The manifests first, so that a change of source alone reuses the installed layer.
COPY package.json package-lock.json ./
COPY gateway/package.json gateway/
COPY console/package.json console/
COPY schema/package.json schema/
COPY subgraphs/runtime/package.json subgraphs/runtime/
COPY subgraphs/reference/package.json subgraphs/reference/
COPY subgraphs/testkit/package.json subgraphs/testkit/
COPY subgraphs/population/package.json subgraphs/population/
COPY subgraphs/social-registry/package.json subgraphs/social-registry/
COPY subgraphs/health-insurance/package.json subgraphs/health-insurance/
COPY subgraphs/direct-aid/package.json subgraphs/direct-aid/
COPY tests/package.json tests/
# No install scripts: nothing in the tree needs one (Prisma's would only try to download engines).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# turbo runs each register's `prisma generate` (the TypeScript query compiler and its WASM, no
# native engine) before `tsc`.
RUN npm run build

# --- runtime: production dependencies of the services only, the built output, read-only ---
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/tmp/spx \
    HOME=/tmp \
    NO_UPDATE_NOTIFIER=1 \
    APOLLO_TELEMETRY_DISABLED=1
WORKDIR /app
COPY package.json package-lock.json ./
COPY gateway/package.json gateway/
COPY console/package.json console/
COPY schema/package.json schema/
COPY subgraphs/runtime/package.json subgraphs/runtime/
COPY subgraphs/reference/package.json subgraphs/reference/
COPY subgraphs/population/package.json subgraphs/population/
COPY subgraphs/social-registry/package.json subgraphs/social-registry/
COPY subgraphs/health-insurance/package.json subgraphs/health-insurance/
COPY subgraphs/direct-aid/package.json subgraphs/direct-aid/
# The services' workspaces only (not tests/ or the test kit), without devDependencies.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
      -w @spx/gateway -w @spx/population -w @spx/social-registry -w @spx/health-insurance -w @spx/direct-aid \
 && npm cache clean --force \
 && rm -rf /tmp/* /root/.npm
# What the services read at run time: their dist, Prisma's generated clients (query compiler WASM
# included), the migrations applied at start-up, the social registry's index models, and schema/
# (supergraph, agency catalogue, trusted documents; Kubernetes mounts its ConfigMaps over these),
# and the built console the gateway serves at / (static files only: none of its dependencies).
COPY --from=build /src/schema/index.js /src/schema/index.d.ts /src/schema/subgraphs.json /src/schema/supergraph.graphql /src/schema/agency-catalogue.json /src/schema/access-policy.md schema/
COPY --from=build /src/schema/trusted-documents schema/trusted-documents
COPY --from=build /src/subgraphs/runtime/dist subgraphs/runtime/dist
COPY --from=build /src/subgraphs/reference/dist subgraphs/reference/dist
COPY --from=build /src/gateway/dist gateway/dist
COPY --from=build /src/gateway/migrations gateway/migrations
COPY --from=build /src/console/dist console/dist
COPY --from=build /src/subgraphs/population/dist subgraphs/population/dist
COPY --from=build /src/subgraphs/population/generated subgraphs/population/generated
COPY --from=build /src/subgraphs/population/prisma/migrations subgraphs/population/prisma/migrations
COPY --from=build /src/subgraphs/social-registry/dist subgraphs/social-registry/dist
COPY --from=build /src/subgraphs/social-registry/generated subgraphs/social-registry/generated
COPY --from=build /src/subgraphs/social-registry/prisma/migrations subgraphs/social-registry/prisma/migrations
COPY --from=build /src/subgraphs/social-registry/models subgraphs/social-registry/models
COPY --from=build /src/subgraphs/health-insurance/dist subgraphs/health-insurance/dist
COPY --from=build /src/subgraphs/health-insurance/generated subgraphs/health-insurance/generated
COPY --from=build /src/subgraphs/health-insurance/prisma/migrations subgraphs/health-insurance/prisma/migrations
COPY --from=build /src/subgraphs/direct-aid/dist subgraphs/direct-aid/dist
COPY --from=build /src/subgraphs/direct-aid/generated subgraphs/direct-aid/generated
COPY --from=build /src/subgraphs/direct-aid/prisma/migrations subgraphs/direct-aid/prisma/migrations
COPY deploy/entrypoint.mjs deploy/entrypoint.mjs
# Everything above belongs to root (0644/0755): the service's user, below, cannot change it. Only /tmp
# (an emptyDir in Kubernetes, under readOnlyRootFilesystem) is writable; production writes nothing
# under DATA_DIR, which holds the embedded database and development keys only.
USER 10001:10001
EXPOSE 4000 4001 4002 4003 4004
# No default command: the container names its service (or `migrate <database>`); none prints the list.
ENTRYPOINT ["node", "/app/deploy/entrypoint.mjs"]
