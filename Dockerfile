# syntax=docker/dockerfile:1
# repowright as a container: `docker build -t repowright .` then
#   docker run -p 8787:8787 repowright                      # MCP over Streamable HTTP at :8787/mcp
#   docker run repowright worker                            # a queue worker (share a Redis: compose.yaml)
# Native modules (better-sqlite3) are compiled in the build stage against the same Node and libc as the
# final stage, which carries no compiler. docs/operations.md has the details.

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
# Compilers for native modules that have no prebuilt binary for this platform.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
# All dependencies (TypeScript to build); optional ones (the local ONNX embedder) are left out.
RUN npm ci --no-audit --no-fund --omit=optional
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --omit=optional --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production \
    REPOWRIGHT_HOME=/data \
    REPOWRIGHT_TRANSPORT=http \
    REPOWRIGHT_HOST=0.0.0.0 \
    REPOWRIGHT_PORT=8787
# git: the code and github toolsets clone and diff; tini: signals reach node, zombies are reaped.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends git tini ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown node:node /data
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json README.md ./
COPY --chown=node:node docs ./docs
USER node
VOLUME ["/data"]
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.REPOWRIGHT_PORT||8787)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli/main.js"]
CMD ["serve"]
