package io.tokenwatch.detector.rules;

/**
 * Independent kinds of evidence that someone other than the subject holds its tokens. Two signals
 * corroborate each other only if they come from different families: a new country and a new network
 * are one fact (the request came from elsewhere), a new device and a new user-agent family are one
 * fact (another client), but travel plus another client, or two holders interleaving plus a
 * never-seen network, are two. Containment needs two families ({@link Corroboration}).
 */
public enum SignalFamily {
    /** Where the request came from: impossible travel, a new country. */
    PLACE,
    /** Which client sent it: a new device id, a new user-agent family. */
    DEVICE,
    /** Which network it came through: a never-seen network, an anonymous (hosting, VPN, proxy, Tor) one. */
    NETWORK,
    /** More than one holder at once: one token or device alternating between networks. */
    HOLDERS,
    /** How much: request volume far above the subject's own baseline. */
    VOLUME,
    /** When: an hour the subject is not usually active, in its local time. */
    TIME
}
