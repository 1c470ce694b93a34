// The host app's signed-in pages under /app: add your product's here. Lines marked "demo" mount
// the workspace demo's (apps/web/src/demo); `pnpm remove-demo` deletes them with it.
import type { RouteObject } from "react-router";
import { demoPages } from "./demo/pages.tsx"; // demo
import { HomePage } from "./pages/home.tsx";

const pages: RouteObject[] = [
  // Your pages, such as { path: "orders", element: <OrdersPage /> } for /app/orders.
  ...demoPages, // demo
];

/** The pages, with a home page at /app unless one of them is the index. */
export const appPages: RouteObject[] = pages.some((page) => page.index)
  ? pages
  : [{ index: true, element: <HomePage /> }, ...pages];
