# The bluegreen worker and CLI. Build: docker build -t bluegreen-worker .
FROM node:20.18.1-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json ./
COPY workflows workflows
COPY activities activities
COPY worker worker
COPY client client
COPY scripts/*.ts scripts/
COPY test test
# npm ci runs `prepare`, which compiles the TypeScript into dist/.
RUN npm ci --no-audit --no-fund

FROM node:20.18.1-bookworm-slim
ENV NODE_ENV=production AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist dist
COPY bin bin
RUN mkdir -p /var/lib/bluegreen && chown node:node /var/lib/bluegreen
USER node
ENTRYPOINT ["node", "bin/bluegreen.js"]
CMD ["worker"]
