// Exit codes of every command, as the README documents them.
export const EXIT_OK = 0;
/** Replication stopped on an error it cannot retry (a shard stopped, data lost, a write refused). */
export const EXIT_FAILED = 1;
/** A user mistake found before any data moved: bad flags, missing tables, stream settings, permissions. */
export const EXIT_CONFIG = 2;
/** Interrupted twice: stopped at once, without the final flush (checkpoints stay put, nothing is lost). */
export const EXIT_INTERRUPTED = 130;
