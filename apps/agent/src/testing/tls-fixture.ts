import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type TlsFixture = {
  /** Signs the server certificate (a kubelet CA, or the cluster CA with serverTLSBootstrap). */
  caFile: string;
  /** A CA that signed nothing the server presents. */
  otherCaFile: string;
  cert: Buffer;
  key: Buffer;
};

const openssl = (dir: string, args: string[]) =>
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];

function createCa(dir: string, name: string): void {
  openssl(dir, [
    ...["req", "-x509", ...EC_KEY, "-nodes", "-days", "2"],
    ...[
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.crt`,
      "-subj",
      `/CN=${name}`,
    ],
  ]);
}

/** Fresh keys per run (openssl CLI), so no private key is committed and nothing expires in the repo. */
export function createTlsFixture(dir: string): TlsFixture {
  createCa(dir, "kubelet-ca");
  createCa(dir, "other-ca");
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl(dir, [
    ...["req", ...EC_KEY, "-nodes", "-keyout", "server.key"],
    ...["-out", "server.csr", "-subj", "/CN=kubelet"],
  ]);
  openssl(dir, [
    ...["x509", "-req", "-in", "server.csr", "-days", "2"],
    ...["-CA", "kubelet-ca.crt", "-CAkey", "kubelet-ca.key"],
    ...["-CAcreateserial", "-extfile", "san.ext", "-out", "server.crt"],
  ]);
  return {
    caFile: join(dir, "kubelet-ca.crt"),
    otherCaFile: join(dir, "other-ca.crt"),
    cert: readFileSync(join(dir, "server.crt")),
    key: readFileSync(join(dir, "server.key")),
  };
}
