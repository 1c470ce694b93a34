// The vanity page's own entry (vanity.html, served at /vanity/agents): a tab opened from a
// ticket link loads the chat and nothing of the host demo (no router, no sign-in pages).
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./index.css";
import VanityPage from "./pages/vanity.tsx";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <VanityPage />
  </StrictMode>,
);
