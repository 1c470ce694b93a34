// Fuzzing every procedure and the REST door with fast-check: inputs each procedure's own schema
// refuses (wrong types, huge strings, unicode, deep nesting), malformed transport (wrong methods
// and content types, broken JSON, batches), and REST bodies that break the ticket rules. Every
// answer must be a 4xx, the database must not change (compared whole after every request), no
// error may reach the server's 500 handler, and the server must still be healthy afterwards.
import { TEST_AGENT } from "@agent-access/agents/testing";
import { DEFAULT_CONTEXT_GROUP_PATTERN } from "@agent-access/api";
import { MemoryRateLimiter } from "@agent-access/auth";
import { createApiKey, revokeApiKey } from "@agent-access/db";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testAgents } from "../../apps/server/test/agents.ts";
import {
  agentBrowser,
  signUp,
  startTestServer,
  staticTicket,
  type TestServer,
} from "../../apps/server/test/harness.ts";
import { expectUnchanged, fingerprint, type Snapshot, snapshot } from "./support/database.ts";
import { recordFigures } from "./support/figures.ts";
import {
  hostileValue,
  type Json,
  mutatedInput,
  rawBody,
  WRONG_METHODS,
  wrongContentType,
} from "./support/hostile.ts";
import { type Answer, answerOf, firstStreamAnswer, StatusTally } from "./support/http.ts";
import {
  exampleOf,
  ownAppData,
  type Scene,
  TICKET_REQUEST,
  tableProblems,
} from "./support/procedure-table.ts";
import { acceptsInput, listProcedures, type ProcedureInfo } from "./support/procedures.ts";
import { makeTargets, type Target } from "./support/scenes.ts";

/** Fixed, so that a run is reproducible and its figures comparable; change it to explore. */
const SEED = 20_260_518;
const RUNS = { input: 420, transport: 40, batch: 600, unknownPath: 100, rest: 1_500 } as const;
const GROUP = "workspace:1:user:1";

/** The documented rules of a static group: non-blank, at most 256 characters, the pattern. */
const contextGroupRefused = (group: string) =>
  group.trim() === "" || group.length > 256 || !DEFAULT_CONTEXT_GROUP_PATTERN.test(group);

/** One HTTP request, described so that fast-check can print (and shrink) it. */
interface FuzzRequest {
  method: string;
  /** Path and query string. */
  path: string;
  contentType?: string;
  body?: string;
  /** The Authorization header; default the fuzzer's valid API key. */
  authorization?: string | null;
  headers?: Record<string, string>;
}

let server: TestServer;
let apiKey: string;
let revokedKey: string;
let cookie: string;
let before: Snapshot;
let unchanged: string;
const internalErrors: unknown[] = [];
const procedures = listProcedures();
const withInput = procedures.filter((procedure) => procedure.input);
/** The ids the table's example inputs use; the generators start from those inputs. */
let scene: Scene;
const tallies = new Map<string, StatusTally>();
const started = Date.now();

beforeAll(async () => {
  server = await startTestServer({
    // Only exchanges refused as UNAUTHORIZED count, and malformed ones never get that far; the
    // bucket is raised anyway so that no 429 hides an answer.
    exchangeFailures: new MemoryRateLimiter({ capacity: 1e6, refillIntervalMs: 1 }),
    onInternalError: (error) => internalErrors.push(error),
  });
  apiKey = (await createApiKey(server.db, "fuzzer")).key;
  const revoked = await createApiKey(server.db, "revoked");
  await revokeApiKey(server.db, revoked.id);
  revokedKey = revoked.key;

  // A caller holding everything, so that every input reaches its procedure's validation: an
  // agent session with both agents, a sign-in, and the API key (sent on every request).
  const browser = await agentBrowser(server, GROUP, [TEST_AGENT, "billing-assistant"]);
  const user = await signUp(browser);
  const [idle, approval, input] = (await makeTargets(server, browser)) as [Target, Target, Target];
  // The app's own data (app-rows.ts), made before the snapshot: the examples name it.
  const app = await ownAppData(browser);
  cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  scene = {
    user,
    app,
    idle,
    approval,
    input,
    ticket: (await staticTicket(server, GROUP)).ticket,
  };
  before = await snapshot(server.db);
  unchanged = await fingerprint(server.db);
});
afterAll(() => server.close());

function tally(category: string): StatusTally {
  const found = tallies.get(category) ?? new StatusTally();
  tallies.set(category, found);
  return found;
}

/** Sends the request; a batch's 207 is judged by its members, a stream by its first answer. */
async function send(request: FuzzRequest): Promise<Answer & { members?: number[] }> {
  const headers = new Headers({ cookie, origin: server.url, ...request.headers });
  if (request.contentType !== undefined) headers.set("content-type", request.contentType);
  const authorization =
    request.authorization === undefined ? `Bearer ${apiKey}` : request.authorization;
  if (authorization !== null) headers.set("authorization", authorization);
  const controller = new AbortController();
  const response = await fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers,
    body: request.body,
    signal: controller.signal,
  });
  if (response.headers.get("content-type")?.startsWith("text/event-stream")) {
    return firstStreamAnswer(response, () => controller.abort());
  }
  if (response.status === 207) {
    const members = (await response.json()) as { error?: { data?: { httpStatus?: number } } }[];
    return {
      status: 207,
      code: null,
      members: members.map((member) => member.error?.data?.httpStatus ?? 200),
    };
  }
  return answerOf(response);
}

/** Sends and asserts: a 4xx (a 207 only if every member is a 4xx), the database unchanged. */
async function expectRefused(category: string, request: FuzzRequest): Promise<void> {
  const answer = await send(request);
  tally(category).add(answer.status);
  const refused = (status: number) => status >= 400 && status < 500;
  if (answer.members) {
    expect(answer.members.every(refused), `${category}: a batch member was not refused`).toBe(true);
  } else {
    expect(refused(answer.status), `${category}: answered ${answer.status} (${answer.code})`).toBe(
      true,
    );
  }
  if ((await fingerprint(server.db)) !== unchanged)
    await expectUnchanged(server.db, before, category);
}

/** The request the tRPC client would send for `input`. */
function asClientSends(procedure: ProcedureInfo, input: Json): FuzzRequest {
  if (procedure.type === "mutation") {
    return {
      method: "POST",
      path: `/trpc/${procedure.path}`,
      contentType: "application/json",
      body: JSON.stringify(input),
    };
  }
  return {
    method: "GET",
    path: `/trpc/${procedure.path}?input=${encodeURIComponent(JSON.stringify(input))}`,
    ...(procedure.type === "subscription" ? { headers: { accept: "text/event-stream" } } : {}),
  };
}

/** Inputs the procedure's schema refuses, built from its valid example. */
function malformedInput(procedure: ProcedureInfo): fc.Arbitrary<Json> {
  const room = procedure.type === "mutation" ? "body" : "url";
  return fc
    .oneof(mutatedInput(exampleOf(procedure, scene)!, room), hostileValue(room))
    .filter((input) => !acceptsInput(procedure, input));
}

/** Requests no procedure may act on, whatever its input: wrong method, type or body. */
function malformedTransport(procedure: ProcedureInfo): fc.Arbitrary<FuzzRequest> {
  const path = `/trpc/${procedure.path}`;
  const example = exampleOf(procedure, scene) ?? {};
  const valid = JSON.stringify(example);
  const options: fc.Arbitrary<FuzzRequest>[] = [
    // A valid input with a method that is not this procedure's.
    fc.constantFrom(...WRONG_METHODS).map((method) => ({
      method,
      path,
      contentType: "application/json",
      body: valid,
    })),
    procedure.type === "mutation"
      ? fc.constant({ method: "GET", path: `${path}?input=${encodeURIComponent(valid)}` })
      : fc.constant({ method: "POST", path, contentType: "application/json", body: valid }),
    // A valid input in a body that is not JSON.
    wrongContentType.map((contentType) => ({ method: "POST", path, contentType, body: valid })),
  ];
  if (procedure.input) {
    // Bodies and query strings that are not JSON, or JSON the schema refuses.
    const broken = rawBody().filter((text) => {
      try {
        return !acceptsInput(procedure, JSON.parse(text));
      } catch {
        return true;
      }
    });
    options.push(
      procedure.type === "mutation"
        ? broken.map((body) => ({ method: "POST", path, contentType: "application/json", body }))
        : broken.map((text) => ({
            method: "GET",
            path: `${path}?input=${encodeURIComponent(text)}`,
            headers: { accept: "text/event-stream" },
          })),
    );
    if (procedure.type === "mutation") {
      options.push(
        fc.constant({
          method: "POST",
          path,
          contentType: "multipart/form-data; boundary=x",
          body: "--x\r\nnot a form",
        }),
      );
    }
  }
  if (procedure.type === "subscription") {
    // tRPC folds a Last-Event-Id header into the input.
    options.push(
      fc
        .string({ unit: "grapheme-ascii", maxLength: 30 })
        // An empty header is no header to tRPC, so it is not malformed.
        .filter((id) => id.trim() !== "" && !/^\d{1,15}$/.test(id.trim()))
        .map((id) => ({
          method: "GET",
          path: `${path}?input=${encodeURIComponent(JSON.stringify(example))}`,
          headers: { accept: "text/event-stream", "last-event-id": id },
        })),
    );
  }
  return fc.oneof(...options);
}

const assertOptions = (numRuns: number, salt: number) => ({
  numRuns,
  seed: SEED + salt,
  // No shrinking: once a request has changed the database every later one fails too, so a
  // shrunk counterexample would point at an innocent request. The first failure is the one.
  endOnFailure: true,
});

describe("every procedure", () => {
  it("has a valid example input, so generated inputs start close to real ones", () => {
    expect(tableProblems(procedures).join("\n")).toBe("");
    for (const procedure of withInput) {
      expect(acceptsInput(procedure, exampleOf(procedure, scene)), procedure.path).toBe(true);
    }
  });

  it.each(withInput.map((procedure, index) => [procedure.path, procedure, index] as const))(
    "%s refuses inputs its schema refuses with a 4xx and changes nothing",
    async (path, procedure, index) => {
      await fc.assert(
        fc.asyncProperty(malformedInput(procedure), async (input) => {
          await expectRefused(`input:${path}`, asClientSends(procedure, input));
        }),
        assertOptions(RUNS.input, index),
      );
    },
  );

  it.each(procedures.map((procedure, index) => [procedure.path, procedure, index] as const))(
    "%s refuses malformed transport with a 4xx and changes nothing",
    async (path, procedure, index) => {
      await fc.assert(
        fc.asyncProperty(malformedTransport(procedure), async (request) => {
          await expectRefused(`transport:${path}`, request);
        }),
        assertOptions(RUNS.transport, 100 + index),
      );
    },
  );
});

describe("batches and paths", () => {
  it("refuses batches of malformed calls, malformed batches and mixed ones", async () => {
    const queries = withInput.filter((procedure) => procedure.type === "query");
    const mutations = withInput.filter((procedure) => procedure.type === "mutation");
    const membersOf = (kind: ProcedureInfo[]) =>
      fc.array(fc.constantFrom(...kind), { minLength: 1, maxLength: 6 });
    const batchOf = (members: ProcedureInfo[], envelope: Json): FuzzRequest => {
      const path = `/trpc/${members.map((member) => member.path).join(",")}?batch=1`;
      return members[0]!.type === "mutation"
        ? { method: "POST", path, contentType: "application/json", body: JSON.stringify(envelope) }
        : { method: "GET", path: `${path}&input=${encodeURIComponent(JSON.stringify(envelope))}` };
    };
    /** Every member's input, as tRPC takes it out of the envelope, must be refused. */
    const allRefused = (members: ProcedureInfo[], envelope: Json) =>
      typeof envelope !== "object" ||
      envelope === null ||
      Array.isArray(envelope) ||
      members.every((member, index) => !acceptsInput(member, envelope[String(index)]));

    const malformedMembers = fc
      .constantFrom(queries, mutations)
      .chain(membersOf)
      .chain((members) =>
        fc
          .tuple(...members.map(malformedInput))
          .map((inputs) => batchOf(members, Object.fromEntries(inputs.entries()))),
      );
    const malformedEnvelope = fc
      .constantFrom(queries, mutations)
      .chain(membersOf)
      .chain((members) =>
        hostileValue("url")
          .filter((envelope) => allRefused(members, envelope))
          .map((envelope) => batchOf(members, envelope)),
      );
    const mixedKinds = fc
      .tuple(fc.constantFrom(...queries), fc.constantFrom(...mutations), fc.boolean())
      .map(([query, mutation, post]) => ({
        method: post ? "POST" : "GET",
        path: `/trpc/${query.path},${mutation.path}?batch=1`,
        contentType: "application/json",
        ...(post
          ? {
              body: JSON.stringify({
                0: exampleOf(query, scene),
                1: exampleOf(mutation, scene),
              }),
            }
          : {}),
      }));
    const known = new Set(procedures.map((procedure) => procedure.path));
    const withStrangers = fc
      .tuple(
        membersOf(queries),
        fc.stringMatching(/^[a-zA-Z.]{1,20}$/).filter((path) => !known.has(path)),
      )
      .chain(([members, stranger]) =>
        fc.tuple(...members.map(malformedInput)).map((inputs) => {
          const envelope = JSON.stringify(Object.fromEntries(inputs.entries()));
          const paths = [...members.map((member) => member.path), stranger].join(",");
          return {
            method: "GET",
            path: `/trpc/${paths}?batch=1&input=${encodeURIComponent(envelope)}`,
          };
        }),
      );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(malformedMembers, malformedEnvelope, mixedKinds, withStrangers),
        async (request) => {
          await expectRefused("batch", request);
        },
      ),
      assertOptions(RUNS.batch, 200),
    );
  });

  it("answers unknown procedure paths with 404", async () => {
    const known = new Set(procedures.map((procedure) => procedure.path));
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[\w.~-]{1,40}$/).filter((path) => !known.has(path)),
        fc.constantFrom("GET", "POST"),
        async (path, method) => {
          await expectRefused("unknownPath", {
            method,
            path: `/trpc/${path}`,
            contentType: "application/json",
            ...(method === "POST" ? { body: "{}" } : {}),
          });
        },
      ),
      assertOptions(RUNS.unknownPath, 300),
    );
  });
});

describe("POST /session/tickets", () => {
  it("refuses malformed, unauthorised and rule-breaking requests with a 4xx and mints nothing", async () => {
    const ticketCreate = procedures.find((procedure) => procedure.path === "ticket.create")!;
    const post = (body: string, extra: Partial<FuzzRequest> = {}): FuzzRequest => ({
      method: "POST",
      path: "/session/tickets",
      contentType: "application/json",
      body,
      // A backend sends no cookies and often no Origin; the fuzzer's cookies are harmless here.
      ...extra,
    });
    const schemaRefused = fc
      .oneof(mutatedInput(TICKET_REQUEST, "body"), hostileValue("body"))
      .filter((body) => !acceptsInput(ticketCreate, body))
      .map((body) => post(JSON.stringify(body)));
    // Well-formed requests that break a rule of meaning (422): each plainly outside the rules.
    const ruleBreaking = fc
      .oneof(
        fc
          .string({ minLength: 1, maxLength: 128 })
          .filter((id) => !testAgents.get(id))
          .map((id) => ({ ...TICKET_REQUEST, agent_ids: [TEST_AGENT, id] })),
        fc.constant({ ...TICKET_REQUEST, agent_ids: [] }),
        fc
          .oneof(
            fc.string({ maxLength: 300 }),
            fc.string({ unit: "binary", maxLength: 300 }),
            fc.stringMatching(/^[a-z]{1,8}:[\w.@-]{1,8}(:[a-z]{1,8}:[\w.@-]{0,8}){0,3}:?$/),
          )
          .filter((group) => contextGroupRefused(group))
          .map((group) => ({ ...TICKET_REQUEST, context_group: group })),
        fc.oneof(fc.integer({ max: 29 }), fc.integer({ min: 86_401 })).map((expires) => ({
          ...TICKET_REQUEST,
          expires_in: expires,
        })),
        fc.string({ maxLength: 100 }).map((group) => ({
          ...TICKET_REQUEST,
          agent_session_identifier: "signin",
          context_group: group,
        })),
        fc.constant({ ...TICKET_REQUEST, context_group: null }),
        // A return address off the host app's origin (http://localhost here), or no URL at all.
        fc
          .oneof(
            fc.webUrl({ withQueryParameters: true, withFragments: true }),
            fc.string({ maxLength: 200 }),
            fc.constantFrom("javascript:alert(1)", "//evil.example/x", "http://localhost.evil/"),
          )
          .filter((url) => !URL.canParse(url) || new URL(url).origin !== "http://localhost")
          .map((url) => ({ ...TICKET_REQUEST, return_url: url })),
      )
      .map((body) => post(JSON.stringify(body)));
    const brokenBodies = rawBody()
      .filter((text) => {
        try {
          return !acceptsInput(ticketCreate, JSON.parse(text));
        } catch {
          return true;
        }
      })
      .map((body) => post(body));
    const valid = JSON.stringify(TICKET_REQUEST);
    const wrongType = wrongContentType.map((contentType) => post(valid, { contentType }));
    const huge = fc
      .integer({ min: 64 * 1024 + 1, max: 2 * 1024 * 1024 })
      .map((size) => post(JSON.stringify({ ...TICKET_REQUEST, padding: "x".repeat(size) })));
    const wrongMethod = fc.constantFrom("GET", ...WRONG_METHODS).map((method) => ({
      method,
      path: "/session/tickets",
      contentType: "application/json",
      ...(method === "GET" ? {} : { body: valid }),
    }));
    const badKey = fc
      .oneof(
        fc.constant(null),
        fc.constant(`Bearer ${revokedKey}`),
        fc.string({ unit: "grapheme-ascii", maxLength: 80 }).map((key) => `Bearer ${key}`),
        fc.constantFrom("Basic dXNlcjpwYXNz", `Bearer ${apiKey}x`, `bearer`, `Token ${apiKey}`),
      )
      .map((authorization) => post(valid, { authorization }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          { arbitrary: schemaRefused, weight: 4 },
          { arbitrary: ruleBreaking, weight: 3 },
          { arbitrary: brokenBodies, weight: 2 },
          { arbitrary: wrongType, weight: 1 },
          { arbitrary: huge, weight: 1 },
          { arbitrary: wrongMethod, weight: 1 },
          { arbitrary: badKey, weight: 2 },
        ),
        async (request) => {
          await expectRefused("rest", request);
        },
      ),
      assertOptions(RUNS.rest, 400),
    );
  });
});

// After every test, whichever ran and in whatever order (hooks run in reverse: this one before
// the server closes); a failure here fails the file.
afterAll(async () => {
  // Healthy, unchanged, unpolluted, and nothing sent to the 500 handler.
  const health = await fetch(`${server.url}/healthz`);
  expect(health.status).toBe(200);
  await expectUnchanged(server.db, before, "after the fuzzing");
  expect(internalErrors).toEqual([]);
  // The fuzzer sent {"__proto__": ...} bodies to a server in this very process.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();

  const total = new StatusTally();
  const byCategory: Record<string, number> = {};
  for (const [category, counts] of tallies) {
    total.merge(counts);
    const group = category.split(":")[0]!;
    byCategory[group] = (byCategory[group] ?? 0) + counts.total;
  }
  // A run filtered to tests that send nothing has no figures to report.
  if (total.total === 0) return;
  recordFigures("fuzz", {
    seed: SEED,
    inputs: total.total,
    byCategory,
    byStatus: total.toJSON(),
    procedures: procedures.length,
    wallSeconds: Math.round((Date.now() - started) / 1000),
  });
});
