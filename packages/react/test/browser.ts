// A browser's network side for hook tests in Node: Node's fetch keeps no cookies and Node 20 has
// no EventSource, so TestBrowser gives AgentAccessProvider a fetch with a cookie jar (sending the
// Origin a browser sends) and an EventSource (the `eventsource` package) that uses that fetch.
// It also counts requests and can drop every open stream, as a flaky network would.
import { keepCookies, sendCookies } from "@agent-access/server/testing";
import { EventSource as EventSourcePonyfill } from "eventsource";

interface OpenStream {
  drop(): void;
}

export class TestBrowser {
  readonly cookies = new Map<string, string>();
  /** Every request, as "METHOD path", in order. */
  readonly requests: string[] = [];
  /**
   * Requests ("> METHOD path"), answers ("< path status") and whatever a test adds (such as
   * what each render showed), in the order they happened.
   */
  readonly timeline: string[] = [];
  readonly #streams = new Set<OpenStream>();

  constructor(readonly baseUrl: string) {}

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input), this.baseUrl);
    const headers = new Headers(init.headers);
    sendCookies(this.cookies, headers);
    headers.set("origin", new URL(this.baseUrl).origin);
    this.requests.push(`${init.method ?? "GET"} ${url.pathname}`);
    const resumeFrom = headers.get("last-event-id");
    this.timeline.push(
      `> ${init.method ?? "GET"} ${url.pathname}${resumeFrom ? ` last-event-id=${resumeFrom}` : ""}`,
    );
    const response = await globalThis.fetch(url, { ...init, headers });
    this.timeline.push(`< ${url.pathname} ${response.status}`);
    keepCookies(this.cookies, response);
    const type = response.headers.get("content-type") ?? "";
    return type.startsWith("text/event-stream") && response.body
      ? this.#droppable(response)
      : response;
  };

  /** An EventSource class whose requests go through this browser's fetch. */
  get EventSource(): typeof EventSourcePonyfill {
    const fetch = this.fetch;
    return class extends EventSourcePonyfill {
      constructor(url: string | URL, init?: { withCredentials?: boolean }) {
        super(url, { ...init, fetch });
      }
    };
  }

  /** The number of `path` requests made so far (e.g. "/trpc/session.exchange"). */
  count(path: string): number {
    return this.requests.filter((request) => request.split(" ")[1]?.startsWith(path)).length;
  }

  /** Cuts every open event stream, as a network drop does; returns how many. */
  dropStreams(): number {
    const streams = [...this.#streams];
    for (const stream of streams) stream.drop();
    return streams.length;
  }

  /**
   * The stream, relayed so that it can be cut. It starts with `retry: 20`: a browser waits
   * about 3 s before reconnecting a dropped EventSource, and a server may ask for less with the
   * SSE `retry` field; asking here keeps the tests fast without changing the server.
   */
  #droppable(response: Response): Response {
    const reader = response.body!.getReader();
    const streams = this.#streams;
    let stream: OpenStream | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("retry: 20\n\n"));
        stream = {
          drop() {
            streams.delete(stream!);
            controller.error(new Error("connection dropped"));
            void reader.cancel().catch(() => {});
          },
        };
        streams.add(stream);
      },
      async pull(controller) {
        try {
          const { value, done } = await reader.read();
          if (done) {
            streams.delete(stream!);
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch {
          // Dropped, or closed by the reader: the stream is already errored or cancelled.
        }
      },
      cancel(reason) {
        streams.delete(stream!);
        return reader.cancel(reason);
      },
    });
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }
}
