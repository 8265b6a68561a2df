/*
 * core_limits.h — the bounds of the consensus core (core.h) and vote sets.
 *
 * The core keeps state for one height at a time: votes and proposals of
 * rounds 0 .. current round + CONS_CORE_FUTURE_ROUNDS. Anything for a later
 * round is refused (counted as far-future), so a peer cannot make a node
 * allocate for rounds nobody has reached. Rounds advance only through
 * timeouts or messages carrying more than 1/3 of the voting power, so the
 * number of rounds held grows with time, never with one peer's traffic.
 */
#ifndef AGORA_CONSENSUS_CORE_LIMITS_H
#define AGORA_CONSENSUS_CORE_LIMITS_H

/* Rounds above the current one for which votes and proposals are kept.
 * CometBFT keeps one peer-claimed round ahead per peer (peerCatchupRounds = 2);
 * Agora keeps a fixed window so a node that is behind can still count the
 * f+1 messages of a higher round (round skipping). */
#define CONS_CORE_FUTURE_ROUNDS 8

/* Highest round number the core enters or accepts (int32 like the wire). */
#define CONS_CORE_ROUND_MAX 1000000

/* Outputs one input can produce (proposal request, votes, timeouts, decision,
 * evidence); the queue holds this many and must be drained after each input. */
#define CONS_CORE_OUTPUTS_MAX 64

/* Largest timeout the core schedules, whatever the round (one hour). */
#define CONS_CORE_TIMEOUT_MAX_MS 3600000u

#endif
