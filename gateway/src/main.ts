import { listen } from "@spx/runtime/http-server";
import { createLogger } from "@spx/runtime/logger";
import { stopOnSignals } from "@spx/runtime/service";
import { createAuthenticator } from "./authenticate.js";
import { loadEnv } from "./env.js";
import { createGateway } from "./gateway.js";
import { callerKeys, gatewaySigningKey } from "./keys.js";
import { loadSupergraph } from "./supergraph.js";

const env = loadEnv();
const logger = createLogger("gateway", env.logLevel);
const { keys, development } = await callerKeys(env);
if (development) {
  logger.warn("JWKS_URL is not set: accepting tokens from the local development issuer only");
}
const supergraph = loadSupergraph(env.supergraphPath);
const { server, handler } = await createGateway({
  supergraphSdl: supergraph.sdl,
  subgraphs: supergraph.subgraphs,
  subgraphUrls: env.subgraphUrls,
  authenticate: createAuthenticator(
    { keys, issuer: env.issuer, audience: env.audience, algorithms: env.algorithms },
    (reason) => logger.info({ reason }, "rejected caller token"),
  ),
  signingKey: await gatewaySigningKey(env),
  logger,
  production: env.production,
  authorization: env.authorization,
});
const running = await listen(handler, env.port, env.host);
logger.info({ url: `${running.url}/graphql` }, "gateway listening");
stopOnSignals(logger, async () => {
  await running.close();
  await server.stop();
});
