/**
 * Extracts, from Atlassian's published OpenAPI descriptions of Jira Cloud (the platform REST API v3,
 * `swagger-v3.v3.json`, and Jira Software's agile API, `swagger.v3.json`), the response schemas of the
 * endpoints the Jira emulator serves, with every component they reference, into a small committed fixture
 * (test/fixtures/jira-openapi/schemas.json) that test/jira/emulator-schemas.test.ts validates the
 * emulator's responses against with ajv. Descriptions and examples are dropped.
 *
 * The two descriptions are several MB, so they are never committed. To refresh the fixture, download them
 * (https://developer.atlassian.com/cloud/jira/platform/swagger-v3.v3.json and
 * https://developer.atlassian.com/cloud/jira/software/swagger.v3.json, or the copies named in
 * test/fixtures/jira-openapi/README.md) and run
 *   npx tsx scripts/extract-jira-schemas.ts PLATFORM.json SOFTWARE.json
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * "METHOD path status" of every response the schema test checks. Some agile operations publish no
 * response schema, only the component it is: `=> Name` validates against that component, `=> page of
 * Name` against a page (`values`) of it.
 */
export const OPERATIONS = [
  "GET /rest/api/3/myself 200",
  "POST /rest/api/3/search/jql 200",
  "GET /rest/api/3/field 200",
  "GET /rest/api/3/project/search 200",
  "GET /rest/api/3/project/{projectIdOrKey}/versions 200",
  "POST /rest/api/3/version 201",
  "GET /rest/api/3/project/{projectIdOrKey}/components 200",
  "GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes 200",
  "GET /rest/api/3/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId} 200",
  "GET /rest/api/3/user/search 200",
  "POST /rest/api/3/issue 201",
  "POST /rest/api/3/issue/bulk 201",
  "GET /rest/api/3/issue/{issueIdOrKey} 200",
  "GET /rest/api/3/issue/{issueIdOrKey}/transitions 200",
  "GET /rest/api/3/issue/{issueIdOrKey}/comment 200",
  "POST /rest/api/3/issue/{issueIdOrKey}/comment 201",
  "GET /rest/api/3/issue/{issueIdOrKey}/worklog 200",
  "POST /rest/api/3/issue/{issueIdOrKey}/worklog 201",
  "GET /rest/api/3/issue/{issueIdOrKey}/watchers 200",
  "GET /rest/api/3/attachment/{id} 200",
  "GET /rest/agile/1.0/board 200",
  "GET /rest/agile/1.0/board/{boardId} 200",
  "GET /rest/agile/1.0/board/{boardId}/sprint 200 => page of SprintBean",
  "GET /rest/agile/1.0/board/{boardId}/backlog 200",
  "POST /rest/agile/1.0/sprint 201 => SprintBean",
  "GET /rest/agile/1.0/sprint/{sprintId} 200 => SprintBean",
  "POST /rest/agile/1.0/sprint/{sprintId} 200 => SprintBean",
  "GET /rest/agile/1.0/sprint/{sprintId}/issue 200 => SearchResults",
];

type Json = Record<string, unknown>;
interface Spec {
  info: { version: string };
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

/** Documentation is not needed to validate: strings under description/title and examples go. */
function prune(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(prune);
  if (!node || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(["description", "title"].includes(k) && typeof v === "string"))
      .filter(([k]) => k !== "example" && k !== "examples")
      .map(([k, v]) => [k, prune(v)]),
  );
}

function main(): void {
  const [platformFile, softwareFile] = process.argv.slice(2);
  if (!platformFile || !softwareFile)
    throw new Error("usage: extract-jira-schemas.ts PLATFORM.json SOFTWARE.json");
  const platform = JSON.parse(readFileSync(platformFile, "utf8")) as Spec;
  const software = JSON.parse(readFileSync(softwareFile, "utf8")) as Spec;
  const operations: Json = {};
  // Components are named per description ("platform:IssueBean", "agile:IssueBean"): they differ.
  const schemas: Record<string, unknown> = {};
  const rename = (node: unknown, ns: string, spec: Spec): unknown => {
    if (Array.isArray(node)) return node.map((n) => rename(n, ns, spec));
    if (!node || typeof node !== "object") return node;
    const o: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")) {
        const name = v.slice("#/components/schemas/".length);
        const qualified = `${ns}.${name}`;
        if (!(qualified in schemas)) {
          schemas[qualified] = {};
          schemas[qualified] = rename(spec.components.schemas[name], ns, spec);
        }
        o[k] = `#/components/schemas/${qualified}`;
      } else o[k] = rename(v, ns, spec);
    }
    return o;
  };
  for (const op of OPERATIONS) {
    const [head, component] = op.split(" => ");
    const [method, path, status] = head!.split(" ");
    const agile = path!.startsWith("/rest/agile/");
    const spec = agile ? software : platform;
    const ns = agile ? "agile" : "platform";
    const operation = spec.paths[path!]?.[method!.toLowerCase()];
    if (!operation) throw new Error(`${method} ${path} is not in the description`);
    const response = (operation["responses"] as Record<string, Json>)[status!];
    if (!response) throw new Error(`${op}: no ${status} response`);
    let schema = (response["content"] as Record<string, { schema?: Json }> | undefined)?.["application/json"]
      ?.schema;
    if (component) {
      const page = component.startsWith("page of ");
      const name = page ? component.slice("page of ".length) : component;
      if (!spec.components.schemas[name]) throw new Error(`${op}: no component ${name}`);
      const ref = { $ref: `#/components/schemas/${name}` };
      schema = page
        ? {
            type: "object",
            required: ["values"],
            properties: {
              maxResults: { type: "integer" },
              startAt: { type: "integer" },
              isLast: { type: "boolean" },
              values: { type: "array", items: ref },
            },
          }
        : ref;
    }
    if (!schema) throw new Error(`${op}: no JSON schema (name its component with => Name)`);
    operations[head!] = rename(schema, ns, spec);
  }
  const fixture = {
    $comment:
      "Extracted by scripts/extract-jira-schemas.ts from Atlassian's OpenAPI descriptions of Jira Cloud (platform REST v3, Jira Software agile 1.0); see README.md. Do not edit by hand.",
    source: { platform_version: platform.info.version, software_version: software.info.version },
    operations: prune(operations),
    components: { schemas: prune(schemas) },
  };
  const file = join(process.cwd(), "test", "fixtures", "jira-openapi", "schemas.json");
  writeFileSync(file, `${JSON.stringify(fixture)}\n`);
  process.stdout.write(
    `${OPERATIONS.length} operations, ${Object.keys(schemas).length} components -> ${file}\n`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) main();
