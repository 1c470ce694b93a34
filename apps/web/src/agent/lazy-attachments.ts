// Parts of the chat fetched the first time they show, so that the vanity page's own JavaScript
// stays within its budget (bench 6): the attachment UI's previews and transcript files, and the
// Markdown renderer of replies (react-markdown and GFM, the largest part of the page).
import { lazy } from "react";

const load = () => import("./attachments.tsx");

export const AttachmentPreviews = lazy(() =>
  load().then((module) => ({ default: module.AttachmentPreviews })),
);
export const MessageFiles = lazy(() => load().then((module) => ({ default: module.MessageFiles })));

export const Markdown = lazy(() =>
  import("./markdown.tsx").then((module) => ({ default: module.Markdown })),
);
