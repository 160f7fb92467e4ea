/**
 * Session.paginate / Adapter.paginate against a real list server on 127.0.0.1 that pages
 * as each OpenStack service does (Nova/Neutron `<key>_links`, Cinder's `volume_type_links`,
 * Glance's root-relative `next` under a path prefix, Keystone's `links.next`, an RFC 8288 Link
 * header, marker-only services, Swift's bare list), and one that misbehaves (repeating links,
 * the same page under new links, links to another origin, a marker it ignores).
 */
import assert from "node:assert/strict";
import {
  Adapter,
  HttpError,
  InvalidResponse,
  NotFound,
  OptionError,
  PaginationError,
  Session,
  TokenEndpoint,
  UntrustedOrigin,
} from "../../mod.ts";

const TOKEN = "tok-paginate-0123456789";

interface Seen {
  path: string;
  token: string | null;
}

type Item = { id?: string; uuid?: string; name?: string };

/** A list server: `style` (first path segment) picks how pages link to each other. */
function listServer(count: number, other?: { url: string }) {
  const seen: Seen[] = [];
  const ids = Array.from({ length: count }, (_, i) => `id-${String(i).padStart(3, "0")}`);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    seen.push({ path: url.pathname + url.search, token: req.headers.get("x-auth-token") });
    const origin = url.origin;
    const style = url.pathname.split("/")[1] ?? "";
    const limit = Number(url.searchParams.get("limit") ?? "1000");
    const marker = url.searchParams.get("marker");
    const start = marker === null ? 0 : ids.indexOf(marker) + 1;
    const page = ids.slice(start, start + limit);
    const more = start + limit < ids.length;
    const last = page[page.length - 1];
    const nextQuery = `limit=${limit}&marker=${last}`;
    const json = (body: unknown, headers: Record<string, string> = {}) =>
      Response.json(body, { headers });
    switch (style) {
      case "nova": // flavors: flavors_links only while there is more
        return json({
          flavors: page.map((id) => ({ id, links: [{ rel: "self", href: `${origin}/x/${id}` }] })),
          ...(more
            ? {
              flavors_links: [{ rel: "next", href: `${origin}/nova/flavors?${nextQuery}` }],
            }
            : {}),
        });
      case "neutron": // next and previous links
        return json({
          networks: page.map((id) => ({ id })),
          networks_links: [
            ...(more ? [{ rel: "next", href: `${origin}/neutron/networks?${nextQuery}` }] : []),
            { rel: "previous", href: `${origin}/neutron/networks?page_reverse=True` },
          ],
        });
      case "cinder": // the links key is not <itemsKey>_links
        return json({
          volume_types: page.map((id) => ({ id })),
          ...(more
            ? {
              volume_type_links: [{ rel: "next", href: `${origin}/cinder/types?${nextQuery}` }],
            }
            : {}),
        });
      case "image": // glance behind a path prefix: next is /v2/... (root-relative, no prefix)
        return json({
          images: page.map((id) => ({ id })),
          first: "/v2/images",
          schema: "/v2/schemas/images",
          ...(more ? { next: `/v2/images?${nextQuery}` } : {}),
        });
      case "keystone":
        return json({
          users: page.map((id) => ({ id })),
          links: {
            self: url.href,
            previous: null,
            next: more ? `${origin}/keystone/users?${nextQuery}` : null,
          },
        });
      case "ironic": // uuid, not id; next only while there is more
        return json({
          nodes: page.map((uuid) => ({ uuid })),
          ...(more ? { next: `${origin}/ironic/nodes?${nextQuery}` } : {}),
        });
      case "header":
        return json({ things: page.map((id) => ({ id })) }, {
          ...(more ? { link: `<${origin}/header/x?${nextQuery}>; rel="next"` } : {}),
        });
      case "marker": // heat-like: no links at all, honours marker and limit
        return json({ stacks: page.map((id) => ({ id })) });
      case "swift": // a bare list of objects named, not id'd
        return json(page.map((name) => ({ name })));
      case "repeat": // the same next link forever
        return json({ items: page.map((id) => ({ id })), next: `${origin}/repeat/x?limit=2` });
      case "samepage": // new next links, same items
        return json({
          items: ids.slice(0, 2).map((id) => ({ id })),
          next: `${origin}/samepage/x?n=${seen.length}`,
        });
      case "ignoresmarker": // no links, ignores marker and limit
        return json({ items: ids.slice(0, 3).map((id) => ({ id })) });
      case "evil":
        return json({
          items: page.map((id) => ({ id })),
          next: `${other?.url ?? "http://127.0.0.1:9"}/steal?${nextQuery}`,
        });
      case "scheme":
        return json({ items: page.map((id) => ({ id })), next: "file:///etc/passwd" });
      case "twolists":
        return json({ a: [1], b: [2] });
      case "nolist":
        return json({ count: 3 });
      case "html":
        return new Response("<h1>oops password=hunter2</h1>", {
          headers: { "content-type": "text/html" },
        });
      case "missing":
        return new Response(
          JSON.stringify({ itemNotFound: { message: "no such list", code: 404 } }),
          {
            status: 404,
            headers: { "content-type": "application/json" },
          },
        );
    }
    return new Response("unknown style", { status: 400 });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  return { url, ids, seen, close: () => server.shutdown() };
}

function session(endpoint: string): Session {
  return new Session({ auth: new TokenEndpoint({ endpoint, token: TOKEN }) });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const idOf = (x: Item) => x.id ?? x.uuid ?? x.name;

Deno.test("paginate: each service's next links, all items in order, limit sent", async (t) => {
  const srv = listServer(7);
  try {
    const sess = session(srv.url);
    const cases: [string, string, number][] = [
      // style, url, pages requested for 7 items by 2
      ["nova", "/nova/flavors", 4],
      ["neutron", "/neutron/networks", 4],
      ["cinder", "/cinder/types", 4],
      ["keystone", "/keystone/users", 4],
      ["ironic", "/ironic/nodes", 4],
      ["header", "/header/x", 4],
    ];
    for (const [style, path, pages] of cases) {
      await t.step(style, async () => {
        srv.seen.length = 0;
        const items = await collect(sess.paginate<Item>(`${srv.url}${path}`, { limit: 2 }));
        assert.deepEqual(items.map(idOf), srv.ids);
        assert.equal(srv.seen.length, pages);
        assert.equal(srv.seen[0]!.path, `${path}?limit=2`);
        assert.ok(srv.seen.every((s) => s.token === TOKEN));
      });
    }
  } finally {
    await srv.close();
  }
});

Deno.test("paginate: a root-relative /v2 next link stays below the endpoint's path prefix", async () => {
  const srv = listServer(5);
  try {
    // Glance served at <origin>/image: its next links are /v2/images?... without /image.
    const proxy = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const url = new URL(req.url);
      if (!url.pathname.startsWith("/image/")) {
        return new Response("not below /image", { status: 404 });
      }
      return fetch(`${srv.url}/image${url.pathname.slice("/image".length)}${url.search}`);
    });
    const origin = `http://127.0.0.1:${proxy.addr.port}`;
    try {
      const sess = session(`${origin}/image`);
      const items = await collect(
        sess.paginate<Item>("v2/images", { endpointFilter: { serviceType: "image" }, limit: 2 }),
      );
      assert.deepEqual(items.map(idOf), srv.ids);
      assert.deepEqual(srv.seen.map((s) => s.path), [
        "/image/v2/images?limit=2",
        "/image/v2/images?limit=2&marker=id-001",
        "/image/v2/images?limit=2&marker=id-003",
      ]);
    } finally {
      await proxy.shutdown();
    }
  } finally {
    await srv.close();
  }
});

Deno.test("paginate: marker pages where a service has no links (limit set), until an empty page", async (t) => {
  const srv = listServer(5);
  try {
    const sess = session(srv.url);
    await t.step("object body", async () => {
      srv.seen.length = 0;
      const items = await collect(sess.paginate<Item>(`${srv.url}/marker/stacks`, { limit: 2 }));
      assert.deepEqual(items.map(idOf), srv.ids);
      assert.deepEqual(srv.seen.map((s) => s.path), [
        "/marker/stacks?limit=2",
        "/marker/stacks?limit=2&marker=id-001",
        "/marker/stacks?limit=2&marker=id-003",
        "/marker/stacks?limit=2&marker=id-004", // empty: the end
      ]);
    });
    await t.step("a bare list with names (Swift)", async () => {
      srv.seen.length = 0;
      const items = await collect(sess.paginate<Item>(`${srv.url}/swift/c`, { limit: 3 }));
      assert.deepEqual(items.map(idOf), srv.ids);
      assert.equal(srv.seen.length, 3);
    });
    await t.step("markerKey", async () => {
      const items = await collect(
        sess.paginate<Item>(`${srv.url}/swift/c`, { limit: 2, markerKey: "name" }),
      );
      assert.deepEqual(items.map(idOf), srv.ids);
      await assert.rejects(
        collect(sess.paginate(`${srv.url}/swift/c`, { limit: 2, markerKey: "id" })),
        (err: Error) =>
          err instanceof PaginationError && /no id to ask for the next page/.test(err.message),
      );
    });
    await t.step("without limit: one page, no marker request", async () => {
      srv.seen.length = 0;
      const items = await collect(sess.paginate<Item>(`${srv.url}/marker/stacks`));
      assert.equal(items.length, 5);
      assert.equal(srv.seen.length, 1);
    });
    await t.step("a query in the URL is kept; limit replaces the URL's", async () => {
      srv.seen.length = 0;
      await collect(sess.paginate(`${srv.url}/marker/stacks?name=a%20b&limit=9`, { limit: 2 }));
      assert.equal(srv.seen[0]!.path, "/marker/stacks?name=a+b&limit=2");
      assert.equal(srv.seen[1]!.path, "/marker/stacks?name=a+b&limit=2&marker=id-001");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("paginate: maxItems stops without requesting further pages; break does too", async () => {
  const srv = listServer(9);
  try {
    const sess = session(srv.url);
    const items = await collect(
      sess.paginate<Item>(`${srv.url}/nova/f`, { limit: 2, maxItems: 3 }),
    );
    assert.deepEqual(items.map(idOf), srv.ids.slice(0, 3));
    assert.equal(srv.seen.length, 2);
    srv.seen.length = 0;
    assert.deepEqual(await collect(sess.paginate(`${srv.url}/nova/f`, { maxItems: 0 })), []);
    assert.equal(srv.seen.length, 0);
    for await (const item of sess.paginate<Item>(`${srv.url}/nova/f`, { limit: 4 })) {
      assert.equal(item.id, "id-000");
      break;
    }
    assert.equal(srv.seen.length, 1);
  } finally {
    await srv.close();
  }
});

Deno.test("paginate: endless pagination stops with PaginationError", async (t) => {
  const srv = listServer(6);
  try {
    const sess = session(srv.url);
    await t.step("a next link that repeats", async () => {
      srv.seen.length = 0;
      const got: unknown[] = [];
      await assert.rejects(
        (async () => {
          for await (const x of sess.paginate(`${srv.url}/repeat/x`, { limit: 2 })) got.push(x);
        })(),
        (err: Error) => err instanceof PaginationError && /already fetched/.test(err.message),
      );
      assert.equal(got.length, 2);
      assert.equal(srv.seen.length, 1);
    });
    await t.step("new next links, the same page", async () => {
      srv.seen.length = 0;
      await assert.rejects(
        collect(sess.paginate(`${srv.url}/samepage/x`)),
        (err: Error) => err instanceof PaginationError && /same item/.test(err.message),
      );
      assert.equal(srv.seen.length, 2);
    });
    await t.step("a marker the service ignores", async () => {
      srv.seen.length = 0;
      await assert.rejects(
        collect(sess.paginate(`${srv.url}/ignoresmarker/x`, { limit: 3 })),
        (err: Error) => err instanceof PaginationError && /endless pagination/.test(err.message),
      );
      assert.equal(srv.seen.length, 2);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("paginate: a next link to another origin is refused, and the token never goes there", async () => {
  const thief: Seen[] = [];
  const other = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    thief.push({ path: new URL(req.url).pathname, token: req.headers.get("x-auth-token") });
    return Response.json({ items: [] });
  });
  const srv = listServer(6, { url: `http://127.0.0.1:${other.addr.port}` });
  try {
    for (const authenticated of [true, false]) {
      const sess = session(srv.url);
      const got: Item[] = [];
      await assert.rejects(
        (async () => {
          for await (
            const x of sess.paginate<Item>(`${srv.url}/evil/x`, { limit: 2, authenticated })
          ) {
            got.push(x);
          }
        })(),
        (err: Error) =>
          err instanceof UntrustedOrigin && /another origin/.test(err.message) &&
          !err.message.includes(TOKEN),
      );
      assert.deepEqual(got.map(idOf), ["id-000", "id-001"]);
    }
    assert.deepEqual(thief, []);
    await assert.rejects(
      collect(session(srv.url).paginate(`${srv.url}/scheme/x`)),
      (err: Error) => err instanceof UntrustedOrigin && /http\(s\)/.test(err.message),
    );
  } finally {
    await srv.close();
    await other.shutdown();
  }
});

Deno.test("paginate: itemsKey detection and bad pages", async (t) => {
  const srv = listServer(3);
  try {
    const sess = session(srv.url);
    await t.step("several lists: itemsKey needed, and it works", async () => {
      await assert.rejects(
        collect(sess.paginate(`${srv.url}/twolists/x`)),
        (err: Error) =>
          err instanceof PaginationError && /several lists/.test(err.message) &&
          /"a", "b"/.test(err.message) && /itemsKey/.test(err.message),
      );
      assert.deepEqual(await collect(sess.paginate(`${srv.url}/twolists/x`, { itemsKey: "b" })), [
        2,
      ]);
    });
    await t.step("no list, or none under itemsKey", async () => {
      await assert.rejects(
        collect(sess.paginate(`${srv.url}/nolist/x`)),
        (err: Error) => err instanceof PaginationError && /no list/.test(err.message),
      );
      await assert.rejects(
        collect(sess.paginate(`${srv.url}/nova/x`, { itemsKey: "servers" })),
        (err: Error) =>
          err instanceof PaginationError && /no list under "servers"/.test(err.message) &&
          /"flavors"/.test(err.message),
      );
    });
    await t.step("not JSON: InvalidResponse, without the body", async () => {
      await assert.rejects(
        collect(sess.paginate(`${srv.url}/html/x`)),
        (err: Error) =>
          err instanceof InvalidResponse && /not JSON/.test(err.message) &&
          /text\/html/.test(err.message) && !err.message.includes("hunter2"),
      );
    });
    await t.step("an error page is an HttpError, even with raiseExc: false", async () => {
      await assert.rejects(
        collect(sess.paginate(`${srv.url}/missing/x`, { raiseExc: false })),
        (err: Error) => err instanceof NotFound && err instanceof HttpError && err.status === 404,
      );
    });
    await t.step("bad options are OptionErrors", async () => {
      for (
        const bad of [
          { limit: 0 },
          { limit: -1 },
          { limit: 1.5 },
          { limit: "2" },
          { maxItems: -1 },
          { maxItems: Infinity },
          { itemsKey: "" },
          { itemsKey: 3 },
          { markerKey: "" },
        ]
      ) {
        await assert.rejects(
          collect(sess.paginate(`${srv.url}/nova/x`, bad as never)),
          OptionError,
          JSON.stringify(bad),
        );
      }
      await assert.rejects(collect(sess.paginate(3 as never)), OptionError);
      await assert.rejects(collect(sess.paginate(`${srv.url}/nova/x`, null as never)), OptionError);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("Adapter.paginate: paths below the service's endpoint, the adapter's defaults", async () => {
  const srv = listServer(5);
  try {
    const sess = session(`${srv.url}/nova`);
    const compute = new Adapter(sess, {
      serviceType: "compute",
      additionalHeaders: { "X-Trace": "t1" },
    });
    const items = await collect(compute.paginate<Item>("flavors", { limit: 2 }));
    assert.deepEqual(items.map(idOf), srv.ids);
    assert.deepEqual(srv.seen.map((s) => s.path), [
      "/nova/flavors?limit=2",
      "/nova/flavors?limit=2&marker=id-001",
      "/nova/flavors?limit=2&marker=id-003",
    ]);
    const over = new Adapter(session("http://127.0.0.1:9"), {
      serviceType: "compute",
      endpointOverride: `${srv.url}/keystone`,
    });
    const users = await collect(over.paginate<Item>("/users", { limit: 4 }));
    assert.deepEqual(users.map(idOf), srv.ids);
  } finally {
    await srv.close();
  }
});
