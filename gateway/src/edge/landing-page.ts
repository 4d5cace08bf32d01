import type { ApolloServerPlugin, BaseContext } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";

/*
 * Apollo's default landing pages load Sandbox or Explorer from Apollo's CDN: a browser opening the
 * graph would call out to the internet, and in production they advertise the schema. Production
 * serves no page at all; development serves this one, which carries everything it shows inline
 * and names no other address, so that opening it fetches nothing.
 */
const PAGE = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Social protection data exchange: GraphQL gateway (development)</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #222; }
pre { background: #f4f4f4; padding: 0.75rem; overflow-x: auto; }
code { font-family: ui-monospace, monospace; }
</style>
</head>
<body>
<h1>Social protection data exchange</h1>
<p>This is the development gateway of the federated graph over the population register (RNP), the
unified social register (RSU), health insurance (AMO) and direct social aid (ASD). It answers
GraphQL at <code>/graphql</code> on this address. Every request needs a bearer token and states a
purpose; each caller is served only the fields and the persons its grant allows.</p>
<h2>Ask a question</h2>
<p>From the repository, with <code>GATEWAY</code> set to the address of this page without the
path (<code>npm start</code> prints it):</p>
<pre><code>TOKEN=$(npm run -s token -- --agency ANR --role SYSTEM --purpose REGISTRATION)
curl -s "$GATEWAY/graphql" \\
  -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
  -d '{"query":"{ persons(first: 3) { edges { node { idcs firstName lastName } } } }"}'</code></pre>
<p><code>npm run -s token -- --role ROLE [--agency AGENCY] [--region 01..12] [--idcs IDCS] [--purpose P]</code>
prints a development token. The grants, their purposes and what each may read are in
<code>schema/access-policy.md</code>; the README has more queries.</p>
<p>Health: <code>/healthz</code>, readiness: <code>/readyz</code>, public keys: <code>/.well-known/jwks.json</code>.</p>
</body>
</html>
`;

/** The development landing page: self-contained, nothing loaded from elsewhere. */
export function localLandingPage<Context extends BaseContext>(): ApolloServerPlugin<Context> {
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html: PAGE };
        },
      };
    },
  };
}

/** No landing page in production; the self-contained one in development. */
export function landingPagePlugin<Context extends BaseContext>(production: boolean): ApolloServerPlugin<Context> {
  return production ? (ApolloServerPluginLandingPageDisabled() as ApolloServerPlugin<Context>) : localLandingPage();
}
