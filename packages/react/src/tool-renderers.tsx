// Custom renderers of tool results: a component per tool name, given to AgentAccessProvider
// (`toolRenderers`) or to useToolCall, that shows a tool's output its own way (a table, a
// chart) instead of the JSON a generic UI falls back to.
import { type ComponentType, createContext, type ReactNode, useContext } from "react";
import { describeToolCall, type ToolCallDescription } from "./tool-calls.ts";
import type { ToolCallPart } from "./types.ts";

/** What a tool result renderer is given. */
export interface ToolResultProps {
  /** The tool call: its name, input, state, output and error. */
  part: ToolCallPart;
  /** The tool's result (`part.output`), present once the call completed. */
  output: NonNullable<ToolCallPart["output"]> | null;
  /** The input the model gave the tool (`part.input`). */
  input: ToolCallPart["input"];
}

/** A component that renders one tool's result. */
export type ToolRenderer = ComponentType<ToolResultProps>;

/** Renderers by tool name (`ToolCallPart.toolName`), e.g. `{ getWebhookHealth: HealthTable }`. */
export type ToolRenderers = Readonly<Record<string, ToolRenderer>>;

const NO_RENDERERS: ToolRenderers = {};
const ToolRenderersContext = createContext<ToolRenderers>(NO_RENDERERS);

/** Makes `renderers` the tool renderers of the tree below (AgentAccessProvider uses it). */
export function ToolRenderersProvider({
  renderers,
  children,
}: {
  renderers: ToolRenderers | undefined;
  children: ReactNode;
}) {
  return <ToolRenderersContext value={renderers ?? NO_RENDERERS}>{children}</ToolRenderersContext>;
}

/** Options of useToolCall. */
export interface UseToolCallOptions {
  /** Renderers for this call, before the provider's (`toolRenderers`). Default: none. */
  toolRenderers?: ToolRenderers;
}

/** What useToolCall returns: the call described for people, and its renderer if it has one. */
export interface ToolCallView extends ToolCallDescription {
  /**
   * The renderer of this tool's result (the option's, else the provider's), or null. Render it
   * as `<Result {...resultProps} />` once `part.state` is "completed".
   */
  Result: ToolRenderer | null;
  /** The props for `Result`. */
  resultProps: ToolResultProps;
}

/** A tool call for display: its name in words, a one-line summary, and its result renderer. */
export function useToolCall(part: ToolCallPart, options: UseToolCallOptions = {}): ToolCallView {
  const fromProvider = useContext(ToolRenderersContext);
  const name = part.toolName;
  const given = options.toolRenderers;
  const own = given && Object.hasOwn(given, name) ? given[name] : null;
  const shared = Object.hasOwn(fromProvider, name) ? fromProvider[name] : null;
  return {
    ...describeToolCall(part),
    Result: own ?? shared ?? null,
    resultProps: { part, output: part.output ?? null, input: part.input },
  };
}
