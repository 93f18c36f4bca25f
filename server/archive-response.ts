import { Socket } from "node:net";
import { TLSSocket } from "node:tls";
import type { FastifyReply } from "fastify";
import { startArchive, type ArchiveCompression, type ArchiveResult } from "../src/exec/archive.js";

/** The request's connection when it is a plain TCP socket a child process can write to (not TLS, not an injected request). */
export function handoverSocket(socket: unknown): Socket | undefined {
  if (!(socket instanceof Socket) || socket instanceof TLSSocket) return undefined;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? socket : undefined;
}

/**
 * Answers with the image archive written by tar (and zstd) straight into the connection: the server's
 * process copies none of the bytes (before, it copied every one, as much CPU as both tars). The answer
 * has no length and no chunks: its end is the connection's end, and a failed archive resets the
 * connection instead of closing it, so the node sees an error rather than a short archive (tar and
 * zstd would notice one too, and verify after them). This process stops reading the connection: it
 * belongs to the children until they exit.
 */
export function sendArchiveOnSocket(
  reply: FastifyReply,
  socket: Socket,
  options: { root: string; compress: ArchiveCompression; contentType: string; signal: AbortSignal; abort: () => void },
): Promise<ArchiveResult> {
  reply.hijack();
  socket.pause();
  // Closed under the children (the server shutting down): they stop too.
  socket.once("close", options.abort);
  const head = `HTTP/1.1 200 OK\r\ncontent-type: ${options.contentType}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n`;
  return new Promise<ArchiveResult>((resolve) => {
    socket.write(head, (error) => {
      if (error) {
        socket.destroy();
        resolve({ ok: false, stderr: `the node went away before the archive started: ${error.message}` });
        return;
      }
      const { done } = startArchive(options.root, { compress: options.compress, signal: options.signal, sink: socket });
      void done.then((result) => {
        if (result.ok) socket.destroy();
        else socket.resetAndDestroy();
        resolve(result);
      });
    });
  });
}
