/**
 * The container and cluster recipes. No Kubernetes schema validator installs here (kubeconform and helm are
 * not on npm or Debian), so the manifests are checked against the structural rules that matter: known
 * apiVersion/kind pairs, selectors that match their pod labels, probes on paths the server answers, named
 * ports that exist, requests and limits on every container, Secret references to the one Secret, HPAs that
 * target real Deployments with metrics the binary exports. `docker build` runs where a Docker daemon
 * answers, else it skips saying so; the Dockerfile and compose.yaml are checked statically either way.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { createApp } from "../../src/app.js";
import { serveHttp } from "../../src/mcp/http.js";
import { REPO_ROOT, tempHome } from "../mcp/serve-process.js";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML manifests are walked structurally
type Obj = Record<string, any>;
const K8S = join(REPO_ROOT, "deploy/kubernetes");
const KINDS: Record<string, string> = {
  Deployment: "apps/v1",
  Service: "v1",
  HorizontalPodAutoscaler: "autoscaling/v2",
  PodDisruptionBudget: "policy/v1",
  Secret: "v1",
  Kustomization: "kustomize.config.k8s.io/v1beta1",
};

function load(file: string): Obj[] {
  return parseAllDocuments(readFileSync(join(K8S, file), "utf8"))
    .map((d) => {
      expect(d.errors, file).toEqual([]);
      return d.toJS() as Obj;
    })
    .filter(Boolean);
}

const all = readdirSync(K8S)
  .filter((f) => f.endsWith(".yaml"))
  .flatMap((f) => load(f).map((doc) => ({ file: f, doc })));
const of = (kind: string) => all.filter((x) => x.doc.kind === kind).map((x) => x.doc);
const matches = (selector: Obj, labels: Obj) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe("deploy/kubernetes", () => {
  it("has known apiVersion/kind pairs and every resource the kustomization lists", () => {
    for (const { file, doc } of all) {
      expect(KINDS[doc.kind], `${file}: kind ${doc.kind}`).toBeDefined();
      expect(doc.apiVersion, `${file}: ${doc.kind}`).toBe(KINDS[doc.kind]);
      if (doc.kind !== "Kustomization")
        expect(doc.metadata?.name, file).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const [kustomization] = of("Kustomization");
    for (const r of kustomization!.resources as string[]) expect(readdirSync(K8S)).toContain(r);
    expect(kustomization!.resources).not.toContain("secret.example.yaml");
    expect(
      of("Deployment")
        .map((d) => d.metadata.name)
        .sort(),
    ).toEqual(["repowright-serve", "repowright-worker"]);
  });

  it("Deployments: selectors match labels, containers have resources, secrets come from the Secret", () => {
    const secret = of("Secret")[0]!;
    const keys = new Set(Object.keys(secret.stringData ?? secret.data ?? {}));
    for (const d of of("Deployment")) {
      const labels = d.spec.template.metadata.labels;
      expect(matches(d.spec.selector.matchLabels, labels), d.metadata.name).toBe(true);
      for (const c of d.spec.template.spec.containers as Obj[]) {
        expect(c.resources?.requests?.cpu && c.resources?.requests?.memory, d.metadata.name).toBeTruthy();
        expect(c.resources?.limits?.cpu && c.resources?.limits?.memory, d.metadata.name).toBeTruthy();
        expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
        for (const e of (c.env ?? []) as Obj[]) {
          const ref = e.valueFrom?.secretKeyRef;
          if (!ref) continue;
          expect(ref.name).toBe(secret.metadata.name);
          expect(keys, `${d.metadata.name}: ${e.name}`).toContain(ref.key);
        }
        const env = Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e.value ?? "<secret>"]));
        expect(env["REPOWRIGHT_STORE"]).toBe("redis");
        expect(env["REDIS_URL"]).toBe("<secret>");
        expect(env["REPOWRIGHT_AUTH_JWT_SECRET"]).toBe("<secret>");
      }
      expect(d.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
  });

  it("the HTTP service is stateless on Redis with readiness on /readyz and liveness on /healthz, which answer", async () => {
    const serve = of("Deployment").find((d) => d.metadata.name === "repowright-serve")!;
    const c = serve.spec.template.spec.containers[0] as Obj;
    expect(c.args).toContain("--stateless");
    expect(c.args.slice(0, 1)).toEqual(["serve"]);
    const portNames = new Set((c.ports as Obj[]).map((p) => p.name));
    expect(c.readinessProbe.httpGet.path).toBe("/readyz");
    expect(c.livenessProbe.httpGet.path).toBe("/healthz");
    expect(portNames).toContain(c.readinessProbe.httpGet.port);
    expect(portNames).toContain(c.livenessProbe.httpGet.port);
    const port = (c.ports as Obj[])[0]!.containerPort;
    expect(c.args[c.args.indexOf("--port") + 1]).toBe(String(port));
    // The probe paths really answer 200 on a server started the same way.
    const app = await createApp({
      env: { REPOWRIGHT_HOME: tempHome(), REPOWRIGHT_LOG_LEVEL: "silent", REPOWRIGHT_QUEUE: "sqlite" },
      toolsets: [],
    });
    const http = await serveHttp(app.host, { host: "127.0.0.1", port: 0, stateless: true, allowedHosts: [] });
    try {
      const origin = http.url.replace(/\/mcp$/, "");
      for (const p of [c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path])
        expect((await fetch(origin + p)).status, p).toBe(200);
    } finally {
      await http.close();
      await app.close();
    }
    const [service] = of("Service");
    expect(matches(service!.spec.selector, serve.spec.template.metadata.labels)).toBe(true);
    expect(portNames).toContain(service!.spec.ports[0].targetPort);
  });

  it("HPAs target the Deployments on CPU, memory and exported custom metrics; PDBs select real pods", () => {
    const deployments = new Map(of("Deployment").map((d) => [d.metadata.name, d]));
    const exported = ["repowright_http_sessions", "repowright_queue_jobs"];
    for (const h of of("HorizontalPodAutoscaler")) {
      expect(h.spec.scaleTargetRef.kind).toBe("Deployment");
      expect(deployments.has(h.spec.scaleTargetRef.name)).toBe(true);
      const types = (h.spec.metrics as Obj[]).map((m) => (m.type === "Resource" ? m.resource.name : m.type));
      expect(types).toEqual(expect.arrayContaining(["cpu", "memory"]));
      const custom = (h.spec.metrics as Obj[]).filter((m) => m.type === "Pods" || m.type === "External");
      expect(custom.length).toBeGreaterThan(0);
      for (const m of custom) expect(exported).toContain((m.pods ?? m.external).metric.name);
      expect(h.spec.minReplicas).toBeLessThanOrEqual(h.spec.maxReplicas);
    }
    const pdbs = of("PodDisruptionBudget");
    expect(pdbs).toHaveLength(2);
    for (const p of pdbs) {
      expect(
        [...deployments.values()].some((d) =>
          matches(p.spec.selector.matchLabels, d.spec.template.metadata.labels),
        ),
      ).toBe(true);
      expect((p.spec.minAvailable ?? p.spec.maxUnavailable) !== undefined).toBe(true);
    }
  });
});

describe("Dockerfile and compose.yaml", () => {
  const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");

  it("builds in a build stage, runs as non-root with a /healthz HEALTHCHECK", () => {
    const stages = [...dockerfile.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    expect(stages).toEqual(["build", "runtime"]);
    const runtime = dockerfile.slice(dockerfile.indexOf("AS runtime"));
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(runtime).not.toMatch(/g\+\+|make /);
    expect(dockerfile.slice(0, dockerfile.indexOf("AS runtime"))).toMatch(/npm ci/);
    expect(readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8")).toMatch(/^node_modules$/m);
  });

  it("compose runs serve, workers and Redis with the shared settings", () => {
    const compose = parse(readFileSync(join(REPO_ROOT, "compose.yaml"), "utf8"), { merge: true }) as Obj;
    expect(Object.keys(compose.services).sort()).toEqual(["redis", "serve", "worker"]);
    expect(compose.services.serve.command).toContain("--stateless");
    expect(compose.services.worker.command).toEqual(["worker"]);
    for (const s of ["serve", "worker"]) {
      expect(compose.services[s].environment.REDIS_URL).toBe("redis://redis:6379");
      expect(compose.services[s].depends_on.redis.condition).toBe("service_healthy");
    }
  });

  it("docker build succeeds (where a Docker daemon answers)", (ctx) => {
    const info = spawnSync("docker", ["info"], { encoding: "utf8" });
    if (info.status !== 0) {
      ctx.skip(
        `no Docker daemon here (docker info: ${(info.stderr || info.error?.message || "").trim().split("\n").at(-1)}): docker build not exercised`,
      );
      return;
    }
    execFileSync("docker", ["build", "-t", "repowright:test", REPO_ROOT], {
      stdio: "inherit",
      timeout: 900_000,
    });
    const compose = spawnSync("docker", ["compose", "config", "-q"], {
      cwd: REPO_ROOT,
      env: { ...process.env, REPOWRIGHT_AUTH_JWT_SECRET: "x".repeat(32) },
    });
    if (compose.status === 0 || !/unknown command/.test(String(compose.stderr)))
      expect(compose.status).toBe(0);
  }, 900_000);
});
