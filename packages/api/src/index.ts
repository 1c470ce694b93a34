import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./root.ts";

export { type AppRouter, appRouter } from "./root.ts";
export {
  type ApiConfig,
  type ApiDependencies,
  createCallerFactory,
  createContext,
} from "./trpc.ts";

/** Inputs of every procedure, e.g. RouterInputs["context"]["send"]. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, e.g. RouterOutputs["session"]["current"]. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
