import { readFileSync } from "node:fs";
import tls from "node:tls";

import { ServerCredentials } from "@grpc/grpc-js";

/** PEM files of the aggregator's serving certificate (a mounted Secret: tls.crt, tls.key). */
export type ServerTlsFiles = { certFile: string; keyFile: string };

const MIN_TLS_VERSION = "TLSv1.2";

/**
 * TLS for the agents' link when both files are given, else plaintext (demo and tests only). grpc-js
 * builds its server from Node's TLS defaults: the floor is raised to TLS 1.2 should a runtime flag
 * (--tls-min-v1.0) have lowered it.
 */
export function loadServerCredentials(
  files: ServerTlsFiles | undefined,
): ServerCredentials {
  if (files === undefined) return ServerCredentials.createInsecure();
  if (tls.DEFAULT_MIN_VERSION !== "TLSv1.3")
    tls.DEFAULT_MIN_VERSION = MIN_TLS_VERSION;
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new Error(
        `cannot read the gRPC TLS ${what} ${path}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  };
  return ServerCredentials.createSsl(null, [
    {
      cert_chain: read(files.certFile, "certificate"),
      private_key: read(files.keyFile, "key"),
    },
  ]);
}
