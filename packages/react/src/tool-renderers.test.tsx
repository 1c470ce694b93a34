// @vitest-environment dom
// useToolCall: the provider's toolRenderers and the hook's own option, which wins; a tool with
// none gets null (the UI's JSON), and the renderer is given the call's output and input.
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { AgentAccessProvider } from "./provider.tsx";
import { type ToolRenderers, type ToolResultProps, useToolCall } from "./tool-renderers.tsx";
import type { ToolCallPart } from "./types.ts";

const health: ToolCallPart = {
  type: "tool-call",
  toolCallId: "call_1",
  toolName: "getWebhookHealth",
  input: { sinceHours: 24 },
  state: "completed",
  output: { deliveries: 40, summary: "Across 40 deliveries, 75.0% succeeded." },
};

function HealthTable({ output, input }: ToolResultProps) {
  const deliveries = (output as { deliveries: number }).deliveries;
  return (
    <table>
      <tbody>
        <tr>
          <td>{`${deliveries} deliveries in ${(input as { sinceHours: number }).sinceHours} h`}</td>
        </tr>
      </tbody>
    </table>
  );
}

function Plain() {
  return <p>plain</p>;
}

function ToolCall({ part, renderers }: { part: ToolCallPart; renderers?: ToolRenderers }) {
  const view = useToolCall(part, { toolRenderers: renderers });
  return (
    <section>
      <h3>{view.title}</h3>
      <p data-testid="summary">{view.summary}</p>
      {view.Result ? <view.Result {...view.resultProps} /> : <pre>JSON</pre>}
    </section>
  );
}

describe("useToolCall", () => {
  afterEach(cleanup);

  it("renders a tool's result with the provider's renderer, and JSON for the others", () => {
    render(
      <AgentAccessProvider toolRenderers={{ getWebhookHealth: HealthTable }}>
        <ToolCall part={health} />
        <ToolCall part={{ ...health, toolCallId: "call_2", toolName: "retryFailedDeliveries" }} />
      </AgentAccessProvider>,
    );
    expect(screen.getByRole("cell").textContent).toBe("40 deliveries in 24 h");
    expect(screen.getAllByRole("heading").map((heading) => heading.textContent)).toEqual([
      "Get webhook health",
      "Retry failed deliveries",
    ]);
    expect(screen.getAllByTestId("summary")[0]!.textContent).toBe(
      "Across 40 deliveries, 75.0% succeeded.",
    );
    expect(screen.getAllByText("JSON")).toHaveLength(1);
  });

  it("prefers the hook's own renderers to the provider's", () => {
    render(
      <AgentAccessProvider toolRenderers={{ getWebhookHealth: HealthTable }}>
        <ToolCall part={health} renderers={{ getWebhookHealth: Plain }} />
      </AgentAccessProvider>,
    );
    expect(screen.getByText("plain")).toBeTruthy();
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("finds no renderer without any, nor for a name of Object's prototype", () => {
    render(
      <AgentAccessProvider>
        <ToolCall part={health} />
        <ToolCall part={{ ...health, toolCallId: "call_3", toolName: "constructor" }} />
      </AgentAccessProvider>,
    );
    expect(screen.getAllByText("JSON")).toHaveLength(2);
  });
});
