/**
 * The values a node's state and destiny attributes take. Pure and imports nothing, so every layer
 * (the store, boot, install, the domain functions and the API) can name them.
 */

/** Where a node is in its provisioning life; the stored strings are these words, unchanged. */
export const nodeStates = ["defined", "discovered", "ready", "installing", "installed", "booted", "failed"] as const;
export type NodeState = (typeof nodeStates)[number];

/** What a node's next boot does: install (optionally after erasing every disk), its local disk, or a maintenance shell. */
export const destinies = ["install", "wipe,install", "boot", "shell"] as const;
export type Destiny = (typeof destinies)[number];

/**
 * A value read back from the store: one of the known ones, or whatever an older version or a
 * restored stanza file left there (chdef -z restores read-only attributes as written), kept as stored.
 */
export type Stored<Known extends string> = Known | (string & Record<never, never>);

export function isNodeState(value: string | undefined): value is NodeState {
  return (nodeStates as readonly (string | undefined)[]).includes(value);
}

export function isDestiny(value: string | undefined): value is Destiny {
  return (destinies as readonly (string | undefined)[]).includes(value);
}

/** The destinies whose next PXE boot installs. */
export const installDestinies = ["install", "wipe,install"] as const;

export function isInstallDestiny(destiny: string | undefined): destiny is (typeof installDestinies)[number] {
  return (installDestinies as readonly (string | undefined)[]).includes(destiny);
}
