/**
 * A TypeScript consumer of the public API, type-checked (never run) three ways:
 * here by `deno task check`, and by scripts/cross-runtime.sh against the npm
 * build's .d.ts (its imports rewritten to `@x/osauth`, `@x/osauth/clouds`, ...)
 * as a Node project (`lib: ["es2023"]`, `@types/node`, `skipLibCheck: false`)
 * and as a browser one (`lib: ["es2023", "dom"]`, no `@types/node`): 0 errors
 * each, or CI fails. It passes the web values (headers, bodies, a WebCrypto
 * key) every runtime has to the signatures that take them, so that a DOM-only
 * type in a public signature is an error here.
 *
 * @module
 */
import {
  Adapter,
  type BodyLike,
  type HeadersLike,
  HttpError,
  type RequestOptions,
  Session,
  type SessionOptions,
  v3,
} from "../../mod.ts";
import { type CloudConfig, loadCloudConfig, sessionFromCloud } from "../../src/clouds/mod.ts";
import {
  fetchVersionDocument,
  parseVersion,
  type VersionDocument,
} from "../../src/discovery/mod.ts";
import { FakeCloud } from "../../src/testing/mod.ts";
import { MemoryStateStore, type StateStoreOptions } from "../../src/stores/mod.ts";

export async function consumer(): Promise<unknown[]> {
  const auth = new v3.Password({
    authUrl: "http://127.0.0.1:5000/v3",
    username: "demo",
    password: "secret",
    projectName: "demo",
    userDomainId: "default",
    projectDomainId: "default",
  });
  const headerForms: HeadersLike[] = [
    new Headers({ "X-A": "1" }),
    [["X-A", "1"]],
    new Map([["X-A", "1"]]),
    { "X-A": "1" },
  ];
  const bodyForms: BodyLike[] = [
    "text",
    new TextEncoder().encode("bytes"),
    new ArrayBuffer(1),
    new Blob(["blob"]),
    new URLSearchParams({ a: "1" }),
    new FormData(),
    new Blob(["stream"]).stream(),
    null,
  ];
  const options: SessionOptions = { auth, additionalHeaders: headerForms[0], userAgent: "" };
  const sess = new Session(options);
  const request: RequestOptions = {
    method: "POST",
    headers: new Headers({ Accept: "application/json" }),
    body: new Blob(["{}"]),
  };
  const resp: Response = await sess.request("http://127.0.0.1:1/x", request);
  const adapter = new Adapter(sess, {
    serviceType: "compute",
    defaultMicroversion: "2.79",
    additionalHeaders: new Headers(),
  });
  const key = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ]);
  const storeOptions: StateStoreOptions = { encryptionKey: key };
  const store = new MemoryStateStore(storeOptions);
  const cloud: CloudConfig = await loadCloudConfig({
    yaml: "clouds: {x: {}}",
    cloud: "x",
    env: {},
  });
  const fromCloud: Session = await sessionFromCloud({
    yaml: "clouds: {x: {}}",
    cloud: cloud.name,
    env: {},
    session: { additionalHeaders: [["X-B", "2"]] },
  });
  const fake = new FakeCloud();
  const versions: VersionDocument = await fetchVersionDocument(sess, "http://127.0.0.1:1/");
  const parsed = parseVersion("2.1");
  const err: unknown = new Error();
  return [
    headerForms,
    bodyForms,
    resp,
    adapter,
    store,
    fromCloud,
    fake,
    versions,
    parsed,
    err instanceof HttpError,
  ];
}
