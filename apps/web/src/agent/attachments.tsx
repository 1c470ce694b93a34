// Attached files in the chat: the composer's previews (thumbnail or chip, progress, the
// server's refusal, a remove button) and the transcript's files of user messages (an image's
// thumbnail, a chip with name, type, size and download link for anything else). Loaded on
// demand (lazy-attachments.ts): a conversation without files does not download it.
import {
  type AgentFormat,
  type FilePart,
  type FileUpload,
  useAgentUi,
  useAttachmentUrl,
} from "@agent-access/react";
import { useEffect, useState } from "react";
import { focusRing } from "../components/ui.tsx";
import { useStrings } from "./i18n/use-strings.ts";

/** A file's size in the UI's locale ("1.5 kB", "1,5 kB"), through Intl's units. */
export function formatSize(bytes: number, formatNumber: AgentFormat["formatNumber"]): string {
  const [value, unit] =
    bytes < 1024
      ? [bytes, "byte"]
      : bytes < 1024 * 1024
        ? [bytes / 1024, "kilobyte"]
        : [bytes / (1024 * 1024), "megabyte"];
  return formatNumber(value, { style: "unit", unit, maximumFractionDigits: 1 });
}

function isImage(mediaType: string): boolean {
  return /^image\/(png|jpeg|webp|gif)$/.test(mediaType);
}

/** A local image as a data: URL (the page's CSP allows `img-src 'self' data:`, not blob:). */
function useDataUrl(file: File): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!isImage(file.type)) return;
    const reader = new FileReader();
    reader.onload = () => setUrl(typeof reader.result === "string" ? reader.result : null);
    reader.readAsDataURL(file);
    return () => reader.abort();
  }, [file]);
  return url;
}

function FileIcon() {
  const { t } = useStrings();
  return (
    <span
      aria-hidden="true"
      className="flex h-10 w-10 shrink-0 items-center justify-center rounded-md bg-neutral-200 text-xs font-semibold text-neutral-700 dark:bg-neutral-800 dark:text-neutral-200"
    >
      {t("files.icon")}
    </span>
  );
}

function Preview({
  file,
  upload,
  onRemove,
  busy,
}: {
  file: File;
  upload: FileUpload | undefined;
  onRemove: () => void;
  busy: boolean;
}) {
  const { t } = useStrings();
  const { formatNumber } = useAgentUi();
  const thumbnail = useDataUrl(file);
  // Bytes that are no image (the server will refuse them) show as a file, not a broken image.
  const [broken, setBroken] = useState(false);
  const percent =
    upload && upload.total > 0
      ? Math.min(100, Math.round((upload.loaded / upload.total) * 100))
      : 0;
  return (
    <li
      data-testid="attachment-preview"
      className="flex min-w-0 max-w-full items-center gap-2 rounded-lg border border-neutral-300 bg-neutral-50 p-1.5 pr-1 sm:max-w-[16rem] dark:border-neutral-700 dark:bg-neutral-900"
    >
      {thumbnail && !broken ? (
        <img
          src={thumbnail}
          alt=""
          onError={() => setBroken(true)}
          className="h-10 w-10 shrink-0 rounded-md object-cover"
        />
      ) : (
        <FileIcon />
      )}
      <div className="min-w-0 flex-1 text-xs">
        <p className="truncate font-medium" title={file.name}>
          {file.name}
        </p>
        <p className="text-neutral-500">{formatSize(file.size, formatNumber)}</p>
        {upload?.status === "uploading" && (
          <progress
            className="mt-1 h-1.5 w-full"
            max={100}
            value={percent}
            aria-label={t("files.uploading", { name: file.name })}
          />
        )}
        {upload?.status === "failed" && upload.error && (
          <p role="alert" className="mt-0.5 break-words text-red-700 dark:text-red-400">
            {upload.error}
          </p>
        )}
      </div>
      <button
        type="button"
        onClick={onRemove}
        disabled={busy}
        aria-label={t("files.remove", { name: file.name })}
        className={`h-8 w-8 shrink-0 rounded-md text-lg leading-none text-neutral-600 hover:bg-neutral-200 disabled:opacity-40 dark:text-neutral-300 dark:hover:bg-neutral-800 ${focusRing}`}
      >
        ×
      </button>
    </li>
  );
}

/** The files chosen for the next message, before and while they upload. */
export function AttachmentPreviews({
  files,
  uploads,
  onRemove,
  busy,
  dropped,
}: {
  files: readonly File[];
  uploads: readonly FileUpload[];
  onRemove: (file: File) => void;
  busy: boolean;
  /** Files left out beyond the limit of one message. */
  dropped: number;
}) {
  const { t } = useStrings();
  return (
    <>
      {dropped > 0 && (
        <p role="status" className="text-xs text-amber-800 dark:text-amber-300">
          {t("files.tooMany", { max: files.length, dropped })}
        </p>
      )}
      <ul aria-label={t("files.attached")} className="flex flex-wrap gap-2">
        {files.map((file, index) => (
          <Preview
            // Files have no id: the same name may be chosen twice, so the position tells them apart.
            key={`${index}-${file.name}-${file.size}`}
            file={file}
            upload={uploads.find((upload) => upload.file === file)}
            onRemove={() => onRemove(file)}
            busy={busy}
          />
        ))}
      </ul>
    </>
  );
}

/** A user message's files in the transcript. */
export function MessageFiles({ parts }: { parts: readonly FilePart[] }) {
  const { t } = useStrings();
  const { formatNumber } = useAgentUi();
  const urlOf = useAttachmentUrl();
  return (
    <ul aria-label={t("files.files")} className="flex max-w-[85%] flex-wrap justify-end gap-2">
      {parts.map((part, index) => {
        // A message still being sent has no file ids yet: a chip without a link.
        const url = part.id ? urlOf(part.id) : null;
        const type = part.mediaType || t("files.file");
        const size = formatSize(part.size, formatNumber);
        const label = `${part.name}, ${type}, ${size}`;
        if (url && isImage(part.mediaType)) {
          return (
            <li key={part.id}>
              <a
                href={url}
                target="_blank"
                rel="noreferrer"
                className={`block rounded-lg ${focusRing}`}
              >
                <img
                  src={url}
                  alt={part.name}
                  title={label}
                  data-testid="attachment-thumbnail"
                  className="h-32 max-w-full rounded-lg border border-neutral-200 object-contain dark:border-neutral-800"
                />
              </a>
            </li>
          );
        }
        return (
          <li
            key={part.id || `pending-${index}`}
            data-testid="attachment-chip"
            className="flex min-w-0 max-w-full items-center gap-2 rounded-lg border border-neutral-300 bg-white p-1.5 pr-3 text-xs dark:border-neutral-700 dark:bg-neutral-900"
          >
            <FileIcon />
            <div className="min-w-0">
              {url ? (
                <a
                  href={url}
                  download={part.name}
                  className={`block truncate font-medium text-blue-700 underline dark:text-blue-400 ${focusRing}`}
                  aria-label={t("files.download", { label })}
                >
                  {part.name}
                </a>
              ) : (
                <p className="truncate font-medium">{part.name}</p>
              )}
              <p className="text-neutral-500">
                {type} · {size}
              </p>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
