/**
 * Extracts, from GitHub's OpenAPI description, the response schemas of the endpoints the GitHub emulator
 * serves, with every component they reference, into a small committed fixture
 * (test/fixtures/github-openapi/schemas.json) that the emulator's tests validate against with ajv.
 *
 * @octokit/openapi is 385 MB, so it is never a project dependency. To refresh the fixture:
 *   npm install --prefix /tmp/octo @octokit/openapi
 *   npx tsx scripts/extract-github-schemas.ts /tmp/octo/node_modules/@octokit/openapi
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** "METHOD path status" of every response the emulator's schema tests check. */
export const OPERATIONS = [
  "GET /repos/{owner}/{repo} 200",
  "GET /repos/{owner}/{repo}/branches 200",
  "GET /repos/{owner}/{repo}/branches/{branch} 200",
  "GET /repos/{owner}/{repo}/git/ref/{ref} 200",
  "POST /repos/{owner}/{repo}/git/refs 201",
  "PATCH /repos/{owner}/{repo}/git/refs/{ref} 200",
  "POST /repos/{owner}/{repo}/git/blobs 201",
  "GET /repos/{owner}/{repo}/git/blobs/{file_sha} 200",
  "POST /repos/{owner}/{repo}/git/trees 201",
  "GET /repos/{owner}/{repo}/git/trees/{tree_sha} 200",
  "POST /repos/{owner}/{repo}/git/commits 201",
  "GET /repos/{owner}/{repo}/git/commits/{commit_sha} 200",
  "GET /repos/{owner}/{repo}/contents/{path} 200",
  "PUT /repos/{owner}/{repo}/contents/{path} 201",
  "DELETE /repos/{owner}/{repo}/contents/{path} 200",
  "GET /repos/{owner}/{repo}/commits 200",
  "GET /repos/{owner}/{repo}/commits/{ref} 200",
  "GET /repos/{owner}/{repo}/compare/{basehead} 200",
  "GET /repos/{owner}/{repo}/issues 200",
  "POST /repos/{owner}/{repo}/issues 201",
  "GET /repos/{owner}/{repo}/issues/{issue_number} 200",
  "PATCH /repos/{owner}/{repo}/issues/{issue_number} 200",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments 200",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments 201",
  "GET /repos/{owner}/{repo}/issues/comments/{comment_id} 200",
  "PATCH /repos/{owner}/{repo}/issues/comments/{comment_id} 200",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/labels 200",
  "DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name} 200",
  "GET /repos/{owner}/{repo}/labels 200",
  "GET /repos/{owner}/{repo}/collaborators/{username}/permission 200",
  "GET /search/issues 200",
  "GET /search/code 200",
  "GET /search/repositories 200",
  "GET /repos/{owner}/{repo}/pulls 200",
  "POST /repos/{owner}/{repo}/pulls 201",
  "GET /repos/{owner}/{repo}/pulls/{pull_number} 200",
  "PATCH /repos/{owner}/{repo}/pulls/{pull_number} 200",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/files 200",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/commits 200",
  "PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge 200",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200",
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments 200",
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers 201",
  "PUT /repos/{owner}/{repo}/pulls/{pull_number}/update-branch 202",
  "GET /repos/{owner}/{repo}/actions/workflows 200",
  "GET /repos/{owner}/{repo}/actions/runs 200",
  "GET /repos/{owner}/{repo}/actions/runs/{run_id} 200",
  "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs 200",
  "GET /repos/{owner}/{repo}/actions/jobs/{job_id} 200",
  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs 200",
  "POST /repos/{owner}/{repo}/statuses/{sha} 201",
  "GET /repos/{owner}/{repo}/commits/{ref}/status 200",
];

type Json = Record<string, unknown>;

function main(): void {
  const pkgDir = process.argv[2] ?? "/tmp/octo/node_modules/@octokit/openapi";
  const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8")) as { version: string };
  const spec = JSON.parse(readFileSync(join(pkgDir, "generated", "api.github.com.json"), "utf8")) as {
    info: { version: string };
    paths: Record<string, Record<string, Json>>;
    components: Record<string, Record<string, Json>>;
  };
  const out: Json = {};
  const schemas: Record<string, unknown> = {};
  const resolveRef = (ref: string): Json => {
    const [, , kind, name] = ref.split("/");
    return spec.components[kind!]![name!] as Json;
  };
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) collect(n);
      return;
    }
    if (!node || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")) {
        const name = v.slice("#/components/schemas/".length);
        if (!(name in schemas)) {
          schemas[name] = resolveRef(v);
          collect(schemas[name]);
        }
      } else collect(v);
    }
  };
  for (const op of OPERATIONS) {
    const [method, path, status] = op.split(" ");
    const operation = spec.paths[path!]?.[method!.toLowerCase()];
    if (!operation) throw new Error(`${method} ${path} is not in the description`);
    let response = (operation["responses"] as Record<string, Json>)[status!];
    if (!response) throw new Error(`${op}: no ${status} response`);
    if (typeof response["$ref"] === "string") response = resolveRef(response["$ref"]);
    const schema = (response["content"] as Record<string, { schema: Json }> | undefined)?.["application/json"]
      ?.schema;
    if (!schema) throw new Error(`${op}: no JSON schema`);
    collect(schema);
    out[op] = schema;
  }
  // Documentation and examples are not needed to validate: drop them to keep the fixture small.
  const prune = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(prune);
    if (!node || typeof node !== "object") return node;
    const o: Json = {};
    for (const [k, v] of Object.entries(node)) {
      // "description" and "title" are also property names: only their string (documentation) form goes.
      if ((k === "description" || k === "title") && typeof v === "string") continue;
      if (k === "example" || k === "examples") continue;
      o[k] = prune(v);
    }
    return o;
  };
  for (const k of Object.keys(out)) out[k] = prune(out[k]);
  for (const k of Object.keys(schemas)) schemas[k] = prune(schemas[k]);
  const fixture = {
    $comment: `Extracted by scripts/extract-github-schemas.ts from @octokit/openapi ${pkg.version} (generated/api.github.com.json, GitHub REST API ${spec.info.version}); responses of the endpoints the GitHub emulator serves, with the components they reference. Do not edit by hand.`,
    source: {
      package: "@octokit/openapi",
      version: pkg.version,
      file: "generated/api.github.com.json",
      api_version: spec.info.version,
    },
    operations: out,
    components: { schemas },
  };
  const file = join(process.cwd(), "test", "fixtures", "github-openapi", "schemas.json");
  writeFileSync(file, `${JSON.stringify(fixture)}\n`);
  process.stdout.write(
    `${OPERATIONS.length} operations, ${Object.keys(schemas).length} components -> ${file}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
