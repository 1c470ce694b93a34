// The builtin model's reply to "stream N words", read through the AI SDK's streamText as the run
// engine reads it, but handed straight to the caller: no engine, no database. The baselines that
// compare against the engine's path start from this same source.
import { createBuiltinModel } from "@agent-access/agents";
import { streamText } from "ai";

/** The text deltas of the reply, one per word, as the model streams them. */
export async function* modelDeltas(
  words: number,
  tokenDelayMs: number,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  const result = streamText({
    model: createBuiltinModel({ tokenDelayMs }),
    messages: [{ role: "user", content: `stream ${words} words` }],
    abortSignal: signal,
    onError: () => {},
  });
  for await (const part of result.fullStream) {
    if (part.type === "text-delta") yield part.text;
    else if (part.type === "error") throw part.error;
  }
}

/**
 * Joins deltas the way the run engine batches text: the first delta after a quiet spell goes out
 * at once; the ones that follow within `windowMs` of the last batch go out together when the
 * window ends, on a timer. `windowMs` 0 passes every delta through on its own.
 */
export async function* coalesced(
  deltas: AsyncIterable<string>,
  windowMs: number,
): AsyncGenerator<string> {
  if (windowMs <= 0) {
    yield* deltas;
    return;
  }
  const batches: string[] = [];
  let pending = "";
  let timer: NodeJS.Timeout | undefined;
  let lastFlush = Number.NEGATIVE_INFINITY;
  let finished = false;
  let failure: unknown = null;
  let wake: (() => void) | undefined;

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    batches.push(pending);
    pending = "";
    lastFlush = performance.now();
    wake?.();
  }

  void (async () => {
    try {
      for await (const delta of deltas) {
        pending += delta;
        if (timer) continue;
        const wait = lastFlush + windowMs - performance.now();
        if (wait <= 0) flush();
        else timer = setTimeout(flush, wait);
      }
    } catch (error) {
      failure = error;
    } finally {
      flush();
      finished = true;
      wake?.();
    }
  })();

  for (;;) {
    const batch = batches.shift();
    if (batch !== undefined) {
      yield batch;
      continue;
    }
    if (failure) throw failure;
    if (finished) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
}
