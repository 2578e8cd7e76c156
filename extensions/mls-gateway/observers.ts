import { firstTagValue, tagValues, type VerifiedEvent } from '../../src/nostr/event.js';
import { DELETION_KIND } from '../../src/nostr/kinds.js';
import type { OnEventSaved, OnEventsDeleted } from '../../src/relay/hooks.js';
import { COLLECTIONS, type TrackedEvent } from './collections.js';
import type { GatewayContext } from './context.js';
import { addKeyPackage, removeKeyPackages } from './directory/directory-store.js';
import { recordGroupMessage } from './groups/group-registry.js';
import {
  GATEWAY_KINDS,
  GIFT_WRAP_KIND,
  GROUP_MESSAGE_KIND,
  KEYPACKAGE_KIND,
  NOISE_DM_KIND,
  isKeyPackageKind,
} from './kinds.js';
import { fileInMailbox, forgetMail, mailSender } from './mailbox/mailbox.js';

/**
 * A NIP-09 deletion by `a` coordinate (`30443:<owner>:<slot>`) removes the store's copy without
 * naming its id, so the directory drops the owner's packages in those slots itself.
 */
async function forgetDeletedSlots(ctx: GatewayContext, deletion: VerifiedEvent): Promise<void> {
  const prefix = `${KEYPACKAGE_KIND}:${deletion.pubkey}:`;
  const slots = tagValues(deletion, 'a')
    .filter((a) => a.startsWith(prefix))
    .map((a) => a.slice(prefix.length));
  if (slots.length === 0) return;
  await removeKeyPackages(
    ctx,
    deletion.pubkey,
    (p) => p.kind === KEYPACKAGE_KIND && p.slot !== undefined && slots.includes(p.slot) && p.createdAt <= deletion.created_at,
  );
}

/**
 * After a commit: keeps the KeyPackage directory, group registry and mailbox in step with the
 * store. (Rosters change before the commit, in reserveRosterChange, so a lost race is refused.)
 */
export function keepGatewayState(ctx: GatewayContext): OnEventSaved {
  return async (session, ev) => {
    if (ev.kind === DELETION_KIND) return forgetDeletedSlots(ctx, ev);
    if (!GATEWAY_KINDS.includes(ev.kind)) return;
    ctx.metrics.eventsProcessed.inc({ kind: String(ev.kind) });
    if (isKeyPackageKind(ev.kind)) {
      const info = await ctx.keyPackages.info(ev, ctx.now());
      if (info) await addKeyPackage(ctx, ev, info);
    } else if (ev.kind === GROUP_MESSAGE_KIND) {
      const group = firstTagValue(ev, 'h');
      if (group !== undefined) recordGroupMessage(ctx, ev, group);
    } else if (ev.kind === GIFT_WRAP_KIND || ev.kind === NOISE_DM_KIND) {
      await fileInMailbox(ctx, ev, mailSender(session));
    }
  };
}

/** After a NIP-09 deletion: a deleted KeyPackage leaves its owner's directory, a deleted wrap the mailbox. */
export function forgetDeletedEvents(ctx: GatewayContext): OnEventsDeleted {
  return async (ids) => {
    for (const id of ids) {
      const tracked = await ctx.kv.get<TrackedEvent>(COLLECTIONS.tracked, id);
      if (tracked?.type === 'keypackage') await removeKeyPackages(ctx, tracked.owner, [id]);
      else if (tracked?.type === 'mail') await forgetMail(ctx, id, tracked);
    }
  };
}
