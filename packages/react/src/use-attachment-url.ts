// useAttachmentUrl: a function from a file id to its download URL on this provider's server,
// bound to the page's agent session (attachments.ts, attachmentUrl).
import { useCallback } from "react";
import { attachmentUrl } from "./attachments.ts";
import { useSessionController } from "./provider.tsx";

/** `(fileId) => url` for an <img src> or a download link of an attached file. */
export function useAttachmentUrl(): (fileId: string) => string {
  const controller = useSessionController();
  return useCallback(
    (fileId: string) =>
      attachmentUrl(fileId, { baseUrl: controller.baseUrl, sessionId: controller.boundSessionId }),
    [controller],
  );
}
