// The attachment UI's previews and transcript files, fetched the first time a file shows: the
// vanity page's own JavaScript stays within its budget (bench 6) for conversations without any.
import { lazy } from "react";

const load = () => import("./attachments.tsx");

export const AttachmentPreviews = lazy(() =>
  load().then((module) => ({ default: module.AttachmentPreviews })),
);
export const MessageFiles = lazy(() => load().then((module) => ({ default: module.MessageFiles })));
