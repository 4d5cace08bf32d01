import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { directAid } from "@spx/direct-aid/subgraph";
import { loadEnv } from "@spx/gateway/env";
import { healthInsurance } from "@spx/health-insurance/subgraph";
import { population } from "@spx/population/subgraph";
import { EnvError } from "@spx/runtime/config";
import { startEmbeddedServer } from "@spx/runtime/database";
import { type SubgraphDefinition, subgraphSettings } from "@spx/runtime/subgraph";
import { generateSigningKey } from "@spx/runtime/tokens";
import { AGENCY_CATALOGUE_FILE, SUBGRAPHS_FILE, SUPERGRAPH_FILE, TRUSTED_DOCUMENTS_DIR } from "@spx/schema";
import { socialRegistry } from "@spx/social-registry/subgraph";
import { createTestDatabase } from "@spx/testkit/test-database";
import pg from "pg";
import { parseAllDocuments } from "yaml";
import { accessLogWitnessesSetting } from "./testkit/production-system.js";

/*
 * What an operator deploys: the kustomize manifests under deploy/kubernetes, rendered by the real
 * `kubectl kustomize`, and the image's entry point, run as the container runs it. The image itself
 * is not built here (no container engine); its Dockerfile's text is checked for what matters.
 */

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// biome-ignore lint/style/noProcessEnv: child processes find node and kubectl on the runner's PATH, and nothing else of its environment
const PATH = process.env.PATH ?? "";
const ENTRYPOINT = path.join(ROOT, "deploy", "entrypoint.mjs");
/** The image's WORKDIR: the repository's layout under it (checked against the Dockerfile below). */
const IMAGE_ROOT = "/app";
const inImage = (file: string) => path.posix.join(IMAGE_ROOT, path.relative(ROOT, file).split(path.sep).join("/"));

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not exit within 60 s: ${stdout}${stderr}`));
    }, 60_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** As the image runs it: NODE_ENV=production and only what is given (PATH to find node). */
const entrypoint = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [ENTRYPOINT, ...args], { PATH, NODE_ENV: "production", ...env });

// --- the rendered objects, as far as these checks read them ---

type Labels = Record<string, string>;
interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: unknown[];
}
interface Metadata {
  name: string;
  namespace?: string;
  labels?: Labels;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  periodSeconds?: number;
  failureThreshold?: number;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  fsGroup?: number;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
  };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}
interface Volume {
  name: string;
  emptyDir?: object;
  configMap?: { name: string; defaultMode?: number; items?: { key: string; path: string; mode?: number }[] };
  secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string; mode?: number }[] };
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: SecurityContext;
  topologySpreadConstraints?: { topologyKey: string; labelSelector: LabelSelector }[];
  containers: Container[];
  volumes?: Volume[];
}
interface Deployment {
  kind: "Deployment";
  metadata: Metadata;
  spec: { replicas?: number; selector: LabelSelector; template: { metadata: { labels: Labels }; spec: PodSpec } };
}
interface NetworkPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}
interface NetworkRule {
  from?: NetworkPeer[];
  to?: NetworkPeer[];
  ports?: { protocol?: string; port: number }[];
}
interface NetworkPolicy {
  kind: "NetworkPolicy";
  metadata: Metadata;
  spec: { podSelector: LabelSelector; policyTypes: string[]; ingress?: NetworkRule[]; egress?: NetworkRule[] };
}
interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

async function render(overlay: string): Promise<KubeObject[]> {
  const exit = await run("kubectl", ["kustomize", path.join(ROOT, "deploy", "kubernetes", overlay)], {
    PATH,
    HOME: tmpdir(),
  });
  if (exit.code !== 0) {
    throw new Error(`kubectl kustomize ${overlay} failed: ${exit.stderr}`);
  }
  const documents = parseAllDocuments(exit.stdout);
  if (!Array.isArray(documents)) {
    throw new Error("kubectl kustomize printed no documents");
  }
  for (const document of documents) {
    expect(document.errors).toEqual([]);
  }
  return documents.map((document) => document.toJS() as KubeObject).filter(Boolean);
}

const ofKind = <T>(objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind) as unknown as T[];

/** Whether `selector` (matchLabels only; anything else is refused here) selects `labels`. */
function selects(selector: LabelSelector | undefined, labels: Labels): boolean {
  expect(selector?.matchExpressions).toBeUndefined();
  return Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
}

const MEMORY_UNITS: Record<string, number> = { "": 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
function quantity(resource: "cpu" | "memory", text: string): number {
  const match = /^([0-9.]+)(m|Ki|Mi|Gi)?$/.exec(text);
  if (!match) {
    throw new Error(`unreadable ${resource} quantity ${text}`);
  }
  const amount = Number(match[1]);
  return resource === "cpu" ? (match[2] === "m" ? amount / 1000 : amount) : amount * MEMORY_UNITS[match[2] ?? ""]!;
}

// --- what the code says: services, registers that ask the graph, production's required settings ---

interface SubgraphEntry {
  name: string;
  directory?: string;
  envPrefix?: string;
  port?: number;
  local?: boolean;
}
const REGISTERS = (JSON.parse(readFileSync(SUBGRAPHS_FILE, "utf8")) as SubgraphEntry[]).filter(
  (entry): entry is Required<SubgraphEntry> => !entry.local,
);
const SERVICES = ["gateway", ...REGISTERS.map((register) => register.name)];
const DEFINITIONS: Record<
  string,
  Pick<SubgraphDefinition, "name" | "envPrefix" | "defaultPort" | "asksGraph" | "env">
> = Object.fromEntries([population, socialRegistry, healthInsurance, directAid].map((d) => [d.name, d]));

/**
 * What a service lists as "required in production" when started with nothing set: each setting,
 * with the one its message offers instead, if any (`X: required in production (or Y): …`).
 */
async function requiredInProduction(service: string): Promise<string[][]> {
  const exit = await entrypoint([service]);
  expect(exit.code).toBe(2);
  return [...exit.stderr.matchAll(/^\s+([A-Z][A-Z0-9_]*): required in production(?: \(or ([A-Z][A-Z0-9_]*))?/gm)].map(
    (match) => (match[2] ? [match[1]!, match[2]] : [match[1]!]),
  );
}

/**
 * Stand-ins for what the operator puts in the Secrets and the spx-trust ConfigMap, each valid for
 * its setting, so that the settings can be checked as the services check them. A reference to
 * anything not listed here fails the test: a new Secret key must be documented (README) and added.
 */
async function standIns(): Promise<Record<string, string>> {
  const attestation = await generateSigningKey();
  return {
    "spx-redis/url": "redis://redis.invalid:6379",
    "spx-gateway/access-log-database-url": "postgresql://spx@access-log.invalid/access_log",
    "spx-gateway/rate-limit-key": "r".repeat(48),
    "spx-gateway/token-secret": "(a file)",
    "spx-trust/issuers.json": "(a file)",
    "spx-trust/attestation-jwks.json": JSON.stringify({ keys: [attestation.key.publicJwk] }),
    "spx-trust/access-log-origin": "exchange.invalid/access-log",
    "spx-trust/access-log-witnesses.json": accessLogWitnessesSetting("http://witness.invalid"),
    "spx-population/token-keys": "(a file)",
    "spx-population/database-url": "postgresql://spx@population.invalid/population",
    "spx-social-registry/token-keys": "(a file)",
    "spx-social-registry/database-url": "postgresql://spx@social-registry.invalid/social_registry",
    "spx-social-registry/client-secret": "stand-in",
    "spx-social-registry/attestation-signing-key": JSON.stringify(attestation.privateJwk),
    "spx-health-insurance/token-keys": "(a file)",
    "spx-health-insurance/database-url": "postgresql://spx@health-insurance.invalid/health_insurance",
    "spx-health-insurance/client-secret": "stand-in",
    "spx-direct-aid/token-keys": "(a file)",
    "spx-direct-aid/database-url": "postgresql://spx@direct-aid.invalid/direct_aid",
    "spx-direct-aid/client-secret": "stand-in",
  };
}

/** The environment a container gets: its values, its ConfigMaps' (as rendered), the stand-ins for the rest. */
function environmentOf(container: Container, objects: KubeObject[], external: Record<string, string>) {
  const configMaps = new Map(ofKind<KubeObject>(objects, "ConfigMap").map((cm) => [cm.metadata.name, cm.data ?? {}]));
  const lookup = (kind: "Secret" | "ConfigMap", name: string, key: string): string => {
    const rendered = kind === "ConfigMap" ? configMaps.get(name)?.[key] : undefined;
    const value = rendered ?? external[`${name}/${key}`];
    if (value === undefined) {
      throw new Error(`${container.name}: ${kind} ${name} key ${key} is neither rendered nor a documented stand-in`);
    }
    return value;
  };
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    expect(from.secretRef).toBeUndefined();
    const data = configMaps.get(from.configMapRef?.name ?? "");
    expect(data).toBeDefined();
    Object.assign(env, data);
  }
  for (const variable of container.env ?? []) {
    const { secretKeyRef, configMapKeyRef } = variable.valueFrom ?? {};
    expect(secretKeyRef?.optional ?? configMapKeyRef?.optional).toBeFalsy();
    env[variable.name] = secretKeyRef
      ? lookup("Secret", secretKeyRef.name, secretKeyRef.key)
      : configMapKeyRef
        ? lookup("ConfigMap", configMapKeyRef.name, configMapKeyRef.key)
        : (variable.value ?? "");
  }
  return env;
}

/** A setting given as a value, in the container's env or its ConfigMaps (as rendered). */
function plainSetting(container: Container, objects: KubeObject[], name: string): string | undefined {
  const own = container.env?.find((variable) => variable.name === name);
  if (own) {
    return own.value;
  }
  const configMaps = ofKind<KubeObject>(objects, "ConfigMap");
  return (container.envFrom ?? [])
    .map((from) => configMaps.find((cm) => cm.metadata.name === from.configMapRef?.name)?.data?.[name])
    .findLast((value) => value !== undefined);
}

/** The settings' own check, as each service runs it at start-up; its problems, none if accepted. */
function settingsProblems(service: string, env: Record<string, string>): string[] {
  try {
    if (service === "gateway") {
      loadEnv(env);
    } else {
      subgraphSettings(DEFINITIONS[service]!, env);
    }
    return [];
  } catch (error) {
    if (error instanceof EnvError) {
      return error.issues;
    }
    throw error;
  }
}

describe.each(["base", "overlays/production"])("kubectl kustomize deploy/kubernetes/%s", (overlay) => {
  let objects: KubeObject[];
  let deployments: Deployment[];
  const production = overlay === "overlays/production";

  beforeAll(async () => {
    objects = await render(overlay);
    deployments = ofKind<Deployment>(objects, "Deployment");
  });

  const deployment = (name: string) => {
    const found = deployments.find((d) => d.metadata.name === name);
    expect(found).toBeDefined();
    return found!;
  };

  it("has a Deployment for the gateway and each register, running that service of the one image", () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual([...SERVICES].sort());
    const images = new Set<string>();
    for (const d of deployments) {
      const [container, ...others] = d.spec.template.spec.containers;
      expect(others).toEqual([]);
      expect(container!.args).toEqual([d.metadata.name]);
      images.add(container!.image);
      expect(d.metadata.labels?.["app.kubernetes.io/name"]).toBe(d.metadata.name);
      expect(d.metadata.labels?.["app.kubernetes.io/part-of"]).toBe("social-protection-exchange");
      expect(selects(d.spec.selector, d.spec.template.metadata.labels)).toBe(true);
    }
    expect(images.size).toBe(1);
    if (production) {
      // Pinned: a tag other than latest, or a digest.
      expect([...images][0]).toMatch(/^[^:@]+(:(?!latest$)[\w.-]+|@sha256:[0-9a-f]{64})$/);
      for (const d of deployments) {
        expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
      }
    }
  });

  it("probes every container: started on /healthz, ready on /readyz (the gateway on its own), alive on /healthz, on its own port", () => {
    for (const d of deployments) {
      for (const container of d.spec.template.spec.containers) {
        const portNames = (container.ports ?? []).map((p) => p.name);
        // A register down must not take every gateway out of its Service (README, "Deployment").
        const ready = d.metadata.name === "gateway" ? "/readyz?scope=gateway" : "/readyz";
        for (const [probe, path] of [
          [container.startupProbe, "/healthz"],
          [container.readinessProbe, ready],
          [container.livenessProbe, "/healthz"],
        ] as const) {
          expect(probe?.httpGet?.path).toBe(path);
          expect(portNames).toContain(probe?.httpGet?.port);
        }
        const register = REGISTERS.find((r) => r.name === d.metadata.name);
        expect(container.ports?.[0]?.containerPort).toBe(register?.port ?? 4000);
      }
    }
  });

  it("runs every container as a non-root user on a read-only root filesystem, with nothing more allowed", () => {
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
      // Service links would set <SERVICE>_PORT=tcp://…, which the services read as their port.
      expect(pod.enableServiceLinks).toBe(false);
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.seccompProfile?.type).toBe("RuntimeDefault");
      for (const container of pod.containers) {
        const security = container.securityContext;
        expect(security?.runAsNonRoot).toBe(true);
        expect(security?.runAsUser).toBe(IMAGE_USER);
        expect(security?.readOnlyRootFilesystem).toBe(true);
        expect(security?.allowPrivilegeEscalation).toBe(false);
        expect(security?.capabilities?.drop).toEqual(["ALL"]);
        expect(security?.capabilities?.add).toBeUndefined();
        expect(security?.seccompProfile?.type).toBe("RuntimeDefault");
        // The only writable place is /tmp, an emptyDir.
        const tmp = container.volumeMounts?.find((mount) => mount.mountPath === "/tmp");
        expect(pod.volumes?.find((volume) => volume.name === tmp?.name)?.emptyDir).toBeDefined();
        for (const mount of container.volumeMounts ?? []) {
          expect(mount.mountPath === "/tmp" || mount.readOnly === true).toBe(true);
        }
      }
      // Mounted files belong to root: the service reads them as "other", or through fsGroup.
      for (const volume of pod.volumes ?? []) {
        const source = volume.secret ?? volume.configMap;
        for (const mode of [source?.defaultMode, ...(source?.items ?? []).map((item) => item.mode)]) {
          const effective = mode ?? 0o644;
          const readable =
            (effective & 0o004) !== 0 || ((effective & 0o040) !== 0 && pod.securityContext?.fsGroup !== undefined);
          expect([d.metadata.name, volume.name, readable]).toEqual([d.metadata.name, volume.name, true]);
        }
      }
    }
  });

  it("sets requests and limits on every container, requests within limits", () => {
    for (const d of deployments) {
      for (const container of d.spec.template.spec.containers) {
        for (const resource of ["cpu", "memory"] as const) {
          const request = container.resources?.requests?.[resource];
          const limit = container.resources?.limits?.[resource];
          expect([d.metadata.name, resource, typeof request, typeof limit]).toEqual([
            d.metadata.name,
            resource,
            "string",
            "string",
          ]);
          expect(quantity(resource, request!)).toBeLessThanOrEqual(quantity(resource, limit!));
        }
        if (production) {
          expect(container.resources?.limits?.memory).toBe(container.resources?.requests?.memory);
        }
      }
    }
  });

  it("lets a stopping pod drain: the grace period outlasts the preStop pause and SHUTDOWN_GRACE_SECONDS", () => {
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      for (const container of pod.containers) {
        const grace = Number(plainSetting(container, objects, "SHUTDOWN_GRACE_SECONDS"));
        expect(grace).toBeGreaterThan(0);
        const pause = /setTimeout\(\(\) => \{\}, (\d+)\)/.exec(
          container.lifecycle?.preStop?.exec?.command.join(" ") ?? "",
        );
        expect(pause).not.toBeNull();
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(grace + Number(pause![1]) / 1000);
      }
    }
  });

  it("spreads each Deployment's pods across nodes", () => {
    for (const d of deployments) {
      const spread = d.spec.template.spec.topologySpreadConstraints?.find(
        (c) => c.topologyKey === "kubernetes.io/hostname",
      );
      expect(spread).toBeDefined();
      expect(selects(spread!.labelSelector, d.spec.template.metadata.labels)).toBe(true);
    }
  });

  it("has a Service, a PodDisruptionBudget and a CPU HorizontalPodAutoscaler per Deployment, each matching it", () => {
    const services = ofKind<KubeObject & { spec: { selector: Labels; ports: { targetPort: string }[] } }>(
      objects,
      "Service",
    );
    const budgets = ofKind<
      KubeObject & { spec: { selector: LabelSelector; maxUnavailable?: number; minAvailable?: number } }
    >(objects, "PodDisruptionBudget");
    const autoscalers = ofKind<
      KubeObject & {
        spec: {
          scaleTargetRef: { apiVersion: string; kind: string; name: string };
          minReplicas: number;
          maxReplicas: number;
          metrics: { type: string; resource?: { name: string } }[];
        };
      }
    >(objects, "HorizontalPodAutoscaler");
    for (const d of deployments) {
      const labels = d.spec.template.metadata.labels;
      const service = services.filter((s) => selects({ matchLabels: s.spec.selector }, labels));
      expect(service.map((s) => s.metadata.name)).toEqual([d.metadata.name]);
      expect(service[0]!.spec.ports.map((p) => p.targetPort)).toEqual(["http"]);
      const budget = budgets.filter((b) => selects(b.spec.selector, labels));
      expect(budget).toHaveLength(1);
      expect(budget[0]!.apiVersion).toBe("policy/v1");
      // A node can still be drained: the budget allows one pod down at the Deployment's size.
      const { maxUnavailable, minAvailable } = budget[0]!.spec;
      expect(maxUnavailable !== undefined ? maxUnavailable >= 1 : (minAvailable ?? 0) < (d.spec.replicas ?? 1)).toBe(
        true,
      );
      const autoscaler = autoscalers.filter(
        (a) => a.spec.scaleTargetRef.kind === "Deployment" && a.spec.scaleTargetRef.name === d.metadata.name,
      );
      expect(autoscaler).toHaveLength(1);
      const hpa = autoscaler[0]!;
      expect(hpa.apiVersion).toBe("autoscaling/v2");
      expect(hpa.spec.scaleTargetRef.apiVersion).toBe("apps/v1");
      expect(hpa.spec.metrics.map((m) => m.resource?.name)).toContain("cpu");
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(d.spec.replicas ?? 1);
      if (production) {
        expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      }
    }
    // Nothing left over that selects no Deployment.
    expect(budgets).toHaveLength(deployments.length);
    expect(autoscalers).toHaveLength(deployments.length);
  });

  describe("network policies", () => {
    let policies: NetworkPolicy[];
    beforeAll(() => {
      policies = ofKind<NetworkPolicy>(objects, "NetworkPolicy");
    });
    const podLabels = (name: string) => deployment(name).spec.template.metadata.labels;
    // Prometheus's scrape of /metrics is the one other way in, checked on its own below.
    const SCRAPE = "metrics-scrape";
    const rulesFor = (name: string, type: "Ingress" | "Egress") =>
      policies
        .filter((p) => p.spec.policyTypes.includes(type) && selects(p.spec.podSelector, podLabels(name)))
        .filter((p) => type === "Egress" || p.metadata.name !== SCRAPE)
        .flatMap((p) => (type === "Ingress" ? p.spec.ingress : p.spec.egress) ?? []);

    /** What an egress peer is, in the terms of the design: a database, Redis, DNS, a service, … */
    function destination(peer: NetworkPeer, policy: string): string {
      // Outside the cluster, by address: the policy says whose (the identity provider, the witnesses).
      if (peer.ipBlock) {
        expect(["identity-provider-egress", "witness-egress"]).toContain(policy);
        return policy.replace(/-egress$/, "");
      }
      if (peer.namespaceSelector) {
        expect(peer.namespaceSelector.matchLabels).toEqual({ "kubernetes.io/metadata.name": "kube-system" });
        expect(peer.podSelector?.matchLabels).toEqual({ "k8s-app": "kube-dns" });
        return "dns";
      }
      const labels = peer.podSelector?.matchLabels ?? {};
      // An empty selector would be every pod of the namespace.
      expect(Object.keys(labels).length).toBeGreaterThan(0);
      if (labels["spx/database"]) {
        return `database:${labels["spx/database"]}`;
      }
      const service = SERVICES.find((s) => selects(peer.podSelector, podLabels(s)));
      return service ?? labels["app.kubernetes.io/name"] ?? JSON.stringify(labels);
    }
    const destinations = (name: string) =>
      new Set(
        policies
          .filter((p) => p.spec.policyTypes.includes("Egress") && selects(p.spec.podSelector, podLabels(name)))
          .flatMap((p) =>
            (p.spec.egress ?? []).flatMap((rule) => {
              // A rule without `to` allows every destination.
              expect(rule.to?.length).toBeGreaterThan(0);
              return rule.to!.map((peer) => destination(peer, p.metadata.name));
            }),
          ),
      );

    it("deny everything by default, in and out", () => {
      const deny = policies.filter((p) => Object.keys(p.spec.podSelector).length === 0);
      expect(deny).toHaveLength(1);
      expect([...deny[0]!.spec.policyTypes].sort()).toEqual(["Egress", "Ingress"]);
      expect(deny[0]!.spec.ingress).toBeUndefined();
      expect(deny[0]!.spec.egress).toBeUndefined();
    });

    it("let only Prometheus, from the namespace monitoring, scrape every service on its own port", () => {
      const scrape = policies.filter((p) => p.metadata.name === SCRAPE);
      expect(scrape).toHaveLength(1);
      expect(scrape[0]!.spec.policyTypes).toEqual(["Ingress"]);
      const rules = scrape[0]!.spec.ingress ?? [];
      expect(rules).toHaveLength(1);
      expect(rules[0]!.from).toEqual([
        {
          namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
          podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
        },
      ]);
      for (const service of SERVICES) {
        expect(selects(scrape[0]!.spec.podSelector, podLabels(service))).toBe(true);
        const port = deployment(service).spec.template.spec.containers[0]!.ports?.[0]?.containerPort;
        expect(rules[0]!.ports).toContainEqual({ protocol: "TCP", port });
      }
    });

    it("let anyone reach the gateway, on its port only", () => {
      const rules = rulesFor("gateway", "Ingress");
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.ports).toEqual([{ protocol: "TCP", port: 4000 }]);
      }
    });

    it.each(REGISTERS.map((r) => [r.name, r.port] as const))("let only the gateway's pods reach %s", (name, port) => {
      const rules = rulesFor(name, "Ingress");
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.from?.length).toBeGreaterThan(0);
        for (const peer of rule.from!) {
          expect(peer.ipBlock).toBeUndefined();
          expect(peer.namespaceSelector).toBeUndefined();
          expect(Object.keys(peer.podSelector?.matchLabels ?? {}).length).toBeGreaterThan(0);
          expect(selects(peer.podSelector, podLabels("gateway"))).toBe(true);
          for (const other of SERVICES.filter((s) => s !== "gateway")) {
            expect(selects(peer.podSelector, podLabels(other))).toBe(false);
          }
        }
        expect(rule.ports).toEqual([{ protocol: "TCP", port }]);
      }
    });

    it.each(REGISTERS.map((r) => r.name))(
      "let %s reach only its own database, Redis, DNS and the collector (and the gateway and the identity provider if it asks the graph)",
      (name) => {
        // No register fetches anything to verify the gateway's tokens: each holds its own key.
        const expected = ["dns", `database:${name}`, "redis", "opentelemetry-collector"];
        if (DEFINITIONS[name]!.asksGraph) {
          expected.push("gateway", "identity-provider");
        }
        expect([...destinations(name)].sort()).toEqual(expected.sort());
      },
    );

    it("let the gateway reach the registers, the access log's database and witnesses, Redis, DNS, the collector and the identity provider", () => {
      expect([...destinations("gateway")].sort()).toEqual(
        [
          ...REGISTERS.map((r) => r.name),
          "database:access-log",
          "redis",
          "dns",
          "opentelemetry-collector",
          "identity-provider",
          "witness",
        ].sort(),
      );
    });

    it("allow each destination on its port alone", () => {
      for (const policy of policies) {
        for (const rule of [...(policy.spec.ingress ?? []), ...(policy.spec.egress ?? [])]) {
          expect(rule.ports?.length).toBeGreaterThan(0);
        }
      }
    });
  });

  it("mounts ConfigMaps made from the committed schema/ files where the services read them", () => {
    const configMaps = ofKind<KubeObject>(objects, "ConfigMap");
    const byName = (prefix: string) => {
      const found = configMaps.filter((cm) => cm.metadata.name.startsWith(`${prefix}-`));
      expect(found).toHaveLength(1);
      return found[0]!;
    };
    const schema = byName("spx-schema");
    expect(schema.data).toEqual({
      [path.basename(SUPERGRAPH_FILE)]: readFileSync(SUPERGRAPH_FILE, "utf8"),
      [path.basename(AGENCY_CATALOGUE_FILE)]: readFileSync(AGENCY_CATALOGUE_FILE, "utf8"),
    });
    const documents = byName("spx-trusted-documents");
    const committed = readdirSync(TRUSTED_DOCUMENTS_DIR).filter((name) => name.endsWith(".json"));
    expect(Object.keys(documents.data ?? {}).sort()).toEqual(committed.sort());
    for (const name of committed) {
      expect(documents.data?.[name]).toBe(readFileSync(path.join(TRUSTED_DOCUMENTS_DIR, name), "utf8"));
    }

    /** Where in the container `key` of ConfigMap `configMap` appears, by the container's mounts. */
    const mountedAt = (d: Deployment, configMap: string, key: string) => {
      const pod = d.spec.template.spec;
      const volumes = (pod.volumes ?? []).filter((v) => v.configMap?.name === configMap);
      return pod.containers[0]!.volumeMounts!.flatMap((mount) => {
        const volume = volumes.find((v) => v.name === mount.name);
        if (!volume) {
          return [];
        }
        const items = volume.configMap?.items;
        const file = items ? items.find((item) => item.key === key)?.path : key;
        if (!file) {
          return [];
        }
        if (mount.subPath !== undefined) {
          return mount.subPath === file ? [mount.mountPath] : [];
        }
        return [path.posix.join(mount.mountPath, file)];
      });
    };
    for (const d of deployments) {
      // Every service reads the agency catalogue at the image's schema/ path (no setting moves it).
      expect(mountedAt(d, schema.metadata.name, "agency-catalogue.json")).toContain(inImage(AGENCY_CATALOGUE_FILE));
    }
    const gateway = deployment("gateway");
    for (const name of committed) {
      expect(mountedAt(gateway, documents.metadata.name, name)).toContain(
        inImage(path.join(TRUSTED_DOCUMENTS_DIR, name)),
      );
    }
    const supergraphPath = gateway.spec.template.spec.containers[0]!.env?.find((v) => v.name === "SUPERGRAPH_PATH");
    expect(mountedAt(gateway, schema.metadata.name, "supergraph.graphql")).toContain(supergraphPath?.value);
  });
});

// The base is not deployable alone: the overlay names the identity provider and the clients.
describe("the production overlay's settings", () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await render("overlays/production");
  });

  it.each(SERVICES)(
    "gives %s every setting production requires, each accepted by the service's own check",
    async (service) => {
      const container = ofKind<Deployment>(objects, "Deployment").find((d) => d.metadata.name === service)!.spec
        .template.spec.containers[0]!;
      const external = await standIns();
      const env = environmentOf(container, objects, external);
      expect(env.NODE_ENV).toBe("production");
      // What the service names when nothing is set, each provided (or its alternative)…
      const required = await requiredInProduction(service);
      expect(required.length).toBeGreaterThan(0);
      for (const settings of required) {
        expect([settings, settings.some((setting) => env[setting] !== undefined)]).toEqual([settings, true]);
      }
      // …and the whole environment passes the check the service runs at start-up (conditional
      // requirements included, e.g. RATE_LIMIT_KEY with REDIS_URL).
      expect(settingsProblems(service, env)).toEqual([]);
      // Files named by a setting are in a volume the container mounts.
      const mounts = container.volumeMounts ?? [];
      for (const [setting, value] of Object.entries(env).filter(([name]) => name.endsWith("_FILE"))) {
        expect([setting, mounts.some((mount) => value.startsWith(`${mount.mountPath}/`))]).toEqual([setting, true]);
      }
    },
  );
});

// --- the image's entry point ---

describe("deploy/entrypoint.mjs, as the image runs it (NODE_ENV=production)", () => {
  it.each(SERVICES)("%s with no settings exits 2 naming every missing one, without a stack trace", async (service) => {
    const exit = await entrypoint([service]);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/^Invalid environment:/);
    expect(exit.stderr).toMatch(/^\s+REDIS_URL: required in production/m);
    const prefix = service === "gateway" ? "ACCESS_LOG" : DEFINITIONS[service]!.envPrefix;
    expect(exit.stderr).toMatch(new RegExp(`^\\s+${prefix}_DATABASE_URL: required in production`, "m"));
    expect(exit.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([[["gateway-typo"]], [[]], [["population", "extra"]], [["migrate"]], [["migrate", "nowhere"]]])(
    "refuses %j with exit 2 and the list of services and databases",
    async (args) => {
      const exit = await entrypoint(args);
      expect(exit.code).toBe(2);
      const services = /services: *(.+)$/m.exec(exit.stderr)?.[1]?.split(", ");
      expect(services).toEqual(SERVICES);
      const databases = /databases: *(.+)$/m.exec(exit.stderr)?.[1]?.split(", ");
      expect(databases).toEqual([...REGISTERS.map((r) => r.name), "access-log"]);
      expect(exit.stdout).toBe("");
    },
  );

  it("migrate <register> without its database URL exits 2 naming the setting", async () => {
    const exit = await entrypoint(["migrate", "social-registry"]);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toMatch(/^\s+SOCIAL_REGISTRY_DATABASE_URL: required/m);
  });

  it("migrate <register> applies the register's migrations once, and a second run applies none", async () => {
    const cleanups: (() => Promise<void>)[] = [];
    try {
      const test = await createTestDatabase("deploy_migrate");
      cleanups.push(() => test.drop());
      let url = test.url;
      if (!url) {
        // On the embedded database (no TEST_DATABASE_URL): its PostgreSQL protocol server.
        const dataDir = mkdtempSync(path.join(tmpdir(), "spx-deploy-"));
        const server = await startEmbeddedServer({ dataDir, port: 0 });
        cleanups.push(async () => {
          await server.close();
          rmSync(dataDir, { recursive: true, force: true });
        });
        url = server.urlOf("population");
      }
      const migrations = readdirSync(path.join(ROOT, "subgraphs", "population", "prisma", "migrations"), {
        withFileTypes: true,
      })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
      expect(migrations.length).toBeGreaterThan(0);
      const applied = async () => {
        const exit = await entrypoint(["migrate", "population"], { POPULATION_DATABASE_URL: url! });
        expect([exit.code, exit.stderr]).toEqual([0, ""]);
        const line = JSON.parse(exit.stdout.trim().split("\n").at(-1)!) as { msg: string; applied: string[] };
        expect(line.msg).toBe("migrations applied");
        // The log names the database's host and name, never its credentials.
        expect(exit.stdout).not.toMatch(/postgres(ql)?:\/\/[^/\s"]*@/);
        return line.applied;
      };
      expect(await applied()).toEqual(migrations);
      expect(await applied()).toEqual([]);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const rows = await client.query<{ migration_name: string }>(
          `SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`,
        );
        expect(rows.rows.map((row) => row.migration_name)).toEqual(migrations);
        const tables = await client.query(`SELECT 1 FROM information_schema.tables WHERE table_name = 'person'`);
        expect(tables.rowCount).toBe(1);
      } finally {
        await client.end();
      }
    } finally {
      for (const cleanup of cleanups.reverse()) {
        await cleanup();
      }
    }
  });
});

// --- the image's definition (not built here: no container engine runs on this machine) ---

const DOCKERFILE = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
/** Its instructions, continuation lines joined, comments dropped. */
const instructions = DOCKERFILE.replace(/\\\n/g, " ")
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith("#"));
const stages = instructions.reduce<string[][]>((all, line) => {
  if (/^FROM\s/i.test(line)) {
    all.push([]);
  }
  all.at(-1)?.push(line);
  return all;
}, []);
const runtimeStage = stages.at(-1) ?? [];
const IMAGE_USER = Number(/^USER\s+(\d+)(:\d+)?$/m.exec(runtimeStage.join("\n"))?.[1]);

describe("Dockerfile", () => {
  it("builds in one stage and runs from another, on Node 20", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(stages[0]![0]).toMatch(/^FROM\s+\S+\s+AS\s+build$/i);
    expect(instructions.find((line) => line.startsWith("ARG NODE_IMAGE="))).toMatch(/=node:20[.\d]*-\S*slim/);
    expect(stages[0]!.some((line) => /^RUN npm ci\b/.test(line))).toBe(true);
    expect(stages[0]!.some((line) => /^RUN npm run build$/.test(line))).toBe(true);
  });

  it("installs production dependencies only in the runtime stage, which runs as a numeric non-root user", () => {
    const install = runtimeStage.find((line) => /^RUN npm ci\b/.test(line));
    expect(install).toMatch(/--omit=dev/);
    expect(runtimeStage.some((line) => /^ENV\b.*\bNODE_ENV=production\b/.test(line))).toBe(true);
    expect(IMAGE_USER).toBeGreaterThan(0);
    expect(runtimeStage.indexOf(runtimeStage.find((line) => line.startsWith("USER"))!)).toBeGreaterThan(
      runtimeStage.indexOf(install!),
    );
    expect(runtimeStage).toContain(`WORKDIR ${IMAGE_ROOT}`);
    expect(runtimeStage.at(-1)).toBe(`ENTRYPOINT ["node", "${IMAGE_ROOT}/deploy/entrypoint.mjs"]`);
  });

  it("copies what each register reads at run time: its build, Prisma's generated client, its migrations", () => {
    const copies = runtimeStage.filter((line) => line.startsWith("COPY --from=build")).join("\n");
    for (const register of REGISTERS) {
      for (const part of ["dist", "generated", "prisma/migrations"]) {
        expect(copies).toContain(`/src/${register.directory}/${part} ${register.directory}/${part}`);
      }
    }
    for (const part of ["gateway/dist", "gateway/migrations", "subgraphs/runtime/dist", "schema/trusted-documents"]) {
      expect(copies).toContain(`/src/${part} ${part}`);
    }
  });
});
