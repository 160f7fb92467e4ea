/**
 * Keystone's multi-factor rules: auth receipts (`Openstack-Auth-Receipt`) and
 * the 401 that asks for more methods.
 *
 * @module
 */
import { isoMicro, randomBase64Url } from "../_util.ts";
import { FakeHttpError, FakeReceiptError } from "./http.ts";
import type { CloudState, FakeReceipt } from "./state.ts";
import type { FakeUser } from "./types.ts";

/**
 * The methods `user` has passed, counting those of an `Openstack-Auth-Receipt`
 * sent along; throws a receipt 401 when they meet none of the user's MFA rules.
 * Token and application credential authentications are not subject to the rules.
 */
export function checkMfa(
  s: CloudState,
  req: Request,
  user: FakeUser,
  methods: string[],
  exempt: boolean,
): string[] {
  const receiptId = req.headers.get("Openstack-Auth-Receipt");
  let receipt: FakeReceipt | undefined;
  if (receiptId !== null) {
    receipt = s.receipts.get(receiptId);
    if (!receipt || receipt.expiresAt <= s.now() || receipt.userId !== user.id) {
      throw new FakeHttpError(401, "Could not find auth receipt.");
    }
  }
  const passed = [...new Set([...(receipt?.methods ?? []), ...methods])];
  const rules = user.mfaRules ?? [];
  if (exempt || rules.length === 0 || rules.some((r) => r.every((m) => passed.includes(m)))) {
    return passed;
  }
  const now = s.now();
  const id = `rcpt-${randomBase64Url(24)}`;
  s.receipts.set(id, { userId: user.id, methods: passed, expiresAt: now + 300_000 });
  const domainId = user.domainId ?? "default";
  throw new FakeReceiptError(id, {
    receipt: {
      methods: passed,
      user: {
        id: user.id,
        name: user.name,
        domain: { id: domainId, name: s.domains.get(domainId)?.name ?? domainId },
      },
      expires_at: isoMicro(new Date(now + 300_000)),
      issued_at: isoMicro(new Date(now)),
    },
    required_auth_methods: rules,
  });
}
