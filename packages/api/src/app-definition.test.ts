import { defineAgent } from "@agent-access/agents";
import { describe, expect, it } from "vitest";
import { createAppRouter, defineApp, FRAMEWORK_ROUTER_NAMES } from "./app-definition.ts";
import { createTRPCRouter, publicProcedure } from "./trpc.ts";

const hello = createTRPCRouter({ ping: publicProcedure.query(() => "pong") });
const agent = defineAgent({ id: "one", name: "One", description: "", instructions: "", tools: {} });

describe("defineApp", () => {
  it("refuses an app router named like a framework router", () => {
    expect(FRAMEWORK_ROUTER_NAMES).toEqual([
      "auth",
      "ticket",
      "session",
      "context",
      "grant",
      "health",
    ]);
    expect(() => defineApp({ agents: [], routers: { session: hello } })).toThrow(
      /The app router "session" has the name of a framework router/,
    );
  });

  it("refuses two agents with one id", () => {
    expect(() => defineApp({ agents: [agent, agent], routers: {} })).toThrow(
      /Two agents have the id "one"/,
    );
  });

  it("gives a router with the app's procedures beside the framework's", async () => {
    const app = defineApp({ agents: [agent], routers: { hello } });
    const router = createAppRouter(app.routers);
    const paths = Object.keys(router._def.procedures);
    expect(paths).toContain("hello.ping");
    expect(paths).toContain("session.exchange");
    expect(paths).toContain("context.send");
    expect(paths).toContain("health");
  });
});
