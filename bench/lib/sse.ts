// A lean server-sent events reader on node:http: hands each event to a callback with the moment
// its bytes arrived, so that thousands of streams can be read by one process on a small machine.
import http from "node:http";
import { agent } from "./http.ts";

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: string;
  /** performance.now() when the chunk holding the event's end arrived. */
  at: number;
}

export interface SseStream {
  status: number;
  /** Settles when the server ends the stream or `close` is called. */
  ended: Promise<void>;
  close(): void;
}

export function openSse(
  url: string,
  init: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    onEvent: (event: SseEvent) => void;
  },
): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: init.method ?? "GET",
      agent,
      headers: {
        accept: "text/event-stream",
        ...(init.body === undefined ? {} : { "content-length": Buffer.byteLength(init.body) }),
        ...init.headers,
      },
    });
    req.on("error", reject);
    req.on("response", (res) => {
      let buffer = "";
      const ended = new Promise<void>((done) => {
        res.on("end", done);
        res.on("close", done);
        res.on("error", done);
      });
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          let id: string | undefined;
          let event: string | undefined;
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("data:")) data += line.slice(line[5] === " " ? 6 : 5);
            else if (line.startsWith("id:")) id = line.slice(line[3] === " " ? 4 : 3);
            else if (line.startsWith("event:")) event = line.slice(line[6] === " " ? 7 : 6);
          }
          if (data || event) init.onEvent({ id, event, data, at });
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        ended,
        close: () => {
          req.destroy();
          res.destroy();
        },
      });
    });
    req.end(init.body);
  });
}
